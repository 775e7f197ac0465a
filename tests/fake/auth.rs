//! `auth.test` and `auth.revoke` against the fake, through the typed
//! client: who a token is, from its workspace; a revoked token answers
//! `token_revoked` afterwards.

use crate::fake_support::raw_http as mock_support;

use mock_support::post_form;
use slack_calls::{Error, ErrorCode, TokenKind, UserId};
use slack_calls_mock::{DEMO_TEAM_ID, DEMO_TEAM_NAME, MockSlack, MockWorkspace};

#[tokio::test]
async fn auth_test_tells_a_bot_token_its_workspace_and_bot()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.bot_token())?;
    let me = client.auth().test().await?;
    assert_eq!(me.team_id, DEMO_TEAM_ID);
    assert_eq!(me.team, DEMO_TEAM_NAME);
    assert_eq!(me.user_id, UserId::from("UB0MOCK001"));
    assert_eq!(me.bot_id.as_deref(), Some("B0MOCK001"));
    assert_eq!(me.is_enterprise_install, Some(false));
    assert!(me.url.starts_with("https://"), "{}", me.url);
    Ok(())
}

#[tokio::test]
async fn auth_test_tells_a_user_token_its_user() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.user_token())?;
    let me = client.auth().test().await?;
    assert_eq!(me.user_id, UserId::from("U0MOCK001"));
    assert_eq!(me.user, "u0mock001");
    assert_eq!(me.bot_id, None);
    Ok(())
}

#[tokio::test]
async fn auth_test_answers_from_the_tokens_own_workspace() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = MockSlack::builder()
        .workspace(
            MockWorkspace::new("T0OTHER01", "Other Workspace")
                .users(["U0OTHER01"])
                // A token with no scope at all still passes auth.test.
                .token("xoxb-other", TokenKind::Bot, Vec::<String>::new()),
        )
        .start()
        .await?;
    let me = mock.client("xoxb-other")?.auth().test().await?;
    assert_eq!(me.team_id, "T0OTHER01");
    assert_eq!(me.team, "Other Workspace");
    assert_eq!(me.bot_id.as_deref(), Some("B0OTHER01"));
    Ok(())
}

#[tokio::test]
async fn an_unknown_token_is_invalid_auth() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let raw = post_form(&mock, "auth.test", Some("xoxb-nobody"), &[]).await;
    assert_eq!(raw.json()["error"], "invalid_auth");
    let raw = post_form(&mock, "auth.test", None, &[]).await;
    assert_eq!(raw.json()["error"], "not_authed");
    Ok(())
}

#[tokio::test]
async fn a_revoked_token_answers_token_revoked() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.user_token())?;
    // Test mode revokes nothing.
    let dry = client.auth().revoke().test(true).await?;
    assert!(!dry.revoked);
    client.auth().test().await?;

    let done = client.auth().revoke().await?;
    assert!(done.revoked);
    match client.auth().test().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "token_revoked"),
        other => return Err(format!("expected token_revoked, got {other:?}").into()),
    }
    match client.auth().revoke().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "token_revoked"),
        other => return Err(format!("expected token_revoked, got {other:?}").into()),
    }
    // Other tokens are untouched.
    mock.client(mock.bot_token())?.auth().test().await?;
    Ok(())
}

//! Installing the app into a workspace through the fake, as a real app
//! does: the fake hands out a code, `oauth.v2.access` (with the app's
//! client id and secret by HTTP Basic) turns it into a bot token and a
//! user token with the scopes asked for, and the tokens work. Then
//! `apps.uninstall` revokes every token of the workspace.

use crate::fake_support::raw_http as mock_support;

use mock_support::{post_form, send};
use std::time::Duration;

use reqwest::Method;
use slack_calls::oauth::v2::AccessError;
use slack_calls::{Client, Error, ErrorCode, TokenKind, UserId};
use slack_calls_mock::{
    DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, MockSlack, MockWorkspace,
};

fn app(mock: &MockSlack, secret: &str) -> Result<Client, slack_calls::BuildError> {
    Client::app_builder(DEMO_CLIENT_ID, secret)
        .base_url(mock.base_url())
        .build()
}

#[tokio::test]
async fn an_install_gives_a_bot_token_and_a_user_token_that_work()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .workspace(
            MockWorkspace::new("T0OTHER01", "Other Workspace")
                .users(["U0OTHER01", "U0OTHER02"])
                .channels(["C0OTHER01"]),
        )
        .start()
        .await?;
    let code = mock.start_install(
        "T0OTHER01",
        ["calls:read", "calls:write", "chat:write"],
        ["calls:read"],
    )?;
    let installed = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await?;
    assert_eq!(installed.app_id, DEMO_APP_ID);
    assert_eq!(installed.token_type.as_deref(), Some("bot"));
    assert_eq!(
        installed.scope.as_deref(),
        Some("calls:read,calls:write,chat:write")
    );
    let team = installed.team.ok_or("a team")?;
    assert_eq!(team.id, "T0OTHER01");
    assert_eq!(team.name.as_deref(), Some("Other Workspace"));
    assert_eq!(installed.enterprise, None);
    let user = installed.authed_user.ok_or("the installing user")?;
    assert_eq!(user.id, UserId::from("U0OTHER01"));
    assert_eq!(user.scope.as_deref(), Some("calls:read"));
    assert_eq!(user.token_type.as_deref(), Some("user"));

    // The bot token works in its workspace, with its scopes.
    let bot_token = installed.access_token.ok_or("a bot token")?;
    let bot = mock.client(bot_token.expose_secret())?;
    let me = bot.auth().test().await?;
    assert_eq!(me.team_id, "T0OTHER01");
    assert_eq!(Some(me.user_id), installed.bot_user_id);
    bot.chat()
        .post_message("C0OTHER01")
        .text("installed")
        .await?;
    // The user token has only calls:read.
    let user_client = mock.client(user.access_token.ok_or("a user token")?.expose_secret())?;
    assert_eq!(user_client.token_kind(), TokenKind::User);
    let me = user_client.auth().test().await?;
    assert_eq!(me.user_id, UserId::from("U0OTHER01"));
    match user_client
        .chat()
        .post_message("C0OTHER01")
        .text("no")
        .await
    {
        Err(Error::Api { error, .. }) => {
            assert_eq!(error.code.code(), "missing_scope");
            assert_eq!(error.needed.as_deref(), Some("chat:write"));
        }
        other => return Err(format!("expected missing_scope, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn a_code_works_once_and_bad_credentials_get_slacks_codes()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let code = mock.start_install(DEMO_TEAM_ID, ["chat:write"], Vec::<String>::new())?;

    let wrong_secret = app(&mock, "not-the-secret")?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await;
    match wrong_secret {
        Err(Error::Api { error, .. }) => {
            assert_eq!(error.code, AccessError::BadClientSecret);
            // The secret is nowhere in the error.
            assert!(!format!("{error:?}").contains("not-the-secret"));
        }
        other => return Err(format!("expected bad_client_secret, got {other:?}").into()),
    }
    let stranger = Client::app_builder("999.999", DEMO_CLIENT_SECRET)
        .base_url(mock.base_url())
        .build()?;
    match stranger.oauth().v2().access().code(&code).await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code, AccessError::InvalidClientId),
        other => return Err(format!("expected invalid_client_id, got {other:?}").into()),
    }
    match app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code("made-up")
        .await
    {
        Err(Error::Api { error, .. }) => assert_eq!(error.code, AccessError::InvalidCode),
        other => return Err(format!("expected invalid_code, got {other:?}").into()),
    }

    // No code at all (the spec cannot require it: a refresh sends none):
    // the answer the generic check gives a missing required param.
    match app(&mock, DEMO_CLIENT_SECRET)?.oauth().v2().access().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "invalid_arguments"),
        other => return Err(format!("expected invalid_arguments, got {other:?}").into()),
    }

    // The failures above did not use the code up.
    let installed = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await?;
    assert!(installed.access_token.is_some());
    // Bot scopes only: no user token.
    assert_eq!(installed.authed_user.and_then(|u| u.access_token), None);
    match app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await
    {
        Err(Error::Api { error, .. }) => assert_eq!(error.code, AccessError::InvalidCode),
        other => return Err(format!("expected invalid_code, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn client_credentials_may_come_as_form_fields() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let code = mock.start_install(DEMO_TEAM_ID, ["calls:read"], ["calls:read"])?;
    let raw = post_form(
        &mock,
        "oauth.v2.access",
        None,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("code", &code),
        ],
    )
    .await;
    let body = raw.json();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["authed_user"]["token_type"], "user");
    // The request log keeps no client secret.
    let logged = mock.requests_for("oauth.v2.access");
    assert!(!format!("{logged:?}").contains(DEMO_CLIENT_SECRET));

    // Neither Basic nor fields: invalid_client_id.
    let raw = post_form(&mock, "oauth.v2.access", None, &[("code", &code)]).await;
    assert_eq!(raw.json()["error"], "invalid_client_id");
    // Basic that is not base64: the same.
    let raw = send(
        &mock,
        Method::POST,
        "oauth.v2.access",
        &[
            ("authorization", "Basic !!!"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        "code=x",
    )
    .await;
    assert_eq!(raw.json()["error"], "invalid_client_id");
    Ok(())
}

#[tokio::test]
async fn a_token_method_needs_a_token_and_the_exchange_needs_credentials()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    // An app client has no token: refused before sending.
    let result = app(&mock, DEMO_CLIENT_SECRET)?.auth().test().await;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    // A token client without credentials cannot exchange a code.
    let result = mock
        .client(mock.bot_token())?
        .oauth()
        .v2()
        .access()
        .code("x")
        .await;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert!(mock.requests_for("oauth.v2.access").is_empty());
    // The secret does not show in the client's Debug.
    let debug = format!("{:?}", app(&mock, "a-long-client-secret")?);
    assert!(!debug.contains("a-long-client-secret"), "{debug}");
    Ok(())
}

#[tokio::test]
async fn uninstalling_revokes_every_token_of_the_workspace()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .workspace(
            MockWorkspace::new("T0OTHER01", "Other Workspace")
                .users(["U0OTHER01"])
                .token("xoxb-other", TokenKind::Bot, ["calls:read"]),
        )
        .start()
        .await?;
    let code = mock.start_install(DEMO_TEAM_ID, ["calls:read"], ["calls:read"])?;
    let installed = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await?;
    let issued_bot = installed.access_token.ok_or("a bot token")?;

    let with_app = |token: &str| {
        mock.client_builder(token)
            .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .build()
    };
    // Slack: "Granular bot not allowed to uninstall".
    match with_app(mock.bot_token())?.apps().uninstall().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "no_permission"),
        other => return Err(format!("expected no_permission, got {other:?}").into()),
    }
    // A wrong secret is refused.
    mock.advance(Duration::from_secs(60));
    let wrong = mock
        .client_builder(mock.user_token())
        .client_credentials(DEMO_CLIENT_ID, "wrong-secret")
        .build()?;
    match wrong.apps().uninstall().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "bad_client_secret"),
        other => return Err(format!("expected bad_client_secret, got {other:?}").into()),
    }
    assert!(mock.uninstalls().is_empty());

    // apps.uninstall is tier 1: one a minute per workspace.
    mock.advance(Duration::from_secs(60));
    let done = with_app(mock.user_token())?.apps().uninstall().await?;
    assert_eq!(done.uninstalled, Some(true));
    for token in [
        mock.bot_token(),
        mock.user_token(),
        issued_bot.expose_secret(),
    ] {
        match mock.client(token)?.auth().test().await {
            Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "token_revoked"),
            other => return Err(format!("expected token_revoked, got {other:?}").into()),
        }
    }
    // The other workspace keeps its install.
    mock.client("xoxb-other")?.auth().test().await?;
    let uninstalls = mock.uninstalls();
    assert_eq!(uninstalls.len(), 1);
    assert_eq!(uninstalls[0].team_id, DEMO_TEAM_ID);
    // The two demo tokens and the two issued ones.
    assert_eq!(uninstalls[0].tokens_revoked, 4);

    // Installing again gives tokens that work.
    let code = mock.start_install(DEMO_TEAM_ID, ["calls:read"], Vec::<String>::new())?;
    let again = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(&code)
        .await?;
    mock.client(again.access_token.ok_or("a bot token")?.expose_secret())?
        .auth()
        .test()
        .await?;
    Ok(())
}

#[tokio::test]
async fn start_install_refuses_what_cannot_be_installed() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = MockSlack::start().await?;
    let err = mock
        .start_install("T0NOBODY1", ["calls:read"], Vec::<String>::new())
        .err()
        .ok_or("an unknown workspace is refused")?;
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = mock
        .start_install(DEMO_TEAM_ID, Vec::<String>::new(), Vec::<String>::new())
        .err()
        .ok_or("no scope is refused")?;
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    Ok(())
}

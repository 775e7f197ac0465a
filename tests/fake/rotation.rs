//! Token rotation in the fake, driven through the generated client as an
//! app drives Slack: an install answers expiring tokens with refresh
//! tokens, `oauth.v2.access` with `grant_type=refresh_token` renews one
//! token, tokens expire on the fake's clock (moved with `advance`, never
//! slept), a used refresh token lasts a grace period, at most two access
//! tokens of a kind are active, and the control API turns it all on.
//!
//! Sources: Slack's rotation guide
//! (https://docs.slack.dev/authentication/using-token-rotation), the
//! `oauth.v2.access` reference, node-slack-sdk#2504 (two refreshes of one
//! refresh token), and the issue "Tokens that rotate" (item 1: the fake
//! rotates, on its clock).

use crate::fake_support::raw_http::{control, post_form};

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use slack_calls::oauth::v2::{AccessError, AccessResponse};
use slack_calls::{Client, Error, ErrorCode, Token, TokenKind, UserId};
use slack_calls_mock::{
    DEFAULT_REFRESH_GRACE, DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, Fault,
    MockSlack, Verdict,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Slack's lifetime of a rotating access token: 12 hours.
const LIFETIME: Duration = Duration::from_secs(43_200);

fn app(mock: &MockSlack, secret: &str) -> Result<Client, slack_calls::BuildError> {
    Client::app_builder(DEMO_CLIENT_ID, secret)
        .base_url(mock.base_url())
        .build()
}

async fn rotating_mock() -> std::io::Result<MockSlack> {
    MockSlack::builder().token_rotation(true).start().await
}

/// Installs the app into the demo workspace with a bot token (calls:read,
/// calls:write) and a user token (calls:read).
async fn install(mock: &MockSlack) -> Result<AccessResponse, Box<dyn std::error::Error>> {
    let code = mock.start_install(DEMO_TEAM_ID, ["calls:read", "calls:write"], ["calls:read"])?;
    Ok(app(mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .code(code)
        .await?)
}

/// `oauth.v2.access` with `grant_type=refresh_token`.
async fn refresh(
    slack: &Client,
    refresh_token: impl Into<Token>,
) -> Result<AccessResponse, Error<AccessError>> {
    slack
        .oauth()
        .v2()
        .access()
        .grant_type("refresh_token")
        .refresh_token(refresh_token)
        .await
}

/// Slack's error code, when the answer is one.
fn code_of<T, E: ErrorCode>(result: Result<T, Error<E>>) -> Option<String> {
    match result {
        Err(Error::Api { error, .. }) => Some(error.code.code().to_owned()),
        _ => None,
    }
}

/// What `auth.test` answers `token`: `None` when it works, else the code.
async fn auth_test(
    mock: &MockSlack,
    token: &str,
) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let result = mock.client(token)?.auth().test().await;
    Ok(match result {
        Ok(_) => None,
        other => Some(code_of(other).ok_or("an API answer")?),
    })
}

/// The text of a token of an answer (the tests compare and print it).
fn text(token: Option<&Token>) -> Option<String> {
    token.map(|token| token.expose_secret().to_owned())
}

fn tokens(answer: &AccessResponse) -> Result<(String, String), &'static str> {
    Ok((
        text(answer.access_token.as_ref()).ok_or("an access token")?,
        text(answer.refresh_token.as_ref()).ok_or("a refresh token")?,
    ))
}

// Rotation guide, "Token rotation": tokens are `xoxe.xoxb-1-…` /
// `xoxe.xoxp-1-…`, `expires_in` is 43,200, a refresh token comes with each,
// at the top level for the bot and inside `authed_user` for the user
// (the oauth.v2.access reference's rotation example).
#[tokio::test]
async fn an_install_with_rotation_answers_expiring_tokens_with_refresh_tokens() -> TestResult {
    let mock = rotating_mock().await?;
    let installed = install(&mock).await?;
    let (bot, bot_refresh) = tokens(&installed)?;
    assert!(bot.starts_with("xoxe.xoxb-1-"), "{bot}");
    assert_eq!(installed.expires_in, Some(43_200));
    assert!(bot_refresh.starts_with("xoxe-1-"), "{bot_refresh}");
    assert_eq!(installed.token_type.as_deref(), Some("bot"));

    let user = installed.authed_user.clone().ok_or("the installing user")?;
    let user_token = text(user.access_token.as_ref()).ok_or("a user token")?;
    let user_refresh = text(user.refresh_token.as_ref()).ok_or("a user refresh token")?;
    assert!(user_token.starts_with("xoxe.xoxp-1-"), "{user_token}");
    assert_eq!(user.expires_in, Some(43_200));
    assert!(user_refresh.starts_with("xoxe-1-"), "{user_refresh}");
    assert_ne!(user_refresh, bot_refresh);

    // The crate reads the kinds from the prefixes, and both tokens work.
    assert_eq!(mock.client(&bot)?.token_kind(), TokenKind::Bot);
    assert_eq!(mock.client(&user_token)?.token_kind(), TokenKind::User);
    assert_eq!(auth_test(&mock, &bot).await?, None);
    assert_eq!(auth_test(&mock, &user_token).await?, None);
    // The demo tokens never expire.
    mock.advance(LIFETIME * 3);
    assert_eq!(auth_test(&mock, mock.bot_token()).await?, None);

    #[cfg(feature = "install")]
    {
        // Our Installation keeps both expiries and refresh tokens.
        let installation =
            slack_calls::Installation::from_access(&installed).ok_or("an installation")?;
        let bot_grant = installation.bot.ok_or("a bot")?.grant;
        assert!(bot_grant.expires_at.is_some());
        assert!(bot_grant.refresh_token.is_some());
        let user_grant = installation
            .installer
            .and_then(|user| user.grant)
            .ok_or("a user grant")?;
        assert!(user_grant.expires_at.is_some());
        assert!(user_grant.refresh_token.is_some());
    }
    Ok(())
}

// Rotation guide, "Refreshing tokens": a refresh returns a new access token
// and a new refresh token, for one token; "Calling oauth.v2.access will not
// immediately invalidate your existing access token"; an expired token gets
// an error on every call (`token_expired`, Slack's common error). Shape:
// the rotation reference's refresh answer (`token_type` "bot"|"user" at the
// top level, `user_id` for a user token).
#[tokio::test]
async fn a_refresh_gives_a_new_pair_and_the_old_token_lasts_until_its_own_expiry() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let installed = install(&mock).await?;
    let (old_bot, bot_refresh) = tokens(&installed)?;
    mock.advance(Duration::from_secs(3_600));

    let renewed = refresh(&slack, &bot_refresh).await?;
    let (new_bot, new_refresh) = tokens(&renewed)?;
    assert_eq!(renewed.app_id, DEMO_APP_ID);
    assert_eq!(renewed.token_type.as_deref(), Some("bot"));
    assert_eq!(renewed.scope.as_deref(), Some("calls:read,calls:write"));
    assert_eq!(renewed.expires_in, Some(43_200));
    assert_eq!(renewed.bot_user_id, installed.bot_user_id);
    assert_eq!(renewed.user_id, None);
    assert_eq!(
        renewed.team.as_ref().map(|t| t.id.as_str()),
        Some(DEMO_TEAM_ID)
    );
    assert_eq!(renewed.is_enterprise_install, Some(false));
    assert!(new_bot.starts_with("xoxe.xoxb-1-"), "{new_bot}");
    assert!(new_refresh.starts_with("xoxe-1-"), "{new_refresh}");
    assert_ne!(new_bot, old_bot);
    assert_ne!(new_refresh, bot_refresh);

    // Both work: the old one until its own 12 hours are up.
    assert_eq!(auth_test(&mock, &new_bot).await?, None);
    assert_eq!(auth_test(&mock, &old_bot).await?, None);
    mock.advance(LIFETIME - Duration::from_secs(3_600));
    assert_eq!(
        auth_test(&mock, &old_bot).await?.as_deref(),
        Some("token_expired")
    );
    assert_eq!(auth_test(&mock, &new_bot).await?, None);
    mock.advance(Duration::from_secs(3_600));
    assert_eq!(
        auth_test(&mock, &new_bot).await?.as_deref(),
        Some("token_expired")
    );

    // A user token refreshes alone, with `user_id`.
    let user = installed.authed_user.ok_or("the installing user")?;
    let renewed = refresh(&slack, user.refresh_token.ok_or("a user refresh token")?).await?;
    assert_eq!(renewed.token_type.as_deref(), Some("user"));
    assert_eq!(renewed.user_id, Some(UserId::from("U0MOCK001")));
    assert_eq!(renewed.bot_user_id, None);
    assert_eq!(renewed.scope.as_deref(), Some("calls:read"));
    let (new_user, _) = tokens(&renewed)?;
    assert!(new_user.starts_with("xoxe.xoxp-1-"), "{new_user}");
    assert_eq!(
        mock.client(&new_user)?.auth().test().await?.user_id,
        UserId::from("U0MOCK001")
    );
    Ok(())
}

// Rotation guide: "If you don't refresh your access token in time, you'll
// receive an error when you make an API call with the expired access
// token". The fake refuses before acting: nothing is created.
#[tokio::test]
async fn an_expired_token_is_refused_before_anything_is_done() -> TestResult {
    let mock = rotating_mock().await?;
    let (bot, _) = tokens(&install(&mock).await?)?;
    mock.advance(LIFETIME);
    let result = mock
        .client(&bot)?
        .calls()
        .add("m-expired", "https://example.com/j/1")
        .created_by("U0MOCK001")
        .await;
    assert_eq!(code_of(result).as_deref(), Some("token_expired"));
    assert!(mock.calls().is_empty());
    let logged = mock.requests_for("calls.add");
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].outcome, Verdict::Error("token_expired".into()));
    Ok(())
}

// Rotation guide: "the refresh token you used is revoked after a short
// grace period" (length not given: the fake's 10 minutes, or
// `refresh_grace`); node-slack-sdk#2504: two refreshes of one refresh token
// both succeed with two different refresh tokens, one of them invalid. The
// fake's choice: the later exchange wins, the earlier one's refresh token
// is refused at once, its access token stays active (2-token limit).
#[tokio::test]
async fn reusing_a_refresh_token_within_grace_wins_and_refuses_the_earlier_sibling() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let (first, refresh_token) = tokens(&install(&mock).await?)?;
    let (earlier, earlier_refresh) = tokens(&refresh(&slack, &refresh_token).await?)?;
    mock.advance(DEFAULT_REFRESH_GRACE - Duration::from_secs(1));
    let (later, later_refresh) = tokens(&refresh(&slack, &refresh_token).await?)?;
    assert_ne!(earlier, later);
    assert_ne!(earlier_refresh, later_refresh);

    assert_eq!(
        code_of(refresh(&slack, &earlier_refresh).await).as_deref(),
        Some("invalid_refresh_token")
    );
    // The earlier access token still works; the first one is the third
    // active bot token, so it was revoked.
    assert_eq!(auth_test(&mock, &earlier).await?, None);
    assert_eq!(auth_test(&mock, &later).await?, None);
    assert_eq!(
        auth_test(&mock, &first).await?.as_deref(),
        Some("token_revoked")
    );
    // The winner's refresh token goes on.
    refresh(&slack, &later_refresh).await?;
    Ok(())
}

// Rotation guide: the used refresh token "is revoked after a short grace
// period". Slack gives no lifetime to an unused refresh token; the fake
// keeps it (latitude-dev/latitude-llm#3334 claims it is not consumed by
// sitting idle).
#[tokio::test]
async fn a_used_refresh_token_is_refused_after_the_grace_period() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let (_, refresh_token) = tokens(&install(&mock).await?)?;
    let (_, next) = tokens(&refresh(&slack, &refresh_token).await?)?;
    mock.advance(DEFAULT_REFRESH_GRACE);
    assert_eq!(
        code_of(refresh(&slack, &refresh_token).await).as_deref(),
        Some("invalid_refresh_token")
    );
    // Unused, the new one still refreshes two days later, its access token
    // long expired.
    mock.advance(LIFETIME * 4);
    let (renewed, _) = tokens(&refresh(&slack, &next).await?)?;
    assert_eq!(auth_test(&mock, &renewed).await?, None);

    // A grace period of the test's choosing.
    let mock = MockSlack::builder()
        .token_rotation(true)
        .refresh_grace(Duration::from_secs(60))
        .start()
        .await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let (_, refresh_token) = tokens(&install(&mock).await?)?;
    refresh(&slack, &refresh_token).await?;
    mock.advance(Duration::from_secs(50));
    refresh(&slack, &refresh_token).await?;
    mock.advance(Duration::from_secs(10));
    assert_eq!(
        code_of(refresh(&slack, &refresh_token).await).as_deref(),
        Some("invalid_refresh_token")
    );
    Ok(())
}

// Rotation guide, "2 active token limit": "If more than 2 tokens exist
// after the refresh, the oldest additional token will be revoked". Counted
// per installation and kind: the user token is not touched.
#[tokio::test]
async fn a_third_active_token_revokes_the_oldest() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let installed = install(&mock).await?;
    let (first, refresh_token) = tokens(&installed)?;
    let (second, refresh_token) = tokens(&refresh(&slack, &refresh_token).await?)?;
    assert_eq!(auth_test(&mock, &first).await?, None);
    let (third, _) = tokens(&refresh(&slack, &refresh_token).await?)?;
    assert_eq!(
        auth_test(&mock, &first).await?.as_deref(),
        Some("token_revoked")
    );
    assert_eq!(auth_test(&mock, &second).await?, None);
    assert_eq!(auth_test(&mock, &third).await?, None);
    let user = installed.authed_user.and_then(|u| u.access_token);
    assert_eq!(
        auth_test(&mock, user.ok_or("a user token")?.expose_secret()).await?,
        None
    );
    Ok(())
}

// Issue "Tokens that rotate", item 1: tests in any language turn rotation
// on through the control API (`POST /_mock/oauth`); Slack's setting is
// `settings.token_rotation_enabled` (rotation guide, "Enabling token
// rotation").
#[tokio::test]
async fn the_control_api_turns_rotation_on() -> TestResult {
    let mock = MockSlack::start().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let shown = control(&mock, Method::GET, "/oauth", None).await.json();
    assert_eq!(shown["token_rotation"], false);
    assert_eq!(shown["refresh_grace_secs"], 600);

    // Off: long-lived tokens, no refresh token, and no refresh.
    let installed = install(&mock).await?;
    assert!(
        installed
            .access_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().starts_with("xoxb-"))
    );
    assert_eq!(installed.expires_in, None);
    assert_eq!(installed.refresh_token, None);
    assert_eq!(installed.authed_user.and_then(|u| u.refresh_token), None);
    assert_eq!(
        code_of(refresh(&slack, "xoxe-1-made-up").await).as_deref(),
        Some("invalid_refresh_token")
    );

    let set = control(
        &mock,
        Method::POST,
        "/oauth",
        Some(r#"{"token_rotation": true, "refresh_grace_secs": 30}"#.into()),
    )
    .await;
    assert_eq!(set.status, 200);
    let shown = set.json();
    assert_eq!(shown["token_rotation"], true);
    assert_eq!(shown["refresh_grace_secs"], 30);
    // No token or refresh token is ever shown.
    let text = control(&mock, Method::GET, "/oauth", None)
        .await
        .json()
        .to_string();
    assert!(!text.contains("xox"), "{text}");

    let installed = install(&mock).await?;
    let (bot, refresh_token) = tokens(&installed)?;
    assert!(bot.starts_with("xoxe.xoxb-1-"), "{bot}");
    let (_, next) = tokens(&refresh(&slack, &refresh_token).await?)?;
    mock.advance(Duration::from_secs(30));
    assert_eq!(
        code_of(refresh(&slack, &refresh_token).await).as_deref(),
        Some("invalid_refresh_token")
    );

    // A bad value is refused, changing nothing.
    let bad = control(
        &mock,
        Method::POST,
        "/oauth",
        Some(r#"{"refresh_grace_secs": -1}"#.into()),
    )
    .await;
    assert_eq!(bad.status, 400);
    let shown = control(&mock, Method::GET, "/oauth", None).await.json();
    assert_eq!(shown["refresh_grace_secs"], 30);

    // Off again (the fake's choice; Slack's cannot be turned off): no
    // refresh, while the tokens issued keep their expiry.
    mock.set_token_rotation(false);
    assert_eq!(
        code_of(refresh(&slack, &next).await).as_deref(),
        Some("invalid_refresh_token")
    );
    assert_eq!(auth_test(&mock, &bot).await?, None);
    mock.advance(LIFETIME);
    assert_eq!(
        auth_test(&mock, &bot).await?.as_deref(),
        Some("token_expired")
    );
    Ok(())
}

// Issue "Tokens that rotate", item 1: the control API can drop a refresh's
// answer after acting (the `drop_after_handling` fault): the refresh
// happened, the app never heard. Retrying within the grace period works
// (rotation guide: the used token lasts "a short grace period"), and the
// lost refresh still counts toward the 2-active-token limit.
#[tokio::test]
async fn a_refresh_whose_answer_is_dropped_still_happened() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let (first, refresh_token) = tokens(&install(&mock).await?)?;
    let queued = control(
        &mock,
        Method::POST,
        "/fault",
        Some(r#"{"method": "oauth.v2.access", "fault": "drop_after_handling"}"#.into()),
    )
    .await;
    assert_eq!(queued.status, 200, "{:?}", queued.json());

    let lost = refresh(&slack, &refresh_token).await;
    match &lost {
        Err(err @ Error::Transport { .. }) => assert!(err.may_have_been_sent()),
        other => return Err(format!("expected a transport error, got {other:?}").into()),
    }
    let logged = mock.requests_for("oauth.v2.access");
    assert_eq!(logged.last().map(|r| &r.outcome), Some(&Verdict::Ok));

    // The retry gets a pair; the lost pair and this one are the two active
    // bot tokens, so the first was revoked: the lost refresh acted.
    let (retried, next) = tokens(&refresh(&slack, &refresh_token).await?)?;
    assert_eq!(auth_test(&mock, &retried).await?, None);
    assert_eq!(
        auth_test(&mock, &first).await?.as_deref(),
        Some("token_revoked")
    );
    refresh(&slack, &next).await?;

    // The same with the Rust handle's fault.
    let (_, refresh_token) = tokens(&install(&mock).await?)?;
    mock.fault("oauth.v2.access", Fault::DropAfterHandling, 1);
    assert!(refresh(&slack, &refresh_token).await.is_err());
    refresh(&slack, &refresh_token).await?;
    Ok(())
}

// The oauth.v2.access reference: `invalid_refresh_token` ("The given
// refresh token is invalid"), `bad_client_secret`, `invalid_client_id`,
// `invalid_grant_type`; the rotation guide: "client_id and client_secret
// are still required", by HTTP Basic or as params. A missing
// `refresh_token` gets what the fake answers any missing param.
#[tokio::test]
async fn bad_refresh_requests_get_slacks_codes() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let (_, refresh_token) = tokens(&install(&mock).await?)?;

    let no_token = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .grant_type("refresh_token")
        .await;
    assert_eq!(code_of(no_token).as_deref(), Some("invalid_arguments"));
    for garbage in ["xoxe-1-made-up", "not a token", "xoxb-mock-bot"] {
        assert_eq!(
            code_of(refresh(&slack, garbage).await).as_deref(),
            Some("invalid_refresh_token"),
            "{garbage}"
        );
    }
    let wrong_secret = app(&mock, "not-the-secret")?
        .oauth()
        .v2()
        .access()
        .grant_type("refresh_token")
        .refresh_token(&refresh_token)
        .await;
    assert_eq!(code_of(wrong_secret).as_deref(), Some("bad_client_secret"));
    let odd_grant = app(&mock, DEMO_CLIENT_SECRET)?
        .oauth()
        .v2()
        .access()
        .grant_type("password")
        .refresh_token(&refresh_token)
        .await;
    assert_eq!(code_of(odd_grant).as_deref(), Some("invalid_grant_type"));

    // The refusals did not use the refresh token: it refreshes, with the
    // credentials as form fields this time.
    let raw = post_form(
        &mock,
        "oauth.v2.access",
        None,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    let body: Value = raw.json();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["token_type"], "bot");
    assert_eq!(body["expires_in"], 43_200);
    let raw = post_form(
        &mock,
        "oauth.v2.access",
        None,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    assert_eq!(raw.json()["error"], "invalid_client_id");

    // The request log never holds a refresh token or a new token.
    let logged = format!("{:?}", mock.requests_for("oauth.v2.access"));
    assert!(!logged.contains(&refresh_token), "{logged}");
    assert!(!logged.contains("xoxe"), "{logged}");
    Ok(())
}

// Rotation guide, "Uninstalling apps": `auth.revoke` under rotation revokes
// a single token "without changing the underlying installation";
// `apps.uninstall` revokes "all tokens associated with the installation".
// The fake revokes the refresh tokens of what it revokes.
#[tokio::test]
async fn revoking_and_uninstalling_take_the_refresh_tokens_along() -> TestResult {
    let mock = rotating_mock().await?;
    let slack = app(&mock, DEMO_CLIENT_SECRET)?;
    let installed = install(&mock).await?;
    let (bot, bot_refresh) = tokens(&installed)?;
    let user = installed.authed_user.ok_or("the installing user")?;
    let user_refresh = user.refresh_token.ok_or("a user refresh token")?;

    let revoked = mock.client(&bot)?.auth().revoke().await?;
    assert!(revoked.revoked);
    assert_eq!(
        code_of(refresh(&slack, &bot_refresh).await).as_deref(),
        Some("invalid_refresh_token")
    );
    // The user's token and its refresh token are not touched.
    let (user_token, user_refresh) = tokens(&refresh(&slack, user_refresh).await?)?;

    let uninstaller = mock
        .client_builder(&user_token)
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .build()?;
    uninstaller.apps().uninstall().await?;
    assert_eq!(
        code_of(refresh(&slack, &user_refresh).await).as_deref(),
        Some("invalid_refresh_token")
    );
    assert_eq!(
        auth_test(&mock, &user_token).await?.as_deref(),
        Some("token_revoked")
    );
    Ok(())
}

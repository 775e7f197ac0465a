//! An `App`'s workspace clients against the fake with token rotation on
//! (issue "Tokens that rotate", item 2): they refresh before expiry, once
//! for many callers, once across two instances sharing a store, after a
//! lost answer, and after `token_expired` (resending the call once); a store
//! that is down is a typed error that spends nothing, and the next call
//! refreshes. Time moves with the fake's `advance` and the app's
//! `TestClock` together, never slept.
//!
//! Sources: Slack's rotation guide
//! (https://docs.slack.dev/authentication/using-token-rotation): tokens live
//! 43,200 s, "refresh your access token before the expires_in time",
//! refresh tokens "are designed to be used once ... revoked after a short
//! grace period"; node-slack-sdk#2504 (two instances refreshing one
//! refresh token break the installation).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::flaky_store::{FlakyStore, Outage};
use slack_calls::{
    App, CallUser, Client, Error, Installation, InstallationKey, RefreshError, StoreError,
    TestClock,
};
use slack_calls_mock::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, Fault, MockSlack, Verdict,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Inside the default window (120 minutes) before a 12-hour token expires.
pub(crate) const INTO_WINDOW: Duration = Duration::from_secs(11 * 3600);

pub(crate) async fn rotating_mock() -> std::io::Result<MockSlack> {
    MockSlack::builder().token_rotation(true).start().await
}

/// The app, its clients on `clock` and the fake, refreshing with the
/// app's credentials.
fn app_builder(mock: &MockSlack, clock: &TestClock) -> slack_calls::AppBuilder {
    let api = mock.base_url().to_owned();
    let clock = clock.clone();
    App::builder("A0MOCKAPP")
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .clients(move |client| client.base_url(api.clone()).clock(clock.clone()))
}

/// Installs the app into the demo workspace with rotation on, as the
/// install flow does: the installation `oauth.v2.access` describes.
pub(crate) async fn installed(
    mock: &MockSlack,
) -> Result<Installation, Box<dyn std::error::Error>> {
    let code = mock.start_install(DEMO_TEAM_ID, ["calls:read", "calls:write"], ["calls:read"])?;
    let answer = Client::app_builder(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .base_url(mock.base_url())
        .build()?
        .oauth()
        .v2()
        .access()
        .code(code)
        .await?;
    Ok(Installation::from_access(&answer).ok_or("an installation")?)
}

/// The refreshes the fake answered, and the ones it refused.
fn refreshes(mock: &MockSlack) -> (usize, Vec<String>) {
    let mut done = 0;
    let mut refused = Vec::new();
    for request in mock.requests_for("oauth.v2.access") {
        let is_refresh = request
            .params
            .iter()
            .any(|(name, value)| name == "grant_type" && value == "refresh_token");
        if !is_refresh {
            continue;
        }
        match &request.outcome {
            Verdict::Ok => done += 1,
            Verdict::Error(code) => refused.push(code.clone()),
            _ => {}
        }
    }
    (done, refused)
}

pub(crate) async fn add_call(
    client: &Client,
    n: usize,
) -> Result<String, Error<slack_calls::calls::AddError>> {
    Ok(client
        .calls()
        .add(
            format!("rotation-{n}"),
            "https://example.com/calls/rotation",
        )
        .created_by("U0MOCK001")
        .users([CallUser::slack("U0MOCK002")])
        .await?
        .call
        .id
        .to_string())
}

fn bot_token(app: &App) -> Option<String> {
    app.installations()
        .get(&InstallationKey::workspace(DEMO_TEAM_ID))
        .and_then(|installation| installation.token().map(|t| t.expose_secret().to_owned()))
}

#[tokio::test]
async fn many_callers_inside_the_window_refresh_once_and_an_old_client_goes_on() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, &clock).build()?;
    app.install(installed(&mock).await?);
    let first = bot_token(&app).ok_or("installed")?;
    // A client made now and kept, as a Roster keeps its client for hours.
    let kept = app.workspace(DEMO_TEAM_ID)?;
    add_call(&kept, 0).await?;
    assert_eq!(app.token_refreshes(), 0, "far from expiry: no refresh");

    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);
    let mut calls = Vec::new();
    for n in 1..=16 {
        let client = app.workspace(DEMO_TEAM_ID)?;
        calls.push(tokio::spawn(async move { add_call(&client, n).await }));
    }
    for call in calls {
        call.await??;
    }
    assert_eq!(app.token_refreshes(), 1, "16 callers, one refresh");
    assert_eq!(refreshes(&mock), (1, Vec::new()));
    let second = bot_token(&app).ok_or("still installed")?;
    assert_ne!(first, second);
    assert!(second.starts_with("xoxe.xoxb-1-"), "a rotating bot token");

    // Past the first token's expiry, the client made before the refresh
    // sends the new token: no token_expired, no second refresh.
    let past = Duration::from_secs(2 * 3600);
    mock.advance(past);
    clock.advance(past);
    add_call(&kept, 17).await?;
    assert_eq!(app.token_refreshes(), 1);
    let expired: Vec<_> = mock
        .requests_for("calls.add")
        .into_iter()
        .filter(|request| request.outcome == Verdict::Error("token_expired".into()))
        .collect();
    assert!(expired.is_empty(), "no call met token_expired: {expired:?}");
    Ok(())
}

/// Slack refuses the app's refresh (`invalid_refresh_token`: the stored
/// refresh token was spent elsewhere, past its grace period): the call
/// that needed it is not sent, and its error says why, typed, with no
/// token in it.
#[tokio::test]
async fn a_refused_refresh_is_a_typed_error_and_the_call_is_not_sent() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, &clock).build()?;
    let installation = installed(&mock).await?;
    let refresh_token = installation
        .bot
        .as_ref()
        .and_then(|bot| bot.grant.refresh_token.clone())
        .ok_or("a refresh token")?;
    app.install(installation);
    let client = app.workspace(DEMO_TEAM_ID)?;
    // Someone else spends the stored refresh token (a copy of the app
    // elsewhere, say), and its grace period passes.
    Client::app_builder(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .base_url(mock.base_url())
        .build()?
        .oauth()
        .v2()
        .access()
        .grant_type("refresh_token")
        .refresh_token(refresh_token.clone())
        .await?;
    mock.advance(slack_calls_mock::DEFAULT_REFRESH_GRACE + Duration::from_secs(1));
    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);
    let adds_before = mock.requests_for("calls.add").len();
    let err = add_call(&client, 1).await.unwrap_err();
    match &err {
        Error::TokenRefresh {
            source: RefreshError::Refused { code },
            ..
        } => assert_eq!(code, "invalid_refresh_token"),
        other => panic!("expected a refused refresh, got {other:?}"),
    }
    assert_eq!(
        mock.requests_for("calls.add").len(),
        adds_before,
        "not sent"
    );
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(refresh_token.expose_secret()) && !shown.contains("xoxe"),
        "no token in the error: {shown}"
    );
    assert_eq!(app.token_refreshes(), 0);
    Ok(())
}

#[tokio::test]
async fn token_expired_refreshes_and_sends_the_call_once_more() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, &clock)
        .refresh_before(Duration::ZERO)
        .build()?;
    app.install(installed(&mock).await?);
    let client = app.workspace(DEMO_TEAM_ID)?;
    // The fake's clock runs past the expiry; the app's does not (a clock
    // that is off): the first send meets token_expired.
    mock.advance(Duration::from_secs(43_200 + 60));
    let id = add_call(&client, 1).await?;
    let adds = mock.requests_for("calls.add");
    let outcomes: Vec<&Verdict> = adds.iter().map(|request| &request.outcome).collect();
    assert_eq!(
        outcomes,
        [&Verdict::Error("token_expired".into()), &Verdict::Ok],
        "refused before acting, then sent once more"
    );
    // calls.add is not idempotent, and still exactly one call exists:
    // Slack refused the first send before acting on it.
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].id, id);
    assert_eq!(app.token_refreshes(), 1);
    Ok(())
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn two_instances_on_one_store_refresh_once_and_store_it_sealed() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let dir = std::env::temp_dir().join(format!("slack-calls-rotation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("installs.db");
    let keys = || slack_calls::TokenKeys::new("test", &[3u8; 32]);
    let a = app_builder(&mock, &clock)
        .build_with_store(slack_calls::SqliteStore::open(&path, keys()?).await?)
        .await?;
    a.save(installed(&mock).await?).await?;
    let b = app_builder(&mock, &clock)
        .build_with_store(slack_calls::SqliteStore::open(&path, keys()?).await?)
        .await?;
    assert!(
        bot_token(&b).is_some(),
        "the second instance read the install"
    );

    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);
    let mut calls = Vec::new();
    for n in 0..8 {
        for app in [&a, &b] {
            let client = app.workspace(DEMO_TEAM_ID)?;
            calls.push(tokio::spawn(async move { add_call(&client, n).await }));
        }
    }
    for call in calls {
        call.await??;
    }
    assert_eq!(
        a.token_refreshes() + b.token_refreshes(),
        1,
        "one refresh across both instances"
    );
    assert_eq!(
        refreshes(&mock),
        (1, Vec::new()),
        "no refresh token spent twice"
    );
    let token = bot_token(&a).ok_or("installed")?;
    assert_eq!(
        bot_token(&b).as_deref(),
        Some(token.as_str()),
        "both hold the new token"
    );
    // The stored pair is sealed: the file never holds the token's text.
    let mut text = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        text.extend(std::fs::read(entry?.path())?);
    }
    let text = String::from_utf8_lossy(&text);
    assert!(!text.contains(&token), "the file holds the refreshed token");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::test]
async fn a_lost_refresh_answer_is_sent_again_and_the_installation_survives() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, &clock).build()?;
    app.install(installed(&mock).await?);
    let client = app.workspace(DEMO_TEAM_ID)?;
    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);
    // The fake refreshes, then closes the connection without answering.
    mock.fault("oauth.v2.access", Fault::DropAfterHandling, 1);
    add_call(&client, 1).await?;
    assert_eq!(app.token_refreshes(), 1);
    let sent = mock
        .requests_for("oauth.v2.access")
        .into_iter()
        .filter(|request| request.params.iter().any(|(_, v)| v == "refresh_token"))
        .count();
    assert_eq!(
        sent, 2,
        "the same refresh token sent again after the lost answer"
    );
    // The chain the app kept is the live one: the next expiry refreshes
    // with it, and nothing is refused.
    let next = Duration::from_secs(43_200);
    mock.advance(next);
    clock.advance(next);
    add_call(&client, 2).await?;
    assert_eq!(app.token_refreshes(), 2);
    let (_, refused) = refreshes(&mock);
    assert!(refused.is_empty(), "no refresh refused: {refused:?}");
    Ok(())
}

#[tokio::test]
async fn a_store_down_during_a_refresh_is_a_typed_error_that_spends_nothing() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let down = Arc::new(AtomicBool::new(false));
    let app = app_builder(&mock, &clock)
        .build_with_store(FlakyStore::switched(down.clone(), Outage::Everything))
        .await?;
    let installation = installed(&mock).await?;
    let secret = installation
        .token()
        .ok_or("a token")?
        .expose_secret()
        .to_owned();
    app.save(installation).await?;
    let client = app.workspace(DEMO_TEAM_ID)?;
    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);

    down.store(true, Ordering::SeqCst);
    let failed = add_call(&client, 1).await;
    let Err(err) = failed else {
        return Err("a refresh with the store down fails the call".into());
    };
    assert!(
        matches!(
            &err,
            Error::TokenRefresh {
                source: RefreshError::Store(StoreError::Unavailable { .. }),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent());
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(&secret), "{shown}");
    }
    assert_eq!(refreshes(&mock), (0, Vec::new()), "nothing spent at Slack");
    assert!(mock.calls().is_empty(), "the call was not sent");

    // Back: the next call refreshes and goes.
    down.store(false, Ordering::SeqCst);
    add_call(&client, 2).await?;
    assert_eq!(app.token_refreshes(), 1);
    assert_eq!(refreshes(&mock), (1, Vec::new()));
    Ok(())
}

#[tokio::test]
async fn an_app_without_its_credentials_says_so_and_sends_nothing() -> TestResult {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let api = mock.base_url().to_owned();
    let clients_clock = clock.clone();
    let app = App::builder("A0MOCKAPP")
        .clients(move |client| client.base_url(api.clone()).clock(clients_clock.clone()))
        .build()?;
    app.install(installed(&mock).await?);
    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);
    let err = add_call(&app.workspace(DEMO_TEAM_ID)?, 1)
        .await
        .err()
        .ok_or("no credentials, no refresh")?;
    assert!(
        matches!(
            &err,
            Error::TokenRefresh {
                source: RefreshError::NoCredentials,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("client_credentials"), "{err}");
    assert!(mock.requests_for("calls.add").is_empty());
    Ok(())
}

/// The receiver's path: an event handler's client (from the app, found by
/// the event's `authorizations[0]`) refreshes the rotating token before its
/// call, as the app's own clients do.
#[cfg(feature = "events")]
#[tokio::test]
async fn an_event_handlers_client_refreshes_first() -> TestResult {
    use slack_calls::Event;
    use slack_calls::events::{Receiver, Server};
    use slack_calls_mock::MockApp;

    const SECRET: &str = "rotation-signing-secret-5d1e0b27";
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, &clock).build()?;
    app.install(installed(&mock).await?);
    mock.advance(INTO_WINDOW);
    clock.advance(INTO_WINDOW);

    let (done, mut added) = tokio::sync::mpsc::unbounded_channel();
    let receiver = Receiver::<Event>::builder(SECRET)
        .workspaces(app.clone())
        .on_event(move |callback, context| {
            let done = done.clone();
            async move {
                let (Event::LinkShared(shared), Some(client)) = (callback.event, context.client())
                else {
                    return;
                };
                let call = client
                    .calls()
                    .add("from-an-event", shared.links[0].url.as_str())
                    .created_by(shared.user.as_str())
                    .await;
                let _ = done.send(call.map(|added| added.call.id.to_string()));
            }
        })
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/slack/events", listener.local_addr()?);
    tokio::spawn(
        Server::new()
            .events("/slack/events", &receiver)
            .serve_on(listener),
    );
    mock.register_app(MockApp::new(url, SECRET)?.unfurl_domains(["example.com"]))
        .await?;
    mock.user_posts(
        "U0MOCK002",
        "C0MOCK001",
        "join <https://example.com/j/9|sync>",
    )?;
    let id = added.recv().await.ok_or("the handler ran")??;
    assert_eq!(mock.calls()[0].id, id);
    assert_eq!(
        app.token_refreshes(),
        1,
        "refreshed before the handler's call"
    );
    assert_eq!(refreshes(&mock), (1, Vec::new()));
    Ok(())
}

//! Pacing keyed as Slack keys it, through one [`App`]: every token of a
//! workspace draws on the same pacing (the workspace learned with one
//! cached `auth.test` per token when the app was not told), other
//! workspaces are paced apart, and losing a workspace stops its queued
//! calls with `Error::WorkspaceGone`.

use std::time::Duration;

use crate::support::scripted_server::{Reply, Server, join, wait_for_sleepers};
use crate::support::test_methods::info;
use slack_calls::{
    App, AppError, Client, Error, Installation, InstallationKey, Named, Rate, RateLimits,
    RetryPolicy, TestClock,
};

const MINUTE: Duration = Duration::from_secs(60);
const BOT: &str = "xoxb-1111-2222-BOTSECRETTEXT";
const USER: &str = "xoxp-1111-3333-USERSECRETTEXT";

fn app_on(server: &Server, clock: &TestClock, limits: RateLimits) -> App {
    let base = server.base_url();
    let clock = clock.clone();
    App::builder("A0TEST")
        .rate_limits(limits)
        .clients(move |builder| {
            builder
                .base_url(&base)
                .clock(clock.clone())
                .max_rate_limit_wait(Duration::from_secs(600))
                .retry_policy(RetryPolicy::new().jitter(false))
        })
        .build()
        .unwrap()
}

fn auth_test_reply(team: &str) -> Reply {
    Reply::Json(format!(
        r#"{{"ok":true,"url":"https://x.slack.com/","team":"X","user":"u","team_id":"{team}","user_id":"U1"}}"#
    ))
}

/// The server counts like Slack: 50 `calls.info` in any minute, for the one
/// workspace it stands for, whatever the token.
#[tokio::test]
async fn two_tokens_of_one_workspace_are_paced_together_without_naming_it() {
    let clock = TestClock::new();
    let server = Server::with_limit(&clock, 50, MINUTE).await;
    server.script("auth.test", [auth_test_reply("T1"), auth_test_reply("T1")]);
    let app = app_on(&server, &clock, RateLimits::slack_tiers());

    let bot = app.client_for_token(BOT).await.unwrap();
    let user = app.client_for_token(USER).await.unwrap();
    // Learned once per token, then cached.
    let again = app.client_for_token(BOT).await.unwrap();
    assert_eq!(server.count("auth.test"), 2);

    for i in 0..120 {
        let client = [&bot, &user, &again][i % 3];
        info(client, "R1").await.unwrap();
    }

    let requests = server.requests();
    assert!(requests.iter().all(|r| !r.rate_limited), "no 429");
    assert_eq!(server.count("calls.info"), 120);
    // 50 at 0 s, 50 at 60 s, 20 at 120 s: the workspace's minimum.
    assert_eq!(clock.elapsed(), MINUTE * 2);
    let info_stats: Vec<_> = app
        .rate_limiter()
        .stats()
        .into_iter()
        .filter(|s| s.method == "calls.info")
        .collect();
    assert_eq!(
        info_stats.len(),
        1,
        "one key for the workspace's calls.info"
    );
    assert_eq!(info_stats[0].permits, 120);
}

#[tokio::test]
async fn the_same_tokens_paced_apart_meet_429s() {
    // The control: two plain clients, each with its own limiter, pace by
    // token and together send twice the tier.
    let clock = TestClock::new();
    let server = Server::with_limit(&clock, 50, MINUTE).await;
    let build = |token: &str| {
        Client::builder(token)
            .base_url(server.base_url())
            .clock(clock.clone())
            .max_rate_limit_wait(Duration::from_secs(600))
            .retry_policy(RetryPolicy::new().jitter(false))
            .build()
            .unwrap()
    };
    let (bot, user) = (build(BOT), build(USER));

    for i in 0..100 {
        info([&bot, &user][i % 2], "R1").await.unwrap();
    }

    assert!(server.requests().iter().any(|r| r.rate_limited));
}

#[tokio::test]
async fn installed_workspaces_need_no_auth_test_and_are_paced_apart() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let app = app_on(
        &server,
        &clock,
        RateLimits::off().method("calls.info", Rate::per_minute(2)),
    );
    app.install(Installation::new("T1", [USER, BOT]));
    app.install(Installation::new("T2", ["xoxb-other-workspace"]));

    let t1_bot = app.workspace("T1").unwrap();
    let t1_user = app.client_for_token(USER).await.unwrap();
    let t2 = app.workspace("T2").unwrap();
    for client in [&t1_bot, &t1_user, &t2, &t2] {
        info(client, "R1").await.unwrap();
    }

    assert_eq!(server.count("auth.test"), 0);
    assert_eq!(clock.elapsed(), Duration::ZERO, "2 per workspace: no wait");
    // The bot token is the one a workspace client uses.
    let first = &server.requests()[0];
    assert_eq!(
        first.header("authorization"),
        Some(format!("Bearer {BOT}").as_str())
    );
    info(&t1_user, "R1").await.unwrap();
    assert_eq!(clock.elapsed(), MINUTE, "T1's third call waits");
    assert!(matches!(
        app.workspace("T9"),
        Err(AppError::NotInstalled { team_id }) if team_id == "T9"
    ));
}

#[tokio::test]
async fn an_org_wide_install_serves_every_workspace_of_its_org_each_paced_apart() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let app = app_on(
        &server,
        &clock,
        RateLimits::off().method("calls.info", Rate::per_minute(1)),
    );
    let mut org = Installation::new("T-ignored", ["xoxb-org-token"]);
    org.enterprise = Some(Named::new("E1", "Org"));
    org.team = None;
    org.is_enterprise_install = true;
    app.install(org);

    // An event's authorizations[0] says org-wide: the org's key.
    let key = InstallationKey::find(Some("E1"), Some("T1"), true).unwrap();
    let t1 = app.workspace_of(&key, "T1").unwrap();
    let t2 = app.workspace_of(&key, "T2").unwrap();
    info(&t1, "R1").await.unwrap();
    info(&t2, "R1").await.unwrap();
    assert_eq!(clock.elapsed(), Duration::ZERO, "one each: paced apart");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer xoxb-org-token"))
    );
    info(&t1, "R1").await.unwrap();
    assert_eq!(clock.elapsed(), MINUTE, "T1's second call waits");

    // Not a single-workspace install of T1, and no other org's.
    assert!(app.workspace("T1").is_err());
    assert!(matches!(
        app.workspace_of(&InstallationKey::org_wide("E2"), "T1"),
        Err(AppError::NotInstalled { team_id }) if team_id == "E2 (org-wide)"
    ));
}

#[tokio::test]
async fn losing_a_workspace_stops_its_queued_calls_with_a_typed_error() {
    let clock = TestClock::manual();
    let server = Server::with_clock(&clock).await;
    let app = app_on(
        &server,
        &clock,
        RateLimits::off().method("calls.info", Rate::per_minute(1)),
    );
    app.install(Installation::new("T1", [BOT]));
    app.install(Installation::new("T2", ["xoxb-other-workspace"]));
    let t1 = app.workspace("T1").unwrap();
    let t2 = app.workspace("T2").unwrap();
    info(&t1, "R1").await.unwrap();
    info(&t2, "R1").await.unwrap();

    let queued = {
        let t1 = t1.clone();
        tokio::spawn(async move { info(&t1, "R1").await })
    };
    let other = {
        let t2 = t2.clone();
        tokio::spawn(async move { info(&t2, "R1").await })
    };
    wait_for_sleepers(&clock, 2).await;
    app.uninstalled("T1");

    let err = join(queued).await.unwrap_err();
    assert!(
        matches!(&err, Error::WorkspaceGone { method: "calls.info", team_id } if team_id == "T1"),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent());
    assert!(err.to_string().contains("workspace T1"), "{err}");
    // Later calls of the old client fail at once; nothing more was sent.
    let later = info(&t1, "R1").await.unwrap_err();
    assert!(matches!(later, Error::WorkspaceGone { .. }), "{later:?}");
    assert_eq!(server.count("calls.info"), 2);
    assert!(matches!(
        app.workspace("T1"),
        Err(AppError::NotInstalled { .. })
    ));

    // T2 is not touched: its queued call goes when its minute is up.
    clock.advance(MINUTE);
    join(other).await.unwrap();
    assert_eq!(server.count("calls.info"), 3);

    // tokens_revoked does the same; a new install brings the workspace back.
    app.tokens_revoked("T2");
    assert!(matches!(
        info(&t2, "R1").await,
        Err(Error::WorkspaceGone { .. })
    ));
    app.install(Installation::new("T2", ["xoxb-other-workspace"]));
    let back = app.workspace("T2").unwrap();
    clock.advance(MINUTE);
    info(&back, "R1").await.unwrap();
}

#[tokio::test]
async fn a_failed_auth_test_is_a_typed_error_and_is_not_cached() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script(
        "auth.test",
        [Reply::error("invalid_auth"), auth_test_reply("T1")],
    );
    let app = app_on(&server, &clock, RateLimits::slack_tiers());

    let err = app.client_for_token(BOT).await.unwrap_err();
    match &err {
        AppError::AuthTest(inner) => assert_eq!(inner.slack_code(), Some("invalid_auth")),
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("BOTSECRETTEXT"), "{err}");
    app.client_for_token(BOT).await.unwrap();
    assert_eq!(server.count("auth.test"), 2);
}

/// The limiter holds the workspaces that are busy, not every one ever
/// seen: a lost workspace's buckets go at once, and a bucket idle for a
/// whole window goes on the next sweep, which calls in any workspace make
/// across every shard in turn.
#[tokio::test]
async fn idle_and_lost_workspaces_leave_nothing_in_the_limiter() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let app = app_on(&server, &clock, RateLimits::slack_tiers());
    for n in 0..200 {
        app.install(Installation::new(format!("T{n}"), [format!("xoxb-{n}")]));
    }
    for n in 0..200 {
        let client = app.workspace(&format!("T{n}")).unwrap();
        info(&client, "R1").await.unwrap();
    }
    assert_eq!(app.rate_limiter().bucket_count(), 200);

    app.uninstalled("T0");
    assert_eq!(app.rate_limiter().bucket_count(), 199);

    clock.advance(MINUTE + Duration::from_secs(1));
    let busy = app.workspace("T1").unwrap();
    for _ in 0..40 {
        info(&busy, "R1").await.unwrap();
    }
    assert_eq!(app.rate_limiter().bucket_count(), 1, "only T1 is busy");
    // The busy one's stats are whole.
    assert_eq!(busy.pacing_stats()[0].permits, 40);
}

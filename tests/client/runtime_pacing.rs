//! Pacing from the spec's tiers in the spread-out mode (`Pacing::Spread`):
//! bursts stay under the tier, buckets are per (token or workspace, method),
//! clones share them, waiting is cancel-safe, and the rates can be changed
//! or turned off. The exact window (the default) is in `pacing_window.rs`.

use std::time::Duration;

use crate::support::scripted_server::{Reply, Server, join, wait_for_sleepers};
use crate::support::test_methods::{END, INFO, TIER2_GET, TOKEN, builder, call, end, info};
use slack_calls::method::RateTier;
use slack_calls::{
    BuildError, Client, Error, Form, Pacing, Rate, RateLimiter, RateLimits, RetryPolicy, TestClock,
};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const MINUTE: Duration = Duration::from_secs(60);

/// A tier-3 method's expected send times: a burst of 3, then one every 1.25 s.
fn tier3_schedule(n: usize) -> Vec<Duration> {
    (0..n)
        .map(|i| ms(1250) * (i.saturating_sub(2) as u32))
        .collect()
}

#[tokio::test]
async fn a_burst_over_the_tier_is_paced_with_zero_429s() {
    let clock = TestClock::new();
    // Like Slack at its tier-3 floor: 50 per method in any minute, else 429.
    let server = Server::with_limit(&clock, 50, MINUTE).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .max_rate_limit_wait(Duration::from_secs(600))
        .build()
        .unwrap();

    let mut last = None;
    for _ in 0..120 {
        last = Some(info(&client, "R1").await.unwrap());
    }
    // One response says what it met: paced, never refused.
    let last = last.unwrap();
    assert_eq!(last.meta.rate_limited, 0);
    assert_eq!(last.meta.rate_limit_wait, ms(1250));

    let requests = server.requests();
    assert_eq!(requests.len(), 120, "nothing was resent");
    assert!(requests.iter().all(|r| !r.rate_limited), "no 429 at all");
    assert_eq!(server.times("calls.info"), tier3_schedule(120));
    // 120 calls: 3 at once, 117 more at 48 a minute.
    assert_eq!(clock.elapsed(), ms(1250) * 117);

    let stats = client.pacing_stats();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].method, "calls.info");
    assert_eq!(stats[0].permits, 120);
    assert_eq!(stats[0].waited, 117);
    assert_eq!(stats[0].rate_limited, 0);
    assert_eq!(stats[0].longest_wait, ms(1250));
    assert_eq!(stats[0].total_wait, ms(1250) * 117);
}

#[tokio::test]
async fn without_pacing_the_same_burst_meets_429s() {
    // The counter-test: the fake's limit is real, pacing is what avoids it.
    let clock = TestClock::new();
    let server = Server::with_limit(&clock, 50, MINUTE).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::off().pacing(Pacing::Spread))
        .max_rate_limit_wait(Duration::ZERO)
        .build()
        .unwrap();
    let mut refused = 0;
    for _ in 0..60 {
        if let Err(Error::RateLimited { .. }) = info(&client, "R1").await {
            refused += 1;
        }
    }
    assert_eq!(refused, 10);
    // After the first 429 the method is paused: the other nine never left.
    assert_eq!(server.count("calls.info"), 51);
    assert_eq!(client.pacing_stats()[0].rate_limited, 1);
}

#[tokio::test]
async fn concurrent_calls_from_clones_are_paced_in_arrival_order() {
    let clock = TestClock::manual();
    let server = Server::with_limit(&clock, 50, MINUTE).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();

    let mut tasks = Vec::new();
    for _ in 0..6 {
        let clone = client.clone();
        tasks.push(tokio::spawn(async move { info(&clone, "R1").await }));
    }
    server.wait_for_requests(3).await;
    wait_for_sleepers(&clock, 3).await;
    for step in 1..=3 {
        clock.advance(ms(1250));
        server.wait_for_requests(3 + step).await;
    }
    for task in tasks {
        join(task).await.unwrap();
    }

    assert_eq!(server.times("calls.info"), tier3_schedule(6));
    let mut waits = clock.sleeps();
    waits.sort();
    assert_eq!(waits, [ms(1250), ms(2500), ms(3750)]);
}

#[tokio::test]
async fn each_method_has_its_own_bucket() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&client, "R1").await.unwrap();
    }
    for _ in 0..3 {
        end(&client, "R1").await.unwrap();
    }
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    info(&client, "R1").await.unwrap();
    assert_eq!(clock.sleeps(), [ms(1250)]);
    assert_eq!(server.times("calls.end"), [Duration::ZERO; 3]);
}

#[tokio::test]
async fn a_shared_limiter_keys_by_token_or_by_workspace() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let limiter = RateLimiter::new(RateLimits::slack_tiers().pacing(Pacing::Spread)).unwrap();
    let make = |token: &str, workspace: Option<&str>| {
        let mut b = Client::builder(token)
            .base_url(server.base_url())
            .clock(clock.clone())
            .rate_limiter(limiter.clone());
        if let Some(team) = workspace {
            b = b.workspace(team);
        }
        b.build().unwrap()
    };

    // Two tokens: two buckets, each with its own burst.
    let (a, b) = (
        make("xoxb-token-a-1234", None),
        make("xoxb-token-b-5678", None),
    );
    for _ in 0..3 {
        info(&a, "R1").await.unwrap();
        info(&b, "R1").await.unwrap();
    }
    assert!(clock.sleeps().is_empty());
    // The same token in another client: the same bucket.
    let a_again = make("xoxb-token-a-1234", None);
    info(&a_again, "R1").await.unwrap();
    assert_eq!(clock.sleeps(), [ms(1250)]);

    // Two tokens of one workspace: one bucket.
    let bot = make("xoxb-bot-token-99", Some("T1"));
    let user = make("xoxp-user-token-99", Some("T1"));
    for _ in 0..3 {
        info(&bot, "R1").await.unwrap();
    }
    info(&user, "R1").await.unwrap();
    assert_eq!(clock.sleeps(), [ms(1250), ms(1250)]);
    assert_eq!(user.pacing_stats()[0].permits, 4);
    assert_eq!(limiter.stats().len(), 3);
}

#[tokio::test]
async fn retries_are_paced_too() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.set_default(Reply::status(503));
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    assert!(info(&client, "R1").await.is_err());
    // Backoffs of 100, 200, 400 ms; the fourth send is the burst's fourth
    // request and waits for its slot at 1.25 s.
    assert_eq!(clock.sleeps(), [ms(100), ms(200), ms(400), ms(550)]);
    assert_eq!(
        server.times("calls.info"),
        [ms(0), ms(100), ms(300), ms(1250)]
    );
}

#[tokio::test]
async fn a_dropped_waiting_call_gives_its_slot_back() {
    let clock = TestClock::manual();
    let server = Server::with_clock(&clock).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&client, "R1").await.unwrap();
    }
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R1").await }
    });
    wait_for_sleepers(&clock, 1).await;
    waiting.abort();
    assert!(waiting.await.unwrap_err().is_cancelled());
    assert_eq!(clock.pending_sleeps(), 0);

    // The next call takes the dropped call's slot (1.25 s), not the one
    // after it (2.5 s).
    let next = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R1").await }
    });
    wait_for_sleepers(&clock, 1).await;
    assert_eq!(clock.sleeps(), [ms(1250), ms(1250)]);
    clock.advance(ms(1250));
    join(next).await.unwrap();
    assert_eq!(server.times("calls.info"), tier3_schedule(4));
}

#[tokio::test]
async fn dropping_a_call_behind_a_later_reservation_keeps_the_order() {
    let clock = TestClock::manual();
    let server = Server::with_clock(&clock).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&client, "R1").await.unwrap();
    }
    let first = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R1").await }
    });
    wait_for_sleepers(&clock, 1).await;
    let second = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R1").await }
    });
    wait_for_sleepers(&clock, 2).await;
    // The first slot cannot be handed back (the second was reserved after
    // it): it stays spent, and the second call keeps its own slot.
    first.abort();
    let _ = first.await;
    clock.advance(ms(2500));
    join(second).await.unwrap();
    assert_eq!(server.times("calls.info"), [ms(0), ms(0), ms(0), ms(2500)]);
}

#[tokio::test]
async fn a_pacing_wait_beyond_the_budget_fails_without_sending() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .max_rate_limit_wait(Duration::from_secs(1))
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&client, "R1").await.unwrap();
    }
    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::RateLimited {
                method: "calls.info",
                retry_after
            } if retry_after == ms(1250)
        ),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 3);
    assert!(clock.sleeps().is_empty());
    assert_eq!(client.pacing_stats()[0].over_budget, 1);
}

#[tokio::test]
async fn rates_can_be_turned_off_or_set_per_tier_and_per_method() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;

    let off = builder(&server, &clock)
        .rate_limits(RateLimits::off().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..20 {
        info(&off, "R1").await.unwrap();
    }
    assert!(clock.sleeps().is_empty());

    let custom = builder(&server, &clock)
        .rate_limits(
            RateLimits::off()
                .pacing(Pacing::Spread)
                .tier(
                    RateTier::Tier3,
                    Rate::per(2, Duration::from_secs(1)).burst(1),
                )
                .method("calls.end", Rate::per(1, Duration::from_secs(10))),
        )
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&custom, "R1").await.unwrap();
    }
    assert_eq!(clock.sleeps(), [ms(500), ms(500)]);
    end(&custom, "R1").await.unwrap();
    end(&custom, "R1").await.unwrap();
    assert_eq!(clock.sleeps(), [ms(500), ms(500), Duration::from_secs(10)]);

    // A tier-2 method at Slack's default: 20 a minute, no burst, one every 3 s.
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let default = builder(&server, &clock)
        .rate_limits(RateLimits::default().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..2 {
        let mut form = Form::new();
        form.push("id", "R1");
        call(&default, &TIER2_GET, form).await.unwrap();
    }
    assert_eq!(clock.sleeps(), [Duration::from_secs(3)]);
    let sent = server.requests();
    assert_eq!(sent[0].verb, "GET");
    assert_eq!(sent[0].query.as_deref(), Some("id=R1"));
    assert_eq!(END.rate_tier, INFO.rate_tier);
}

#[test]
fn invalid_rates_are_refused_when_building() {
    let err = Client::builder(TOKEN)
        .rate_limits(
            RateLimits::off()
                .pacing(Pacing::Spread)
                .method("calls.add", Rate::per_minute(0)),
        )
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidRate { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid rate for method `calls.add`: the count must be at least 1 (to stop pacing a method, leave it without a rate)"
    );
    assert!(
        Client::builder(TOKEN)
            .rate_limits(
                RateLimits::slack_tiers()
                    .pacing(Pacing::Spread)
                    .tier(RateTier::Tier1, Rate::per_minute(1).burst(2))
            )
            .build()
            .is_err()
    );
}

#[test]
fn the_send_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder(TOKEN)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let future = info(&client, "R1");
    assert_send(&future);
}

//! HTTP 429: `Retry-After` is honoured for that method only, the call goes
//! again by itself, and the caller's cap on total waiting is kept.

use std::time::Duration;

use crate::support::scripted_server::{
    Reply, Server, join, wait_for_sleep_count, wait_for_sleepers,
};
use crate::support::test_methods::{add, builder, end, info};
use slack_calls::{Error, Pacing, RateLimiter, RateLimits, RetryPolicy, TestClock};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test]
async fn a_429_then_success() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(3)]);
    let client = builder(&server, &clock).build().unwrap();

    let response = info(&client, "R1").await.unwrap();

    assert_eq!(response.call.unwrap()["id"], "R1");
    assert_eq!(server.times("calls.info"), [secs(0), secs(3)]);
    assert_eq!(
        clock.sleeps(),
        [secs(3)],
        "exactly Retry-After, no backoff on top"
    );
    let stats = client.pacing_stats();
    assert_eq!(stats[0].rate_limited, 1);
    assert_eq!(stats[0].total_wait, secs(3));
    // The response itself says it met a 429, and how long it waited.
    assert_eq!(response.meta.rate_limited, 1);
    assert_eq!(response.meta.rate_limit_wait, secs(3));
    // The next call met none.
    let next = info(&client, "R1").await.unwrap();
    assert_eq!(next.meta.rate_limited, 0);
    assert_eq!(next.meta.rate_limit_wait, Duration::ZERO);
}

#[tokio::test]
async fn a_429_is_retried_even_for_methods_that_are_not_idempotent() {
    // A 429 means Slack did not act: resending calls.add is safe.
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.add", [Reply::retry_after(2), Reply::retry_after(5)]);
    let client = builder(&server, &clock).build().unwrap();

    let response = add(&client, "ext-1").await.unwrap();

    assert_eq!(response.meta.rate_limited, 2);
    assert_eq!(response.meta.rate_limit_wait, secs(7));
    assert_eq!(server.times("calls.add"), [secs(0), secs(2), secs(7)]);
    assert_eq!(clock.sleeps(), [secs(2), secs(5)]);
}

#[tokio::test]
async fn slacks_error_after_a_429_says_so_too() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script(
        "calls.info",
        [Reply::retry_after(4), Reply::error("invalid_call_id")],
    );
    let client = builder(&server, &clock).build().unwrap();

    let Err(Error::Api { error, .. }) = info(&client, "R1").await else {
        panic!("Slack's error")
    };
    assert_eq!(error.code.0, "invalid_call_id");
    assert_eq!(error.meta.rate_limited, 1);
    assert_eq!(error.meta.rate_limit_wait, secs(4));
}

#[tokio::test]
async fn a_missing_zero_or_unreadable_retry_after_waits_one_second() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script(
        "calls.info",
        [
            Reply::RateLimited(None),
            Reply::RateLimited(Some("0".to_owned())),
            Reply::RateLimited(Some("Wed, 21 Oct 2015 07:28:00 GMT".to_owned())),
            Reply::RateLimited(Some("-5".to_owned())),
        ],
    );
    let client = builder(&server, &clock).build().unwrap();

    info(&client, "R1").await.unwrap();

    assert_eq!(clock.sleeps(), [secs(1); 4]);
    assert_eq!(server.count("calls.info"), 5);
}

#[tokio::test]
async fn a_429_pauses_only_that_method() {
    let clock = TestClock::manual();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(30)]);
    let client = builder(&server, &clock).build().unwrap();

    let first = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R1").await }
    });
    wait_for_sleepers(&clock, 1).await;
    // calls.end is not paused: it goes now, at virtual time zero.
    end(&client, "R1").await.unwrap();
    assert_eq!(server.times("calls.end"), [secs(0)]);
    // A second calls.info waits behind the pause without being sent.
    let second = tokio::spawn({
        let client = client.clone();
        async move { info(&client, "R2").await }
    });
    wait_for_sleepers(&clock, 2).await;
    assert_eq!(server.count("calls.info"), 1);
    assert_eq!(clock.sleeps(), [secs(30), secs(30)]);

    clock.advance(secs(30));
    join(first).await.unwrap();
    join(second).await.unwrap();
    assert_eq!(server.times("calls.info"), [secs(0), secs(30), secs(30)]);
}

#[tokio::test]
async fn a_429_for_one_token_does_not_pause_another() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(30)]);
    let limiter = RateLimiter::new(RateLimits::off()).unwrap();
    let a = builder(&server, &clock)
        .rate_limiter(limiter.clone())
        .max_rate_limit_wait(Duration::ZERO)
        .build()
        .unwrap();
    let b = slack_calls::Client::builder("xoxb-another-token-5555")
        .base_url(server.base_url())
        .clock(clock.clone())
        .rate_limiter(limiter)
        .build()
        .unwrap();

    assert!(matches!(
        info(&a, "R1").await,
        Err(Error::RateLimited { .. })
    ));
    info(&b, "R1").await.unwrap();
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.times("calls.info"), [secs(0), secs(0)]);
}

#[tokio::test]
async fn the_cap_on_total_wait_is_honoured() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.set_default(Reply::retry_after(20));
    let client = builder(&server, &clock)
        .max_rate_limit_wait(secs(50))
        .build()
        .unwrap();

    let err = info(&client, "R1").await.unwrap_err();

    // Sent at 0, 20 and 40 s; after the third 429 another 20 s would bring
    // the total to 60 s, over the 50 s cap: the call fails at once.
    assert!(
        matches!(
            err,
            Error::RateLimited {
                method: "calls.info",
                retry_after
            } if retry_after == secs(20)
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "calls.info: rate limited; retry after 20s (longer than this call's wait budget)"
    );
    assert_eq!(server.times("calls.info"), [secs(0), secs(20), secs(40)]);
    assert_eq!(clock.sleeps(), [secs(20), secs(20)]);
    assert_eq!(clock.elapsed(), secs(40));
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_fails_at_once_and_keeps_the_pause() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(300)]);
    let client = builder(&server, &clock).build().unwrap();

    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(300)),
        "{err:?}"
    );
    assert!(clock.sleeps().is_empty());
    // The pause still holds for the next call: it is refused without being
    // sent, and says how long is left.
    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(300)),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 1);
    clock.advance(secs(300));
    info(&client, "R1").await.unwrap();
    assert_eq!(server.count("calls.info"), 2);
}

/// A 429 on a method the limiter paces is the limiter's own miss: the call
/// waits it out even past its budget, once; a second one counts against
/// the budget as usual.
#[tokio::test]
async fn a_429_the_pacing_should_have_prevented_never_fails_the_call() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(120)]);
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers())
        .max_rate_limit_wait(secs(5))
        .build()
        .unwrap();

    info(&client, "R1").await.unwrap();
    assert_eq!(server.times("calls.info"), [secs(0), secs(120)]);

    // Twice in one call: the second is over the budget.
    server.script(
        "calls.info",
        [Reply::retry_after(60), Reply::retry_after(60)],
    );
    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(60)),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 4);
}

#[tokio::test]
async fn rate_limit_waits_do_not_use_up_retry_attempts() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script(
        "calls.info",
        [
            Reply::retry_after(1),
            Reply::retry_after(1),
            Reply::retry_after(1),
        ],
    );
    let client = builder(&server, &clock)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    info(&client, "R1").await.unwrap();
    assert_eq!(server.count("calls.info"), 4);
}

#[tokio::test]
async fn a_zero_budget_never_waits() {
    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    server.script("calls.info", [Reply::retry_after(1)]);
    let client = builder(&server, &clock)
        .max_rate_limit_wait(Duration::ZERO)
        .build()
        .unwrap();
    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(1)),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_429_that_lands_while_a_call_waits_for_its_slot_pauses_that_call_too() {
    // Three calls use the burst; calls 4 and 5 reserve slots at 1.25 s and
    // 2.5 s. Call 4 gets a 429 with Retry-After 10 s: call 5, woken at its
    // slot, must not go out then but after the pause (11.25 s).
    let clock = TestClock::manual();
    let server = Server::with_clock(&clock).await;
    server.script(
        "calls.info",
        [
            Reply::ok(),
            Reply::ok(),
            Reply::ok(),
            Reply::retry_after(10),
        ],
    );
    let client = builder(&server, &clock)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    for _ in 0..3 {
        info(&client, "R1").await.unwrap();
    }
    let spawn_info = || {
        let client = client.clone();
        tokio::spawn(async move { info(&client, "R1").await })
    };
    let fourth = spawn_info();
    wait_for_sleepers(&clock, 1).await;
    let fifth = spawn_info();
    wait_for_sleepers(&clock, 2).await;
    assert_eq!(clock.sleeps(), [ms(1250), ms(2500)]);

    clock.advance(ms(1250)); // the fourth goes, meets the 429, waits 10 s
    wait_for_sleep_count(&clock, 3).await;
    clock.advance(ms(1250)); // the fifth's slot: it sees the pause and waits
    wait_for_sleep_count(&clock, 4).await;
    assert_eq!(
        server.count("calls.info"),
        4,
        "nothing goes during the pause"
    );
    assert_eq!(clock.sleeps(), [ms(1250), ms(2500), secs(10), ms(8750)]);

    clock.advance(ms(8750));
    join(fourth).await.unwrap();
    join(fifth).await.unwrap();
    let times = server.times("calls.info");
    assert_eq!(
        times,
        [secs(0), secs(0), secs(0), ms(1250), ms(11250), ms(11250)]
    );
}

//! The client's resilience proven against the fake Slack, through real HTTP
//! on 127.0.0.1: 429s (injected and from the fake's own limiter), pacing a
//! burst over the tier with no 429, ambiguous failures on `calls.add` that
//! are never resent, the same failures on `calls.info` retried, the cap on
//! the total wait, a 5xx storm ending within the attempt bound, and no
//! token text in anything such a run prints.
//!
//! The client and the fake share virtual time: every wait the client makes
//! on its clock moves the fake's rate-limit clock by the same amount
//! ([`SharedTime`]), so a minute of pacing takes milliseconds and the
//! fake's sliding windows see the client's pace exactly.

use std::sync::Arc;
use std::time::Duration;

use crate::fake_support::shared_time::{SharedTime, drive};
use slack_calls::calls::{AddError, InfoError};
use slack_calls::{CallUser, Client, ClientBuilder, Error, Pacing, RateLimits, RetryPolicy};
use slack_calls_mock::{Fault, Injected, LimitMode, MockSlack, Scripted, Verdict};
use tokio::task::JoinHandle;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

async fn start(builder: slack_calls_mock::MockSlackBuilder) -> Arc<MockSlack> {
    Arc::new(builder.start().await.unwrap())
}

/// A client for the demo user token on `time`, without jitter so that
/// backoffs are exact.
fn client_on(mock: &MockSlack, time: &SharedTime) -> ClientBuilder {
    mock.client_builder(mock.user_token())
        .clock(time.clone())
        .retry_policy(RetryPolicy::new().jitter(false))
}

/// Registers a call the plain way (no fault) and returns its id.
async fn new_call(client: &Client, ext: &str) -> String {
    client
        .calls()
        .add(ext, "https://example.com/j/1")
        .await
        .unwrap()
        .call
        .id
        .to_string()
}

fn outcomes(mock: &MockSlack, method: &str) -> Vec<Verdict> {
    mock.requests_for(method)
        .into_iter()
        .map(|r| r.outcome)
        .collect()
}

fn rate_limited(mock: &MockSlack, method: &str) -> usize {
    outcomes(mock, method)
        .iter()
        .filter(|o| matches!(o, Verdict::RateLimited { .. }))
        .count()
}

// ---------------------------------------------------------------- 429s

#[tokio::test]
async fn an_injected_429_then_success() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-429").await;
    mock.fault(
        "calls.info",
        Fault::RateLimited {
            retry_after_secs: 3,
        },
        1,
    );

    let info = client.calls().info(id.as_str()).await.unwrap();

    assert_eq!(info.call.id.as_str(), id);
    assert_eq!(
        time.sleeps(),
        [secs(3)],
        "exactly Retry-After, nothing more"
    );
    let log = mock.requests_for("calls.info");
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[0].injected,
        Some(Injected::Fault(Fault::RateLimited {
            retry_after_secs: 3
        }))
    );
    assert_eq!(log[1].outcome, Verdict::Ok);
    let stats = client.pacing_stats();
    let info_stats = stats.iter().find(|s| s.method == "calls.info").unwrap();
    assert_eq!(info_stats.rate_limited, 1);
    assert_eq!(info_stats.total_wait, secs(3));
}

#[tokio::test]
async fn a_429_from_the_fakes_own_limiter_is_waited_out_on_shared_time() {
    // The fake allows 2 a minute; the client does not pace, so its third
    // call meets the fake's 429 and waits the fake's Retry-After (60 s of
    // the shared time), after which the fake's window has room again.
    let mock = start(MockSlack::builder().rate_limits(LimitMode::PerMinute(2))).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::off())
        .build()
        .unwrap();
    let id = new_call(&client, "m-own-429").await;

    for _ in 0..3 {
        client.calls().info(id.as_str()).await.unwrap();
    }

    assert_eq!(
        outcomes(&mock, "calls.info"),
        [
            Verdict::Ok,
            Verdict::Ok,
            Verdict::RateLimited {
                retry_after_secs: 60
            },
            Verdict::Ok
        ]
    );
    assert_eq!(time.sleeps(), [secs(60)]);
    assert_eq!(time.elapsed(), secs(60));
}

#[tokio::test]
async fn a_429_on_calls_add_is_resent_and_registers_one_call() {
    // A 429 means Slack did not act, so even calls.add goes again.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    mock.fault(
        "calls.add",
        Fault::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );

    new_call(&client, "m-add-429").await;

    assert_eq!(mock.calls().len(), 1);
    assert_eq!(mock.requests_for("calls.add").len(), 2);
    assert_eq!(time.sleeps(), [secs(2)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_only_that_method() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::manual(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = {
        let client = client.clone();
        tokio::spawn(async move { new_call(&client, "m-pause").await })
            .await
            .unwrap()
    };
    mock.fault(
        "calls.info",
        Fault::RateLimited {
            retry_after_secs: 30,
        },
        1,
    );
    let info = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.calls().info(id.as_str()).await.map(drop) })
    };
    // Bounded wait (real time) until the info call is parked on Retry-After.
    for _ in 0..5_000 {
        if time.parked() == 1 {
            break;
        }
        tokio::time::sleep(ms(1)).await;
    }
    assert_eq!(time.parked(), 1, "calls.info waits for Retry-After");
    assert_eq!(time.next_deadline(), Some(secs(30)));

    // Meanwhile calls.update goes straight through: no time passes.
    client
        .calls()
        .update(id.as_str())
        .title("still going")
        .await
        .unwrap();
    assert_eq!(time.elapsed(), Duration::ZERO);
    assert_eq!(
        mock.call(&id).unwrap().title.as_deref(),
        Some("still going")
    );

    let tasks = [info];
    drive(&time, &tasks).await;
    let [info] = tasks;
    info.await.unwrap().unwrap();
    assert_eq!(time.elapsed(), secs(30));
    assert_eq!(mock.requests_for("calls.info").len(), 2);
}

#[tokio::test]
async fn rate_limit_waits_do_not_use_up_retry_attempts() {
    // No retries at all, yet five 429s in a row are waited out: a 429 is
    // not a failure of the request, and the wait budget bounds it instead.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let id = new_call(&client, "m-429s").await;
    mock.fault(
        "calls.info",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        5,
    );

    client.calls().info(id.as_str()).await.unwrap();

    assert_eq!(mock.requests_for("calls.info").len(), 6);
    assert_eq!(time.sleeps(), [secs(1); 5]);
}

// ---------------------------------------------------------------- pacing

/// Calls over the tier: the fake enforces tier 3 (50 in any minute); the
/// client's spread-out pacing (burst 3, then one every 1.25 s) must keep
/// every request under it. The default, exact window is tested against
/// the fake in `pacing_window.rs`.
const BURST: u64 = 100;
const TIER3_INTERVAL: Duration = Duration::from_millis(1250);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_burst_over_the_tier_is_paced_with_no_429() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::manual(&mock);
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .max_rate_limit_wait(secs(600))
        .build()
        .unwrap();
    let setup = {
        let client = client.clone();
        tokio::spawn(async move { new_call(&client, "m-burst").await })
    };
    let id = setup.await.unwrap();

    let tasks: Vec<JoinHandle<Result<(), Error<InfoError>>>> = (0..BURST)
        .map(|_| {
            let client = client.clone();
            let id = id.clone();
            tokio::spawn(async move { client.calls().info(id.as_str()).await.map(drop) })
        })
        .collect();
    drive(&time, &tasks).await;
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let log = outcomes(&mock, "calls.info");
    assert_eq!(log.len() as u64, BURST, "each call sent once");
    assert!(log.iter().all(Verdict::is_ok), "{log:?}");
    assert_eq!(rate_limited(&mock, "calls.info"), 0);
    // Burst of 3 at zero, then one per 1.25 s: the pace of the tier.
    let expected = TIER3_INTERVAL * u32::try_from(BURST - 3).unwrap();
    assert_eq!(time.elapsed(), expected);
    let stats = client.pacing_stats();
    let info = stats.iter().find(|s| s.method == "calls.info").unwrap();
    assert_eq!(info.permits, BURST);
    assert_eq!(info.rate_limited, 0);
    assert_eq!(info.longest_wait, expected);
}

#[tokio::test]
async fn a_sequential_burst_over_the_tier_is_paced_with_no_429() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::slack_tiers().pacing(Pacing::Spread))
        .build()
        .unwrap();
    let id = new_call(&client, "m-seq").await;

    for _ in 0..BURST {
        client.calls().info(id.as_str()).await.unwrap();
    }

    assert_eq!(mock.requests_for("calls.info").len() as u64, BURST);
    assert_eq!(rate_limited(&mock, "calls.info"), 0);
    let expected = TIER3_INTERVAL * u32::try_from(BURST - 3).unwrap();
    assert_eq!(time.elapsed(), expected);
    assert!(time.sleeps().iter().all(|s| *s == TIER3_INTERVAL));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_pacing_the_same_burst_meets_the_fakes_429s_and_still_completes() {
    // The control for the two tests above: the fake does refuse this burst
    // when the client does not pace it; the client then waits Retry-After
    // on the shared time and every call still succeeds, each admitted once.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::manual(&mock);
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::off())
        .max_rate_limit_wait(secs(600))
        .build()
        .unwrap();
    let setup = {
        let client = client.clone();
        tokio::spawn(async move { new_call(&client, "m-unpaced").await })
    };
    let id = setup.await.unwrap();

    let tasks: Vec<JoinHandle<Result<(), Error<InfoError>>>> = (0..BURST)
        .map(|_| {
            let client = client.clone();
            let id = id.clone();
            tokio::spawn(async move { client.calls().info(id.as_str()).await.map(drop) })
        })
        .collect();
    drive(&time, &tasks).await;
    for task in tasks {
        task.await.unwrap().unwrap();
    }

    let log = outcomes(&mock, "calls.info");
    assert_eq!(log.iter().filter(|o| o.is_ok()).count() as u64, BURST);
    assert!(rate_limited(&mock, "calls.info") >= 1, "{log:?}");
    assert_eq!(
        log.len() - rate_limited(&mock, "calls.info"),
        BURST as usize
    );
    assert!(time.elapsed() >= secs(59), "{:?}", time.elapsed());
}

// ------------------------------------------------- ambiguous failures

fn assert_may_have_reached_slack<E: slack_calls::ErrorCode + std::fmt::Debug>(err: &Error<E>) {
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_sent());
    assert!(
        err.to_string()
            .contains("the request may have reached Slack"),
        "{err}"
    );
}

#[tokio::test]
async fn a_dropped_connection_on_calls_add_is_not_resent_and_the_fake_holds_one_call() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    mock.fault("calls.add", Fault::DropAfterHandling, 1);

    let err = client
        .calls()
        .add("m-drop-add", "https://example.com/j/1")
        .await
        .unwrap_err();

    assert_may_have_reached_slack(&err);
    assert_eq!(mock.requests_for("calls.add").len(), 1, "never resent");
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "Slack acted once");
    assert_eq!(calls[0].external_unique_id, "m-drop-add");
    assert!(time.sleeps().is_empty(), "no backoff: no retry");
}

#[tokio::test]
async fn a_connection_dropped_before_handling_is_just_as_ambiguous_for_calls_add() {
    // The client cannot tell this from the case above: it must not resend.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    mock.fault("calls.add", Fault::Drop, 1);

    let err = client
        .calls()
        .add("m-drop-before", "https://example.com/j/1")
        .await
        .unwrap_err();

    assert_may_have_reached_slack(&err);
    assert_eq!(mock.requests_for("calls.add").len(), 1);
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn a_5xx_or_a_broken_body_on_calls_add_is_not_resent() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    mock.fault("calls.add", Fault::Status(503), 1);
    mock.fault("calls.add", Fault::BrokenBody, 1);

    let err = client
        .calls()
        .add("m-503", "https://example.com/j/1")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status { status: 503, .. }), "{err:?}");
    assert!(err.may_have_been_sent());
    assert_eq!(mock.requests_for("calls.add").len(), 1);
    assert!(
        mock.calls().is_empty(),
        "a 503 from the fake acts on nothing"
    );

    let err = client
        .calls()
        .add("m-broken", "https://example.com/j/1")
        .await
        .unwrap_err();
    assert_may_have_reached_slack(&err);
    assert_eq!(mock.requests_for("calls.add").len(), 2);
    assert_eq!(mock.calls().len(), 1, "the broken answer's call exists");
    assert!(time.sleeps().is_empty());
}

#[tokio::test]
async fn a_dropped_connection_on_participants_add_is_not_resent() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-part").await;
    mock.fault("calls.participants.add", Fault::DropAfterHandling, 1);

    let err = client
        .calls()
        .participants()
        .add(id.as_str(), [CallUser::slack("U0MOCK002")])
        .await
        .unwrap_err();

    assert_may_have_reached_slack(&err);
    assert_eq!(mock.requests_for("calls.participants.add").len(), 1);
    let stored = mock.call(&id).unwrap();
    assert_eq!(stored.users.len(), 1, "added once: {:?}", stored.users);

    mock.fault("calls.participants.remove", Fault::DropAfterHandling, 1);
    let err = client
        .calls()
        .participants()
        .remove(id.as_str(), [CallUser::slack("U0MOCK002")])
        .await
        .unwrap_err();
    assert_may_have_reached_slack(&err);
    assert_eq!(mock.requests_for("calls.participants.remove").len(), 1);
    assert!(mock.call(&id).unwrap().users.is_empty(), "removed once");
    assert!(time.sleeps().is_empty());
}

#[tokio::test]
async fn the_same_faults_on_calls_info_are_retried_and_succeed() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-info").await;
    mock.fault("calls.info", Fault::DropAfterHandling, 1);
    mock.fault("calls.info", Fault::Drop, 1);
    mock.fault("calls.info", Fault::BrokenBody, 1);

    let info = client.calls().info(id.as_str()).await.unwrap();

    assert_eq!(info.call.id.as_str(), id);
    let log = outcomes(&mock, "calls.info");
    assert_eq!(log.len(), 4);
    assert_eq!(log[3], Verdict::Ok);
    // Backoff 0.5 s doubling, no jitter; no pacing wait (the fake's clock
    // moved with the backoffs, so the tier-3 slots were free).
    assert_eq!(time.sleeps(), [ms(500), secs(1), secs(2)]);
}

#[tokio::test]
async fn a_timeout_on_calls_add_is_not_resent_and_on_calls_info_is_retried() {
    // Fault::Delay runs the logic, then answers late: the client's
    // (real-time) request timeout fires after Slack acted.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).timeout(ms(250)).build().unwrap();
    mock.fault("calls.add", Fault::Delay(secs(1)), 1);

    let err = client
        .calls()
        .add("m-slow", "https://example.com/j/1")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: slack_calls::TransportKind::Timeout,
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(mock.requests_for("calls.add").len(), 1);
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "the late answer's call exists");

    mock.fault("calls.info", Fault::Delay(secs(1)), 1);
    let info = client.calls().info(calls[0].id.as_str()).await.unwrap();
    assert_eq!(info.call.id.as_str(), calls[0].id);
    assert_eq!(mock.requests_for("calls.info").len(), 2);
    assert_eq!(time.sleeps(), [ms(500)]);
}

#[tokio::test]
async fn a_lost_answer_to_calls_end_is_retried_and_its_inactive_call_means_done() {
    // calls.end is idempotent in the spec, so a lost answer is retried; the
    // first request did end the call, so Slack answers the retry
    // `inactive_call`. The spec's `on_resend: { inactive_call: done }` says
    // what that means after a lost answer: the call succeeds, and the
    // response says it was done before the resend.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-end").await;
    mock.fault("calls.end", Fault::DropAfterHandling, 1);

    let done = client.calls().end(id.as_str()).await.unwrap();

    assert_eq!(
        done.meta.done_before_resend.as_deref(),
        Some("inactive_call")
    );
    assert!(
        done.call.is_none(),
        "Slack's answer to the first attempt was lost"
    );
    assert_eq!(mock.requests_for("calls.end").len(), 2);
    assert!(mock.call(&id).unwrap().date_end.is_some(), "ended");
    assert_eq!(time.sleeps(), [ms(500)]);
}

#[tokio::test]
async fn inactive_call_to_a_first_calls_end_stays_an_error() {
    // Without a lost answer before it, `inactive_call` is what it says: the
    // call had ended before this request.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-end-twice").await;
    let first = client.calls().end(id.as_str()).await.unwrap();
    assert_eq!(first.meta.done_before_resend, None);

    let err = client.calls().end(id.as_str()).await.unwrap_err();

    assert_eq!(err.slack_code(), Some("inactive_call"), "{err:?}");
    assert_eq!(mock.requests_for("calls.end").len(), 2);
}

#[tokio::test]
async fn inactive_call_after_a_request_slack_never_saw_stays_an_error() {
    // A 429 (Slack did not act) before the resend: the `inactive_call` that
    // follows cannot be this call's own doing.
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-end-429").await;
    client.calls().end(id.as_str()).await.unwrap();
    mock.fault(
        "calls.end",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );

    let err = client.calls().end(id.as_str()).await.unwrap_err();

    assert_eq!(err.slack_code(), Some("inactive_call"), "{err:?}");
}

// ------------------------------------------------------------ the cap

#[tokio::test]
async fn the_cap_on_total_wait_is_honoured() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time)
        .max_rate_limit_wait(secs(45))
        .build()
        .unwrap();
    let id = new_call(&client, "m-cap").await;
    mock.fault(
        "calls.info",
        Fault::RateLimited {
            retry_after_secs: 30,
        },
        3,
    );

    let err = client.calls().info(id.as_str()).await.unwrap_err();

    // 30 s waited, then another 30 s would go beyond the 45 s budget:
    // the call fails at once, without sleeping first.
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(30)),
        "{err:?}"
    );
    assert_eq!(time.sleeps(), [secs(30)]);
    assert_eq!(mock.requests_for("calls.info").len(), 2);
    assert_eq!(mock.pending_injections("calls.info"), 1);
    let stats = client.pacing_stats();
    let info = stats.iter().find(|s| s.method == "calls.info").unwrap();
    assert_eq!(info.over_budget, 1);
}

#[tokio::test]
async fn the_cap_holds_against_the_fakes_own_limiter_and_later_calls_stay_off_the_wire() {
    let mock = start(MockSlack::builder().rate_limits(LimitMode::PerMinute(1))).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::off())
        .max_rate_limit_wait(secs(10))
        .build()
        .unwrap();
    let id = new_call(&client, "m-cap-own").await;
    client.calls().info(id.as_str()).await.unwrap();

    let err = client.calls().info(id.as_str()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(60)),
        "{err:?}"
    );
    // The pause is kept: the next call fails before reaching the fake.
    let err = client.calls().info(id.as_str()).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after, .. } if retry_after == secs(60)),
        "{err:?}"
    );
    assert_eq!(
        outcomes(&mock, "calls.info"),
        [
            Verdict::Ok,
            Verdict::RateLimited {
                retry_after_secs: 60
            }
        ]
    );
    assert!(time.sleeps().is_empty(), "never slept beyond the cap");

    // Once the pause is over (on the shared time) the method works again.
    time.advance(secs(60));
    client.calls().info(id.as_str()).await.unwrap();
    assert_eq!(mock.requests_for("calls.info").len(), 3);
}

// ------------------------------------------------------- 503 storms

#[tokio::test]
async fn a_503_storm_ends_in_a_clear_error_within_the_attempt_bound() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    let id = new_call(&client, "m-storm").await;
    mock.fault("calls.info", Fault::Status(503), 10);

    let err = client.calls().info(id.as_str()).await.unwrap_err();

    assert!(matches!(err, Error::Status { status: 503, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("calls.info") && text.contains("503"),
        "{text}"
    );
    // Default policy: 4 attempts, backoff 0.5, 1, 2 s between them.
    assert_eq!(mock.requests_for("calls.info").len(), 4);
    assert_eq!(mock.pending_injections("calls.info"), 6);
    assert_eq!(time.sleeps(), [ms(500), secs(1), secs(2)]);
}

#[tokio::test]
async fn a_storm_shorter_than_the_bound_is_ridden_out() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    // Pacing off, so the sleeps are the backoffs alone (with pacing, a
    // retry also waits for its tier-3 slot).
    let client = client_on(&mock, &time)
        .rate_limits(RateLimits::off())
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .max_attempts(6)
                .initial_backoff(ms(100))
                .max_backoff(ms(400)),
        )
        .build()
        .unwrap();
    let id = new_call(&client, "m-storm-short").await;
    mock.fault("calls.info", Fault::Status(502), 3);
    mock.script("calls.info", Scripted::error("internal_error"));
    mock.fault("calls.info", Fault::Status(500), 1);

    client.calls().info(id.as_str()).await.unwrap();

    assert_eq!(mock.requests_for("calls.info").len(), 6);
    assert_eq!(time.sleeps(), [ms(100), ms(200), ms(400), ms(400), ms(400)]);
}

#[tokio::test]
async fn a_storm_of_internal_errors_on_calls_add_is_not_resent() {
    let mock = start(MockSlack::builder()).await;
    let time = SharedTime::auto(&mock);
    let client = client_on(&mock, &time).build().unwrap();
    mock.script("calls.add", Scripted::error("internal_error"));

    let err = client
        .calls()
        .add("m-internal", "https://example.com/j/1")
        .await
        .unwrap_err();

    assert_eq!(err.slack_code(), Some("internal_error"));
    assert!(
        matches!(err.api_code(), Some(AddError::Common(_))),
        "{err:?}"
    );
    // Slack may have registered the call: the error says so, so an app
    // that follows the README checks before sending calls.add again.
    assert!(err.may_have_been_sent(), "{err:?}");
    assert_eq!(mock.requests_for("calls.add").len(), 1);
    assert!(time.sleeps().is_empty());
}

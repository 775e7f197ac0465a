//! The exact sliding window (`Pacing::Window`, the default) against the
//! fake Slack, on virtual time shared by the client and the fake: a burst
//! over the tier completes at the minimum the tier allows with no 429, and
//! the spread-out mode takes longer for the same burst.

use std::sync::Arc;
use std::time::Duration;

use crate::fake_support::shared_time::{SharedTime, drive};
use slack_calls::calls::InfoError;
use slack_calls::{Client, Error, Pacing, RateLimits, RetryPolicy};
use slack_calls_mock::{MockSlack, Verdict};
use tokio::task::JoinHandle;

/// 150 `calls.info` at tier 3 (50 in any minute): the least time Slack's
/// window allows is two minutes (50 at 0 s, 50 at 60 s, 50 at 120 s).
const BURST: usize = 150;
const TIER_MINIMUM: Duration = Duration::from_secs(120);

async fn start() -> Arc<MockSlack> {
    Arc::new(MockSlack::builder().start().await.unwrap())
}

fn client(mock: &MockSlack, time: &SharedTime, limits: RateLimits) -> Client {
    mock.client_builder(mock.user_token())
        .clock(time.clone())
        .retry_policy(RetryPolicy::new().jitter(false))
        .rate_limits(limits)
        .max_rate_limit_wait(Duration::from_secs(600))
        .build()
        .unwrap()
}

async fn new_call(client: &Client) -> String {
    let client = client.clone();
    tokio::spawn(async move {
        client
            .calls()
            .add("window-burst", "https://example.com/j/1")
            .await
            .unwrap()
            .call
            .id
            .to_string()
    })
    .await
    .unwrap()
}

/// Sends the burst as concurrent tasks and returns (requests the fake saw,
/// how many it refused with 429).
async fn concurrent_burst(mock: &MockSlack, time: &SharedTime, client: &Client) -> (usize, usize) {
    let id = new_call(client).await;
    let tasks: Vec<JoinHandle<Result<(), Error<InfoError>>>> = (0..BURST)
        .map(|_| {
            let client = client.clone();
            let id = id.clone();
            tokio::spawn(async move { client.calls().info(id.as_str()).await.map(drop) })
        })
        .collect();
    drive(time, &tasks).await;
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let log = mock.requests_for("calls.info");
    let refused = log
        .iter()
        .filter(|r| matches!(r.outcome, Verdict::RateLimited { .. }))
        .count();
    (log.len(), refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_burst_completes_at_the_tier_minimum_with_no_429() {
    let mock = start().await;
    let time = SharedTime::manual(&mock);
    let client = client(&mock, &time, RateLimits::slack_tiers());

    let (sent, refused) = concurrent_burst(&mock, &time, &client).await;

    assert_eq!(sent, BURST, "each call sent once");
    assert_eq!(refused, 0);
    // The goal is 1.05x of the minimum; the window reaches the minimum.
    assert_eq!(time.elapsed(), TIER_MINIMUM);
    let stats = client.pacing_stats();
    let info = stats.iter().find(|s| s.method == "calls.info").unwrap();
    assert_eq!((info.permits, info.waited), (BURST as u64, 100));
    assert_eq!(info.longest_wait, TIER_MINIMUM);
}

#[tokio::test]
async fn a_sequential_burst_completes_at_the_tier_minimum_with_no_429() {
    let mock = start().await;
    let time = SharedTime::auto(&mock);
    let client = client(&mock, &time, RateLimits::slack_tiers());
    let id = new_call(&client).await;

    for _ in 0..BURST {
        client.calls().info(id.as_str()).await.unwrap();
    }

    let log = mock.requests_for("calls.info");
    assert_eq!(log.len(), BURST);
    assert!(log.iter().all(|r| r.outcome.is_ok()));
    assert_eq!(time.elapsed(), TIER_MINIMUM);
    // Two waits, each for the oldest of the last 50 to leave the window.
    assert_eq!(time.sleeps(), [Duration::from_secs(60); 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spread_out_mode_takes_longer_for_the_same_burst() {
    let mock = start().await;
    let time = SharedTime::manual(&mock);
    let client = client(
        &mock,
        &time,
        RateLimits::slack_tiers().pacing(Pacing::Spread),
    );

    let (sent, refused) = concurrent_burst(&mock, &time, &client).await;

    assert_eq!((sent, refused), (BURST, 0));
    // A burst of 3, then one every 1.25 s: 147 x 1.25 s = 183.75 s.
    assert_eq!(time.elapsed(), Duration::from_millis(1250) * 147);
    assert!(time.elapsed() > TIER_MINIMUM);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_over_the_tier_meets_the_fakes_429s() {
    // The control: a window twice the tier does get refused by the fake,
    // so the tests above would notice a limiter that lets too much by.
    let mock = start().await;
    let time = SharedTime::manual(&mock);
    let client = client(
        &mock,
        &time,
        RateLimits::slack_tiers().method("calls.info", slack_calls::Rate::per_minute(100)),
    );

    let (sent, refused) = concurrent_burst(&mock, &time, &client).await;

    assert!(refused >= 1, "{refused}");
    assert_eq!(sent - refused, BURST, "every call admitted once");
}

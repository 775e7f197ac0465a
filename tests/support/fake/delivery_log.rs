//! Waiting for the fake's event deliveries: the fake sends events in the
//! background and logs each attempt only when the app's answer is back, so
//! a test that has seen the app receive an event may still find the log
//! without it for a moment.

use std::time::{Duration, Instant};

use slack_calls_mock::{DeliveryRecord, MockSlack};

/// Polls the fake's delivery log until `done` holds for it, for at most
/// 30 s; the log, or what it held when the time ran out.
pub async fn deliveries_until(
    mock: &MockSlack,
    done: impl Fn(&[DeliveryRecord]) -> bool,
) -> Result<Vec<DeliveryRecord>, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = mock.deliveries();
        if done(&log) {
            return Ok(log);
        }
        if Instant::now() > deadline {
            return Err(format!("the delivery log never got there: {log:?}"));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

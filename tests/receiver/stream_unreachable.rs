//! The durable handoff when its Redis cannot be reached at all (no Redis
//! server needed): an event is refused with `503` and no
//! `x-slack-no-retry`, so that Slack retries it, and nothing reaches the
//! handler; requests that need no stream are answered as before.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use slack_calls::events::{EventStream, Outcome, Readiness, Receiver};

use crate::support::signed_events::{SECRET, TestEvent, call_rejected, callback, signed_json};

fn receiver(handled: &Arc<AtomicUsize>) -> Receiver<TestEvent> {
    let dir = std::env::temp_dir().join(format!("no-redis-{}", std::process::id()));
    let url = format!("redis+unix://{}/gone.sock", dir.display());
    let handled = Arc::clone(handled);
    Receiver::<TestEvent>::builder(SECRET)
        .stream(EventStream::new(&url, "A0NOREDIS").unwrap())
        .on_event(move |_, _| {
            let handled = Arc::clone(&handled);
            async move {
                handled.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_event_is_refused_with_503_for_slack_to_retry_when_redis_is_away() {
    let handled = Arc::new(AtomicUsize::new(0));
    let receiver = receiver(&handled);
    let body = callback("EvNoRedis", call_rejected());
    let reply = receiver
        .receive(
            &signed_json(SECRET, receiver.verifier().unix_now(), &body),
            &body,
        )
        .await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert!(!reply.no_retry, "Slack must retry it: {reply:?}");
    assert_eq!(reply.outcome, Outcome::QueueUnavailable);
    assert_eq!(reply.outcome.label(), "queue_unavailable");
    // Nothing about Redis in the answer.
    assert_eq!(reply.body, b"unavailable");
    // The workers cannot run either; they retry, and give up at the stop.
    let workers = tokio::spawn({
        let receiver = receiver.clone();
        async move { receiver.run_workers().await }
    });
    // Time for them to meet the missing Redis a few times (the test holds
    // either way: what it checks is that the stop ends them).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    receiver.shutdown().stop();
    workers.await.unwrap();
    let report = receiver.shutdown().finish().await;
    assert_eq!(report.unfinished, 0, "{report}");
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_forged_request_and_the_handshake_need_no_stream() {
    let handled = Arc::new(AtomicUsize::new(0));
    let receiver = receiver(&handled);
    let body = callback("EvForged", call_rejected());
    let reply = receiver
        .receive(
            &signed_json(
                "another-secret-0123456789abcdef",
                receiver.verifier().unix_now(),
                &body,
            ),
            &body,
        )
        .await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert!(reply.no_retry);
    let body = br#"{"token":"t","challenge":"c-123","type":"url_verification"}"#;
    let reply = receiver
        .receive(
            &signed_json(SECRET, receiver.verifier().unix_now(), body),
            body,
        )
        .await;
    assert_eq!(
        (reply.status, reply.body.as_slice()),
        (200, b"c-123".as_slice())
    );
}

#[tokio::test]
async fn readiness_fails_while_the_streams_redis_is_away() {
    let handled = Arc::new(AtomicUsize::new(0));
    let receiver = receiver(&handled);
    let report = Readiness::new().stream(&receiver).report().await;
    assert!(!report.is_ready(), "{report:?}");
    let plain = Receiver::<TestEvent>::builder(SECRET).build().unwrap();
    assert!(Readiness::new().stream(&plain).report().await.is_ready());
}

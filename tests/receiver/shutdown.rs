//! Stopping without losing work (`Shutdown`): once stopped, a receiver
//! refuses with `503` (Slack retries) and runs nothing; a stop waits for
//! the handlers in flight and the late Call-initiation answers, up to its
//! deadline, and says what it left; a `Server` stops on its signal, lets
//! its handlers finish, and accepts nothing after.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::support::signed_events::{
    SECRET, Server, TestEvent, call_rejected, callback, signed, signed_json,
};
use slack_calls::events::{InitiationAnswer, Outcome, Receiver, Server as AppServer};
use slack_calls::{Shutdown, TestClock};
use tokio::sync::{mpsc, watch};

/// A gate handlers wait at until it opens (for good: a handler that
/// arrives after the opening passes at once).
#[derive(Clone)]
struct Gate(Arc<watch::Sender<bool>>);

impl Gate {
    fn new() -> Gate {
        Gate(Arc::new(watch::channel(false).0))
    }
    fn open(&self) {
        self.0.send_replace(true);
    }
    async fn pass(&self) {
        let mut open = self.0.subscribe();
        let _ = open.wait_for(|open| *open).await;
    }
}

/// A receiver on `shutdown` whose handlers wait at `gate`, then count.
fn gated(shutdown: &Shutdown, gate: &Gate, done: &Arc<AtomicUsize>) -> Receiver<TestEvent> {
    let (gate, done) = (gate.clone(), done.clone());
    Receiver::<TestEvent>::builder(SECRET)
        .shutdown(shutdown)
        .on_event(move |_, _| {
            let (gate, done) = (gate.clone(), done.clone());
            async move {
                gate.pass().await;
                done.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_stopped_receiver_answers_503_so_slack_retries_and_runs_nothing() {
    let shutdown = Shutdown::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::<TestEvent>::builder(SECRET)
        .shutdown(&shutdown)
        .on_event(move |event, _| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(event.event_id);
            }
        })
        .build()
        .unwrap();
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let before = callback("EvBefore", call_rejected());
    let response = server.post(signed_json(SECRET, now, &before), before).await;
    assert_eq!(response.status(), 200);
    assert_eq!(rx.recv().await.as_deref(), Some("EvBefore"));

    shutdown.stop();
    let after = callback("EvAfter", call_rejected());
    let response = server
        .post(signed_json(SECRET, now, &after), after.clone())
        .await;
    // Not 200 (Slack would never send it again) and not a permanent
    // refusal: no x-slack-no-retry, so Slack retries it.
    assert_eq!(response.status(), 503);
    assert!(response.headers().get("x-slack-no-retry").is_none());
    let reply = receiver
        .receive(&signed_json(SECRET, now, &after), &after)
        .await;
    assert_eq!((reply.status, reply.outcome), (503, Outcome::Stopping));
    // A forged request gets the same answer: nothing is read after a stop.
    let forged = receiver
        .receive(&signed_json("not-the-secret-at-all", now, &after), &after)
        .await;
    assert_eq!(forged.outcome, Outcome::Stopping);
    let report = shutdown.finish().await;
    assert_eq!((report.in_flight, report.unfinished), (0, 0));
    // The stop waited for every handler the receiver started: none ran
    // for the refused deliveries.
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn a_stop_waits_for_every_handler_in_flight() {
    let shutdown = Shutdown::new();
    let gate = Gate::new();
    let done = Arc::new(AtomicUsize::new(0));
    let receiver = gated(&shutdown, &gate, &done);
    let now = receiver.verifier().unix_now();
    for i in 0..20 {
        let body = callback(&format!("Ev{i}"), call_rejected());
        let reply = receiver
            .receive(&signed_json(SECRET, now, &body), &body)
            .await;
        assert_eq!(reply.outcome, Outcome::Event, "acknowledged first");
    }
    assert_eq!(shutdown.in_flight(), 20);
    let finishing = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { shutdown.finish().await }
    });
    while !shutdown.is_stopping() {
        tokio::task::yield_now().await;
    }
    // Every handler still waits at its gate, so the stop cannot be over.
    tokio::task::yield_now().await;
    assert!(!finishing.is_finished());
    assert_eq!(done.load(Ordering::SeqCst), 0);
    gate.open();
    let report = finishing.await.unwrap();
    assert_eq!(
        done.load(Ordering::SeqCst),
        20,
        "every acknowledged event handled"
    );
    assert_eq!((report.in_flight, report.unfinished), (20, 0));
    // A second finish gives the same report at once.
    assert_eq!(shutdown.finish().await, report);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_wait_and_the_report_counts_what_was_left() {
    let shutdown = Shutdown::builder().deadline(Duration::from_secs(5)).build();
    let gate = Gate::new();
    let done = Arc::new(AtomicUsize::new(0));
    let receiver = gated(&shutdown, &gate, &done);
    let now = receiver.verifier().unix_now();
    for id in ["EvStuck1", "EvStuck2"] {
        let body = callback(id, call_rejected());
        receiver
            .receive(&signed_json(SECRET, now, &body), &body)
            .await;
    }
    let started = tokio::time::Instant::now();
    let report = shutdown.finish().await;
    assert_eq!(started.elapsed(), Duration::from_secs(5), "virtual time");
    assert_eq!((report.in_flight, report.unfinished), (2, 2));
    assert_eq!(done.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_late_call_initiation_answer_is_posted_before_the_stop_ends() {
    // Where the late answer goes: a real server on 127.0.0.1 counting posts.
    let posts = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/commands/late",
        axum::routing::post({
            let posts = posts.clone();
            move |body: String| {
                let posts = posts.clone();
                async move {
                    assert!(body.contains("late but here"), "{body}");
                    posts.fetch_add(1, Ordering::SeqCst);
                }
            }
        }),
    );
    let (addr, _task) = crate::support::serve(app).await;
    let clock = TestClock::manual();
    let shutdown = Shutdown::new();
    let gate = Gate::new();
    let receiver = Receiver::<TestEvent>::builder(SECRET)
        .clock(clock.clone())
        .shutdown(&shutdown)
        .initiation_deadline(Duration::from_millis(2500))
        .on_call_initiation({
            let gate = gate.clone();
            move |_, _| {
                let gate = gate.clone();
                async move {
                    gate.pass().await;
                    InitiationAnswer::ephemeral("late but here")
                }
            }
        })
        .build()
        .unwrap();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("team_id", "T0001")
        .append_pair("user_id", "U0001")
        .append_pair("channel_id", "C0001")
        .append_pair("response_url", &format!("http://{addr}/commands/late"));
    let body = form.finish().into_bytes();
    let now = receiver.verifier().unix_now();
    let headers = signed(SECRET, now, &body, "application/x-www-form-urlencoded");
    let task = tokio::spawn({
        let receiver = receiver.clone();
        async move { receiver.receive(&headers, &body).await }
    });
    while clock.pending_sleeps() == 0 {
        tokio::task::yield_now().await;
    }
    clock.advance(Duration::from_millis(2500));
    let reply = task.await.unwrap();
    assert_eq!(reply.outcome, Outcome::CallInitiationTimedOut);
    let finishing = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { shutdown.finish().await }
    });
    while !shutdown.is_stopping() {
        tokio::task::yield_now().await;
    }
    gate.open();
    let report = finishing.await.unwrap();
    assert_eq!(
        posts.load(Ordering::SeqCst),
        1,
        "posted before the stop ended"
    );
    assert_eq!(report.unfinished, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stops_on_its_signal_finishes_its_handlers_and_accepts_nothing_after() {
    let gate = Gate::new();
    let done = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new();
    let receiver = gated(&shutdown, &gate, &done);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(
        AppServer::new()
            .events("/slack/events", &receiver)
            .stop_on(async move {
                let _ = stop_rx.await;
            })
            .serve_on(listener),
    );
    let url = format!("http://{addr}/slack/events");
    let http = reqwest::Client::new();
    let now = receiver.verifier().unix_now();
    for i in 0..5 {
        let body = callback(&format!("EvServed{i}"), call_rejected());
        let response = http
            .post(&url)
            .headers(signed_json(SECRET, now, &body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    stop_tx.send(()).unwrap();
    while !shutdown.is_stopping() {
        tokio::task::yield_now().await;
    }
    assert!(!serving.is_finished(), "its handlers still wait");
    gate.open();
    let report = serving.await.unwrap().unwrap();
    // Every handler ran before serve returned. How many were still in
    // flight when the finish began depends on when axum let go of its
    // connections (the gate may open first), so only the bound is fixed.
    assert_eq!(done.load(Ordering::SeqCst), 5);
    assert!(
        report.in_flight <= 5 && report.unfinished == 0,
        "{report:?}"
    );
    // The listener is closed: a delivery now fails to connect, and Slack
    // retries it (connection_failed).
    let body = callback("EvLate", call_rejected());
    let late = reqwest::Client::new()
        .post(&url)
        .headers(signed_json(SECRET, now, &body))
        .body(body)
        .send()
        .await;
    assert!(late.is_err(), "nothing accepted after the stop: {late:?}");
}

/// A client that never finishes its request cannot hold a `Server`'s stop
/// past the deadline, which counts from the stop: the request is dropped
/// at the deadline and `serve` returns.
#[tokio::test]
async fn a_request_that_never_ends_cannot_hold_the_stop_past_its_deadline() {
    use slack_calls::events::axum;
    use tokio::io::AsyncWriteExt;

    let shutdown = Shutdown::builder()
        .deadline(Duration::from_millis(300))
        .build();
    // A route of the app's that reads its whole body, and says when it
    // began.
    let (began_tx, began_rx) = mpsc::unbounded_channel::<()>();
    let slow = axum::Router::new().route(
        "/upload",
        axum::routing::post(move |body: axum::body::Bytes| {
            let _ = body;
            async {}
        })
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let _ = began_tx.send(());
                next.run(request)
            },
        )),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(
        AppServer::new()
            .routes(slow)
            .shutdown(&shutdown)
            .stop_on(async move {
                let _ = stop_rx.await;
            })
            .serve_on(listener),
    );
    // Headers promising a body of 100 bytes, and 10 of them.
    let mut stalled = tokio::net::TcpStream::connect(addr).await.unwrap();
    stalled
        .write_all(b"POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    stalled.flush().await.unwrap();
    let mut began_rx = began_rx;
    began_rx
        .recv()
        .await
        .expect("the request reached the route");
    stop_tx.send(()).unwrap();
    // Without the deadline this would wait for ever; the bound only keeps
    // a failure from hanging the test run.
    let report = tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .expect("serve returned after the deadline")
        .unwrap()
        .unwrap();
    assert!(shutdown.is_stopping(), "{report:?}");
    drop(stalled);
}

//! A real `event_context` for `apps.event.authorizations.list`, which
//! answers `invalid_event_context` for one no event carried (Slack's
//! method page): registers an app that keeps what it gets, has a fake user
//! share a link on its domain, and reads the context off the event.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slack_calls_mock::{MockApp, MockSlack};

use super::handshake::answers_handshake;

/// The `event_context` of a `link_shared` that `user` causes in
/// `channel`, through an app registered for it (replacing any other).
pub async fn event_context(mock: &MockSlack, user: &str, channel: &str) -> String {
    let bodies: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let kept = Arc::clone(&bodies);
    let router = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(move |body: axum::body::Bytes| {
            let kept = Arc::clone(&kept);
            async move {
                if let Ok(value) = serde_json::from_slice(&body) {
                    kept.lock().unwrap().push(value);
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slack/events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, answers_handshake(router)).await });
    let app = MockApp::new(url, "event-context-signing-secret-0123456789")
        .unwrap()
        .unfurl_domains(["example.com"]);
    mock.register_app(app).await.unwrap();
    mock.user_posts(user, channel, "https://example.com/context")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = bodies
            .lock()
            .unwrap()
            .iter()
            .find_map(|body| body["event_context"].as_str().map(str::to_owned));
        if let Some(context) = found {
            return context;
        }
        assert!(Instant::now() < deadline, "no event came");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

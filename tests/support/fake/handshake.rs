//! Slack's `url_verification` handshake for the test apps built by hand:
//! the fake sends it when an app is registered (Slack's "Using the Events
//! API over HTTP", "URL verification handshake") and registers the app
//! only if it answers with the challenge. `slack_calls::events::Receiver`
//! and Bolt answer it themselves; a raw axum router gets
//! [`answers_handshake`] as a layer.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// `router`, answering the handshake with its challenge (as plain text)
/// before any of its routes sees it.
pub fn answers_handshake(router: axum::Router) -> axum::Router {
    router.layer(axum::middleware::from_fn(handshake))
}

async fn handshake(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if let Some(challenge) = challenge_of(&bytes) {
        return challenge.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The challenge of a `url_verification` body, if it is one.
pub fn challenge_of(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    if value["type"] != "url_verification" {
        return None;
    }
    value["challenge"].as_str().map(str::to_owned)
}

//! Shared pieces of the receiver tests: a test event enum, signed requests,
//! and a real axum server on 127.0.0.1.

#![allow(dead_code)]

use http::{HeaderMap, HeaderValue};
use serde::Deserialize;
use slack_calls::events::Receiver;
use slack_calls::signing::{SigningSecret, sign};

/// The app's signing secret in these tests.
pub const SECRET: &str = "test-signing-secret-8f742231b10e";

/// A link in a `link_shared` event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Link {
    pub domain: String,
    pub url: String,
}

/// The events these tests name; everything else lands in `Other`, whole.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TestEvent {
    LinkShared {
        channel: String,
        message_ts: String,
        links: Vec<Link>,
        #[serde(default)]
        unfurl_id: Option<String>,
    },
    CallRejected {
        call_id: String,
        user_id: String,
        channel_id: String,
        external_unique_id: String,
    },
    #[serde(untagged)]
    Other(serde_json::Value),
}

pub fn secret() -> SigningSecret {
    SigningSecret::new(SECRET).unwrap()
}

/// Headers for a JSON body signed with `secret` at `timestamp`.
pub fn signed_json(secret: &str, timestamp: i64, body: &[u8]) -> HeaderMap {
    signed(secret, timestamp, body, "application/json")
}

/// Headers for a body of `content_type` signed with `secret` at `timestamp`.
pub fn signed(secret: &str, timestamp: i64, body: &[u8], content_type: &str) -> HeaderMap {
    let secret = SigningSecret::new(secret).unwrap();
    let timestamp = timestamp.to_string();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_str(content_type).unwrap());
    headers.insert(
        "x-slack-request-timestamp",
        HeaderValue::from_str(&timestamp).unwrap(),
    );
    headers.insert(
        "x-slack-signature",
        HeaderValue::from_str(&sign(&secret, &timestamp, body)).unwrap(),
    );
    headers
}

/// An `event_callback` body around `event`.
pub fn callback(event_id: &str, event: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "token": "deprecated-verification-token",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "authorizations": [{
            "enterprise_id": null, "team_id": "T0001", "user_id": "U0BOT",
            "is_bot": true, "is_enterprise_install": false
        }],
        "is_ext_shared_channel": false,
        "context_team_id": "T0001",
        "context_enterprise_id": null
    }))
    .unwrap()
}

pub fn link_shared(url: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "link_shared",
        "channel": "C0001",
        "is_bot_user_member": true,
        "user": "U0001",
        "message_ts": "1700000000.000100",
        "links": [{ "domain": "calls.example.com", "url": url }],
        "event_ts": "1700000000.000200"
    })
}

pub fn call_rejected() -> serde_json::Value {
    serde_json::json!({
        "type": "call_rejected",
        "call_id": "R0001",
        "user_id": "U0002",
        "channel_id": "D0001",
        "external_unique_id": "call-1"
    })
}

/// A real HTTP server on 127.0.0.1 serving `receiver` at `/slack/events`.
pub struct Server {
    pub url: String,
    pub http: reqwest::Client,
}

impl Server {
    pub async fn start(receiver: &Receiver<TestEvent>) -> Server {
        let app = axum::Router::new().route("/slack/events", receiver.method_router());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server {
            url: format!("http://{addr}/slack/events"),
            http: reqwest::Client::new(),
        }
    }

    pub async fn post(&self, headers: HeaderMap, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(&self.url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

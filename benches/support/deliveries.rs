//! What the event benches (`events`, `stream`) share: the signing secret,
//! the app's event type, realistic signed `link_shared` deliveries with
//! fresh ids, and an axum app served on 127.0.0.1.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use serde::Deserialize;
use slack_calls::signing::{SigningSecret, sign};

pub const SECRET: &str = "bench-signing-secret-8f742231b10e";

/// The app's events: the two a Calls app names, the rest kept whole.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(dead_code)]
pub enum BenchEvent {
    LinkShared {
        channel: String,
        message_ts: String,
        links: Vec<serde_json::Value>,
    },
    CallRejected {
        call_id: String,
    },
    #[serde(untagged)]
    Other(serde_json::Value),
}

/// A realistic `link_shared` delivery (about 700 bytes) with a unique id.
pub fn delivery(n: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "token": "XXYYZZ",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": {
            "type": "link_shared",
            "channel": "C0001",
            "is_bot_user_member": true,
            "user": "U0001",
            "message_ts": "1700000000.000100",
            "unfurl_id": "C0001.1700000000.000100.abcdef",
            "source": "conversations_history",
            "links": [{ "domain": "calls.example.com", "url": format!("https://calls.example.com/j/{n}") }],
            "event_ts": "1700000000.000200"
        },
        "type": "event_callback",
        "event_id": format!("Ev{n:012}"),
        "event_time": 1_700_000_000,
        "authorizations": [{ "enterprise_id": null, "team_id": "T0001", "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": false }],
        "is_ext_shared_channel": false,
        "context_team_id": "T0001",
        "context_enterprise_id": null
    }))
    .expect("a JSON value serializes")
}

fn headers(secret: &SigningSecret, timestamp: &str, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "x-slack-request-timestamp",
        HeaderValue::from_str(timestamp).expect("digits"),
    );
    headers.insert(
        "x-slack-signature",
        HeaderValue::from_str(&sign(secret, timestamp, body)).expect("hex"),
    );
    headers
}

pub type Request = (HeaderMap, Vec<u8>);

/// `count` signed deliveries with ids from `first` on (fresh each round, so
/// none is a duplicate).
pub fn requests(first: usize, count: usize, now: i64) -> Vec<Request> {
    let secret = SigningSecret::new(SECRET).expect("long enough");
    let timestamp = now.to_string();
    (first..first + count)
        .map(|n| {
            let body = delivery(n);
            (headers(&secret, &timestamp, &body), body)
        })
        .collect()
}

pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("bound");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/slack/events")
}

/// Posts every request with `concurrency` tasks; each one's time from send
/// to its `200` read whole.
pub async fn post_all(
    http: &reqwest::Client,
    url: &str,
    requests: Vec<Request>,
    concurrency: usize,
) -> Vec<Duration> {
    let queue = Arc::new(std::sync::Mutex::new(requests));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let queue = Arc::clone(&queue);
        let http = http.clone();
        let url = url.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let next = queue.lock().map(|mut queue| queue.pop()).ok().flatten();
                let Some((headers, body)) = next else { break };
                let start = Instant::now();
                let response = http.post(&url).headers(headers).body(body).send().await;
                let status = match response {
                    Ok(response) => {
                        let status = response.status();
                        let _ = response.bytes().await;
                        status
                    }
                    Err(err) => panic!("no answer: {err}"),
                };
                times.push(start.elapsed());
                assert_eq!(status, StatusCode::OK);
            }
            times
        }));
    }
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("a load task"));
    }
    times
}

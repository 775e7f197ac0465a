//! A loopback HTTP server that records every request exactly as it arrived
//! and answers with whatever the test sets. The wire-format tests use it to
//! see the bytes the client sends; behaviour tests use `slack_calls_mock`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Captured {
    /// A header's value (first one), by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        super::header(&self.headers, name)
    }

    /// The form fields of the body, in order.
    pub fn form(&self) -> Vec<(String, String)> {
        super::form_fields(&self.body)
    }

    /// One form field.
    pub fn field(&self, name: &str) -> Option<String> {
        super::form_field(&self.body, name)
    }
}

/// Status, extra headers and body of the next answers.
type Answer = (u16, Vec<(String, String)>, String);

#[derive(Clone)]
struct Shared {
    seen: Arc<Mutex<Vec<Captured>>>,
    answer: Arc<Mutex<Answer>>,
}

/// The recording server.
pub struct Capture {
    pub addr: SocketAddr,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn record(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let captured = Captured {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    shared.seen.lock().unwrap().push(captured);
    let (status, extra_headers, body) = shared.answer.lock().unwrap().clone();
    let mut response = (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    for (name, value) in extra_headers {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

impl Capture {
    /// Starts on 127.0.0.1 with an ephemeral port, answering `{"ok":true}`.
    pub async fn start() -> Capture {
        let shared = Shared {
            seen: Arc::default(),
            answer: Arc::new(Mutex::new((200, Vec::new(), "{\"ok\":true}".to_owned()))),
        };
        let app = Router::new().fallback(record).with_state(shared.clone());
        let (addr, task) = super::serve(app).await;
        Capture { addr, shared, task }
    }

    /// The base URL to give the client.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// A client for this server with `token`.
    pub fn client(&self, token: &str) -> slack_calls::Client {
        // Wire and decoding tests: one request per call, at once (no pacing,
        // no retries; those have their own tests in tests/client/runtime_*.rs).
        slack_calls::Client::builder(token)
            .base_url(self.base_url())
            .rate_limits(slack_calls::RateLimits::off())
            .retry_policy(slack_calls::RetryPolicy::none())
            .build()
            .unwrap()
    }

    /// Sets the next answers (status 200).
    pub fn answer(&self, body: impl Into<String>) {
        *self.shared.answer.lock().unwrap() = (200, Vec::new(), body.into());
    }

    /// Sets the next answers with a status and headers.
    pub fn answer_with(&self, status: u16, headers: &[(&str, &str)], body: impl Into<String>) {
        *self.shared.answer.lock().unwrap() = (
            status,
            headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body.into(),
        );
    }

    /// Everything received so far, and forgets it.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.shared.seen.lock().unwrap())
    }

    /// The one request received since the last `take`.
    pub fn only(&self) -> Captured {
        let mut seen = self.take();
        assert_eq!(seen.len(), 1, "expected exactly one request, got {seen:?}");
        seen.remove(0)
    }
}

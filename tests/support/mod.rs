//! What the integration tests share, one file per kind of helper:
//!
//! - [`capture_server`]: a loopback server that records every request as it
//!   arrived and answers what the test sets (the wire and decoding tests).
//! - [`scripted_server`]: a raw HTTP/1.1 server that answers from a script,
//!   enforces a window limit and stamps requests on a `TestClock`'s virtual
//!   time (retries, pacing, timeouts).
//! - [`test_methods`]: hand-written method tables shaped like the generated
//!   ones, and calls through them.
//! - [`signed_events`]: signed Slack requests and a server for the events
//!   receiver (feature `events`).
//! - [`trace_capture`]: a writer that collects tracing output.
//! - [`flaky_store`]: an installation store that can be down.
//! - [`installations`]: whole installations for the store tests.
//! - [`store_contract`]: what every shared installation store does for
//!   apps on many instances (change feed, states, two `App`s over one store).
//!
//! The helpers that drive the fake Slack are in `fake/` (see its module).
//!
//! A test binary declares `mod support;` (from a folder,
//! `#[path = "../support/mod.rs"] mod support;`) and imports from the file
//! it needs.

#![allow(dead_code)] // each test binary uses a different part

pub mod capture_server;
pub mod flaky_store;
#[cfg(feature = "sealing")]
pub mod installations;
pub mod scripted_server;
#[cfg(feature = "events")]
pub mod signed_events;
#[cfg(feature = "sealing")]
pub mod store_contract;
pub mod test_methods;
pub mod trace_capture;

/// The first value of the header `name` (lower case) in `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The fields of a form body, in order.
pub fn form_fields(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// The first form field `name` of a form body.
pub fn form_field(body: &str, name: &str) -> Option<String> {
    form_urlencoded::parse(body.as_bytes())
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// Serves `app` on 127.0.0.1 with an ephemeral port until the returned task
/// is aborted (or the test's runtime ends).
pub async fn serve(app: axum::Router) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (addr, task)
}

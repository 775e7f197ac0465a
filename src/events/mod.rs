//! Receiving Slack's requests (feature `events`): the signed events a Calls
//! app subscribes to (`link_shared`, `call_rejected`, `app_uninstalled`,
//! `tokens_revoked`, ...) and the Call-button / slash-command requests that
//! start a Call.
//!
//! Every request goes through the same steps, in this order:
//!
//! 1. **Size**: a body over the cap ([`DEFAULT_MAX_BODY`], 1 MiB, by default)
//!    is refused before it is read whole.
//! 2. **Signature**, on the raw bytes before any parsing ([`Verifier`]):
//!    `X-Slack-Signature` must be `v0=` + hex HMAC-SHA256 of
//!    `v0:{X-Slack-Request-Timestamp}:{body}` under the app's signing secret,
//!    compared in constant time, and the timestamp must be within five
//!    minutes of now, *in both directions*. Slack's unsigned `ssl_check=1`
//!    probe is the one exception: it is acknowledged and its payload ignored.
//! 3. **Decode**: `url_verification` is answered with its challenge,
//!    `event_callback` is decoded into [`EventCallback<E>`],
//!    `app_rate_limited` into [`AppRateLimited`]; envelope and event types
//!    this code does not know are acknowledged, never refused.
//! 4. **Dedup** by `event_id` and an optional domain key ([`DedupStore`]):
//!    a re-delivery, even one arriving while the first is still being
//!    handled, is acknowledged and dropped.
//! 5. **Ack, then handle**: the event handler is spawned and the 200 goes
//!    out at once, so a slow handler never makes Slack retry. A
//!    Call-initiation handler's answer *is* the response, so it gets a
//!    deadline under Slack's 3 s; an answer that misses it is posted to
//!    the request's `response_url` when it comes. With an
//!    [`EventStream`] (feature `redis`) an event is acknowledged only once
//!    it is in a Redis Stream, and workers in every instance run its
//!    handler from there, so that a crash loses nothing.
//!
//! Permanent rejections (bad or missing signature, stale or future
//! timestamp, too big, undecodable) answer with `x-slack-no-retry: 1`, and
//! the status says no more than the class of failure (401, 413, 400, 415).
//! No error, `Debug` output or log line, at any level, contains the signing
//! secret or a signature.
//!
//! The core ([`Receiver::receive`]) takes headers and bytes and returns a
//! [`Reply`], with no web framework; [`Receiver::method_router`] mounts it in
//! axum.
//!
//! The HMAC is RustCrypto's `hmac` + `sha2` (see [`crate::signing`]):
//! constant-time verification built in, pure Rust, and independent of the
//! TLS backend (`aws-lc-rs` is in the tree only through reqwest's rustls,
//! with the default `rustls` feature).
//!
//! # Example
//!
//! ```no_run
//! use slack_calls::events::{InitiationAnswer, Receiver, link_shared_domain_key};
//! use slack_calls::{Client, Event};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // `Receiver<Event>`: the generated enum; unknown types land in `Event::Other`.
//!     let receiver = Receiver::<Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
//!         // team id -> a client for that workspace (your installation store).
//!         .workspaces(|team: &str| Client::builder("xoxb-…").workspace(team).build().ok())
//!         // Slack re-sends a shared link with new event ids: dedup on what was shared.
//!         .domain_key(link_shared_domain_key)
//!         // Runs after the 200 went out: take as long as you need.
//!         .on_event(|callback, context| async move {
//!             match callback.event {
//!                 Event::LinkShared(_shared) => { /* calls.add, then chat.unfurl via context.client() */ }
//!                 Event::CallRejected(rejected) => {
//!                     println!("{} rejected {}", rejected.user_id, rejected.call_id)
//!                 }
//!                 _ => {}
//!             }
//!             let _ = context.retry_num(); // Some(1..=3) on Slack's re-deliveries
//!         })
//!         // The answer is the HTTP response, so it must come within 3 s.
//!         .on_call_initiation(|initiation, _| async move {
//!             InitiationAnswer::call(format!("https://calls.example.com/new?by={}", initiation.user_id))
//!         })
//!         .build()?; // an empty or short signing secret is refused here
//!
//!     let app = axum::Router::new().route("/slack/events", receiver.method_router());
//!     let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
//!     axum::serve(listener, app).await?;
//!     Ok(())
//! }
//! ```

// The envelope is compiled with or without the feature: the generated
// `Event` types use it. Everything else here is the receiver.
pub(crate) mod envelope;

#[cfg(feature = "events")]
mod builder;
#[cfg(feature = "events")]
mod dedup;
#[cfg(feature = "events")]
mod initiation;
#[cfg(feature = "events")]
mod readiness;
#[cfg(feature = "events")]
mod receiver;
#[cfg(all(feature = "events", feature = "redis"))]
mod redis_dedup;
#[cfg(feature = "events")]
mod router;
#[cfg(feature = "events")]
mod server;
#[cfg(all(feature = "events", feature = "redis"))]
mod stream;
#[cfg(feature = "events")]
mod verify;

#[cfg(feature = "events")]
pub use dedup::{
    Claim, DEFAULT_CAPACITY, DEFAULT_TTL, DedupError, DedupFuture, DedupStore, MemoryDedup,
    link_shared_domain_key, link_shared_key,
};
// The envelope is the crate's one `EventEnvelope`, re-exported here for
// handlers' convenience.
#[cfg(feature = "events")]
pub use crate::events::envelope::{
    AppRateLimited, EventAuthorization, EventCallback, EventEnvelope, UrlVerification,
};
/// The axum this crate is built on (0.8): its `Router`, `MethodRouter` and
/// `serve` are the ones [`Receiver::method_router`] and
/// [`Server::router`] give, so an app mounts them with
/// `slack_calls::events::axum` and never has to guess the version.
#[cfg(feature = "events")]
pub use axum;
#[cfg(feature = "events")]
pub use builder::ReceiverBuilder;
#[cfg(feature = "events")]
pub use initiation::{CallInitiation, InitiationAnswer};
#[cfg(feature = "events")]
pub use readiness::{DEFAULT_READINESS_TIMEOUT, Readiness, ReadinessReport};
#[cfg(feature = "events")]
pub use receiver::{
    Context, DEFAULT_INITIATION_DEADLINE, NO_RETRY_HEADER, Outcome, RETRY_NUM_HEADER,
    RETRY_REASON_HEADER, Receiver, Reply, Workspaces,
};
#[cfg(all(feature = "events", feature = "redis"))]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_dedup::RedisDedup;
#[cfg(feature = "events")]
pub use server::Server;
#[cfg(all(feature = "events", feature = "redis"))]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use stream::{DEFAULT_CLAIM_IDLE, DEFAULT_CONCURRENCY, DEFAULT_GROUP, EventStream};
#[cfg(feature = "events")]
pub use verify::{
    DEFAULT_MAX_BODY, DEFAULT_TIMESTAMP_WINDOW, Rejection, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    Verifier,
};

//! A typed client for Slack's Calls API, generated from a YAML spec, and a
//! faithful fake Slack server to test against (feature `mock`).
//!
//! Slack method `a.b.c` is reached as `client.a().b().c(required…)`; the
//! required params are positional, the optional ones are setters, and the
//! request is awaited directly:
//!
//! ```no_run
//! use slack_calls::{CallUser, Client};
//! use std::time::Duration;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("xoxp-your-user-token");
//! let call = client
//!     .calls()
//!     .add("025169F6-E37A-4E62-BB54-7F93A0FC4C1F", "https://example.com/calls/1")
//!     .title("Kimpossible sync up")
//!     .users([CallUser::slack("U1H77")])
//!     .await?
//!     .call;
//! client
//!     .calls()
//!     .participants()
//!     .add(&call.id, [CallUser::external("54321678", "External User")])
//!     .await?;
//! client.calls().end(&call.id).duration(Duration::from_secs(1800)).await?;
//! # Ok(()) }
//! ```
//!
//! Every method returns `Result<Response, Error<MethodError>>`: see [`Error`].

#![warn(missing_docs)]
// docs.rs (and only docs.rs) builds with `--cfg docsrs`: feature-gated items
// then say which feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets generated code name this crate as `::slack_calls` both here and in
// downstream crates that generate their own methods.
extern crate self as slack_calls;

// The runtime, in the order a call goes through it: the client, checking
// the request against its method, pacing, sending, classifying a failure,
// retrying, decoding the answer.
mod app;
mod classify;
mod client;
mod clock;
mod codes;
mod decode;
mod error;
mod event_envelope;
mod form;
mod id;
pub mod method;
mod pacing;
mod pages;
mod rate;
mod ratelimit;
mod retry;
mod send;
mod timestamp;
mod tls;
mod token;
mod union;
mod workspace_gone;

// Built on the generated API, not part of it.
mod layers;

#[cfg(feature = "mock")]
#[cfg_attr(docsrs, doc(cfg(feature = "mock")))]
pub mod mock;

#[cfg(feature = "events")]
#[cfg_attr(docsrs, doc(cfg(feature = "events")))]
pub mod events;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;

pub use app::{App, AppBuilder, AppError, Installation, Installations, MemoryInstallations};
pub use client::{Client, ClientBuilder, SLACK_API_BASE};
pub use clock::{Clock, Sleep, SystemClock, TestClock};
pub use decode::Response;
pub use error::{
    ApiError, BuildError, Error, ErrorCode, InvalidRequest, ResponseMeta, Result, TransportKind,
};
pub use event_envelope::{
    AppRateLimited, EventAuthorization, EventCallback, EventEnvelope, UrlVerification,
};
pub use form::{Check, Form, FormValue};
pub use layers::roster::{
    BatchError, BatchFailure, Change, DEFAULT_MAX_BATCH, DEFAULT_WINDOW, FlushError, ResumeError,
    Roster, RosterBuilder, RosterError, RosterStats,
};
pub use method::MethodInfo;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use pacing::RedisPacing;
pub use pages::{Items, Pages};
pub use rate::{Pacing, Rate, RateLimits};
pub use ratelimit::{PacingStats, RateLimiter};
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;
pub use token::{Token, TokenKind};

/// The generated API: namespaces, request builders, responses, error enums,
/// shared types and the method table, from `spec/*.yaml`.
#[allow(clippy::too_many_arguments, clippy::large_enum_variant)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/slack_calls_generated.rs"));
}
pub use generated::*;

/// Support for generated code. Not a stable API: only code emitted by
/// `slack-calls-codegen` should use it.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

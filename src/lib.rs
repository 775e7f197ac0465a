//! A typed client for Slack's Calls API, generated from a YAML spec. Its
//! faithful fake Slack server to test against is the `slack-calls-mock`
//! crate.
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
//!
//! # Features
//!
#![doc = include_str!("../docs/features.md")]
#![warn(missing_docs)]
// docs.rs (and only docs.rs) builds with `--cfg docsrs`: feature-gated items
// then say which feature they need.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Lets generated code name this crate as `::slack_calls` both here and in
// downstream crates that generate their own methods.
extern crate self as slack_calls;

// The modules, in the order a call goes through them.
//
// The vocabulary every layer speaks: tokens (never printed), the error
// model, the injectable clock, timestamps, and the TLS of the clients we
// build.
mod clock;
mod error;
mod shutdown;
pub mod telemetry;
mod timestamp;
pub mod tls;
mod token;
pub use shutdown::{DEFAULT_SHUTDOWN_DEADLINE, Shutdown, ShutdownBuilder, ShutdownReport};

// The generated API (below) is thin: what its items expand to is written
// once, by hand, in `private/` (ID newtypes, error-code tables, tagged
// unions, the hooks into the send path), hidden as `__private`.

// The send path: the client checks a request against its method's table
// entry, asks pacing for a permit, sends, classifies a failure ("may Slack
// have acted?"), retries what is safe, decodes the answer, and pages.
mod call;
pub use call::method;

// Pacing: each method's rate from its tier, the limiter the send path asks
// before every attempt, and the same window shared through Redis.
mod pacing;

// Redis, opened the one way for its two users (feature `redis`): shared
// pacing and the events dedup store.
#[cfg(feature = "redis")]
mod redis_connection;

// The app layer, built on the generated API: one `App` for many
// workspaces and their installations, the roster of a call, `CallUser`.
mod app;

// Installations: what each install gave the app, keyed as Slack keys
// them, and where the app finds them.
mod install;

// Slack talking back: the event envelope (always; generated events use it)
// and, with feature `events`, the receiver for the app's Request URL.
#[cfg(feature = "events")]
#[cfg_attr(docsrs, doc(cfg(feature = "events")))]
pub mod events;
#[cfg(not(feature = "events"))]
mod events;
#[cfg(feature = "sealing")]
#[cfg_attr(docsrs, doc(cfg(feature = "sealing")))]
pub mod sealing;
#[cfg(feature = "signing")]
#[cfg_attr(docsrs, doc(cfg(feature = "signing")))]
pub mod signing;

pub use __private::union::Malformed;
pub use app::roster::{
    BatchError, BatchFailure, Change, DEFAULT_BATCH_WINDOW, DEFAULT_MAX_BATCH, FlushError,
    ResumeError, Roster, RosterBuilder, RosterError, RosterStats,
};
pub use app::{App, AppBuilder, AppError, DEFAULT_STORE_POLL};
pub use call::client::{Client, ClientBuilder, SLACK_API_BASE};
pub use call::decode::Response;
pub use call::form::{Check, Form, FormValue};
pub use call::method::MethodInfo;
pub use call::pages::{Items, Pages};
pub use call::retry::RetryPolicy;
pub use clock::{Clock, Sleep, SystemClock, TestClock};
pub use error::{
    ApiError, BuildError, Error, ErrorCode, InvalidRequest, ResponseMeta, Result, TransportKind,
};
pub use events::envelope::{
    AppRateLimited, EventAuthorization, EventCallback, EventEnvelope, UrlVerification,
};
#[cfg(feature = "install")]
#[cfg_attr(docsrs, doc(cfg(feature = "install")))]
pub use install::flow::{
    DEFAULT_STATE_TTL, InstallFailure, InstallFlow, InstallFlowBuilder, SLACK_AUTHORIZE_URL,
};
pub use install::installation::{Bot, Grant, Installation, InstallationKey, Installer, Named};
pub use install::memory::{Installations, MemoryInstallations};
#[cfg(feature = "postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "postgres")))]
pub use install::postgres::PostgresStore;
pub use install::rotation::{DEFAULT_REFRESH_BEFORE, RefreshError, WorkspaceToken};
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use install::sqlite::SqliteStore;
pub use install::store::{Changes, Held, Hold, InstallationStore, StoreError, StoreFuture};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use pacing::RedisPacing;
pub use pacing::limiter::{PacingStats, RateLimiter};
pub use pacing::rate::{Pacing, Rate, RateLimits};
#[cfg(feature = "sealing")]
pub use sealing::{SealError, TokenKeys};
pub use timestamp::Timestamp;
pub use token::{Token, TokenKind};

/// The generated API: namespaces, request builders, responses, error enums,
/// shared types and the method table, from `spec/*.yaml`. The index
/// (`mod.rs`) includes the other files, one per namespace and the shared
/// ones, from beside it; `generated/` holds a copy.
#[allow(clippy::too_many_arguments, clippy::large_enum_variant)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/slack_calls/mod.rs"));
}
pub use generated::*;

/// Support for generated code. Not a stable API: only code emitted by
/// `slack-calls-codegen` should use it.
#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

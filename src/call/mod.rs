//! The send path, in the order a call goes through it: the [`Client`] and
//! its builder, the request checked against its method's table entry
//! ([`method`], [`form`]), sent and retried (`send.rs`, `retry.rs`), a
//! failure classified by the one answer to "may Slack have acted?"
//! (`classify.rs`), the answer decoded (`decode.rs`), and the pages of a
//! paginated method (`pages.rs`). A client of an [`App`](crate::App) also
//! stops its queued calls when the app loses its workspace
//! (`workspace_gone.rs`: the app raises the signal, the send path heeds it).
//!
//! Pacing sits beside it in [`crate::pacing`]: `send.rs` asks the limiter
//! for a permit before each attempt and tells it of every 429.
//!
//! [`Client`]: crate::Client

pub(crate) mod classify;
pub(crate) mod client;
pub(crate) mod decode;
pub(crate) mod form;
pub mod method;
pub(crate) mod pages;
pub(crate) mod retry;
pub(crate) mod send;
pub(crate) mod workspace_gone;

//! Receiving Slack's requests (`slack_calls::events`, feature `events`):
//! the receiver over real HTTP, and the signatures checked against the
//! Python SDK's. One test binary; each module is one former test file,
//! under its old name.

#![cfg(feature = "events")]

#[path = "../support/mod.rs"]
mod support;

mod events_receiver;
mod shutdown;
#[cfg(feature = "redis")]
mod stream_unreachable;

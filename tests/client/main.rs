//! The typed client against loopback servers, without the fake: the exact
//! bytes on the wire, decoding Slack's answers, typed blocks, checks before
//! sending, pacing, rate limits, retries and timeouts. One test binary; each
//! module is one former test file, under its old name.

#[path = "../support/mod.rs"]
mod support;

mod chat_blocks;
mod decode;
mod events_spec;
mod feature_table;
#[cfg(feature = "sqlite")]
mod install_store;
mod pacing_app;
mod paging_styles;
mod runtime_checks;
mod runtime_pacing;
mod runtime_ratelimit;
mod runtime_retry;
mod runtime_timeouts;
mod wire;

//! Nothing secret in anything a run prints: tokens (the client, and the
//! client against the fake) and the signing secret and signatures (the
//! events receiver). One test binary, because each needs the one global
//! tracing subscriber, installed once here at TRACE with every span event
//! (`support::trace_capture::global`): a thread-local subscriber misses
//! spans whose interest another thread cached first. Each test searches
//! the whole capture, every test's output included, for its secrets.

#[path = "../support/fake/mod.rs"]
mod fake_support;
#[path = "../support/mod.rs"]
mod support;

mod client;
#[cfg(feature = "events")]
mod events;
mod fake;

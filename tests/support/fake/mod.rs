//! The test helpers that drive the fake Slack (`slack-calls-mock`), apart
//! from the rest of `support/` so that the `slack-calls` package, which
//! leaves out the tests that need the fake, still builds its own:
//!
//! - [`raw_http`]: requests to the fake built by hand, every header and byte
//!   under the test's control.
//! - [`fake_process`]: the `slack-calls-mock` program, started for a test.
//! - [`delivery_log`]: waiting for the fake's background event deliveries
//!   to be logged.
//! - [`handshake`]: Slack's `url_verification` answered for a test app
//!   built by hand.
//! - [`event_context`]: a real `event_context`, from an event the fake
//!   sent.
//! - [`shared_time`]: one virtual clock for a client and the fake.
//!
//! A test binary that uses them declares
//! `#[path = "../support/fake/mod.rs"] mod fake_support;` beside `support`.

#![allow(dead_code)] // each test binary uses a different part

pub mod delivery_log;
pub mod event_context;
pub mod fake_process;
pub mod handshake;
pub mod raw_http;
pub mod shared_time;

//! An example of a crate that adds its own Slack methods to
//! [`slack_calls::Client`], generated from its own YAML spec.
//!
//! `build.rs` runs `slack-calls-codegen` in extension mode on `spec/`, which
//! adds `team.info` and `pins.list` (whose items are a union, [`PinnedItem`],
//! built on the core's `Message`); the methods come through the
//! [`DownstreamExt`] trait:
//!
//! ```no_run
//! use slack_calls::Client;
//! use slack_calls_downstream_example::DownstreamExt;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("xoxb-your-token");
//! let team = client.team().info().await?.team;
//! println!("{} ({})", team.name, team.id);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

include!(concat!(env!("OUT_DIR"), "/slack_calls/mod.rs"));

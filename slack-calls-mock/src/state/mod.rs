//! What the fake holds: workspaces and their directory of users and channels,
//! calls, tokens and installs, rate limits on a scalable clock, the request
//! log, scripted faults, and the demo values.

pub(crate) mod auth_state;
pub(crate) mod call_store;
pub(crate) mod demo;
pub(crate) mod directory;
pub(crate) mod fake;
pub(crate) mod faults;
pub(crate) mod log;
pub(crate) mod ratelimit;
pub(crate) mod state_json;
pub(crate) mod workspace;

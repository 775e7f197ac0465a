//! The fake Slack (`slack_calls_mock`): its server, each method family,
//! bad input, headers, workspaces, load, the control API, the page, the
//! `slack-calls-mock` program, and the typed client and roster against it.
//! One test binary; each module is named for what it tests.

#[path = "../support/fake/mod.rs"]
mod fake_support;
#[path = "../support/mod.rs"]
mod support;

mod app_rotation;
mod app_side_shapes;
mod auth;
mod bad_input;
mod binary;
#[cfg(feature = "events")]
mod call_button;
mod calls;
mod chat;
mod chat_unfurl;
mod client_runtime;
mod control;
mod control_app;
mod conversations;
#[cfg(feature = "events")]
mod events_delivery;
#[cfg(feature = "events")]
mod first_hour;
mod headers;
mod install_flow;
mod load;
#[cfg(all(feature = "metrics", feature = "events"))]
mod metrics;
mod oauth;
#[cfg(feature = "install")]
mod our_install_flow;
mod pacing_window;
mod page;
mod paging_styles;
#[cfg(feature = "events")]
mod readiness;
mod roster_end_race;
mod roster_events;
mod roster_resume;
mod roster_setup;
mod rotation;
mod server;
#[cfg(feature = "events")]
mod shutdown_rosters;
#[cfg(feature = "events")]
mod talk_back;
mod update_and_user_info;
mod users;
mod workspaces;

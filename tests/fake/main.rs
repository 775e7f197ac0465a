//! The fake Slack (`slack_calls_mock`, feature `mock`): its server, Calls
//! state, garbage input, headers, workspaces, load, the `slack-calls-mock`
//! program, and the typed client and roster against it. One test binary;
//! each module is one former test file, under its old name.

#[path = "../support/mod.rs"]
mod support;

mod auth_mock;
#[cfg(feature = "events")]
mod call_button;
mod chat_mock;
mod chat_unfurl;
mod conversations_mock;
#[cfg(feature = "events")]
mod events_delivery;
mod methods_mock;
mod mock_bin;
mod mock_calls;
mod mock_control;
mod mock_control_app;
mod mock_garbage;
mod mock_headers;
mod mock_load;
mod mock_server;
mod mock_workspaces;
mod oauth_mock;
mod pacing_window;
mod page;
mod roster_end_race;
mod roster_events;
mod roster_resume;
mod roster_setup;
mod users_mock;

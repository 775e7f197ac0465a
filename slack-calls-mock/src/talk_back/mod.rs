//! Slack talking back to the app: the registered app and its events
//! (`events.rs`), signed deliveries with Slack's retry rules (`delivery.rs`),
//! what a fake user does (`user_actions.rs`: posting, the Call button), and
//! `MockSlack`'s own side of it (`app_side.rs`).

pub(crate) mod app_side;
pub(crate) mod delivery;
pub(crate) mod events;
pub(crate) mod user_actions;

//! The Web API families the fake serves, one file each, and the table that
//! routes a method to its family (`dispatch.rs`, `family.rs`).

pub(crate) mod auth;
pub(crate) mod authorizations;
pub(crate) mod calls;
pub(crate) mod chat;
pub(crate) mod chat_update;
pub(crate) mod conversations;
pub(crate) mod dispatch;
pub(crate) mod family;
pub(crate) mod oauth;
pub(crate) mod unfurl;
pub(crate) mod users;

//! Layers built on top of the generated API.
//!
//! Nothing here is generated and nothing here is part of the send path:
//! this code calls Slack only through the generated methods
//! (`client.calls().participants().add(..)`) and reads only the public
//! types, as an application would. It could live in another crate; it is
//! here because most Calls apps need it.
//!
//! - `call_user`: constructors for the participant type, [`CallUser`](crate::CallUser).
//! - `roster`: [`Roster`](crate::Roster), which keeps one call's participant
//!   list in step with join and leave events, in few requests.

pub(crate) mod call_user;
pub(crate) mod roster;

//! The demo workspace's tokens, scopes, users and channels: what every
//! fake starts with unless its builder says otherwise.

/// The bot token every fake accepts, with [`DEMO_SCOPES`].
pub const DEMO_BOT_TOKEN: &str = "xoxb-mock-bot";
/// The user token every fake accepts, with [`DEMO_SCOPES`]. It acts for the
/// first user of the directory.
pub const DEMO_USER_TOKEN: &str = "xoxp-mock-user";
/// The scopes of the demo tokens.
pub const DEMO_SCOPES: &[&str] = &[
    "calls:read",
    "calls:write",
    "chat:write",
    "users:read.email",
];
/// The channel directory a fake starts with unless
/// [`MockSlackBuilder::channels`] replaces it: the conversations
/// `chat.postMessage` can post in.
///
/// [`MockSlackBuilder::channels`]: crate::MockSlackBuilder::channels
pub const DEMO_CHANNELS: &[&str] = &["C0MOCK001", "C0MOCK002"];
/// The user directory a fake starts with unless
/// [`MockSlackBuilder::users`] replaces it.
///
/// [`MockSlackBuilder::users`]: crate::MockSlackBuilder::users
pub const DEMO_USERS: &[&str] = &[
    "U0MOCK001",
    "U0MOCK002",
    "U0MOCK003",
    "U0MOCK004",
    "U0MOCK005",
];

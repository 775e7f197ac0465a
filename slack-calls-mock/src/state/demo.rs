//! The demo workspace's tokens, scopes, users and channels: what every
//! fake starts with unless its builder says otherwise.

/// The bot token every fake accepts, with [`DEMO_SCOPES`].
pub const DEMO_BOT_TOKEN: &str = "xoxb-mock-bot";
/// The user token every fake accepts, with [`DEMO_SCOPES`]. It acts for the
/// first user of the directory.
pub const DEMO_USER_TOKEN: &str = "xoxp-mock-user";
/// The scopes of both demo tokens: what a Calls provider's bot needs to
/// register, post and end Calls, find attendees by email, and unfurl join
/// links as Calls.
///
/// | scope | for |
/// |---|---|
/// | `calls:read` | `calls.info` |
/// | `calls:write` | `calls.add`, `calls.update`, `calls.end`, `calls.participants.add` / `remove` |
/// | `chat:write` | `chat.postMessage`, `chat.update` |
/// | `users:read.email` | `users.lookupByEmail` |
/// | `links:read` | receiving `link_shared` for the app's unfurl domains |
/// | `links:write` | `chat.unfurl` |
pub const DEMO_SCOPES: &[&str] = &[
    "calls:read",
    "calls:write",
    "chat:write",
    "users:read.email",
    "links:read",
    "links:write",
];
/// The channel directory a fake starts with (`C0MOCK001`, `C0MOCK002`) unless
/// [`MockSlackBuilder::channels`] replaces it: the conversations
/// `chat.postMessage` can post in.
///
/// [`MockSlackBuilder::channels`]: crate::MockSlackBuilder::channels
pub const DEMO_CHANNELS: &[&str] = &["C0MOCK001", "C0MOCK002"];
/// The user directory a fake starts with (`U0MOCK001` … `U0MOCK005`, emails
/// `u0mock001@example.com` …, from [`default_email`](crate::default_email)) unless
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

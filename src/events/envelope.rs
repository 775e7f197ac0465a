//! The outer shapes Slack wraps events in. These are not spec-shaped today;
//! the generic `E` is the inner event type (the generated `Event` enum once
//! the spec has `events:`, or the app's own enum until then).

use serde::Deserialize;

/// The inner event and its delivery metadata: Slack's `event_callback`
/// envelope.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EventCallback<E> {
    /// The workspace where the event happened.
    pub team_id: String,
    /// The app the event is for.
    pub api_app_id: String,
    /// The event itself.
    pub event: E,
    /// Unique across all workspaces; the same on Slack's retries.
    pub event_id: String,
    /// When Slack dispatched the event (Unix seconds).
    pub event_time: i64,
    /// One installation that can see the event (Slack lists them all through
    /// `apps.event.authorizations.list`).
    #[serde(default)]
    pub authorizations: Vec<Authorization>,
    /// Whether the event happened in a Slack Connect channel.
    #[serde(default)]
    pub is_ext_shared_channel: bool,
    /// The workspace through which the app receives the event.
    #[serde(default)]
    pub context_team_id: Option<String>,
    /// The organization through which the app receives the event.
    #[serde(default)]
    pub context_enterprise_id: Option<String>,
    /// An id for `apps.event.authorizations.list`.
    #[serde(default)]
    pub event_context: Option<String>,
}

/// An installation that can see an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Authorization {
    /// The Enterprise Grid organization, if any.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// The workspace.
    #[serde(default)]
    pub team_id: Option<String>,
    /// The user (or bot user) the installation belongs to.
    #[serde(default)]
    pub user_id: Option<String>,
    /// Whether that is a bot installation.
    #[serde(default)]
    pub is_bot: bool,
    /// Whether the app is installed org-wide.
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// Slack's `app_rate_limited`: more than 30,000 events for one workspace
/// within an hour; deliveries pause until the next minute in
/// `minute_rate_limited`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AppRateLimited {
    /// The workspace whose events are being dropped.
    pub team_id: String,
    /// The app.
    pub api_app_id: String,
    /// The start of the minute when limiting began (Unix seconds).
    pub minute_rate_limited: i64,
}

/// Slack's `url_verification` handshake.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct UrlVerification {
    pub(crate) challenge: String,
}

/// Only the envelope's `type`, to choose the shape to decode.
#[derive(Deserialize)]
pub(crate) struct EnvelopeType<'a> {
    #[serde(rename = "type", borrow)]
    pub(crate) kind: std::borrow::Cow<'a, str>,
}

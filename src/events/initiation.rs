//! Starting a Call from Slack: the Call button and slash commands arrive as
//! signed form posts; the app answers within 3 s.

use serde::{Deserialize, Serialize};

/// A Call-button press or slash command, as Slack posts it
/// (`application/x-www-form-urlencoded`). Fields Slack adds later are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CallInitiation {
    /// The workspace.
    pub team_id: String,
    /// The user who pressed the button or typed the command.
    pub user_id: String,
    /// Where the Call is being started.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Where to post a (later) answer, within 30 minutes.
    pub response_url: String,
    /// For opening a modal.
    #[serde(default)]
    pub trigger_id: Option<String>,
    /// The slash command (`/call`), for slash commands.
    #[serde(default)]
    pub command: Option<String>,
    /// The text after the command.
    #[serde(default)]
    pub text: Option<String>,
    /// `video` or `audio`, for the Call button.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The Enterprise Grid organization, if any.
    #[serde(default)]
    pub enterprise_id: Option<String>,
    /// The app.
    #[serde(default)]
    pub api_app_id: Option<String>,
}

/// What the app answers a [`CallInitiation`] with, sent as the HTTP
/// response. Its `call` form is the spec's answer, the generated
/// [`crate::CallInitiation`] (the same as
/// [`ResponseUrlPayload::Call`](crate::ResponseUrlPayload::Call)), so the
/// wire shape is written once.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "response_type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InitiationAnswer {
    /// Start the Call: Slack opens `call_initiation_url` for the user.
    Call(crate::CallInitiation),
    /// A message only the user sees (an error, "set up your account", ...).
    Ephemeral {
        /// The message text.
        text: String,
    },
}

impl InitiationAnswer {
    /// Start the Call at `url`.
    pub fn call(url: impl Into<String>) -> InitiationAnswer {
        InitiationAnswer::Call(crate::CallInitiation::new(url))
    }

    /// Tell the user something privately.
    pub fn ephemeral(text: impl Into<String>) -> InitiationAnswer {
        InitiationAnswer::Ephemeral { text: text.into() }
    }
}

impl From<crate::CallInitiation> for InitiationAnswer {
    fn from(call: crate::CallInitiation) -> InitiationAnswer {
        InitiationAnswer::Call(call)
    }
}

/// Whether a form body is Slack's unsigned `ssl_check=1` probe. Its other
/// fields are ignored.
pub(crate) fn is_ssl_check(body: &[u8]) -> bool {
    form_urlencoded::parse(body).any(|(name, value)| name == "ssl_check" && value == "1")
}

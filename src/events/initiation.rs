//! Starting a Call from Slack: the Call button and slash commands arrive as
//! signed form posts; the app answers within 3 s, in the HTTP response or
//! at the request's `response_url`.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

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
    /// `"true"` when the app is installed for the whole organization
    /// (Slack sends it as text in these forms).
    #[serde(default)]
    pub is_enterprise_install: Option<String>,
    /// The app.
    #[serde(default)]
    pub api_app_id: Option<String>,
}

impl CallInitiation {
    /// The installation this request is for, as Slack keys it
    /// (`is_enterprise_install` decides between the organization and the
    /// workspace).
    pub fn installation(&self) -> Option<crate::InstallationKey> {
        crate::InstallationKey::find(
            self.enterprise_id.as_deref(),
            Some(&self.team_id),
            self.is_enterprise_install.as_deref() == Some("true"),
        )
    }
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

/// How long posting a late answer to a `response_url` may take.
const RESPONSE_URL_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client that posts late answers, when the app gave none.
pub(crate) fn default_http_client() -> Option<reqwest::Client> {
    crate::tls::http_client(reqwest::Client::builder().timeout(RESPONSE_URL_TIMEOUT)).ok()
}

/// Where a late answer may go: an https `response_url`, or http on
/// loopback (a fake Slack). Anything else is not Slack's.
pub(crate) fn response_target(response_url: &str) -> Option<Url> {
    Url::parse(response_url)
        .ok()
        .filter(crate::call::client::is_secure_or_loopback)
}

/// Waits for a Call-initiation answer that missed the deadline, then posts
/// it to the request's `response_url` as JSON, as the Calls guide asks.
/// The URL is a credential of its own (anyone holding it can answer), so
/// no log line carries it.
pub(crate) async fn answer_late(
    http: Option<reqwest::Client>,
    response_url: String,
    answer: impl Future<Output = InitiationAnswer>,
) {
    let answer = answer.await;
    let Some(url) = response_target(&response_url) else {
        tracing::warn!(
            "late call initiation answer not sent: the response_url is not https \
             (nor http on loopback)"
        );
        return;
    };
    let Some(http) = http else {
        tracing::warn!("late call initiation answer not sent: no HTTP client could be built");
        return;
    };
    let Ok(body) = serde_json::to_vec(&answer) else {
        return;
    };
    let sent = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => {
            tracing::debug!("late call initiation answer posted to the response_url");
        }
        Ok(response) => tracing::warn!(
            status = response.status().as_u16(),
            "the response_url refused the late call initiation answer"
        ),
        Err(err) => tracing::warn!(
            error = %err.without_url(),
            "the late call initiation answer could not be posted to the response_url"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_answer_goes_only_to_https_or_to_loopback() {
        for ok in [
            "https://hooks.slack.com/commands/T1/2/abc",
            "http://127.0.0.1:3000/_mock/response/1",
            "http://localhost/r",
            "http://[::1]:80/r",
        ] {
            assert!(response_target(ok).is_some(), "{ok}");
        }
        for refused in [
            "http://hooks.slack.com/commands/T1/2/abc",
            "http://10.0.0.1/r",
            "ftp://127.0.0.1/r",
            "not a url",
            "",
        ] {
            assert!(response_target(refused).is_none(), "{refused}");
        }
    }
}

//! Slack talking back, as the fake keeps it: the app registered with the
//! fake, the messages fake users post, and every attempt to send the app
//! something. What fake users do that makes Slack send the app something
//! (a shared link, a rejected Call, an uninstall, a press of the Call
//! button) is [`user_actions`](crate::talk_back::user_actions); sending itself, with
//! Slack's signing and retry rules, is [`delivery`](crate::talk_back::delivery).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use slack_calls::signing::{IntoSigningSecret, SecretError, SigningSecret};

use crate::state::auth_state::DEMO_APP_ID;

/// The app's bot user in the demo workspace `T0MOCK001`. Each workspace
/// has its own: `UB` and the team id without its `T` (the fake's choice),
/// one id everywhere Slack names it: `auth.test` with the bot token,
/// `oauth.v2.access`'s `bot_user_id`, events' `authorizations`,
/// `tokens_revoked` and `apps.event.authorizations.list` (Slack's Events
/// API page, "Authorizations"; the auth.test and oauth.v2.access pages).
pub const DEMO_BOT_USER: &str = "UB0MOCK001";
/// The app's verification token: the deprecated `token` Slack still puts
/// in every event, in the `url_verification` handshake and in the Call
/// button's request, unless [`MockApp::verification_token`] changes it.
/// Apps should check signatures instead, and ignore it.
pub const DEMO_VERIFICATION_TOKEN: &str = "MockVerificationToken001";
/// `link_shared`'s `source` for a link still in the message composer.
pub(crate) const COMPOSER: &str = "composer";
/// `link_shared`'s `source` for a link in a posted message.
pub(crate) const CONVERSATIONS_HISTORY: &str = "conversations_history";
/// The `channel` of a `link_shared` for a link in the composer (Slack's
/// link_shared page).
pub const COMPOSER_CHANNEL: &str = "COMPOSER";
/// How long Slack waits for an app's 2xx before it counts the delivery as
/// failed (`http_timeout`).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(3);

/// A Slack app registered with the fake: where Slack sends its events and
/// Call-initiation requests, the secret it signs them with, and the
/// domains whose links it unfurls. The fake registers it once its Request
/// URL answered Slack's `url_verification` handshake with the challenge
/// (`slack_calls::events::Receiver` does; so does Bolt).
///
/// ```
/// use axum::{Json, routing::post};
/// use slack_calls_mock::{MockApp, MockSlack};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // An app that answers the handshake with its challenge (and checks
/// // no signature: a real app does).
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let url = format!("http://{}/slack/events", listener.local_addr()?);
/// let app = axum::Router::new().route(
///     "/slack/events",
///     post(|Json(body): Json<serde_json::Value>| async move {
///         body["challenge"].as_str().unwrap_or_default().to_owned()
///     }),
/// );
/// tokio::spawn(async move { axum::serve(listener, app).await });
///
/// // The secret as the receiver takes it: text, bytes or a `SigningSecret`.
/// let secret = "8f742231b10e8888abcd99yyyzzz85a5";
/// let mock = MockSlack::builder()
///     .app(MockApp::new(url, secret)?.unfurl_domains(["example.com"]))
///     .start()
///     .await?;
/// # drop(mock);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct MockApp {
    pub(crate) app_id: String,
    pub(crate) request_url: String,
    pub(crate) secret: SigningSecret,
    pub(crate) unfurl_domains: Vec<String>,
    pub(crate) verification_token: String,
    pub(crate) ack_timeout: Duration,
}

impl fmt::Debug for MockApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockApp")
            .field("app_id", &self.app_id)
            .field("request_url", &self.request_url)
            .field("secret", &"<redacted>")
            .field("unfurl_domains", &self.unfurl_domains)
            .field("ack_timeout", &self.ack_timeout)
            .finish()
    }
}

impl MockApp {
    /// An app whose Request URL (events, and the Call button's requests)
    /// is `request_url`, signing with `secret`: a [`SigningSecret`], or its
    /// text or bytes, taken the same way as by the receiver
    /// (`slack_calls::events::Receiver::builder`). A secret that is empty
    /// or too short is refused here, as the receiver refuses it.
    pub fn new(
        request_url: impl Into<String>,
        secret: impl IntoSigningSecret,
    ) -> Result<MockApp, SecretError> {
        Ok(MockApp {
            app_id: DEMO_APP_ID.to_owned(),
            request_url: request_url.into(),
            secret: secret.into_signing_secret()?,
            unfurl_domains: Vec::new(),
            verification_token: DEMO_VERIFICATION_TOKEN.to_owned(),
            ack_timeout: ACK_TIMEOUT,
        })
    }

    /// The domains whose links the app unfurls (`example.com` also covers
    /// `calls.example.com`).
    pub fn unfurl_domains<S: Into<String>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.unfurl_domains = domains
            .into_iter()
            .map(|domain| domain.into().to_ascii_lowercase())
            .collect();
        self
    }

    /// The app's id (default [`DEMO_APP_ID`]).
    pub fn app_id(mut self, id: impl Into<String>) -> Self {
        self.app_id = id.into();
        self
    }

    /// The app's verification token (default [`DEMO_VERIFICATION_TOKEN`]):
    /// the deprecated `token` of its events, handshake and Call button
    /// requests.
    pub fn verification_token(mut self, token: impl Into<String>) -> Self {
        self.verification_token = token.into();
        self
    }

    /// How long the fake waits for the app's 2xx, in real time (default
    /// [`ACK_TIMEOUT`], Slack's 3 s). Retry delays follow the fake's
    /// scaled clock instead; see [`MockSlackBuilder::time_scale`](crate::MockSlackBuilder::time_scale).
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// The domain of `url` this app unfurls, if any.
    pub(crate) fn domain_of(&self, url: &str) -> Option<&str> {
        let host = reqwest::Url::parse(url)
            .ok()?
            .host_str()?
            .to_ascii_lowercase();
        self.unfurl_domains
            .iter()
            .find(|domain| {
                host == **domain
                    || host
                        .strip_suffix(domain.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            })
            .map(String::as_str)
    }
}

/// A message a fake user posted, with the unfurls the app attached (a
/// snapshot, from [`MockSlack::messages`](crate::MockSlack::messages)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MessageRecord {
    /// The workspace.
    pub team_id: String,
    /// The conversation; [`COMPOSER_CHANNEL`] for a link the user is
    /// still typing ([`MockSlack::user_types`](crate::MockSlack::user_types)).
    pub channel: String,
    /// The message's timestamp; for a link in the composer, its
    /// `unfurl_id` (as Slack's `message_ts` is then).
    pub ts: String,
    /// Who posted it.
    pub user: String,
    /// The text as posted.
    pub text: String,
    /// The links in the text, in order.
    pub links: Vec<String>,
    /// The id `chat.unfurl` takes with [`source`](MessageRecord::source).
    pub unfurl_id: String,
    /// `conversations_history` for a posted message, `composer` for a
    /// link the user is still typing.
    pub source: String,
    /// The unfurls `chat.unfurl` attached, by URL (a repeated unfurl of a
    /// URL replaces the earlier one).
    pub unfurls: BTreeMap<String, Value>,
}

/// Why a fake user's action could not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UserActionError {
    /// No workspace has this user in its directory and this channel.
    #[error("no workspace of the fake has user `{user}` and channel `{channel}`")]
    UnknownPlace {
        /// The user.
        user: String,
        /// The channel.
        channel: String,
    },
    /// No call has this id.
    #[error("the fake has no call `{0}`")]
    UnknownCall(String),
    /// No workspace has this team id.
    #[error("the fake has no workspace `{0}`")]
    UnknownTeam(String),
    /// The app is not installed org-wide in this organization.
    #[error("the app is not installed org-wide in organization `{0}`")]
    NotInstalledOrgWide(String),
    /// The action sends the app something, and no app is registered.
    #[error("no app is registered with the fake (MockSlackBuilder::app)")]
    NoApp,
}

/// Why a delivery attempt failed, in Slack's `x-slack-retry-reason` words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureReason {
    /// No answer within the ack timeout.
    HttpTimeout,
    /// An answer that is not 2xx.
    HttpError,
    /// No connection could be made.
    ConnectionFailed,
    /// The app's URL redirected more than twice (Slack's Events API page,
    /// "Error handling": more than 2 HTTP redirects).
    TooManyRedirects,
}

impl FailureReason {
    /// The header value (`http_timeout`, `http_error`, `connection_failed`,
    /// `too_many_redirects`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::HttpTimeout => "http_timeout",
            FailureReason::HttpError => "http_error",
            FailureReason::ConnectionFailed => "connection_failed",
            FailureReason::TooManyRedirects => "too_many_redirects",
        }
    }
}

/// One attempt to send the app something.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The event id (`None` for a Call initiation).
    pub event_id: Option<String>,
    /// The event type (`link_shared`, ...) or `call_initiation`.
    pub kind: String,
    /// 0 for the first attempt, then the `x-slack-retry-num` sent.
    pub attempt: u32,
    /// The `x-slack-retry-reason` sent (the previous attempt's failure).
    pub retry_reason: Option<FailureReason>,
    /// The app's HTTP status, when it answered in time.
    pub status: Option<u16>,
    /// Whether a 2xx came within the ack timeout.
    pub acked_in_time: bool,
    /// Why the attempt failed, when it did.
    pub failure: Option<FailureReason>,
    /// Whether the app asked not to be retried (`x-slack-no-retry: 1`).
    pub no_retry: bool,
}

/// A press of the Call button as the fake keeps it: which delivery sent
/// it, and what came of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Initiation {
    /// Its attempt in [`EventState::deliveries`], once it ended.
    pub delivery: Option<usize>,
    /// How the press ended; `None` while the fake still waits (for the
    /// app's answer, or for a post to the `response_url`).
    pub outcome: Option<InitiationOutcome>,
}

/// How a press of the Call button ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InitiationOutcome {
    /// The app started a Call that opens at `url`; `via_response_url`
    /// when the answer was posted to the `response_url` rather than
    /// given in the HTTP response.
    Call { url: String, via_response_url: bool },
    /// No Call started, and why (as [`InitiationError`](crate::InitiationError) says).
    NoCall(String),
}

/// The event part of the fake's state.
#[derive(Debug, Default)]
pub(crate) struct EventState {
    pub app: Option<MockApp>,
    pub messages: Vec<MessageRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    pub next_event: u64,
    /// The `response_url` of each Call-button press, by its number: what
    /// the app posted there, in order.
    pub responses: BTreeMap<u64, Vec<Vec<u8>>>,
    /// Each Call-button press, by its number: its delivery and how the
    /// press ended (for the page).
    pub initiations: BTreeMap<u64, Initiation>,
    /// The `event_context` of every event sent, and its workspace: what
    /// `apps.event.authorizations.list` takes.
    pub contexts: BTreeMap<String, String>,
    /// Deliveries still running (retries wait on the fake's clock); stopped
    /// when the fake is dropped.
    pub running: Vec<tokio::task::AbortHandle>,
}

impl EventState {
    pub fn new(app: Option<MockApp>) -> EventState {
        EventState {
            app,
            ..EventState::default()
        }
    }

    /// The message `chat.unfurl` names by `channel` and `ts`.
    pub fn message_mut(
        &mut self,
        team_id: &str,
        channel: &str,
        ts: &str,
    ) -> Option<&mut MessageRecord> {
        self.messages
            .iter_mut()
            .find(|m| m.team_id == team_id && m.channel == channel && m.ts == ts)
    }

    /// The message `chat.unfurl` names by `unfurl_id`.
    pub fn message_by_unfurl_id(
        &mut self,
        team_id: &str,
        unfurl_id: &str,
    ) -> Option<&mut MessageRecord> {
        self.messages
            .iter_mut()
            .find(|m| m.team_id == team_id && m.unfurl_id == unfurl_id)
    }

    /// Stops every delivery still running.
    pub fn abort_deliveries(&mut self) {
        for task in self.running.drain(..) {
            task.abort();
        }
    }

    pub(crate) fn next_event_id(&mut self) -> String {
        self.next_event += 1;
        format!("Ev0MOCK{:06}", self.next_event)
    }

    /// A new `event_context` for an event in workspace `team_id`: an
    /// opaque id (`4-` and hex, the fake's choice; Slack's are opaque
    /// text), kept for `apps.event.authorizations.list`.
    pub(crate) fn new_context(&mut self, team_id: &str) -> String {
        let context = format!("4-{:x}{:012x}", self.contexts.len() + 1, self.next_event);
        self.contexts.insert(context.clone(), team_id.to_owned());
        context
    }
}

/// Unix seconds now (real time: receivers check it against their clock).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_taken_and_checked_as_the_receiver_takes_it() {
        let url = "http://127.0.0.1:1/";
        assert_eq!(MockApp::new(url, "").unwrap_err(), SecretError::Empty);
        assert!(matches!(
            MockApp::new(url, "short").unwrap_err(),
            SecretError::TooShort { len: 5, .. }
        ));
        let text = "a-signing-secret-of-32-characters";
        let checked = SigningSecret::new(text).unwrap();
        for app in [
            MockApp::new(url, text),
            MockApp::new(url, text.to_owned()),
            MockApp::new(url, text.as_bytes()),
            MockApp::new(url, &checked),
            MockApp::new(url, checked.clone()),
        ] {
            let app = app.unwrap();
            assert_eq!(
                slack_calls::signing::sign(&app.secret, "1", b"body"),
                slack_calls::signing::sign(&checked, "1", b"body")
            );
        }
    }

    #[test]
    fn a_domain_covers_its_subdomains_only() {
        let app = MockApp::new("http://127.0.0.1:1/", "a-signing-secret-of-32-characters")
            .unwrap()
            .unfurl_domains(["Example.com"]);
        assert_eq!(
            app.domain_of("https://example.com/j/1"),
            Some("example.com")
        );
        assert_eq!(
            app.domain_of("https://calls.EXAMPLE.com/j"),
            Some("example.com")
        );
        assert_eq!(app.domain_of("https://notexample.com/j"), None);
        assert_eq!(app.domain_of("https://example.com.evil.net/j"), None);
        assert_eq!(app.domain_of("not a url"), None);
    }
}

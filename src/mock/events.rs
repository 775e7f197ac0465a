//! Slack talking back: the app registered with the fake, the messages fake
//! users post, and what they do that makes Slack send the app something
//! (a shared link, a rejected Call, an uninstall, a press of the Call
//! button). Sending itself, with Slack's signing and retry rules, is
//! [`delivery`](super::delivery).
//!
//! The rules where Slack documents no behaviour:
//!
//! - A fake user's message gets an `unfurl_id` of
//!   `{channel}.{ts}.{n}` and `source: conversations_history`.
//! - A link is every word of the text that is an `http(s)` URL, bare or in
//!   Slack's `<url>` / `<url|label>` form. It is on an unfurl domain when
//!   its host is the domain or a subdomain of it.
//! - `link_shared` is sent once per message that holds such a link (not
//!   again for the composer), and not for messages the app posts itself.
//! - Uninstalling sends `app_uninstalled`, then `tokens_revoked` naming
//!   the users of the workspace's user tokens (`oauth`) and the app's bot
//!   user (`bot`). The tokens themselves stay valid in the fake.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::event_envelope::{EventAuthorization, EventCallback, EventEnvelope};
use crate::signing::SigningSecret;
use crate::token::TokenKind;
use crate::{TeamId, Timestamp, UserId};

use super::MockSlack;
use super::delivery::{self, DeliveryRecord, Outgoing};
use super::oauth::DEMO_APP_ID;
use super::state::FakeSlack;

/// The app's bot user, named in `authorizations` and `tokens_revoked`,
/// unless [`MockApp::bot_user`] changes it.
pub const DEMO_BOT_USER: &str = "U0MOCKBOT";
/// How long Slack waits for an app's 2xx before it counts the delivery as
/// failed (`http_timeout`).
pub const ACK_TIMEOUT: Duration = Duration::from_secs(3);

/// A Slack app registered with the fake: where Slack sends its events and
/// Call-initiation requests, the secret it signs them with, and the
/// domains whose links it unfurls.
///
/// ```
/// use slack_calls::mock::{MockApp, MockSlack};
/// use slack_calls::signing::SigningSecret;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let secret = SigningSecret::new("8f742231b10e8888abcd99yyyzzz85a5")?;
/// let mock = MockSlack::builder()
///     .app(MockApp::new("http://127.0.0.1:3000/slack/events", secret).unfurl_domains(["example.com"]))
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
    pub(crate) bot_user: String,
    pub(crate) ack_timeout: Duration,
}

impl fmt::Debug for MockApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockApp")
            .field("app_id", &self.app_id)
            .field("request_url", &self.request_url)
            .field("secret", &"<redacted>")
            .field("unfurl_domains", &self.unfurl_domains)
            .field("bot_user", &self.bot_user)
            .field("ack_timeout", &self.ack_timeout)
            .finish()
    }
}

impl MockApp {
    /// An app whose Request URL (events, and the Call button's requests)
    /// is `request_url`, signing with `secret`.
    pub fn new(request_url: impl Into<String>, secret: SigningSecret) -> MockApp {
        MockApp {
            app_id: DEMO_APP_ID.to_owned(),
            request_url: request_url.into(),
            secret,
            unfurl_domains: Vec::new(),
            bot_user: DEMO_BOT_USER.to_owned(),
            ack_timeout: ACK_TIMEOUT,
        }
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

    /// The app's bot user (default [`DEMO_BOT_USER`]).
    pub fn bot_user(mut self, user: impl Into<String>) -> Self {
        self.bot_user = user.into();
        self
    }

    /// How long the fake waits for the app's 2xx, in real time (default
    /// [`ACK_TIMEOUT`], Slack's 3 s). Retry delays follow the fake's
    /// scaled clock instead; see [`MockSlackBuilder::time_scale`](super::MockSlackBuilder::time_scale).
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// The domain of `url` this app unfurls, if any.
    fn domain_of(&self, url: &str) -> Option<&str> {
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
/// snapshot, from [`MockSlack::messages`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MessageRecord {
    /// The workspace.
    pub team_id: String,
    /// The conversation.
    pub channel: String,
    /// The message's timestamp.
    pub ts: String,
    /// Who posted it.
    pub user: String,
    /// The text as posted.
    pub text: String,
    /// The links in the text, in order.
    pub links: Vec<String>,
    /// The id `chat.unfurl` takes with `source: conversations_history`.
    pub unfurl_id: String,
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
    /// The action sends the app something, and no app is registered.
    #[error("no app is registered with the fake (MockSlackBuilder::app)")]
    NoApp,
}

/// The event part of the fake's state.
#[derive(Debug, Default)]
pub(crate) struct EventState {
    pub app: Option<MockApp>,
    pub messages: Vec<MessageRecord>,
    pub deliveries: Vec<DeliveryRecord>,
    pub next_event: u64,
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

    fn next_event_id(&mut self) -> String {
        self.next_event += 1;
        format!("Ev0MOCK{:06}", self.next_event)
    }
}

/// Unix seconds now (real time: receivers check it against their clock).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The `http(s)` links of a message text: bare, `<url>` or `<url|label>`.
pub(crate) fn links_in(text: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '<' || c == '>') {
        let url = word.split('|').next().unwrap_or("");
        let is_link = (url.starts_with("https://") || url.starts_with("http://"))
            && reqwest::Url::parse(url).is_ok();
        if is_link && !links.iter().any(|seen| seen == url) {
            links.push(url.to_owned());
        }
    }
    links
}

/// An `event_callback` body for `event`, from the crate's one envelope.
fn envelope(app: &MockApp, team_id: &str, event_id: &str, event: Value) -> Vec<u8> {
    let authorization = EventAuthorization {
        enterprise_id: None,
        team_id: Some(TeamId::from(team_id)),
        user_id: Some(UserId::from(app.bot_user.as_str())),
        is_bot: true,
        is_enterprise_install: false,
    };
    let callback = EventCallback {
        team_id: TeamId::from(team_id),
        api_app_id: app.app_id.clone(),
        event_id: event_id.to_owned(),
        event_time: Timestamp::from(unix_now()),
        authorizations: vec![authorization],
        is_ext_shared_channel: false,
        context_team_id: Some(TeamId::from(team_id)),
        context_enterprise_id: None,
        event_context: None,
        event,
    };
    // A struct of strings and numbers always encodes.
    serde_json::to_vec(&EventEnvelope::EventCallback(callback)).unwrap_or_default()
}

impl FakeSlack {
    /// Queues `event` for the registered app and starts delivering it;
    /// the event id, or `None` when no app is registered.
    fn send_event(self: &Arc<Self>, team_id: &str, kind: &str, event: Value) -> Option<String> {
        let (app, event_id) = {
            let mut state = self.lock();
            let app = state.events.app.clone()?;
            (app, state.events.next_event_id())
        };
        let body = envelope(&app, team_id, &event_id, event);
        delivery::spawn(
            Arc::clone(self),
            app,
            Outgoing::event(event_id.clone(), kind, body),
        );
        Some(event_id)
    }

    /// The team id of the workspace where `user` can post in `channel`.
    fn workspace_of(&self, user: &str, channel: &str) -> Option<String> {
        self.directory()
            .workspaces
            .iter()
            .find(|w| w.directory.contains(user) && w.channels.contains(channel))
            .map(|w| w.team_id.clone())
    }
}

impl MockSlack {
    /// Registers (or replaces) the app that receives events and Call
    /// initiations.
    pub fn register_app(&self, app: MockApp) {
        self.fake.lock().events.app = Some(app);
    }

    /// A fake user posts `text` in `channel`. When it holds links on the
    /// registered app's unfurl domains, Slack's signed `link_shared` goes
    /// to the app (delivery runs in the background; see
    /// [`MockSlack::deliveries`]).
    ///
    /// Fails when no workspace has both the user and the channel.
    pub fn user_posts(
        &self,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<MessageRecord, UserActionError> {
        let team_id =
            self.fake
                .workspace_of(user, channel)
                .ok_or_else(|| UserActionError::UnknownPlace {
                    user: user.to_owned(),
                    channel: channel.to_owned(),
                })?;
        let links = links_in(text);
        let (message, shared) = {
            let mut state = self.fake.lock();
            state.messages_posted += 1;
            let ts = format!("{}.{:06}", unix_now(), state.messages_posted % 1_000_000);
            let message = MessageRecord {
                team_id: team_id.clone(),
                channel: channel.to_owned(),
                unfurl_id: format!("{channel}.{ts}.{}", state.messages_posted),
                ts,
                user: user.to_owned(),
                text: text.to_owned(),
                links: links.clone(),
                unfurls: BTreeMap::new(),
            };
            state.events.messages.push(message.clone());
            let shared: Vec<Value> = state
                .events
                .app
                .as_ref()
                .map(|app| {
                    links
                        .iter()
                        .filter_map(|url| {
                            app.domain_of(url)
                                .map(|domain| json!({"domain": domain, "url": url}))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (message, shared)
        };
        if !shared.is_empty() {
            let event = json!({
                "type": "link_shared",
                "channel": message.channel,
                "is_bot_user_member": true,
                "user": message.user,
                "message_ts": message.ts,
                "unfurl_id": message.unfurl_id,
                "source": "conversations_history",
                "links": shared,
                "event_ts": message.ts,
            });
            self.fake.send_event(&team_id, "link_shared", event);
        }
        Ok(message)
    }

    /// A fake user rejects the Call `call_id` shared with them in
    /// `channel`: Slack's `call_rejected` goes to the app. Returns its
    /// event id.
    pub fn user_rejects_call(
        &self,
        user: &str,
        call_id: &str,
        channel: &str,
    ) -> Result<String, UserActionError> {
        let team_id =
            self.fake
                .workspace_of(user, channel)
                .ok_or_else(|| UserActionError::UnknownPlace {
                    user: user.to_owned(),
                    channel: channel.to_owned(),
                })?;
        let external_unique_id = self
            .fake
            .lock()
            .calls
            .get(call_id)
            .map(|call| call.external_unique_id.clone())
            .ok_or_else(|| UserActionError::UnknownCall(call_id.to_owned()))?;
        let event = json!({
            "type": "call_rejected",
            "call_id": call_id,
            "user_id": user,
            "channel_id": channel,
            "external_unique_id": external_unique_id,
            "event_ts": format!("{}.000000", unix_now()),
        });
        self.fake
            .send_event(&team_id, "call_rejected", event)
            .ok_or(UserActionError::NoApp)
    }

    /// The app is uninstalled from workspace `team_id`: Slack sends
    /// `app_uninstalled` and `tokens_revoked`. Returns their event ids.
    pub fn uninstall_app(&self, team_id: &str) -> Result<Vec<String>, UserActionError> {
        let directory = self.fake.directory();
        let index = directory
            .workspace_index(team_id)
            .ok_or_else(|| UserActionError::UnknownTeam(team_id.to_owned()))?;
        let bot_user = self
            .fake
            .lock()
            .events
            .app
            .as_ref()
            .map(|app| app.bot_user.clone())
            .ok_or(UserActionError::NoApp)?;
        let has_user_token = directory
            .tokens
            .values()
            .any(|token| token.workspace == index && token.kind == TokenKind::User);
        let oauth: Vec<String> = directory.workspaces[index]
            .acting_user
            .clone()
            .filter(|_| has_user_token)
            .into_iter()
            .collect();
        // The same uninstall as `apps.uninstall` and the control API's:
        // every token of the workspace is revoked.
        let now_secs = unix_now();
        self.fake.lock().auth.uninstall(&directory, index, now_secs);
        drop(directory);
        let now = format!("{}.000000", unix_now());
        let mut ids = Vec::new();
        for (kind, event) in [
            (
                "app_uninstalled",
                json!({"type": "app_uninstalled", "event_ts": now}),
            ),
            (
                "tokens_revoked",
                json!({"type": "tokens_revoked", "tokens": {"oauth": oauth, "bot": [bot_user]}, "event_ts": now}),
            ),
        ] {
            ids.extend(self.fake.send_event(team_id, kind, event));
        }
        Ok(ids)
    }

    /// A snapshot of the messages fake users posted, oldest first, with the
    /// app's unfurls.
    pub fn messages(&self) -> Vec<MessageRecord> {
        self.fake.lock().events.messages.clone()
    }

    /// Every delivery attempt to the app so far, in the order they ended.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.fake.lock().events.deliveries.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_bare_or_in_slacks_brackets_once_each() {
        let text = "join <https://example.com/j/1|the call> or https://example.com/j/1 \
                    and <http://calls.example.org/x> not ftp://x.y nor https://";
        assert_eq!(
            links_in(text),
            ["https://example.com/j/1", "http://calls.example.org/x"]
        );
    }

    #[test]
    fn a_domain_covers_its_subdomains_only() {
        let app = MockApp::new(
            "http://127.0.0.1:1/",
            SigningSecret::new("a-signing-secret-of-32-characters").unwrap(),
        )
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

//! What fake users do that makes Slack send the app something: post a
//! message with a link on the app's unfurl domains (`link_shared`), reject
//! a Call (`call_rejected`), uninstall the app (`app_uninstalled`,
//! `tokens_revoked`), press the Call button (a Call-initiation request).
//! The app and the records are in [`events`](crate::talk_back::events); sending, with
//! Slack's signing and retry rules, is [`delivery`]. The logic lives here,
//! on the fake's handle, so that [`MockSlack`](crate::MockSlack)'s methods
//! (in `talk_back`) and the control API run the same code.
//!
//! The rules where Slack documents no behaviour:
//!
//! - A fake user's message gets an `unfurl_id` of
//!   `{channel}.{ts}.{n}` and `source: conversations_history`; a link
//!   typed into the composer ([`MockSlack::user_types`](crate::MockSlack::user_types))
//!   gets `{user}-mock-composer-{n}` (also its `message_ts`), channel
//!   `COMPOSER` and `source: composer`.
//! - A link is every word of the text that is an `http(s)` URL, bare or in
//!   Slack's `<url>` / `<url|label>` form. It is on an unfurl domain when
//!   its host is the domain or a subdomain of it.
//! - `link_shared` is sent once per message that holds such a link, once
//!   more when it was typed into the composer first, and not for messages
//!   the app posts itself.
//! - Uninstalling (`apps.uninstall`, `POST /_mock/uninstall` or
//!   `MockSlack::uninstall_app`, one code path) revokes every token of the
//!   workspace, then, when an app is registered, sends `app_uninstalled`,
//!   then `tokens_revoked` naming the installing user when the workspace
//!   had a user token (`oauth`) and the workspace's bot user (`bot`).
//!   `auth.revoke` sends `tokens_revoked` alone, naming the token's user
//!   or bot user.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use slack_calls::{CallInitiation, ResponseUrlPayload, TeamId, Timestamp, UserId};
use slack_calls::{EventAuthorization, EventCallback, EventEnvelope};

use crate::state::directory::WorkspaceConfig;
use crate::state::fake::FakeSlack;
use crate::talk_back::delivery::{self, InitiationError, Outgoing, attempt};
use crate::talk_back::events::{
    COMPOSER, COMPOSER_CHANNEL, CONVERSATIONS_HISTORY, DeliveryRecord, Initiation,
    InitiationOutcome, MessageRecord, MockApp, UserActionError, unix_now,
};

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

/// Where an event happens, as its envelope says: the workspace, its
/// Enterprise Grid organization, and whether the app is installed there
/// org-wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub team_id: String,
    pub enterprise_id: Option<String>,
    pub org_install: bool,
    /// The app's bot user there.
    pub bot_user: String,
}

/// An `event_callback` body for `event`, from the crate's one envelope,
/// as Slack's Events API page shows it: the deprecated verification
/// `token`, the `event_context` `apps.event.authorizations.list` takes,
/// `authorizations` naming the app's bot user in the workspace (the one id
/// `auth.test` gives) with its `enterprise_id` (`null` off Grid) and
/// `is_enterprise_install`, and `context_enterprise_id` (`null` off Grid).
/// Inside an organization the envelope also carries its `enterprise_id`.
fn envelope(
    app: &MockApp,
    place: &Place,
    event_id: &str,
    context: String,
    event: Value,
) -> Vec<u8> {
    let team = TeamId::from(place.team_id.as_str());
    let mut authorization =
        EventAuthorization::bot(team.clone(), UserId::from(place.bot_user.as_str()));
    authorization.enterprise_id = place.enterprise_id.clone();
    authorization.is_enterprise_install = place.org_install;
    let mut callback = EventCallback::new(
        team,
        app.app_id.clone(),
        event_id,
        Timestamp::from(unix_now()),
        event,
    )
    .authorization(authorization);
    callback.context_enterprise_id = place.enterprise_id.clone();
    callback.event_context = Some(context);
    // A struct of strings and numbers always encodes.
    let mut body = serde_json::to_value(EventEnvelope::EventCallback(callback)).unwrap_or_default();
    if let Value::Object(map) = &mut body {
        map.insert("token".into(), json!(app.verification_token));
        // Off Grid, Slack sends these as `null` rather than leaving them out.
        map.insert("context_enterprise_id".into(), json!(place.enterprise_id));
        if let Some(Value::Object(first)) = map
            .get_mut("authorizations")
            .and_then(|list| list.get_mut(0))
        {
            first.insert("enterprise_id".into(), json!(place.enterprise_id));
        }
        if let Some(org) = &place.enterprise_id {
            map.insert("enterprise_id".into(), json!(org));
        }
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

impl FakeSlack {
    /// Queues `event` for the registered app and starts delivering it;
    /// the event id, or `None` when no app is registered.
    fn send_event(self: &Arc<Self>, place: &Place, kind: &str, event: Value) -> Option<String> {
        let (app, event_id, context) = {
            let mut state = self.lock();
            let app = state.events.app.clone()?;
            let event_id = state.events.next_event_id();
            let context = state.events.new_context(&place.team_id);
            (app, event_id, context)
        };
        let body = envelope(&app, place, &event_id, context, event);
        delivery::spawn(
            Arc::clone(self),
            app,
            Outgoing::event(event_id.clone(), kind, body),
        );
        Some(event_id)
    }

    /// Workspace `team_id` as an event's envelope names it.
    pub(crate) fn place_of(&self, team_id: &str) -> Place {
        let (enterprise_id, bot_user) = self
            .directory()
            .workspaces
            .iter()
            .find(|w| w.team_id == team_id)
            .map(|w| (w.enterprise.clone(), w.bot_user_id()))
            .unwrap_or_default();
        let org_install = enterprise_id
            .as_ref()
            .is_some_and(|org| self.lock().auth.org_installs.contains(org));
        Place {
            team_id: team_id.to_owned(),
            enterprise_id,
            org_install,
            bot_user,
        }
    }

    /// The team id of the workspace where `user` can post in `channel`.
    fn workspace_of(&self, user: &str, channel: &str) -> Result<String, UserActionError> {
        self.directory()
            .workspaces
            .iter()
            .find(|w| w.directory.contains(user) && w.channels.contains(channel))
            .map(|w| w.team_id.clone())
            .ok_or_else(|| UserActionError::UnknownPlace {
                user: user.to_owned(),
                channel: channel.to_owned(),
            })
    }

    /// Sends the `app_uninstalled` and `tokens_revoked` events of every
    /// uninstall not yet announced ([`AuthState::uninstall`] queues them),
    /// and the `tokens_revoked` of every `auth.revoke`, when an app is
    /// registered; dropped otherwise. Returns the event ids.
    /// Called by whoever uninstalled, after letting go of the state lock.
    ///
    /// [`AuthState::uninstall`]: crate::state::auth_state::AuthState::uninstall
    pub(crate) fn send_uninstall_events(self: &Arc<Self>) -> Vec<String> {
        let unsent = {
            let mut state = self.lock();
            let unsent = std::mem::take(&mut state.auth.unsent);
            if state.events.app.is_none() {
                return Vec::new();
            }
            unsent
        };
        let mut ids = Vec::new();
        for uninstall in unsent {
            let now = format!("{}.000000", unix_now());
            let tokens = json!({"oauth": uninstall.oauth_users, "bot": uninstall.bot_users});
            let revoked = json!({"type": "tokens_revoked", "tokens": tokens, "event_ts": now});
            let mut events = Vec::with_capacity(2);
            if uninstall.app_uninstalled {
                events.push((
                    "app_uninstalled",
                    json!({"type": "app_uninstalled", "event_ts": now}),
                ));
            }
            events.push(("tokens_revoked", revoked));
            // An org-wide install's events name the organization, as
            // installed org-wide (it was, until now).
            let mut place = self.place_of(&uninstall.team_id);
            if let Some(org) = &uninstall.org_wide {
                place.enterprise_id = Some(org.clone());
                place.org_install = true;
            }
            for (kind, event) in events {
                ids.extend(self.send_event(&place, kind, event));
            }
        }
        ids
    }

    /// A fake user posts `text` in `channel`; `link_shared` goes to the
    /// app when the text holds links on its unfurl domains.
    pub(crate) fn user_posts(
        self: &Arc<Self>,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<MessageRecord, UserActionError> {
        self.share_links(user, channel, text, CONVERSATIONS_HISTORY)
    }

    /// A fake user types `text` into the composer of `channel`;
    /// `link_shared` with `source: composer` goes to the app when the
    /// text holds links on its unfurl domains.
    pub(crate) fn user_types(
        self: &Arc<Self>,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Result<MessageRecord, UserActionError> {
        self.share_links(user, channel, text, COMPOSER)
    }

    /// Keeps what a fake user wrote in `channel` (posted, or still in the
    /// composer, as `source` says) and sends `link_shared` for the links
    /// on the app's unfurl domains. A link in the composer has the
    /// channel `COMPOSER` and its `unfurl_id` as its `message_ts`
    /// (Slack's link_shared page).
    fn share_links(
        self: &Arc<Self>,
        user: &str,
        channel: &str,
        text: &str,
        source: &str,
    ) -> Result<MessageRecord, UserActionError> {
        let team_id = self.workspace_of(user, channel)?;
        let links = links_in(text);
        let (message, shared, now) = {
            let mut state = self.lock();
            state.messages_posted += 1;
            let n = state.messages_posted;
            let now = format!("{}.{:06}", unix_now(), n % 1_000_000);
            let (channel, ts, unfurl_id) = if source == COMPOSER {
                let id = format!("{user}-mock-composer-{n:08}");
                (COMPOSER_CHANNEL.to_owned(), id.clone(), id)
            } else {
                let unfurl_id = format!("{channel}.{now}.{n}");
                (channel.to_owned(), now.clone(), unfurl_id)
            };
            let message = MessageRecord {
                team_id: team_id.clone(),
                channel,
                ts,
                user: user.to_owned(),
                text: text.to_owned(),
                links: links.clone(),
                unfurl_id,
                source: source.to_owned(),
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
            (message, shared, now)
        };
        if !shared.is_empty() {
            let event = json!({
                "type": "link_shared",
                "channel": message.channel,
                "is_bot_user_member": true,
                "user": message.user,
                "message_ts": message.ts,
                "unfurl_id": message.unfurl_id,
                "source": source,
                "links": shared,
                "event_ts": now,
            });
            self.send_event(&self.place_of(&team_id), "link_shared", event);
        }
        Ok(message)
    }

    /// A fake user rejects the Call `call_id` in `channel`: `call_rejected`
    /// goes to the app. Returns its event id.
    pub(crate) fn user_rejects_call(
        self: &Arc<Self>,
        user: &str,
        call_id: &str,
        channel: &str,
    ) -> Result<String, UserActionError> {
        let team_id = self.workspace_of(user, channel)?;
        let external_unique_id = self
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
        self.send_event(&self.place_of(&team_id), "call_rejected", event)
            .ok_or(UserActionError::NoApp)
    }

    /// The app is uninstalled from workspace `team_id` (see
    /// `MockSlack::uninstall_app`). Returns the event ids.
    pub(crate) fn uninstall_app(
        self: &Arc<Self>,
        team_id: &str,
    ) -> Result<Vec<String>, UserActionError> {
        let directory = self.directory();
        let index = directory
            .workspace_index(team_id)
            .ok_or_else(|| UserActionError::UnknownTeam(team_id.to_owned()))?;
        if self.lock().events.app.is_none() {
            return Err(UserActionError::NoApp);
        }
        // The same uninstall as `apps.uninstall` and the control API's.
        self.lock().auth.uninstall(&directory, index, unix_now());
        drop(directory);
        Ok(self.send_uninstall_events())
    }

    /// The app's org-wide install leaves organization `enterprise_id`
    /// (see `MockSlack::uninstall_org_app`). Returns how many tokens were
    /// revoked and the event ids.
    pub(crate) fn uninstall_org_app(
        self: &Arc<Self>,
        enterprise_id: &str,
    ) -> Result<(usize, Vec<String>), UserActionError> {
        let directory = self.directory();
        if !directory.enterprises.contains_key(enterprise_id) {
            return Err(UserActionError::UnknownTeam(enterprise_id.to_owned()));
        }
        let revoked = self
            .lock()
            .auth
            .uninstall_org(&directory, enterprise_id, unix_now())
            .ok_or_else(|| UserActionError::NotInstalledOrgWide(enterprise_id.to_owned()))?;
        drop(directory);
        Ok((revoked, self.send_uninstall_events()))
    }

    /// A fake user presses the Call button in `channel` (see
    /// `MockSlack::user_presses_call_button`).
    pub(crate) async fn user_presses_call_button(
        &self,
        user: &str,
        channel: &str,
    ) -> Result<CallInitiation, InitiationError> {
        let team_id = self.workspace_of(user, channel)?;
        let place = self.place_of(&team_id);
        let (enterprise_name, team_domain, channel_name) = {
            let directory = self.directory();
            let enterprise_name = place
                .enterprise_id
                .as_ref()
                .and_then(|org| directory.enterprises.get(org).cloned());
            let workspace = directory.workspaces.iter().find(|w| w.team_id == team_id);
            (
                enterprise_name,
                workspace.map(WorkspaceConfig::domain).unwrap_or_default(),
                workspace
                    .map(|w| w.channel_name(channel))
                    .unwrap_or_default(),
            )
        };
        let (app, seq) = {
            let mut state = self.lock();
            let app = state.events.app.clone().ok_or(UserActionError::NoApp)?;
            state.events.next_event += 1;
            let seq = state.events.next_event;
            state.events.responses.insert(seq, Vec::new());
            state.events.initiations.insert(seq, Initiation::default());
            (app, seq)
        };
        let pressed = std::time::Instant::now();
        // The serializer is not `Send`: it lives in this block only.
        let body = {
            // The fields of a slash command's request (the Calls guide's
            // example; Slack's slash commands page): `token`, `team_id`,
            // `team_domain`, `channel_id`, `channel_name`, `user_id`,
            // `user_name`, `response_url`, `trigger_id`, `api_app_id`;
            // the user's name is their id in lowercase, as `users.info`
            // names them (the fake's choice).
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("token", &app.verification_token)
                .append_pair("team_id", &team_id)
                .append_pair("team_domain", &team_domain);
            if let Some(org) = &place.enterprise_id {
                form.append_pair("enterprise_id", org).append_pair(
                    "enterprise_name",
                    enterprise_name.as_deref().unwrap_or_default(),
                );
            }
            // A string, as in slash commands' payloads.
            form.append_pair(
                "is_enterprise_install",
                if place.org_install { "true" } else { "false" },
            )
            .append_pair("channel_id", channel)
            .append_pair("channel_name", &channel_name)
            .append_pair("user_id", user)
            .append_pair("user_name", &user.to_lowercase())
            .append_pair("api_app_id", &app.app_id)
            .append_pair("type", "video")
            .append_pair("trigger_id", &format!("{seq}.{}.mock", unix_now()))
            .append_pair(
                "response_url",
                &format!("http://{}/_mock/response/{seq}", self.config.addr),
            )
            .finish()
        };
        let http = self.app_http();
        let result = attempt(
            &http,
            &app,
            "application/x-www-form-urlencoded",
            body.as_bytes(),
            None,
        )
        .await;
        {
            let mut state = self.lock();
            let events = &mut state.events;
            let delivery = events.deliveries.len();
            events.deliveries.push(DeliveryRecord {
                event_id: None,
                kind: "call_initiation".to_owned(),
                attempt: 0,
                retry_reason: None,
                status: result.status,
                acked_in_time: result.failure.is_none(),
                failure: result.failure,
                no_retry: result.no_retry,
            });
            if let Some(press) = events.initiations.get_mut(&seq) {
                press.delivery = Some(delivery);
            }
        }
        let answer = self.initiation_answer(&app, seq, pressed, result).await;
        let outcome = match &answer {
            Ok((call, via_response_url)) => InitiationOutcome::Call {
                url: call.call_initiation_url.clone(),
                via_response_url: *via_response_url,
            },
            Err(err) => InitiationOutcome::NoCall(err.to_string()),
        };
        if let Some(press) = self.lock().events.initiations.get_mut(&seq) {
            press.outcome = Some(outcome);
        }
        answer.map(|(call, _)| call)
    }

    /// The Call that press `seq` started, from the app's answer to it or
    /// else from the first post to its `response_url`; `true` for the
    /// latter.
    async fn initiation_answer(
        &self,
        app: &MockApp,
        seq: u64,
        pressed: std::time::Instant,
        result: delivery::Attempt,
    ) -> Result<(CallInitiation, bool), InitiationError> {
        if let Some(failure) = result.failure {
            return Err(InitiationError::NoAnswer(failure));
        }
        if let Some(call) = as_call(&result.body) {
            return Ok((call, false));
        }
        if !result.body.iter().all(u8::is_ascii_whitespace) {
            return Err(InitiationError::NotACall(snippet(&result.body)));
        }
        // An empty acknowledgement: the answer goes to the `response_url`,
        // as the Calls guide has it, within the same 3 s.
        let deadline = pressed + app.ack_timeout;
        loop {
            let first = self
                .lock()
                .events
                .responses
                .get(&seq)
                .and_then(|posts| posts.first().cloned());
            if let Some(post) = first {
                return as_call(&post)
                    .map(|call| (call, true))
                    .ok_or_else(|| InitiationError::NotACall(snippet(&post)));
            }
            if std::time::Instant::now() >= deadline {
                return Err(InitiationError::NotACall(format!(
                    "an empty answer, and nothing posted to the response_url within {} ms",
                    app.ack_timeout.as_millis()
                )));
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// The app posts `body` to the `response_url` of press `seq`. `false`
    /// when the fake handed out no such URL.
    pub(crate) fn post_to_response_url(&self, seq: u64, body: &[u8]) -> bool {
        match self.lock().events.responses.get_mut(&seq) {
            Some(posts) => {
                posts.push(body.to_vec());
                true
            }
            None => false,
        }
    }
}

/// A body that starts a Call: `response_type: call` with a
/// `call_initiation_url`.
fn as_call(body: &[u8]) -> Option<CallInitiation> {
    match serde_json::from_slice::<ResponseUrlPayload>(body) {
        Ok(ResponseUrlPayload::Call(call)) if !call.call_initiation_url.is_empty() => Some(call),
        Ok(_) | Err(_) => None,
    }
}

/// The start of a body, as text, for an error message.
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
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
}

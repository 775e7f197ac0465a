//! The envelope of an Events API delivery: what Slack posts to an app's
//! Request URL around the event itself.
//!
//! The events are spec-shaped (`events:` in the spec → the generated
//! [`Event`](crate::Event) enum); the envelope is Slack's delivery protocol,
//! the same for every event, so it is written here once, like the `ok` /
//! `error` envelope of Web API answers. It is generic over the event type
//! so that a downstream crate that generates its own `Event` enum (with
//! more events) decodes deliveries with the same envelope:
//! `EventEnvelope<my_crate::Event>`.
//!
//! Decoding never fails on something Slack may add later: unknown fields are
//! ignored, an unknown delivery `type` (or one that does not fit its variant)
//! is kept whole in [`EventEnvelope::Other`], and an unknown event type is
//! the event enum's own `Other`. The deprecated verification `token` Slack
//! still sends is not kept, so it cannot end up in a log.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{Event, TeamId, Timestamp, UserId};

/// One delivery to the app's Request URL, told apart by its `type`.
///
/// ```
/// use slack_calls::{Event, EventEnvelope};
///
/// let body = r#"{"type":"event_callback","team_id":"T1","api_app_id":"A1",
///   "event_id":"Ev1","event_time":1700000000,
///   "event":{"type":"call_rejected","call_id":"R1","user_id":"U1",
///            "channel_id":"D1","external_unique_id":"x-1"}}"#;
/// let EventEnvelope::EventCallback(callback) = serde_json::from_str::<EventEnvelope>(body)?
/// else {
///     panic!("an event_callback")
/// };
/// assert!(matches!(callback.event, Event::CallRejected(ref e) if e.call_id.as_str() == "R1"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventEnvelope<E = Event> {
    /// `type: event_callback`: an event.
    EventCallback(EventCallback<E>),
    /// `type: url_verification`: Slack checks the Request URL; answer with
    /// the challenge.
    UrlVerification(UrlVerification),
    /// `type: app_rate_limited`: Slack stopped delivering events to the app
    /// for a workspace for the rest of the minute.
    AppRateLimited(AppRateLimited),
    /// Any other delivery, kept as Slack's JSON.
    Other(Value),
}

impl<E> EventEnvelope<E> {
    /// The delivery's `type`, when there is one.
    pub fn kind(&self) -> Option<&str> {
        match self {
            EventEnvelope::EventCallback(_) => Some("event_callback"),
            EventEnvelope::UrlVerification(_) => Some("url_verification"),
            EventEnvelope::AppRateLimited(_) => Some("app_rate_limited"),
            EventEnvelope::Other(value) => crate::__private::union::tag(value, "type"),
        }
    }
}

impl<E: DeserializeOwned> EventEnvelope<E> {
    /// Decodes a delivery from its raw bytes: the same result as
    /// `serde_json::from_slice`, but the variant is decoded straight from
    /// the bytes (no intermediate `Value`) once its `type` is read, which
    /// is what a receiver wants on its hot path.
    pub fn from_slice(body: &[u8]) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct Head<'a> {
            #[serde(rename = "type", borrow, default)]
            kind: Option<std::borrow::Cow<'a, str>>,
        }
        let head = serde_json::from_slice::<Head<'_>>(body).ok();
        let fits = match head.as_ref().and_then(|head| head.kind.as_deref()) {
            Some("event_callback") => serde_json::from_slice(body)
                .ok()
                .map(EventEnvelope::EventCallback),
            Some("url_verification") => serde_json::from_slice(body)
                .ok()
                .map(EventEnvelope::UrlVerification),
            Some("app_rate_limited") => serde_json::from_slice(body)
                .ok()
                .map(EventEnvelope::AppRateLimited),
            _ => None,
        };
        match fits {
            Some(envelope) => Ok(envelope),
            None => serde_json::from_slice(body).map(EventEnvelope::Other),
        }
    }
}

impl<E: Serialize> Serialize for EventEnvelope<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use crate::__private::union::serialize_variant;
        match self {
            EventEnvelope::EventCallback(inner) => {
                serialize_variant(inner, "type", "event_callback", serializer)
            }
            EventEnvelope::UrlVerification(inner) => {
                serialize_variant(inner, "type", "url_verification", serializer)
            }
            EventEnvelope::AppRateLimited(inner) => {
                serialize_variant(inner, "type", "app_rate_limited", serializer)
            }
            EventEnvelope::Other(value) => value.serialize(serializer),
        }
    }
}

impl<'de, E: DeserializeOwned> Deserialize<'de> for EventEnvelope<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use crate::__private::union::{read, tag};
        let value = read(deserializer)?;
        Ok(match tag(&value, "type") {
            Some("event_callback") => or_other(value, EventEnvelope::EventCallback),
            Some("url_verification") => or_other(value, EventEnvelope::UrlVerification),
            Some("app_rate_limited") => or_other(value, EventEnvelope::AppRateLimited),
            _ => EventEnvelope::Other(value),
        })
    }
}

/// The delivery as `variant`, or kept whole in `Other` when it does not
/// fit: the receiver then refuses it with serde's reason.
fn or_other<T: DeserializeOwned, E>(
    value: Value,
    variant: fn(T) -> EventEnvelope<E>,
) -> EventEnvelope<E> {
    match T::deserialize(&value) {
        Ok(inner) => variant(inner),
        Err(_) => EventEnvelope::Other(value),
    }
}

/// An `event_callback` delivery: one event and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventCallback<E = Event> {
    /// The workspace where the event happened.
    pub team_id: TeamId,
    /// The Enterprise Grid organization where the event happened, when the
    /// workspace is in one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// The app the event is for.
    pub api_app_id: String,
    /// Slack's ID for this event, the same on every retry of it and unique
    /// across all workspaces (deduplicate on it).
    pub event_id: String,
    /// When Slack dispatched the event.
    pub event_time: Timestamp,
    /// One installation that can see the event (Slack lists all of them
    /// through `apps.event.authorizations.list`). Empty in older payloads.
    #[serde(
        default,
        deserialize_with = "crate::__private::null_to_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub authorizations: Vec<EventAuthorization>,
    /// Whether the event happened in a channel shared with another
    /// organization (Slack Connect).
    #[serde(default)]
    pub is_ext_shared_channel: bool,
    /// The workspace through which the app receives the event, when Slack
    /// says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_team_id: Option<TeamId>,
    /// The organization through which the app receives the event, when
    /// Slack says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_enterprise_id: Option<String>,
    /// An ID to use with `apps.event.authorizations.list`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_context: Option<String>,
    /// The event.
    pub event: E,
}

impl<E> EventCallback<E> {
    /// A delivery of `event` for app `api_app_id` in workspace `team_id`,
    /// as Slack builds one: the workspace is also the context team, the
    /// channel is not shared with another organization, and no
    /// installation is listed until [`authorization`](EventCallback::authorization)
    /// adds one. For a fake Slack, or a test that feeds a receiver.
    ///
    /// ```
    /// use slack_calls::{EventAuthorization, EventCallback, TeamId, Timestamp, UserId};
    ///
    /// let callback = EventCallback::new(TeamId::from("T0001"), "A0001", "Ev0001", Timestamp::from(1_700_000_000), "payload")
    ///     .authorization(EventAuthorization::bot(TeamId::from("T0001"), UserId::from("U0BOT")));
    /// assert_eq!(callback.context_team_id, Some(TeamId::from("T0001")));
    /// ```
    pub fn new(
        team_id: TeamId,
        api_app_id: impl Into<String>,
        event_id: impl Into<String>,
        event_time: Timestamp,
        event: E,
    ) -> EventCallback<E> {
        EventCallback {
            context_team_id: Some(team_id.clone()),
            team_id,
            enterprise_id: None,
            api_app_id: api_app_id.into(),
            event_id: event_id.into(),
            event_time,
            authorizations: Vec::new(),
            is_ext_shared_channel: false,
            context_enterprise_id: None,
            event_context: None,
            event,
        }
    }

    /// The event happened in a workspace of this Enterprise Grid
    /// organization (`enterprise_id`, and `context_enterprise_id`).
    pub fn in_enterprise(mut self, enterprise_id: impl Into<String>) -> EventCallback<E> {
        let id = enterprise_id.into();
        self.context_enterprise_id = Some(id.clone());
        self.enterprise_id = Some(id);
        self
    }

    /// Lists one more installation that can see the event.
    pub fn authorization(mut self, authorization: EventAuthorization) -> EventCallback<E> {
        self.authorizations.push(authorization);
        self
    }
}

impl EventAuthorization {
    /// The app's bot user `user_id` in workspace `team_id`, installed for
    /// that workspace (not a whole organization).
    pub fn bot(team_id: TeamId, user_id: UserId) -> EventAuthorization {
        EventAuthorization {
            enterprise_id: None,
            team_id: Some(team_id),
            user_id: Some(user_id),
            is_bot: true,
            is_enterprise_install: false,
        }
    }
}

/// An installation that can see an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventAuthorization {
    /// The organization, for an Enterprise Grid install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise_id: Option<String>,
    /// The workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<TeamId>,
    /// The user (or bot user) the installation belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Whether it is the app's bot.
    #[serde(default)]
    pub is_bot: bool,
    /// Whether the app was installed for a whole organization.
    #[serde(default)]
    pub is_enterprise_install: bool,
}

/// A `url_verification` delivery: answer it with `challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UrlVerification {
    /// The text to answer with.
    pub challenge: String,
}

/// An `app_rate_limited` delivery: the app received more than 30,000
/// events from a workspace in an hour, and Slack holds back the rest of
/// this minute's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AppRateLimited {
    /// The workspace.
    pub team_id: TeamId,
    /// The start of the minute whose events are held back.
    pub minute_rate_limited: Timestamp,
    /// The app.
    pub api_app_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_slice_decodes_as_serde_does() {
        let bodies = [
            json!({"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                "event_id": "Ev1", "event_time": 1, "event": {"type": "app_uninstalled"}}),
            json!({"type": "event_callback", "team_id": 7}),
            json!({"type": "url_verification", "challenge": "c"}),
            json!({"type": "app_rate_limited", "team_id": "T1", "api_app_id": "A1",
                "minute_rate_limited": 60}),
            json!({"type": "something_new"}),
            json!({"type": 3}),
            json!({"no_type": true}),
            json!([1, 2]),
            json!("text"),
        ];
        for body in bodies {
            let bytes = serde_json::to_vec(&body).unwrap();
            let fast = EventEnvelope::<Event>::from_slice(&bytes).unwrap();
            let slow: EventEnvelope = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(fast, slow, "{body}");
        }
        assert!(EventEnvelope::<Event>::from_slice(b"{not json").is_err());
    }

    #[test]
    fn an_unknown_delivery_type_is_kept_whole() {
        let body = json!({"type": "something_new", "x": [1, 2]});
        let envelope: EventEnvelope = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(envelope, EventEnvelope::Other(body.clone()));
        assert_eq!(envelope.kind(), Some("something_new"));
        assert_eq!(serde_json::to_value(&envelope).unwrap(), body);
    }

    #[test]
    fn a_known_type_that_does_not_fit_is_kept_whole() {
        let body = json!({"type": "url_verification", "challenge": 7});
        let envelope: EventEnvelope = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(envelope, EventEnvelope::Other(body));
    }

    #[test]
    fn url_verification_and_rate_limits_decode_and_encode_with_their_type() {
        let body =
            json!({"token": "secret-ish", "challenge": "3eZbrw1a", "type": "url_verification"});
        let envelope: EventEnvelope = serde_json::from_value(body).unwrap();
        assert_eq!(
            envelope,
            EventEnvelope::UrlVerification(UrlVerification {
                challenge: "3eZbrw1a".into()
            })
        );
        // The verification token is not kept.
        assert_eq!(
            serde_json::to_value(&envelope).unwrap(),
            json!({"challenge": "3eZbrw1a", "type": "url_verification"})
        );
        let limited = json!({"token": "x", "type": "app_rate_limited", "team_id": "T123456",
            "minute_rate_limited": 1518467820, "api_app_id": "A123456"});
        let EventEnvelope::<Event>::AppRateLimited(limited) =
            serde_json::from_value(limited).unwrap()
        else {
            panic!("app_rate_limited")
        };
        assert_eq!(limited.team_id.as_str(), "T123456");
        assert_eq!(limited.minute_rate_limited, Timestamp::from(1518467820));
    }
}

//! The event types generated from `spec/events.yaml`, and the runtime's
//! envelope around them: Slack's example bodies decode into typed values,
//! unknown event types and unknown fields never fail, and the Call-initiation
//! answer encodes as Slack reads it.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use slack_calls::{
    AppUninstalledEvent, CallInitiation, CallRejectedEvent, ChannelId, Event, EventCallback,
    EventEnvelope, LinkSharedEvent, ResponseUrlPayload, TeamId, Timestamp, TokensRevokedEvent,
    UnfurlSource, UserId,
};

/// Decodes as a receiver generic over its payload type would.
fn decode<E: DeserializeOwned>(body: &str) -> E {
    serde_json::from_str(body).unwrap_or_else(|err| panic!("decodes: {err}\n{body}"))
}

fn callback(body: &str) -> EventCallback {
    match decode::<EventEnvelope>(body) {
        EventEnvelope::EventCallback(callback) => callback,
        other => panic!("an event_callback: {other:?}"),
    }
}

/// Slack's example delivery of `call_rejected` (from its event page), with
/// the older `authed_users` instead of `authorizations`.
const CALL_REJECTED: &str = r#"{
    "token": "12345FVmRUzNDOAu12345h",
    "team_id": "T123ABC456",
    "api_app_id": "BBBU04BB4",
    "event": {
        "type": "call_rejected",
        "call_id": "R123ABC456",
        "user_id": "U123ABC456",
        "channel_id": "D123ABC456",
        "external_unique_id": "123-456-7890"
    },
    "type": "event_callback",
    "event_id": "Ev123ABC456",
    "event_time": 1563448153,
    "authed_users": ["U123ABC456"]
}"#;

#[test]
fn slacks_call_rejected_delivery_decodes() {
    let callback = callback(CALL_REJECTED);
    assert_eq!(callback.team_id, TeamId::from("T123ABC456"));
    assert_eq!(callback.api_app_id, "BBBU04BB4");
    assert_eq!(callback.event_id, "Ev123ABC456");
    assert_eq!(callback.event_time, Timestamp::from(1_563_448_153));
    assert!(callback.authorizations.is_empty());
    assert!(!callback.is_ext_shared_channel);
    let Event::CallRejected(event) = callback.event else {
        panic!("call_rejected: {:?}", callback.event)
    };
    assert_eq!(event.call_id, "R123ABC456");
    assert_eq!(event.user_id, UserId::from("U123ABC456"));
    assert_eq!(event.channel_id, ChannelId::from("D123ABC456"));
    assert_eq!(event.external_unique_id, "123-456-7890");
}

#[test]
fn slacks_link_shared_event_decodes_inside_a_current_envelope() {
    // Slack's link_shared example, in an envelope with every field the
    // Events API page lists.
    let body = json!({
        "token": "XXYYZZ",
        "team_id": "T123ABC456",
        "api_app_id": "A123ABC456",
        "event": {
            "type": "link_shared",
            "channel": "C123ABC456",
            "is_bot_user_member": true,
            "user": "U123ABC456",
            "message_ts": "123456789.9875",
            "unfurl_id": "C123456.123456789.987501.1b90fa1278528ce6e2f6c5c2bfa1abc9a41d57d02b29d173f40399c9ffdecf4b",
            "thread_ts": "123456621.1855",
            "source": "conversations_history",
            "links": [
                {"domain": "example.com", "url": "https://example.com/12345"},
                {"domain": "example.com", "url": "https://example.com/67890"},
                {"domain": "another-example.com", "url": "https://yet.another-example.com/v/abcde"}
            ],
            "event_ts": "123456789.9875"
        },
        "type": "event_callback",
        "authorizations": [{
            "enterprise_id": "E123ABC456", "team_id": "T123ABC456", "user_id": "U123ABC456",
            "is_bot": true, "is_enterprise_install": false
        }],
        "event_context": "EC123ABC456",
        "event_id": "Ev123ABC456",
        "event_time": 1234567890,
        "is_ext_shared_channel": true,
        "context_team_id": "T123ABC456",
        "context_enterprise_id": null
    });
    let callback = callback(&body.to_string());
    assert!(callback.is_ext_shared_channel);
    assert_eq!(callback.context_team_id, Some(TeamId::from("T123ABC456")));
    assert_eq!(callback.context_enterprise_id, None);
    assert_eq!(callback.event_context.as_deref(), Some("EC123ABC456"));
    let [authorization] = &callback.authorizations[..] else {
        panic!("one authorization")
    };
    assert!(authorization.is_bot);
    assert_eq!(
        authorization.user_id.as_ref(),
        Some(&UserId::from("U123ABC456"))
    );
    let Event::LinkShared(event) = &callback.event else {
        panic!("link_shared: {:?}", callback.event)
    };
    assert_eq!(event.channel, ChannelId::from("C123ABC456"));
    assert_eq!(event.is_bot_user_member, Some(true));
    assert_eq!(event.message_ts, "123456789.9875");
    assert_eq!(event.source, Some(UnfurlSource::ConversationsHistory));
    assert_eq!(event.thread_ts.as_deref(), Some("123456621.1855"));
    let urls: Vec<&str> = event.links.iter().map(|l| l.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://example.com/12345",
            "https://example.com/67890",
            "https://yet.another-example.com/v/abcde"
        ]
    );
    assert_eq!(event.links[2].domain, "another-example.com");
}

#[test]
fn a_link_in_the_composer_has_a_message_ts_that_is_not_a_timestamp() {
    let event: Event = decode(
        r#"{"type":"link_shared","channel":"COMPOSER","user":"U1","message_ts":"Uxxxxxxx-909b5454-75f8-4ac4-b325-1b40e230bbd8",
            "unfurl_id":"Uxxxxxxx-909b5454-75f8-4ac4-b325-1b40e230bbd8","source":"composer",
            "links":[{"domain":"example.com","url":"https://example.com/calls/1"}]}"#,
    );
    let Event::LinkShared(LinkSharedEvent {
        source, unfurl_id, ..
    }) = event
    else {
        panic!("link_shared")
    };
    assert_eq!(source, Some(UnfurlSource::Composer));
    assert!(unfurl_id.is_some());
}

#[test]
fn slacks_app_uninstalled_and_tokens_revoked_decode() {
    let uninstalled: Event = decode(r#"{"type":"app_uninstalled"}"#);
    assert!(matches!(uninstalled, Event::AppUninstalled(_)));
    let revoked: Event = decode(
        r#"{"type":"tokens_revoked","tokens":{"oauth":["UXXXXXXXX"],"bot":["UXXXXXXXX"]},"event_ts":"1360782804.083113"}"#,
    );
    let Event::TokensRevoked(TokensRevokedEvent {
        tokens, event_ts, ..
    }) = revoked
    else {
        panic!("tokens_revoked: {revoked:?}")
    };
    assert_eq!(tokens.oauth, [UserId::from("UXXXXXXXX")]);
    assert_eq!(tokens.bot, [UserId::from("UXXXXXXXX")]);
    assert_eq!(event_ts.as_deref(), Some("1360782804.083113"));
    // A revocation of user tokens alone: `bot` may be missing or null.
    let users_only: Event =
        decode(r#"{"type":"tokens_revoked","tokens":{"oauth":["U1"],"bot":null}}"#);
    assert!(matches!(users_only, Event::TokensRevoked(ref e) if e.tokens.bot.is_empty()));
}

#[test]
fn an_unknown_event_type_is_kept_whole() {
    let inner = json!({
        "type": "reaction_added", "user": "U1", "reaction": "thumbsup",
        "item": {"type": "message", "channel": "C1", "ts": "1.2"}, "event_ts": "1.3"
    });
    let event: Event = decode(&inner.to_string());
    assert_eq!(event, Event::Other(inner.clone()));
    assert_eq!(event.tag(), Some("reaction_added"));
    assert_eq!(serde_json::to_value(&event).unwrap(), inner);

    // Inside an envelope too: the delivery is not refused.
    let mut body: Value = serde_json::from_str(CALL_REJECTED).unwrap();
    body["event"] = inner.clone();
    let callback = callback(&body.to_string());
    assert_eq!(callback.event, Event::Other(inner));
    assert_eq!(callback.event_id, "Ev123ABC456");

    // An event with no `type` at all is kept as well.
    let untyped = json!({"odd": true});
    assert_eq!(decode::<Event>(&untyped.to_string()), Event::Other(untyped));
}

#[test]
fn a_known_event_with_unknown_fields_still_decodes() {
    let event: Event = decode(
        r#"{"type":"call_rejected","call_id":"R1","user_id":"U1","channel_id":"D1",
            "external_unique_id":"x-1","added_by_slack_later":{"any":["thing"]}}"#,
    );
    let Event::CallRejected(CallRejectedEvent { call_id, .. }) = event else {
        panic!("call_rejected: {event:?}")
    };
    assert_eq!(call_id, "R1");
}

#[test]
fn a_known_event_that_does_not_fit_is_kept_whole_not_refused() {
    // `call_id` as a number, and a missing required field.
    for inner in [
        json!({"type": "call_rejected", "call_id": 7, "user_id": "U1", "channel_id": "D1", "external_unique_id": "x"}),
        json!({"type": "call_rejected", "user_id": "U1"}),
    ] {
        let event = decode::<Event>(&inner.to_string());
        assert!(
            matches!(&event, Event::Malformed(m) if m.value == inner && !m.error.is_empty()),
            "{event:?}"
        );
        assert_eq!(event.tag(), Some("call_rejected"));
    }
}

#[test]
fn events_encode_with_their_type() {
    let event = Event::from(CallRejectedEvent::new("R1", "U1", "D1", "x-1"));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"type": "call_rejected", "call_id": "R1", "user_id": "U1", "channel_id": "D1", "external_unique_id": "x-1"})
    );
    assert_eq!(
        serde_json::to_value(Event::from(AppUninstalledEvent::new())).unwrap(),
        json!({"type": "app_uninstalled"})
    );
}

#[test]
fn the_call_initiation_answer_is_response_type_call() {
    let answer = ResponseUrlPayload::from(
        CallInitiation::new("https://example.com/calls/1")
            .with_desktop_protocol_call_initiation_url("callapp://join/1"),
    );
    assert_eq!(
        serde_json::to_value(&answer).unwrap(),
        json!({
            "response_type": "call",
            "call_initiation_url": "https://example.com/calls/1",
            "desktop_protocol_call_initiation_url": "callapp://join/1"
        })
    );
    let minimal = ResponseUrlPayload::from(CallInitiation::new("https://example.com/calls/2"));
    assert_eq!(
        serde_json::to_string(&minimal).unwrap(),
        r#"{"call_initiation_url":"https://example.com/calls/2","response_type":"call"}"#
    );
    let back: ResponseUrlPayload = decode(&serde_json::to_string(&answer).unwrap());
    assert_eq!(back, answer);
}

#[test]
fn a_delivery_that_is_not_json_is_a_decode_error_not_a_panic() {
    assert!(serde_json::from_str::<EventEnvelope>("not json").is_err());
    assert!(serde_json::from_str::<Event>("").is_err());
}

/// A delivery from a workspace of an Enterprise Grid organization names the
/// organization at the top level as well as in its authorization (the shape
/// of "Enterprise Grid apps reference", `api.slack.com/enterprise/apps/reference`).
#[test]
fn an_organizations_delivery_names_it_at_the_top_level() {
    let body = json!({
        "token": "x",
        "team_id": "T0001",
        "enterprise_id": "E0001",
        "api_app_id": "A0001",
        "event": { "type": "app_uninstalled" },
        "type": "event_callback",
        "event_id": "Ev0001",
        "event_time": 1_700_000_000,
        "authorizations": [{
            "enterprise_id": "E0001", "team_id": null, "user_id": "U0BOT",
            "is_bot": true, "is_enterprise_install": true
        }],
        "context_team_id": "T0001",
        "context_enterprise_id": "E0001"
    })
    .to_string();
    let delivered = callback(&body);
    assert_eq!(delivered.enterprise_id.as_deref(), Some("E0001"));
    assert_eq!(delivered.context_enterprise_id.as_deref(), Some("E0001"));
    let built = EventCallback::new(
        TeamId::from("T0001"),
        "A0001",
        "Ev0001",
        Timestamp::from(1_700_000_000),
        Event::AppUninstalled(AppUninstalledEvent::new()),
    )
    .in_enterprise("E0001");
    assert_eq!(built.enterprise_id.as_deref(), Some("E0001"));
    // Outside an organization it is absent, and stays absent when encoded.
    let alone = callback(CALL_REJECTED);
    assert_eq!(alone.enterprise_id, None);
    assert!(
        serde_json::to_value(&alone)
            .unwrap()
            .get("enterprise_id")
            .is_none()
    );
}

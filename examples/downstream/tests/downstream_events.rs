//! The events this crate adds from its own spec: its `Event` enum holds
//! them and the core's, and decodes inside the core's envelope.

use serde_json::json;
use slack_calls::{CallRejectedEvent, EventEnvelope};
use slack_calls_downstream_example::{Event, TeamRenameEvent};

#[test]
fn the_enum_holds_this_crates_events_and_the_cores() {
    let renamed: Event =
        serde_json::from_value(json!({"type": "team_rename", "name": "Acme", "team_id": "T12345"}))
            .unwrap();
    match renamed {
        Event::TeamRename(TeamRenameEvent { name, team_id, .. }) => {
            assert_eq!(name, "Acme");
            assert_eq!(team_id.as_ref().map(|t| t.as_str()), Some("T12345"));
        }
        other => panic!("team_rename: {other:?}"),
    }
    let rejected: Event = serde_json::from_value(json!({
        "type": "call_rejected", "call_id": "R1", "user_id": "U1",
        "channel_id": "D1", "external_unique_id": "x-1"
    }))
    .unwrap();
    assert!(
        matches!(&rejected, Event::CallRejected(CallRejectedEvent { call_id, .. }) if call_id.as_str() == "R1")
    );
    let unknown = json!({"type": "emoji_changed", "subtype": "add"});
    assert_eq!(
        serde_json::from_value::<Event>(unknown.clone()).unwrap(),
        Event::Other(unknown)
    );
}

#[test]
fn the_cores_envelope_carries_this_crates_enum() {
    let body = json!({
        "type": "event_callback", "team_id": "T12345", "api_app_id": "A1",
        "event_id": "Ev1", "event_time": 1_700_000_000,
        "event": {"type": "team_rename", "name": "Acme"}
    });
    let EventEnvelope::EventCallback(callback) =
        serde_json::from_value::<EventEnvelope<Event>>(body).unwrap()
    else {
        panic!("an event_callback")
    };
    assert!(matches!(callback.event, Event::TeamRename(ref e) if e.name == "Acme"));
}

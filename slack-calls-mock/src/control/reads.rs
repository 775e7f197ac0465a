//! Reading the fake's state and moving its clock: `GET /_mock/messages`,
//! `GET /_mock/requests` and `POST /_mock/advance`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::state::fake::FakeSlack;
use crate::state::state_json::{logged_json, message_json};

use super::reply::{Answered, Refusal, ok};

/// `GET /_mock/messages`: the messages `chat.postMessage` posted, read
/// from the request log (so within its capacity), oldest first; and the
/// messages fake users posted, with the app's unfurls (`user_messages`).
pub(super) fn messages(fake: &FakeSlack) -> Value {
    let state = fake.lock();
    let list: Vec<Value> = state
        .log
        .iter()
        .filter(|entry| entry.method == "chat.postMessage" && entry.outcome.is_ok())
        .map(|entry| {
            let mut message = Map::new();
            message.insert("seq".into(), Value::from(entry.seq));
            for name in ["channel", "text", "blocks", "thread_ts"] {
                if let Some(value) = entry.param(name) {
                    message.insert(name.into(), Value::String(value.to_owned()));
                }
            }
            Value::Object(message)
        })
        .collect();
    let user_messages: Vec<Value> = state.events.messages.iter().map(message_json).collect();
    json!({ "messages": list, "user_messages": user_messages })
}

/// `GET /_mock/requests[?method=calls.add][&team_id=T…]`: the request log,
/// each entry with its arrival time on the fake's clock (`at`, seconds) and
/// the workspace its token belongs to (`team_id`).
pub(super) fn requests(fake: &FakeSlack, query: &str) -> Result<Value, Refusal> {
    let mut method = None;
    let mut team_id = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "method" => method = Some(value.into_owned()),
            "team_id" => team_id = Some(value.into_owned()),
            other => {
                return Err(Refusal::bad(format!(
                    "unknown query parameter `{other}`; this endpoint takes `method` and `team_id`"
                )));
            }
        }
    }
    let state = fake.lock();
    let list: Vec<Value> = state
        .log
        .iter()
        .filter(|entry| method.as_deref().is_none_or(|m| entry.method == m))
        .filter(|entry| {
            team_id
                .as_deref()
                .is_none_or(|t| entry.team_id.as_deref() == Some(t))
        })
        .map(logged_json)
        .collect();
    Ok(json!({ "requests": list }))
}

/// `POST /_mock/advance`: moves the rate-limit clock.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdvanceBody {
    seconds: f64,
}

pub(super) fn advance(fake: &FakeSlack, body: AdvanceBody) -> Answered {
    let by = Duration::try_from_secs_f64(body.seconds)
        .map_err(|_| Refusal::bad("`seconds` must be a finite number, zero or more"))?;
    let mut state = fake.lock();
    state.advanced = state.advanced.saturating_add(by);
    Ok(ok(json!({ "advanced_secs": state.advanced.as_secs_f64() })))
}

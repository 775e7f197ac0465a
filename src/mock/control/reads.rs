//! Reading the fake's state and moving its clock: `GET /_mock/messages`,
//! `GET /_mock/requests` and `POST /_mock/advance`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::mock::answer::Outcome;
use crate::mock::faults::Injected;
use crate::mock::log::{LoggedRequest, TokenSource};
use crate::mock::state::FakeSlack;

use super::app::message_json;
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

/// `GET /_mock/requests[?method=calls.add]`: the request log.
pub(super) fn requests(fake: &FakeSlack, query: &str) -> Result<Value, Refusal> {
    let mut method = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "method" => method = Some(value.into_owned()),
            other => {
                return Err(Refusal::bad(format!(
                    "unknown query parameter `{other}`; this endpoint takes `method`"
                )));
            }
        }
    }
    let state = fake.lock();
    let list: Vec<Value> = state
        .log
        .iter()
        .filter(|entry| method.as_deref().is_none_or(|m| entry.method == m))
        .map(logged_json)
        .collect();
    Ok(json!({ "requests": list }))
}

/// One log entry as JSON. The log never holds a token's text.
fn logged_json(entry: &LoggedRequest) -> Value {
    let params: Vec<Value> = entry
        .params
        .iter()
        .map(|(name, value)| json!([name, value]))
        .collect();
    let token_source = entry.token_source.map(|source| match source {
        TokenSource::Bearer => "bearer",
        TokenSource::FormField => "form_field",
        TokenSource::Query => "query",
    });
    let injected = entry.injected.as_ref().map(|injected| match injected {
        Injected::Fault(fault) => json!({ "fault": format!("{fault:?}") }),
        Injected::Scripted(script) => {
            json!({ "script": { "status": script.status(), "error": script.error_code() } })
        }
    });
    let (outcome, error, retry_after, status) = match &entry.outcome {
        Outcome::Ok => ("ok", None, None, None),
        Outcome::Error(code) => ("error", Some(code.clone()), None, None),
        Outcome::RateLimited { retry_after_secs } => {
            ("ratelimited", None, Some(*retry_after_secs), None)
        }
        Outcome::Skipped => ("skipped", None, None, None),
        Outcome::Refused(status) => ("refused", None, None, Some(*status)),
    };
    json!({
        "seq": entry.seq,
        "method": entry.method,
        "http_method": entry.http_method,
        "content_type": entry.content_type,
        "params": params,
        "token_kind": entry.token_kind.map(|kind| kind.to_string()),
        "token_source": token_source,
        "outcome": outcome,
        "error": error,
        "retry_after": retry_after,
        "status": status,
        "injected": injected,
    })
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

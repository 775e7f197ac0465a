//! The JSON shapes of the fake's state that more than one reader shows:
//! the control API (`GET /_mock/requests`, `/_mock/messages`,
//! `/_mock/deliveries`) and the page at the fake's root. One serialiser
//! each, so both always show the same thing.
//!
//! None of them ever holds a token's text or the app's signing secret:
//! the log keeps only a token's kind and source, and deliveries and
//! messages hold neither.

use serde_json::{Value, json};

use crate::state::faults::Injected;
use crate::state::log::{LoggedRequest, TokenSource};
use crate::talk_back::events::{DeliveryRecord, MessageRecord};
use crate::wire::answer::Verdict;

pub(crate) fn message_json(message: &MessageRecord) -> Value {
    json!({
        "team_id": message.team_id,
        "channel": message.channel,
        "ts": message.ts,
        "user": message.user,
        "text": message.text,
        "links": message.links,
        "unfurl_id": message.unfurl_id,
        "source": message.source,
        "unfurls": message.unfurls,
    })
}

/// One log entry as JSON. The log never holds a token's text.
pub(crate) fn logged_json(entry: &LoggedRequest) -> Value {
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
        Verdict::Ok => ("ok", None, None, None),
        Verdict::Error(code) => ("error", Some(code.clone()), None, None),
        Verdict::RateLimited { retry_after_secs } => {
            ("ratelimited", None, Some(*retry_after_secs), None)
        }
        Verdict::Skipped => ("skipped", None, None, None),
        Verdict::Refused(status) => ("refused", None, None, Some(*status)),
    };
    json!({
        "seq": entry.seq,
        "method": entry.method,
        "http_method": entry.http_method,
        "content_type": entry.content_type,
        "params": params,
        "token_kind": entry.token_kind.map(|kind| kind.to_string()),
        "token_source": token_source,
        "team_id": entry.team_id,
        "at": entry.at.as_secs_f64(),
        "outcome": outcome,
        "error": error,
        "retry_after": retry_after,
        "status": status,
        "injected": injected,
    })
}

/// One delivery attempt as JSON.
pub(crate) fn delivery_json(record: &DeliveryRecord) -> Value {
    json!({
        "event_id": record.event_id,
        "kind": record.kind,
        "attempt": record.attempt,
        "retry_reason": record.retry_reason.map(|r| r.as_str()),
        "status": record.status,
        "acked_in_time": record.acked_in_time,
        "failure": record.failure.map(|r| r.as_str()),
        "no_retry": record.no_retry,
    })
}

//! Scripted answers and faults queued for a method, and what is still
//! queued: `POST /_mock/script`, `POST /_mock/fault` and
//! `GET /_mock/injections`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::state::fake::FakeSlack;
use crate::state::faults::{Fault, Plan, Scripted};

use super::reply::{Answered, Refusal, check_method, check_times, ok};

fn queue(fake: &FakeSlack, method: &str, plan: Plan, times: usize) -> Value {
    let mut state = fake.lock();
    let queue = state.plans.entry(method.to_owned()).or_default();
    queue.push_back((plan, times));
    let pending: usize = queue.iter().map(|(_, n)| *n).sum();
    json!({ "method": method, "pending": pending })
}

/// `POST /_mock/script`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScriptBody {
    method: String,
    error: Option<String>,
    needed: Option<String>,
    provided: Option<String>,
    body: Option<Value>,
    status: Option<u16>,
    #[serde(default)]
    example: bool,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

pub(super) fn script(fake: &FakeSlack, body: ScriptBody) -> Answered {
    check_method(&body.method)?;
    check_times(body.times)?;
    let chosen = usize::from(body.error.is_some())
        + usize::from(body.body.is_some())
        + usize::from(body.example);
    if chosen != 1 {
        return Err(Refusal::bad(
            "give exactly one of `error` (a Slack error code), `body` (a JSON body) or `example: true`",
        ));
    }
    if body.error.is_none() && (body.needed.is_some() || body.provided.is_some()) {
        return Err(Refusal::bad("`needed` and `provided` go with `error`"));
    }
    if body.body.is_none() && body.status.is_some() {
        return Err(Refusal::bad(
            "`status` goes with `body`; an `error` or the example is sent as HTTP 200",
        ));
    }
    let mut scripted = if let Some(code) = body.error {
        if code.is_empty() {
            return Err(Refusal::bad("`error` is empty"));
        }
        let mut scripted = Scripted::error(code);
        if let Some(needed) = body.needed {
            scripted = scripted.needed(needed);
        }
        if let Some(provided) = body.provided {
            scripted = scripted.provided(provided);
        }
        scripted
    } else if let Some(json) = body.body {
        let status = body.status.unwrap_or(200);
        if !(100..=999).contains(&status) {
            return Err(Refusal::bad(format!(
                "`status` {status} is not an HTTP status (100 to 999)"
            )));
        }
        Scripted::json(status, json)
    } else {
        Scripted::example()
    };
    for warning in body.warnings {
        scripted = scripted.warning(warning);
    }
    for message in body.messages {
        scripted = scripted.message(message);
    }
    Ok(ok(queue(
        fake,
        &body.method,
        Plan::Script(scripted),
        body.times,
    )))
}

/// `POST /_mock/fault`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaultBody {
    method: String,
    fault: String,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
    #[serde(default = "one")]
    times: usize,
}

/// The fault names, as `POST /_mock/fault` takes them.
const FAULTS: &str = "status, rate_limited, delay, drop, drop_after_handling, truncated, \
                      broken_body, not_json";

pub(super) fn fault(fake: &FakeSlack, body: FaultBody) -> Answered {
    check_method(&body.method)?;
    check_times(body.times)?;
    let name = body.fault.as_str();
    let extra = |field: &str, allowed: &str| {
        Refusal::bad(format!(
            "`{field}` does not go with fault `{name}`{allowed}"
        ))
    };
    if body.status.is_some() && name != "status" {
        return Err(extra("status", ""));
    }
    if body.retry_after.is_some() && name != "rate_limited" {
        return Err(extra("retry_after", ""));
    }
    if body.delay_ms.is_some() && name != "delay" {
        return Err(extra("delay_ms", ""));
    }
    let fault = match name {
        "status" => {
            let status = body
                .status
                .ok_or_else(|| Refusal::bad("fault `status` needs `status`, such as 503"))?;
            if !(100..=999).contains(&status) {
                return Err(Refusal::bad(format!(
                    "`status` {status} is not an HTTP status (100 to 999)"
                )));
            }
            Fault::Status(status)
        }
        "rate_limited" => Fault::RateLimited {
            retry_after_secs: body.retry_after.unwrap_or(1),
        },
        "delay" => Fault::Delay(Duration::from_millis(body.delay_ms.ok_or_else(|| {
            Refusal::bad("fault `delay` needs `delay_ms`, the wait in milliseconds")
        })?)),
        "drop" => Fault::Drop,
        "drop_after_handling" => Fault::DropAfterHandling,
        "truncated" => Fault::Truncated,
        "broken_body" => Fault::BrokenBody,
        "not_json" => Fault::NotJson,
        other => {
            return Err(Refusal::bad(format!(
                "`{other}` is not a fault; the faults are: {FAULTS}"
            )));
        }
    };
    Ok(ok(queue(
        fake,
        &body.method,
        Plan::Fault(fault),
        body.times,
    )))
}

/// `GET /_mock/injections`: what is still queued, per method.
pub(super) fn injections(fake: &FakeSlack) -> Value {
    let state = fake.lock();
    let mut pending: Vec<(&String, usize)> = state
        .plans
        .iter()
        .map(|(method, queue)| (method, queue.iter().map(|(_, n)| *n).sum()))
        .collect();
    pending.sort();
    let map: Map<String, Value> = pending
        .into_iter()
        .map(|(method, n)| (method.clone(), Value::from(n)))
        .collect();
    json!({ "pending": map })
}

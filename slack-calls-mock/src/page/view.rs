//! The page's data: one JSON snapshot of the fake, read under the same
//! locks and from the same state the control API reads, with the control
//! API's own serialisers ([`state_json`](crate::state::state_json)) for
//! requests, deliveries and users' messages, and [`CallRecord::to_json`]
//! for Calls. No second model: the page only arranges what is there.
//!
//! Never in it: a token's text, the app's signing secret, or a request's
//! params (`oauth.v2.access` sends a client secret).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::api::users::real_name;
use crate::state::call_store::{CallRecord, Participant};
use crate::state::directory::{Directory, WorkspaceConfig};
use crate::state::fake::{FakeSlack, MockState};
use crate::state::faults::{Fault, Injected};
use crate::state::state_json::{delivery_json, logged_json, message_json};
use crate::talk_back::events::{Initiation, InitiationOutcome, unix_now};

/// How many of the newest requests the page shows.
pub(super) const REQUESTS_SHOWN: usize = 200;

/// The whole snapshot: `{"now", "app", "workspaces", "deliveries",
/// "responses", "requests", "requests_total"}`. A Call-initiation's
/// delivery carries what came of the press (`initiation`); a request,
/// whether an injected fault broke its answer (`transport_fault`).
pub(super) fn snapshot(fake: &FakeSlack) -> Value {
    // The directory before the state, as everywhere in the fake.
    let directory = fake.directory();
    let state = fake.lock();
    let now = unix_now();
    let limit_now = fake.clock.now(state.advanced);
    let workspaces: Vec<Value> = directory
        .workspaces
        .iter()
        .enumerate()
        .map(|(index, workspace)| {
            let place = Place {
                directory: &directory,
                index,
                workspace,
            };
            workspace_json(fake, &state, &place, now, limit_now)
        })
        .collect();
    // The Call-button presses, by the delivery that sent each.
    let presses: BTreeMap<usize, (u64, &Initiation)> = state
        .events
        .initiations
        .iter()
        .filter_map(|(press, initiation)| Some((initiation.delivery?, (*press, initiation))))
        .collect();
    let deliveries: Vec<Value> = state
        .events
        .deliveries
        .iter()
        .enumerate()
        .map(|(index, delivery)| {
            let mut json = delivery_json(delivery);
            if let (Some((press, initiation)), Value::Object(map)) =
                (presses.get(&index), &mut json)
            {
                map.insert(
                    "initiation".into(),
                    initiation_json(&state, *press, initiation),
                );
            }
            json
        })
        .collect();
    // What apps posted to the Call button's response URLs: the kind of
    // answer and where the Call opens, never the rest of the body.
    let responses: Vec<Value> = state
        .events
        .responses
        .iter()
        .filter(|(_, posts)| !posts.is_empty())
        .map(|(press, posts)| {
            let first: Value = serde_json::from_slice(&posts[0]).unwrap_or(Value::Null);
            json!({
                "press": press,
                "posts": posts.len(),
                "response_type": first.get("response_type").and_then(Value::as_str),
                "call_initiation_url": first.get("call_initiation_url").and_then(Value::as_str),
            })
        })
        .collect();
    let total = state.log.len();
    let requests: Vec<Value> = state
        .log
        .iter()
        .skip(total.saturating_sub(REQUESTS_SHOWN))
        .map(|entry| {
            let mut json = logged_json(entry);
            if let Value::Object(map) = &mut json {
                map.remove("params");
                // Whether the client got no answer, or a broken or non-Slack
                // one (every injected fault but a delay).
                let broken = matches!(
                    entry.injected,
                    Some(Injected::Fault(fault)) if !matches!(fault, Fault::Delay(_))
                );
                map.insert("transport_fault".into(), json!(broken));
            }
            json
        })
        .collect();
    json!({
        "now": now,
        "app": state.events.app.as_ref().map(|app| json!({
            "app_id": app.app_id,
            "request_url": app.request_url,
            "unfurl_domains": app.unfurl_domains,
        })),
        "workspaces": workspaces,
        "deliveries": deliveries,
        "responses": responses,
        "requests": requests,
        "requests_total": total,
    })
}

/// What came of Call-button press `press`: `{"press", "outcome": "call" |
/// "no_call" | "waiting", "call_initiation_url", "via": "response" |
/// "response_url", "why", "posts"}` (`posts`: how many answers the app
/// posted to the press's `response_url`; the first one counts).
fn initiation_json(state: &MockState, press: u64, initiation: &Initiation) -> Value {
    let posts = state.events.responses.get(&press).map_or(0, Vec::len);
    let mut json = json!({ "press": press, "posts": posts });
    if let Value::Object(map) = &mut json {
        match &initiation.outcome {
            None => {
                map.insert("outcome".into(), json!("waiting"));
            }
            Some(InitiationOutcome::Call {
                url,
                via_response_url,
            }) => {
                map.insert("outcome".into(), json!("call"));
                map.insert("call_initiation_url".into(), json!(url));
                let via = if *via_response_url {
                    "response_url"
                } else {
                    "response"
                };
                map.insert("via".into(), json!(via));
            }
            Some(InitiationOutcome::NoCall(why)) => {
                map.insert("outcome".into(), json!("no_call"));
                map.insert("why".into(), json!(why));
            }
        }
    }
    json
}

/// A workspace and where it sits in the directory.
#[derive(Clone, Copy)]
struct Place<'a> {
    directory: &'a Directory,
    index: usize,
    workspace: &'a WorkspaceConfig,
}

/// One workspace: its people, channels with messages, Calls and
/// rate-limit windows. Calls are not stored per workspace: a Call belongs
/// to the workspace whose directory has its creator (the first workspace
/// when none has).
fn workspace_json(
    fake: &FakeSlack,
    state: &MockState,
    place: &Place<'_>,
    now: i64,
    limit_now: std::time::Duration,
) -> Value {
    let Place {
        directory,
        index,
        workspace,
    } = *place;
    let users: Vec<Value> = workspace
        .directory
        .iter()
        .map(|id| json!({ "id": id, "name": real_name(id) }))
        .collect();
    let mut channel_ids: BTreeSet<&str> = workspace.channels.iter().map(String::as_str).collect();
    for (ws, channel, _) in state.messages.keys() {
        if *ws == index {
            channel_ids.insert(channel);
        }
    }
    for message in &state.events.messages {
        if message.team_id == workspace.team_id {
            channel_ids.insert(&message.channel);
        }
    }
    let channels: Vec<Value> = channel_ids
        .into_iter()
        .map(|channel| channel_json(state, index, workspace, channel))
        .collect();
    let calls: Vec<Value> = state
        .calls
        .all()
        .filter(|call| owner(directory, call) == index)
        .map(|call| call_json(state, workspace, call, now))
        .collect();
    let limits: Vec<Value> = state
        .limiter
        .windows(limit_now)
        .into_iter()
        .filter(|window| window.team_id == workspace.team_id)
        .map(|window| {
            let limit = fake
                .config
                .methods
                .get(window.method)
                .and_then(|info| fake.config.limit_mode.per_minute(info));
            let paused = limit.is_some_and(|limit| window.count >= limit as usize);
            json!({
                "method": window.method,
                "count": window.count,
                "limit": limit,
                "paused_secs": paused.then(|| window.frees_in.map(|wait| fake.clock.real_secs(wait))).flatten(),
            })
        })
        .collect();
    json!({
        "team_id": workspace.team_id,
        "name": workspace.name,
        "users": users,
        "channels": channels,
        "calls": calls,
        "rate_limits": limits,
    })
}

/// The index of the workspace a Call belongs to: the first whose
/// directory has its creator, else the first workspace.
fn owner(directory: &Directory, call: &CallRecord) -> usize {
    directory
        .workspaces
        .iter()
        .position(|w| w.directory.contains(&call.created_by))
        .unwrap_or(0)
}

/// One conversation with its messages, oldest first: those the app
/// posted (as `chat.update` left them) and those fake users posted (with
/// the app's unfurls).
fn channel_json(state: &MockState, index: usize, workspace: &WorkspaceConfig, id: &str) -> Value {
    let name = workspace
        .channel_names
        .iter()
        .find(|(_, channel)| *channel == id)
        .map(|(name, _)| name.clone());
    let mut messages: Vec<(String, Value)> = state
        .messages
        .iter()
        .filter(|((ws, channel, _), _)| *ws == index && channel == id)
        .map(|((_, _, ts), message)| {
            let mut message = message.clone();
            if let Value::Object(map) = &mut message {
                map.insert("from".into(), json!("app"));
                map.insert("call_ids".into(), json!(call_ids(map.get("blocks"))));
                map.remove("bot_profile");
            }
            (ts.clone(), message)
        })
        .collect();
    for message in &state.events.messages {
        if message.team_id == workspace.team_id && message.channel == id {
            let mut json = message_json(message);
            if let Value::Object(map) = &mut json {
                map.insert("from".into(), json!("user"));
                let unfurled: Map<String, Value> = message
                    .unfurls
                    .iter()
                    .map(|(url, unfurl)| (url.clone(), json!(call_ids(Some(unfurl)))))
                    .collect();
                map.insert("unfurled_call_ids".into(), Value::Object(unfurled));
            }
            messages.push((message.ts.clone(), json));
        }
    }
    messages.sort_by(|a, b| ts_key(&a.0).total_cmp(&ts_key(&b.0)));
    json!({
        "id": id,
        "name": name,
        "dm": id.starts_with('D'),
        "messages": messages.into_iter().map(|(_, m)| m).collect::<Vec<_>>(),
    })
}

/// A message timestamp as a number, for ordering.
fn ts_key(ts: &str) -> f64 {
    ts.parse().unwrap_or(0.0)
}

/// The ids of the `call` blocks anywhere in `blocks`, in order.
pub(super) fn call_ids(blocks: Option<&Value>) -> Vec<String> {
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some("call")
                    && let Some(id) = map.get("call_id").and_then(Value::as_str)
                {
                    out.push(id.to_owned());
                }
                map.values().for_each(|item| walk(item, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(blocks) = blocks {
        walk(blocks, &mut out);
    }
    out
}

/// A Call as the control API gives it, with what the page adds: each
/// participant's name, whether it ended, how long it lasted (or has run),
/// and its history.
fn call_json(state: &MockState, workspace: &WorkspaceConfig, call: &CallRecord, now: i64) -> Value {
    let mut json = call.to_json();
    let end = call.date_end.unwrap_or(now);
    let history: Vec<Value> = state
        .calls
        .history(&call.id)
        .iter()
        .map(|(at, change)| {
            let mut json = change.to_json(*at);
            if let Some(Value::Array(users)) = json.get_mut("users") {
                for (user, participant) in users.iter_mut().zip(change.users()) {
                    if let Value::Object(map) = user {
                        map.insert("name".into(), json!(name_of(participant, workspace)));
                    }
                }
            }
            json
        })
        .collect();
    if let Value::Object(map) = &mut json {
        let users: Vec<Value> = call
            .users
            .iter()
            .map(|user| named(user, workspace))
            .collect();
        map.insert("users".into(), Value::Array(users));
        map.insert("created_by_name".into(), json!(real_name(&call.created_by)));
        map.insert("ended".into(), json!(call.is_ended()));
        map.insert(
            "duration_secs".into(),
            json!(end.saturating_sub(call.date_start).max(0)),
        );
        map.insert("history".into(), Value::Array(history));
    }
    json
}

/// A participant as Slack's JSON, with `name` ([`name_of`]).
fn named(user: &Participant, workspace: &WorkspaceConfig) -> Value {
    let mut json = user.to_json();
    if let Value::Object(map) = &mut json {
        map.insert("name".into(), json!(name_of(user, workspace)));
    }
    json
}

/// What the page calls a participant: a Slack user's full name, or an
/// external user's display name.
fn name_of(user: &Participant, workspace: &WorkspaceConfig) -> String {
    match (&user.slack_id, &user.display_name, &user.external_id) {
        (Some(id), _, _) if workspace.directory.contains(id) => real_name(id),
        (Some(id), _, _) => id.clone(),
        (None, Some(name), _) => name.clone(),
        (None, None, Some(id)) => id.clone(),
        (None, None, None) => "an unnamed user".to_owned(),
    }
}

//! The stateful Calls family: `calls.add`, `calls.info`, `calls.update`,
//! `calls.end`, `calls.participants.add` and `calls.participants.remove`
//! keep real Calls with ids, rosters and end times, and answer every error
//! Slack documents where Slack gives it.
//!
//! The rules it follows where Slack's documentation is silent are listed
//! in the [module docs](crate::mock#calls), which users read.

use std::collections::BTreeSet;

use serde_json::Value;

use slack_calls::TokenKind;
use slack_calls::method::MethodInfo;

use crate::api::family::{Caller, Exchange, Family};
use crate::state::call_store::{CallChange, CallRecord, CallStore, Participant};
use crate::wire::answer::{OkBody, Reply, SlackError};
use crate::wire::params::{ParamProblem, Params, Problem, check_url};

/// The Calls family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &[
        "calls.add",
        "calls.info",
        "calls.update",
        "calls.end",
        "calls.participants.add",
        "calls.participants.remove",
    ],
    reads_json: true,
    param_error,
    answer,
};

/// `{"ok":true,"call":{…}}`, written straight to bytes.
fn call_reply(call: &CallRecord) -> Reply {
    let mut body = OkBody::new();
    call.write_json(body.field("call"));
    body.finish()
}

/// Answers one method of the family.
fn answer(exchange: Exchange<'_>) -> Result<Reply, SlackError> {
    let Exchange {
        method,
        params,
        caller,
        workspace,
        state,
        now,
        ..
    } = exchange;
    let store = &mut state.calls;
    let directory = &workspace.directory;
    match method.name {
        "calls.add" => add(store, params, &caller, directory, now),
        "calls.info" => {
            let call = find(store, params)?;
            Ok(call_reply(call))
        }
        "calls.update" => update(store, params, now),
        "calls.end" => end(store, params, now),
        "calls.participants.add" => change_roster(store, params, directory, RosterChange::Add, now),
        "calls.participants.remove" => {
            change_roster(store, params, directory, RosterChange::Remove, now)
        }
        other => Err(SlackError::new("internal_error")
            .because(format!("slack-calls-mock has no handler for {other}"))),
    }
}

fn find<'s>(store: &'s CallStore, params: &Params) -> Result<&'s CallRecord, SlackError> {
    let id = params.text("id").unwrap_or_default();
    store.get(id).ok_or_else(|| unknown_call(id))
}

fn find_mut<'s>(
    store: &'s mut CallStore,
    params: &Params,
) -> Result<&'s mut CallRecord, SlackError> {
    let id = params.text("id").unwrap_or_default();
    store.get_mut(id).ok_or_else(|| unknown_call(id))
}

fn add(
    store: &mut CallStore,
    params: &Params,
    caller: &Caller<'_>,
    directory: &BTreeSet<String>,
    now: i64,
) -> Result<Reply, SlackError> {
    let created_by = match (params.text("created_by"), caller.kind) {
        (Some(user), _) if directory.contains(user) => user.to_owned(),
        (Some(user), _) => {
            return Err(SlackError::new("invalid_created_by")
                .because(format!("created_by {user} is not a user of this workspace")));
        }
        (None, TokenKind::User) => match caller.user {
            Some(user) => user.to_owned(),
            None => {
                return Err(SlackError::new("invalid_created_by")
                    .because("the user token acts for no user the fake knows; pass created_by"));
            }
        },
        (None, _) => {
            return Err(SlackError::new("invalid_created_by")
                .because("created_by is required when calling with a bot token (xoxb-)"));
        }
    };
    let date_start = match params.int("date_start") {
        Some(start) if start < 0 => {
            return Err(SlackError::new("invalid_start_time")
                .because(format!("date_start {start} is before 1970")));
        }
        Some(start) => start,
        None => now,
    };
    let join_url = required_url(params, "join_url")?;
    let desktop_app_join_url = optional_url(params, "desktop_app_join_url")?;
    let users = match params.json("users") {
        Some(value) => {
            let users = parse_users(value, true)?;
            check_known(&users, directory)?;
            let mut roster: Vec<Participant> = Vec::new();
            for (index, user) in users.into_iter().enumerate() {
                if roster.iter().any(|p| p.same_person(&user)) {
                    return Err(SlackError::new("invalid_arguments")
                        .because(format!("users[{index}]: {} is listed twice", user.label())));
                }
                roster.push(user);
            }
            roster
        }
        None => Vec::new(),
    };
    let external_unique_id = params
        .text("external_unique_id")
        .unwrap_or_default()
        .to_owned();
    let call = store.insert_with(|id| CallRecord {
        id,
        external_unique_id,
        join_url,
        desktop_app_join_url,
        external_display_id: params.text("external_display_id").map(str::to_owned),
        title: params.text("title").map(str::to_owned),
        created_by,
        date_start,
        date_end: None,
        users,
        channels: Vec::new(),
    });
    let (id, users) = (call.id.clone(), call.users.clone());
    store.note(&id, now, CallChange::Added(users));
    Ok(call_reply(store.get(&id).ok_or_else(|| unknown_call(&id))?))
}

fn update(store: &mut CallStore, params: &Params, now: i64) -> Result<Reply, SlackError> {
    let join_url = optional_url(params, "join_url")?;
    let desktop_app_join_url = optional_url(params, "desktop_app_join_url")?;
    let call = find_mut(store, params)?;
    let mut fields = Vec::new();
    if let Some(title) = params.text("title") {
        call.title = Some(title.to_owned());
        fields.push("title");
    }
    if let Some(url) = join_url {
        call.join_url = url;
        fields.push("join_url");
    }
    if let Some(url) = desktop_app_join_url {
        call.desktop_app_join_url = Some(url);
        fields.push("desktop_app_join_url");
    }
    let id = call.id.clone();
    store.note(&id, now, CallChange::Updated(fields));
    Ok(call_reply(store.get(&id).ok_or_else(|| unknown_call(&id))?))
}

fn end(store: &mut CallStore, params: &Params, now: i64) -> Result<Reply, SlackError> {
    let duration = params.int("duration");
    if let Some(duration) = duration
        && duration < 0
    {
        return Err(SlackError::new("invalid_arguments")
            .because(format!("duration {duration} is negative")));
    }
    let call = find_mut(store, params)?;
    if call.is_ended() {
        return Err(inactive(&call.id));
    }
    call.date_end = Some(match duration {
        Some(duration) => call.date_start.saturating_add(duration),
        None => now,
    });
    let id = call.id.clone();
    store.note(&id, now, CallChange::Ended);
    Ok(call_reply(store.get(&id).ok_or_else(|| unknown_call(&id))?))
}

fn change_roster(
    store: &mut CallStore,
    params: &Params,
    directory: &BTreeSet<String>,
    change: RosterChange,
    now: i64,
) -> Result<Reply, SlackError> {
    // The participants methods declare `bad_users` for malformed entries.
    let users = match params.json("users") {
        Some(value) => parse_users(value, change == RosterChange::Add).map_err(|mut error| {
            error.code = "bad_users".into();
            error
        })?,
        None => Vec::new(),
    };
    if users.is_empty() {
        return Err(SlackError::new("missing_argument").because("missing required field: users"));
    }
    let call = find_mut(store, params)?;
    if call.is_ended() {
        return Err(inactive(&call.id));
    }
    check_known(&users, directory)?;
    let mut roster = call.users.clone();
    let changed = users.clone();
    for (index, user) in users.into_iter().enumerate() {
        match change {
            RosterChange::Add => {
                if roster.iter().any(|p| p.same_person(&user)) {
                    return Err(SlackError::new("bad_users").because(format!(
                        "users[{index}]: {} is already in the call",
                        user.label()
                    )));
                }
                roster.push(user);
            }
            RosterChange::Remove => match roster.iter().position(|p| p.same_person(&user)) {
                Some(at) => {
                    roster.remove(at);
                }
                None => {
                    return Err(SlackError::new("bad_users").because(format!(
                        "users[{index}]: {} is not in the call",
                        user.label()
                    )));
                }
            },
        }
    }
    call.users = roster;
    let id = call.id.clone();
    let change = match change {
        RosterChange::Add => CallChange::Joined(changed),
        RosterChange::Remove => CallChange::Left(changed),
    };
    store.note(&id, now, change);
    Ok(call_reply(store.get(&id).ok_or_else(|| unknown_call(&id))?))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RosterChange {
    Add,
    Remove,
}

/// The Calls family's own codes for params the generic checks refused;
/// `None` leaves the generic rule.
pub(crate) fn param_error(method: &MethodInfo, problem: &ParamProblem) -> Option<SlackError> {
    let missing = matches!(
        problem.problem,
        Problem::Missing | Problem::MissingWithBotToken | Problem::TooFew { .. }
    );
    let code = match (method.name, problem.param) {
        ("calls.add", "created_by") => "invalid_created_by",
        ("calls.add", "date_start") => "invalid_start_time",
        // The participants methods declare `bad_users` for a malformed entry.
        ("calls.participants.add" | "calls.participants.remove", "users") if !missing => {
            "bad_users"
        }
        // A missing id or users is Slack's `missing_argument` for the
        // participants methods (they declare it); a malformed id is an
        // unknown call everywhere.
        (_, "id") if !missing => "invalid_call_id",
        _ => return None,
    };
    Some(SlackError::new(code).because(problem.describe()))
}

fn unknown_call(id: &str) -> SlackError {
    SlackError::new("invalid_call_id").because(format!("no call has id `{id}`"))
}

fn inactive(id: &str) -> SlackError {
    SlackError::new("inactive_call").because(format!("call {id} has ended"))
}

fn required_url(params: &Params, name: &str) -> Result<String, SlackError> {
    optional_url(params, name)?.ok_or_else(|| {
        SlackError::new("invalid_arguments").because(format!("missing required field: {name}"))
    })
}

/// URLs are checked here as well as by type, in case a spec declares the
/// param as a plain string.
fn optional_url(params: &Params, name: &str) -> Result<Option<String>, SlackError> {
    match params.text(name) {
        Some(url) => check_url(url)
            .map(|()| Some(url.to_owned()))
            .map_err(|reason| {
                SlackError::new("invalid_arguments").because(format!("invalid {name}: {reason}"))
            }),
        None => Ok(None),
    }
}

/// Reads a `users` value (a JSON list, or JSON text of one) into
/// participants. `adding` requires a display name for external users.
fn parse_users(value: &Value, adding: bool) -> Result<Vec<Participant>, SlackError> {
    let parsed;
    let value = match value {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).map_err(|err| {
                SlackError::new("invalid_arguments").because(format!("users is not JSON: {err}"))
            })?;
            &parsed
        }
        other => other,
    };
    let Value::Array(items) = value else {
        return Err(SlackError::new("invalid_arguments").because("users must be a JSON list"));
    };
    let mut users = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let bad = |reason: &str| {
            SlackError::new("invalid_arguments").because(format!("users[{index}]: {reason}"))
        };
        let Value::Object(fields) = item else {
            return Err(bad("must be an object"));
        };
        let field = |name: &str| -> Result<Option<String>, SlackError> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(bad(&format!("{name} must be a string"))),
            }
        };
        let user = Participant {
            slack_id: field("slack_id")?,
            external_id: field("external_id")?,
            display_name: field("display_name")?,
            avatar_url: field("avatar_url")?,
        };
        if user.slack_id.is_none() && user.external_id.is_none() {
            return Err(bad("needs a slack_id or an external_id"));
        }
        if adding && user.slack_id.is_none() && user.display_name.is_none() {
            return Err(bad("an external user needs a display_name"));
        }
        users.push(user);
    }
    Ok(users)
}

fn check_known(users: &[Participant], directory: &BTreeSet<String>) -> Result<(), SlackError> {
    for (index, user) in users.iter().enumerate() {
        if let Some(id) = &user.slack_id
            && !directory.contains(id)
        {
            return Err(SlackError::new("user_not_found")
                .because(format!("users[{index}]: no user has id {id}")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_parse_from_text_or_json() {
        let users = parse_users(
            &json!(r#"[{"slack_id":"U1"},{"external_id":"e","display_name":"E","avatar_url":"https://x/"}]"#),
            true,
        )
        .unwrap();
        assert_eq!(users[0], Participant::slack("U1"));
        assert_eq!(users[1].avatar_url.as_deref(), Some("https://x/"));
        for bad in [
            json!("["),
            json!({}),
            json!([1]),
            json!([{}]),
            json!([{"slack_id": 5}]),
            json!([{"external_id": "e"}]),
        ] {
            assert_eq!(
                parse_users(&bad, true).map_err(|e| e.code),
                Err("invalid_arguments".into()),
                "{bad}"
            );
        }
        assert!(parse_users(&json!([{"external_id": "e"}]), false).is_ok());
    }
}

//! The stateful Calls family: `calls.add`, `calls.info`, `calls.update`,
//! `calls.end`, `calls.participants.add` and `calls.participants.remove`
//! keep real Calls with ids, rosters and end times, and answer every error
//! Slack documents where Slack gives it.
//!
//! The rules it follows where Slack's documentation is silent are listed
//! in the [module docs](crate::mock#calls), which users read.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::answer::SlackError;
use super::params::{ParamProblem, Params, Problem, check_url};

/// The methods this module answers.
pub(crate) const STATEFUL: &[&str] = &[
    "calls.add",
    "calls.info",
    "calls.update",
    "calls.end",
    "calls.participants.add",
    "calls.participants.remove",
];

/// A Call as the fake stores it (a snapshot, from
/// [`MockSlack::call`](crate::mock::MockSlack::call)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallRecord {
    /// `R` and ten uppercase letters or digits.
    pub id: String,
    /// The provider's id for the call.
    pub external_unique_id: String,
    /// The join link.
    pub join_url: String,
    /// The desktop app's join link, if set.
    pub desktop_app_join_url: Option<String>,
    /// The human-readable id, if set.
    pub external_display_id: Option<String>,
    /// The call's name, if set.
    pub title: Option<String>,
    /// The Slack user who created the call.
    pub created_by: String,
    /// Start, in Unix seconds.
    pub date_start: i64,
    /// End, in Unix seconds, once ended.
    pub date_end: Option<i64>,
    /// The current roster, in the order people were added.
    pub users: Vec<Participant>,
    /// Channels the call was posted in (by `chat.postMessage` with a
    /// `call` block naming it), in the order of the first post.
    pub channels: Vec<String>,
}

impl CallRecord {
    /// True once `calls.end` succeeded.
    pub fn is_ended(&self) -> bool {
        self.date_end.is_some()
    }

    /// The call as Slack's JSON `call` object.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), json!(self.id));
        map.insert("date_start".into(), json!(self.date_start));
        map.insert("external_unique_id".into(), json!(self.external_unique_id));
        map.insert("join_url".into(), json!(self.join_url));
        for (key, value) in [
            ("desktop_app_join_url", &self.desktop_app_join_url),
            ("external_display_id", &self.external_display_id),
            ("title", &self.title),
        ] {
            if let Some(value) = value {
                map.insert(key.into(), json!(value));
            }
        }
        map.insert(
            "users".into(),
            Value::Array(self.users.iter().map(Participant::to_json).collect()),
        );
        if !self.channels.is_empty() {
            map.insert("channels".into(), json!(self.channels));
        }
        if let Some(date_end) = self.date_end {
            map.insert("date_end".into(), json!(date_end));
        }
        Value::Object(map)
    }
}

/// One person in a call: a Slack user, an external user, or both at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Participant {
    /// The Slack user id.
    pub slack_id: Option<String>,
    /// The provider's id for the user.
    pub external_id: Option<String>,
    /// The name shown for an external user.
    pub display_name: Option<String>,
    /// The picture shown for an external user.
    pub avatar_url: Option<String>,
}

impl Participant {
    /// A Slack user.
    pub fn slack(id: impl Into<String>) -> Participant {
        Participant {
            slack_id: Some(id.into()),
            external_id: None,
            display_name: None,
            avatar_url: None,
        }
    }

    /// An external user.
    pub fn external(id: impl Into<String>, display_name: impl Into<String>) -> Participant {
        Participant {
            slack_id: None,
            external_id: Some(id.into()),
            display_name: Some(display_name.into()),
            avatar_url: None,
        }
    }

    /// True when both name the same person (a shared `slack_id` or a shared
    /// `external_id`).
    pub fn same_person(&self, other: &Participant) -> bool {
        let shared =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a == b);
        shared(&self.slack_id, &other.slack_id) || shared(&self.external_id, &other.external_id)
    }

    /// The participant as Slack's JSON.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for (key, value) in [
            ("slack_id", &self.slack_id),
            ("external_id", &self.external_id),
            ("display_name", &self.display_name),
            ("avatar_url", &self.avatar_url),
        ] {
            if let Some(value) = value {
                map.insert(key.into(), json!(value));
            }
        }
        Value::Object(map)
    }

    fn label(&self) -> String {
        match (&self.slack_id, &self.external_id) {
            (Some(id), _) => id.clone(),
            (None, Some(id)) => format!("external user {id}"),
            (None, None) => "an unnamed user".into(),
        }
    }
}

/// Who is asking.
pub(crate) struct Caller<'a> {
    pub kind: TokenKind,
    /// The user a user token acts for.
    pub user: Option<&'a str>,
}

/// Every call, by id.
#[derive(Debug)]
pub(crate) struct CallStore {
    calls: BTreeMap<String, CallRecord>,
    created: u64,
    seed: u64,
}

const ID_SPACE: u64 = 3_656_158_440_062_976; // 36^10
const ID_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl CallStore {
    pub fn new(seed: u64) -> CallStore {
        CallStore {
            calls: BTreeMap::new(),
            created: 0,
            seed: seed % ID_SPACE,
        }
    }

    pub fn get(&self, id: &str) -> Option<&CallRecord> {
        self.calls.get(id)
    }

    /// Records that a `call` block for `id` was posted in `channel`.
    pub fn posted_in(&mut self, id: &str, channel: &str) {
        if let Some(call) = self.calls.get_mut(id)
            && !call.channels.iter().any(|c| c == channel)
        {
            call.channels.push(channel.to_owned());
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &CallRecord> {
        self.calls.values()
    }

    /// A fresh id: `R` and ten base-36 digits. The counter goes through an
    /// affine map that is a bijection on 36^10 (the factor is prime to 2
    /// and 3), so ids never repeat and do not look sequential.
    fn next_id(&mut self) -> String {
        const FACTOR: u128 = 1_306_870_193_441; // prime to 2 and 3
        let mut n = ((u128::from(self.created) * FACTOR + u128::from(self.seed))
            % u128::from(ID_SPACE)) as u64;
        self.created += 1;
        let mut digits = [b'0'; 10];
        for digit in digits.iter_mut().rev() {
            *digit = ID_ALPHABET[(n % 36) as usize];
            n /= 36;
        }
        let mut id = String::from("R");
        id.extend(digits.iter().map(|b| char::from(*b)));
        id
    }

    /// Answers one stateful method. `now` is Unix seconds.
    pub fn handle(
        &mut self,
        method: &MethodInfo,
        params: &Params,
        caller: &Caller<'_>,
        directory: &BTreeSet<String>,
        now: i64,
    ) -> Result<Value, SlackError> {
        match method.name {
            "calls.add" => self.add(params, caller, directory, now),
            "calls.info" => {
                let call = self.find(params)?;
                Ok(json!({ "ok": true, "call": call.to_json() }))
            }
            "calls.update" => self.update(params),
            "calls.end" => self.end(params, now),
            "calls.participants.add" => self.change_roster(params, directory, Roster::Add),
            "calls.participants.remove" => self.change_roster(params, directory, Roster::Remove),
            other => Err(SlackError::new("internal_error")
                .because(format!("slack-calls-mock has no handler for {other}"))),
        }
    }

    fn find(&self, params: &Params) -> Result<&CallRecord, SlackError> {
        let id = params.text("id").unwrap_or_default();
        self.calls.get(id).ok_or_else(|| unknown_call(id))
    }

    fn find_mut(&mut self, params: &Params) -> Result<&mut CallRecord, SlackError> {
        let id = params.text("id").unwrap_or_default();
        self.calls.get_mut(id).ok_or_else(|| unknown_call(id))
    }

    fn add(
        &mut self,
        params: &Params,
        caller: &Caller<'_>,
        directory: &BTreeSet<String>,
        now: i64,
    ) -> Result<Value, SlackError> {
        let created_by = match (params.text("created_by"), caller.kind) {
            (Some(user), _) if directory.contains(user) => user.to_owned(),
            (Some(user), _) => {
                return Err(SlackError::new("invalid_created_by")
                    .because(format!("created_by {user} is not a user of this workspace")));
            }
            (None, TokenKind::User) => match caller.user {
                Some(user) => user.to_owned(),
                None => {
                    return Err(SlackError::new("invalid_created_by").because(
                        "the user token acts for no user the fake knows; pass created_by",
                    ));
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
        let id = self.next_id();
        let call = CallRecord {
            id: id.clone(),
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
        };
        let body = json!({ "ok": true, "call": call.to_json() });
        self.calls.insert(id, call);
        Ok(body)
    }

    fn update(&mut self, params: &Params) -> Result<Value, SlackError> {
        let join_url = optional_url(params, "join_url")?;
        let desktop_app_join_url = optional_url(params, "desktop_app_join_url")?;
        let call = self.find_mut(params)?;
        if let Some(title) = params.text("title") {
            call.title = Some(title.to_owned());
        }
        if let Some(url) = join_url {
            call.join_url = url;
        }
        if let Some(url) = desktop_app_join_url {
            call.desktop_app_join_url = Some(url);
        }
        Ok(json!({ "ok": true, "call": call.to_json() }))
    }

    fn end(&mut self, params: &Params, now: i64) -> Result<Value, SlackError> {
        let duration = params.int("duration");
        if let Some(duration) = duration
            && duration < 0
        {
            return Err(SlackError::new("invalid_arguments")
                .because(format!("duration {duration} is negative")));
        }
        let call = self.find_mut(params)?;
        if call.is_ended() {
            return Err(inactive(&call.id));
        }
        call.date_end = Some(match duration {
            Some(duration) => call.date_start.saturating_add(duration),
            None => now,
        });
        Ok(json!({ "ok": true, "call": call.to_json() }))
    }

    fn change_roster(
        &mut self,
        params: &Params,
        directory: &BTreeSet<String>,
        change: Roster,
    ) -> Result<Value, SlackError> {
        // The participants methods declare `bad_users` for malformed entries.
        let users = match params.json("users") {
            Some(value) => parse_users(value, change == Roster::Add).map_err(|mut error| {
                error.code = "bad_users".into();
                error
            })?,
            None => Vec::new(),
        };
        if users.is_empty() {
            return Err(
                SlackError::new("missing_argument").because("missing required field: users")
            );
        }
        let call = self.find_mut(params)?;
        if call.is_ended() {
            return Err(inactive(&call.id));
        }
        check_known(&users, directory)?;
        let mut roster = call.users.clone();
        for (index, user) in users.into_iter().enumerate() {
            match change {
                Roster::Add => {
                    if roster.iter().any(|p| p.same_person(&user)) {
                        return Err(SlackError::new("bad_users").because(format!(
                            "users[{index}]: {} is already in the call",
                            user.label()
                        )));
                    }
                    roster.push(user);
                }
                Roster::Remove => match roster.iter().position(|p| p.same_person(&user)) {
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
        Ok(json!({ "ok": true, "call": call.to_json() }))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Roster {
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

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut store = CallStore::new(u64::MAX);
        let mut seen = BTreeSet::new();
        for _ in 0..5000 {
            let id = store.next_id();
            assert_eq!(id.len(), 11, "{id}");
            assert!(id.starts_with('R'));
            assert!(
                id[1..]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            );
            assert!(seen.insert(id));
        }
    }

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

    #[test]
    fn same_person_by_either_id() {
        let both = Participant {
            slack_id: Some("U1".into()),
            external_id: Some("e1".into()),
            display_name: None,
            avatar_url: None,
        };
        assert!(both.same_person(&Participant::slack("U1")));
        assert!(both.same_person(&Participant::external("e1", "x")));
        assert!(!both.same_person(&Participant::external("e2", "x")));
        assert!(!Participant::external("e1", "x").same_person(&Participant::slack("U1")));
    }
}

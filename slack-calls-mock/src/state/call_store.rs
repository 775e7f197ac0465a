//! The Calls the fake keeps: records, participants and the store that
//! hands out ids. The methods that change them live in
//! [`calls`](crate::api::calls); this file only holds the data.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::wire::answer::write_str;

/// A JSON object being written to a buffer: `{`, keys with commas, `}`.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut Vec<u8>) -> Object<'a> {
        out.push(b'{');
        Object { out, first: true }
    }

    /// Writes `"name":` and returns the buffer for the value.
    fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_str(self.out, name);
        self.out.push(b':');
        self.out
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

/// Appends an integer.
fn write_int(out: &mut Vec<u8>, n: i64) {
    use std::io::Write;
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{n}");
}

/// A Call as the fake stores it (a snapshot, from
/// [`MockSlack::call`](crate::MockSlack::call)).
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
    /// Appends the call as JSON, straight to bytes, with the same text as
    /// [`CallRecord::to_json`] serialised (fields by name).
    pub(crate) fn write_json(&self, out: &mut Vec<u8>) {
        let mut object = Object::new(out);
        if !self.channels.is_empty() {
            let out = object.key("channels");
            out.push(b'[');
            for (i, channel) in self.channels.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, channel);
            }
            out.push(b']');
        }
        if let Some(date_end) = self.date_end {
            write_int(object.key("date_end"), date_end);
        }
        write_int(object.key("date_start"), self.date_start);
        if let Some(url) = &self.desktop_app_join_url {
            write_str(object.key("desktop_app_join_url"), url);
        }
        if let Some(id) = &self.external_display_id {
            write_str(object.key("external_display_id"), id);
        }
        write_str(object.key("external_unique_id"), &self.external_unique_id);
        write_str(object.key("id"), &self.id);
        write_str(object.key("join_url"), &self.join_url);
        if let Some(title) = &self.title {
            write_str(object.key("title"), title);
        }
        let out = object.key("users");
        out.push(b'[');
        for (i, user) in self.users.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            user.write_json(out);
        }
        out.push(b']');
        object.end();
    }

    /// The call as a JSON tree (for the control API and tests).
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

    /// Appends the participant as JSON (fields by name), straight to bytes.
    fn write_json(&self, out: &mut Vec<u8>) {
        let mut object = Object::new(out);
        for (key, value) in [
            ("avatar_url", &self.avatar_url),
            ("display_name", &self.display_name),
            ("external_id", &self.external_id),
            ("slack_id", &self.slack_id),
        ] {
            if let Some(value) = value {
                write_str(object.key(key), value);
            }
        }
        object.end();
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

    pub(crate) fn label(&self) -> String {
        match (&self.slack_id, &self.external_id) {
            (Some(id), _) => id.clone(),
            (None, Some(id)) => format!("external user {id}"),
            (None, None) => "an unnamed user".into(),
        }
    }
}

/// What one successful Calls method did to a call, for its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallChange {
    /// `calls.add`, with the roster it started with.
    Added(Vec<Participant>),
    /// `calls.update`: the fields it set, by name.
    Updated(Vec<&'static str>),
    /// `calls.participants.add`.
    Joined(Vec<Participant>),
    /// `calls.participants.remove`.
    Left(Vec<Participant>),
    /// `calls.end`.
    Ended,
}

impl CallChange {
    /// The change as JSON: `{"at":…,"change":"added"|…,…}`.
    pub fn to_json(&self, at: i64) -> Value {
        let people = |users: &[Participant]| -> Value {
            Value::Array(users.iter().map(Participant::to_json).collect())
        };
        match self {
            CallChange::Added(users) => {
                json!({ "at": at, "change": "added", "users": people(users) })
            }
            CallChange::Updated(fields) => {
                json!({ "at": at, "change": "updated", "fields": fields })
            }
            CallChange::Joined(users) => {
                json!({ "at": at, "change": "joined", "users": people(users) })
            }
            CallChange::Left(users) => {
                json!({ "at": at, "change": "left", "users": people(users) })
            }
            CallChange::Ended => json!({ "at": at, "change": "ended" }),
        }
    }

    /// The people the change names (none for an update or the end), in
    /// the order [`CallChange::to_json`] lists them.
    pub fn users(&self) -> &[Participant] {
        match self {
            CallChange::Added(users) | CallChange::Joined(users) | CallChange::Left(users) => users,
            CallChange::Updated(_) | CallChange::Ended => &[],
        }
    }
}

/// Every call, by id.
#[derive(Debug)]
pub(crate) struct CallStore {
    calls: BTreeMap<String, CallRecord>,
    /// What happened to each call, oldest first, with Unix seconds.
    history: BTreeMap<String, Vec<(i64, CallChange)>>,
    created: u64,
    seed: u64,
}

const ID_SPACE: u64 = 3_656_158_440_062_976; // 36^10
const ID_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl CallStore {
    pub fn new(seed: u64) -> CallStore {
        CallStore {
            calls: BTreeMap::new(),
            history: BTreeMap::new(),
            created: 0,
            seed: seed % ID_SPACE,
        }
    }

    pub fn get(&self, id: &str) -> Option<&CallRecord> {
        self.calls.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut CallRecord> {
        self.calls.get_mut(id)
    }

    /// Stores a new call under a fresh id, made by `make`, and returns it.
    pub fn insert_with(&mut self, make: impl FnOnce(String) -> CallRecord) -> &CallRecord {
        let id = self.next_id();
        self.calls.entry(id.clone()).or_insert_with(|| make(id))
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

    /// Adds a change to the history of call `id`, at Unix seconds `at`.
    pub fn note(&mut self, id: &str, at: i64, change: CallChange) {
        self.history
            .entry(id.to_owned())
            .or_default()
            .push((at, change));
    }

    /// What happened to call `id`, oldest first.
    pub fn history(&self, id: &str) -> &[(i64, CallChange)] {
        self.history.get(id).map_or(&[], Vec::as_slice)
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
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn bytes_match_the_json_tree() {
        let mut full = CallRecord {
            id: "R1".into(),
            external_unique_id: "e \"1\"".into(),
            join_url: "https://x/j".into(),
            desktop_app_join_url: Some("https://x/d".into()),
            external_display_id: Some("42".into()),
            title: Some("Sync é".into()),
            created_by: "U1".into(),
            date_start: 1_700_000_000,
            date_end: Some(-5),
            users: vec![
                Participant::slack("U2"),
                Participant {
                    slack_id: Some("U3".into()),
                    external_id: Some("x".into()),
                    display_name: Some("X".into()),
                    avatar_url: Some("https://x/a".into()),
                },
            ],
            channels: vec!["C1".into(), "C2".into()],
        };
        let text = |call: &CallRecord| {
            let mut out = Vec::new();
            call.write_json(&mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(&full), serde_json::to_string(&full.to_json()).unwrap());
        full.desktop_app_join_url = None;
        full.external_display_id = None;
        full.title = None;
        full.date_end = None;
        full.users.clear();
        full.channels.clear();
        assert_eq!(text(&full), serde_json::to_string(&full.to_json()).unwrap());
    }

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

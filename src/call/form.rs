//! The form body of a request, as generated request builders fill it in.
//!
//! Slack takes `application/x-www-form-urlencoded` bodies; lists and objects
//! travel as one JSON-encoded field (`users=[{"slack_id":"U1"}]`). Building
//! the form is also where a value that Slack would refuse is caught: a
//! generated builder pushes every param, and any problem is recorded here and
//! reported as [`InvalidRequest`](crate::InvalidRequest) before sending.

use std::time::Duration;

use serde::Serialize;

use crate::timestamp::Timestamp;
use crate::token::Token;

/// A value that can stand in one form field.
pub trait FormValue {
    /// The field's text.
    fn to_form_value(&self) -> String;

    /// True for a secret (a [`Token`]): the form's `Debug` shows
    /// `<redacted>` for its field instead of the text.
    fn is_secret(&self) -> bool {
        false
    }
}

impl FormValue for String {
    fn to_form_value(&self) -> String {
        self.clone()
    }
}

impl FormValue for str {
    fn to_form_value(&self) -> String {
        self.to_owned()
    }
}

impl FormValue for i64 {
    fn to_form_value(&self) -> String {
        self.to_string()
    }
}

impl FormValue for bool {
    fn to_form_value(&self) -> String {
        if *self { "true" } else { "false" }.to_owned()
    }
}

impl FormValue for Duration {
    fn to_form_value(&self) -> String {
        self.as_secs().to_string()
    }
}

impl FormValue for Timestamp {
    fn to_form_value(&self) -> String {
        self.as_secs().to_string()
    }
}

/// A `token` param (`oauth.v2.access`'s `refresh_token`): the secret text
/// goes into the body sent to Slack, and nowhere else.
impl FormValue for Token {
    fn to_form_value(&self) -> String {
        self.expose_secret().to_owned()
    }

    fn is_secret(&self) -> bool {
        true
    }
}

/// A rule a value must meet before it may be sent, from the spec
/// (an object type's `one_of`, say). Generated for every object type.
pub trait Check {
    /// `Err` with a sentence saying what is wrong.
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

impl Check for String {}
impl Check for i64 {}
impl Check for bool {}
impl Check for Timestamp {}
impl Check for Token {}
impl Check for serde_json::Value {}

/// The fields of one request, in order. Its `Debug` shows a secret field
/// (a [`Token`]) as `<redacted>`.
#[derive(Default, Clone)]
pub struct Form {
    fields: Vec<(&'static str, String)>,
    /// The fields whose text is a secret.
    secrets: Vec<&'static str>,
    list_lens: Vec<(&'static str, usize)>,
    problems: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(name, value)| {
                if self.secrets.contains(name) {
                    (*name, "<redacted>")
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("Form")
            .field("fields", &fields)
            .field("list_lens", &self.list_lens)
            .field("problems", &self.problems)
            .finish()
    }
}

impl Form {
    /// An empty form.
    pub fn new() -> Form {
        Form::default()
    }

    /// Adds a plain field.
    pub fn push<V: FormValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        if value.is_secret() {
            self.secrets.push(name);
        }
        self.fields.push((name, value.to_form_value()));
    }

    /// Adds a list, JSON-encoded, after checking each item.
    pub fn push_list<T: Serialize + Check>(&mut self, name: &'static str, items: &[T]) {
        for (index, item) in items.iter().enumerate() {
            if let Err(reason) = item.check() {
                self.problems
                    .push((name, format!("item {index}: {reason}")));
            }
        }
        self.list_lens.push((name, items.len()));
        self.push_json(name, items);
    }

    /// Adds a list as comma-separated text (`types=public_channel,im`), as
    /// many Slack methods take one; an empty list adds no field. An item that is not a plain value
    /// (text, number, boolean), is empty, or contains a comma cannot be
    /// sent this way and is recorded as a problem.
    pub fn push_comma_list<T: Serialize>(&mut self, name: &'static str, items: &[T]) {
        let mut texts = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            match comma_item(item) {
                Ok(text) => texts.push(text),
                Err(reason) => self
                    .problems
                    .push((name, format!("item {index}: {reason}"))),
            }
        }
        self.list_lens.push((name, items.len()));
        // An empty list is no field at all: `types=` would be one empty item.
        if !items.is_empty() {
            self.fields.push((name, texts.join(",")));
        }
    }

    /// Adds a map with text keys, JSON-encoded as one object, after
    /// checking each value.
    pub fn push_map<T: Serialize + Check>(
        &mut self,
        name: &'static str,
        entries: &std::collections::BTreeMap<String, T>,
    ) {
        for (key, value) in entries {
            if let Err(reason) = value.check() {
                self.problems
                    .push((name, format!("entry `{key}`: {reason}")));
            }
        }
        self.push_json(name, entries);
    }

    /// Adds an object, JSON-encoded, after checking it.
    pub fn push_object<T: Serialize + Check>(&mut self, name: &'static str, value: &T) {
        if let Err(reason) = value.check() {
            self.problems.push((name, reason));
        }
        self.push_json(name, value);
    }

    fn push_json<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match serde_json::to_string(value) {
            Ok(json) => self.fields.push((name, json)),
            Err(err) => self
                .problems
                .push((name, format!("cannot be encoded as JSON: {err}"))),
        }
    }

    /// Records a problem unless every field of at least one group was set
    /// (a method's `one_of` rule, such as `channel` + `ts` or `unfurl_id` +
    /// `source`). The problem is reported against the first field named.
    pub fn require_one_of(&mut self, groups: &[&[&'static str]]) {
        let met = groups
            .iter()
            .any(|group| group.iter().all(|field| self.get(field).is_some()));
        let Some(first) = groups.iter().find_map(|group| group.first()) else {
            return;
        };
        if !met {
            let wanted: Vec<String> = groups
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|field| format!("`{field}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            self.problems
                .push((first, format!("needs {}", wanted.join(", or "))));
        }
    }

    /// The value of field `name`, if it was set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The number of items of list field `name`, if it was set.
    pub fn list_len(&self, name: &str) -> Option<usize> {
        self.list_lens
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, len)| *len)
    }

    /// Problems found while the form was filled in: (param, reason).
    pub fn problems(&self) -> &[(&'static str, String)] {
        &self.problems
    }

    /// All fields in order.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// The `application/x-www-form-urlencoded` text of the fields.
    pub fn encode(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.fields {
            out.append_pair(name, value);
        }
        out.finish()
    }
}

/// One item of a comma-separated list as text, or why it cannot be one.
fn comma_item<T: Serialize>(item: &T) -> Result<String, String> {
    let text = match serde_json::to_value(item) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Number(number)) => number.to_string(),
        Ok(serde_json::Value::Bool(flag)) => flag.to_string(),
        Ok(other) => {
            let kind = match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Array(_) => "a list",
                _ => "an object",
            };
            return Err(format!(
                "is {kind}, not a plain value, so it cannot be sent comma-separated"
            ));
        }
        Err(err) => return Err(format!("cannot be encoded: {err}")),
    };
    if text.contains(',') {
        return Err(format!(
            "`{text}` contains a comma, which would split it in two in a comma-separated list"
        ));
    }
    if text.trim().is_empty() {
        return Err("is empty".to_owned());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item(u8);
    impl Check for Item {
        fn check(&self) -> Result<(), String> {
            if self.0 == 0 {
                Err("zero is not allowed".into())
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn encodes_fields_in_order_with_json_lists() {
        let mut form = Form::new();
        form.push("id", "R1 2&3");
        form.push("n", &5i64);
        form.push("flag", &true);
        form.push("duration", &Duration::from_secs(90));
        form.push_list("items", &[Item(1), Item(2)]);
        assert_eq!(
            form.encode(),
            "id=R1+2%263&n=5&flag=true&duration=90&items=%5B1%2C2%5D"
        );
        assert_eq!(form.list_len("items"), Some(2));
        assert!(form.problems().is_empty());
    }

    #[test]
    fn encodes_a_map_as_one_json_object_and_checks_each_value() {
        let mut form = Form::new();
        let entries: std::collections::BTreeMap<String, Item> =
            [("b".to_owned(), Item(2)), ("a".to_owned(), Item(0))].into();
        form.push_map("m", &entries);
        assert_eq!(form.get("m"), Some(r#"{"a":0,"b":2}"#));
        assert_eq!(
            form.problems(),
            &[("m", "entry `a`: zero is not allowed".to_owned())]
        );
    }

    #[test]
    fn one_of_needs_one_whole_group() {
        let groups: &[&[&'static str]] = &[&["channel", "ts"], &["unfurl_id", "source"]];
        let mut form = Form::new();
        form.push("channel", "C1");
        form.push("source", "composer");
        form.require_one_of(groups);
        assert_eq!(
            form.problems(),
            &[(
                "channel",
                "needs `channel` and `ts`, or `unfurl_id` and `source`".to_owned()
            )]
        );
        let mut form = Form::new();
        form.push("unfurl_id", "U1");
        form.push("source", "composer");
        form.require_one_of(groups);
        assert!(form.problems().is_empty());
    }

    #[test]
    fn comma_lists_join_plain_items_and_refuse_the_rest() {
        let mut form = Form::new();
        form.push_comma_list("types", &["public_channel", "im"]);
        form.push_comma_list("ids", &[1i64, 22]);
        assert_eq!(form.encode(), "types=public_channel%2Cim&ids=1%2C22");
        assert_eq!(form.list_len("types"), Some(2));
        assert!(form.problems().is_empty());
        let mut form = Form::new();
        form.push_comma_list::<String>("types", &[]);
        assert_eq!(form.get("types"), None);
        assert_eq!(form.list_len("types"), Some(0));

        let mut form = Form::new();
        form.push_comma_list("types", &["im", "a,b", " "]);
        form.push_comma_list("users", &[serde_json::json!({"id": "U1"})]);
        form.push_comma_list("nested", &[vec![1]]);
        assert_eq!(
            form.problems(),
            &[
                (
                    "types",
                    "item 1: `a,b` contains a comma, which would split it in two in a comma-separated list".to_owned()
                ),
                ("types", "item 2: is empty".to_owned()),
                (
                    "users",
                    "item 0: is an object, not a plain value, so it cannot be sent comma-separated".to_owned()
                ),
                (
                    "nested",
                    "item 0: is a list, not a plain value, so it cannot be sent comma-separated".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_token_is_sent_as_its_text_and_debug_shows_it_redacted() {
        let mut form = Form::new();
        form.push("grant_type", "refresh_token");
        form.push("refresh_token", &Token::new("xoxe-1-SECRETPART"));
        assert_eq!(form.get("refresh_token"), Some("xoxe-1-SECRETPART"));
        assert_eq!(
            form.encode(),
            "grant_type=refresh_token&refresh_token=xoxe-1-SECRETPART"
        );
        for shown in [format!("{form:?}"), format!("{form:#?}")] {
            assert!(!shown.contains("SECRETPART"), "{shown}");
            assert!(shown.contains("<redacted>"), "{shown}");
            assert!(shown.contains("grant_type"), "{shown}");
        }
    }

    #[test]
    fn records_problems_per_item() {
        let mut form = Form::new();
        form.push_list("items", &[Item(1), Item(0)]);
        assert_eq!(
            form.problems(),
            &[("items", "item 1: zero is not allowed".to_owned())]
        );
    }
}

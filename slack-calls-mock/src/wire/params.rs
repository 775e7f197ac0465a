//! Param checks every method gets from its [`MethodInfo`]: required params
//! present, each value of its declared [`ParamKind`], lists long enough.
//! The checked values come out normalised as JSON so handlers read them
//! without parsing again.

use std::collections::BTreeMap;

use serde_json::Value;

use slack_calls::TokenKind;
use slack_calls::method::{MethodInfo, ParamKind, Required};

use crate::wire::answer::SlackError;
use crate::wire::request::RawValue;

/// The params of a request that passed the checks, by spec name.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Params {
    values: BTreeMap<&'static str, Value>,
}

impl Params {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(Value::as_str)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.values.get(name).and_then(Value::as_i64)
    }

    pub fn json(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// Params holding these whole numbers (unit tests).
    #[cfg(test)]
    pub fn from_ints(pairs: &[(&'static str, i64)]) -> Params {
        Params {
            values: pairs
                .iter()
                .map(|(name, value)| (*name, Value::from(*value)))
                .collect(),
        }
    }
}

/// Why a param was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    Missing,
    /// Missing, and required because the token is a bot token.
    MissingWithBotToken,
    TooFew {
        min: usize,
        got: usize,
    },
    Invalid(String),
    /// A JSON `null`; holds the JSON type expected (`string`, ...).
    Null(&'static str),
}

/// A refused param.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamProblem {
    pub param: &'static str,
    pub problem: Problem,
}

impl ParamProblem {
    /// The error a method without its own rule answers: `missing_argument`
    /// for a missing param when the method declares that code, otherwise
    /// Slack's generic `invalid_arguments`; the message names the param.
    pub fn default_error(&self, method: &MethodInfo) -> SlackError {
        let declares_missing = method.errors.contains(&"missing_argument");
        match &self.problem {
            Problem::Missing | Problem::MissingWithBotToken | Problem::TooFew { .. } => {
                let code = if declares_missing {
                    "missing_argument"
                } else {
                    "invalid_arguments"
                };
                SlackError::new(code).because(self.describe())
            }
            Problem::Invalid(_) | Problem::Null(_) => {
                SlackError::new("invalid_arguments").because(self.describe())
            }
        }
    }

    pub fn describe(&self) -> String {
        match &self.problem {
            Problem::Missing => format!("missing required field: {}", self.param),
            Problem::MissingWithBotToken => format!(
                "missing required field: {} (required when calling with a bot token)",
                self.param
            ),
            Problem::TooFew { min, got } => {
                format!("{} needs at least {min} item(s), got {got}", self.param)
            }
            Problem::Invalid(reason) => format!("invalid {}: {reason}", self.param),
            // Slack's own words for `"id": null`.
            Problem::Null(expected) => {
                format!("must provide a {expected} [json-pointer:/{}]", self.param)
            }
        }
    }
}

/// Checks `raw` against the method's params. Unknown params are ignored, as
/// Slack ignores them; an empty value counts as absent; a repeated param
/// keeps its last value.
pub(crate) fn check(
    method: &'static MethodInfo,
    raw: &[(String, RawValue)],
    token: TokenKind,
) -> Result<Params, ParamProblem> {
    let mut values = BTreeMap::new();
    for param in method.params {
        let given = raw
            .iter()
            .rev()
            .find(|(name, _)| name == param.name)
            .map(|(_, value)| value)
            .filter(|value| !matches!(value, RawValue::Text(text) if text.trim().is_empty()));
        let Some(given) = given else {
            match param.required {
                Required::Yes => {
                    return Err(ParamProblem {
                        param: param.name,
                        problem: Problem::Missing,
                    });
                }
                Required::WithBotToken if token == TokenKind::Bot => {
                    return Err(ParamProblem {
                        param: param.name,
                        problem: Problem::MissingWithBotToken,
                    });
                }
                _ => continue,
            }
        };
        if *given == RawValue::Null {
            return Err(ParamProblem {
                param: param.name,
                problem: Problem::Null(json_kind(param.kind)),
            });
        }
        let value = normalise(param.kind, given).map_err(|reason| ParamProblem {
            param: param.name,
            problem: Problem::Invalid(reason),
        })?;
        if let Value::Array(items) = &value
            && items.len() < param.min_items
        {
            return Err(ParamProblem {
                param: param.name,
                problem: Problem::TooFew {
                    min: param.min_items,
                    got: items.len(),
                },
            });
        }
        values.insert(param.name, value);
    }
    Ok(Params { values })
}

/// A value of `kind`, as JSON: text kinds as strings, numbers as numbers,
/// booleans as booleans, lists and objects parsed.
fn normalise(kind: ParamKind, raw: &RawValue) -> Result<Value, String> {
    match raw {
        RawValue::Text(text) => from_text(kind, text.trim()),
        RawValue::Json(value) if kind.is_json() => check_json(kind, value).map(|()| value.clone()),
        // A comma-separated list in a JSON body: Slack's SDKs send an array.
        RawValue::Json(value @ Value::Array(_)) if matches!(kind, ParamKind::CommaList(_)) => {
            check_json(kind, value).map(|()| value.clone())
        }
        // `check` refuses nulls before normalising.
        RawValue::Null => Err(format!("expected {}, got null", name(kind))),
        RawValue::Json(_) => Err(format!(
            "expected {}, got a JSON list or object",
            name(kind)
        )),
    }
}

fn from_text(kind: ParamKind, text: &str) -> Result<Value, String> {
    match kind {
        ParamKind::String => Ok(Value::String(text.to_owned())),
        ParamKind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not a whole number")),
        // Seconds that fit an i64, so handlers can add them to a timestamp.
        ParamKind::Duration => text
            .parse::<i64>()
            .ok()
            .filter(|secs| *secs >= 0)
            .map(Value::from)
            .ok_or_else(|| format!("`{text}` is not a whole number of seconds")),
        ParamKind::Timestamp => parse_timestamp(text)
            .map(Value::from)
            .ok_or_else(|| format!("`{text}` is not a Unix time in seconds")),
        ParamKind::Boolean => match text.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true, false, 1 or 0")),
        },
        ParamKind::Url => check_url(text).map(|()| Value::String(text.to_owned())),
        ParamKind::Id(type_name) => {
            check_id(type_name, text).map(|()| Value::String(text.to_owned()))
        }
        // `types=public_channel,im`: each item read as its kind; an empty
        // text is an empty list.
        ParamKind::CommaList(item) => text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .enumerate()
            .map(|(index, part)| {
                from_text(*item, part).map_err(|reason| format!("item {index}: {reason}"))
            })
            .collect::<Result<Vec<Value>, String>>()
            .map(Value::Array),
        // A kind newer than this fake: taken as the text Slack was sent.
        _ if !matches!(
            kind,
            ParamKind::List(_) | ParamKind::Object(_) | ParamKind::Map(_) | ParamKind::Json
        ) =>
        {
            Ok(Value::String(text.to_owned()))
        }
        _ => {
            let value: Value = serde_json::from_str(text)
                .map_err(|err| format!("expected {} as JSON text: {err}", name(kind)))?;
            check_json(kind, &value)?;
            Ok(value)
        }
    }
}

/// Unix seconds: a whole number, or a decimal such as Slack's `ts` values
/// (the fraction is dropped).
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if let Some(fraction) = fraction
        && !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    whole.parse::<i64>().ok()
}

/// An absolute URL. Any scheme: desktop join links use the provider's own
/// (`callapp://join/1234`).
pub(crate) fn check_url(text: &str) -> Result<(), String> {
    url::Url::parse(text)
        .map(|_| ())
        .map_err(|err| format!("`{text}` is not an absolute URL: {err}"))
}

/// Slack IDs are uppercase letters and digits.
fn check_id(type_name: &str, text: &str) -> Result<(), String> {
    // A message's `ts` is Unix seconds, a dot and six digits.
    if type_name == "MessageTs" {
        let well_formed = text.split_once('.').is_some_and(|(secs, frac)| {
            !secs.is_empty()
                && !frac.is_empty()
                && secs.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        });
        return if well_formed {
            Ok(())
        } else {
            Err(format!(
                "`{text}` is not a MessageTs (digits, a dot and digits, such as 1503435956.000247)"
            ))
        };
    }
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a {type_name} (uppercase letters and digits)"
        ))
    }
}

fn check_json(kind: ParamKind, value: &Value) -> Result<(), String> {
    match (kind, value) {
        (ParamKind::List(item) | ParamKind::CommaList(item), Value::Array(items)) => {
            for (index, element) in items.iter().enumerate() {
                check_item(*item, element).map_err(|reason| format!("item {index}: {reason}"))?;
            }
            Ok(())
        }
        (ParamKind::Object(_), Value::Object(_)) => Ok(()),
        // `json`: any value, as Slack leaves it open.
        (ParamKind::Json, _) => Ok(()),
        (ParamKind::Map(item), Value::Object(entries)) => {
            for (key, element) in entries {
                check_item(*item, element).map_err(|reason| format!("entry `{key}`: {reason}"))?;
            }
            Ok(())
        }
        _ => Err(format!("expected {}, got {}", name(kind), json_type(value))),
    }
}

fn check_item(kind: ParamKind, value: &Value) -> Result<(), String> {
    match (kind, value) {
        (ParamKind::List(_) | ParamKind::Object(_) | ParamKind::Map(_) | ParamKind::Json, _) => {
            check_json(kind, value)
        }
        (ParamKind::Integer | ParamKind::Duration | ParamKind::Timestamp, Value::Number(_)) => {
            Ok(())
        }
        (ParamKind::Boolean, Value::Bool(_)) => Ok(()),
        (_, Value::String(text)) => from_text(kind, text).map(|_| ()),
        _ => Err(format!("expected {}, got {}", name(kind), json_type(value))),
    }
}

/// The JSON type a param of `kind` is sent as in a JSON body.
fn json_kind(kind: ParamKind) -> &'static str {
    match kind {
        ParamKind::String | ParamKind::Url | ParamKind::Id(_) => "string",
        ParamKind::Integer | ParamKind::Timestamp | ParamKind::Duration => "number",
        ParamKind::Boolean => "boolean",
        ParamKind::List(_) => "array",
        ParamKind::Object(_) | ParamKind::Map(_) => "object",
        ParamKind::CommaList(_) => "string",
        // A kind newer than this fake: no JSON type is checked for it.
        _ => "any",
    }
}

fn name(kind: ParamKind) -> String {
    match kind {
        ParamKind::String => "a string".into(),
        ParamKind::Integer => "a whole number".into(),
        ParamKind::Boolean => "a boolean".into(),
        ParamKind::Timestamp => "a Unix time".into(),
        ParamKind::Duration => "a number of seconds".into(),
        ParamKind::Url => "a URL".into(),
        ParamKind::Id(type_name) => format!("a {type_name}"),
        ParamKind::List(_) => "a JSON list".into(),
        ParamKind::Object(type_name) => format!("a JSON object ({type_name})"),
        ParamKind::Map(_) => "a JSON object (a map)".into(),
        ParamKind::CommaList(item) => format!("a comma-separated list of {}", name(*item)),
        _ => "a value".into(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_calls::method::ParamInfo;

    static USER_ITEM: ParamKind = ParamKind::Object("CallUser");
    static METHOD: MethodInfo = MethodInfo {
        name: "test.method",
        params: &[
            ParamInfo {
                name: "id",
                kind: ParamKind::Id("CallId"),
                required: Required::Yes,
                min_items: 0,
            },
            ParamInfo {
                name: "by",
                kind: ParamKind::Id("UserId"),
                required: Required::WithBotToken,
                min_items: 0,
            },
            ParamInfo {
                name: "n",
                kind: ParamKind::Integer,
                required: Required::No,
                min_items: 0,
            },
            ParamInfo {
                name: "flag",
                kind: ParamKind::Boolean,
                required: Required::No,
                min_items: 0,
            },
            ParamInfo {
                name: "at",
                kind: ParamKind::Timestamp,
                required: Required::No,
                min_items: 0,
            },
            ParamInfo {
                name: "link",
                kind: ParamKind::Url,
                required: Required::No,
                min_items: 0,
            },
            ParamInfo {
                name: "users",
                kind: ParamKind::List(&USER_ITEM),
                required: Required::No,
                min_items: 1,
            },
        ],
        errors: &["missing_argument"],
        example_response: "{\"ok\":true}",
        ..MethodInfo::BLANK
    };

    fn text(pairs: &[(&str, &str)]) -> Vec<(String, RawValue)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), RawValue::Text((*v).to_owned())))
            .collect()
    }

    fn problem(pairs: &[(&str, &str)], token: TokenKind) -> Option<ParamProblem> {
        check(&METHOD, &text(pairs), token).err()
    }

    #[test]
    fn good_values_are_normalised() {
        let params = check(
            &METHOD,
            &text(&[
                ("id", "R1"),
                ("n", " 42 "),
                ("flag", "1"),
                ("at", "1600000000.5"),
                ("users", r#"[{"slack_id":"U1"}]"#),
                ("extra", "ignored"),
            ]),
            TokenKind::User,
        )
        .unwrap();
        assert_eq!(params.text("id"), Some("R1"));
        assert_eq!(params.int("n"), Some(42));
        assert_eq!(params.json("flag"), Some(&Value::Bool(true)));
        assert_eq!(params.int("at"), Some(1_600_000_000));
        assert!(params.json("users").is_some_and(Value::is_array));
        assert_eq!(params.json("extra"), None);
    }

    #[test]
    fn missing_and_bad_values_name_the_param() {
        assert_eq!(problem(&[], TokenKind::User).map(|p| p.param), Some("id"));
        assert_eq!(
            problem(&[("id", " ")], TokenKind::User).map(|p| p.problem),
            Some(Problem::Missing)
        );
        assert_eq!(
            problem(&[("id", "R1")], TokenKind::Bot).map(|p| p.problem),
            Some(Problem::MissingWithBotToken)
        );
        for (param, value) in [
            ("id", "r-1"),
            ("n", "4.5"),
            ("n", "99999999999999999999"),
            ("flag", "yes"),
            ("at", "soon"),
            ("at", "1.x"),
            ("link", "not a url"),
            ("link", "/relative/path"),
            ("link", "http://"),
            ("users", "{"),
            ("users", "{}"),
            ("users", "[1]"),
        ] {
            let found = problem(&[("id", "R1"), (param, value)], TokenKind::User);
            assert!(
                matches!(&found, Some(ParamProblem { param: p, problem: Problem::Invalid(_) }) if *p == param),
                "{param}={value}: {found:?}"
            );
        }
        assert_eq!(
            problem(&[("id", "R1"), ("users", "[]")], TokenKind::User).map(|p| p.problem),
            Some(Problem::TooFew { min: 1, got: 0 })
        );
    }

    #[test]
    fn json_values_must_fit_the_kind() {
        let raw = vec![
            ("id".to_owned(), RawValue::Text("R1".into())),
            ("n".to_owned(), RawValue::Json(serde_json::json!([1]))),
        ];
        assert!(check(&METHOD, &raw, TokenKind::User).is_err());
        let raw = vec![
            ("id".to_owned(), RawValue::Text("R1".into())),
            (
                "users".to_owned(),
                RawValue::Json(serde_json::json!([{"slack_id": "U1"}])),
            ),
        ];
        assert!(check(&METHOD, &raw, TokenKind::User).is_ok());
    }

    #[test]
    fn default_errors() {
        let missing = ParamProblem {
            param: "id",
            problem: Problem::Missing,
        };
        assert_eq!(missing.default_error(&METHOD).code, "missing_argument");
        let mut without = METHOD;
        without.errors = &[];
        assert_eq!(missing.default_error(&without).code, "invalid_arguments");
        let bad = ParamProblem {
            param: "n",
            problem: Problem::Invalid("x".into()),
        };
        assert_eq!(bad.default_error(&METHOD).code, "invalid_arguments");
        assert_eq!(
            bad.default_error(&METHOD).messages,
            vec!["[ERROR] invalid n: x".to_owned()]
        );
    }
}

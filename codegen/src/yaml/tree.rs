//! The tree: every key and value with where it stood, filled in by
//! serde-saphyr through its `Spanned` wrapper.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diag::Span;

/// A YAML value and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it starts, and for scalars how many characters of the line
    /// its source text covers (quotes included).
    pub span: Span,
    /// True for a scalar written in quotes (`"3"`, `'x'`).
    pub quoted: bool,
}

/// The shapes a YAML value can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
    /// Text.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A map, keys in file order, repeated keys kept.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// A word for the shape, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

impl Node {
    /// The text, when the value is text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// Converts to JSON (maps keep their last value for a repeated key;
    /// keys that are not text are written as text).
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for (key, value) in entries {
                    map.insert(key.scalar_text(), value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// The value as a message shows it: scalars in backticks, with their
    /// quotes when they were quoted (`` `"3"` ``), other shapes as their kind.
    pub fn shown(&self) -> String {
        match &self.value {
            Value::Str(text) if self.quoted => format!("`\"{text}\"`"),
            Value::Str(text) if text.is_empty() => "empty text".to_owned(),
            Value::Null => "empty".to_owned(),
            Value::Seq(_) | Value::Map(_) => self.value.kind_name().to_owned(),
            _ => format!("`{}`", self.scalar_text()),
        }
    }

    /// A scalar as text (`3`, `true`, `calls.add`); other shapes as their kind.
    pub fn scalar_text(&self) -> String {
        match &self.value {
            Value::Null => String::new(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            other => other.kind_name().to_owned(),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let location = spanned.referenced;
        let len = match spanned.value {
            Value::Seq(_) | Value::Map(_) => 1,
            _ => to_u32_64(location.span().len()),
        };
        Ok(Node {
            span: Span::new(
                to_u32_64(location.line()),
                to_u32_64(location.column()),
                len,
            ),
            value: spanned.value,
            quoted: false,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u)
            .map(Value::Int)
            .unwrap_or(Value::Float(u as f64)))
    }
    fn visit_i128<E>(self, i: i128) -> Result<Value, E> {
        Ok(i64::try_from(i)
            .map(Value::Int)
            .unwrap_or(Value::Float(i as f64)))
    }
    fn visit_u128<E>(self, u: u128) -> Result<Value, E> {
        Ok(i64::try_from(u)
            .map(Value::Int)
            .unwrap_or(Value::Float(u as f64)))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(b).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = access.next_key::<Node>()? {
            let value = access.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// A line, column or length as the `u32` of a [`Span`] (saturating).
pub(super) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A line, column or length from serde-saphyr as the `u32` of a [`Span`]
/// (saturating).
pub(super) fn to_u32_64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

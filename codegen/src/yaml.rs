//! YAML into a tree that keeps where every key and value stood.
//!
//! We parse with `serde-saphyr`, a maintained serde YAML crate that reports
//! the location of every value through its `Spanned` wrapper, into our own
//! [`Node`] tree. Keeping the whole tree (rather than deserialising straight
//! into the spec structs) is what lets the reader report *every* problem of
//! a file at once, with a line and column each: unknown and repeated keys,
//! missing ones and values of the wrong shape, instead of stopping at the
//! first one the way a serde-derived struct would.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

use crate::diag::{Diagnostic, Span};

/// The largest spec file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;

/// A YAML value and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it starts.
    pub span: Span,
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
        let len = scalar_len(&spanned.value).unwrap_or(1);
        Ok(Node {
            span: Span::new(
                u32::try_from(location.line()).unwrap_or(u32::MAX),
                u32::try_from(location.column()).unwrap_or(u32::MAX),
                len,
            ),
            value: spanned.value,
        })
    }
}

fn scalar_len(value: &Value) -> Option<u32> {
    let len = match value {
        Value::Str(s) => s.chars().count(),
        Value::Int(i) => i.to_string().len(),
        Value::Bool(b) => b.to_string().len(),
        _ => return None,
    };
    u32::try_from(len).ok()
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

/// Parses one spec file's bytes. `file` is the name used in diagnostics.
///
/// Fails with one diagnostic for input that is not UTF-8, too large, empty,
/// too deeply nested, or not YAML; the diagnostic points at the place the
/// problem was found.
pub fn parse(file: &str, bytes: &[u8]) -> Result<Node, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            file,
            Span::start(),
            format!(
                "the file is {} bytes; spec files may be at most {} bytes",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        )
        .with_hint("split the methods into several files, one per method family"));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let good = &bytes[..err.valid_up_to()];
            let good = String::from_utf8_lossy(good);
            let line = good.matches('\n').count() + 1;
            let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(Diagnostic::error(
                file,
                Span::new(to_u32(line), to_u32(col), 1),
                format!(
                    "the file is not UTF-8 (invalid byte at offset {})",
                    err.valid_up_to()
                ),
            )
            .with_hint("save the file as UTF-8"));
        }
    };
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    }) {
        return Err(Diagnostic::error(file, Span::start(), "the file is empty")
            .with_hint("a spec file holds `methods:`, `types:` or `errors:`; delete the file if it is not needed"));
    }
    // Each level of nesting costs several deserializer frames; parse on a
    // thread with a stack sized for MAX_DEPTH levels so no input can
    // overflow the caller's stack (a build script's, a test thread's).
    let owned = text.to_owned();
    let worker = std::thread::Builder::new()
        .name("spec-yaml".to_owned())
        .stack_size(PARSE_STACK_BYTES)
        .spawn(move || parse_text(&owned));
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err((Span::start(), "the YAML parser failed".to_owned()))),
        Err(_) => parse_text(text),
    };
    result.map_err(|(span, message)| {
        let hint = syntax_hint(&message);
        Diagnostic::error(file, span, format!("YAML syntax: {message}")).with_hint_opt(hint)
    })
}

/// Stack for the parsing thread.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

fn parse_text(text: &str) -> Result<Node, (Span, String)> {
    let mut options = serde_saphyr::options::Options::default();
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|err| {
        let span = match err.location() {
            Some(location) => {
                Span::new(to_u32_64(location.line()), to_u32_64(location.column()), 1)
            }
            None => Span::start(),
        };
        (span, plain_message(&err.to_string()))
    })
}

/// serde-saphyr's message without its own location prefix and snippet.
fn plain_message(rendered: &str) -> String {
    let first = rendered.lines().next().unwrap_or(rendered).trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 1 column 4: unclosed quote" -> "unclosed quote"
    if let Some(rest) = first.strip_prefix("line ")
        && let Some((_, message)) = rest.split_once(": ")
    {
        return message.to_owned();
    }
    first.to_owned()
}

fn syntax_hint(message: &str) -> Option<String> {
    let lower = message.to_lowercase();
    if lower.contains("tab") {
        Some("indent with spaces; YAML does not allow tabs for indentation".to_owned())
    } else if lower.contains("quote") {
        Some("close the quoted text with the same quote mark it opened with".to_owned())
    } else if lower.contains("flow") || lower.contains(']') || lower.contains('}') {
        Some("close every `[` with `]` and every `{` with `}`".to_owned())
    } else if lower.contains("indent") || lower.contains("mapping values") {
        Some("keys of one map must start in the same column".to_owned())
    } else {
        None
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn to_u32_64(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_and_repeated_keys() {
        let node = parse("t.yaml", b"a:\n  b: 1\n  b: two\n").unwrap();
        let Value::Map(top) = &node.value else {
            panic!("map")
        };
        let Value::Map(inner) = &top[0].1.value else {
            panic!("map")
        };
        assert_eq!(inner.len(), 2);
        assert_eq!(inner[1].0.span, Span::new(3, 3, 1));
        assert_eq!(inner[1].1.value, Value::Str("two".into()));
        assert_eq!(inner[1].1.span, Span::new(3, 6, 3));
    }

    #[test]
    fn syntax_errors_have_places() {
        let err = parse("t.yaml", b"a: \"open\nb: 1\n").unwrap_err();
        assert_eq!(err.span.line, 1);
        assert!(err.message.starts_with("YAML syntax:"), "{}", err.message);
        let err = parse("t.yaml", b"a:\n\tb: 1\n").unwrap_err();
        assert_eq!((err.span.line, err.span.col), (2, 2));
        assert!(err.hint.unwrap().contains("spaces"));
    }

    #[test]
    fn refuses_empty_non_utf8_and_deep_files() {
        assert!(
            parse("t.yaml", b"# nothing\n\n")
                .unwrap_err()
                .message
                .contains("empty")
        );
        let err = parse("t.yaml", b"a: 1\nb: \xff\n").unwrap_err();
        assert_eq!((err.span.line, err.span.col), (2, 4));
        let deep = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let err = parse("t.yaml", deep.as_bytes()).unwrap_err();
        assert!(err.message.starts_with("YAML syntax:"), "{}", err.message);
        let deep_block: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(parse("t.yaml", deep_block.as_bytes()).is_err());
    }
}

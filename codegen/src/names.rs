//! Slack names to Rust names.
//!
//! The rule, also in the README:
//! - method `a.b.c` is reached as `client.a().b().c(..)`; each segment is
//!   converted to snake_case (`chat.postMessage` → `chat().post_message()`);
//! - its types are the last segment in UpperCamelCase plus `Request`,
//!   `Response`, `Error` (`PostMessageRequest`), in the module of the
//!   namespace (`chat::PostMessageRequest`), and its `MethodInfo` constant is
//!   the last segment in SCREAMING_SNAKE_CASE (`chat::POST_MESSAGE`);
//! - params and fields are snake_case; Rust keywords become raw identifiers
//!   (`type` → `r#type`), except the four that cannot be raw (`self`, `Self`,
//!   `super`, `crate`), which get a trailing underscore (`self_`);
//! - error codes and enum values become UpperCamelCase variants
//!   (`invalid_call_id` → `InvalidCallId`).
//!
//! Two spec names that give the same Rust name are an error, never renamed
//! silently.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// True when `name` can be turned into a Rust identifier: ASCII letters,
/// digits and underscores, not starting with a digit.
pub fn is_identifier_like(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A value identifier (field, param, function, module) for a Slack name.
pub fn value_ident(name: &str) -> String {
    escape(&name.to_snake_case())
}

/// A type identifier (struct, enum, variant) for a Slack name.
pub fn type_ident(name: &str) -> String {
    escape(&name.to_upper_camel_case())
}

/// A constant identifier for a Slack name.
pub fn const_ident(name: &str) -> String {
    escape(&name.to_shouty_snake_case())
}

fn escape(ident: &str) -> String {
    if NOT_RAW.contains(&ident) {
        format!("{ident}_")
    } else if KEYWORDS.contains(&ident) {
        format!("r#{ident}")
    } else {
        ident.to_owned()
    }
}

/// The identifier without a raw prefix, for building other names from it.
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// The names (without `.rs`) of the generated files that are not a
/// namespace's: the index, the shared types, the events, the common errors
/// and the method table. A top-level namespace may not have one of them.
pub const SHARED_FILE_STEMS: [&str; 5] = ["mod", "types", "events", "errors", "methods"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        assert_eq!(value_ident("postMessage"), "post_message");
        assert_eq!(value_ident("type"), "r#type");
        assert_eq!(value_ident("match"), "r#match");
        assert_eq!(value_ident("async"), "r#async");
        assert_eq!(value_ident("self"), "self_");
        assert_eq!(type_ident("invalid_call_id"), "InvalidCallId");
        assert_eq!(type_ident("self"), "Self_");
        assert_eq!(const_ident("postMessage"), "POST_MESSAGE");
        assert!(is_identifier_like("external_id"));
        assert!(!is_identifier_like("2fa"));
        assert!(!is_identifier_like("user-id"));
    }
}

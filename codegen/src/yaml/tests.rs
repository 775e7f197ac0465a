//! The parser's tests: positions, repeated keys, limits and the syntax
//! diagnostics.

use super::syntax::block_header_key;
use super::unclosed::unclosed;
use super::*;
use crate::diag::Span;

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
    assert_eq!((err.span.line, err.span.col), (2, 1), "points at the tab");
    assert!(err.hint.unwrap().contains("spaces"));
}

#[test]
fn unclosed_brackets_are_reported_where_they_open() {
    let err = parse("t.yaml", b"a:\n  b: [x, y\n  c: 1\n").unwrap_err();
    assert_eq!((err.span.line, err.span.col), (2, 6));
    assert_eq!(err.message, "YAML syntax: this `[` is never closed");
    assert_eq!(err.hint.as_deref(), Some("close it with `]`"));
    assert_eq!(err.related.len(), 1, "names where the parser stopped");
    let err = parse("t.yaml", b"a: {b: [x, y\n").unwrap_err();
    assert_eq!((err.span.line, err.span.col), (1, 8));
    assert!(err.hint.unwrap().contains("`]}`"));
}

#[test]
fn a_quote_that_runs_on_is_reported_where_it_opens() {
    let text = "a:\n  b: \"open\n  c: 1\n  d: 2\n  e: \"x\"\n";
    let err = parse("t.yaml", text.as_bytes()).unwrap_err();
    assert_eq!((err.span.line, err.span.col), (2, 6), "{err:?}");
    assert!(
        err.message.contains("closed only on line 5"),
        "{}",
        err.message
    );
    assert_eq!(err.related[0].span.line, 5);
    // A quoted text wrapped over lines on purpose still parses.
    let node = parse("t.yaml", b"a: \"one\n  two\"\nb: \"x\"\n").unwrap();
    let Value::Map(entries) = &node.value else {
        panic!("map")
    };
    assert_eq!(entries[0].1.value, Value::Str("one two".into()));
}

#[test]
fn block_text_indented_wrongly_names_the_block() {
    let err = parse("t.yaml", b"a:\n  b: |\n  text\n  c: 1\n").unwrap_err();
    assert!(
        err.hint
            .as_deref()
            .unwrap_or("")
            .contains("`b: |` on line 2"),
        "{err:?}"
    );
    assert_eq!(err.related[0].span.line, 2);
    let err = parse("t.yaml", b"a:\n  b: >-\n      one\n     two\n  c: 1\n").unwrap_err();
    assert_eq!(err.span.line, 4, "{err:?}");
    assert!(
        err.hint.as_deref().unwrap_or("").contains("(6 space(s))"),
        "{err:?}"
    );
    assert!(block_header_key("  b: 1").is_none());
    assert_eq!(block_header_key("  - b: |+2 # c"), Some("b"));
}

#[test]
fn scanner_ignores_comments_quotes_and_block_scalars() {
    let text =
        "a: \"[not a bracket\" # [nor this\nb: |\n  [inside a block\nc: it's [fine]\nd: [x]\n";
    assert!(unclosed(text).is_none());
    let open = unclosed("a: 'it''s\n").map(|o| (o.line, o.col, o.opener));
    assert_eq!(open, Some((1, 4, '\'')));
}

#[test]
fn only_true_and_false_are_booleans() {
    let node = parse("t.yaml", b"a: yes\nb: n\nc: true\nd: \"3\"\n").unwrap();
    let Value::Map(entries) = &node.value else {
        panic!("map")
    };
    assert_eq!(entries[0].1.value, Value::Str("yes".into()));
    assert_eq!(entries[1].1.value, Value::Str("n".into()));
    assert_eq!(entries[2].1.value, Value::Bool(true));
    assert!(entries[3].1.quoted);
    assert!(!entries[0].1.quoted);
    assert_eq!(
        entries[3].1.span,
        Span::new(4, 4, 3),
        "the span covers the quotes"
    );
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
    assert!(err.message.contains("64 levels deep"), "{}", err.message);
    let deep_block: String = (0..100)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    assert!(parse("t.yaml", deep_block.as_bytes()).is_err());
}

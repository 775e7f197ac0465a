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

/// Parses one spec file's bytes. `file` is the name used in diagnostics.
///
/// Fails with one diagnostic for input that is not UTF-8, too large, empty,
/// too deeply nested, or not YAML; the diagnostic points at the place the
/// problem was found (for an unclosed quote or bracket, the place it was
/// opened).
///
/// YAML 1.2 rules apply: only `true` and `false` are booleans, so `yes`,
/// `no`, `on`, `off`, `y` and `n` are text.
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
            let good = String::from_utf8_lossy(&bytes[..err.valid_up_to()]);
            let line = good.matches('\n').count() + 1;
            let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return Err(Diagnostic::error(
                file,
                Span::new(to_u32(line), to_u32(col), 1),
                format!(
                    "the file is not UTF-8 (invalid byte 0x{:02x} at offset {})",
                    bytes[err.valid_up_to()],
                    err.valid_up_to()
                ),
            )
            .with_hint("save the file as UTF-8"));
        }
    };
    if text.lines().all(|line| {
        let line = line.trim_start_matches('\u{feff}').trim();
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
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            Err(SyntaxError {
                span: Span::start(),
                message: "the YAML parser failed on this file; please report it with the file"
                    .to_owned(),
            })
        }),
        Err(_) => parse_text(text),
    };
    match result {
        Ok(mut root) => {
            let lines: Vec<&str> = text.lines().collect();
            mark_quoted(&mut root, &lines);
            Ok(root)
        }
        Err(error) => Err(syntax_diagnostic(file, text, error)),
    }
}

/// Stack for the parsing thread.
const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// What the YAML parser said, and where.
struct SyntaxError {
    span: Span,
    message: String,
}

fn parse_text(text: &str) -> Result<Node, SyntaxError> {
    let mut options = serde_saphyr::options::Options::default();
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.strict_booleans = true;
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
        SyntaxError {
            span,
            message: plain_message(&err.to_string()),
        }
    })
}

/// Sets [`Node::quoted`] on scalars whose source text starts with a quote.
fn mark_quoted(node: &mut Node, lines: &[&str]) {
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| mark_quoted(n, lines)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            mark_quoted(k, lines);
            mark_quoted(v, lines);
        }),
        _ => {
            let first = lines.get(node.span.line as usize - 1).and_then(|line| {
                line.trim_start_matches('\u{feff}')
                    .chars()
                    .nth(node.span.col as usize - 1)
            });
            node.quoted = matches!(first, Some('"' | '\''));
        }
    }
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

/// Turns the parser's complaint into a diagnostic that points at the cause
/// and says what to write.
fn syntax_diagnostic(file: &str, text: &str, error: SyntaxError) -> Diagnostic {
    let SyntaxError { mut span, message } = error;
    let lower = message.to_lowercase();
    let line_text = |line: u32| text.lines().nth(line as usize - 1).unwrap_or("");

    if lower.contains("recursion limit") || lower.contains("depth") {
        return Diagnostic::error(
            file,
            span,
            format!("the spec nests maps and lists more than {MAX_DEPTH} levels deep"),
        )
        .with_hint(
            "a spec never needs this much nesting; look for runaway `[`, `{` or indentation",
        );
    }
    if lower.contains("budget") {
        return Diagnostic::error(
            file,
            span,
            format!("the file expands to too many YAML values ({message})"),
        )
        .with_hint("aliases (`*name`) copy what they point at; write the values out instead");
    }
    if lower.contains("multiple yaml documents") {
        let separator = text
            .lines()
            .enumerate()
            .skip(1)
            .find(|(_, line)| line.trim_end() == "---" || line.starts_with("--- "))
            .map(|(index, _)| Span::new(to_u32(index + 1), 1, 3));
        return Diagnostic::error(
            file,
            separator.unwrap_or(span),
            "YAML syntax: a spec file holds one YAML document, and this `---` starts a second one",
        )
        .with_hint("remove the `---` line, or put the second part in a file of its own");
    }

    // An unclosed quote or bracket is reported where it was opened: that
    // is what needs fixing, wherever the parser noticed.
    let scan = scan_openers(text);
    if let Some(open) = scan.open
        && (open.line, open.col) <= (span.line, span.col)
        && !lower.contains("tab")
        && !lower.contains("mismatched")
    {
        let (what, hint) = match open.closers.chars().next() {
            Some('"') | Some('\'') => (
                format!("this {} quote is never closed", open.name()),
                format!("close the text with `{}`", open.opener),
            ),
            _ => (
                format!("this `{}` is never closed", open.opener),
                if open.closers.chars().count() > 1 {
                    format!(
                        "close it with `{}` (the brackets still open need `{}`)",
                        open.closers.chars().next().unwrap_or(']'),
                        open.closers
                    )
                } else {
                    format!("close it with `{}`", open.closers)
                },
            ),
        };
        let mut diagnostic = Diagnostic::error(
            file,
            Span::new(open.line, open.col, 1),
            format!("YAML syntax: {what}"),
        )
        .with_hint(hint);
        if (open.line, open.col) != (span.line, span.col) {
            diagnostic = diagnostic.with_related(
                file,
                span,
                format!("the YAML parser stopped here: {message}"),
            );
        }
        return diagnostic;
    }

    // A quote or bracket closed many lines after it opened, with the parser
    // failing inside that stretch or on its closing line: almost always a
    // closing mark forgotten on the opening line, and the text ran on to the
    // next mark of the same kind.
    if let Some(stretch) = scan
        .stretches
        .iter()
        .filter(|s| s.line < span.line && span.line <= s.end_line)
        .max_by_key(|s| (s.line, s.col))
        && !lower.contains("tab")
    {
        let lines_later = stretch.end_line - stretch.line;
        let (what, closer) = match stretch.opener {
            '"' => ("this double quote".to_owned(), '"'),
            '\'' => ("this single quote".to_owned(), '\''),
            '[' => ("this `[`".to_owned(), ']'),
            _ => ("this `{`".to_owned(), '}'),
        };
        let mut diagnostic = Diagnostic::error(
            file,
            Span::new(stretch.line, stretch.col, 1),
            format!(
                "YAML syntax: {what} is closed only on line {}, {lines_later} line(s) later",
                stretch.end_line
            ),
        )
        .with_hint(format!(
            "close it with `{closer}` on line {} if it was meant to end there",
            stretch.line
        ));
        let close = Span::new(stretch.end_line, stretch.end_col, 1);
        if (close.line, close.col + 1) == (span.line, span.col) || close == span {
            diagnostic = diagnostic.with_related(
                file,
                close,
                format!("it closes here, and the YAML parser stopped right after: {message}"),
            );
        } else {
            diagnostic = diagnostic
                .with_related(file, close, "it closes here")
                .with_related(
                    file,
                    span,
                    format!("the YAML parser stopped here: {message}"),
                );
        }
        return diagnostic;
    }

    // A block scalar (`|`, `>`) whose text is not indented enough: the
    // parser reads the text as keys, and the fix is at the block's lines.
    if !lower.contains("tab")
        && let Some(block) = block_scalar_above(text, span.line)
    {
        let hint = match block.content_indent {
            None => format!(
                "the text of the block `{}` on line {} must be indented further than `{}` ({} space(s) or more)",
                block.header.trim(),
                block.line,
                block.key,
                block.indent + 1
            ),
            Some(content) => format!(
                "this line continues the block `{}` on line {}; indent it like the block's first line ({content} space(s))",
                block.header.trim(),
                block.line
            ),
        };
        return Diagnostic::error(file, span, format!("YAML syntax: {message}"))
            .with_hint(hint)
            .with_related(
                file,
                Span::new(block.line, to_u32(block.indent + 1), 1),
                "the block starts here",
            );
    }

    let mut hint = None;
    if lower.contains("tab") {
        // Point at the tab itself, not the character after it.
        let line = line_text(span.line);
        if let Some(index) = line
            .chars()
            .take_while(|c| c.is_whitespace())
            .position(|c| c == '\t')
        {
            span = Span::new(span.line, to_u32(index + 1), 1);
        }
        hint = Some("indent with spaces; YAML does not allow tabs for indentation".to_owned());
    } else if lower.contains("mismatched bracket") {
        hint = Some("close every `[` with `]` and every `{` with `}`, innermost first".to_owned());
    } else if lower.contains("unclosed bracket") {
        hint = Some("close every `[` with `]` and every `{` with `}`".to_owned());
    } else if lower.contains("quote") {
        hint = Some("close the text with the same quote mark it opened with".to_owned());
    } else if lower.contains("mapping values are not allowed") {
        let line = line_text(span.line);
        let before: String = line.chars().take(span.col as usize - 1).collect();
        hint = if before.contains(": ") {
            Some(
                "a value that contains `: ` must be quoted, such as `summary: \"Note: this\"`"
                    .to_owned(),
            )
        } else {
            indentation_hint(text, span.line)
        };
    } else if lower.contains("expected key") || lower.contains("indent") {
        hint = indentation_hint(text, span.line);
    } else if lower.contains("expected '-'") {
        hint = Some("a list's items each start with `- `; a `key:` cannot follow them at the same indentation".to_owned());
    }
    Diagnostic::error(file, span, format!("YAML syntax: {message}")).with_hint_opt(hint)
}

/// A block scalar header (`key: |`, `key: >-`) just above a line the
/// parser could not read.
struct BlockAbove<'t> {
    /// Its 1-based line.
    line: u32,
    /// The header line's text.
    header: &'t str,
    /// The key it belongs to.
    key: &'t str,
    /// The header's indentation.
    indent: usize,
    /// The indentation of the block's first text line, when it has one.
    content_indent: Option<usize>,
}

/// When `line` sits where the text of a block scalar would go and is not
/// indented as that text must be: right below the header and not indented
/// further than its key, or among the block's lines with less indentation
/// than its first one.
fn block_scalar_above(text: &str, line: u32) -> Option<BlockAbove<'_>> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let here = *lines.get((line as usize).checked_sub(1)?)?;
    let here_indent = indent(here);
    let mut content_indent = None;
    for index in (0..line as usize - 1).rev() {
        let candidate = lines[index];
        if candidate.trim().is_empty() {
            continue;
        }
        if let Some(key) = block_header_key(candidate) {
            let header_indent = indent(candidate);
            let broken = match content_indent {
                None => here_indent <= header_indent,
                Some(content) => here_indent > header_indent && here_indent < content,
            };
            return broken.then_some(BlockAbove {
                line: to_u32(index + 1),
                header: candidate,
                key,
                indent: header_indent,
                content_indent,
            });
        }
        // A text line of the block: the lowest indentation seen so far is
        // the block's own.
        let this = indent(candidate);
        content_indent = Some(content_indent.map_or(this, |c: usize| c.min(this)));
    }
    None
}

/// The key of a block scalar header line (`  description: >-` gives
/// `description`).
fn block_header_key(line: &str) -> Option<&str> {
    let without_comment = line.split(" #").next().unwrap_or(line).trim_end();
    let (key, indicator) = without_comment.trim_start().rsplit_once(": ")?;
    let mut chars = indicator.chars();
    let first = chars.next()?;
    (matches!(first, '|' | '>') && chars.all(|c| matches!(c, '-' | '+' | '0'..='9')))
        .then_some(key.trim_start_matches("- "))
}

/// A hint comparing the indentation of `line` with the content line above.
fn indentation_hint(text: &str, line: u32) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let here = lines.get(line as usize - 1)?;
    let indent = |l: &str| l.chars().take_while(|c| *c == ' ').count();
    let above = lines[..line as usize - 1]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let key = |l: &str| {
        l.trim()
            .split(':')
            .next()
            .unwrap_or("")
            .trim_start_matches("- ")
            .to_owned()
    };
    let (mine, theirs) = (indent(here), indent(above));
    if mine == theirs {
        return Some("keys of one map must start in the same column".to_owned());
    }
    Some(format!(
        "`{}` is indented {mine} space(s) and `{}` above it {theirs}: keys of one map must start in the same column, and a nested map must be indented further than its key",
        key(here),
        key(above)
    ))
}

/// A quote or bracket still open at the end of the text.
struct Open {
    line: u32,
    col: u32,
    opener: char,
    /// What closes it and everything still open around it, innermost first.
    closers: String,
}

impl Open {
    fn name(&self) -> &'static str {
        if self.opener == '"' {
            "double"
        } else {
            "single"
        }
    }
}

/// A quote or bracket that opened on one line and closed on a later one.
struct Stretch {
    line: u32,
    col: u32,
    opener: char,
    end_line: u32,
    end_col: u32,
}

/// What [`scan_openers`] found.
struct Scan {
    /// The innermost quote or bracket still open at the end of the text.
    open: Option<Open>,
    /// Quotes and brackets that ran over more than one line.
    stretches: Vec<Stretch>,
}

/// Finds the innermost quote or flow bracket (`[`, `{`) that is never
/// closed.
#[cfg(test)]
fn unclosed(text: &str) -> Option<Open> {
    scan_openers(text).open
}

/// Follows quotes and flow brackets (`[`, `{`) through the text, skipping
/// comments and block scalars (`|`, `>`): which one is never closed, and
/// which ran over several lines before closing.
fn scan_openers(text: &str) -> Scan {
    let mut stack: Vec<(u32, u32, char)> = Vec::new();
    let mut quote: Option<(u32, u32, char)> = None;
    let mut stretches = Vec::new();
    let mut block_scalar_indent: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let line_no = to_u32(index + 1);
        let indent = line.chars().take_while(|c| *c == ' ').count();
        if let Some(parent) = block_scalar_indent {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar_indent = None;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        // The last character that is not a space, for deciding whether a
        // quote or bracket starts a value.
        let mut previous: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            if let Some((open_line, open_col, q)) = quote {
                if c == '\\' && q == '"' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    if open_line != line_no {
                        stretches.push(Stretch {
                            line: open_line,
                            col: open_col,
                            opener: q,
                            end_line: line_no,
                            end_col: to_u32(i + 1),
                        });
                    }
                    previous = Some(c);
                }
                i += 1;
                continue;
            }
            let starts_value = match previous {
                None => true,
                Some(p) => {
                    matches!(p, ':' | ',' | '[' | '{' | '-' | '?')
                        && (i == 0 || chars[i - 1] == ' ' || matches!(p, '[' | '{' | ','))
                }
            };
            match c {
                '#' if i == 0 || chars[i - 1] == ' ' => break,
                '"' | '\''
                    if starts_value
                        || !stack.is_empty() && matches!(previous, Some('[' | '{' | ',' | ':')) =>
                {
                    quote = Some((line_no, to_u32(i + 1), c));
                }
                '[' | '{' if starts_value || !stack.is_empty() => {
                    stack.push((line_no, to_u32(i + 1), c));
                }
                ']' | '}' => {
                    let opener = if c == ']' { '[' } else { '{' };
                    if stack.last().is_some_and(|(_, _, open)| *open == opener)
                        && let Some((open_line, open_col, _)) = stack.pop()
                        && open_line != line_no
                    {
                        stretches.push(Stretch {
                            line: open_line,
                            col: open_col,
                            opener,
                            end_line: line_no,
                            end_col: to_u32(i + 1),
                        });
                    }
                }
                '|' | '>' if stack.is_empty() && starts_value => {
                    let rest: String = chars[i + 1..].iter().collect();
                    let rest = rest.split(" #").next().unwrap_or("").trim();
                    if rest.chars().all(|r| matches!(r, '-' | '+' | '0'..='9')) {
                        block_scalar_indent = Some(indent);
                        break;
                    }
                }
                _ => {}
            }
            if c != ' ' {
                previous = Some(c);
            }
            i += 1;
        }
    }
    let closers_of = |stack: &[(u32, u32, char)]| -> String {
        stack
            .iter()
            .rev()
            .map(|(_, _, c)| if *c == '[' { ']' } else { '}' })
            .collect()
    };
    let open = if let Some((line, col, q)) = quote {
        Some(Open {
            line,
            col,
            opener: q,
            closers: format!("{q}{}", closers_of(&stack)),
        })
    } else {
        stack.last().map(|&(line, col, opener)| Open {
            line,
            col,
            opener,
            closers: closers_of(&stack),
        })
    };
    Scan { open, stretches }
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
}

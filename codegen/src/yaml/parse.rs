//! The entry point: the limits applied, serde-saphyr's options (YAML 1.2
//! booleans, repeated keys kept), and which scalars were quoted.

use serde_saphyr::DuplicateKeyPolicy;

use super::limits::{MAX_DEPTH, MAX_FILE_BYTES, PARSE_STACK_BYTES};
use super::syntax::{SyntaxError, plain_message, syntax_diagnostic};
use super::tree::{Node, Value, to_u32, to_u32_64};
use crate::diag::{Diagnostic, Span};

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

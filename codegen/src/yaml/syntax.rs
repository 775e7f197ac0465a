//! A parser error made into a diagnostic: pointed at the cause (an
//! unclosed quote or bracket where it was opened, a block scalar's header,
//! a line indented out of step) and with a hint of what to write.

use super::limits::MAX_DEPTH;
use super::tree::to_u32;
use super::unclosed::scan_openers;
use crate::diag::{Diagnostic, Span};

/// What the YAML parser said, and where.
pub(super) struct SyntaxError {
    pub(super) span: Span,
    pub(super) message: String,
}

/// serde-saphyr's message without its own location prefix and snippet.
pub(super) fn plain_message(rendered: &str) -> String {
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
pub(super) fn syntax_diagnostic(file: &str, text: &str, error: SyntaxError) -> Diagnostic {
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
pub(super) fn block_header_key(line: &str) -> Option<&str> {
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

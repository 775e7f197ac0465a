//! Diagnostics: what is wrong with a spec, where, and what to write instead.
//!
//! Every problem the generator finds becomes a [`Diagnostic`] with a file, a
//! 1-based line and column, and often a hint. The same headline text is used
//! everywhere: `build.rs` prints it after `cargo::error=`, and the CLI's
//! `check` prints it above the offending source line with a caret, the way
//! rustc does.

use std::fmt;

/// A place in a spec file: 1-based line and column, and a length in
/// characters for the underline (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// Length in characters (at least 1).
    pub len: u32,
}

impl Span {
    /// A span of `len` characters at `line`:`col`.
    pub fn new(line: u32, col: u32, len: u32) -> Span {
        Span {
            line: line.max(1),
            col: col.max(1),
            len: len.max(1),
        }
    }

    /// The start of a file.
    pub fn start() -> Span {
        Span::new(1, 1, 1)
    }
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec cannot be used; nothing is generated.
    Error,
    /// Worth fixing, but code is still generated.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Another place that explains a diagnostic (where a duplicate was first
/// defined, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// The file, as given to the generator.
    pub file: String,
    /// Where in it.
    pub span: Span,
    /// What is there.
    pub note: String,
}

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as given to the generator (such as `spec/calls.yaml`).
    pub file: String,
    /// Where in the file.
    pub span: Span,
    /// What is wrong.
    pub message: String,
    /// What to write instead, when there is a likely fix.
    pub hint: Option<String>,
    /// Other places that explain the problem.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// An error at `span` in `file`.
    pub fn error(file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.to_owned(),
            span,
            message: message.into(),
            hint: None,
            related: Vec::new(),
        }
    }

    /// A warning at `span` in `file`.
    pub fn warning(file: &str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, span, message)
        }
    }

    /// Adds a hint (what to write instead).
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint when there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Diagnostic {
        self.hint = hint;
        self
    }

    /// Points at another place that explains the problem.
    pub fn with_related(mut self, file: &str, span: Span, note: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            file: file.to_owned(),
            span,
            note: note.into(),
        });
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The headline, `file:line:col: error: message`, without hint.
    pub fn headline(&self) -> String {
        format!(
            "{}:{}:{}: {}: {}",
            self.file, self.span.line, self.span.col, self.severity, self.message
        )
    }

    /// One line with everything: the headline, then the hint and the
    /// related places after `; `. This is what `build.rs` prints.
    pub fn one_line(&self) -> String {
        let mut line = self.headline();
        if let Some(hint) = &self.hint {
            line.push_str("; help: ");
            line.push_str(hint);
        }
        for related in &self.related {
            line.push_str(&format!(
                "; note: {} at {}:{}:{}",
                related.note, related.file, related.span.line, related.span.col
            ));
        }
        line
    }

    /// The rustc-like rendering: headline, the source line with a caret
    /// underline, then `= help:` and `= note:` lines. `source` is the text
    /// of `self.file`; related places in other files are named, not shown.
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = self.headline();
        out.push('\n');
        if let Some(text) = source.and_then(|s| s.lines().nth(self.span.line as usize - 1)) {
            let number = self.span.line.to_string();
            let pad = " ".repeat(number.len());
            let shown: String = text.replace('\t', " ");
            let before = self.span.col.saturating_sub(1) as usize;
            let available = shown.chars().count().saturating_sub(before).max(1);
            let len = (self.span.len as usize).min(available);
            out.push_str(&format!(
                "{pad} |\n{number} | {shown}\n{pad} | {}{}\n",
                " ".repeat(before),
                "^".repeat(len)
            ));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = help: {hint}\n"));
        }
        for related in &self.related {
            out.push_str(&format!(
                "  = note: {} at {}:{}:{}\n",
                related.note, related.file, related.span.line, related.span.col
            ));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.one_line())
    }
}

/// The problems of one run, errors and warnings, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// No problems yet.
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Records a problem.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records several problems.
    pub fn extend(&mut self, more: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(more);
    }

    /// True when any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    /// Every problem, sorted by file, then line, then column (stable for
    /// problems at the same place).
    pub fn sorted(&self, file_order: &[String]) -> Vec<Diagnostic> {
        let mut items = self.items.clone();
        let rank = |file: &str| {
            file_order
                .iter()
                .position(|f| f == file)
                .unwrap_or(usize::MAX)
        };
        items.sort_by(|a, b| {
            (rank(&a.file), &a.file, a.span.line, a.span.col).cmp(&(
                rank(&b.file),
                &b.file,
                b.span.line,
                b.span.col,
            ))
        });
        items.dedup();
        items
    }

    /// Every problem in the order recorded.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// True when there are no problems at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a
/// likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&word.to_lowercase(), &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, counting a swap of two neighbours as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        table[i * width] = i;
    }
    for (j, cell) in table.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let keys = ["type", "required", "description", "example"];
        assert_eq!(did_you_mean("requird", keys), Some("required"));
        assert_eq!(did_you_mean("tpye", keys), Some("type"));
        assert_eq!(did_you_mean("colour", keys), None);
    }

    #[test]
    fn renders_a_caret_under_the_span() {
        let d = Diagnostic::error("spec/x.yaml", Span::new(2, 5, 7), "unknown key `requird`")
            .with_hint("did you mean `required`?");
        let text = d.render(Some("a:\n    requird: true\n"));
        assert_eq!(
            text,
            "spec/x.yaml:2:5: error: unknown key `requird`\n  |\n2 |     requird: true\n  |     ^^^^^^^\n  = help: did you mean `required`?\n"
        );
        assert_eq!(
            d.one_line(),
            "spec/x.yaml:2:5: error: unknown key `requird`; help: did you mean `required`?"
        );
    }
}

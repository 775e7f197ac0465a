//! Reading YAML maps and scalars with every problem reported: unknown keys
//! (with a did-you-mean), repeated keys, missing keys and values of the
//! wrong shape. The spec reader in `read` is written on top.

use super::model::Sp;
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::yaml::{Node, Value};

/// `a, b or c`.
fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What to write instead of a value that is not one of `allowed`: the
/// value without quotes, the closest allowed word, or the list.
pub(super) fn word_hint(node: &Node, allowed: &[&str]) -> Option<String> {
    let text = node.scalar_text();
    if node.quoted && allowed.contains(&text.as_str()) {
        return Some(format!("remove the quotes: `{text}`"));
    }
    let yaml11 = match text.to_lowercase().as_str() {
        "yes" | "y" | "on" => Some("true"),
        "no" | "n" | "off" => Some("false"),
        _ => None,
    };
    if let Some(word) = yaml11
        && allowed.contains(&word)
    {
        return Some(format!(
            "YAML booleans are written `true` and `false`: did you mean `{word}`?"
        ));
    }
    did_you_mean(&text, allowed.iter().copied())
        .filter(|_| node.as_str().is_some())
        .map(|best| format!("did you mean `{best}`?"))
}

/// Whether a map's keys are fixed keys (`summary:`) or names chosen by the
/// spec's author (methods, params, types); the messages differ.
#[derive(Clone, Copy)]
enum KeyRole {
    Key,
    Name,
}

/// Reads the values of one spec file: the file's name, for diagnostics,
/// and the list every problem goes to.
pub(super) struct FileReader<'a> {
    pub(super) path: &'a str,
    pub(super) diags: &'a mut Diagnostics,
}

/// A map being read: its entries with allowed keys, looked up by key.
/// Unknown and repeated keys were reported when the map was opened
/// ([`FileReader::map`]) and are not in it.
pub(super) struct MapReader<'n> {
    entries: Vec<(Sp<String>, &'n Node)>,
    /// Where a missing key is reported: the name of what the map describes
    /// (the method, the param), or the map itself.
    span: Span,
    /// Keys that an unknown key was reported as a likely typo of: their
    /// absence is not reported a second time.
    pub(super) typos: Vec<&'static str>,
}

impl<'n> MapReader<'n> {
    pub(super) fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.value == key)
    }

    /// The value of `key`, if the map has it. Nothing is reported when it
    /// is missing (that is [`MapReader::require`]), and the entry stays in
    /// the map: a key is never "left over", since unknown keys were
    /// reported when the map was opened.
    pub(super) fn take(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v)
    }

    pub(super) fn require(
        &mut self,
        cx: &mut FileReader<'_>,
        key: &str,
        what: &str,
    ) -> Option<&'n Node> {
        let found = self.take(key);
        if found.is_none() && !self.typos.contains(&key) {
            cx.diags.push(
                Diagnostic::error(cx.path, self.span, format!("{what} is missing `{key}`"))
                    .with_hint(format!("add `{key}:`")),
            );
        }
        found
    }

    pub(super) fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(k, _)| k.span)
    }
}

impl FileReader<'_> {
    /// Opens a map, reporting unknown keys, repeated keys and keys that are
    /// not text.
    pub(super) fn map<'n>(
        &mut self,
        node: &'n Node,
        owner: Option<Span>,
        what: &str,
        allowed: &'static [&'static str],
    ) -> Option<MapReader<'n>> {
        let Value::Map(raw) = &node.value else {
            self.diags.push(
                Diagnostic::error(
                    self.path,
                    node.span,
                    format!(
                        "{what} must be a map of keys, not {}",
                        node.value.kind_name()
                    ),
                )
                .with_hint(format!("allowed keys: {}", allowed.join(", "))),
            );
            return None;
        };
        let mut entries: Vec<(Sp<String>, &Node)> = Vec::new();
        let mut typos = Vec::new();
        for (key, value) in raw {
            let Some(text) = self.unique_key(key, &entries, what, KeyRole::Key) else {
                continue;
            };
            if !allowed.contains(&text) {
                let hint = match did_you_mean(text, allowed.iter().copied()) {
                    Some(best) => {
                        typos.push(best);
                        format!("did you mean `{best}`?")
                    }
                    None => format!("allowed keys: {}", allowed.join(", ")),
                };
                self.diags.push(
                    Diagnostic::error(
                        self.path,
                        key.span,
                        format!("unknown key `{text}` in {what}"),
                    )
                    .with_hint(hint),
                );
                continue;
            }
            entries.push((Sp::new(text.to_owned(), key.span), value));
        }
        Some(MapReader {
            entries,
            span: owner.unwrap_or(node.span),
            typos,
        })
    }

    /// The text of a map key, or `None` (reported) when it is not text or
    /// repeats a key already in `seen`.
    fn unique_key<'k>(
        &mut self,
        key: &'k Node,
        seen: &[(Sp<String>, &Node)],
        what: &str,
        role: KeyRole,
    ) -> Option<&'k str> {
        let Some(text) = key.as_str() else {
            let noun = match role {
                KeyRole::Key => "keys",
                KeyRole::Name => "names",
            };
            self.diags.push(Diagnostic::error(
                self.path,
                key.span,
                format!(
                    "{noun} in {what} must be text, not {}",
                    key.value.kind_name()
                ),
            ));
            return None;
        };
        if let Some((first, _)) = seen.iter().find(|(k, _)| k.value == text) {
            let (message, hint) = match role {
                KeyRole::Key => (
                    format!("key `{text}` is given twice in {what}"),
                    "remove one of them",
                ),
                KeyRole::Name => (
                    format!("`{text}` is given twice in {what}"),
                    "remove or rename one of them",
                ),
            };
            self.diags.push(
                Diagnostic::error(self.path, key.span, message)
                    .with_hint(hint)
                    .with_related(self.path, first.span, "first given"),
            );
            return None;
        }
        Some(text)
    }

    /// The entries of a map keyed by names (methods, params, types):
    /// repeated names are reported and dropped.
    pub(super) fn entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Vec<(Sp<String>, &'n Node)> {
        let raw = match &node.value {
            Value::Map(raw) => raw,
            Value::Null => return Vec::new(),
            other => {
                self.diags.push(Diagnostic::error(
                    self.path,
                    node.span,
                    format!(
                        "{what} must be a map keyed by name, not {}",
                        other.kind_name()
                    ),
                ));
                return Vec::new();
            }
        };
        let mut out: Vec<(Sp<String>, &Node)> = Vec::new();
        for (key, value) in raw {
            let Some(text) = self.unique_key(key, &out, what, KeyRole::Name) else {
                continue;
            };
            out.push((Sp::new(text.to_owned(), key.span), value));
        }
        out
    }

    pub(super) fn list<'n>(&mut self, node: &'n Node, what: &str) -> Vec<&'n Node> {
        match &node.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            other => {
                self.diags.push(Diagnostic::error(
                    self.path,
                    node.span,
                    format!("{what} must be a list, not {}", other.kind_name()),
                ));
                Vec::new()
            }
        }
    }

    pub(super) fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(text) => Some(text.clone()),
            other => {
                let hint = match other {
                    Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Null => Some(
                        format!("quote it to make it text: `\"{}\"`", node.scalar_text()),
                    ),
                    _ => None,
                };
                self.diags.push(
                    Diagnostic::error(
                        self.path,
                        node.span,
                        format!("{what} must be text, not {}", other.kind_name()),
                    )
                    .with_hint_opt(hint),
                );
                None
            }
        }
    }

    pub(super) fn one_of_words<T: Copy>(
        &mut self,
        node: &Node,
        what: &str,
        words: &[(&str, T)],
    ) -> Option<Sp<T>> {
        if let Value::Str(text) = &node.value
            && let Some((_, value)) = words.iter().find(|(word, _)| word == text)
        {
            return Some(Sp::new(*value, node.span));
        }
        let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
        self.diags.push(
            Diagnostic::error(
                self.path,
                node.span,
                format!("{what} is {}; it must be {}", node.shown(), or_list(&names)),
            )
            .with_hint_opt(word_hint(node, &names)),
        );
        None
    }
}

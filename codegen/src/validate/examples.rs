//! The examples pass, run after resolution: every `example` and
//! `example_response` recorded by the types and methods passes is checked
//! against the resolved types, without resolving anything again.

use std::collections::BTreeMap;

use super::declare::Declared;
use super::events::EventExample;
use super::resolve::{ExampleSite, Expect};
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir;
use crate::yaml::{Node, Value};

/// Checks every recorded example.
pub(super) fn check(
    types: &BTreeMap<&str, Declared<'_>>,
    shapes: &BTreeMap<String, Vec<ir::Field>>,
    sites: &[ExampleSite],
    events: &[EventExample],
    diags: &mut Diagnostics,
) {
    let checker = Checker { types, shapes };
    for event in events {
        checker.check_event_example(event, diags);
    }
    for site in sites {
        match &site.expect {
            Expect::Value(ty) => {
                checker.check_example(&site.file, &site.node, site.owner, ty, diags)
            }
            Expect::Response(response) => {
                checker.check_example_response(&site.file, &site.node, site.owner, response, diags)
            }
        }
    }
}

/// The declared types (for enum values and union tags) and the resolved
/// fields of each.
struct Checker<'a> {
    types: &'a BTreeMap<&'a str, Declared<'a>>,
    shapes: &'a BTreeMap<String, Vec<ir::Field>>,
}

impl Checker<'_> {
    fn fields_of(&self, name: &str) -> &[ir::Field] {
        self.shapes.get(name).map_or(&[], Vec::as_slice)
    }

    /// An event's `example`: the inner event, with `type` naming the event.
    fn check_event_example(&self, event: &EventExample, diags: &mut Diagnostics) {
        let (file, node) = (event.file.as_str(), &event.node);
        let Value::Map(entries) = &node.value else {
            diags.push(
                Diagnostic::error(
                    file,
                    node.span,
                    format!(
                        "the example of event `{}` must be a map, not {}",
                        event.wire,
                        node.value.kind_name()
                    ),
                )
                .with_hint("write the inner event as Slack sends it, `type` included"),
            );
            return;
        };
        match entries.iter().find(|(k, _)| k.scalar_text() == "type") {
            Some((_, value)) if value.as_str() == Some(event.wire.as_str()) => {}
            Some((_, value)) => diags.push(
                Diagnostic::error(
                    file,
                    value.span,
                    format!(
                        "the example's `type` is {}, and the event is `{}`",
                        short(&value.shown()),
                        event.wire
                    ),
                )
                .with_hint(format!("write `type: {}`", event.wire)),
            ),
            None => diags.push(
                Diagnostic::error(
                    file,
                    event.owner,
                    format!("the example of event `{}` has no `type`", event.wire),
                )
                .with_hint(format!("add `type: {}`", event.wire)),
            ),
        }
        let fields = self.fields_of(&event.ty);
        self.check_fields(file, node, event.owner, entries, fields, &["type"], diags);
    }

    fn check_example_response(
        &self,
        file: &str,
        node: &Node,
        owner: Span,
        response: &[ir::Field],
        diags: &mut Diagnostics,
    ) {
        let Value::Map(entries) = &node.value else {
            diags.push(Diagnostic::error(
                file,
                node.span,
                format!(
                    "`example_response` must be a map, not {}",
                    node.value.kind_name()
                ),
            ));
            return;
        };
        match entries.iter().find(|(k, _)| k.as_str() == Some("ok")) {
            Some((_, ok)) if ok.value == Value::Bool(true) => {}
            Some((_, ok)) => diags.push(
                Diagnostic::error(
                    file,
                    ok.span,
                    "`example_response` must show a success, with `ok: true`",
                )
                .with_hint("errors are listed under `errors`, not shown in the example"),
            ),
            None => diags.push(
                Diagnostic::error(file, owner, "`example_response` has no `ok: true`")
                    .with_hint("add `ok: true`"),
            ),
        }
        self.check_fields(
            file,
            node,
            owner,
            entries,
            response,
            &["ok", "warning", "response_metadata"],
            diags,
        );
    }

    /// Checks a map of example values against fields. `owner` is the key
    /// the map stands under, where a missing field is reported when the map
    /// is written as indented lines (a `{ ... }` map is pointed at itself).
    #[allow(clippy::too_many_arguments)]
    fn check_fields(
        &self,
        file: &str,
        node: &Node,
        owner: Span,
        entries: &[(Node, Node)],
        fields: &[ir::Field],
        envelope: &[&str],
        diags: &mut Diagnostics,
    ) {
        for (key, value) in entries {
            let key_text = key.scalar_text();
            match fields.iter().find(|f| f.wire == key_text) {
                Some(field) => self.check_example(file, value, key.span, &field.ty, diags),
                None if envelope.contains(&key_text.as_str()) => {}
                // Slack's examples carry fields the spec leaves out, and
                // decoding ignores them, so they are allowed; only a key
                // that looks like a misspelling of a declared field the
                // example lacks is worth a word.
                None => {
                    let absent = fields
                        .iter()
                        .map(|f| f.wire.as_str())
                        .filter(|wire| !entries.iter().any(|(k, _)| k.scalar_text() == *wire));
                    let close = did_you_mean(&key_text, absent)
                        .filter(|best| best.len().abs_diff(key_text.len()) <= 2);
                    if let Some(best) = close {
                        diags.push(
                            Diagnostic::warning(
                                file,
                                key.span,
                                format!(
                                    "example has `{key_text}`, which is not a declared field, and lacks `{best}`, which is"
                                ),
                            )
                            .with_hint(format!(
                                "did you mean `{best}`? Undeclared fields are allowed, as decoding ignores them, but `{best}` goes unchecked"
                            )),
                        );
                    }
                }
            }
        }
        let block = entries
            .first()
            .is_some_and(|(k, _)| (k.span.line, k.span.col) == (node.span.line, node.span.col));
        let missing_at = if block { owner } else { node.span };
        for field in fields.iter().filter(|f| f.required == ir::Required::Yes) {
            if !entries.iter().any(|(k, _)| k.scalar_text() == field.wire) {
                diags.push(
                    Diagnostic::error(
                        file,
                        missing_at,
                        format!("example is missing required field `{}`", field.wire),
                    )
                    .with_hint(format!("add `{}:` to the example", field.wire)),
                );
            }
        }
    }

    /// Checks that an example value fits a type. `owner` is the key the
    /// value stands under.
    fn check_example(
        &self,
        file: &str,
        node: &Node,
        owner: Span,
        ty: &ir::Ty,
        diags: &mut Diagnostics,
    ) {
        let mismatch = |expected: &str| {
            Diagnostic::error(
                file,
                node.span,
                format!(
                    "example {} does not fit type {expected}",
                    short(&node.shown())
                ),
            )
        };
        // What to write instead, when the value was merely written in the
        // wrong form.
        let unquote = node.quoted.then(|| "remove the quotes".to_owned());
        match (ty, &node.value) {
            (ir::Ty::String | ir::Ty::Token, Value::Str(_)) => {}
            (ir::Ty::Url, Value::Str(s)) => {
                if !s.contains(':') {
                    diags.push(
                        mismatch("`url`")
                            .with_hint("an absolute URL, such as `https://example.com/x`"),
                    );
                }
            }
            (ir::Ty::Integer | ir::Ty::Timestamp | ir::Ty::Duration, Value::Int(_)) => {}
            (ir::Ty::Boolean, Value::Bool(_)) => {}
            // Anything JSON can hold: Slack leaves it open.
            (ir::Ty::Json, _) => {}
            (ir::Ty::List(item), Value::Seq(items)) => {
                for item_node in items {
                    self.check_example(file, item_node, item_node.span, item, diags);
                }
            }
            (ir::Ty::Map(item), Value::Map(entries)) => {
                for (key, value) in entries {
                    self.check_example(file, value, key.span, item, diags);
                }
            }
            (ir::Ty::Named { name, kind, .. }, value) => {
                let Some(declared) = self.types.get(name.as_str()) else {
                    return;
                };
                match (kind, value) {
                    (ir::Kind::Id, Value::Str(_)) => {}
                    (ir::Kind::Enum, Value::Str(s)) => {
                        if !declared.def.values.iter().any(|(v, _)| &v.value == s) {
                            let names: Vec<&str> = declared
                                .def
                                .values
                                .iter()
                                .map(|(v, _)| v.value.as_str())
                                .collect();
                            diags.push(
                                mismatch(&format!("`{name}`"))
                                    .with_hint(format!("allowed values: {}", names.join(", "))),
                            );
                        }
                    }
                    (ir::Kind::Object, Value::Map(entries)) => {
                        let fields = self.fields_of(name);
                        self.check_fields(file, node, owner, entries, fields, &[], diags);
                    }
                    (ir::Kind::Union, Value::Map(entries)) => {
                        let Some(tag) = &declared.def.tag else {
                            return;
                        };
                        let tag_value = entries
                            .iter()
                            .find(|(k, _)| k.scalar_text() == tag.value)
                            .map(|(_, v)| v);
                        let Some(text) = tag_value.and_then(|v| v.as_str()) else {
                            diags.push(
                                Diagnostic::error(
                                    file,
                                    node.span,
                                    format!(
                                        "example of `{name}` has no `{}` naming its variant",
                                        tag.value
                                    ),
                                )
                                .with_hint(format!(
                                    "add `{}:` with the variant's name as text",
                                    tag.value
                                )),
                            );
                            return;
                        };
                        // A tag this version does not know passes through as it is.
                        let Some((_, variant_ty)) =
                            declared.def.variants.iter().find(|(v, _)| v.value == text)
                        else {
                            return;
                        };
                        if !self.types.contains_key(variant_ty.value.as_str()) {
                            return;
                        }
                        let fields = self.fields_of(&variant_ty.value);
                        let envelope = [tag.value.as_str()];
                        self.check_fields(file, node, owner, entries, fields, &envelope, diags);
                    }
                    _ => diags.push(mismatch(&format!("`{name}`"))),
                }
            }
            (ir::Ty::String, _) => {
                diags.push(mismatch("`string`").with_hint("quote it to make it text"))
            }
            (ir::Ty::Token, _) => diags.push(
                mismatch("`token`").with_hint("a token is text: quote it, such as `\"xoxb-…\"`"),
            ),
            (ir::Ty::Url, _) => diags.push(
                mismatch("`url`").with_hint("an absolute URL, such as `https://example.com/x`"),
            ),
            (ir::Ty::Integer, _) => diags
                .push(mismatch("`integer`").with_hint(
                    unquote.unwrap_or_else(|| "a whole number, such as `3`".to_owned()),
                )),
            (ir::Ty::Timestamp, _) => diags.push(mismatch("`timestamp`").with_hint(
                unquote.unwrap_or_else(|| "Unix seconds, such as `1700000000`".to_owned()),
            )),
            (ir::Ty::Duration, _) => {
                diags.push(mismatch("`duration`").with_hint(
                    unquote.unwrap_or_else(|| "whole seconds, such as `1800`".to_owned()),
                ))
            }
            (ir::Ty::Boolean, _) => {
                let hint = match node.as_str().map(str::to_lowercase).as_deref() {
                    _ if node.quoted => "remove the quotes".to_owned(),
                    Some("yes" | "y" | "on") => {
                        "YAML booleans are written `true` and `false`: did you mean `true`?"
                            .to_owned()
                    }
                    Some("no" | "n" | "off") => {
                        "YAML booleans are written `true` and `false`: did you mean `false`?"
                            .to_owned()
                    }
                    _ => "`true` or `false`".to_owned(),
                };
                diags.push(mismatch("`boolean`").with_hint(hint))
            }
            (ir::Ty::List(_), _) => diags.push(mismatch("a list")),
            (ir::Ty::Map(_), _) => diags.push(mismatch("a map").with_hint(
                "a map of text keys to values, such as `{ \"https://example.com/x\": { ... } }`",
            )),
        }
    }
}

/// A shown value cut to about 40 characters (keeping its closing backtick).
fn short(shown: &str) -> String {
    if shown.chars().count() > 42 {
        let cut: String = shown.chars().take(40).collect();
        if shown.starts_with('`') {
            format!("{cut}…`")
        } else {
            format!("{cut}…")
        }
    } else {
        shown.to_owned()
    }
}

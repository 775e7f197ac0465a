//! Reads a `types:` entry into a [`TypeDef`], and the fields and `one_of`
//! groups that types, methods' params and events all declare.

use super::map::{FileReader, word_hint};
use super::model::{FieldDef, ListEncoding, Req, Sp, TypeDef, TypeKind};
use crate::diag::Diagnostic;
use crate::yaml::{Node, Value};

const TYPE_KEYS: &[&str] = &[
    "kind",
    "description",
    "example",
    "fields",
    "one_of",
    "values",
    "tag",
    "variants",
];
const FIELD_KEYS: &[&str] = &[
    "type",
    "required",
    "description",
    "example",
    "min_items",
    "encoding",
];

pub(super) fn read_type(cx: &mut FileReader<'_>, name: Sp<String>, body: &Node) -> Option<TypeDef> {
    let what = format!("type `{}`", name.value);
    let map = cx.map(body, Some(name.span), &what, TYPE_KEYS)?;
    let kinds = [
        ("id", TypeKind::Id),
        ("object", TypeKind::Object),
        ("enum", TypeKind::Enum),
        ("union", TypeKind::Union),
    ];
    // Without a usable `kind`, go on with the kind the other keys suggest,
    // so that problems inside the type are reported too (and uses of the
    // type are not reported as unknown).
    let guess = if map.has("variants") || map.has("tag") {
        TypeKind::Union
    } else if map.has("fields") || map.has("one_of") {
        TypeKind::Object
    } else if map.has("values") {
        TypeKind::Enum
    } else {
        TypeKind::Id
    };
    let kind = match map.take("kind") {
        Some(node) => cx
            .one_of_words(node, "`kind`", &kinds)
            .unwrap_or(Sp::new(guess, node.span)),
        None if map.typos.contains(&"kind") => Sp::new(guess, name.span),
        None => {
            cx.diags.push(
                Diagnostic::error(cx.path, name.span, format!("{what} is missing `kind`"))
                    .with_hint(format!(
                        "add `kind: {}` (allowed values: id, object, enum, union)",
                        kind_word(guess)
                    )),
            );
            Sp::new(guess, name.span)
        }
    };
    let description = map
        .take("description")
        .and_then(|n| cx.text(n, "`description`"));
    let example = map.take("example").cloned();
    let fields = map
        .take("fields")
        .map(|node| {
            read_fields(cx, node, "`fields`", |field| {
                format!("field `{field}` of type `{}`", name.value)
            })
        })
        .unwrap_or_default();
    let one_of = map
        .take("one_of")
        .map(|node| read_one_of(cx, node, "field"))
        .unwrap_or_default();
    let mut values = Vec::new();
    if let Some(node) = map.take("values") {
        for (value, body) in cx.entries(node, "`values`") {
            let description = match &body.value {
                Value::Null => None,
                _ => cx.text(body, "a value's description"),
            };
            values.push((value, description));
        }
    }
    let tag = map.take("tag").and_then(|node| {
        cx.text(node, "`tag` (the JSON key that names the variant)")
            .map(|text| Sp::new(text, node.span))
    });
    let mut variants = Vec::new();
    if let Some(node) = map.take("variants") {
        for (value, body) in cx.entries(node, "`variants`") {
            if let Some(ty) = cx.text(body, "a variant's object type") {
                variants.push((value, Sp::new(ty, body.span)));
            }
        }
    }
    for (key, present, allowed) in [
        ("fields", !fields.is_empty(), kind.value == TypeKind::Object),
        ("one_of", !one_of.is_empty(), kind.value == TypeKind::Object),
        ("values", !values.is_empty(), kind.value == TypeKind::Enum),
        ("tag", tag.is_some(), kind.value == TypeKind::Union),
        (
            "variants",
            !variants.is_empty(),
            kind.value == TypeKind::Union,
        ),
    ] {
        if present && !allowed {
            let span = map.key_span(key).unwrap_or(name.span);
            cx.diags.push(Diagnostic::error(
                cx.path,
                span,
                format!(
                    "`{key}` does not belong in a type of kind `{}`",
                    kind_word(kind.value)
                ),
            ));
        }
    }
    if kind.value == TypeKind::Enum && values.is_empty() {
        cx.diags.push(
            Diagnostic::error(
                cx.path,
                name.span,
                format!("enum type `{}` has no `values`", name.value),
            )
            .with_hint("list the values Slack sends under `values:`"),
        );
    }
    if kind.value == TypeKind::Union {
        if tag.is_none() && !map.typos.contains(&"tag") && !map.has("tag") {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    name.span,
                    format!("union type `{}` is missing `tag`", name.value),
                )
                .with_hint("name the JSON key that tells the variants apart, such as `tag: type`"),
            );
        }
        if variants.is_empty() && !map.typos.contains(&"variants") && !map.has("variants") {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    name.span,
                    format!("union type `{}` has no `variants`", name.value),
                )
                .with_hint(
                    "map each tag value to an object type, such as `variants: { call: CallBlock }`",
                ),
            );
        }
    }
    Some(TypeDef {
        name,
        kind,
        description,
        example,
        fields,
        one_of,
        values,
        tag,
        variants,
    })
}

/// `one_of: [[a, b], [c, d]]`: groups of field (or param) names.
pub(super) fn read_one_of(
    cx: &mut FileReader<'_>,
    node: &Node,
    what: &str,
) -> Vec<Vec<Sp<String>>> {
    let mut one_of = Vec::new();
    for group in cx.list(node, "`one_of`") {
        let names = cx.list(group, &format!("a `one_of` group (a list of {what} names)"));
        let names: Vec<Sp<String>> = names
            .iter()
            .filter_map(|n| {
                cx.text(n, &format!("a {what} name"))
                    .map(|t| Sp::new(t, n.span))
            })
            .collect();
        if !names.is_empty() {
            one_of.push(names);
        }
    }
    one_of
}

fn kind_word(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Id => "id",
        TypeKind::Object => "object",
        TypeKind::Enum => "enum",
        TypeKind::Union => "union",
    }
}

/// Every entry of a map of fields (a type's `fields`, a method's `params`
/// or `response`), each read with [`read_field`]; `what` names an entry in
/// diagnostics.
pub(super) fn read_fields(
    cx: &mut FileReader<'_>,
    node: &Node,
    section: &str,
    what: impl Fn(&str) -> String,
) -> Vec<FieldDef> {
    let mut fields = Vec::new();
    for (field, body) in cx.entries(node, section) {
        let what = what(&field.value);
        if let Some(def) = read_field(cx, field, body, &what) {
            fields.push(def);
        }
    }
    fields
}

pub(super) fn read_field(
    cx: &mut FileReader<'_>,
    name: Sp<String>,
    body: &Node,
    what: &str,
) -> Option<FieldDef> {
    // Shorthand: `name: string`.
    if let Value::Str(ty) = &body.value {
        return Some(FieldDef {
            ty: Some(Sp::new(ty.clone(), body.span)),
            required: Sp::new(Req::No, name.span),
            name,
            description: None,
            example: None,
            min_items: None,
            encoding: None,
        });
    }
    let mut map = cx.map(body, Some(name.span), what, FIELD_KEYS)?;
    let ty = map
        .require(cx, "type", what)
        .and_then(|n| cx.text(n, "`type`").map(|t| Sp::new(t, n.span)));
    let required = match map.take("required") {
        Some(node) => match &node.value {
            Value::Bool(true) => Sp::new(Req::Yes, node.span),
            Value::Bool(false) => Sp::new(Req::No, node.span),
            Value::Str(word) if word == "with_bot_token" && !node.quoted => {
                Sp::new(Req::WithBotToken, node.span)
            }
            _ => {
                let allowed = ["true", "false", "with_bot_token"];
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!(
                            "`required` is {}; it must be true, false or with_bot_token",
                            node.shown()
                        ),
                    )
                    .with_hint_opt(word_hint(node, &allowed)),
                );
                Sp::new(Req::No, node.span)
            }
        },
        None => Sp::new(Req::No, name.span),
    };
    let description = map
        .take("description")
        .and_then(|n| cx.text(n, "`description`"));
    let example = map.take("example").cloned();
    let min_items = map.take("min_items").and_then(|node| match node.value {
        Value::Int(n) if n >= 0 => Some(Sp::new(n.unsigned_abs(), node.span)),
        _ => {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    node.span,
                    format!(
                        "`min_items` is {}; it must be a whole number, 0 or more",
                        node.shown()
                    ),
                )
                .with_hint("write a number without quotes, such as `min_items: 1`"),
            );
            None
        }
    });
    let encoding = map.take("encoding").and_then(|node| {
        cx.one_of_words(
            node,
            "`encoding`",
            &[("json", ListEncoding::Json), ("comma", ListEncoding::Comma)],
        )
    });
    Some(FieldDef {
        name,
        ty,
        required,
        description,
        example,
        min_items,
        encoding,
    })
}

//! The spec as written: one [`SpecFile`] per YAML file, every name and value
//! with the place it came from.
//!
//! Reading a file never stops at the first problem: unknown keys (with a
//! did-you-mean), repeated keys, missing keys and values of the wrong shape
//! are all recorded, and whatever could be read is kept so that the
//! cross-file checks in `validate` can still run.

use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::yaml::{Node, Value};

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }
}

/// One spec file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecFile {
    /// The file's name as given (used in diagnostics).
    pub path: String,
    /// Its `types:`.
    pub types: Vec<TypeDef>,
    /// Its `errors:` (errors any method can answer).
    pub errors: Vec<ErrorDef>,
    /// Its `methods:`.
    pub methods: Vec<MethodDef>,
    /// Types declared under `types:` that could not be read (their
    /// problems are reported); uses of them are not reported again.
    pub unreadable_types: Vec<Sp<String>>,
}

/// What sort of type a `types:` entry declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    /// A string newtype for an ID (`UserId`).
    Id,
    /// A struct with fields.
    Object,
    /// A string enum that keeps unknown values.
    Enum,
    /// Objects told apart by a tag field (`{"type": "call", …}`), with a
    /// pass-through for tags this version does not know.
    Union,
}

/// A named type under `types:`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Its name (UpperCamelCase).
    pub name: Sp<String>,
    /// Id, object or enum.
    pub kind: Sp<TypeKind>,
    /// Its documentation.
    pub description: Option<String>,
    /// An example value (ID types).
    pub example: Option<Node>,
    /// Fields (objects).
    pub fields: Vec<FieldDef>,
    /// Groups of fields of which at least one group must be fully present
    /// (objects).
    pub one_of: Vec<Vec<Sp<String>>>,
    /// The allowed values (enums), with their descriptions.
    pub values: Vec<(Sp<String>, Option<String>)>,
    /// The JSON key that names the variant (unions).
    pub tag: Option<Sp<String>>,
    /// Tag value → object type name (unions), in spec order.
    pub variants: Vec<(Sp<String>, Sp<String>)>,
}

/// Whether a param or field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Req {
    /// Always.
    Yes,
    /// Never required.
    No,
    /// Only with a bot token.
    WithBotToken,
}

/// A param of a method, a field of a response or of an object type.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// Slack's name for it.
    pub name: Sp<String>,
    /// The type as written (`string`, `list<CallUser>`), when given.
    pub ty: Option<Sp<String>>,
    /// Whether it must be present.
    pub required: Sp<Req>,
    /// Its documentation.
    pub description: Option<String>,
    /// An example value.
    pub example: Option<Node>,
    /// For lists: the fewest items accepted.
    pub min_items: Option<Sp<u64>>,
}

/// An error code and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDef {
    /// Slack's code (snake_case).
    pub code: Sp<String>,
    /// What it means.
    pub description: String,
}

/// HTTP verb of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// A rate tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Tiers 1 to 4.
    Numbered(u8),
    /// A method with its own limit.
    Special,
}

/// A method under `methods:`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDef {
    /// Slack's name, such as `calls.participants.add`.
    pub name: Sp<String>,
    /// One line.
    pub summary: String,
    /// More documentation.
    pub description: Option<String>,
    /// Slack's reference page.
    pub docs_url: Option<String>,
    /// GET or POST (default POST).
    pub http: Http,
    /// The rate tier.
    pub rate_tier: Tier,
    /// Scopes for bot tokens.
    pub bot_scopes: Vec<Sp<String>>,
    /// Scopes for user tokens.
    pub user_scopes: Vec<Sp<String>>,
    /// Whether resending after an ambiguous failure is safe.
    pub idempotent: bool,
    /// Params in order.
    pub params: Vec<FieldDef>,
    /// Response fields in order.
    pub response: Vec<FieldDef>,
    /// The method's own errors.
    pub errors: Vec<ErrorDef>,
    /// An example of a successful answer.
    pub example_response: Option<Node>,
    /// Where the `example_response` key is.
    pub example_response_key: Option<Span>,
}

/// Reads one parsed file into a [`SpecFile`], recording every problem.
pub fn read_file(path: &str, root: &Node, diags: &mut Diagnostics) -> SpecFile {
    let mut file = SpecFile {
        path: path.to_owned(),
        ..SpecFile::default()
    };
    let mut cx = Cx { path, diags };
    let Some(mut top) = cx.map(
        root,
        None,
        "the top level of a spec file",
        &["types", "errors", "methods"],
    ) else {
        return file;
    };
    if let Some(types) = top.take(&mut cx, "types") {
        for (name, body) in cx.entries(types, "`types`") {
            let declared = name.clone();
            match read_type(&mut cx, name, body) {
                Some(def) => file.types.push(def),
                None => file.unreadable_types.push(declared),
            }
        }
    }
    if let Some(errors) = top.take(&mut cx, "errors") {
        file.errors = read_errors(&mut cx, errors);
    }
    if let Some(methods) = top.take(&mut cx, "methods") {
        for (name, body) in cx.entries(methods, "`methods`") {
            if METHOD_KEYS.contains(&name.value.as_str()) {
                cx.diags.push(
                    Diagnostic::error(
                        path,
                        name.span,
                        format!("`{}` is not a method name: it is a key of a method, indented too little", name.value),
                    )
                    .with_hint(format!(
                        "indent `{}:` to line up with the keys of the method above it",
                        name.value
                    )),
                );
                continue;
            }
            if let Some(def) = read_method(&mut cx, name, body) {
                file.methods.push(def);
            }
        }
    }
    if file.types.is_empty()
        && file.errors.is_empty()
        && file.methods.is_empty()
        && !cx.diags.has_errors()
    {
        cx.diags.push(
            Diagnostic::warning(
                path,
                root.span,
                "the file declares no methods, types or errors",
            )
            .with_hint("add `methods:`, `types:` or `errors:`, or delete the file"),
        );
    }
    file
}

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
const FIELD_KEYS: &[&str] = &["type", "required", "description", "example", "min_items"];
const METHOD_KEYS: &[&str] = &[
    "summary",
    "description",
    "docs_url",
    "http",
    "rate_tier",
    "scopes",
    "idempotent",
    "params",
    "response",
    "errors",
    "example_response",
];

fn read_type(cx: &mut Cx<'_>, name: Sp<String>, body: &Node) -> Option<TypeDef> {
    let what = format!("type `{}`", name.value);
    let mut map = cx.map(body, Some(name.span), &what, TYPE_KEYS)?;
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
    let kind = match map.take(cx, "kind") {
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
        .take(cx, "description")
        .and_then(|n| cx.text(n, "`description`"));
    let example = map.take(cx, "example").cloned();
    let mut fields = Vec::new();
    if let Some(node) = map.take(cx, "fields") {
        for (field, body) in cx.entries(node, "`fields`") {
            let what = format!("field `{}` of type `{}`", field.value, name.value);
            if let Some(def) = read_field(cx, field, body, &what) {
                fields.push(def);
            }
        }
    }
    let mut one_of = Vec::new();
    if let Some(node) = map.take(cx, "one_of") {
        for group in cx.list(node, "`one_of`") {
            let names = cx.list(group, "a `one_of` group (a list of field names)");
            let names: Vec<Sp<String>> = names
                .iter()
                .filter_map(|n| cx.text(n, "a field name").map(|t| Sp::new(t, n.span)))
                .collect();
            if !names.is_empty() {
                one_of.push(names);
            }
        }
    }
    let mut values = Vec::new();
    if let Some(node) = map.take(cx, "values") {
        for (value, body) in cx.entries(node, "`values`") {
            let description = match &body.value {
                Value::Null => None,
                _ => cx.text(body, "a value's description"),
            };
            values.push((value, description));
        }
    }
    let tag = map.take(cx, "tag").and_then(|node| {
        cx.text(node, "`tag` (the JSON key that names the variant)")
            .map(|text| Sp::new(text, node.span))
    });
    let mut variants = Vec::new();
    if let Some(node) = map.take(cx, "variants") {
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

fn kind_word(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Id => "id",
        TypeKind::Object => "object",
        TypeKind::Enum => "enum",
        TypeKind::Union => "union",
    }
}

fn read_field(cx: &mut Cx<'_>, name: Sp<String>, body: &Node, what: &str) -> Option<FieldDef> {
    // Shorthand: `name: string`.
    if let Value::Str(ty) = &body.value {
        return Some(FieldDef {
            ty: Some(Sp::new(ty.clone(), body.span)),
            required: Sp::new(Req::No, name.span),
            name,
            description: None,
            example: None,
            min_items: None,
        });
    }
    let mut map = cx.map(body, Some(name.span), what, FIELD_KEYS)?;
    let ty = map
        .require(cx, "type", what)
        .and_then(|n| cx.text(n, "`type`").map(|t| Sp::new(t, n.span)));
    let required = match map.take(cx, "required") {
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
        .take(cx, "description")
        .and_then(|n| cx.text(n, "`description`"));
    let example = map.take(cx, "example").cloned();
    let min_items = map.take(cx, "min_items").and_then(|node| match node.value {
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
    Some(FieldDef {
        name,
        ty,
        required,
        description,
        example,
        min_items,
    })
}

fn read_errors(cx: &mut Cx<'_>, node: &Node) -> Vec<ErrorDef> {
    let mut out = Vec::new();
    for (code, body) in cx.entries(node, "`errors`") {
        let description = match &body.value {
            Value::Str(text) => text.clone(),
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        body.span,
                        format!(
                            "the meaning of error `{}` must be text, not {}",
                            code.value,
                            body.value.kind_name()
                        ),
                    )
                    .with_hint(format!("write `{}: <what the error means>`", code.value)),
                );
                continue;
            }
        };
        out.push(ErrorDef { code, description });
    }
    out
}

fn read_method(cx: &mut Cx<'_>, name: Sp<String>, body: &Node) -> Option<MethodDef> {
    let what = format!("method `{}`", name.value);
    let mut map = cx.map(body, Some(name.span), &what, METHOD_KEYS)?;
    // A missing or bad key is reported and replaced by a stand-in, so that
    // the rest of the method is still checked; nothing is generated from a
    // spec with errors.
    let summary = map
        .require(cx, "summary", &what)
        .and_then(|n| cx.text(n, "`summary`"))
        .unwrap_or_default();
    let description = map
        .take(cx, "description")
        .and_then(|n| cx.text(n, "`description`"));
    let docs_url = map
        .take(cx, "docs_url")
        .and_then(|n| cx.text(n, "`docs_url`"));
    let http = match map.take(cx, "http") {
        Some(node) => cx
            .one_of_words(node, "`http`", &[("GET", Http::Get), ("POST", Http::Post)])
            .map_or(Http::Post, |h| h.value),
        None => Http::Post,
    };
    let rate_tier = map
        .require(cx, "rate_tier", &what)
        .and_then(|node| match &node.value {
            Value::Int(n @ 1..=4) => Some(Tier::Numbered(*n as u8)),
            Value::Str(word) if word == "special" && !node.quoted => Some(Tier::Special),
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!(
                            "`rate_tier` is {}; it must be 1, 2, 3, 4 or special",
                            node.shown()
                        ),
                    )
                    .with_hint_opt(word_hint(node, &["1", "2", "3", "4", "special"])),
                );
                None
            }
        })
        .unwrap_or(Tier::Special);
    let (bot_scopes, user_scopes) = match map.require(cx, "scopes", &what) {
        Some(node) => read_scopes(cx, node),
        None => (Vec::new(), Vec::new()),
    };
    let idempotent = match map.take(cx, "idempotent") {
        Some(node) => match node.value {
            Value::Bool(b) => b,
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!("`idempotent` is {}; it must be true or false", node.shown()),
                    )
                    .with_hint_opt(word_hint(node, &["true", "false"])),
                );
                false
            }
        },
        None => false,
    };
    let mut params = Vec::new();
    if let Some(node) = map.take(cx, "params") {
        for (param, body) in cx.entries(node, "`params`") {
            let what = format!("param `{}` of `{}`", param.value, name.value);
            if let Some(def) = read_field(cx, param, body, &what) {
                params.push(def);
            }
        }
    }
    let mut response = Vec::new();
    if let Some(node) = map.take(cx, "response") {
        for (field, body) in cx.entries(node, "`response`") {
            let what = format!("response field `{}` of `{}`", field.value, name.value);
            if let Some(def) = read_field(cx, field, body, &what) {
                response.push(def);
            }
        }
    }
    let errors = map
        .take(cx, "errors")
        .map(|n| read_errors(cx, n))
        .unwrap_or_default();
    let example_response = map.take(cx, "example_response").cloned();
    let example_response_key = map.key_span("example_response");
    Some(MethodDef {
        name,
        summary,
        description,
        docs_url,
        http,
        rate_tier,
        bot_scopes,
        user_scopes,
        idempotent,
        params,
        response,
        errors,
        example_response,
        example_response_key,
    })
}

fn read_scopes(cx: &mut Cx<'_>, node: &Node) -> (Vec<Sp<String>>, Vec<Sp<String>>) {
    let Some(mut map) = cx.map(node, None, "`scopes`", &["bot", "user"]) else {
        return (Vec::new(), Vec::new());
    };
    let mut invalid = false;
    let mut read = |cx: &mut Cx<'_>, key: &str| -> Vec<Sp<String>> {
        let Some(list) = map.take(cx, key) else {
            return Vec::new();
        };
        let mut scopes = Vec::new();
        for item in cx.list(list, &format!("`scopes.{key}`")) {
            if let Some(text) = cx.text(item, "a scope") {
                if is_scope(&text) {
                    scopes.push(Sp::new(text, item.span));
                } else {
                    invalid = true;
                    cx.diags.push(
                        Diagnostic::error(
                            cx.path,
                            item.span,
                            format!("scope `{text}` is not of the form `name:action`"),
                        )
                        .with_hint({
                            let lower = text.to_lowercase();
                            match lower.split_once(':') {
                                Some((name, "")) if is_scope_part(name) => format!(
                                    "name the action too, such as `{name}:read` or `{name}:write`"
                                ),
                                Some(_) if lower != text && is_scope(&lower) => {
                                    format!("scopes are lowercase: `{lower}`")
                                }
                                None if is_scope_part(&lower) => format!(
                                    "name the action too, such as `{lower}:read` or `{lower}:write`"
                                ),
                                _ => "write scopes the way Slack does, such as `calls:write`"
                                    .to_owned(),
                            }
                        }),
                    );
                }
            }
        }
        scopes
    };
    let bot = read(cx, "bot");
    let user = read(cx, "user");
    if bot.is_empty() && user.is_empty() && !invalid {
        cx.diags.push(
            Diagnostic::error(
                cx.path,
                node.span,
                "`scopes` names no scope for bot or user tokens",
            )
            .with_hint("write `scopes: { bot: [calls:write], user: [calls:write] }`"),
        );
    }
    (bot, user)
}

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
fn word_hint(node: &Node, allowed: &[&str]) -> Option<String> {
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

/// `name:action` (Slack also has `name:action:detail`), in lowercase.
fn is_scope(text: &str) -> bool {
    text.split_once(':').is_some_and(|(name, action)| {
        is_scope_part(name) && !action.is_empty() && action.split(':').all(is_scope_part)
    })
}

fn is_scope_part(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
        })
}

/// Whether a map's keys are fixed keys (`summary:`) or names chosen by the
/// spec's author (methods, params, types); the messages differ.
#[derive(Clone, Copy)]
enum KeyRole {
    Key,
    Name,
}

/// The reading context: the file and where problems go.
struct Cx<'a> {
    path: &'a str,
    diags: &'a mut Diagnostics,
}

/// A map being read: keys are taken one by one; whatever is left at the
/// end was not expected.
struct MapReader<'n> {
    entries: Vec<(Sp<String>, &'n Node)>,
    /// Where a missing key is reported: the name of what the map describes
    /// (the method, the param), or the map itself.
    span: Span,
    /// Keys that an unknown key was reported as a likely typo of: their
    /// absence is not reported a second time.
    typos: Vec<&'static str>,
}

impl<'n> MapReader<'n> {
    fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, _)| k.value == key)
    }

    fn take(&mut self, _cx: &mut Cx<'_>, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v)
    }

    fn require(&mut self, cx: &mut Cx<'_>, key: &str, what: &str) -> Option<&'n Node> {
        let found = self.take(cx, key);
        if found.is_none() && !self.typos.contains(&key) {
            cx.diags.push(
                Diagnostic::error(cx.path, self.span, format!("{what} is missing `{key}`"))
                    .with_hint(format!("add `{key}:`")),
            );
        }
        found
    }

    fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(k, _)| k.span)
    }
}

impl Cx<'_> {
    /// Opens a map, reporting unknown keys, repeated keys and keys that are
    /// not text.
    fn map<'n>(
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
    fn entries<'n>(&mut self, node: &'n Node, what: &str) -> Vec<(Sp<String>, &'n Node)> {
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

    fn list<'n>(&mut self, node: &'n Node, what: &str) -> Vec<&'n Node> {
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

    fn text(&mut self, node: &Node, what: &str) -> Option<String> {
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

    fn one_of_words<T: Copy>(
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

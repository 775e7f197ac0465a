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
        "the top level of a spec file",
        &["types", "errors", "methods"],
    ) else {
        return file;
    };
    if let Some(types) = top.take(&mut cx, "types") {
        for (name, body) in cx.entries(types, "`types`") {
            if let Some(def) = read_type(&mut cx, name, body) {
                file.types.push(def);
            }
        }
    }
    if let Some(errors) = top.take(&mut cx, "errors") {
        file.errors = read_errors(&mut cx, errors);
    }
    if let Some(methods) = top.take(&mut cx, "methods") {
        for (name, body) in cx.entries(methods, "`methods`") {
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
    let mut map = cx.map(body, &format!("type `{}`", name.value), TYPE_KEYS)?;
    let kind = match map.require(cx, "kind", &format!("type `{}`", name.value)) {
        Some(node) => cx.one_of_words(
            node,
            "`kind`",
            &[
                ("id", TypeKind::Id),
                ("object", TypeKind::Object),
                ("enum", TypeKind::Enum),
            ],
        )?,
        None => return None,
    };
    let description = map
        .take(cx, "description")
        .and_then(|n| cx.text(n, "`description`"));
    let example = map.take(cx, "example").cloned();
    let mut fields = Vec::new();
    if let Some(node) = map.take(cx, "fields") {
        for (field, body) in cx.entries(node, "`fields`") {
            if let Some(def) = read_field(cx, field, body) {
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
    for (key, present, allowed) in [
        ("fields", !fields.is_empty(), kind.value == TypeKind::Object),
        ("one_of", !one_of.is_empty(), kind.value == TypeKind::Object),
        ("values", !values.is_empty(), kind.value == TypeKind::Enum),
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
    Some(TypeDef {
        name,
        kind,
        description,
        example,
        fields,
        one_of,
        values,
    })
}

fn kind_word(kind: TypeKind) -> &'static str {
    match kind {
        TypeKind::Id => "id",
        TypeKind::Object => "object",
        TypeKind::Enum => "enum",
    }
}

fn read_field(cx: &mut Cx<'_>, name: Sp<String>, body: &Node) -> Option<FieldDef> {
    let what = format!("`{}`", name.value);
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
    let mut map = cx.map(body, &what, FIELD_KEYS)?;
    let ty = map
        .require(cx, "type", &what)
        .and_then(|n| cx.text(n, "`type`").map(|t| Sp::new(t, n.span)));
    let required = match map.take(cx, "required") {
        Some(node) => match &node.value {
            Value::Bool(true) => Sp::new(Req::Yes, node.span),
            Value::Bool(false) => Sp::new(Req::No, node.span),
            Value::Str(word) if word == "with_bot_token" => Sp::new(Req::WithBotToken, node.span),
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!(
                            "`required` is `{}`; it must be true, false or with_bot_token",
                            node.scalar_text()
                        ),
                    )
                    .with_hint("allowed values: true, false, with_bot_token"),
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
            cx.diags.push(Diagnostic::error(
                cx.path,
                node.span,
                format!(
                    "`min_items` is {}; it must be a whole number, 0 or more",
                    node.value.kind_name()
                ),
            ));
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
    let mut map = cx.map(body, &what, METHOD_KEYS)?;
    let summary = map
        .require(cx, "summary", &what)
        .and_then(|n| cx.text(n, "`summary`"));
    let description = map
        .take(cx, "description")
        .and_then(|n| cx.text(n, "`description`"));
    let docs_url = map
        .take(cx, "docs_url")
        .and_then(|n| cx.text(n, "`docs_url`"));
    let http = match map.take(cx, "http") {
        Some(node) => cx.one_of_words(node, "`http`", &[("GET", Http::Get), ("POST", Http::Post)]),
        None => Some(Sp::new(Http::Post, name.span)),
    };
    let rate_tier = map
        .require(cx, "rate_tier", &what)
        .and_then(|node| match &node.value {
            Value::Int(n @ 1..=4) => Some(Tier::Numbered(*n as u8)),
            Value::Str(word) if word == "special" => Some(Tier::Special),
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!(
                            "`rate_tier` is `{}`; it must be 1, 2, 3, 4 or special",
                            node.scalar_text()
                        ),
                    )
                    .with_hint("allowed values: 1, 2, 3, 4, special"),
                );
                None
            }
        });
    let (bot_scopes, user_scopes) = match map.require(cx, "scopes", &what) {
        Some(node) => read_scopes(cx, node),
        None => (Vec::new(), Vec::new()),
    };
    let idempotent = match map.take(cx, "idempotent") {
        Some(node) => match node.value {
            Value::Bool(b) => b,
            _ => {
                cx.diags.push(Diagnostic::error(
                    cx.path,
                    node.span,
                    format!(
                        "`idempotent` is `{}`; it must be true or false",
                        node.scalar_text()
                    ),
                ));
                false
            }
        },
        None => false,
    };
    let mut params = Vec::new();
    if let Some(node) = map.take(cx, "params") {
        for (param, body) in cx.entries(node, "`params`") {
            if let Some(def) = read_field(cx, param, body) {
                params.push(def);
            }
        }
    }
    let mut response = Vec::new();
    if let Some(node) = map.take(cx, "response") {
        for (field, body) in cx.entries(node, "`response`") {
            if let Some(def) = read_field(cx, field, body) {
                response.push(def);
            }
        }
    }
    let errors = map
        .take(cx, "errors")
        .map(|n| read_errors(cx, n))
        .unwrap_or_default();
    let example_response = map.take(cx, "example_response").cloned();
    Some(MethodDef {
        name,
        summary: summary?,
        description,
        docs_url,
        http: http?.value,
        rate_tier: rate_tier?,
        bot_scopes,
        user_scopes,
        idempotent,
        params,
        response,
        errors,
        example_response,
    })
}

fn read_scopes(cx: &mut Cx<'_>, node: &Node) -> (Vec<Sp<String>>, Vec<Sp<String>>) {
    let Some(mut map) = cx.map(node, "`scopes`", &["bot", "user"]) else {
        return (Vec::new(), Vec::new());
    };
    let mut read = |cx: &mut Cx<'_>, key: &str| -> Vec<Sp<String>> {
        let Some(list) = map.take(cx, key) else {
            return Vec::new();
        };
        let mut scopes = Vec::new();
        for item in cx.list(list, &format!("`scopes.{key}`")) {
            if let Some(text) = cx.text(item, "a scope") {
                let valid = text.split_once(':').is_some_and(|(name, action)| {
                    is_scope_part(name)
                        && !action.is_empty()
                        && action.split(':').all(is_scope_part)
                });
                if valid {
                    scopes.push(Sp::new(text, item.span));
                } else {
                    cx.diags.push(
                        Diagnostic::error(
                            cx.path,
                            item.span,
                            format!("scope `{text}` is not of the form `name:action`"),
                        )
                        .with_hint("write scopes the way Slack does, such as `calls:write`"),
                    );
                }
            }
        }
        scopes
    };
    let bot = read(cx, "bot");
    let user = read(cx, "user");
    if bot.is_empty() && user.is_empty() {
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

fn is_scope_part(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
        })
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
    span: Span,
}

impl<'n> MapReader<'n> {
    fn take(&mut self, _cx: &mut Cx<'_>, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| *v)
    }

    fn require(&mut self, cx: &mut Cx<'_>, key: &str, what: &str) -> Option<&'n Node> {
        let found = self.take(cx, key);
        if found.is_none() {
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
        for (key, value) in raw {
            let Some(text) = key.as_str() else {
                self.diags.push(Diagnostic::error(
                    self.path,
                    key.span,
                    format!("keys in {what} must be text, not {}", key.value.kind_name()),
                ));
                continue;
            };
            if let Some((first, _)) = entries.iter().find(|(k, _)| k.value == text) {
                self.diags.push(
                    Diagnostic::error(
                        self.path,
                        key.span,
                        format!("key `{text}` is given twice in {what}"),
                    )
                    .with_hint("remove one of them")
                    .with_related(self.path, first.span, "first given"),
                );
                continue;
            }
            if !allowed.contains(&text) {
                let hint = match did_you_mean(text, allowed.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
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
            span: node.span,
        })
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
            let Some(text) = key.as_str() else {
                self.diags.push(Diagnostic::error(
                    self.path,
                    key.span,
                    format!(
                        "names in {what} must be text, not {}",
                        key.value.kind_name()
                    ),
                ));
                continue;
            };
            if let Some((first, _)) = out.iter().find(|(k, _)| k.value == text) {
                self.diags.push(
                    Diagnostic::error(
                        self.path,
                        key.span,
                        format!("`{text}` is given twice in {what}"),
                    )
                    .with_hint("remove or rename one of them")
                    .with_related(self.path, first.span, "first given"),
                );
                continue;
            }
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
                self.diags.push(Diagnostic::error(
                    self.path,
                    node.span,
                    format!("{what} must be text, not {}", other.kind_name()),
                ));
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
        let text = node.scalar_text();
        if let Some((_, value)) = words.iter().find(|(word, _)| *word == text) {
            return Some(Sp::new(*value, node.span));
        }
        let names: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
        let hint = match did_you_mean(&text, names.iter().copied()) {
            Some(best) => format!(
                "did you mean `{best}`? allowed values: {}",
                names.join(", ")
            ),
            None => format!("allowed values: {}", names.join(", ")),
        };
        self.diags.push(
            Diagnostic::error(self.path, node.span, format!("{what} is `{text}`")).with_hint(hint),
        );
        None
    }
}

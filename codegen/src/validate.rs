//! Checks across the whole spec, and resolution into the IR.
//!
//! Works on what `spec` could read, so problems are found even in files
//! that had other problems. Every check records a diagnostic and carries on;
//! the IR is only used when there are no errors.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir;
use crate::names;
use crate::spec::{FieldDef, MethodDef, Req, SpecFile, TypeDef, TypeKind};
use crate::yaml::{Node, Value};

const PRIMITIVES: &[&str] = &[
    "string",
    "integer",
    "boolean",
    "timestamp",
    "duration",
    "url",
];

/// Where a named type was declared.
struct Declared<'a> {
    file: &'a str,
    def: &'a TypeDef,
    external: bool,
}

/// Checks `files` (with `extern_files` supplying types and common errors
/// that live in another crate) and resolves them.
pub fn resolve(files: &[SpecFile], extern_files: &[SpecFile], diags: &mut Diagnostics) -> ir::Api {
    let mut types: BTreeMap<&str, Declared<'_>> = BTreeMap::new();
    for (external, set) in [(true, extern_files), (false, files)] {
        for file in set {
            for def in &file.types {
                let name = def.name.value.as_str();
                if let Some(first) = types.get(name) {
                    if !(external && first.external) {
                        diags.push(
                            Diagnostic::error(
                                &file.path,
                                def.name.span,
                                format!("type `{name}` is defined twice"),
                            )
                            .with_hint("rename or remove one of them")
                            .with_related(
                                first.file,
                                first.def.name.span,
                                "first defined",
                            ),
                        );
                    }
                    continue;
                }
                if !external {
                    check_type_name(&file.path, def, diags);
                }
                types.insert(
                    name,
                    Declared {
                        file: &file.path,
                        def,
                        external,
                    },
                );
            }
        }
    }
    let resolver = Resolver { types: &types };

    let mut api = ir::Api::default();
    for file in files {
        for def in &file.types {
            if types
                .get(def.name.value.as_str())
                .is_some_and(|d| std::ptr::eq(d.def, def))
                && let Some(resolved) = resolver.type_def(&file.path, def, diags)
            {
                api.types.push(resolved);
            }
        }
    }
    check_recursion(&types, diags);

    let mut common: Vec<(&str, &crate::spec::ErrorDef)> = Vec::new();
    for (external, set) in [(true, extern_files), (false, files)] {
        for file in set {
            for error in &file.errors {
                if let Some((first_file, first)) = common
                    .iter()
                    .find(|(_, e)| e.code.value == error.code.value)
                {
                    diags.push(
                        Diagnostic::error(
                            &file.path,
                            error.code.span,
                            format!("common error `{}` is declared twice", error.code.value),
                        )
                        .with_related(
                            first_file,
                            first.code.span,
                            "first declared",
                        ),
                    );
                    continue;
                }
                check_error_code(&file.path, error.code.span, &error.code.value, diags);
                common.push((&file.path, error));
                if !external {
                    api.common_errors.push(error_ir(error));
                }
            }
        }
    }
    check_variant_collisions(
        common
            .iter()
            .map(|(file, e)| (*file, e.code.span, e.code.value.as_str())),
        "common error",
        diags,
    );

    let mut seen: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
    for file in files {
        for method in &file.methods {
            let name = method.name.value.as_str();
            if let Some((first_file, first_span)) = seen.get(name) {
                diags.push(
                    Diagnostic::error(
                        &file.path,
                        method.name.span,
                        format!("method `{name}` is defined twice"),
                    )
                    .with_hint("each method is defined in exactly one spec file")
                    .with_related(first_file, *first_span, "first defined"),
                );
                continue;
            }
            seen.insert(name, (&file.path, method.name.span));
            if let Some(resolved) = resolver.method(&file.path, method, &common, diags) {
                api.methods.push(resolved);
            }
        }
    }
    check_namespace_collisions(files, &api, diags);
    api
}

fn check_type_name(file: &str, def: &TypeDef, diags: &mut Diagnostics) {
    let name = &def.name.value;
    let upper = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if !upper || !names::is_identifier_like(name) || name.contains('_') {
        diags.push(
            Diagnostic::error(
                file,
                def.name.span,
                format!("type name `{name}` is not UpperCamelCase"),
            )
            .with_hint(format!("write `{}`", names::type_ident(name))),
        );
    }
}

fn check_error_code(file: &str, span: Span, code: &str, diags: &mut Diagnostics) {
    let ok = code.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !code.contains("__")
        && !code.ends_with('_');
    if !ok {
        let suggestion: String = heck::ToSnakeCase::to_snake_case(code);
        diags.push(
            Diagnostic::error(file, span, format!("error code `{code}` is not snake_case"))
                .with_hint(format!(
                    "Slack's codes are snake_case, such as `{suggestion}`"
                )),
        );
    }
}

fn error_ir(error: &crate::spec::ErrorDef) -> ir::ErrorCode {
    ir::ErrorCode {
        code: error.code.value.clone(),
        variant: names::type_ident(&error.code.value),
        description: error.description.clone(),
    }
}

/// Reports names that become the same Rust variant.
fn check_variant_collisions<'a>(
    items: impl IntoIterator<Item = (&'a str, Span, &'a str)>,
    what: &str,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, (&str, Span, &str)> = BTreeMap::new();
    for (file, span, name) in items {
        let variant = names::type_ident(name);
        if let Some((first_file, first_span, first_name)) = seen.get(&variant) {
            if *first_name != name {
                diags.push(
                    Diagnostic::error(
                        file,
                        span,
                        format!("{what} `{name}` and `{first_name}` both become the Rust name `{variant}`"),
                    )
                    .with_hint("rename one of them")
                    .with_related(first_file, *first_span, format!("`{first_name}` is here")),
                );
            }
            continue;
        }
        seen.insert(variant, (file, span, name));
    }
}

struct Resolver<'a> {
    types: &'a BTreeMap<&'a str, Declared<'a>>,
}

impl Resolver<'_> {
    /// Parses and resolves a type expression such as `list<CallUser>`.
    fn ty(&self, file: &str, text: &str, span: Span, diags: &mut Diagnostics) -> Option<ir::Ty> {
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix("list") {
            let rest = rest.trim_start();
            let inner = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>'));
            return match inner {
                Some(inner) if !inner.trim().is_empty() => self
                    .ty(file, inner, span, diags)
                    .map(|t| ir::Ty::List(Box::new(t))),
                _ if rest.is_empty() && !trimmed.contains('<') => {
                    diags.push(
                        Diagnostic::error(file, span, "`list` needs an item type")
                            .with_hint("write `list<string>` or `list<CallUser>`"),
                    );
                    None
                }
                _ => {
                    diags.push(
                        Diagnostic::error(file, span, format!("malformed list type `{text}`"))
                            .with_hint("write `list<ItemType>`, such as `list<CallUser>`"),
                    );
                    None
                }
            };
        }
        match trimmed {
            "string" => return Some(ir::Ty::String),
            "integer" => return Some(ir::Ty::Integer),
            "boolean" => return Some(ir::Ty::Boolean),
            "timestamp" => return Some(ir::Ty::Timestamp),
            "duration" => return Some(ir::Ty::Duration),
            "url" => return Some(ir::Ty::Url),
            _ => {}
        }
        if let Some(declared) = self.types.get(trimmed) {
            return Some(ir::Ty::Named {
                name: trimmed.to_owned(),
                kind: declared.def.kind.value,
                external: declared.external,
            });
        }
        let candidates: Vec<&str> = PRIMITIVES
            .iter()
            .copied()
            .chain(self.types.keys().copied())
            .collect();
        let hint = match did_you_mean(trimmed, candidates.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "known types: {}, list<T>, and the types under `types:`",
                PRIMITIVES.join(", ")
            ),
        };
        let message = if trimmed.contains('<') || trimmed.contains('>') {
            format!("malformed type `{text}`")
        } else {
            format!("unknown type `{trimmed}`")
        };
        diags.push(Diagnostic::error(file, span, message).with_hint(hint));
        None
    }

    fn field(
        &self,
        file: &str,
        def: &FieldDef,
        is_param: bool,
        diags: &mut Diagnostics,
    ) -> Option<ir::Field> {
        let name = &def.name.value;
        if !names::is_identifier_like(name) {
            diags.push(
                Diagnostic::error(
                    file,
                    def.name.span,
                    format!("`{name}` cannot become a Rust name: use ASCII letters, digits and `_`, not starting with a digit"),
                ),
            );
            return None;
        }
        let ty_text = def.ty.as_ref()?;
        let ty = self.ty(file, &ty_text.value, ty_text.span, diags)?;
        if def.required.value == Req::WithBotToken && !is_param {
            diags.push(
                Diagnostic::error(
                    file,
                    def.required.span,
                    "`required: with_bot_token` only applies to method params",
                )
                .with_hint("use true or false"),
            );
        }
        let min_items = match &def.min_items {
            Some(min) if !matches!(ty, ir::Ty::List(_)) => {
                diags.push(Diagnostic::error(
                    file,
                    min.span,
                    format!(
                        "`min_items` applies to lists, and `{name}` is `{}`",
                        ty_text.value
                    ),
                ));
                0
            }
            Some(min) => min.value,
            None => 0,
        };
        let example = def.example.as_ref().map(|node| {
            self.check_example(file, node, &ty, diags);
            node.to_json()
        });
        Some(ir::Field {
            wire: name.clone(),
            ident: names::value_ident(name),
            ty,
            required: def.required.value,
            description: def.description.clone(),
            example,
            min_items,
        })
    }

    /// Resolves a list of fields and reports Rust-name collisions.
    fn fields(
        &self,
        file: &str,
        defs: &[FieldDef],
        is_param: bool,
        diags: &mut Diagnostics,
    ) -> Vec<ir::Field> {
        let mut out: Vec<ir::Field> = Vec::new();
        let mut seen: BTreeMap<String, &FieldDef> = BTreeMap::new();
        for def in defs {
            let ident = names::value_ident(&def.name.value);
            if let Some(first) = seen.get(&ident) {
                diags.push(
                    Diagnostic::error(
                        file,
                        def.name.span,
                        format!(
                            "`{}` and `{}` both become the Rust name `{ident}`",
                            def.name.value, first.name.value
                        ),
                    )
                    .with_hint("rename one of them")
                    .with_related(
                        file,
                        first.name.span,
                        format!("`{}` is here", first.name.value),
                    ),
                );
                continue;
            }
            seen.insert(ident, def);
            if let Some(field) = self.field(file, def, is_param, diags) {
                out.push(field);
            }
        }
        out
    }

    fn type_def(&self, file: &str, def: &TypeDef, diags: &mut Diagnostics) -> Option<ir::TypeDef> {
        let fields = self.fields(file, &def.fields, false, diags);
        for group in &def.one_of {
            for name in group {
                match def.fields.iter().find(|f| f.name.value == name.value) {
                    None => diags.push(
                        Diagnostic::error(
                            file,
                            name.span,
                            format!(
                                "`one_of` names `{}`, which is not a field of `{}`",
                                name.value, def.name.value
                            ),
                        )
                        .with_hint_opt(
                            did_you_mean(
                                &name.value,
                                def.fields.iter().map(|f| f.name.value.as_str()),
                            )
                            .map(|best| format!("did you mean `{best}`?")),
                        ),
                    ),
                    Some(field) if field.required.value == Req::Yes => {
                        diags.push(Diagnostic::error(
                            file,
                            name.span,
                            format!("`one_of` names `{}`, which is required anyway", name.value),
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        let mut values = Vec::new();
        check_variant_collisions(
            def.values
                .iter()
                .map(|(v, _)| (file, v.span, v.value.as_str())),
            "enum value",
            diags,
        );
        for (value, description) in &def.values {
            if value.value.is_empty() || !value.value.chars().any(|c| c.is_ascii_alphabetic()) {
                diags.push(Diagnostic::error(
                    file,
                    value.span,
                    format!(
                        "enum value `{}` has no letters to form a Rust name",
                        value.value
                    ),
                ));
                continue;
            }
            values.push(ir::EnumValue {
                wire: value.value.clone(),
                variant: names::type_ident(&value.value),
                description: description.clone(),
            });
        }
        if let (TypeKind::Id, Some(example)) = (def.kind.value, &def.example)
            && example.as_str().is_none()
        {
            diags.push(Diagnostic::error(
                file,
                example.span,
                format!("the example of ID type `{}` must be text", def.name.value),
            ));
        }
        Some(ir::TypeDef {
            name: def.name.value.clone(),
            kind: def.kind.value,
            description: def.description.clone(),
            fields,
            one_of: def
                .one_of
                .iter()
                .map(|g| g.iter().map(|n| n.value.clone()).collect())
                .collect(),
            values,
            example: def.example.as_ref().map(Node::to_json),
        })
    }

    fn method(
        &self,
        file: &str,
        def: &MethodDef,
        common: &[(&str, &crate::spec::ErrorDef)],
        diags: &mut Diagnostics,
    ) -> Option<ir::Method> {
        let name = &def.name.value;
        let segments: Vec<&str> = name.split('.').collect();
        let valid_name = segments.len() >= 2
            && segments.iter().all(|s| {
                s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && s.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !valid_name {
            let suggestion: Vec<String> = name
                .split(['.', '_', '-', '/'])
                .filter(|s| !s.is_empty())
                .map(heck::ToLowerCamelCase::to_lower_camel_case)
                .collect();
            diags.push(
                Diagnostic::error(
                    file,
                    def.name.span,
                    format!(
                        "method name `{name}` must be two or more dot-separated segments, each starting with a lowercase letter (letters and digits only)"
                    ),
                )
                .with_hint(if suggestion.len() >= 2 {
                    format!("did you mean `{}`?", suggestion.join("."))
                } else {
                    "Slack's method names look like `calls.participants.add`".to_owned()
                }),
            );
            return None;
        }
        let params = self.fields(file, &def.params, true, diags);
        let response = self.fields(file, &def.response, false, diags);
        if let Some(meta) = def
            .response
            .iter()
            .find(|f| names::value_ident(&f.name.value) == "meta")
        {
            diags.push(
                Diagnostic::error(file, meta.name.span, "a response field named `meta` would hide the response's warnings")
                    .with_hint("responses already carry Slack's `response_metadata` as `meta`; leave this field out"),
            );
        }
        for (field, label) in def.response.iter().map(|f| (f, "response field")) {
            if ["ok", "error", "warning", "response_metadata"].contains(&field.name.value.as_str())
            {
                diags.push(Diagnostic::error(
                    file,
                    field.name.span,
                    format!("{label} `{}` is part of Slack's envelope and is decoded by the runtime", field.name.value),
                ).with_hint("remove it from `response`"));
            }
        }
        for error in &def.errors {
            check_error_code(file, error.code.span, &error.code.value, diags);
            if let Some((common_file, common_def)) = common
                .iter()
                .find(|(_, c)| c.code.value == error.code.value)
            {
                diags.push(
                    Diagnostic::warning(
                        file,
                        error.code.span,
                        format!(
                            "`{}` is a common error; every method can answer it already",
                            error.code.value
                        ),
                    )
                    .with_hint("remove it from the method's `errors` (it stays in `Common(..)`)")
                    .with_related(
                        common_file,
                        common_def.code.span,
                        "declared as common",
                    ),
                );
            }
        }
        check_variant_collisions(
            def.errors
                .iter()
                .map(|e| (file, e.code.span, e.code.value.as_str()))
                .chain(std::iter::once((file, def.name.span, "common")))
                .chain(std::iter::once((file, def.name.span, "unknown"))),
            "error code",
            diags,
        );
        let example_response = match &def.example_response {
            Some(node) => {
                self.check_example_response(file, node, &response, diags);
                node.to_json().to_string()
            }
            None => "{\"ok\":true}".to_owned(),
        };
        let namespace: Vec<&str> = segments[..segments.len() - 1].to_vec();
        let leaf = segments[segments.len() - 1];
        Some(ir::Method {
            name: name.clone(),
            modules: namespace.iter().map(|s| names::value_ident(s)).collect(),
            namespace_wire: namespace.iter().map(|s| (*s).to_owned()).collect(),
            function: names::value_ident(leaf),
            type_prefix: names::bare(&names::type_ident(leaf)).to_owned(),
            const_name: names::bare(&names::const_ident(leaf)).to_owned(),
            summary: def.summary.clone(),
            description: def.description.clone(),
            docs_url: def.docs_url.clone(),
            http: def.http,
            tier: def.rate_tier,
            idempotent: def.idempotent,
            bot_scopes: def.bot_scopes.iter().map(|s| s.value.clone()).collect(),
            user_scopes: def.user_scopes.iter().map(|s| s.value.clone()).collect(),
            params,
            response,
            errors: def.errors.iter().map(error_ir).collect(),
            example_response,
        })
    }

    fn check_example_response(
        &self,
        file: &str,
        node: &Node,
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
                Diagnostic::error(file, node.span, "`example_response` has no `ok: true`")
                    .with_hint("add `ok: true`"),
            ),
        }
        self.check_fields(
            file,
            node,
            entries,
            response,
            &["ok", "warning", "response_metadata"],
            diags,
        );
    }

    /// Checks a map of example values against fields.
    fn check_fields(
        &self,
        file: &str,
        node: &Node,
        entries: &[(Node, Node)],
        fields: &[ir::Field],
        envelope: &[&str],
        diags: &mut Diagnostics,
    ) {
        for (key, value) in entries {
            let key_text = key.scalar_text();
            match fields.iter().find(|f| f.wire == key_text) {
                Some(field) => self.check_example(file, value, &field.ty, diags),
                None if envelope.contains(&key_text.as_str()) => {}
                None => diags.push(
                    Diagnostic::error(
                        file,
                        key.span,
                        format!("example has `{key_text}`, which is not a declared field"),
                    )
                    .with_hint_opt(
                        did_you_mean(&key_text, fields.iter().map(|f| f.wire.as_str()))
                            .map(|best| format!("did you mean `{best}`?"))
                            .or_else(|| {
                                Some("declare the field, or remove it from the example".to_owned())
                            }),
                    ),
                ),
            }
        }
        for field in fields.iter().filter(|f| f.required == Req::Yes) {
            if !entries.iter().any(|(k, _)| k.scalar_text() == field.wire) {
                diags.push(
                    Diagnostic::error(
                        file,
                        node.span,
                        format!("example is missing required field `{}`", field.wire),
                    )
                    .with_hint(format!("add `{}:` to the example", field.wire)),
                );
            }
        }
    }

    /// Checks that an example value fits a type.
    fn check_example(&self, file: &str, node: &Node, ty: &ir::Ty, diags: &mut Diagnostics) {
        let mismatch = |expected: &str| {
            Diagnostic::error(
                file,
                node.span,
                format!(
                    "example `{}` does not fit type {expected}",
                    short(&node.scalar_text())
                ),
            )
        };
        match (ty, &node.value) {
            (ir::Ty::String, Value::Str(_)) => {}
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
            (ir::Ty::List(item), Value::Seq(items)) => {
                for item_node in items {
                    self.check_example(file, item_node, item, diags);
                }
            }
            (ir::Ty::Named { name, kind, .. }, value) => {
                let Some(declared) = self.types.get(name.as_str()) else {
                    return;
                };
                match (kind, value) {
                    (TypeKind::Id, Value::Str(_)) => {}
                    (TypeKind::Enum, Value::Str(s)) => {
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
                    (TypeKind::Object, Value::Map(entries)) => {
                        // Fields of a declared object, resolved on the fly.
                        let mut scratch = Diagnostics::new();
                        let fields =
                            self.fields(declared.file, &declared.def.fields, false, &mut scratch);
                        self.check_fields(file, node, entries, &fields, &[], diags);
                    }
                    _ => diags.push(mismatch(&format!("`{name}`"))),
                }
            }
            (ir::Ty::String, _) => {
                diags.push(mismatch("`string`").with_hint("quote it to make it text"))
            }
            (ir::Ty::Url, _) => diags.push(mismatch("`url`")),
            (ir::Ty::Integer, _) => diags.push(mismatch("`integer`")),
            (ir::Ty::Timestamp, _) => diags.push(mismatch("`timestamp` (Unix seconds)")),
            (ir::Ty::Duration, _) => diags.push(mismatch("`duration` (whole seconds)")),
            (ir::Ty::Boolean, _) => diags.push(mismatch("`boolean`")),
            (ir::Ty::List(_), _) => diags.push(mismatch("a list")),
        }
    }
}

fn short(text: &str) -> String {
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(40).collect();
        format!("{cut}…")
    } else {
        text.to_owned()
    }
}

/// Rejects object types that contain themselves other than through a list
/// (they would need a `Box`, and Slack has no such shape).
fn check_recursion(types: &BTreeMap<&str, Declared<'_>>, diags: &mut Diagnostics) {
    fn direct_refs(def: &TypeDef) -> Vec<(&str, &FieldDef)> {
        def.fields
            .iter()
            .filter_map(|f| {
                let ty = f.ty.as_ref()?.value.trim();
                (!ty.starts_with("list")).then_some((ty, f))
            })
            .collect()
    }
    for (name, declared) in types {
        if declared.external || declared.def.kind.value != TypeKind::Object {
            continue;
        }
        // Depth-first search for a path back to `name`.
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(name, vec![name])];
        let mut visited: Vec<&str> = Vec::new();
        while let Some((current, path)) = stack.pop() {
            let Some(current_def) = types.get(current) else {
                continue;
            };
            for (target, field) in direct_refs(current_def.def) {
                if target == *name {
                    let mut cycle = path.clone();
                    cycle.push(target);
                    diags.push(
                        Diagnostic::error(
                            declared.file,
                            declared.def.name.span,
                            format!("type `{name}` contains itself ({})", cycle.join(" → ")),
                        )
                        .with_hint(
                            "a type may only contain itself through a list, such as `list<Thread>`",
                        )
                        .with_related(
                            current_def.file,
                            field.name.span,
                            "through this field",
                        ),
                    );
                    stack.clear();
                    break;
                }
                if !visited.contains(&target) && types.contains_key(target) {
                    visited.push(target);
                    let mut next = path.clone();
                    next.push(target);
                    stack.push((target, next));
                }
            }
        }
    }
}

/// Reports Rust items that would clash inside one generated module: a
/// method's function against a sub-namespace's accessor, or two methods'
/// types.
fn check_namespace_collisions(files: &[SpecFile], api: &ir::Api, diags: &mut Diagnostics) {
    let span_of = |name: &str| -> Option<(&str, Span)> {
        files.iter().find_map(|f| {
            f.methods
                .iter()
                .find(|m| m.name.value == name)
                .map(|m| (f.path.as_str(), m.name.span))
        })
    };
    let mut functions: BTreeMap<(Vec<String>, String), &str> = BTreeMap::new();
    for method in &api.methods {
        let key = (method.modules.clone(), method.function.clone());
        if let Some(first) = functions.get(&key) {
            if let Some((file, span)) = span_of(&method.name) {
                let related = span_of(first);
                let mut d = Diagnostic::error(
                    file,
                    span,
                    format!(
                        "methods `{}` and `{first}` both become `{}`",
                        method.name, method.function
                    ),
                )
                .with_hint("rename one of them");
                if let Some((rf, rs)) = related {
                    d = d.with_related(rf, rs, format!("`{first}` is here"));
                }
                diags.push(d);
            }
            continue;
        }
        functions.insert(key, &method.name);
    }
    for method in &api.methods {
        for depth in 1..=method.modules.len() {
            let parent = method.modules[..depth - 1].to_vec();
            let accessor = method.modules[depth - 1].clone();
            if let Some(other) = functions.get(&(parent.clone(), accessor.clone()))
                && let Some((file, span)) = span_of(other)
            {
                diags.push(
                    Diagnostic::error(
                        file,
                        span,
                        format!(
                            "method `{other}` clashes with namespace `{}` of `{}`",
                            method.namespace_wire[..depth].join("."),
                            method.name
                        ),
                    )
                    .with_hint("a name cannot be both a method and a namespace"),
                );
            }
        }
    }
}

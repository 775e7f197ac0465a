//! Checks across the whole spec, and resolution into the IR.
//!
//! Works on what `spec` could read, so problems are found even in files
//! that had other problems. Every check records a diagnostic and carries on;
//! the IR is only used when there are no errors.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir;
use crate::names;
use crate::spec::{FieldDef, Http, MethodDef, Req, Sp, SpecFile, Tier, TypeDef, TypeKind};
use crate::type_expr::{self, TypeExpr};
use crate::yaml::{Node, Value};

/// Names people write for a type, and the spec's name for it.
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("str", "string"),
    ("text", "string"),
    ("int", "integer"),
    ("i64", "integer"),
    ("number", "integer"),
    ("bool", "boolean"),
    ("uri", "url"),
    ("link", "url"),
    ("time", "timestamp"),
    ("datetime", "timestamp"),
    ("array", "list<T>"),
    ("vec", "list<T>"),
];

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
///
/// `incomplete` says that some spec file could not be read at all: a type
/// it may declare is then not reported as unknown where it is used, so
/// that one syntax error does not bury itself under follow-on errors.
pub fn resolve(
    files: &[SpecFile],
    extern_files: &[SpecFile],
    incomplete: bool,
    diags: &mut Diagnostics,
) -> ir::Api {
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
                    check_type_name(&file.path, def, extern_files.is_empty(), diags);
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
    let unreadable: Vec<&str> = extern_files
        .iter()
        .chain(files)
        .flat_map(|f| f.unreadable_types.iter().map(|t| t.value.as_str()))
        .collect();
    let resolver = Resolver {
        types: &types,
        unreadable: &unreadable,
        incomplete,
    };

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
    let file_order: Vec<&str> = extern_files
        .iter()
        .chain(files)
        .map(|f| f.path.as_str())
        .collect();
    check_recursion(&types, &file_order, diags);

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
        &[],
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

fn check_type_name(file: &str, def: &TypeDef, core: bool, diags: &mut Diagnostics) {
    let name = &def.name.value;
    let reserved = match name.as_str() {
        "Self" => Some("a Rust keyword"),
        "CommonError" if core => Some("the enum the generator makes from the common `errors:`"),
        _ => None,
    };
    if let Some(reason) = reserved {
        diags.push(
            Diagnostic::error(
                file,
                def.name.span,
                format!("type name `{name}` is taken: it is {reason}"),
            )
            .with_hint("choose another name"),
        );
        return;
    }
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

/// The IR's kind of a declared type.
fn kind_ir(kind: TypeKind) -> ir::Kind {
    match kind {
        TypeKind::Id => ir::Kind::Id,
        TypeKind::Object => ir::Kind::Object,
        TypeKind::Enum => ir::Kind::Enum,
        TypeKind::Union => ir::Kind::Union,
    }
}

/// The IR's form of `required:`.
fn required_ir(required: Req) -> ir::Required {
    match required {
        Req::Yes => ir::Required::Yes,
        Req::No => ir::Required::No,
        Req::WithBotToken => ir::Required::WithBotToken,
    }
}

fn http_ir(http: Http) -> ir::Http {
    match http {
        Http::Get => ir::Http::Get,
        Http::Post => ir::Http::Post,
    }
}

/// The IR's tier (the reader accepts only 1 to 4 and `special`).
fn tier_ir(tier: Tier) -> ir::Tier {
    match tier {
        Tier::Numbered(1) => ir::Tier::Tier1,
        Tier::Numbered(2) => ir::Tier::Tier2,
        Tier::Numbered(3) => ir::Tier::Tier3,
        Tier::Numbered(_) => ir::Tier::Tier4,
        Tier::Special => ir::Tier::Special,
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
/// `reserved` lists variants the generator adds itself, with what they hold.
fn check_variant_collisions<'a>(
    items: impl IntoIterator<Item = (&'a str, Span, &'a str)>,
    what: &str,
    reserved: &[(&str, &str)],
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<String, (&str, Span, &str)> = BTreeMap::new();
    for (file, span, name) in items {
        let variant = names::type_ident(name);
        if let Some((_, holds)) = reserved.iter().find(|(r, _)| *r == variant) {
            diags.push(
                Diagnostic::error(
                    file,
                    span,
                    format!("{what} `{name}` would become the variant `{variant}`, which the generator adds itself for {holds}"),
                )
                .with_hint(format!(
                    "leave it out: an undeclared `{name}` still arrives, as `Unknown(\"{name}\")`"
                )),
            );
            continue;
        }
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
    /// Declared types whose declaration had errors.
    unreadable: &'a [&'a str],
    /// Some file could not be parsed.
    incomplete: bool,
}

impl Resolver<'_> {
    /// Parses and resolves a type expression such as `list<CallUser>`.
    fn ty(&self, file: &str, text: &str, span: Span, diags: &mut Diagnostics) -> Option<ir::Ty> {
        match type_expr::parse(text) {
            Ok(expr) => self.resolve_expr(file, text, span, &expr, diags),
            Err(error) => {
                diags.push(
                    Diagnostic::error(
                        file,
                        type_expr::sub_span(span, text, error.offset, error.len),
                        error.message,
                    )
                    .with_hint(error.hint),
                );
                None
            }
        }
    }

    fn resolve_expr(
        &self,
        file: &str,
        text: &str,
        span: Span,
        expr: &TypeExpr,
        diags: &mut Diagnostics,
    ) -> Option<ir::Ty> {
        let (name, offset) = match expr {
            TypeExpr::List(item) => {
                return self
                    .resolve_expr(file, text, span, item, diags)
                    .map(|t| ir::Ty::List(Box::new(t)));
            }
            TypeExpr::Name(name, offset) => (name.as_str(), *offset),
        };
        match name {
            "string" => return Some(ir::Ty::String),
            "integer" => return Some(ir::Ty::Integer),
            "boolean" => return Some(ir::Ty::Boolean),
            "timestamp" => return Some(ir::Ty::Timestamp),
            "duration" => return Some(ir::Ty::Duration),
            "url" => return Some(ir::Ty::Url),
            _ => {}
        }
        if let Some(declared) = self.types.get(name) {
            return Some(ir::Ty::Named {
                name: name.to_owned(),
                kind: kind_ir(declared.def.kind.value),
                external: declared.external,
            });
        }
        // Declared where it could not be read: that problem is reported.
        if self.unreadable.contains(&name) || self.incomplete {
            return None;
        }
        let alias = TYPE_ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
            .map(|(_, meant)| *meant);
        let candidates: Vec<&str> = PRIMITIVES
            .iter()
            .copied()
            .chain(self.types.keys().copied())
            .collect();
        let hint = match alias.or_else(|| did_you_mean(name, candidates.iter().copied())) {
            Some(best) => format!("did you mean `{best}`?"),
            None => {
                let mut declared: Vec<&str> = self.types.keys().copied().take(12).collect();
                if self.types.len() > declared.len() {
                    declared.push("…");
                }
                if declared.is_empty() {
                    format!(
                        "known types: {}, list<T>; declare object, ID and enum types under `types:`",
                        PRIMITIVES.join(", ")
                    )
                } else {
                    format!(
                        "known types: {}, list<T>, and the declared types {}",
                        PRIMITIVES.join(", "),
                        declared.join(", ")
                    )
                }
            }
        };
        diags.push(
            Diagnostic::error(
                file,
                type_expr::sub_span(span, text, offset, name.chars().count()),
                format!("unknown type `{name}`"),
            )
            .with_hint(hint),
        );
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
                )
                .with_hint_opt({
                    let snake = heck::ToSnakeCase::to_snake_case(name.as_str());
                    names::is_identifier_like(&snake)
                        .then(|| format!("Slack's names are snake_case, such as `{snake}`"))
                }),
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
            self.check_example(file, node, def.name.span, &ty, diags);
            node.to_json()
        });
        Some(ir::Field {
            wire: name.clone(),
            ident: names::value_ident(name),
            ty,
            required: required_ir(def.required.value),
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
            // A name that cannot be a Rust name is reported by `field`.
            let valid = names::is_identifier_like(&def.name.value);
            if valid && let Some(first) = seen.get(&ident) {
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
            if valid {
                seen.insert(ident, def);
            }
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
            &[("Unknown", "values this version does not know")],
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
        let variants = if def.kind.value == TypeKind::Union {
            self.union_variants(file, def, diags)
        } else {
            Vec::new()
        };
        let name = def.name.value.clone();
        let description = def.description.clone();
        Some(match def.kind.value {
            TypeKind::Id => ir::TypeDef::Id(ir::IdType {
                name,
                description,
                example: def.example.as_ref().map(Node::to_json),
            }),
            TypeKind::Object => ir::TypeDef::Object(ir::ObjectType {
                name,
                description,
                fields,
                one_of: def
                    .one_of
                    .iter()
                    .map(|g| g.iter().map(|n| n.value.clone()).collect())
                    .collect(),
            }),
            TypeKind::Enum => ir::TypeDef::Enum(ir::EnumType {
                name,
                description,
                values,
            }),
            TypeKind::Union => ir::TypeDef::Union(ir::UnionType {
                name,
                description,
                tag: def
                    .tag
                    .as_ref()
                    .map(|t| t.value.clone())
                    .unwrap_or_default(),
                variants,
            }),
        })
    }

    /// Resolves a union's variants: each names a declared object type that
    /// does not itself have a field named like the tag.
    fn union_variants(
        &self,
        file: &str,
        def: &TypeDef,
        diags: &mut Diagnostics,
    ) -> Vec<ir::UnionVariant> {
        let union = &def.name.value;
        if let Some(tag) = &def.tag
            && tag.value.is_empty()
        {
            diags.push(Diagnostic::error(
                file,
                tag.span,
                format!("the `tag` of union `{union}` is empty"),
            ));
        }
        check_variant_collisions(
            def.variants
                .iter()
                .map(|(v, _)| (file, v.span, v.value.as_str())),
            "union tag",
            &[],
            diags,
        );
        let mut out = Vec::new();
        for (value, ty) in &def.variants {
            if !value.value.chars().any(|c| c.is_ascii_alphabetic()) {
                diags.push(Diagnostic::error(
                    file,
                    value.span,
                    format!(
                        "union tag `{}` has no letters to form a Rust name",
                        value.value
                    ),
                ));
                continue;
            }
            let variant = names::type_ident(&value.value);
            if variant == "Other" {
                diags.push(
                    Diagnostic::error(
                        file,
                        value.span,
                        format!("union tag `{}` would become the variant `Other`, which the generator adds itself for tags this version does not know", value.value),
                    )
                    .with_hint(format!("leave it out: a `{}` value still arrives, as `Other(json)`", value.value)),
                );
                continue;
            }
            let Some(resolved) = self.ty(file, &ty.value, ty.span, diags) else {
                continue;
            };
            let ir::Ty::Named {
                name,
                kind: ir::Kind::Object,
                external,
            } = resolved
            else {
                diags.push(
                    Diagnostic::error(
                        file,
                        ty.span,
                        format!(
                            "variant `{}` of union `{union}` is `{}`, and a variant must be an object type",
                            value.value, ty.value
                        ),
                    )
                    .with_hint("declare an object type (`kind: object`) with the variant's other fields"),
                );
                continue;
            };
            if let (Some(tag), Some(declared)) = (&def.tag, self.types.get(name.as_str()))
                && let Some(field) = declared
                    .def
                    .fields
                    .iter()
                    .find(|f| f.name.value == tag.value)
            {
                diags.push(
                    Diagnostic::error(
                        declared.file,
                        field.name.span,
                        format!(
                            "`{name}` has a field `{}`, which is the tag of union `{union}`",
                            tag.value
                        ),
                    )
                    .with_hint("remove the field: the union writes and reads the tag itself")
                    .with_related(
                        file,
                        ty.span,
                        format!("`{name}` is a variant of `{union}` here"),
                    ),
                );
                continue;
            }
            out.push(ir::UnionVariant {
                wire: value.value.clone(),
                variant,
                ty: name,
                external,
            });
        }
        out
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
                .split(['.', '/', ' '])
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
                } else if name.contains(['_', '-']) {
                    let dotted: Vec<String> = name
                        .split(['_', '-'])
                        .filter(|s| !s.is_empty())
                        .map(heck::ToLowerCamelCase::to_lower_camel_case)
                        .collect();
                    format!("did you mean `{}`?", dotted.join("."))
                } else {
                    "Slack's method names look like `calls.participants.add`".to_owned()
                }),
            );
            return None;
        }
        let params = self.fields(file, &def.params, true, diags);
        for param in &def.params {
            let ident = names::value_ident(&param.name.value);
            let clash = match ident.as_str() {
                "client" => Some("the client the request holds (its `client` field)"),
                "send" if param.required.value != Req::Yes => Some(
                    "the request's `send()` method (an optional param gets a setter of its name)",
                ),
                _ => None,
            };
            if let Some(clash) = clash {
                diags.push(
                    Diagnostic::error(
                        file,
                        param.name.span,
                        format!("param `{}` would clash with {clash}", param.name.value),
                    )
                    .with_hint("the generator cannot give this param a Rust name of its own; please report it"),
                );
            }
        }
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
                .map(|e| (file, e.code.span, e.code.value.as_str())),
            "error code",
            &[
                ("Common", "the common errors"),
                ("Unknown", "codes this version does not know"),
            ],
            diags,
        );
        let example_response = match &def.example_response {
            Some(node) => {
                let owner = def.example_response_key.unwrap_or(def.name.span);
                self.check_example_response(file, node, owner, &response, diags);
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
            http: http_ir(def.http),
            tier: tier_ir(def.rate_tier),
            idempotent: def.idempotent,
            bot_scopes: def.bot_scopes.iter().map(|s| s.value.clone()).collect(),
            user_scopes: def.user_scopes.iter().map(|s| s.value.clone()).collect(),
            params,
            response,
            errors: def.errors.iter().map(error_ir).collect(),
            example_response,
        })
    }

    /// The fields of a declared object, resolved for checking an example
    /// against them. Their own examples are not checked here (they are
    /// where the type is declared), which also keeps a type that contains
    /// itself through a list from being walked forever.
    fn example_fields(&self, declared: &Declared<'_>) -> Vec<ir::Field> {
        let mut scratch = Diagnostics::new();
        declared
            .def
            .fields
            .iter()
            .filter_map(|def| {
                let ty_text = def.ty.as_ref()?;
                let ty = self.ty(declared.file, &ty_text.value, ty_text.span, &mut scratch)?;
                Some(ir::Field {
                    wire: def.name.value.clone(),
                    ident: names::value_ident(&def.name.value),
                    ty,
                    required: required_ir(def.required.value),
                    description: None,
                    example: None,
                    min_items: 0,
                })
            })
            .collect()
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
                    self.check_example(file, item_node, item_node.span, item, diags);
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
                        let fields = self.example_fields(declared);
                        self.check_fields(file, node, owner, entries, &fields, &[], diags);
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
                        let Some(variant) = self.types.get(variant_ty.value.as_str()) else {
                            return;
                        };
                        let fields = self.example_fields(variant);
                        let envelope = [tag.value.as_str()];
                        self.check_fields(file, node, owner, entries, &fields, &envelope, diags);
                    }
                    _ => diags.push(mismatch(&format!("`{name}`"))),
                }
            }
            (ir::Ty::String, _) => {
                diags.push(mismatch("`string`").with_hint("quote it to make it text"))
            }
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

/// Rejects object types that contain themselves other than through a list
/// (they would need a `Box`, and Slack has no such shape). Each cycle is
/// reported once, at the first of its types in file order.
fn check_recursion(
    types: &BTreeMap<&str, Declared<'_>>,
    file_order: &[&str],
    diags: &mut Diagnostics,
) {
    fn direct_refs(def: &TypeDef) -> Vec<(String, &Sp<String>)> {
        let mut refs: Vec<(String, &Sp<String>)> = def
            .fields
            .iter()
            .filter_map(|f| {
                let expr = type_expr::parse(&f.ty.as_ref()?.value).ok()?;
                Some((expr.direct_name()?.to_owned(), &f.name))
            })
            .collect();
        refs.extend(
            def.variants
                .iter()
                .filter(|_| def.kind.value == TypeKind::Union)
                .map(|(value, ty)| (ty.value.clone(), value)),
        );
        refs
    }
    let mut order: Vec<(&str, &Declared<'_>)> = types.iter().map(|(n, d)| (*n, d)).collect();
    let rank = |file: &str| {
        file_order
            .iter()
            .position(|f| *f == file)
            .unwrap_or(usize::MAX)
    };
    order.sort_by_key(|(_, d)| (rank(d.file), d.def.name.span.line, d.def.name.span.col));
    let mut reported: Vec<Vec<String>> = Vec::new();
    for (name, declared) in order {
        if declared.external
            || !matches!(declared.def.kind.value, TypeKind::Object | TypeKind::Union)
        {
            continue;
        }
        // Depth-first search for a path back to `name`.
        let mut stack: Vec<(String, Vec<String>)> = vec![(name.to_owned(), vec![name.to_owned()])];
        let mut visited: Vec<String> = Vec::new();
        'search: while let Some((current, path)) = stack.pop() {
            let Some(current_def) = types.get(current.as_str()) else {
                continue;
            };
            for (target, field) in direct_refs(current_def.def) {
                if target == name {
                    let mut members = path.clone();
                    members.sort();
                    if !reported.contains(&members) {
                        reported.push(members);
                        let mut cycle = path.clone();
                        cycle.push(target);
                        diags.push(
                            Diagnostic::error(
                                declared.file,
                                declared.def.name.span,
                                format!("type `{name}` contains itself ({})", cycle.join(" → ")),
                            )
                            .with_hint(
                                "a type may only contain itself through a list, such as `replies: list<Message>`",
                            )
                            .with_related(
                                current_def.file,
                                field.span,
                                format!("`{}` of `{current}` closes the cycle", field.value),
                            ),
                        );
                    }
                    break 'search;
                }
                if !visited.contains(&target) && types.contains_key(target.as_str()) {
                    visited.push(target.clone());
                    let mut next = path.clone();
                    next.push(target.clone());
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
    let mut items: BTreeMap<(Vec<String>, String), &str> = BTreeMap::new();
    for method in &api.methods {
        let key = (method.modules.clone(), method.function.clone());
        let item_key = (method.modules.clone(), method.type_prefix.clone());
        let clash = match (functions.get(&key), items.get(&item_key)) {
            (Some(first), _) => Some((*first, format!("`{}`", method.function))),
            (None, Some(first)) => Some((*first, format!("`{}Request`", method.type_prefix))),
            (None, None) => None,
        };
        if let Some((first, rust)) = clash {
            if let Some((file, span)) = span_of(&method.name) {
                let related = span_of(first);
                let mut d = Diagnostic::error(
                    file,
                    span,
                    format!("methods `{}` and `{first}` both become {rust}", method.name),
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
        items.insert(item_key, &method.name);
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

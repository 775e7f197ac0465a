//! The types pass, after `declare`: the [`Resolver`], which turns type
//! expressions (`list<CallUser>`) and fields into the IR (named types are
//! in `named_types`). Examples met on the way are only recorded; the
//! examples pass checks them afterwards.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::declare::Declared;
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir;
use crate::names;
use crate::spec::{FieldDef, Req, TypeKind};
use crate::type_expr::{self, TypeExpr};
use crate::yaml::Node;

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
    ("secret", "token"),
    ("array", "list<T>"),
    ("vec", "list<T>"),
    ("dict", "map<T>"),
    ("hashmap", "map<T>"),
    ("object", "map<T>"),
    ("any", "json"),
    ("value", "json"),
];

const PRIMITIVES: &[&str] = &[
    "string",
    "integer",
    "boolean",
    "timestamp",
    "duration",
    "url",
    "token",
    "json",
];

/// An example value in the spec and what it must fit.
pub(super) struct ExampleSite {
    /// The spec file.
    pub(super) file: String,
    /// The example as written.
    pub(super) node: Node,
    /// The key it stands under.
    pub(super) owner: Span,
    /// What it must fit.
    pub(super) expect: Expect,
}

/// What an example must fit.
pub(super) enum Expect {
    /// A value of this type.
    Value(ir::Ty),
    /// A method's `example_response`, with these response fields.
    Response(Vec<ir::Field>),
}

/// The IR's kind of a declared type.
pub(super) fn kind_ir(kind: TypeKind) -> ir::Kind {
    match kind {
        TypeKind::Id => ir::Kind::Id,
        TypeKind::Object => ir::Kind::Object,
        TypeKind::Enum => ir::Kind::Enum,
        TypeKind::Union => ir::Kind::Union,
    }
}

/// The IR's form of `required:`.
pub(super) fn required_ir(required: Req) -> ir::Required {
    match required {
        Req::Yes => ir::Required::Yes,
        Req::No => ir::Required::No,
        Req::WithBotToken => ir::Required::WithBotToken,
    }
}

pub(super) struct Resolver<'a> {
    pub(super) types: &'a BTreeMap<&'a str, Declared<'a>>,
    /// Declared types whose declaration had errors.
    pub(super) unreadable: &'a [&'a str],
    /// Some file could not be parsed.
    pub(super) incomplete: bool,
    /// The examples met while resolving, checked by the examples pass once
    /// everything is resolved.
    pub(super) examples: RefCell<Vec<ExampleSite>>,
}

impl Resolver<'_> {
    /// Parses and resolves a type expression such as `list<CallUser>`.
    pub(super) fn ty(
        &self,
        file: &str,
        text: &str,
        span: Span,
        diags: &mut Diagnostics,
    ) -> Option<ir::Ty> {
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
            TypeExpr::Map(item) => {
                return self
                    .resolve_expr(file, text, span, item, diags)
                    .map(|t| ir::Ty::Map(Box::new(t)));
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
            "token" => return Some(ir::Ty::Token),
            "json" => return Some(ir::Ty::Json),
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
                        "known types: {}, list<T>, map<T>; declare object, ID and enum types under `types:`",
                        PRIMITIVES.join(", ")
                    )
                } else {
                    format!(
                        "known types: {}, list<T>, map<T>, and the declared types {}",
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
        let comma = super::wire::check_encoding(file, def, &ty, &ty_text.value, is_param, diags);
        let example = def.example.as_ref().map(|node| {
            self.examples.borrow_mut().push(ExampleSite {
                file: file.to_owned(),
                node: node.clone(),
                owner: def.name.span,
                expect: Expect::Value(ty.clone()),
            });
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
            comma,
        })
    }

    /// Resolves a list of fields and reports Rust-name collisions.
    pub(super) fn fields(
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

    /// The fields of every declared type (extern ones too), resolved for
    /// checking examples against them; problems are reported where the
    /// types are resolved, not here.
    pub(super) fn example_shapes(&self) -> BTreeMap<String, Vec<ir::Field>> {
        self.types
            .iter()
            .map(|(name, declared)| ((*name).to_owned(), self.example_fields(declared)))
            .collect()
    }

    /// The resolved fields of the object type `name` (for paths through a
    /// response, such as `messages.matches`); `None` for any other kind.
    pub(super) fn object_fields(&self, name: &str) -> Option<Vec<ir::Field>> {
        let declared = self.types.get(name)?;
        (declared.def.kind.value == TypeKind::Object).then(|| self.example_fields(declared))
    }

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
                    comma: false,
                })
            })
            .collect()
    }
}

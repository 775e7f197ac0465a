//! The types pass: every declared type by name, and resolution of type
//! expressions, fields and named types into the IR. Examples met on the
//! way are only recorded; the examples pass checks them afterwards.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::names::{check_type_name, check_variant_collisions};
use crate::diag::{Diagnostic, Diagnostics, Span, did_you_mean};
use crate::ir;
use crate::names;
use crate::spec::{FieldDef, Req, SpecFile, TypeDef, TypeKind};
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
    ("array", "list<T>"),
    ("vec", "list<T>"),
    ("dict", "map<T>"),
    ("hashmap", "map<T>"),
    ("object", "map<T>"),
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
pub(super) struct Declared<'a> {
    pub(super) file: &'a str,
    pub(super) def: &'a TypeDef,
    pub(super) external: bool,
}

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

/// Collects every declared type by name (extern ones too), reporting types
/// defined twice and type names that cannot be used.
pub(super) fn declare<'a>(
    files: &'a [SpecFile],
    extern_files: &'a [SpecFile],
    diags: &mut Diagnostics,
) -> BTreeMap<&'a str, Declared<'a>> {
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
    types
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

    pub(super) fn type_def(
        &self,
        file: &str,
        def: &TypeDef,
        diags: &mut Diagnostics,
    ) -> Option<ir::TypeDef> {
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

    /// The fields of every declared type (extern ones too), resolved for
    /// checking examples against them; problems are reported where the
    /// types are resolved, not here.
    pub(super) fn example_shapes(&self) -> BTreeMap<String, Vec<ir::Field>> {
        self.types
            .iter()
            .map(|(name, declared)| ((*name).to_owned(), self.example_fields(declared)))
            .collect()
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

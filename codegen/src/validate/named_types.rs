//! Named types into the IR: an ID, an object (its fields and `one_of`
//! groups), an enum (its values) or a union (its tag and variants), each
//! checked as it is resolved.

use super::names::check_variant_collisions;
use super::resolve::Resolver;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::ir;
use crate::names;
use crate::spec::{Req, TypeDef, TypeKind};
use crate::yaml::Node;

impl Resolver<'_> {
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
}

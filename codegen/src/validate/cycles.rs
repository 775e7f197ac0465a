//! The cycles pass: object types that contain themselves other than
//! through a list.

use std::collections::BTreeMap;

use super::declare::Declared;
use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::{Sp, TypeDef, TypeKind};
use crate::type_expr;

/// Rejects object types that contain themselves other than through a list
/// (they would need a `Box`, and Slack has no such shape). Each cycle is
/// reported once, at the first of its types in file order.
pub(super) fn check_recursion(
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

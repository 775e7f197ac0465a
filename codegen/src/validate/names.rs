//! The names pass: Rust names the spec's names become, and their clashes.
//! Type names must be UpperCamelCase and not taken, error codes snake_case;
//! enum values and error codes must not become the same variant; items of
//! one generated module must not clash.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::ir;
use crate::names;
use crate::spec::{SpecFile, TypeDef};

pub(super) fn check_type_name(file: &str, def: &TypeDef, core: bool, diags: &mut Diagnostics) {
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

pub(super) fn check_error_code(file: &str, span: Span, code: &str, diags: &mut Diagnostics) {
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

/// Reports names that become the same Rust variant.
/// `reserved` lists variants the generator adds itself, with what they hold.
pub(super) fn check_variant_collisions<'a>(
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

/// Reports Rust items that would clash inside one generated module: a
/// method's function against a sub-namespace's accessor, or two methods'
/// types.
pub(super) fn check_namespace_collisions(
    files: &[SpecFile],
    api: &ir::Api,
    diags: &mut Diagnostics,
) {
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
    // A top-level namespace gets a file of its own, named after it.
    let mut reported = Vec::new();
    for method in &api.methods {
        let Some(top) = method.modules.first() else {
            continue;
        };
        let file_stem = names::bare(top);
        if names::SHARED_FILE_STEMS.contains(&file_stem)
            && !reported.contains(&file_stem)
            && let Some((file, span)) = span_of(&method.name)
        {
            reported.push(file_stem);
            diags.push(
                Diagnostic::error(
                    file,
                    span,
                    format!(
                        "namespace `{}` of `{}` would be generated into `{file_stem}.rs`, a file the generator already writes",
                        method.namespace_wire[0], method.name
                    ),
                )
                .with_hint(format!(
                    "the generator's own files are {}; rename the namespace",
                    names::SHARED_FILE_STEMS
                        .map(|stem| format!("`{stem}.rs`"))
                        .join(", ")
                )),
            );
        }
    }
}

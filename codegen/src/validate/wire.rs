//! How params travel and how answers come in pages: a list param's
//! `encoding`, and a method's `pagination`, checked against the method's
//! resolved params and response.

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::ir;
use crate::spec::{FieldDef, ListEncoding, MethodDef};

/// Checks a method's `pagination` against its resolved params and
/// response: the cursor param exists, is optional text; the limit param
/// exists and is an integer; the items field exists and is a list.
pub(super) fn pagination(
    file: &str,
    def: &MethodDef,
    params: &[ir::Field],
    response: &[ir::Field],
    diags: &mut Diagnostics,
) -> Option<ir::Pagination> {
    let pages = def.pagination.as_ref()?;
    let method = &def.name.value;
    let param = |name: &str| params.iter().find(|p| p.wire == name);
    let declared = |fields: &[ir::Field]| {
        fields
            .iter()
            .map(|f| format!("`{}`", f.wire))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut ok = true;
    for param in params {
        if matches!(param.ident.as_str(), "pages" | "items") {
            ok = false;
            let span = def
                .params
                .iter()
                .find(|p| p.name.value == param.wire)
                .map_or(def.name.span, |p| p.name.span);
            diags.push(
                Diagnostic::error(
                    file,
                    span,
                    format!(
                        "param `{}` of paginated `{method}` would clash with the request's `{}()` stream",
                        param.wire, param.ident
                    ),
                )
                .with_hint("the request of a paginated method has `pages()` and `items()`, so no param of either name can have its setter"),
            );
        }
    }
    let cursor = match param(&pages.cursor.value) {
        None => {
            ok = false;
            diags.push(
                Diagnostic::error(
                    file,
                    pages.cursor.span,
                    format!(
                        "`pagination.cursor` names `{}`, which is not a param of `{method}`",
                        pages.cursor.value
                    ),
                )
                .with_hint(
                    match did_you_mean(&pages.cursor.value, params.iter().map(|p| p.wire.as_str())) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None if params.is_empty() => "declare the cursor param under `params`, such as `cursor: { type: string }`".to_owned(),
                        None => format!("the params are {}", declared(params)),
                    },
                ),
            );
            None
        }
        Some(p) if p.ty != ir::Ty::String || p.required != ir::Required::No => {
            ok = false;
            diags.push(
                Diagnostic::error(
                    file,
                    pages.cursor.span,
                    format!(
                        "the cursor param `{}` must be optional text, so that the first page is asked for without it",
                        p.wire
                    ),
                )
                .with_hint("declare it as `{ type: string }`, without `required`"),
            );
            None
        }
        Some(p) => Some(p.ident.clone()),
    };
    let limit = match &pages.limit {
        None => None,
        Some(name) => match param(&name.value) {
            Some(p) if p.ty == ir::Ty::Integer && p.required == ir::Required::No => {
                Some(p.ident.clone())
            }
            found => {
                ok = false;
                let message = match found {
                    None => format!(
                        "`pagination.limit` names `{}`, which is not a param of `{method}`",
                        name.value
                    ),
                    Some(p) => format!(
                        "the page-size param `{}` must be an optional integer",
                        p.wire
                    ),
                };
                diags.push(Diagnostic::error(file, name.span, message));
                None
            }
        },
    };
    let items = match response.iter().find(|f| f.wire == pages.items.value) {
        Some(field) => match &field.ty {
            ir::Ty::List(item) => Some((field.ident.clone(), (**item).clone())),
            _ => {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        file,
                        pages.items.span,
                        format!(
                            "`pagination.items` names `{}`, which is not a list",
                            field.wire
                        ),
                    )
                    .with_hint("name the response field that holds the page's items, a `list<T>`"),
                );
                None
            }
        },
        None => {
            ok = false;
            diags.push(
                Diagnostic::error(
                    file,
                    pages.items.span,
                    format!(
                        "`pagination.items` names `{}`, which is not a response field of `{method}`",
                        pages.items.value
                    ),
                )
                .with_hint(if response.is_empty() {
                    "declare the list of items under `response`".to_owned()
                } else {
                    format!("the response fields are {}", declared(response))
                }),
            );
            None
        }
    };
    if !ok {
        return None;
    }
    let (items, item) = items?;
    Some(ir::Pagination {
        cursor: cursor?,
        limit,
        items,
        item,
        wire: ir::PaginationWire {
            cursor: pages.cursor.value.clone(),
            limit: pages.limit.as_ref().map(|l| l.value.clone()),
            items: pages.items.value.clone(),
        },
    })
}

/// Checks a field's `encoding`: only on list params, and `comma` only for
/// lists of plain values. True when the list travels comma-separated.
pub(super) fn check_encoding(
    file: &str,
    def: &FieldDef,
    ty: &ir::Ty,
    ty_text: &str,
    is_param: bool,
    diags: &mut Diagnostics,
) -> bool {
    let Some(encoding) = &def.encoding else {
        return false;
    };
    let name = &def.name.value;
    if !is_param {
        diags.push(
            Diagnostic::error(
                file,
                encoding.span,
                "`encoding` only applies to method params",
            )
            .with_hint("remove it: Slack's answers are JSON"),
        );
        return false;
    }
    let ir::Ty::List(item) = ty else {
        diags.push(Diagnostic::error(
            file,
            encoding.span,
            format!("`encoding` applies to lists, and `{name}` is `{ty_text}`"),
        ));
        return false;
    };
    if encoding.value == ListEncoding::Json {
        return false;
    }
    let plain = matches!(
        **item,
        ir::Ty::String
            | ir::Ty::Integer
            | ir::Ty::Boolean
            | ir::Ty::Url
            | ir::Ty::Named {
                kind: ir::Kind::Id | ir::Kind::Enum,
                ..
            }
    );
    if !plain {
        diags.push(
            Diagnostic::error(
                file,
                encoding.span,
                format!(
                    "`encoding: comma` needs a list of plain values, and `{name}` is `{ty_text}`"
                ),
            )
            .with_hint("use `encoding: json` (the default) for lists of objects, lists or maps"),
        );
        return false;
    }
    true
}

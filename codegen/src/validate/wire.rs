//! How params travel and how answers come in pages: a list param's
//! `encoding`, and a method's `pagination` (by cursor or by page number,
//! with dotted paths into the answer), checked against the method's
//! resolved params and response.

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::ir;
use crate::spec::{FieldDef, ListEncoding, MethodDef, PageByDef, Sp};
use crate::type_expr::sub_span;

/// The fields of an object type by name (`None`: not an object type).
pub(super) type FieldsOf<'a> = &'a dyn Fn(&str) -> Option<Vec<ir::Field>>;

/// Checks a method's `pagination` against its resolved params and
/// response: the cursor or page param exists and is optional (text for a
/// cursor, an integer for a page); the page-size param is an optional
/// integer; each path (`items`, `next_cursor`, `pages`) leads through
/// object fields to a list, text and an integer.
pub(super) fn pagination(
    file: &str,
    def: &MethodDef,
    params: &[ir::Field],
    response: &[ir::Field],
    fields_of: FieldsOf<'_>,
    diags: &mut Diagnostics,
) -> Option<ir::Pagination> {
    let pages = def.pagination.as_ref()?;
    let method = &def.name.value;
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
    let params = Params {
        file,
        method,
        params,
    };
    let paths = Paths {
        file,
        method,
        response,
        fields_of,
    };
    let by = match &pages.by {
        PageByDef::Cursor { param, next, first } => {
            let param = params.optional(param, "pagination.cursor", &ir::Ty::String, diags);
            let next = match next {
                None => Some(None),
                Some(path) if path.value == "response_metadata.next_cursor" => Some(None),
                Some(path) if path.value.split('.').next() == Some("response_metadata") => {
                    diags.push(
                        Diagnostic::error(
                            file,
                            path.span,
                            format!("`pagination.next_cursor` names `{}`; Slack's `response_metadata` holds the next cursor as `next_cursor`", path.value),
                        )
                        .with_hint("leave `next_cursor` out for `response_metadata.next_cursor`, or name a response field that holds the cursor"),
                    );
                    None
                }
                Some(path) => paths
                    .resolve(path, "pagination.next_cursor", &ir::Ty::String, diags)
                    .map(|(path, _)| Some(path)),
            };
            match (param, next) {
                (Some(param), Some(next)) => Some(ir::PageBy::Cursor {
                    param,
                    next,
                    first: first.as_ref().map(|f| f.value.clone()),
                }),
                _ => None,
            }
        }
        PageByDef::Number { param, pages } => {
            let param = params.optional(param, "pagination.page", &ir::Ty::Integer, diags);
            let pages = paths
                .resolve(pages, "pagination.pages", &ir::Ty::Integer, diags)
                .map(|(path, _)| path);
            match (param, pages) {
                (Some(param), Some(pages)) => Some(ir::PageBy::Number { param, pages }),
                _ => None,
            }
        }
    };
    let limit = match &pages.limit {
        None => Some(None),
        Some(name) => params
            .optional(name, "pagination.limit", &ir::Ty::Integer, diags)
            .map(Some),
    };
    let list = ir::Ty::List(Box::new(ir::Ty::String));
    let items = paths.resolve(&pages.items, "pagination.items", &list, diags);
    if !ok {
        return None;
    }
    let (items, item) = items?;
    let ir::Ty::List(item) = item else {
        return None;
    };
    Some(ir::Pagination {
        by: by?,
        limit: limit?,
        items,
        item: *item,
    })
}

/// A method's params, for the names `pagination` gives.
struct Params<'a> {
    file: &'a str,
    method: &'a str,
    params: &'a [ir::Field],
}

impl Params<'_> {
    /// The param `name`, which must be an optional `ty` (the first page is
    /// asked for without it).
    fn optional(
        &self,
        name: &Sp<String>,
        key: &str,
        ty: &ir::Ty,
        diags: &mut Diagnostics,
    ) -> Option<ir::ParamName> {
        let (file, method) = (self.file, self.method);
        let want = ty_text(ty);
        match self.params.iter().find(|p| p.wire == name.value) {
            None => {
                diags.push(
                    Diagnostic::error(
                        file,
                        name.span,
                        format!(
                            "`{key}` names `{}`, which is not a param of `{method}`",
                            name.value
                        ),
                    )
                    .with_hint(
                        match did_you_mean(&name.value, self.params.iter().map(|p| p.wire.as_str())) {
                            Some(close) => format!("did you mean `{close}`?"),
                            None if self.params.is_empty() => format!(
                                "declare the param under `params`, such as `{}: {{ type: {want} }}`",
                                name.value
                            ),
                            None => format!("the params are {}", listed(self.params)),
                        },
                    ),
                );
                None
            }
            Some(p) if &p.ty != ty || p.required != ir::Required::No => {
                let (what, why) = match key {
                    "pagination.cursor" => {
                        ("cursor", ", so that the first page is asked for without it")
                    }
                    "pagination.page" => (
                        "page-number",
                        ", so that the first page is asked for without it",
                    ),
                    _ => ("page-size", ""),
                };
                diags.push(
                    Diagnostic::error(
                        file,
                        name.span,
                        format!(
                            "the {what} param `{}` must be an optional `{want}`{why}",
                            p.wire
                        ),
                    )
                    .with_hint(format!(
                        "declare it as `{{ type: {want} }}`, without `required`"
                    )),
                );
                None
            }
            Some(p) => Some(ir::ParamName {
                ident: p.ident.clone(),
                wire: p.wire.clone(),
            }),
        }
    }
}

/// A method's response, for the paths `pagination` gives.
struct Paths<'a> {
    file: &'a str,
    method: &'a str,
    response: &'a [ir::Field],
    fields_of: FieldsOf<'a>,
}

impl Paths<'_> {
    /// Follows a dotted path from the response through object fields, and
    /// checks that it ends at a value like `want` (for a list: any list).
    /// Each problem is reported at the step where it is.
    fn resolve(
        &self,
        path: &Sp<String>,
        key: &str,
        want: &ir::Ty,
        diags: &mut Diagnostics,
    ) -> Option<(ir::FieldPath, ir::Ty)> {
        let (file, text) = (self.file, path.value.as_str());
        let at = |offset: usize, len: usize| sub_span(path.span, text, offset, len.max(1));
        let mut fields: Vec<ir::Field> = self.response.to_vec();
        let mut steps = Vec::new();
        // Where the segment starts, in characters (for spans) and in bytes.
        let (mut offset, mut byte) = (0_usize, 0_usize);
        let mut found: Option<ir::Ty> = None;
        let mut parent: Option<String> = None;
        for segment in text.split('.') {
            let len = segment.chars().count();
            if let Some(ty) = found.take() {
                // A step into the value found so far: it must be an object.
                let inner = match &ty {
                    ir::Ty::Named {
                        name,
                        kind: ir::Kind::Object,
                        ..
                    } => (self.fields_of)(name),
                    _ => None,
                };
                let Some(inner) = inner else {
                    let before = &text[..byte.saturating_sub(1)];
                    diags.push(
                        Diagnostic::error(
                            file,
                            at(0, offset.saturating_sub(1)),
                            format!(
                                "`{key}` goes through `{before}`, which is `{}`, not an object with fields",
                                ty_text(&ty)
                            ),
                        )
                        .with_hint("a path follows object fields, as in `messages.matches`; lists and maps cannot be stepped into"),
                    );
                    return None;
                };
                fields = inner;
            }
            if segment.is_empty() {
                diags.push(
                    Diagnostic::error(
                        file,
                        at(offset.saturating_sub(1), 1),
                        format!("`{key}` is `{text}`, which has an empty step"),
                    )
                    .with_hint(
                        "write field names joined by single dots, such as `messages.matches`",
                    ),
                );
                return None;
            }
            let Some(field) = fields.iter().find(|f| f.wire == segment) else {
                let message = match &parent {
                    None => format!(
                        "`{key}` names `{segment}`, which is not a response field of `{}`",
                        self.method
                    ),
                    Some(parent) => format!("`{key}`: `{parent}` has no field `{segment}`"),
                };
                let hint = match did_you_mean(segment, fields.iter().map(|f| f.wire.as_str())) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if fields.is_empty() => {
                        "declare the field (under `response`, or in the object type)".to_owned()
                    }
                    None => format!("the fields there are {}", listed(&fields)),
                };
                diags.push(Diagnostic::error(file, at(offset, len), message).with_hint(hint));
                return None;
            };
            steps.push(ir::PathStep {
                ident: field.ident.clone(),
                optional: field.required != ir::Required::Yes && !field.ty.is_collection(),
            });
            found = Some(field.ty.clone());
            parent = Some(text[..byte + segment.len()].to_owned());
            offset += len + 1;
            byte += segment.len() + 1;
        }
        let ty = found?;
        let fits = match (want, &ty) {
            (ir::Ty::List(_), ir::Ty::List(_)) => true,
            (want, ty) => want == ty,
        };
        if !fits {
            let (what, hint) = match want {
                ir::Ty::List(_) => (
                    "a list",
                    "name the field that holds a page's items, a `list<T>`",
                ),
                ir::Ty::String => (
                    "text (`string`)",
                    "name the field that holds the next cursor",
                ),
                _ => (
                    "an `integer`",
                    "name the field that holds the number of pages",
                ),
            };
            diags.push(
                Diagnostic::error(
                    file,
                    path.span,
                    format!(
                        "`{key}` names `{text}`, which is `{}`, not {what}",
                        ty_text(&ty)
                    ),
                )
                .with_hint(hint),
            );
            return None;
        }
        Some((
            ir::FieldPath {
                wire: text.to_owned(),
                steps,
            },
            ty,
        ))
    }
}

/// `` `a`, `b` ``: the Slack names of `fields`.
fn listed(fields: &[ir::Field]) -> String {
    fields
        .iter()
        .map(|f| format!("`{}`", f.wire))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A resolved type as the spec writes it.
fn ty_text(ty: &ir::Ty) -> String {
    match ty {
        ir::Ty::String => "string".to_owned(),
        ir::Ty::Integer => "integer".to_owned(),
        ir::Ty::Boolean => "boolean".to_owned(),
        ir::Ty::Timestamp => "timestamp".to_owned(),
        ir::Ty::Duration => "duration".to_owned(),
        ir::Ty::Url => "url".to_owned(),
        ir::Ty::Token => "token".to_owned(),
        ir::Ty::Json => "json".to_owned(),
        ir::Ty::Named { name, .. } => name.clone(),
        ir::Ty::List(item) => format!("list<{}>", ty_text(item)),
        ir::Ty::Map(item) => format!("map<{}>", ty_text(item)),
    }
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

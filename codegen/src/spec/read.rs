//! Reads one parsed YAML file into the spec model.
//!
//! Reading a file never stops at the first problem: unknown keys (with a
//! did-you-mean), repeated keys, missing keys and values of the wrong shape
//! are all recorded, and whatever could be read is kept so that the
//! cross-file checks in `validate` can still run.

use super::map::{FileReader, word_hint};
use super::model::{
    Auth, ErrorDef, EventDef, Http, MethodDef, PageByDef, PaginationDef, Sp, SpecFile, Tier,
};
use super::types::{read_field, read_fields, read_one_of, read_type};
use crate::diag::{Diagnostic, Diagnostics};
use crate::yaml::{Node, Value};

/// Reads one parsed file into a [`SpecFile`], recording every problem.
/// True (with a diagnostic) when an entry of `methods:` or `events:` is
/// named like one of `keys`: a key of the entry above, indented too little.
fn is_misplaced_key(
    cx: &mut FileReader<'_>,
    name: &Sp<String>,
    keys: &[&str],
    entry: &str,
) -> bool {
    if !keys.contains(&name.value.as_str()) {
        return false;
    }
    let noun = entry.split_once(' ').map_or(entry, |(_, noun)| noun);
    cx.diags.push(
        Diagnostic::error(
            cx.path,
            name.span,
            format!(
                "`{}` is not {entry} name: it is a key of {entry}, indented too little",
                name.value
            ),
        )
        .with_hint(format!(
            "indent `{}:` to line up with the keys of the {noun} above it",
            name.value
        )),
    );
    true
}

pub fn read_file(path: &str, root: &Node, diags: &mut Diagnostics) -> SpecFile {
    let mut file = SpecFile {
        path: path.to_owned(),
        ..SpecFile::default()
    };
    let mut cx = FileReader { path, diags };
    let Some(top) = cx.map(
        root,
        None,
        "the top level of a spec file",
        &["types", "errors", "methods", "events"],
    ) else {
        return file;
    };
    if let Some(types) = top.take("types") {
        for (name, body) in cx.entries(types, "`types`") {
            let declared = name.clone();
            match read_type(&mut cx, name, body) {
                Some(def) => file.types.push(def),
                None => file.unreadable_types.push(declared),
            }
        }
    }
    if let Some(errors) = top.take("errors") {
        file.errors = read_errors(&mut cx, errors);
    }
    if let Some(methods) = top.take("methods") {
        for (name, body) in cx.entries(methods, "`methods`") {
            if is_misplaced_key(&mut cx, &name, METHOD_KEYS, "a method") {
                continue;
            }
            if let Some(def) = read_method(&mut cx, name, body) {
                file.methods.push(def);
            }
        }
    }
    if let Some(events) = top.take("events") {
        for (name, body) in cx.entries(events, "`events`") {
            if is_misplaced_key(&mut cx, &name, EVENT_KEYS, "an event") {
                continue;
            }
            if let Some(def) = read_event(&mut cx, name, body) {
                file.events.push(def);
            }
        }
    }
    if file.types.is_empty()
        && file.errors.is_empty()
        && file.methods.is_empty()
        && file.events.is_empty()
        && !cx.diags.has_errors()
    {
        cx.diags.push(
            Diagnostic::warning(
                path,
                root.span,
                "the file declares no methods, types, errors or events",
            )
            .with_hint("add `methods:`, `types:`, `errors:` or `events:`, or delete the file"),
        );
    }
    file
}

const METHOD_KEYS: &[&str] = &[
    "summary",
    "description",
    "docs_url",
    "http",
    "rate_tier",
    "auth",
    "scopes",
    "idempotent",
    "params",
    "one_of",
    "response",
    "errors",
    "on_resend",
    "example_response",
    "pagination",
];

const EVENT_KEYS: &[&str] = &[
    "summary",
    "description",
    "docs_url",
    "scope",
    "fields",
    "example",
];

fn read_event(cx: &mut FileReader<'_>, name: Sp<String>, body: &Node) -> Option<EventDef> {
    let what = format!("event `{}`", name.value);
    let mut map = cx.map(body, Some(name.span), &what, EVENT_KEYS)?;
    let summary = map
        .require(cx, "summary", &what)
        .and_then(|n| cx.text(n, "`summary`"))
        .unwrap_or_default();
    let description = map
        .take("description")
        .and_then(|n| cx.text(n, "`description`"));
    let docs_url = map.take("docs_url").and_then(|n| cx.text(n, "`docs_url`"));
    let scope = map.take("scope").and_then(|node| {
        let text = cx.text(node, "`scope`")?;
        if is_scope(&text) {
            Some(Sp::new(text, node.span))
        } else {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    node.span,
                    format!("scope `{text}` is not of the form `name:action`"),
                )
                .with_hint("write the scope the way Slack does, such as `links:read`; leave `scope` out for events that need none"),
            );
            None
        }
    });
    let mut fields = Vec::new();
    if let Some(node) = map.take("fields") {
        for (field, body) in cx.entries(node, "`fields`") {
            if field.value == "type" {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        field.span,
                        format!(
                            "event `{}` declares `type`, which names the event itself",
                            name.value
                        ),
                    )
                    .with_hint("remove the field: the `Event` enum reads and writes `type`"),
                );
                continue;
            }
            let what = format!("field `{}` of event `{}`", field.value, name.value);
            if let Some(def) = read_field(cx, field, body, &what) {
                fields.push(def);
            }
        }
    }
    let example = map.take("example").cloned();
    let example_key = map.key_span("example");
    Some(EventDef {
        name,
        summary,
        description,
        docs_url,
        scope,
        fields,
        example,
        example_key,
    })
}

fn read_errors(cx: &mut FileReader<'_>, node: &Node) -> Vec<ErrorDef> {
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

fn read_method(cx: &mut FileReader<'_>, name: Sp<String>, body: &Node) -> Option<MethodDef> {
    let what = format!("method `{}`", name.value);
    let mut map = cx.map(body, Some(name.span), &what, METHOD_KEYS)?;
    // A missing or bad key is reported and replaced by a stand-in, so that
    // the rest of the method is still checked; nothing is generated from a
    // spec with errors.
    let summary = map
        .require(cx, "summary", &what)
        .and_then(|n| cx.text(n, "`summary`"))
        .unwrap_or_default();
    let description = map
        .take("description")
        .and_then(|n| cx.text(n, "`description`"));
    let docs_url = map.take("docs_url").and_then(|n| cx.text(n, "`docs_url`"));
    let http = match map.take("http") {
        Some(node) => cx
            .one_of_words(node, "`http`", &[("GET", Http::Get), ("POST", Http::Post)])
            .map_or(Http::Post, |h| h.value),
        None => Http::Post,
    };
    let rate_tier = map
        .require(cx, "rate_tier", &what)
        .and_then(|node| match &node.value {
            Value::Int(n @ 1..=4) => Some(Tier::Numbered(*n as u8)),
            Value::Str(word) if word == "special" && !node.quoted => Some(Tier::Special),
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!(
                            "`rate_tier` is {}; it must be 1, 2, 3, 4 or special",
                            node.shown()
                        ),
                    )
                    .with_hint_opt(word_hint(node, &["1", "2", "3", "4", "special"])),
                );
                None
            }
        })
        .unwrap_or(Tier::Special);
    let auth = match map.take("auth") {
        Some(node) => cx
            .one_of_words(
                node,
                "`auth`",
                &[
                    ("token", Auth::Token),
                    ("any_token", Auth::AnyToken),
                    ("client_credentials", Auth::ClientCredentials),
                    (
                        "token_and_client_credentials",
                        Auth::TokenAndClientCredentials,
                    ),
                    ("app_token", Auth::AppToken),
                ],
            )
            .map(|a| a.value),
        None => Some(Auth::Token),
    };
    let (bot_scopes, user_scopes) = if auth == Some(Auth::Token) {
        match map.require(cx, "scopes", &what) {
            Some(node) => read_scopes(cx, node),
            None => (Vec::new(), Vec::new()),
        }
    } else if auth.is_none() {
        // A bad `auth` was reported; `scopes` is read if given, not required.
        map.take("scopes")
            .map(|node| read_scopes(cx, node))
            .unwrap_or_default()
    } else {
        if let Some(node) = map.take("scopes") {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    node.span,
                    format!(
                        "`scopes` is given, but {what} has `auth: {}`, which needs no scope",
                        match auth {
                            Some(Auth::AnyToken) => "any_token",
                            Some(Auth::TokenAndClientCredentials) => "token_and_client_credentials",
                            Some(Auth::AppToken) => "app_token",
                            _ => "client_credentials",
                        }
                    ),
                )
                .with_hint("drop `scopes`, or drop `auth` for a method that needs scopes"),
            );
        }
        (Vec::new(), Vec::new())
    };
    let idempotent = match map.take("idempotent") {
        Some(node) => match node.value {
            Value::Bool(b) => b,
            _ => {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        format!("`idempotent` is {}; it must be true or false", node.shown()),
                    )
                    .with_hint_opt(word_hint(node, &["true", "false"])),
                );
                false
            }
        },
        None => false,
    };
    let params = map
        .take("params")
        .map(|node| {
            read_fields(cx, node, "`params`", |param| {
                format!("param `{param}` of `{}`", name.value)
            })
        })
        .unwrap_or_default();
    let one_of = map
        .take("one_of")
        .map(|node| read_one_of(cx, node, "param"))
        .unwrap_or_default();
    let response = map
        .take("response")
        .map(|node| {
            read_fields(cx, node, "`response`", |field| {
                format!("response field `{field}` of `{}`", name.value)
            })
        })
        .unwrap_or_default();
    let errors = map
        .take("errors")
        .map(|n| read_errors(cx, n))
        .unwrap_or_default();
    let on_resend_key = map.key_span("on_resend");
    let on_resend = map
        .take("on_resend")
        .map(|n| read_on_resend(cx, n))
        .unwrap_or_default();
    let example_response = map.take("example_response").cloned();
    let example_response_key = map.key_span("example_response");
    let pagination = map
        .take("pagination")
        .and_then(|node| read_pagination(cx, node));
    Some(MethodDef {
        name,
        summary,
        description,
        docs_url,
        http,
        rate_tier,
        auth: auth.unwrap_or(Auth::Token),
        bot_scopes,
        user_scopes,
        idempotent,
        params,
        one_of,
        response,
        errors,
        on_resend,
        on_resend_key,
        example_response,
        example_response_key,
        pagination,
    })
}

/// `pagination`: by cursor (`{ cursor: cursor, limit: limit, items:
/// members }`, with `next_cursor` and `first_cursor` when Slack puts its
/// cursor elsewhere or needs one to start) or by page number (`{ page:
/// page, limit: count, items: items, pages: paging.pages }`).
fn read_pagination(cx: &mut FileReader<'_>, node: &Node) -> Option<PaginationDef> {
    let what = "`pagination`";
    let cursor_keys = ["next_cursor", "first_cursor"];
    let map = cx.map(
        node,
        None,
        what,
        &[
            "cursor",
            "page",
            "limit",
            "items",
            "next_cursor",
            "first_cursor",
            "pages",
        ],
    )?;
    let word = |cx: &mut FileReader<'_>, key: &str| {
        let node = map.take(key)?;
        cx.text(node, &format!("`pagination.{key}`"))
            .map(|text| Sp::new(text, node.span))
    };
    let limit = word(cx, "limit");
    let items = match map.take("items") {
        Some(_) => word(cx, "items"),
        None => {
            if !map.typos.contains(&"items") {
                cx.diags.push(
                    Diagnostic::error(cx.path, node.span, "`pagination` is missing `items`")
                        .with_hint("name the response field that holds a page's items, such as `items: members` (a dotted path for a nested one: `items: messages.matches`)"),
                );
            }
            None
        }
    };
    let misplaced = |cx: &mut FileReader<'_>, key: &str, style: &str, other: &str| {
        if let Some(span) = map.key_span(key) {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    span,
                    format!("`pagination.{key}` belongs to paging by {style}, and this method pages by {other}"),
                )
                .with_hint(format!("remove `{key}`")),
            );
        }
    };
    let by = match (map.key_span("cursor"), map.key_span("page")) {
        (Some(_), Some(page)) => {
            cx.diags.push(
                Diagnostic::error(
                    cx.path,
                    page,
                    "`pagination` has both `cursor` and `page`; a pager follows one of them",
                )
                .with_hint("keep `cursor` to page by Slack's cursors (which Slack recommends where both work), or `page` (with `pages`) to page by number"),
            );
            None
        }
        (Some(_), None) => {
            misplaced(cx, "pages", "page number", "cursor");
            let param = word(cx, "cursor");
            let next = word(cx, "next_cursor");
            let first = word(cx, "first_cursor");
            if let Some(first) = &first
                && first.value.trim().is_empty()
            {
                cx.diags.push(
                    Diagnostic::error(cx.path, first.span, "`pagination.first_cursor` is empty")
                        .with_hint("leave it out: the first page is asked for without a cursor unless the method needs one, such as `first_cursor: \"*\"`"),
                );
            }
            param.map(|param| PageByDef::Cursor { param, next, first })
        }
        (None, Some(_)) => {
            for key in cursor_keys {
                misplaced(cx, key, "cursor", "page number");
            }
            let param = word(cx, "page");
            let pages = match map.take("pages") {
                Some(_) => word(cx, "pages"),
                None => {
                    cx.diags.push(
                        Diagnostic::error(
                            cx.path,
                            node.span,
                            "`pagination` by `page` is missing `pages`, the answer's number of pages",
                        )
                        .with_hint("add `pages: paging.pages`, the response field that says how many pages there are"),
                    );
                    None
                }
            };
            match (param, pages) {
                (Some(param), Some(pages)) => Some(PageByDef::Number { param, pages }),
                _ => None,
            }
        }
        (None, None) => {
            if !map.typos.contains(&"cursor") && !map.typos.contains(&"page") {
                cx.diags.push(
                    Diagnostic::error(
                        cx.path,
                        node.span,
                        "`pagination` names neither `cursor` nor `page`",
                    )
                    .with_hint("add `cursor: cursor` for Slack's cursors, or `page: page` with `pages: paging.pages` for page numbers"),
                );
            }
            None
        }
    };
    Some(PaginationDef {
        by: by?,
        limit,
        items: items?,
    })
}

/// `on_resend: { inactive_call: done }`: the codes, each with the one word
/// a code can take today.
fn read_on_resend(cx: &mut FileReader<'_>, node: &Node) -> Vec<Sp<String>> {
    let mut out = Vec::new();
    for (code, body) in cx.entries(node, "`on_resend`") {
        let what = format!("`on_resend.{}`", code.value);
        if cx.one_of_words(body, &what, &[("done", ())]).is_some() {
            out.push(code);
        }
    }
    out
}

fn read_scopes(cx: &mut FileReader<'_>, node: &Node) -> (Vec<Sp<String>>, Vec<Sp<String>>) {
    let Some(map) = cx.map(node, None, "`scopes`", &["bot", "user"]) else {
        return (Vec::new(), Vec::new());
    };
    let mut invalid = false;
    let mut read = |cx: &mut FileReader<'_>, key: &str| -> Vec<Sp<String>> {
        let Some(list) = map.take(key) else {
            return Vec::new();
        };
        let mut scopes = Vec::new();
        for item in cx.list(list, &format!("`scopes.{key}`")) {
            if let Some(text) = cx.text(item, "a scope") {
                if is_scope(&text) {
                    scopes.push(Sp::new(text, item.span));
                } else {
                    invalid = true;
                    cx.diags.push(
                        Diagnostic::error(
                            cx.path,
                            item.span,
                            format!("scope `{text}` is not of the form `name:action`"),
                        )
                        .with_hint({
                            let lower = text.to_lowercase();
                            match lower.split_once(':') {
                                Some((name, "")) if is_scope_part(name) => format!(
                                    "name the action too, such as `{name}:read` or `{name}:write`"
                                ),
                                Some(_) if lower != text && is_scope(&lower) => {
                                    format!("scopes are lowercase: `{lower}`")
                                }
                                None if is_scope_part(&lower) => format!(
                                    "name the action too, such as `{lower}:read` or `{lower}:write`"
                                ),
                                _ => "write scopes the way Slack does, such as `calls:write`"
                                    .to_owned(),
                            }
                        }),
                    );
                }
            }
        }
        scopes
    };
    let bot = read(cx, "bot");
    let user = read(cx, "user");
    if bot.is_empty() && user.is_empty() && !invalid {
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

/// `name:action` (Slack also has `name:action:detail`), in lowercase.
fn is_scope(text: &str) -> bool {
    text.split_once(':').is_some_and(|(name, action)| {
        is_scope_part(name) && !action.is_empty() && action.split(':').all(is_scope_part)
    })
}

fn is_scope_part(part: &str) -> bool {
    !part.is_empty()
        && part.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.' || c == '-'
        })
}

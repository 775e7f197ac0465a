//! Rustdoc text from spec prose, and compiling examples.
//!
//! Spec prose is written by people, not for rustdoc: square brackets would
//! become broken intra-doc links, bare URLs trip `rustdoc::bare_urls`, and
//! an indented line would become a doctest. [`prose`] makes it safe.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::Scope;
use crate::ir::{self, Ty};

/// Doc attributes, one per line, each with a leading space.
pub(super) fn attrs(lines: &[String]) -> TokenStream {
    let lines = self::lines(lines);
    quote!(#(#[doc = #lines])*)
}

/// Splits paragraphs into doc lines with a leading space (blank lines stay
/// empty).
pub(super) fn lines(paragraphs: &[String]) -> Vec<String> {
    paragraphs
        .iter()
        .flat_map(|p| {
            if p.is_empty() {
                vec![String::new()]
            } else {
                p.lines().map(str::to_owned).collect::<Vec<_>>()
            }
        })
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        })
        .collect()
}

/// Spec prose made safe for rustdoc.
pub(super) fn prose(text: &str) -> String {
    let mut out = String::new();
    for (index, line) in text.lines().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let line = line.trim_start();
        let mut words = Vec::new();
        for word in line.split(' ') {
            let escaped = word.replace('[', "\\[").replace(']', "\\]");
            if (word.starts_with("http://") || word.starts_with("https://")) && !word.contains('`')
            {
                let trimmed = escaped.trim_end_matches(['.', ',', ';', ')']);
                let tail = &escaped[trimmed.len()..];
                words.push(format!("<{trimmed}>{tail}"));
            } else {
                words.push(escaped);
            }
        }
        out.push_str(&words.join(" "));
    }
    out
}

fn tier_text(tier: ir::Tier) -> &'static str {
    match tier {
        ir::Tier::Tier1 => "tier 1 (1+ requests a minute)",
        ir::Tier::Tier2 => "tier 2 (20+ requests a minute)",
        ir::Tier::Tier3 => "tier 3 (50+ requests a minute)",
        ir::Tier::Tier4 => "tier 4 (100+ requests a minute)",
        ir::Tier::Special => "special (see Slack's page for the method)",
    }
}

fn scopes_text(scopes: &[String]) -> String {
    if scopes.is_empty() {
        "not allowed".to_owned()
    } else {
        scopes
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The rustdoc of a method's entry point.
pub(super) fn method_doc(cx: &Scope<'_>, method: &ir::Method) -> Vec<String> {
    let mut out = vec![prose(&method.summary)];
    if let Some(description) = &method.description {
        out.push(String::new());
        out.push(prose(description));
    }
    out.push(String::new());
    let link = match &method.docs_url {
        Some(url) => format!("[`{}`](<{url}>)", method.name),
        None => format!("`{}`", method.name),
    };
    out.push(format!("- **Slack method:** {link}"));
    out.push(match method.auth {
        ir::Auth::Token => format!(
            "- **Tokens and scopes:** bot token: {}; user token: {}",
            scopes_text(&method.bot_scopes),
            scopes_text(&method.user_scopes)
        ),
        ir::Auth::AnyToken => {
            "- **Tokens and scopes:** any bot or user token; no scope needed".to_owned()
        }
        ir::Auth::AppToken => {
            "- **Tokens and scopes:** an app-level token (`xapp-`); no scope needed".to_owned()
        }
        ir::Auth::ClientCredentials => {
            "- **Tokens and scopes:** no token; the app's client id and secret (HTTP Basic), set with `ClientBuilder::client_credentials`".to_owned()
        }
        ir::Auth::TokenAndClientCredentials => {
            "- **Tokens and scopes:** any bot or user token, no scope needed; and the app's client id and secret, set with `ClientBuilder::client_credentials`".to_owned()
        }
    });
    out.push(format!("- **Rate limit:** {}", tier_text(method.tier)));
    out.push(if method.idempotent {
        "- **Idempotent:** yes; after a failure that may have reached Slack, the client may resend it.".to_owned()
    } else {
        "- **Idempotent:** no; after a failure that may have reached Slack, the client never resends it, and the error says the request may have been sent.".to_owned()
    });
    if !method.done_on_resend.is_empty() {
        let codes: Vec<String> = method
            .done_on_resend
            .iter()
            .map(|c| format!("`{c}`"))
            .collect();
        out.push(format!(
            "- **After a lost answer:** when a resend meets {}, the attempt whose answer was lost did the work: the call succeeds with an empty response whose `meta.done_before_resend` names the code.",
            codes.join(" or ")
        ));
    }
    if !method.params.is_empty() {
        out.push(String::new());
        out.push("# Params".to_owned());
        out.push(String::new());
        for param in &method.params {
            let need = match param.required {
                ir::Required::Yes => "required, positional",
                ir::Required::No => "optional, a setter",
                ir::Required::WithBotToken => "a setter; required with a bot token",
            };
            let about = param.description.as_deref().map(prose).unwrap_or_default();
            out.push(format!("- `{}` ({need}): {about}", param.wire));
        }
        if !method.one_of.is_empty() {
            let groups: Vec<String> = method
                .one_of
                .iter()
                .map(|group| {
                    group
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect();
            out.push(String::new());
            out.push(format!(
                "Set {}: otherwise the request is refused before sending, as `Error::InvalidRequest`.",
                groups.join(", or ")
            ));
        }
    }
    out.push(String::new());
    out.push("# Errors".to_owned());
    out.push(String::new());
    out.push(format!(
        "Slack's answers come back as `Error::Api` with a [`{}Error`] code:",
        method.type_prefix
    ));
    out.push(String::new());
    for error in &method.errors {
        out.push(format!("- `{}`: {}", error.code, prose(&error.description)));
    }
    out.push(
        "- and any common error (`CommonError`), such as `invalid_auth` or `missing_scope`."
            .to_owned(),
    );
    out.push(String::new());
    out.push("# Example".to_owned());
    out.push(String::new());
    out.extend(example(cx, method));
    out
}

fn example(cx: &Scope<'_>, method: &ir::Method) -> Vec<String> {
    let krate = cx.doc_crate();
    let mut lines = vec!["```no_run".to_owned()];
    if let crate::emit::Mode::Extension { trait_name, .. } = cx.mode {
        lines.push(format!("use {krate}::{trait_name};"));
        lines.push(String::new());
    }
    lines.push(
        "# async fn example(client: slack_calls::Client) -> Result<(), Box<dyn std::error::Error>> {".to_owned(),
    );
    let args: Vec<String> = method
        .params
        .iter()
        .filter(|p| p.required == ir::Required::Yes)
        .map(|p| value_expr(cx, &p.ty, p.example.as_ref(), 0))
        .collect();
    let mut chain = String::from("client");
    for module in &method.modules {
        chain.push_str(&format!(".{module}()"));
    }
    chain.push_str(&format!(".{}({})", method.function, args.join(", ")));
    // The first `one_of` group, so that the example would be accepted.
    if let Some(group) = method.one_of.first() {
        for wire in group {
            if let Some(param) = method.params.iter().find(|p| &p.wire == wire) {
                let value = value_expr(cx, &param.ty, param.example.as_ref(), 0);
                chain.push_str(&format!(".{}({value})", param.ident));
            }
        }
    }
    lines.push(format!("let response = {chain}.await?;"));
    lines.push("# let _ = response;".to_owned());
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    lines.push("```".to_owned());
    lines
}

/// A Rust expression for a value of `ty`, from the spec's example when
/// there is one, otherwise a plausible stand-in.
fn value_expr(
    cx: &Scope<'_>,
    ty: &Ty,
    example: Option<&serde_json::Value>,
    depth: usize,
) -> String {
    let krate = cx.doc_crate();
    match ty {
        Ty::String | Ty::Url => {
            let text = example
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| {
                    if *ty == Ty::Url {
                        "https://example.com/".to_owned()
                    } else {
                        "text".to_owned()
                    }
                });
            format!("{text:?}")
        }
        // `impl Into<Token>` takes the text.
        Ty::Token => format!(
            "{:?}",
            example
                .and_then(serde_json::Value::as_str)
                .unwrap_or("xoxe-1-example")
        ),
        Ty::Integer => example
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(1)
            .to_string(),
        Ty::Boolean => example
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true)
            .to_string(),
        Ty::Timestamp => format!(
            "slack_calls::Timestamp::from_secs({})",
            example
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(1_600_000_000)
        ),
        Ty::Duration => format!(
            "std::time::Duration::from_secs({})",
            example.and_then(serde_json::Value::as_u64).unwrap_or(60)
        ),
        // `impl Into<serde_json::Value>` takes text, numbers and booleans.
        Ty::Json => match example {
            Some(serde_json::Value::Bool(b)) => b.to_string(),
            Some(serde_json::Value::Number(n)) if n.is_i64() => n.to_string(),
            Some(serde_json::Value::String(text)) => format!("{text:?}"),
            _ => "\"text\"".to_owned(),
        },
        Ty::List(item) => {
            let items: Vec<String> = match example.and_then(serde_json::Value::as_array) {
                Some(values) if !values.is_empty() => values
                    .iter()
                    .take(2)
                    .map(|v| value_expr(cx, item, Some(v), depth + 1))
                    .collect(),
                _ => vec![value_expr(cx, item, None, depth + 1)],
            };
            format!("[{}]", items.join(", "))
        }
        Ty::Map(item) => {
            let first = example
                .and_then(serde_json::Value::as_object)
                .and_then(|map| map.iter().next());
            let (key, value) = match first {
                Some((key, value)) => (key.clone(), Some(value)),
                None => ("key".to_owned(), None),
            };
            format!("[({key:?}, {})]", value_expr(cx, item, value, depth + 1))
        }
        Ty::Named {
            name,
            kind: _,
            external,
        } => {
            let path = if *external {
                format!("slack_calls::{name}")
            } else {
                format!("{krate}::{name}")
            };
            let Some(def) = cx.api.types.iter().find(|t| t.name() == name) else {
                // An extern type: only ID types can be written without knowing them.
                let text = example.and_then(|v| v.as_str()).unwrap_or("X0000000");
                return format!("{text:?}");
            };
            match def {
                ir::TypeDef::Id(def) => {
                    let text = example
                        .and_then(|v| v.as_str())
                        .or_else(|| def.example.as_ref().and_then(|v| v.as_str()))
                        .unwrap_or("X0000000");
                    format!("{text:?}")
                }
                ir::TypeDef::Enum(def) => {
                    let wire = example.and_then(|v| v.as_str());
                    let value = def
                        .values
                        .iter()
                        .find(|v| Some(v.wire.as_str()) == wire)
                        .or_else(|| def.values.first());
                    match value {
                        Some(value) => format!("{path}::{}", value.variant),
                        None => format!("{path}::Unknown(String::new())"),
                    }
                }
                ir::TypeDef::Object(def) => object_expr(cx, def, &path, example, depth),
                ir::TypeDef::Union(def) => {
                    let tag = def.tag.as_str();
                    let wire = example
                        .and_then(|e| e.get(tag))
                        .and_then(serde_json::Value::as_str);
                    let variant = def
                        .variants
                        .iter()
                        .find(|v| Some(v.wire.as_str()) == wire)
                        .or_else(|| def.variants.first());
                    let inner = variant.and_then(|v| {
                        let inner_def = cx.api.types.iter().find_map(|t| match t {
                            ir::TypeDef::Object(object) if object.name == v.ty => Some(object),
                            _ => None,
                        })?;
                        let inner_path = if v.external {
                            format!("slack_calls::{}", v.ty)
                        } else {
                            format!("{krate}::{}", v.ty)
                        };
                        let example = example.filter(|_| Some(v.wire.as_str()) == wire);
                        Some((
                            v,
                            object_expr(cx, inner_def, &inner_path, example, depth + 1),
                        ))
                    });
                    match inner {
                        Some((v, expr)) => format!("{path}::{}({expr})", v.variant),
                        None => format!("{path}::Other(Default::default())"),
                    }
                }
            }
        }
    }
}

fn object_expr(
    cx: &Scope<'_>,
    def: &ir::ObjectType,
    path: &str,
    example: Option<&serde_json::Value>,
    depth: usize,
) -> String {
    let field_example = |wire: &str| example.and_then(|e| e.get(wire)).or(None);
    let required: Vec<String> = def
        .fields
        .iter()
        .filter(|f| f.required == ir::Required::Yes)
        .map(|f| {
            if depth > 4 {
                "Default::default()".to_owned()
            } else {
                value_expr(
                    cx,
                    &f.ty,
                    field_example(&f.wire).or(f.example.as_ref()),
                    depth + 1,
                )
            }
        })
        .collect();
    let mut expr = format!("{path}::new({})", required.join(", "));
    let optional: Vec<&ir::Field> = match def.one_of.first() {
        Some(group) => def
            .fields
            .iter()
            .filter(|f| group.contains(&f.wire))
            .collect(),
        None => Vec::new(),
    };
    for field in optional {
        let value = value_expr(
            cx,
            &field.ty,
            field_example(&field.wire).or(field.example.as_ref()),
            depth + 1,
        );
        expr.push_str(&format!(
            ".with_{}({value})",
            crate::names::bare(&field.ident)
        ));
    }
    expr
}

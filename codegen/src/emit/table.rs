//! The `MethodInfo` statics (a `method_info!` table each, one line per
//! param) and the `METHODS` table that the runtime and the fake server read.

use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::Scope;
use super::layout::lit;
use crate::ir::{self, Ty};

/// A param's kind in the short form `__param_kind!` reads
/// (`List(Object("CallUser"))`).
fn param_kind_of(param: &ir::Field) -> String {
    match &param.ty {
        Ty::List(item) if param.comma => format!("CommaList({})", param_kind(item)),
        ty => param_kind(ty),
    }
}

fn param_kind(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".to_owned(),
        Ty::Integer => "Integer".to_owned(),
        Ty::Boolean => "Boolean".to_owned(),
        Ty::Timestamp => "Timestamp".to_owned(),
        Ty::Duration => "Duration".to_owned(),
        Ty::Url => "Url".to_owned(),
        // A token travels as text; only its Rust type keeps it secret.
        Ty::Token => "String".to_owned(),
        Ty::Json => "Json".to_owned(),
        Ty::Named {
            name,
            kind: ir::Kind::Id,
            ..
        } => format!("Id({})", lit(name)),
        // Enums travel as text.
        Ty::Named {
            kind: ir::Kind::Enum,
            ..
        } => "String".to_owned(),
        Ty::Named { name, .. } => format!("Object({})", lit(name)),
        Ty::List(item) => format!("List({})", param_kind(item)),
        Ty::Map(item) => format!("Map({})", param_kind(item)),
    }
}

/// `["a", "b"]`.
fn list(words: &[String]) -> String {
    let words: Vec<String> = words.iter().map(|w| lit(w)).collect();
    format!("[{}]", words.join(", "))
}

/// One method's `MethodInfo` static, as a `method_info!` table.
pub(super) fn method_info(cx: &Scope<'_>, method: &ir::Method) -> TokenStream {
    let http = match method.http {
        ir::Http::Get => "Get",
        ir::Http::Post => "Post",
    };
    let tier = match method.tier {
        ir::Tier::Tier1 => "Tier1",
        ir::Tier::Tier2 => "Tier2",
        ir::Tier::Tier3 => "Tier3",
        ir::Tier::Tier4 => "Tier4",
        ir::Tier::Special => "Special",
    };
    let auth = match method.auth {
        ir::Auth::Token => "Token",
        ir::Auth::AnyToken => "AnyToken",
        ir::Auth::AppToken => "AppToken",
        ir::Auth::ClientCredentials => "ClientCredentials",
        ir::Auth::TokenAndClientCredentials => "TokenAndClientCredentials",
    };
    let mut text = format!("{}::__private::method_info! {{\n", cx.rt_text());
    let _ = writeln!(
        text,
        "    pub static {} = {}, {http}, {tier}, {auth}, idempotent: {};",
        method.const_name,
        lit(&method.name),
        method.idempotent
    );
    let _ = writeln!(text, "    summary: {};", lit(&method.summary));
    let docs_url = method.docs_url.as_deref().unwrap_or_default();
    let _ = writeln!(text, "    docs_url: {};", lit(docs_url));
    let _ = writeln!(
        text,
        "    scopes: bot {}, user {};",
        list(&method.bot_scopes),
        list(&method.user_scopes)
    );
    if method.params.is_empty() {
        text.push_str("    params {}\n");
    } else {
        text.push_str("    params {\n");
        for p in &method.params {
            let required = match p.required {
                ir::Required::Yes => "Yes",
                ir::Required::No => "No",
                ir::Required::WithBotToken => "WithBotToken",
            };
            let min_items = if p.min_items > 0 {
                format!(", min_items: {}", p.min_items)
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "        {}: {}, {required}{min_items};",
                lit(&p.wire),
                param_kind_of(p)
            );
        }
        text.push_str("    }\n");
    }
    let codes: Vec<String> = method.errors.iter().map(|e| e.code.clone()).collect();
    let _ = writeln!(text, "    errors {};", list(&codes));
    let _ = writeln!(text, "    done_on_resend {};", list(&method.done_on_resend));
    let _ = writeln!(
        text,
        "    example_response: {};",
        lit(&method.example_response)
    );
    if let Some(pages) = &method.pagination {
        let by = match &pages.by {
            ir::PageBy::Cursor { param, next, first } => {
                let next = next
                    .as_ref()
                    .map_or("response_metadata.next_cursor", |path| path.wire.as_str());
                let first = first
                    .as_deref()
                    .map(|first| format!(", first {}", lit(first)))
                    .unwrap_or_default();
                format!("cursor {} [next {}{first}]", lit(&param.wire), lit(next))
            }
            ir::PageBy::Number { param, pages } => {
                format!("page {} [pages {}]", lit(&param.wire), lit(&pages.wire))
            }
        };
        let limit = pages
            .limit
            .as_ref()
            .map(|limit| lit(&limit.wire))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "    pagination: {by}, limit [{limit}], items {};",
            lit(&pages.items.wire)
        );
    }
    text.push_str("}\n");
    cx.laid.place(text)
}

/// `METHODS`: every method of the spec, in spec order.
pub(super) fn methods_table(cx: &Scope<'_>, methods: &[ir::Method]) -> TokenStream {
    let rt = cx.rt();
    let entries = methods.iter().map(|m| {
        let modules = m.modules.iter().map(|module| super::context::ident(module));
        let info = format_ident!("{}", m.const_name);
        quote!(&#(#modules::)* #info)
    });
    quote! {
        /// Every method of the spec, in spec order.
        pub static METHODS: &[&#rt::method::MethodInfo] = &[#(#entries),*];
    }
}

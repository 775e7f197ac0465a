//! The `MethodInfo` constants and the `METHODS` table that the runtime and
//! the fake server read.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::Cx;
use crate::ir::{self, Ty};

fn param_kind_of(cx: &Cx<'_>, param: &ir::Field) -> TokenStream {
    match &param.ty {
        Ty::List(item) if param.comma => {
            let rt = cx.rt();
            let item = param_kind(cx, item);
            quote!(#rt::method::ParamKind::CommaList(&#item))
        }
        ty => param_kind(cx, ty),
    }
}

fn param_kind(cx: &Cx<'_>, ty: &Ty) -> TokenStream {
    let rt = cx.rt();
    let kind = quote!(#rt::method::ParamKind);
    match ty {
        Ty::String => quote!(#kind::String),
        Ty::Integer => quote!(#kind::Integer),
        Ty::Boolean => quote!(#kind::Boolean),
        Ty::Timestamp => quote!(#kind::Timestamp),
        Ty::Duration => quote!(#kind::Duration),
        Ty::Url => quote!(#kind::Url),
        Ty::Named {
            name,
            kind: ir::Kind::Id,
            ..
        } => quote!(#kind::Id(#name)),
        // Enums travel as text.
        Ty::Named {
            kind: ir::Kind::Enum,
            ..
        } => quote!(#kind::String),
        Ty::Named { name, .. } => quote!(#kind::Object(#name)),
        Ty::List(item) => {
            let item = param_kind(cx, item);
            quote!(#kind::List(&#item))
        }
        Ty::Map(item) => {
            let item = param_kind(cx, item);
            quote!(#kind::Map(&#item))
        }
    }
}

/// One method's `MethodInfo` static.
pub(super) fn method_info(cx: &Cx<'_>, method: &ir::Method) -> TokenStream {
    let rt = cx.rt();
    let info = format_ident!("{}", method.const_name);
    let name = &method.name;
    let summary = &method.summary;
    let docs_url = method.docs_url.clone().unwrap_or_default();
    let http = match method.http {
        ir::Http::Get => quote!(#rt::method::HttpMethod::Get),
        ir::Http::Post => quote!(#rt::method::HttpMethod::Post),
    };
    let tier = match method.tier {
        ir::Tier::Tier1 => quote!(#rt::method::RateTier::Tier1),
        ir::Tier::Tier2 => quote!(#rt::method::RateTier::Tier2),
        ir::Tier::Tier3 => quote!(#rt::method::RateTier::Tier3),
        ir::Tier::Tier4 => quote!(#rt::method::RateTier::Tier4),
        ir::Tier::Special => quote!(#rt::method::RateTier::Special),
    };
    let auth = match method.auth {
        ir::Auth::Token => quote!(#rt::method::Auth::Token),
        ir::Auth::AnyToken => quote!(#rt::method::Auth::AnyToken),
        ir::Auth::AppToken => quote!(#rt::method::Auth::AppToken),
        ir::Auth::ClientCredentials => quote!(#rt::method::Auth::ClientCredentials),
        ir::Auth::TokenAndClientCredentials => {
            quote!(#rt::method::Auth::TokenAndClientCredentials)
        }
    };
    let idempotent = method.idempotent;
    let bot = &method.bot_scopes;
    let user = &method.user_scopes;
    let params = method.params.iter().map(|p| {
        let wire = &p.wire;
        let kind = param_kind_of(cx, p);
        let required = match p.required {
            ir::Required::Yes => quote!(#rt::method::Required::Yes),
            ir::Required::No => quote!(#rt::method::Required::No),
            ir::Required::WithBotToken => quote!(#rt::method::Required::WithBotToken),
        };
        let min_items = usize::try_from(p.min_items).unwrap_or(usize::MAX);
        quote! {
            #rt::method::ParamInfo { name: #wire, kind: #kind, required: #required, min_items: #min_items }
        }
    });
    let errors = method.errors.iter().map(|e| &e.code);
    let done_on_resend = &method.done_on_resend;
    let example = &method.example_response;
    let pagination = match &method.pagination {
        Some(pages) => {
            let (cursor, limit, items) = &pages.wire;
            let limit = match limit {
                Some(limit) => quote!(::std::option::Option::Some(#limit)),
                None => quote!(::std::option::Option::None),
            };
            quote!(::std::option::Option::Some(#rt::method::Pagination { cursor: #cursor, limit: #limit, items: #items }))
        }
        None => quote!(::std::option::Option::None),
    };
    let doc = format!(" What the runtime and the fake server know about `{name}`.");
    quote! {
        #[doc = #doc]
        pub static #info: #rt::method::MethodInfo = #rt::method::MethodInfo {
            name: #name,
            summary: #summary,
            docs_url: #docs_url,
            http: #http,
            rate_tier: #tier,
            auth: #auth,
            idempotent: #idempotent,
            bot_scopes: &[#(#bot),*],
            user_scopes: &[#(#user),*],
            params: &[#(#params),*],
            errors: &[#(#errors),*],
            done_on_resend: &[#(#done_on_resend),*],
            example_response: #example,
            pagination: #pagination,
        };
    }
}

/// `METHODS`: every method of the spec, in spec order.
pub(super) fn methods_table(cx: &Cx<'_>, methods: &[ir::Method]) -> TokenStream {
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

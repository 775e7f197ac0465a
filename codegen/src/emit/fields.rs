//! Rust types, conversions and serde attributes for fields, params and
//! setters, shared by the type, request and response emitters.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::{Scope, ident};
use super::docs;
use crate::ir::{self, Ty};

/// The stored Rust type of a value of `ty`.
pub(super) fn storage_ty(cx: &Scope<'_>, ty: &Ty) -> TokenStream {
    let rt = cx.rt();
    match ty {
        Ty::String | Ty::Url => quote!(::std::string::String),
        Ty::Integer => quote!(i64),
        Ty::Boolean => quote!(bool),
        Ty::Timestamp => quote!(#rt::Timestamp),
        Ty::Token => quote!(#rt::Token),
        Ty::Duration => quote!(::std::time::Duration),
        Ty::Json => quote!(#rt::__private::serde_json::Value),
        Ty::Named { name, external, .. } => cx.named(name, *external),
        Ty::List(item) => {
            let item = storage_ty(cx, item);
            quote!(::std::vec::Vec<#item>)
        }
        Ty::Map(item) => {
            let item = storage_ty(cx, item);
            quote!(::std::collections::BTreeMap<::std::string::String, #item>)
        }
    }
}

/// The argument type a constructor or setter takes for `ty`.
pub(super) fn arg_ty(cx: &Scope<'_>, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String | Ty::Url => quote!(impl ::std::convert::Into<::std::string::String>),
        Ty::Timestamp
        | Ty::Token
        | Ty::Json
        | Ty::Named {
            kind: ir::Kind::Id, ..
        } => {
            let stored = storage_ty(cx, ty);
            quote!(impl ::std::convert::Into<#stored>)
        }
        Ty::List(item) => {
            let item = arg_ty(cx, item);
            quote!(impl ::std::iter::IntoIterator<Item = #item>)
        }
        Ty::Map(item) => {
            let item = arg_ty(cx, item);
            quote!(impl ::std::iter::IntoIterator<Item = (impl ::std::convert::Into<::std::string::String>, #item)>)
        }
        _ => storage_ty(cx, ty),
    }
}

/// An expression turning argument `value` (of [`arg_ty`]) into the stored type.
pub(super) fn convert(value: TokenStream, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String
        | Ty::Url
        | Ty::Timestamp
        | Ty::Token
        | Ty::Json
        | Ty::Named {
            kind: ir::Kind::Id, ..
        } => quote!(#value.into()),
        Ty::List(item) => {
            let inner = convert(quote!(item), item);
            if inner.to_string() == "item" {
                quote!(#value.into_iter().collect())
            } else {
                quote!(#value.into_iter().map(|item| #inner).collect())
            }
        }
        Ty::Map(item) => {
            let inner = convert(quote!(item), item);
            quote!(#value.into_iter().map(|(key, item)| (key.into(), #inner)).collect())
        }
        _ => value,
    }
}

/// Serde attributes for a field of an object or response.
fn serde_field_attrs(field: &ir::Field) -> TokenStream {
    let mut parts: Vec<TokenStream> = Vec::new();
    if crate::names::bare(&field.ident) != field.wire {
        let wire = &field.wire;
        parts.push(quote!(rename = #wire));
    }
    let required = field.required == ir::Required::Yes;
    match (&field.ty, required) {
        (Ty::List(_), false) => {
            let helper = "::slack_calls::__private::null_to_default";
            parts.push(quote!(default, deserialize_with = #helper, skip_serializing_if = "::std::vec::Vec::is_empty"));
        }
        (Ty::Map(_), false) => {
            let helper = "::slack_calls::__private::null_to_default";
            parts.push(quote!(default, deserialize_with = #helper, skip_serializing_if = "::std::collections::BTreeMap::is_empty"));
        }
        (Ty::Duration, true) => {
            let helper = "::slack_calls::__private::duration_secs";
            parts.push(quote!(with = #helper));
        }
        (Ty::Duration, false) => {
            let helper = "::slack_calls::__private::option_duration_secs";
            parts.push(quote!(default, with = #helper, skip_serializing_if = "::std::option::Option::is_none"));
        }
        (_, false) => parts.push(quote!(
            default,
            skip_serializing_if = "::std::option::Option::is_none"
        )),
        (_, true) => {}
    }
    if parts.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#parts),*)])
    }
}

/// A documented, serde-annotated public field of an object or response.
pub(super) fn field_decl(cx: &Scope<'_>, field: &ir::Field) -> TokenStream {
    let field_ident = ident(&field.ident);
    let ty = field_ty(cx, field);
    let serde = serde_field_attrs(field);
    let doc = docs::attrs(&[docs::prose(
        field.description.as_deref().unwrap_or(&field.wire),
    )]);
    quote!(#doc #serde pub #field_ident: #ty)
}

/// The declared Rust type of a field of an object or response.
fn field_ty(cx: &Scope<'_>, field: &ir::Field) -> TokenStream {
    let stored = storage_ty(cx, &field.ty);
    match (&field.ty, field.required) {
        (_, ir::Required::Yes) | (Ty::List(_) | Ty::Map(_), _) => stored,
        _ => quote!(::std::option::Option<#stored>),
    }
}

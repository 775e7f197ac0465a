//! Response structs: strict where Slack is (required fields are not
//! `Option`), tolerant of change (unknown fields are ignored), and carrying
//! Slack's warnings in `meta`. The runtime's `response!` adds the derives,
//! `meta` and the `Response` impl to the fields written here.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::Scope;
use super::fields::field_decl;
use super::layout::wrap;
use crate::ir;

/// The response struct of a method.
pub(super) fn response(cx: &Scope<'_>, method: &ir::Method) -> TokenStream {
    let name = format_ident!("{}Response", method.type_prefix);
    let doc = format!(" What `{}` answers on success.", method.name);
    let fields = method.response.iter().map(|field| field_decl(cx, field));
    let item = quote! {
        #[doc = #doc]
        pub struct #name {
            #(#fields,)*
        }
    };
    let path = format!("{}::__private::response", cx.rt_text());
    cx.laid.place(wrap(&path, item))
}

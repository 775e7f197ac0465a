//! Response structs: strict where Slack is (required fields are not
//! `Option`), tolerant of change (unknown fields are ignored), and carrying
//! Slack's warnings in `meta`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::Cx;
use super::fields::field_decl;
use crate::ir;

/// The response struct of a method and its `Response` impl.
pub(super) fn response(cx: &Cx<'_>, method: &ir::Method) -> TokenStream {
    let rt = cx.rt();
    let name = format_ident!("{}Response", method.type_prefix);
    let doc = format!(" What `{}` answers on success.", method.name);
    let fields = method.response.iter().map(|field| field_decl(cx, field));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #rt::__private::serde::Deserialize)]
        #[serde(crate = "::slack_calls::__private::serde")]
        #[non_exhaustive]
        pub struct #name {
            #(#fields,)*
            /// Warnings and messages Slack sent with the answer.
            #[serde(skip)]
            pub meta: #rt::ResponseMeta,
        }
        impl #rt::Response for #name {
            fn set_meta(&mut self, meta: #rt::ResponseMeta) {
                self.meta = meta;
            }
        }
    }
}

//! Error code enums: `CommonError`, and one per method with its declared
//! codes, then `Common(CommonError)`, then `Unknown(String)`.
//!
//! Each is a table (variant, code, description) handed to the runtime's
//! `common_error!` / `method_error!`, which write the enum, its rustdoc per
//! variant, the lookups and `Display`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{Cx, ident};
use super::docs;
use crate::ir;

/// The table rows: `Variant("code", "description")`, with the rustdoc text
/// third when Markdown needs it to differ from the description.
fn rows(errors: &[ir::ErrorCode]) -> Vec<TokenStream> {
    errors
        .iter()
        .map(|e| {
            let variant = ident(&e.variant);
            let code = &e.code;
            let about = &e.description;
            let prose = docs::prose(about);
            if &prose == about {
                quote!(#variant(#code, #about),)
            } else {
                quote!(#variant(#code, #about, #prose),)
            }
        })
        .collect()
}

/// The enum of errors any method can answer.
pub(super) fn common_errors(cx: &Cx<'_>, errors: &[ir::ErrorCode]) -> TokenStream {
    let rt = cx.rt();
    let rows = rows(errors);
    quote! {
        #rt::__private::common_error! {
            /// Errors any Slack Web API method can answer.
            pub enum CommonError {
                #(#rows)*
            }
        }
    }
}

/// One method's error enum and its `ErrorCode` impl.
pub(super) fn method_error(cx: &Cx<'_>, method: &ir::Method) -> TokenStream {
    let rt = cx.rt();
    let common = cx.common_error();
    let name = format_ident!("{}Error", method.type_prefix);
    let doc = docs::attrs(&[format!(
        "The error codes of `{}`: its own, then the common ones, then any code this version does not know.",
        method.name
    )]);
    let rows = rows(&method.errors);
    quote! {
        #rt::__private::method_error! {
            #doc
            pub enum #name(#common) {
                #(#rows)*
            }
        }
    }
}

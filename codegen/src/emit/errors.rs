//! Error code enums: `CommonError`, and one per method with its declared
//! codes, then `Common(CommonError)`, then `Unknown(String)`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Cx, docs, ident};
use crate::ir;

fn variant_docs(error: &ir::ErrorCode) -> TokenStream {
    docs::attrs(&[format!(
        "`{}`: {}",
        error.code,
        docs::prose(&error.description)
    )])
}

/// The enum of errors any method can answer.
pub(super) fn common_errors(cx: &Cx<'_>, errors: &[ir::ErrorCode]) -> TokenStream {
    let rt = cx.rt();
    let variants = errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let doc = variant_docs(e);
        quote!(#doc #variant)
    });
    let from = errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote!(#code => ::std::option::Option::Some(Self::#variant))
    });
    let code = errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote!(Self::#variant => #code)
    });
    let about = errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let text = &e.description;
        quote!(Self::#variant => #text)
    });
    let _ = rt;
    quote! {
        /// Errors any Slack Web API method can answer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CommonError {
            #(#variants,)*
        }
        impl CommonError {
            /// The common error for Slack's code, if it is one.
            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                match code {
                    #(#from,)*
                    _ => ::std::option::Option::None,
                }
            }
            /// Slack's code.
            pub fn code(&self) -> &'static str {
                match self {
                    #(#code,)*
                }
            }
            /// What the code means.
            pub fn description(&self) -> &'static str {
                match self {
                    #(#about,)*
                }
            }
        }
        impl ::std::fmt::Display for CommonError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
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
    let variants = method.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let doc = variant_docs(e);
        quote!(#doc #variant)
    });
    let from = method.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote!(#code => Self::#variant)
    });
    let code = method.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let code = &e.code;
        quote!(Self::#variant => #code)
    });
    let about = method.errors.iter().map(|e| {
        let variant = ident(&e.variant);
        let text = &e.description;
        quote!(Self::#variant => ::std::option::Option::Some(#text))
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants,)*
            /// An error any method can answer.
            Common(#common),
            /// A code this version does not know.
            Unknown(::std::string::String),
        }
        impl #rt::ErrorCode for #name {
            fn from_code(code: &str) -> Self {
                match code {
                    #(#from,)*
                    other => match #common::from_code(other) {
                        ::std::option::Option::Some(common) => Self::Common(common),
                        ::std::option::Option::None => Self::Unknown(other.to_owned()),
                    },
                }
            }
            fn code(&self) -> &str {
                match self {
                    #(#code,)*
                    Self::Common(common) => common.code(),
                    Self::Unknown(other) => other,
                }
            }
            fn description(&self) -> ::std::option::Option<&'static str> {
                match self {
                    #(#about,)*
                    Self::Common(common) => ::std::option::Option::Some(common.description()),
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(#rt::ErrorCode::code(self))
            }
        }
    }
}

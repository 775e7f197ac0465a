//! Namespace handles (`client.calls()`, `.participants()`) and the entry
//! points that hang off the client.

use proc_macro2::TokenStream;
use quote::quote;

use super::context::{Mode, Namespace, Scope, ident};
use super::requests;

/// The accessor functions for the top-level namespaces: inherent methods of
/// `Client` in core mode, an extension trait otherwise.
pub(super) fn entry_points(cx: &Scope<'_>, root: &Namespace<'_>) -> TokenStream {
    let rt = cx.rt();
    let accessors: Vec<(TokenStream, TokenStream, TokenStream)> = root
        .children
        .iter()
        .map(|ns| {
            let module = ident(ns.modules.last().map(String::as_str).unwrap_or("root"));
            let handle = ns.handle_ident();
            let doc = format!(" The `{}.*` methods.", ns.wire.join("."));
            let doc = quote!(#[doc = #doc]);
            let signature = quote!(fn #module(&self) -> #module::#handle);
            let body = quote!(#module::#handle { client: ::std::clone::Clone::clone(self) });
            (doc, signature, body)
        })
        .collect();
    match cx.mode {
        Mode::Core => {
            let methods = accessors
                .iter()
                .map(|(doc, signature, body)| quote!(#doc pub #signature { #body }));
            quote! {
                impl #rt::Client {
                    #(#methods)*
                }
            }
        }
        Mode::Extension { trait_name, .. } => {
            let name = ident(trait_name);
            let declarations = accessors
                .iter()
                .map(|(doc, signature, _)| quote!(#doc #signature;));
            let definitions = accessors
                .iter()
                .map(|(_, signature, body)| quote!(#signature { #body }));
            quote! {
                /// Adds this crate's Slack methods to `slack_calls::Client`; bring it into scope with `use`.
                pub trait #name {
                    #(#declarations)*
                }
                impl #name for #rt::Client {
                    #(#definitions)*
                }
            }
        }
    }
}

/// A namespace's handle struct, its entry points and its sub-namespace
/// accessors.
pub(super) fn handle(cx: &Scope<'_>, ns: &Namespace<'_>) -> TokenStream {
    let rt = cx.rt();
    let handle = ns.handle_ident();
    let doc = format!(" The `{}.*` methods, from a client.", ns.wire.join("."));
    let entries = ns.methods.iter().map(|m| requests::entry_point(cx, m));
    let children = ns.children.iter().map(|child| {
        let module = ident(child.modules.last().map(String::as_str).unwrap_or("root"));
        let child_handle = child.handle_ident();
        let doc = format!(" The `{}.*` methods.", child.wire.join("."));
        quote! {
            #[doc = #doc]
            pub fn #module(&self) -> #module::#child_handle {
                #module::#child_handle { client: self.client.clone() }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #handle {
            pub(crate) client: #rt::Client,
        }
        impl #handle {
            #(#entries)*
            #(#children)*
        }
    }
}

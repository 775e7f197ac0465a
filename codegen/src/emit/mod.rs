//! IR to Rust tokens, then to formatted text.
//!
//! One file per concern: `types` (ID, object and enum types), `errors` (the
//! per-method and common error enums), `requests` (builders and their send
//! path), `responses`, `client` (namespace handles and accessors), `table`
//! (the `MethodInfo` constants the runtime and the fake server read), and
//! `docs` (rustdoc text and compiling examples), on top of `context` (mode,
//! namespaces, paths) and `fields` (field types and serde attributes). Every emitter reads the IR
//! only, and output order is the spec's order, so the text is deterministic.

mod client;
mod context;
mod docs;
mod errors;
mod fields;
mod requests;
mod responses;
mod table;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

pub use context::Mode;
use context::{Cx, Namespace, ident};

use crate::ir;

/// Emits the whole file for `api` in `mode`.
pub fn emit(api: &ir::Api, mode: &Mode) -> TokenStream {
    let cx = Cx {
        mode,
        depth: 0,
        api,
    };
    let mut root = Namespace::root();
    for method in &api.methods {
        root.insert(method, 0);
    }
    let types = api.types.iter().map(|t| types::type_def(&cx, t));
    let common = match mode {
        Mode::Core => errors::common_errors(&cx, &api.common_errors),
        Mode::Extension { .. } => quote!(),
    };
    let entry = client::entry_points(&cx, &root);
    let modules = root
        .children
        .iter()
        .map(|ns| namespace_module(&cx.deeper(), ns));
    let table = table::methods_table(&cx, &api.methods);
    quote! {
        #(#types)*
        #common
        #entry
        #(#modules)*
        #table
    }
}

fn namespace_module(cx: &Cx<'_>, ns: &Namespace<'_>) -> TokenStream {
    let module = ident(ns.modules.last().map(String::as_str).unwrap_or("root"));
    let doc = docs::lines(&[format!("The `{}.*` methods.", ns.wire.join("."))]);
    let handle = client::handle(cx, ns);
    let methods = ns.methods.iter().map(|m| {
        let request = requests::request(cx, m);
        let response = responses::response(cx, m);
        let error = errors::method_error(cx, m);
        let info = table::method_info(cx, m);
        quote!(#request #response #error #info)
    });
    let children = ns
        .children
        .iter()
        .map(|child| namespace_module(&cx.deeper(), child));
    let inner_doc = doc.iter().map(|d| quote!(#![doc = #d]));
    quote! {
        pub mod #module {
            #(#inner_doc)*
            #handle
            #(#methods)*
            #(#children)*
        }
    }
}

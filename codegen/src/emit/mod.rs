//! IR to Rust tokens, one token stream per generated file.
//!
//! The files, as prost-build writes one per package: one per top-level
//! namespace (`calls.rs`: its handle, requests, responses, error enums and
//! `MethodInfo` statics, and its sub-namespaces as inline modules),
//! `types.rs` (the shared types), `events.rs` (the types events became and
//! the `Event` union), `errors.rs` (`CommonError`, core mode), `methods.rs`
//! (the `METHODS` table), and `mod.rs`, the index that includes them and
//! hangs the namespaces off the client.
//!
//! One file per concern here: `types` (ID, object and enum types),
//! `errors` (the per-method and common error enums), `requests` (builders
//! and their send path), `responses`, `client` (namespace handles and
//! accessors), `table` (the `MethodInfo` statics the runtime and the fake
//! server read), and `docs` (rustdoc text and compiling examples), on top of
//! `context` (mode, namespaces, paths), `fields` (field types and serde
//! attributes) and `layout` (the tables laid out one row per line). Every
//! emitter reads the IR only, and output order is the spec's order, so the
//! text is deterministic.

mod client;
mod context;
mod docs;
mod errors;
mod fields;
mod layout;
mod requests;
mod responses;
mod table;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

pub use context::Mode;
use context::{Namespace, Scope, ident};
use layout::Laid;
pub(crate) use layout::format_file;

use crate::ir;

/// The name of the index file, which includes the others.
pub const INDEX_FILE: &str = "mod.rs";

/// One generated file's name and tokens.
pub struct FileTokens {
    /// Its name in the output directory (`calls.rs`).
    pub name: String,
    /// Its items (with placeholders for the laid-out texts).
    pub tokens: TokenStream,
}

/// Everything emitted for an API: the files, index first, and the
/// laid-out texts their placeholders stand for.
pub struct Emitted {
    /// The files, index first, then the namespaces, then the shared files.
    pub files: Vec<FileTokens>,
    /// The texts for [`format_file`].
    pub texts: Vec<String>,
}

/// Emits every file for `api` in `mode`.
pub fn emit(api: &ir::Api, mode: &Mode) -> Emitted {
    let laid = Laid::default();
    let cx = Scope {
        mode,
        depth: 0,
        api,
        laid: &laid,
    };
    let mut root = Namespace::root();
    for method in &api.methods {
        root.insert(method, 0);
    }
    let mut files = Vec::new();
    let mut index = Vec::new();
    let mut includes = Vec::new();
    for ns in &root.children {
        let module = ident(ns.modules.last().map(String::as_str).unwrap_or("root"));
        let name = format!("{}.rs", crate::names::bare(&module.to_string()));
        let doc = format!(" The `{}.*` methods.", ns.wire.join("."));
        index.push(quote! {
            #[doc = #doc]
            pub mod #module {
                include!(#name);
            }
        });
        files.push(FileTokens {
            name,
            tokens: namespace_body(&cx.deeper(), ns),
        });
    }
    let is_event = |t: &&ir::TypeDef| api.event_types.iter().any(|e| e == t.name());
    let shared = [
        (
            "types.rs",
            api.types
                .iter()
                .filter(|t| !is_event(t))
                .map(|t| types::type_def(&cx, t))
                .collect::<TokenStream>(),
        ),
        (
            "events.rs",
            api.types
                .iter()
                .filter(is_event)
                .map(|t| types::type_def(&cx, t))
                .collect(),
        ),
        (
            "errors.rs",
            match mode {
                Mode::Core => errors::common_errors(&cx, &api.common_errors),
                Mode::Extension { .. } => quote!(),
            },
        ),
        ("methods.rs", table::methods_table(&cx, &api.methods)),
    ];
    for (name, tokens) in shared {
        if !tokens.is_empty() {
            includes.push(quote!(include!(#name);));
            files.push(FileTokens {
                name: name.to_owned(),
                tokens,
            });
        }
    }
    let entry = client::entry_points(&cx, &root);
    files.insert(
        0,
        FileTokens {
            name: INDEX_FILE.to_owned(),
            tokens: quote! {
                #(#includes)*
                #entry
                #(#index)*
            },
        },
    );
    Emitted {
        files,
        texts: laid.into_texts(),
    }
}

/// What a namespace's module holds: its handle, its methods' items and its
/// sub-namespaces (as inline modules).
fn namespace_body(cx: &Scope<'_>, ns: &Namespace<'_>) -> TokenStream {
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
    quote! {
        #handle
        #(#methods)*
        #(#children)*
    }
}

fn namespace_module(cx: &Scope<'_>, ns: &Namespace<'_>) -> TokenStream {
    let module = ident(ns.modules.last().map(String::as_str).unwrap_or("root"));
    let doc = docs::lines(&[format!("The `{}.*` methods.", ns.wire.join("."))]);
    let body = namespace_body(cx, ns);
    let inner_doc = doc.iter().map(|d| quote!(#![doc = #d]));
    quote! {
        pub mod #module {
            #(#inner_doc)*
            #body
        }
    }
}

//! IR to Rust tokens, then to formatted text.
//!
//! One file per concern: `types` (ID, object and enum types), `errors` (the
//! per-method and common error enums), `requests` (builders and their send
//! path), `responses`, `client` (namespace handles and accessors), `table`
//! (the `MethodInfo` constants the runtime and the fake server read), and
//! `docs` (rustdoc text and compiling examples). Every emitter reads the IR
//! only, and output order is the spec's order, so the text is deterministic.

mod client;
mod docs;
mod errors;
mod requests;
mod responses;
mod table;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{self, Ty};

/// How the generated code is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// The `slack-calls` crate itself: namespaces are inherent methods of
    /// `Client`, common errors and shared types are defined here.
    Core,
    /// A downstream crate adding methods: namespaces come from an extension
    /// trait implemented for `slack_calls::Client`; shared types and common
    /// errors are paths into `slack_calls`.
    Extension {
        /// The extension trait's name.
        trait_name: String,
        /// The crate name doc examples import from.
        crate_name: String,
    },
}

/// A namespace and what is in it, in spec order.
struct Namespace<'a> {
    /// Slack segments to here (`["calls", "participants"]`).
    wire: Vec<String>,
    /// Rust module names to here.
    modules: Vec<String>,
    children: Vec<Namespace<'a>>,
    methods: Vec<&'a ir::Method>,
}

impl<'a> Namespace<'a> {
    fn root() -> Namespace<'a> {
        Namespace {
            wire: Vec::new(),
            modules: Vec::new(),
            children: Vec::new(),
            methods: Vec::new(),
        }
    }

    fn insert(&mut self, method: &'a ir::Method, depth: usize) {
        if depth == method.modules.len() {
            self.methods.push(method);
            return;
        }
        let module = &method.modules[depth];
        let position = self
            .children
            .iter()
            .position(|c| c.modules.last() == Some(module));
        let index = match position {
            Some(index) => index,
            None => {
                self.children.push(Namespace {
                    wire: method.namespace_wire[..=depth].to_vec(),
                    modules: method.modules[..=depth].to_vec(),
                    children: Vec::new(),
                    methods: Vec::new(),
                });
                self.children.len() - 1
            }
        };
        self.children[index].insert(method, depth + 1);
    }

    /// The handle struct's name (`Participants`).
    fn handle_ident(&self) -> Ident {
        let last = self.modules.last().map(String::as_str).unwrap_or("root");
        ident(&crate::names::type_ident(crate::names::bare(last)))
    }
}

/// Emission context: the mode and the depth of the module being written.
#[derive(Clone)]
struct Cx<'a> {
    mode: &'a Mode,
    depth: usize,
    api: &'a ir::Api,
}

impl Cx<'_> {
    /// The runtime crate's path.
    fn rt(&self) -> TokenStream {
        quote!(::slack_calls)
    }

    /// A path to a top-level generated item from the current module.
    fn top(&self, name: &Ident) -> TokenStream {
        let supers = (0..self.depth).map(|_| quote!(super::));
        quote!(#(#supers)* #name)
    }

    /// A path to a named spec type.
    fn named(&self, name: &str, external: bool) -> TokenStream {
        let name = ident(name);
        if external {
            quote!(::slack_calls::#name)
        } else {
            self.top(&name)
        }
    }

    /// The common error enum's path.
    fn common_error(&self) -> TokenStream {
        match self.mode {
            Mode::Core => self.top(&ident("CommonError")),
            Mode::Extension { .. } => quote!(::slack_calls::CommonError),
        }
    }

    /// The crate name doc examples use.
    fn doc_crate(&self) -> &str {
        match self.mode {
            Mode::Core => "slack_calls",
            Mode::Extension { crate_name, .. } => crate_name,
        }
    }

    fn deeper(&self) -> Self {
        Cx {
            depth: self.depth + 1,
            ..self.clone()
        }
    }
}

/// An identifier, raw when the text says `r#`.
fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

/// The stored Rust type of a value of `ty`.
fn storage_ty(cx: &Cx<'_>, ty: &Ty) -> TokenStream {
    let rt = cx.rt();
    match ty {
        Ty::String | Ty::Url => quote!(::std::string::String),
        Ty::Integer => quote!(i64),
        Ty::Boolean => quote!(bool),
        Ty::Timestamp => quote!(#rt::Timestamp),
        Ty::Duration => quote!(::std::time::Duration),
        Ty::Named { name, external, .. } => cx.named(name, *external),
        Ty::List(item) => {
            let item = storage_ty(cx, item);
            quote!(::std::vec::Vec<#item>)
        }
    }
}

/// The argument type a constructor or setter takes for `ty`.
fn arg_ty(cx: &Cx<'_>, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String | Ty::Url => quote!(impl ::std::convert::Into<::std::string::String>),
        Ty::Timestamp
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
        _ => storage_ty(cx, ty),
    }
}

/// An expression turning argument `value` (of [`arg_ty`]) into the stored type.
fn convert(value: TokenStream, ty: &Ty) -> TokenStream {
    match ty {
        Ty::String
        | Ty::Url
        | Ty::Timestamp
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
fn field_decl(cx: &Cx<'_>, field: &ir::Field) -> TokenStream {
    let field_ident = ident(&field.ident);
    let ty = field_ty(cx, field);
    let serde = serde_field_attrs(field);
    let doc = docs::attrs(&[docs::prose(
        field.description.as_deref().unwrap_or(&field.wire),
    )]);
    quote!(#doc #serde pub #field_ident: #ty)
}

/// The declared Rust type of a field of an object or response.
fn field_ty(cx: &Cx<'_>, field: &ir::Field) -> TokenStream {
    let stored = storage_ty(cx, &field.ty);
    match (&field.ty, field.required) {
        (_, ir::Required::Yes) | (Ty::List(_), _) => stored,
        _ => quote!(::std::option::Option<#stored>),
    }
}

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

//! What every emitter needs: the [`Mode`], the namespace tree, the
//! emission scope [`Scope`] (paths to the runtime and to generated items)
//! and identifiers.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::layout::Laid;
use crate::ir;

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
pub(super) struct Namespace<'a> {
    /// Slack segments to here (`["calls", "participants"]`).
    pub(super) wire: Vec<String>,
    /// Rust module names to here.
    pub(super) modules: Vec<String>,
    pub(super) children: Vec<Namespace<'a>>,
    pub(super) methods: Vec<&'a ir::Method>,
}

impl<'a> Namespace<'a> {
    pub(super) fn root() -> Namespace<'a> {
        Namespace {
            wire: Vec::new(),
            modules: Vec::new(),
            children: Vec::new(),
            methods: Vec::new(),
        }
    }

    pub(super) fn insert(&mut self, method: &'a ir::Method, depth: usize) {
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
    pub(super) fn handle_ident(&self) -> Ident {
        let last = self.modules.last().map(String::as_str).unwrap_or("root");
        ident(&crate::names::type_ident(crate::names::bare(last)))
    }
}

/// Where emitted code goes: the mode, the depth of the module being
/// written (for `super::` paths to top-level items), the API, and the
/// hand-laid-out texts placed so far.
#[derive(Clone)]
pub(super) struct Scope<'a> {
    pub(super) mode: &'a Mode,
    pub(super) depth: usize,
    pub(super) api: &'a ir::Api,
    pub(super) laid: &'a Laid,
}

impl Scope<'_> {
    /// The runtime crate's path.
    pub(super) fn rt(&self) -> TokenStream {
        quote!(::slack_calls)
    }

    /// The runtime crate's path, as text.
    pub(super) fn rt_text(&self) -> &'static str {
        "::slack_calls"
    }

    /// A path to a top-level generated item from the current module.
    pub(super) fn top(&self, name: &Ident) -> TokenStream {
        let supers = (0..self.depth).map(|_| quote!(super::));
        quote!(#(#supers)* #name)
    }

    /// A path to a named spec type.
    pub(super) fn named(&self, name: &str, external: bool) -> TokenStream {
        let name = ident(name);
        if external {
            quote!(::slack_calls::#name)
        } else {
            self.top(&name)
        }
    }

    /// The common error enum's path.
    pub(super) fn common_error(&self) -> TokenStream {
        match self.mode {
            Mode::Core => self.top(&ident("CommonError")),
            Mode::Extension { .. } => quote!(::slack_calls::CommonError),
        }
    }

    /// The crate name doc examples use.
    pub(super) fn doc_crate(&self) -> &str {
        match self.mode {
            Mode::Core => "slack_calls",
            Mode::Extension { crate_name, .. } => crate_name,
        }
    }

    pub(super) fn deeper(&self) -> Self {
        Scope {
            depth: self.depth + 1,
            ..self.clone()
        }
    }
}

/// An identifier, raw when the text says `r#`.
pub(super) fn ident(text: &str) -> Ident {
    match text.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(text, Span::call_site()),
    }
}

//! Text laid out by hand, for the macro invocations whose bodies are
//! tables (error codes, enum values, union variants, `MethodInfo`):
//! prettyplease prints a macro's tokens as one flowing paragraph, so these
//! are written one row per line here instead.
//!
//! An emitter hands the text to [`Laid::place`], which returns a
//! placeholder item for the token stream; [`format_file`] formats the
//! tokens with prettyplease and puts each text in its placeholder's place,
//! at its indentation.

use std::cell::RefCell;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The name of the placeholder macro; no spec name can produce it.
const PLACEHOLDER: &str = "__slack_calls_laid_out";

/// The texts placed so far, in order.
#[derive(Default)]
pub(crate) struct Laid {
    texts: RefCell<Vec<String>>,
}

impl Laid {
    /// A placeholder item for `text` (lines ending in `\n`, unindented).
    pub(super) fn place(&self, text: String) -> TokenStream {
        let mut texts = self.texts.borrow_mut();
        let index = Literal::usize_unsuffixed(texts.len());
        texts.push(text);
        let name = proc_macro2::Ident::new(PLACEHOLDER, proc_macro2::Span::call_site());
        quote!(#name!(#index);)
    }

    /// The texts, for [`format_file`].
    pub(crate) fn into_texts(self) -> Vec<String> {
        self.texts.into_inner()
    }
}

/// Formats `tokens` with prettyplease, then puts the laid-out texts in
/// their placeholders' places.
pub(crate) fn format_file(tokens: TokenStream, texts: &[String]) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|err| err.to_string())?;
    let body = prettyplease::unparse(&file);
    let mut out = String::with_capacity(body.len());
    for line in body.lines() {
        let trimmed = line.trim_start();
        let text = trimmed
            .strip_prefix(PLACEHOLDER)
            .and_then(|rest| rest.strip_prefix("!("))
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| texts.get(index));
        match text {
            Some(text) => {
                let indent = &line[..line.len() - trimmed.len()];
                for laid in text.lines() {
                    if !laid.is_empty() {
                        out.push_str(indent);
                    }
                    out.push_str(laid);
                    out.push('\n');
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// Items formatted by prettyplease on their own (unindented).
pub(super) fn items_text(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        // Not reached for what the emitters build; the whole file's parse
        // reports it.
        Err(_) => tokens.to_string(),
    }
}

/// A type as prettyplease writes it (`super::Conversation`).
pub(super) fn type_text(ty: &TokenStream) -> String {
    let text = items_text(quote!(type T = #ty;));
    text.trim()
        .strip_prefix("type T = ")
        .and_then(|t| t.strip_suffix(';'))
        .map_or_else(|| ty.to_string(), str::to_owned)
}

/// A Rust string literal for `text`.
pub(super) fn lit(text: &str) -> String {
    Literal::string(text).to_string()
}

/// `/// line` doc comments for doc lines (from `docs::lines`), indented.
pub(super) fn doc_comments(lines: &[String], indent: &str) -> String {
    lines
        .iter()
        .map(|line| format!("{indent}///{line}\n"))
        .collect()
}

/// `path! {` + the items, formatted and indented + `}`.
pub(super) fn wrap(path: &str, items: TokenStream) -> String {
    let mut out = format!("{path}! {{\n");
    for line in items_text(items).lines() {
        if !line.is_empty() {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

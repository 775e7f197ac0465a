//! Error code enums: `CommonError`, and one per method with its declared
//! codes, then `Common(CommonError)`, then `Unknown(String)`.
//!
//! Each is a table (variant, code, description), one row per line, handed
//! to the runtime's `common_error!` / `method_error!`, which write the enum,
//! its rustdoc per variant, the lookups and `Display`.

use std::fmt::Write;

use proc_macro2::TokenStream;

use super::context::{Scope, ident};
use super::docs;
use super::layout::{doc_comments, lit, type_text};
use crate::ir;

/// The table: `Variant("code", "description"),` per line, with the rustdoc
/// text third when Markdown needs it to differ from the description.
fn table(header: &str, errors: &[ir::ErrorCode]) -> String {
    let mut out = format!("    {header} {{\n");
    for e in errors {
        let variant = ident(&e.variant);
        let (code, about) = (lit(&e.code), lit(&e.description));
        let prose = docs::prose(&e.description);
        if prose == e.description {
            let _ = writeln!(out, "        {variant}({code}, {about}),");
        } else {
            let _ = writeln!(out, "        {variant}({code}, {about}, {}),", lit(&prose));
        }
    }
    out.push_str("    }\n}\n");
    out
}

/// The enum of errors any method can answer.
pub(super) fn common_errors(cx: &Scope<'_>, errors: &[ir::ErrorCode]) -> TokenStream {
    let mut text = format!("{}::__private::common_error! {{\n", cx.rt_text());
    text.push_str(&doc_comments(
        &docs::lines(&["Errors any Slack Web API method can answer.".to_owned()]),
        "    ",
    ));
    text.push_str(&table("pub enum CommonError", errors));
    cx.laid.place(text)
}

/// One method's error enum and its `ErrorCode` impl.
pub(super) fn method_error(cx: &Scope<'_>, method: &ir::Method) -> TokenStream {
    let common = type_text(&cx.common_error());
    let name = format!("{}Error", method.type_prefix);
    let mut text = format!("{}::__private::method_error! {{\n", cx.rt_text());
    text.push_str(&doc_comments(
        &docs::lines(&[format!(
            "The error codes of `{}`: its own, then the common ones, then any code this version does not know.",
            method.name
        )]),
        "    ",
    ));
    text.push_str(&table(
        &format!("pub enum {name}({common})"),
        &method.errors,
    ));
    cx.laid.place(text)
}

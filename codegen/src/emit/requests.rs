//! Request builders: required params are fields set by the entry point,
//! optional ones have setters; `send()` fills a form and calls the runtime.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{Scope, ident};
use super::fields::{arg_ty, convert, storage_ty};
use super::layout::{lit, type_text};
use crate::ir::{self, Ty};

/// The request struct, its setters, `send` and `IntoFuture`.
pub(super) fn request(cx: &Scope<'_>, method: &ir::Method) -> TokenStream {
    let rt = cx.rt();
    let name = format_ident!("{}Request", method.type_prefix);
    let response = format_ident!("{}Response", method.type_prefix);
    let error = format_ident!("{}Error", method.type_prefix);
    let info = format_ident!("{}", method.const_name);
    let doc = format!(
        " A `{}` request. Set optional params with the setters, then `.await` it (or call `send`).",
        method.name
    );
    let fields = method.params.iter().map(|p| {
        let field = ident(&p.ident);
        let stored = storage_ty(cx, &p.ty);
        if p.required == ir::Required::Yes {
            quote!(#field: #stored)
        } else {
            quote!(#field: ::std::option::Option<#stored>)
        }
    });
    let setters = method
        .params
        .iter()
        .filter(|p| p.required != ir::Required::Yes)
        .map(|p| {
            let field = ident(&p.ident);
            let ty = arg_ty(cx, &p.ty);
            let value = convert(quote!(value), &p.ty);
            let about = p
                .description
                .as_deref()
                .map(super::docs::prose)
                .unwrap_or_default();
            let doc = super::docs::attrs(&[format!("Sets `{}`: {about}", p.wire)]);
            quote! {
                #doc
                pub fn #field(mut self, value: #ty) -> Self {
                    self.#field = ::std::option::Option::Some(#value);
                    self
                }
            }
        });
    let pushes = method.params.iter().map(|p| {
        let field = ident(&p.ident);
        let wire = &p.wire;
        let push = match &p.ty {
            Ty::List(_) if p.comma => quote!(form.push_comma_list(#wire, value)),
            Ty::List(_) => quote!(form.push_list(#wire, value)),
            Ty::Map(_) => quote!(form.push_map(#wire, value)),
            Ty::Json
            | Ty::Named {
                kind: ir::Kind::Object | ir::Kind::Union,
                ..
            } => quote!(form.push_object(#wire, value)),
            _ => quote!(form.push(#wire, value)),
        };
        if p.required == ir::Required::Yes {
            quote! {
                let value = &self.#field;
                #push;
            }
        } else {
            quote! {
                if let ::std::option::Option::Some(value) = &self.#field {
                    #push;
                }
            }
        }
    });
    let one_of = (!method.one_of.is_empty()).then(|| {
        let groups = method.one_of.iter().map(|group| quote!(&[#(#group),*]));
        quote!(form.require_one_of(&[#(#groups),*]);)
    });
    let output = quote!(::std::result::Result<#response, #rt::Error<#error>>);
    let form_mut = if method.params.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    let impls = cx.laid.place(request_impls(cx, method));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #name {
            client: #rt::Client,
            #(#fields,)*
        }
        impl #name {
            #(#setters)*
            /// Sends the request and decodes Slack's answer.
            pub async fn send(self) -> #output {
                let #form_mut form = #rt::Form::new();
                #(#pushes)*
                #one_of
                #rt::__private::send(&self.client, &#info, form).await
            }
        }
        #impls
    }
}

/// The entry point on the namespace handle: required params positional.
pub(super) fn entry_point(cx: &Scope<'_>, method: &ir::Method) -> TokenStream {
    let function = ident(&method.function);
    let name = format_ident!("{}Request", method.type_prefix);
    let required: Vec<&ir::Field> = method
        .params
        .iter()
        .filter(|p| p.required == ir::Required::Yes)
        .collect();
    let args = required.iter().map(|p| {
        let arg = ident(&p.ident);
        let ty = arg_ty(cx, &p.ty);
        quote!(#arg: #ty)
    });
    let inits = method.params.iter().map(|p| {
        let field = ident(&p.ident);
        if p.required == ir::Required::Yes {
            let value = convert(quote!(#field), &p.ty);
            // `count: count` is clippy's `redundant_field_names`.
            if value.to_string() == quote!(#field).to_string() {
                quote!(#field)
            } else {
                quote!(#field: #value)
            }
        } else {
            quote!(#field: ::std::option::Option::None)
        }
    });
    let doc = super::docs::attrs(&super::docs::method_doc(cx, method));
    quote! {
        #doc
        pub fn #function(&self, #(#args),*) -> #name {
            #name {
                client: self.client.clone(),
                #(#inits,)*
            }
        }
    }
}

/// The runtime's `request!` line: `IntoFuture`, and for a paginated
/// method `pages()` and `items()`, with closures that read the next cursor
/// (or the number of pages) and the items from a page.
fn request_impls(cx: &Scope<'_>, method: &ir::Method) -> String {
    let prefix = &method.type_prefix;
    let head = format!(
        "{}::__private::request!({prefix}Request => {prefix}Response, {prefix}Error",
        cx.rt_text()
    );
    let Some(pages) = &method.pagination else {
        return format!("{head});\n");
    };
    let response = format!("{prefix}Response");
    let by = match &pages.by {
        ir::PageBy::Cursor { param, next, first } => {
            let first = first
                .as_deref()
                .map(|first| format!(" = {}", lit(first)))
                .unwrap_or_default();
            let (wire, read) = match next {
                None => (
                    "response_metadata.next_cursor",
                    "page.meta.next_cursor.clone()".to_owned(),
                ),
                Some(path) => (path.wire.as_str(), read_copy(path, true)),
            };
            format!(
                "cursor({}{first}, {}, |page: &{response}| {read})",
                ident(&param.ident),
                lit(wire)
            )
        }
        ir::PageBy::Number { param, pages } => format!(
            "number({}, {}, |page: &{response}| {})",
            ident(&param.ident),
            lit(&pages.wire),
            read_copy(pages, false)
        ),
    };
    let item = type_text(&storage_ty(cx, &pages.item));
    let limit = pages
        .limit
        .as_ref()
        .map(|limit| format!(", limit {}", lit(&limit.wire)))
        .unwrap_or_default();
    format!(
        "{head}, {by}, items({}, {item}, |page: {response}| {}){limit});\n",
        lit(&pages.items.wire),
        read_owned(&pages.items),
    )
}

/// An expression reading the value at `path` from `page` (a reference) as
/// an `Option` of an owned value: `clone` says the value is cloned (text),
/// else copied (a number). Objects on the way are borrowed.
fn read_copy(path: &ir::FieldPath, clone: bool) -> String {
    let own = if clone { ".clone()" } else { "" };
    let mut expr = "page".to_owned();
    let mut in_option = false;
    let Some((last, on_the_way)) = path.steps.split_last() else {
        return "::std::option::Option::None".to_owned();
    };
    for step in on_the_way {
        let field = ident(&step.ident).to_string();
        expr = match (in_option, step.optional) {
            (false, false) => format!("{expr}.{field}"),
            (false, true) => format!("{expr}.{field}.as_ref()"),
            (true, false) => format!("{expr}.map(|v| &v.{field})"),
            (true, true) => format!("{expr}.and_then(|v| v.{field}.as_ref())"),
        };
        in_option |= step.optional;
    }
    let field = ident(&last.ident).to_string();
    match (in_option, last.optional) {
        (false, false) => format!("::std::option::Option::Some({expr}.{field}{own})"),
        (false, true) => format!("{expr}.{field}{own}"),
        (true, false) => format!("{expr}.map(|v| v.{field}{own})"),
        (true, true) => format!("{expr}.and_then(|v| v.{field}{own})"),
    }
}

/// An expression moving the list at `path` out of `page` (owned): an empty
/// list when an optional object on the way is missing.
fn read_owned(path: &ir::FieldPath) -> String {
    let mut expr = "page".to_owned();
    let mut in_option = false;
    for step in &path.steps {
        let field = ident(&step.ident).to_string();
        expr = match (in_option, step.optional) {
            (false, _) => format!("{expr}.{field}"),
            (true, false) => format!("{expr}.map(|v| v.{field})"),
            (true, true) => format!("{expr}.and_then(|v| v.{field})"),
        };
        in_option |= step.optional;
    }
    if in_option {
        format!("{expr}.unwrap_or_default()")
    } else {
        expr
    }
}

//! Request builders: required params are fields set by the entry point,
//! optional ones have setters; `send()` fills a form and calls the runtime.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{Cx, ident};
use super::fields::{arg_ty, convert, storage_ty};
use crate::ir::{self, Ty};

/// The request struct, its setters, `send` and `IntoFuture`.
pub(super) fn request(cx: &Cx<'_>, method: &ir::Method) -> TokenStream {
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
            Ty::Named {
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
    let streams = method
        .pagination
        .as_ref()
        .map(|pages| streams(cx, method, pages));
    let form_mut = if method.params.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
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
            #streams
        }
        impl ::std::future::IntoFuture for #name {
            type Output = #output;
            type IntoFuture = #rt::__private::BoxFuture<#output>;
            fn into_future(self) -> Self::IntoFuture {
                ::std::boxed::Box::pin(self.send())
            }
        }
    }
}

/// The entry point on the namespace handle: required params positional.
pub(super) fn entry_point(cx: &Cx<'_>, method: &ir::Method) -> TokenStream {
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

/// `pages()` and `items()` of a paginated method's request.
fn streams(cx: &Cx<'_>, method: &ir::Method, pages: &ir::Pagination) -> TokenStream {
    let rt = cx.rt();
    let response = format_ident!("{}Response", method.type_prefix);
    let error = format_ident!("{}Error", method.type_prefix);
    let cursor = ident(&pages.cursor);
    let items = ident(&pages.items);
    let item = storage_ty(cx, &pages.item);
    let items_wire = method
        .response
        .iter()
        .find(|f| f.ident == pages.items)
        .map_or(pages.items.as_str(), |f| f.wire.as_str());
    let limit = method
        .pagination
        .as_ref()
        .and_then(|p| p.limit.as_deref())
        .and_then(|limit| method.params.iter().find(|f| f.ident == limit))
        .map(|f| format!(" The page size is `{}`, as set on the request.", f.wire))
        .unwrap_or_default();
    let pages_doc = format!(
        " Every page of the answer, as a stream: the first as the request is set, each next one at the `response_metadata.next_cursor` of the one before, until Slack sends none.{limit} Each page is paced, retried and waited for like any call; an error ends the stream. Nothing is sent until the stream is polled, and nothing more once it is dropped."
    );
    let items_doc = format!(
        " The `{items_wire}` of every page, one by one, as a stream (see [`pages`](Self::pages))."
    );
    quote! {
        #[doc = #pages_doc]
        pub fn pages(self) -> #rt::Pages<#response, #error> {
            #rt::__private::pages(move |cursor: ::std::option::Option<::std::string::String>| {
                let mut request = self.clone();
                if cursor.is_some() {
                    request.#cursor = cursor;
                }
                ::std::boxed::Box::pin(async move {
                    let page = request.send().await?;
                    let next = page.meta.next_cursor.clone();
                    ::std::result::Result::Ok((page, next))
                })
            })
        }
        #[doc = #items_doc]
        pub fn items(self) -> #rt::Items<#response, #error, #item> {
            #rt::__private::items(self.pages(), |page: #response| page.#items)
        }
    }
}

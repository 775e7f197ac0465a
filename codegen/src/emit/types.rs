//! Named spec types: ID newtypes, object structs, string enums and tagged
//! unions, one function per kind of `ir::TypeDef`.

use std::fmt::Write;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{Scope, ident};
use super::docs;
use super::fields::{arg_ty, convert, field_decl};
use super::layout::{doc_comments, lit};
use crate::ir;

/// Emits one named type.
pub(super) fn type_def(cx: &Scope<'_>, def: &ir::TypeDef) -> TokenStream {
    let description = vec![docs::prose(def.description().unwrap_or(def.name()))];
    match def {
        ir::TypeDef::Id(def) => id_type(cx, def, description),
        ir::TypeDef::Object(def) => object_type(cx, def, description),
        ir::TypeDef::Enum(def) => enum_type(cx, def, description),
        ir::TypeDef::Union(def) => union_type(cx, def, description),
    }
}

/// An ID newtype: the runtime's `id_type!` writes its impls.
fn id_type(cx: &Scope<'_>, def: &ir::IdType, description: Vec<String>) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let doc = docs::attrs(&description);
    quote! {
        #rt::__private::id_type! {
            #doc
            pub struct #name;
        }
    }
}

fn object_type(cx: &Scope<'_>, def: &ir::ObjectType, description: Vec<String>) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let doc = docs::attrs(&description);
    let fields = def.fields.iter().map(|field| field_decl(cx, field));
    let required: Vec<&ir::Field> = def
        .fields
        .iter()
        .filter(|f| f.required == ir::Required::Yes)
        .collect();
    let new_args = required.iter().map(|f| {
        let arg = ident(&f.ident);
        let ty = arg_ty(cx, &f.ty);
        quote!(#arg: #ty)
    });
    let new_fields = def.fields.iter().map(|f| {
        let field_ident = ident(&f.ident);
        if f.required == ir::Required::Yes {
            let value = convert(quote!(#field_ident), &f.ty);
            // No conversion: the shorthand (clippy's `redundant_field_names`).
            if field_ident == value.to_string() {
                quote!(#field_ident)
            } else {
                quote!(#field_ident: #value)
            }
        } else {
            quote!(#field_ident: ::std::default::Default::default())
        }
    });
    let setters = def
        .fields
        .iter()
        .filter(|f| f.required != ir::Required::Yes)
        .map(|f| {
            let field_ident = ident(&f.ident);
            let setter = format_ident!("with_{}", crate::names::bare(&f.ident));
            let ty = arg_ty(cx, &f.ty);
            let value = convert(quote!(value), &f.ty);
            let stored = if f.ty.is_collection() {
                value
            } else {
                quote!(::std::option::Option::Some(#value))
            };
            let doc = format!(" Sets `{}`.", f.wire);
            quote! {
                #[doc = #doc]
                pub fn #setter(mut self, value: #ty) -> Self {
                    self.#field_ident = #stored;
                    self
                }
            }
        });
    let new_doc = if required.is_empty() {
        " A value with every field unset; add fields with the `with_` setters.".to_owned()
    } else {
        let names: Vec<String> = required.iter().map(|f| format!("`{}`", f.wire)).collect();
        format!(
            " A value with the required fields ({}); add others with the `with_` setters.",
            names.join(", ")
        )
    };
    let default_impl = required.is_empty().then(|| {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    let check = check_impl(cx, def);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #rt::__private::serde::Serialize, #rt::__private::serde::Deserialize)]
        #[serde(crate = "::slack_calls::__private::serde")]
        #[non_exhaustive]
        pub struct #name {
            #(#fields,)*
        }
        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#new_args),*) -> Self {
                Self { #(#new_fields,)* }
            }
            #(#setters)*
        }
        #default_impl
        #check
    }
}

/// `Check` from the type's `one_of` groups (at least one group must have
/// every field set), then the check of every field that holds an object or
/// a union (directly, or as the items of a list or map), so that a value
/// nested in a param is checked before sending as a top-level one is.
fn check_impl(cx: &Scope<'_>, def: &ir::ObjectType) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let nested: Vec<TokenStream> = def
        .fields
        .iter()
        .filter_map(|f| nested_check(cx, f))
        .collect();
    if def.one_of.is_empty() && nested.is_empty() {
        return quote!(impl #rt::Check for #name {});
    }
    let one_of = (!def.one_of.is_empty()).then(|| {
        let groups = def.one_of.iter().map(|group| {
            let tests: Vec<TokenStream> = group
                .iter()
                .filter_map(|wire| {
                    let field = def.fields.iter().find(|f| &f.wire == wire)?;
                    let field_ident = ident(&field.ident);
                    Some(if field.ty.is_collection() {
                        quote!(!self.#field_ident.is_empty())
                    } else {
                        quote!(self.#field_ident.is_some())
                    })
                })
                .collect();
            if tests.is_empty() {
                quote!(true)
            } else {
                quote!((#(#tests)&&*))
            }
        });
        let wanted: Vec<String> = def
            .one_of
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        let message = format!("a {} needs {}", def.name, wanted.join(", or "));
        quote! {
            if !(#(#groups)||*) {
                return ::std::result::Result::Err(#message.to_owned());
            }
        }
    });
    quote! {
        impl #rt::Check for #name {
            fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                #one_of
                #(#nested)*
                ::std::result::Result::Ok(())
            }
        }
    }
}

/// The check of one field holding an object or a union, with the field's
/// name (and the item's index or key) put before the reason.
fn nested_check(cx: &Scope<'_>, field: &ir::Field) -> Option<TokenStream> {
    let rt = cx.rt();
    let checked = |ty: &ir::Ty| {
        matches!(
            ty,
            ir::Ty::Named {
                kind: ir::Kind::Object | ir::Kind::Union,
                ..
            }
        )
    };
    let field_ident = ident(&field.ident);
    let wire = &field.wire;
    let check = quote!(#rt::Check::check);
    Some(match &field.ty {
        ir::Ty::List(item) if checked(item) => {
            let prefix = format!("`{wire}` item {{}}: {{}}");
            quote! {
                for (index, item) in self.#field_ident.iter().enumerate() {
                    #check(item).map_err(|reason| ::std::format!(#prefix, index, reason))?;
                }
            }
        }
        ir::Ty::Map(item) if checked(item) => {
            let prefix = format!("`{wire}` entry `{{}}`: {{}}");
            quote! {
                for (key, item) in &self.#field_ident {
                    #check(item).map_err(|reason| ::std::format!(#prefix, key, reason))?;
                }
            }
        }
        ty if checked(ty) => {
            let prefix = format!("`{wire}`: {{}}");
            if field.required == ir::Required::Yes {
                quote! {
                    #check(&self.#field_ident).map_err(|reason| ::std::format!(#prefix, reason))?;
                }
            } else {
                quote! {
                    if let ::std::option::Option::Some(value) = &self.#field_ident {
                        #check(value).map_err(|reason| ::std::format!(#prefix, reason))?;
                    }
                }
            }
        }
        _ => return None,
    })
}

/// A string enum: the runtime's `string_enum!` with one row per value,
/// `Variant("wire")` or `Variant("wire", "rustdoc text")`.
fn enum_type(cx: &Scope<'_>, def: &ir::EnumType, description: Vec<String>) -> TokenStream {
    let mut text = format!("{}::__private::string_enum! {{\n", cx.rt_text());
    text.push_str(&doc_comments(&docs::lines(&description), "    "));
    let _ = writeln!(text, "    pub enum {} {{", ident(&def.name));
    for v in &def.values {
        let variant = ident(&v.variant);
        let wire = lit(&v.wire);
        match &v.description {
            Some(d) => {
                let about = docs::prose(d);
                let _ = writeln!(text, "        {variant}({wire}, {}),", lit(&about));
            }
            None => {
                let _ = writeln!(text, "        {variant}({wire}),");
            }
        }
    }
    text.push_str("    }\n}\n");
    cx.laid.place(text)
}

/// A tagged union: the runtime's `union!` with one row per variant,
/// `Variant("tag value", Type)`, and `, From` on the types that belong to
/// one variant only.
fn union_type(cx: &Scope<'_>, def: &ir::UnionType, description: Vec<String>) -> TokenStream {
    let mut text = format!("{}::__private::union! {{\n", cx.rt_text());
    text.push_str(&doc_comments(&docs::lines(&description), "    "));
    let _ = writeln!(
        text,
        "    pub enum {}({}) {{",
        ident(&def.name),
        lit(&def.tag)
    );
    for v in &def.variants {
        let ty = ident(&v.ty);
        let ty = if v.external {
            format!("{}::{ty}", cx.rt_text())
        } else {
            ty.to_string()
        };
        let from = if def.variants.iter().filter(|w| w.ty == v.ty).count() == 1 {
            ", From"
        } else {
            ""
        };
        let _ = writeln!(
            text,
            "        {}({}, {ty}{from}),",
            ident(&v.variant),
            lit(&v.wire)
        );
    }
    text.push_str("    }\n}\n");
    cx.laid.place(text)
}

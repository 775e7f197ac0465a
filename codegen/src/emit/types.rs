//! Named spec types: ID newtypes, object structs, string enums and tagged
//! unions, one function per kind of `ir::TypeDef`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::context::{Cx, ident};
use super::docs;
use super::fields::{arg_ty, convert, field_decl};
use crate::ir;

/// Emits one named type.
pub(super) fn type_def(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let description = vec![docs::prose(def.description().unwrap_or(def.name()))];
    match def {
        ir::TypeDef::Id(def) => id_type(cx, def, description),
        ir::TypeDef::Object(def) => object_type(cx, def, description),
        ir::TypeDef::Enum(def) => enum_type(cx, def, description),
        ir::TypeDef::Union(def) => union_type(cx, def, description),
    }
}

/// An ID newtype: the runtime's `id_type!` writes its impls.
fn id_type(cx: &Cx<'_>, def: &ir::IdType, description: Vec<String>) -> TokenStream {
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

fn object_type(cx: &Cx<'_>, def: &ir::ObjectType, description: Vec<String>) -> TokenStream {
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
fn check_impl(cx: &Cx<'_>, def: &ir::ObjectType) -> TokenStream {
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
fn nested_check(cx: &Cx<'_>, field: &ir::Field) -> Option<TokenStream> {
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

fn enum_type(cx: &Cx<'_>, def: &ir::EnumType, description: Vec<String>) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let mut doc = description;
    doc.push(String::new());
    doc.push("A value this version does not know is kept in `Unknown`.".to_owned());
    let doc = docs::attrs(&doc);
    let variants = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let doc = docs::attrs(&[match &v.description {
            Some(d) => format!("`{}`: {}", v.wire, docs::prose(d)),
            None => format!("`{}`.", v.wire),
        }]);
        quote!(#doc #variant)
    });
    let to_wire = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote!(Self::#variant => #wire)
    });
    let from_wire = def.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote!(#wire => Self::#variant)
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants,)*
            /// A value this version does not know.
            Unknown(::std::string::String),
        }
        impl #name {
            /// Slack's text for the value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_wire,)*
                    Self::Unknown(other) => other,
                }
            }
            /// The value for Slack's text (unknown text is kept).
            pub fn from_wire(text: &str) -> Self {
                match text {
                    #(#from_wire,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl #rt::__private::serde::Serialize for #name {
            fn serialize<S: #rt::__private::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> #rt::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: #rt::__private::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::string::String as #rt::__private::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from_wire(&text))
            }
        }
        impl #rt::FormValue for #name {
            fn to_form_value(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }
        impl #rt::Check for #name {}
    }
}

fn union_type(cx: &Cx<'_>, def: &ir::UnionType, description: Vec<String>) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let tag = def.tag.clone();
    let mut doc = description;
    doc.push(String::new());
    doc.push(format!(
        "Told apart by `{tag}`. A `{tag}` this version does not know (or a value that does not fit its variant) is kept whole in `Other`, so decoding and sending it again loses nothing."
    ));
    let doc = docs::attrs(&doc);
    let json = quote!(#rt::__private::serde_json);
    let union_name = &def.name;
    let serde = quote!(#rt::__private::serde);
    let variant_ty = |v: &ir::UnionVariant| {
        let ty = ident(&v.ty);
        if v.external {
            quote!(::slack_calls::#ty)
        } else {
            quote!(#ty)
        }
    };
    let variants = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let ty = variant_ty(v);
        let doc = docs::attrs(&[format!("`{tag}: {}`.", v.wire)]);
        quote!(#doc #variant(#ty))
    });
    let tags = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote!(Self::#variant(_) => ::std::option::Option::Some(#wire))
    });
    let union = quote!(#rt::__private::union);
    let serialize = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote!(Self::#variant(inner) => #union::serialize_variant(inner, #tag, #wire, serializer))
    });
    let deserialize = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote!(::std::option::Option::Some(#wire) => #union::decode_variant(value, Self::#variant, Self::Other))
    });
    let checks = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        quote!(Self::#variant(inner) => #rt::Check::check(inner))
    });
    // `From` only for object types that belong to one variant.
    let froms = def
        .variants
        .iter()
        .filter(|v| def.variants.iter().filter(|w| w.ty == v.ty).count() == 1)
        .map(|v| {
            let variant = ident(&v.variant);
            let ty = variant_ty(v);
            quote! {
                impl ::std::convert::From<#ty> for #name {
                    fn from(inner: #ty) -> Self {
                        Self::#variant(inner)
                    }
                }
            }
        });
    let other_doc = format!(
        " Any other value, kept as Slack's JSON. Sending it needs a JSON object with `{tag}` as text."
    );
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#variants,)*
            #[doc = #other_doc]
            Other(#json::Value),
        }
        impl #name {
            /// The value of the tag, when there is one.
            pub fn tag(&self) -> ::std::option::Option<&str> {
                match self {
                    #(#tags,)*
                    Self::Other(value) => #union::tag(value, #tag),
                }
            }
        }
        #(#froms)*
        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize,)*
                    Self::Other(value) => #serde::Serialize::serialize(value, serializer),
                }
            }
        }
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = #union::read(deserializer)?;
                ::std::result::Result::Ok(match #union::tag(&value, #tag) {
                    #(#deserialize,)*
                    _ => Self::Other(value),
                })
            }
        }
        impl #rt::Check for #name {
            fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                match self {
                    #(#checks,)*
                    Self::Other(value) => #union::check_other(value, #tag, #union_name),
                }
            }
        }
    }
}

//! Named spec types: ID newtypes, object structs and string enums.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Cx, arg_ty, convert, docs, field_decl, ident};
use crate::ir::{self, Ty};
use crate::spec::{Req, TypeKind};

/// Emits one named type.
pub(super) fn type_def(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    match def.kind {
        TypeKind::Id => id_type(cx, def),
        TypeKind::Object => object_type(cx, def),
        TypeKind::Enum => enum_type(cx, def),
        TypeKind::Union => union_type(cx, def),
    }
}

fn description(def: &ir::TypeDef) -> Vec<String> {
    vec![docs::prose(def.description.as_deref().unwrap_or(&def.name))]
}

fn id_type(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let mut doc = description(def);
    doc.push(String::new());
    doc.push("Converts from `&str` and `String`; prints as the bare ID.".to_owned());
    let doc = docs::attrs(&doc);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, #rt::__private::serde::Serialize, #rt::__private::serde::Deserialize)]
        #[serde(crate = "::slack_calls::__private::serde", transparent)]
        pub struct #name(::std::string::String);

        impl #name {
            /// Wraps an ID.
            pub fn new(id: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(id.into())
            }
            /// The ID as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The ID as an owned `String`.
            pub fn into_string(self) -> ::std::string::String {
                self.0
            }
        }
        impl ::std::convert::From<&str> for #name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(id: ::std::string::String) -> Self {
                Self(id)
            }
        }
        impl ::std::convert::From<&::std::string::String> for #name {
            fn from(id: &::std::string::String) -> Self {
                Self(id.clone())
            }
        }
        impl ::std::convert::From<&#name> for #name {
            fn from(id: &#name) -> Self {
                id.clone()
            }
        }
        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ::std::cmp::PartialEq<str> for #name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl ::std::cmp::PartialEq<&str> for #name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl #rt::FormValue for #name {
            fn to_form_value(&self) -> ::std::string::String {
                self.0.clone()
            }
        }
        impl #rt::Check for #name {}
    }
}

fn object_type(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let doc = docs::attrs(&description(def));
    let fields = def.fields.iter().map(|field| field_decl(cx, field));
    let required: Vec<&ir::Field> = def
        .fields
        .iter()
        .filter(|f| f.required == Req::Yes)
        .collect();
    let new_args = required.iter().map(|f| {
        let arg = ident(&f.ident);
        let ty = arg_ty(cx, &f.ty);
        quote!(#arg: #ty)
    });
    let new_fields = def.fields.iter().map(|f| {
        let field_ident = ident(&f.ident);
        if f.required == Req::Yes {
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
        .filter(|f| f.required != Req::Yes)
        .map(|f| {
            let field_ident = ident(&f.ident);
            let setter = format_ident!("with_{}", crate::names::bare(&f.ident));
            let ty = arg_ty(cx, &f.ty);
            let value = convert(quote!(value), &f.ty);
            let stored = if matches!(f.ty, Ty::List(_)) {
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

/// `Check` from the type's `one_of` groups: at least one group must have
/// every field set.
fn check_impl(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    if def.one_of.is_empty() {
        return quote!(impl #rt::Check for #name {});
    }
    let groups = def.one_of.iter().map(|group| {
        let tests: Vec<TokenStream> = group
            .iter()
            .filter_map(|wire| {
                let field = def.fields.iter().find(|f| &f.wire == wire)?;
                let field_ident = ident(&field.ident);
                Some(if matches!(field.ty, Ty::List(_)) {
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
        impl #rt::Check for #name {
            fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                if #(#groups)||* {
                    ::std::result::Result::Ok(())
                } else {
                    ::std::result::Result::Err(#message.to_owned())
                }
            }
        }
    }
}

fn enum_type(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let mut doc = description(def);
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

fn union_type(cx: &Cx<'_>, def: &ir::TypeDef) -> TokenStream {
    let rt = cx.rt();
    let name = ident(&def.name);
    let tag = def.tag.clone().unwrap_or_default();
    let mut doc = description(def);
    doc.push(String::new());
    doc.push(format!(
        "Told apart by `{tag}`. A `{tag}` this version does not know (or a value that does not fit its variant) is kept whole in `Other`, so decoding and sending it again loses nothing."
    ));
    let doc = docs::attrs(&doc);
    let json = quote!(#rt::__private::serde_json);
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
    let serialize = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote! {
            Self::#variant(inner) => {
                let mut value = #json::to_value(inner)
                    .map_err(<S::Error as #serde::ser::Error>::custom)?;
                match &mut value {
                    #json::Value::Object(map) => {
                        map.insert(#tag.to_owned(), #json::Value::String(#wire.to_owned()));
                    }
                    _ => {
                        return ::std::result::Result::Err(<S::Error as #serde::ser::Error>::custom(
                            "a union variant did not encode as a JSON object",
                        ));
                    }
                }
                #serde::Serialize::serialize(&value, serializer)
            }
        }
    });
    let deserialize = def.variants.iter().map(|v| {
        let variant = ident(&v.variant);
        let wire = &v.wire;
        quote! {
            ::std::option::Option::Some(#wire) => match #json::from_value(value.clone()) {
                ::std::result::Result::Ok(inner) => Self::#variant(inner),
                ::std::result::Result::Err(_) => Self::Other(value),
            }
        }
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
    let bad_other = format!("a {} needs a JSON object with `{tag}` as text", def.name);
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
                    Self::Other(value) => value.get(#tag).and_then(#json::Value::as_str),
                }
            }
        }
        #(#froms)*
        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize)*
                    Self::Other(value) => #serde::Serialize::serialize(value, serializer),
                }
            }
        }
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <#json::Value as #serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#tag).and_then(#json::Value::as_str).map(::std::borrow::ToOwned::to_owned);
                ::std::result::Result::Ok(match tag.as_deref() {
                    #(#deserialize,)*
                    _ => Self::Other(value),
                })
            }
        }
        impl #rt::Check for #name {
            fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                match self {
                    #(#checks,)*
                    Self::Other(value) => {
                        if value.get(#tag).is_some_and(#json::Value::is_string) {
                            ::std::result::Result::Ok(())
                        } else {
                            ::std::result::Result::Err(#bad_other.to_owned())
                        }
                    }
                }
            }
        }
    }
}

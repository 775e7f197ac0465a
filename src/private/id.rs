//! The ID newtypes (`UserId`, `CallId`, ...): one distinct type per kind of
//! Slack ID, so a `CallId` is never taken where a `UserId` is wanted.
//!
//! Every ID type has the same impls, so they are written here once, in
//! `__id_type!`, and the generated code only names the
//! type and its docs: `::slack_calls::__private::id_type! { #[doc = "..."] pub struct CallId; }`.

/// Declares an ID newtype over `String` with its conversions, `Display`,
/// comparisons with `str`, transparent serde, and the form traits.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __id_type {
    ($(#[$attr:meta])* $vis:vis struct $name:ident;) => {
        $(#[$attr])*
        ///
        /// Converts from `&str` and `String`; prints as the bare ID.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(::std::string::String);

        impl $name {
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
        impl ::std::convert::From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(id: ::std::string::String) -> Self {
                Self(id)
            }
        }
        impl ::std::convert::From<&::std::string::String> for $name {
            fn from(id: &::std::string::String) -> Self {
                Self(id.clone())
            }
        }
        impl ::std::convert::From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }
        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(
                    deserializer,
                )
                .map(Self)
            }
        }
        impl $crate::FormValue for $name {
            fn to_form_value(&self) -> ::std::string::String {
                self.0.clone()
            }
        }
        impl $crate::Check for $name {}
    };
}

#[cfg(test)]
mod tests {
    use crate::{Check, FormValue};

    crate::__id_type! {
        /// A made-up ID for the tests.
        pub struct ThingId;
    }
    crate::__id_type! {
        /// Another made-up ID, to show the two stay apart.
        pub struct OtherId;
    }

    fn wants_thing(id: impl Into<ThingId>) -> ThingId {
        id.into()
    }

    #[test]
    fn converts_from_text_and_itself() {
        let owned = String::from("T1");
        assert_eq!(wants_thing("T1"), ThingId::new("T1"));
        assert_eq!(wants_thing(owned.clone()), ThingId::new("T1"));
        assert_eq!(wants_thing(&owned), ThingId::new("T1"));
        let id = ThingId::new("T1");
        assert_eq!(wants_thing(&id), id);
        assert_eq!(id.as_str(), "T1");
        assert_eq!(AsRef::<str>::as_ref(&id), "T1");
        assert_eq!(id.clone().into_string(), "T1");
    }

    #[test]
    fn prints_and_compares_as_the_bare_id() {
        let id = ThingId::new("T1");
        assert_eq!(id.to_string(), "T1");
        assert_eq!(format!("{id:?}"), "ThingId(\"T1\")");
        assert!(id == "T1");
        assert!(id == *"T1");
        assert!(id != "T2");
        assert!(ThingId::new("A") < ThingId::new("B"));
        let other = OtherId::new("T1");
        assert_eq!(other.as_str(), id.as_str());
        assert_eq!(other.into_string(), "T1");
    }

    #[test]
    fn serde_is_a_bare_string() {
        let id = ThingId::new("T1");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"T1\"");
        let back: ThingId = serde_json::from_str("\"T1\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<ThingId>("12").is_err());
        assert!(serde_json::from_str::<ThingId>("null").is_err());
    }

    #[test]
    fn goes_into_a_form_as_is() {
        let id = ThingId::new("T1");
        assert_eq!(id.to_form_value(), "T1");
        assert_eq!(id.check(), Ok(()));
    }
}

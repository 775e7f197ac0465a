//! String enums (`ConversationType`): Slack's text for each value, and an
//! `Unknown` that keeps any value this version does not know. The generated
//! code is a table, one row per value; the impls are written here once.

/// Declares a string enum from rows `Variant("wire")` or
/// `Variant("wire", "rustdoc text")`, with `as_str`, `from_wire`,
/// `Display`, serde as the text, and the form traits.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __string_enum {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $($variant:ident($wire:literal $(, $about:literal)?),)*
        }
    ) => {
        $(#[$attr])*
        ///
        /// A value this version does not know is kept in `Unknown`.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = $crate::__string_enum!(@doc $wire $(, $about)?)]
                $variant,
            )*
            /// A value this version does not know.
            Unknown(::std::string::String),
        }
        impl $name {
            /// Slack's text for the value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(other) => other,
                }
            }
            /// The value for Slack's text (unknown text is kept).
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::string::String as $crate::__private::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from_wire(&text))
            }
        }
        impl $crate::FormValue for $name {
            fn to_form_value(&self) -> ::std::string::String {
                self.as_str().to_owned()
            }
        }
        impl $crate::Check for $name {}
    };
    (@doc $wire:literal) => {
        concat!(" `", $wire, "`.")
    };
    (@doc $wire:literal, $about:literal) => {
        concat!(" `", $wire, "`: ", $about)
    };
}

#[cfg(test)]
mod tests {
    use crate::FormValue;

    crate::__string_enum! {
        /// A made-up enum.
        pub enum Flavor {
            Sweet("sweet", "Like sugar."),
            Sour("sour"),
        }
    }

    #[test]
    fn known_and_unknown_text_round_trip() {
        assert_eq!(Flavor::from_wire("sweet"), Flavor::Sweet);
        assert_eq!(Flavor::Sour.as_str(), "sour");
        assert_eq!(Flavor::from_wire("umami"), Flavor::Unknown("umami".into()));
        assert_eq!(Flavor::Unknown("umami".into()).to_string(), "umami");
        assert_eq!(serde_json::to_string(&Flavor::Sweet).unwrap(), "\"sweet\"");
        let back: Flavor = serde_json::from_str("\"bitter\"").unwrap();
        assert_eq!(back, Flavor::Unknown("bitter".into()));
        assert_eq!(Flavor::Sweet.to_form_value(), "sweet");
    }
}

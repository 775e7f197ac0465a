//! Error-code tables: each code, its variant and its description are written
//! once, in the generated code, as a table handed to the macros here, which
//! write the enum (with a rustdoc line per variant), the lookups both ways
//! and `Display`.
//!
//! A table row is `Variant("code", "description")`. When the rustdoc text
//! must differ from the description (Markdown escapes, say), the row adds it:
//! `Variant("code", "description", "rustdoc text")`.

/// The first of its literals: the rustdoc text of a table row.
#[doc(hidden)]
#[macro_export]
macro_rules! __code_doc {
    ($first:literal $(, $rest:literal)*) => {
        $first
    };
}

/// Declares the enum of errors any method can answer, with inherent
/// `from_code` (`None` for other codes), `code`, `description` and `Display`.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __common_error {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident {
            $($variant:ident($code:literal, $about:literal $(, $doc:literal)?),)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!(" `", $code, "`: ", $crate::__code_doc!($($doc,)? $about))]
                $variant,
            )*
        }
        impl $name {
            /// The common error for Slack's code, if it is one.
            pub fn from_code(code: &str) -> ::std::option::Option<Self> {
                match code {
                    $($code => ::std::option::Option::Some(Self::$variant),)*
                    _ => ::std::option::Option::None,
                }
            }
            /// Slack's code.
            pub fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
            /// What the code means.
            pub fn description(&self) -> &'static str {
                match self {
                    $(Self::$variant => $about,)*
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

/// Declares one method's error enum: its own codes, then
/// `Common(CommonError)`, then `Unknown(String)`, with its
/// [`ErrorCode`](crate::ErrorCode) impl and `Display`.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __method_error {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident($common:ty) {
            $($variant:ident($code:literal, $about:literal $(, $doc:literal)?),)*
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $(
                #[doc = concat!(" `", $code, "`: ", $crate::__code_doc!($($doc,)? $about))]
                $variant,
            )*
            /// An error any method can answer.
            Common($common),
            /// A code this version does not know.
            Unknown(::std::string::String),
        }
        impl $crate::ErrorCode for $name {
            fn from_code(code: &str) -> Self {
                $(
                    if code == $code {
                        return Self::$variant;
                    }
                )*
                match <$common>::from_code(code) {
                    ::std::option::Option::Some(common) => Self::Common(common),
                    ::std::option::Option::None => Self::Unknown(code.to_owned()),
                }
            }
            fn code(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Common(common) => common.code(),
                    Self::Unknown(other) => other,
                }
            }
            fn description(&self) -> ::std::option::Option<&'static str> {
                match self {
                    $(Self::$variant => ::std::option::Option::Some($about),)*
                    Self::Common(common) => ::std::option::Option::Some(common.description()),
                    Self::Unknown(_) => ::std::option::Option::None,
                }
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::ErrorCode::code(self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use crate::ErrorCode;

    crate::__common_error! {
        /// Made-up common errors.
        pub enum Shared {
            NotAuthed("not_authed", "No token."),
            LinkLike("link_like", "See [the page].", "See \\[the page\\]."),
        }
    }

    crate::__method_error! {
        /// A made-up method's errors.
        pub enum ThingError(Shared) {
            InvalidThing("invalid_thing", "No such thing."),
            ThingGone("thing_gone", "The thing is gone."),
        }
    }

    crate::__method_error! {
        /// A method with no codes of its own.
        pub enum PlainError(Shared) {}
    }

    #[test]
    fn common_codes_map_both_ways() {
        assert_eq!(Shared::from_code("not_authed"), Some(Shared::NotAuthed));
        assert_eq!(Shared::from_code("link_like"), Some(Shared::LinkLike));
        assert_eq!(Shared::from_code("nope"), None);
        assert_eq!(Shared::NotAuthed.code(), "not_authed");
        assert_eq!(Shared::NotAuthed.description(), "No token.");
        // The description is the spec's text, not the rustdoc text.
        assert_eq!(Shared::LinkLike.description(), "See [the page].");
        assert_eq!(Shared::LinkLike.to_string(), "link_like");
    }

    #[test]
    fn own_codes_then_common_then_unknown() {
        assert_eq!(
            ThingError::from_code("invalid_thing"),
            ThingError::InvalidThing
        );
        assert_eq!(ThingError::from_code("thing_gone"), ThingError::ThingGone);
        assert_eq!(
            ThingError::from_code("not_authed"),
            ThingError::Common(Shared::NotAuthed)
        );
        assert_eq!(
            ThingError::from_code("brand_new"),
            ThingError::Unknown("brand_new".to_owned())
        );
        assert_eq!(
            PlainError::from_code("not_authed"),
            PlainError::Common(Shared::NotAuthed)
        );
        assert_eq!(
            PlainError::from_code("invalid_thing"),
            PlainError::Unknown("invalid_thing".to_owned())
        );
    }

    #[test]
    fn codes_descriptions_and_display() {
        for code in ["invalid_thing", "thing_gone", "not_authed", "brand_new"] {
            let error = ThingError::from_code(code);
            assert_eq!(error.code(), code);
            assert_eq!(error.to_string(), code);
        }
        assert_eq!(
            ThingError::InvalidThing.description(),
            Some("No such thing.")
        );
        assert_eq!(
            ThingError::Common(Shared::NotAuthed).description(),
            Some("No token.")
        );
        assert_eq!(ThingError::Unknown("x".to_owned()).description(), None);
    }
}

//! Serde for tagged unions (`Block`, told apart by `type`): the generated
//! enum names its variants and tags; reading, writing and checking the JSON
//! is done here, once.
//!
//! A variant encodes as its inner value's JSON object with the tag added. A
//! value whose tag is unknown decodes as the union's
//! `Other(serde_json::Value)`; one whose tag is known but that does not fit
//! the tag's type decodes as `Malformed(`[`Malformed`]`)`, Slack's JSON with
//! the reason, and a warning is logged. Either way nothing is lost on the
//! way back, and a known item that failed is never silent.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The tag of a JSON value, when it is an object whose `tag` field is text.
pub fn tag<'a>(value: &'a Value, tag: &str) -> Option<&'a str> {
    value.get(tag).and_then(Value::as_str)
}

/// Writes `inner` as a JSON object with `tag: wire` added.
pub fn serialize_variant<T, S>(
    inner: &T,
    tag: &str,
    wire: &str,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let mut value = serde_json::to_value(inner).map_err(serde::ser::Error::custom)?;
    match &mut value {
        Value::Object(map) => {
            map.insert(tag.to_owned(), Value::String(wire.to_owned()));
        }
        _ => {
            return Err(serde::ser::Error::custom(
                "a union variant did not encode as a JSON object",
            ));
        }
    }
    value.serialize(serializer)
}

/// Reads any JSON value: the generated `Deserialize` then picks the variant
/// by [`tag`].
pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
    Value::deserialize(deserializer)
}

/// A value of a union whose tag this version knows, that does not fit the
/// tag's type (a required field missing, a field of another type): kept
/// as Slack sent it, with why it could not be decoded.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Malformed {
    /// Slack's JSON, as it came.
    pub value: Value,
    /// Why it does not fit: serde's message, such as ``missing field `call_id` ``.
    pub error: String,
}

impl Malformed {
    /// The value's tag, such as `call`.
    pub fn tag(&self, tag: &str) -> Option<&str> {
        self::tag(&self.value, tag)
    }
}

/// The variant for `value` (`variant(inner)`), or `malformed(..)` when the
/// value does not fit the variant's type; that is logged as a warning,
/// naming the union, the tag and the reason (not the value: it may hold
/// what a user wrote).
pub fn decode_variant<T, U>(
    value: Value,
    union: &'static str,
    wire: &'static str,
    variant: fn(T) -> U,
    malformed: fn(Malformed) -> U,
) -> U
where
    T: DeserializeOwned,
{
    match T::deserialize(&value) {
        Ok(inner) => variant(inner),
        Err(err) => {
            let error = err.to_string();
            tracing::warn!(
                union,
                tag = wire,
                error = %error,
                "a {union} with a known tag does not fit its type; kept as {union}::Malformed"
            );
            malformed(Malformed { value, error })
        }
    }
}

/// The check for a union's `Other` value: it can be sent only as a JSON
/// object with the tag as text.
pub fn check_other(value: &Value, tag: &str, union: &str) -> Result<(), String> {
    if value.get(tag).is_some_and(Value::is_string) {
        Ok(())
    } else {
        Err(format!(
            "a {union} needs a JSON object with `{tag}` as text"
        ))
    }
}

/// Declares a tagged union from rows `Variant("tag value", InnerType)`
/// (with `, From` when `From<InnerType>` is to be implemented: only for
/// types that belong to one variant), plus `Other(serde_json::Value)` for
/// anything else, with `tag()`, serde through the functions above, and
/// `Check`.
///
/// Support for generated code; not a stable API.
#[doc(hidden)]
#[macro_export]
macro_rules! __union {
    (
        $(#[$attr:meta])*
        $vis:vis enum $name:ident($tag:literal) {
            $($variant:ident($wire:literal, $ty:ty $(, $from:ident)?),)*
        }
    ) => {
        $(#[$attr])*
        ///
        #[doc = concat!(" Told apart by `", $tag, "`. A `", $tag, "` this version does not know is kept whole in `Other`; a known one whose value does not fit its variant is kept whole in `Malformed`, with the reason (and a warning in the log). Decoding and sending either again loses nothing.")]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)]
        $vis enum $name {
            $(
                #[doc = concat!(" `", $tag, ": ", $wire, "`.")]
                $variant($ty),
            )*
            #[doc = concat!(" Any other value, kept as Slack's JSON. Sending it needs a JSON object with `", $tag, "` as text.")]
            Other($crate::__private::serde_json::Value),
            #[doc = concat!(" A value whose `", $tag, "` this version knows, that does not fit that variant's type: Slack's JSON and why it could not be decoded.")]
            Malformed($crate::Malformed),
        }
        impl $name {
            /// The value of the tag, when there is one.
            pub fn tag(&self) -> ::std::option::Option<&str> {
                match self {
                    $(Self::$variant(_) => ::std::option::Option::Some($wire),)*
                    Self::Other(value) => $crate::__private::union::tag(value, $tag),
                    Self::Malformed(malformed) => malformed.tag($tag),
                }
            }
        }
        $($($crate::__union!(@$from $name, $variant, $ty);)?)*
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(inner) => {
                        $crate::__private::union::serialize_variant(inner, $tag, $wire, serializer)
                    })*
                    Self::Other(value) => $crate::__private::serde::Serialize::serialize(value, serializer),
                    Self::Malformed(malformed) => $crate::__private::serde::Serialize::serialize(&malformed.value, serializer),
                }
            }
        }
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value = $crate::__private::union::read(deserializer)?;
                ::std::result::Result::Ok(match $crate::__private::union::tag(&value, $tag) {
                    $(::std::option::Option::Some($wire) => {
                        $crate::__private::union::decode_variant(value, stringify!($name), $wire, Self::$variant, Self::Malformed)
                    })*
                    _ => Self::Other(value),
                })
            }
        }
        impl $crate::Check for $name {
            fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                match self {
                    $(Self::$variant(inner) => $crate::Check::check(inner),)*
                    Self::Other(value) => $crate::__private::union::check_other(value, $tag, stringify!($name)),
                    Self::Malformed(malformed) => $crate::__private::union::check_other(&malformed.value, $tag, stringify!($name)),
                }
            }
        }
    };
    (@From $name:ident, $variant:ident, $ty:ty) => {
        impl ::std::convert::From<$ty> for $name {
            fn from(inner: $ty) -> Self {
                Self::$variant(inner)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Inner {
        id: String,
    }

    #[derive(Debug, PartialEq)]
    enum Shape {
        Known(Inner),
        Malformed(Malformed),
    }

    fn to_json<T: Serialize>(inner: &T) -> Result<Value, serde_json::Error> {
        serialize_variant(inner, "type", "known", serde_json::value::Serializer)
    }

    #[test]
    fn writes_the_tag_into_the_object() {
        let value = to_json(&Inner { id: "R1".into() }).unwrap();
        assert_eq!(value, json!({"id": "R1", "type": "known"}));
    }

    #[test]
    fn refuses_a_variant_that_is_not_an_object() {
        let err = to_json(&"text").unwrap_err();
        assert!(
            err.to_string().contains("did not encode as a JSON object"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_tag_only_when_it_is_text() {
        assert_eq!(tag(&json!({"type": "call"}), "type"), Some("call"));
        assert_eq!(tag(&json!({"type": 3}), "type"), None);
        assert_eq!(tag(&json!({"kind": "call"}), "type"), None);
        assert_eq!(tag(&json!([1, 2]), "type"), None);
    }

    #[test]
    fn a_value_that_does_not_fit_is_kept_whole() {
        let fits = json!({"type": "known", "id": "R1"});
        assert_eq!(
            decode_variant(fits, "Shape", "known", Shape::Known, Shape::Malformed),
            Shape::Known(Inner { id: "R1".into() })
        );
        let misfit = json!({"type": "known", "id": 7});
        let Shape::Malformed(malformed) = decode_variant(
            misfit.clone(),
            "Shape",
            "known",
            Shape::Known,
            Shape::Malformed,
        ) else {
            panic!("a misfit decoded as its variant");
        };
        assert_eq!(malformed.value, misfit);
        assert!(
            malformed.error.contains("invalid type: integer `7`"),
            "{}",
            malformed.error
        );
        assert_eq!(malformed.tag("type"), Some("known"));
        let read_back = read(&mut serde_json::Deserializer::from_str("{\"a\":1}")).unwrap();
        assert_eq!(read_back, json!({"a": 1}));
    }

    #[test]
    fn other_needs_an_object_with_a_text_tag() {
        assert_eq!(
            check_other(&json!({"type": "divider"}), "type", "Block"),
            Ok(())
        );
        assert_eq!(
            check_other(&json!({"type": 1}), "type", "Block"),
            Err("a Block needs a JSON object with `type` as text".to_owned())
        );
        assert!(check_other(&json!("divider"), "type", "Block").is_err());
    }

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    pub struct Round {
        r: i64,
    }
    impl crate::Check for Round {}

    crate::__union! {
        /// A made-up union.
        pub enum Figure("kind") {
            Circle("circle", Round, From),
            Ring("ring", Round),
        }
    }

    #[test]
    fn the_union_macro_tags_decodes_and_keeps_the_rest() {
        let circle = Figure::from(Round { r: 1 });
        assert_eq!(circle.tag(), Some("circle"));
        let value = serde_json::to_value(&circle).unwrap();
        assert_eq!(value, json!({"kind": "circle", "r": 1}));
        let ring: Figure = serde_json::from_value(json!({"kind": "ring", "r": 2})).unwrap();
        assert_eq!(ring, Figure::Ring(Round { r: 2 }));
        let odd: Figure = serde_json::from_value(json!({"kind": "square"})).unwrap();
        assert_eq!(odd.tag(), Some("square"));
        assert_eq!(crate::Check::check(&odd), Ok(()));
        let bad = Figure::Other(json!(3));
        assert_eq!(
            crate::Check::check(&bad),
            Err("a Figure needs a JSON object with `kind` as text".to_owned())
        );
    }
}

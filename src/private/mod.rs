//! Support for generated code. Not a stable API: only code emitted by
//! `slack-calls-codegen` should use it.
//!
//! What every generated item of a kind shares is written here once: the ID
//! newtypes (`id_type!`), the error-code tables (`common_error!`,
//! `method_error!`), string enums (`string_enum!`), tagged unions
//! (`union!` and its serde in `union`), requests and responses
//! (`request!`, `response!`), the `MethodInfo` tables (`method_info!`),
//! and the send path.

pub use crate::call::decode::decode;
pub use crate::call::send::send;
pub use crate::{
    __common_error as common_error, __id_type as id_type, __method_error as method_error,
    __method_info as method_info, __request as request, __response as response,
    __string_enum as string_enum, __union as union,
};
pub use serde;
pub use serde_json;
use std::future::Future;
use std::pin::Pin;

pub(crate) mod codes;
pub(crate) mod enums;
pub(crate) mod id;
pub(crate) mod info;
pub(crate) mod request;
pub mod union;

/// Escapes text for an HTML element or a quoted attribute: the install
/// flow's pages here, and the fake's pages in `slack-calls-mock`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub use crate::call::pages::PageAt;

/// The pages of a paginated request: `fetch` sends the request at a
/// place (`None`: as built) and returns the page with where the next one
/// starts.
pub fn pages<R, E: crate::ErrorCode, F>(fetch: F) -> crate::Pages<R, E>
where
    F: FnMut(Option<PageAt>) -> BoxFuture<Result<(R, Option<PageAt>), crate::Error<E>>>
        + Send
        + 'static,
{
    crate::call::pages::Pages::new(Box::new(fetch))
}

/// The items of the pages, taken from each page by `items_of`.
pub fn items<R, E: crate::ErrorCode, T>(
    pages: crate::Pages<R, E>,
    items_of: fn(R) -> Vec<T>,
) -> crate::Items<R, E, T> {
    crate::call::pages::Items::new(pages, items_of)
}

/// Where the page after one asked for by cursor starts: at `next`, the
/// cursor the page carries, unless it is missing or empty (the last page).
pub fn next_cursor(next: Option<String>) -> Option<PageAt> {
    next.filter(|cursor| !cursor.is_empty()).map(PageAt::Cursor)
}

/// Where the page after page `number` starts, when the answer says there
/// are `pages` pages: `None` after the last, or when it does not say.
pub fn next_page(number: i64, pages: Option<i64>) -> Option<PageAt> {
    let number = number.max(1);
    pages
        .filter(|pages| number < *pages)
        .map(|_| PageAt::Number(number + 1))
}

/// The future a request builder turns into.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Decodes `null` (or a missing field, with `#[serde(default)]`) as the
/// type's default: Slack sends `null` for empty lists now and then.
pub fn null_to_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    let value: Option<T> = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.unwrap_or_default())
}

/// A `Duration` as whole seconds.
pub mod duration_secs {
    use std::time::Duration;

    /// Writes whole seconds.
    pub fn serialize<S: serde::Serializer>(
        value: &Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.as_secs())
    }

    /// Reads whole seconds.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Duration, D::Error> {
        let secs: u64 = serde::Deserialize::deserialize(deserializer)?;
        Ok(Duration::from_secs(secs))
    }
}

/// An optional `Duration` as whole seconds.
pub mod option_duration_secs {
    use std::time::Duration;

    /// Writes whole seconds.
    pub fn serialize<S: serde::Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_some(&value.as_secs()),
            None => serializer.serialize_none(),
        }
    }

    /// Reads whole seconds.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let secs: Option<u64> = serde::Deserialize::deserialize(deserializer)?;
        Ok(secs.map(Duration::from_secs))
    }
}

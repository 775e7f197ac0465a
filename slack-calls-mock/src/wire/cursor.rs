//! Cursor pagination in the fake, as Slack does it: a page of at most
//! `limit` items, and an opaque `response_metadata.next_cursor` to ask for
//! the next one (empty after the last). A cursor is only good for the list
//! it was made for (the method and, say, the channel); any other text is
//! answered with `invalid_cursor`. A `limit` over 1,000 is taken as 1,000,
//! and one of 0 or less as the default 100, never refused (Slack's
//! pagination page: the limit is adjusted).

use serde_json::{Value, json};

use slack_calls::method::{MethodInfo, Pagination};

use crate::wire::answer::SlackError;
use crate::wire::params::Params;

/// Slack's page size when `limit` is left out.
const DEFAULT_LIMIT: usize = 100;
/// The largest `limit` Slack takes.
const MAX_LIMIT: i64 = 1000;

/// The cursor of the page that starts at `offset` of the list `scope`:
/// the offset and a check number, neither meant to be read.
fn cursor(scope: &str, offset: usize) -> String {
    format!("{offset:x}g{:012x}", check(scope, offset))
}

fn check(scope: &str, offset: usize) -> u64 {
    scope
        .bytes()
        .chain(offset.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
        & 0xffff_ffff_ffff
}

/// The offset a cursor made by [`cursor`] for `scope` stands for.
fn offset_of(scope: &str, text: &str) -> Option<usize> {
    let (offset, _) = text.split_once('g')?;
    let offset = usize::from_str_radix(offset, 16).ok()?;
    (cursor(scope, offset) == text).then_some(offset)
}

/// One page of `items` as the params ask (`cursor`, `limit`), and the
/// cursor of the next page (empty after the last).
pub(crate) fn page<T: Clone>(
    pages: &Pagination,
    params: &Params,
    scope: &str,
    items: &[T],
) -> Result<(Vec<T>, String), SlackError> {
    // Slack adjusts a `limit` it cannot serve rather than refusing it
    // (its pagination page): above the maximum is the maximum; zero or
    // less is the default page (the fake's choice of "something
    // sensible").
    let limit = match pages.limit.and_then(|name| params.int(name)) {
        Some(n @ 1..) => usize::try_from(n.min(MAX_LIMIT)).unwrap_or(DEFAULT_LIMIT),
        None | Some(_) => DEFAULT_LIMIT,
    };
    let start = match params.text(pages.cursor).map(str::trim) {
        None | Some("") => 0,
        Some(text) => offset_of(scope, text)
            .filter(|offset| *offset <= items.len())
            .ok_or_else(|| {
                SlackError::new("invalid_cursor").because("the cursor is not one the fake gave")
            })?,
    };
    let end = start.saturating_add(limit).min(items.len());
    let next = if end < items.len() {
        cursor(scope, end)
    } else {
        String::new()
    };
    Ok((items[start..end].to_vec(), next))
}

/// The answer to a paginated method no family claims: the items of the
/// spec's `example_response`, served a page at a time.
pub(crate) fn example_page(
    method: &MethodInfo,
    pages: &Pagination,
    params: &Params,
    mut body: Value,
) -> Result<Value, SlackError> {
    let items = match body.get(pages.items) {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let (page, next) = page(pages, params, method.name, &items)?;
    if let Value::Object(fields) = &mut body {
        fields.insert(pages.items.to_owned(), Value::Array(page));
        fields.insert(
            "response_metadata".to_owned(),
            json!({ "next_cursor": next }),
        );
    }
    Ok(body)
}

/// The answer body of one page: `{"ok": true, <items>: [...],
/// "response_metadata": {"next_cursor": ...}}`.
pub(crate) fn body(items_field: &str, page: Vec<Value>, next: String) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("ok".to_owned(), Value::Bool(true));
    body.insert(items_field.to_owned(), Value::Array(page));
    body.insert(
        "response_metadata".to_owned(),
        json!({ "next_cursor": next }),
    );
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        let text = cursor("conversations.members C1", 200);
        assert_eq!(offset_of("conversations.members C1", &text), Some(200));
        assert_eq!(offset_of("conversations.members C2", &text), None);
        assert_eq!(
            offset_of("conversations.members C1", "c8g000000000000"),
            None
        );
        assert_eq!(offset_of("conversations.members C1", "garbage"), None);
        assert_eq!(offset_of("conversations.members C1", ""), None);
    }
}

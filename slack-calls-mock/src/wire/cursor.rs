//! Pagination in the fake, as Slack does it: by cursor, a page of at most
//! `limit` items and an opaque next cursor where the spec says Slack puts
//! it (`response_metadata.next_cursor`, empty after the last page, or a
//! field such as `cursor_next`, absent after the last); by page number, the
//! page `page` of `count` items and the number of pages. A cursor is only
//! good for the list it was made for (the method and, say, the channel);
//! any other text is answered with `invalid_cursor`. A `limit` over 1,000
//! is taken as 1,000, and one of 0 or less as the default 100, never
//! refused (Slack's pagination page: the limit is adjusted).

use serde_json::{Value, json};

use slack_calls::method::{MethodInfo, PageBy, Pagination};

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
    let (param, first) = match pages.by {
        PageBy::Cursor { param, first, .. } => (param, first),
        PageBy::Number { .. } => ("cursor", None),
    };
    let start = match params.text(param).map(str::trim) {
        None | Some("") => 0,
        Some(text) if Some(text) == first => 0,
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
/// spec's `example_response` (at the spec's path, such as
/// `messages.matches`), served a page at a time as the spec pages them.
pub(crate) fn example_page(
    method: &MethodInfo,
    pages: &Pagination,
    params: &Params,
    mut body: Value,
) -> Result<Value, SlackError> {
    let items = match pointer(&mut body, pages.items) {
        Some(Value::Array(items)) => std::mem::take(items),
        _ => Vec::new(),
    };
    let page = match pages.by {
        PageBy::Cursor { next: at, .. } => {
            let (page, next) = page(pages, params, method.name, &items)?;
            set_next(&mut body, at, next);
            page
        }
        PageBy::Number { param, pages: at } => {
            let (page, count) = numbered(pages.limit, param, params, &items);
            place(&mut body, at, json!(count));
            page
        }
    };
    place(&mut body, pages.items, Value::Array(page));
    Ok(body)
}

/// Slack's page size for page-number paging when `count` is left out.
const DEFAULT_COUNT: i64 = 100;

/// Page `page` (from 1; less counts as 1) of `count` items a page, and how
/// many pages there are (at least 1, as Slack says of an empty list).
fn numbered<T: Clone>(
    limit: Option<&str>,
    page_param: &str,
    params: &Params,
    items: &[T],
) -> (Vec<T>, usize) {
    let count = limit
        .and_then(|name| params.int(name))
        .filter(|count| *count > 0)
        .unwrap_or(DEFAULT_COUNT);
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let number = params.int(page_param).unwrap_or(1).max(1);
    let number = usize::try_from(number).unwrap_or(usize::MAX);
    let pages = items.len().div_ceil(count).max(1);
    let start = (number - 1).saturating_mul(count).min(items.len());
    let end = start.saturating_add(count).min(items.len());
    (items[start..end].to_vec(), pages)
}

/// The value at a dotted path of objects, if every step is there.
fn pointer<'v>(body: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.')
        .try_fold(body, |value, key| value.get_mut(key))
}

/// Puts `value` at a dotted path, making the objects on the way.
fn place(body: &mut Value, path: &str, value: Value) {
    let mut at = body;
    let mut keys = path.split('.').peekable();
    while let Some(key) = keys.next() {
        let Value::Object(fields) = at else { return };
        if keys.peek().is_none() {
            fields.insert(key.to_owned(), value);
            return;
        }
        at = fields
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

/// The next cursor at its path: Slack's `response_metadata.next_cursor` is
/// there on every page, empty after the last; a cursor of the method's own
/// (`cursor_next`) is left out after the last.
fn set_next(body: &mut Value, at: &str, next: String) {
    if next.is_empty() && at != "response_metadata.next_cursor" {
        if let Some((parent, key)) = at.rsplit_once('.') {
            if let Some(Value::Object(fields)) = pointer(body, parent) {
                fields.remove(key);
            }
        } else if let Value::Object(fields) = body {
            fields.remove(at);
        }
        return;
    }
    place(body, at, Value::String(next));
}

/// The answer body of one page: `{"ok": true, <items>: [...]}` and the
/// next cursor where `pages` says it goes (see [`set_next`]).
pub(crate) fn body(pages: &Pagination, page: Vec<Value>, next: String) -> Value {
    let mut body = json!({ "ok": true });
    place(&mut body, pages.items, Value::Array(page));
    if let PageBy::Cursor { next: at, .. } = pages.by {
        set_next(&mut body, at, next);
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_count_pages_and_clamp_the_page() {
        let items: Vec<u32> = (1..=5).collect();
        let params = Params::from_ints(&[("page", 2), ("count", 2)]);
        assert_eq!(
            numbered(Some("count"), "page", &params, &items),
            (vec![3, 4], 3)
        );
        let params = Params::from_ints(&[("page", 9), ("count", 2)]);
        assert_eq!(
            numbered(Some("count"), "page", &params, &items),
            (vec![], 3)
        );
        let params = Params::from_ints(&[("page", -1)]);
        assert_eq!(
            numbered(Some("count"), "page", &params, &items),
            (items.clone(), 1)
        );
        assert_eq!(numbered::<u32>(None, "page", &params, &[]), (vec![], 1));
    }

    #[test]
    fn paths_reach_into_objects() {
        let mut body = json!({"ok": true, "messages": {"matches": [1, 2]}});
        assert_eq!(
            pointer(&mut body, "messages.matches"),
            Some(&mut json!([1, 2]))
        );
        place(&mut body, "messages.pagination.next_cursor", json!("c1"));
        assert_eq!(body["messages"]["pagination"]["next_cursor"], "c1");
        set_next(&mut body, "messages.pagination.next_cursor", String::new());
        assert_eq!(body["messages"]["pagination"], json!({}));
        set_next(&mut body, "response_metadata.next_cursor", String::new());
        assert_eq!(body["response_metadata"]["next_cursor"], "");
    }

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

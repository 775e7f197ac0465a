//! The fake pages each method as its spec says Slack does.
//!
//! `apps.event.authorizations.list` pages as Slack pages it (issue "Slack's
//! talk-back", difference 16 of `fake-vs-slack-inbound.md`): the next
//! page's cursor is `cursor_next`, beside `authorizations`, and the answer
//! has no `response_metadata`. Sources: Slack's method page
//! (docs.slack.dev/reference/methods/apps.event.authorizations.list,
//! "output": `cursor_next`, "The next cursor for use in pagination. If
//! present, pass this in subsequent calls", and no `response_metadata`),
//! and java-slack-sdk's `AppsEventAuthorizationsListResponse` (field
//! `cursorNext`, no response metadata).

use crate::fake_support::event_context::event_context;
use crate::fake_support::raw_http::post_form;

use slack_calls::{StarredItem, TokenKind};
use slack_calls_mock::{MockSlack, MockWorkspace};

const APP_TOKEN: &str = "xapp-1-A0MOCK-1-paging";

#[tokio::test]
async fn event_authorizations_name_the_next_page_cursor_next_without_response_metadata() {
    let mock = MockSlack::builder()
        .token(APP_TOKEN, TokenKind::Other, Vec::<String>::new())
        .workspace(MockWorkspace::new("T0SECOND", "Second").users(["U0SECOND"]))
        .start()
        .await
        .unwrap();
    // A context an event the fake sent carried: any other is
    // `invalid_event_context`.
    let context = event_context(&mock, "U0MOCK001", "C0MOCK001").await;
    let first = post_form(
        &mock,
        "apps.event.authorizations.list",
        Some(APP_TOKEN),
        &[("event_context", &context), ("limit", "1")],
    )
    .await;
    let body = first.json();
    assert!(first.ok(), "{body:?}");
    assert_eq!(body["authorizations"].as_array().map(Vec::len), Some(1));
    assert!(body.get("response_metadata").is_none(), "{body:?}");
    let next = body["cursor_next"]
        .as_str()
        .expect("a cursor_next")
        .to_owned();
    assert!(!next.is_empty());

    let last = post_form(
        &mock,
        "apps.event.authorizations.list",
        Some(APP_TOKEN),
        &[
            ("event_context", &context),
            ("limit", "1"),
            ("cursor", &next),
        ],
    )
    .await;
    let body = last.json();
    assert!(last.ok(), "{body:?}");
    assert_eq!(body["authorizations"][0]["team_id"], "T0SECOND");
    // The last page has no next page to name, and still no metadata.
    assert!(body.get("cursor_next").is_none(), "{body:?}");
    assert!(body.get("response_metadata").is_none(), "{body:?}");
}

/// `search.messages` has no family in the fake: it pages the matches of
/// the spec's example answer (Slack's, from the method page) at
/// `messages.matches`, by cursor at `messages.pagination.next_cursor`,
/// starting from `*`.
#[tokio::test]
async fn search_messages_pages_its_example_matches_by_nested_cursor() {
    let mock = MockSlack::builder()
        .token("xoxp-searcher", TokenKind::User, ["search:read"])
        .start()
        .await
        .unwrap();
    let client = mock.client("xoxp-searcher").unwrap();
    let mut items = client.search().messages("meaning").count(1).items();
    let mut texts = Vec::new();
    while let Some(found) = items.next().await {
        texts.push(found.unwrap().text.unwrap_or_default());
    }
    assert_eq!(
        texts,
        [
            "The meaning of life the universe and everything is 42.",
            "The meaning of life the universe and everything is 101010"
        ]
    );
    let requests = mock.requests_for("search.messages");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].param("cursor"), Some("*"));
}

/// `stars.list` has no family either: it pages the items of its example
/// answer by page number, `paging.pages` saying how many pages there are.
#[tokio::test]
async fn stars_list_pages_its_example_items_by_number() {
    let mock = MockSlack::builder()
        .token("xoxp-starrer", TokenKind::User, ["stars:read"])
        .start()
        .await
        .unwrap();
    let raw = post_form(&mock, "stars.list", Some("xoxp-starrer"), &[("page", "2")]).await;
    let body = raw.json();
    assert!(raw.ok(), "{body:?}");
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(body["paging"]["pages"], 1);

    let client = mock.client("xoxp-starrer").unwrap();
    let mut items = client.stars().list().items();
    let first = items.next().await.unwrap().unwrap();
    assert!(matches!(first, StarredItem::Message(_)), "{first:?}");
    assert!(items.next().await.is_none());
}

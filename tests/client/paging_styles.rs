//! Every paging style Slack uses, each reached by a spec edit alone and
//! streamed from a scripted server on 127.0.0.1 (issue 24, item 4), with
//! Slack's own answers from the method pages (docs.slack.dev/reference/methods/…):
//!
//! - `search.messages`: items at `messages.matches`, the cursor at
//!   `messages.pagination.next_cursor`, the first page asked for with `*`;
//! - `apps.event.authorizations.list`: the next cursor is `cursor_next`;
//! - `stars.list`: page numbers, `page`/`count` in, `paging.pages` out;
//! - `users.profile.set`: `profile` is a `map<json>`;
//! - a union item whose known tag does not fit is kept, with the reason
//!   in the value and a warning in the log.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::scripted_server::{Recorded, Reply, Server};
use crate::support::trace_capture::Captured;
use slack_calls::{Client, RateLimits, RetryPolicy, StarredItem};

fn client(server: &Server, token: &str) -> Client {
    Client::builder(token)
        .base_url(server.base_url())
        .rate_limits(RateLimits::off())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A param as sent: in the query string of a GET, the form body of a POST.
fn sent(request: &Recorded, name: &str) -> Option<String> {
    let query = request.query.as_deref().unwrap_or_default();
    crate::support::form_field(query, name).or_else(|| request.field(name))
}

/// One match of `search.messages` as the method page shows it.
fn search_match(ts: &str, text: &str) -> Value {
    json!({
        "channel": {"id": "C12345678", "is_private": false, "name": "general", "pending_shared": []},
        "iid": format!("iid-{ts}"),
        "permalink": "https://hitchhikers.slack.com/archives/C12345678/p1508284197000015",
        "team": "T12345678",
        "text": text,
        "ts": ts,
        "type": "message",
        "user": "U2U85N1RV",
        "username": "roach"
    })
}

#[tokio::test]
async fn search_messages_streams_nested_matches_by_its_nested_cursor() {
    let server = Server::start().await;
    let page = |matches: Vec<Value>, next: Option<&str>| {
        let mut pagination = json!({"first": 1, "last": 2, "page": 1, "page_count": 2, "per_page": 2, "total_count": 3});
        if let Some(next) = next {
            pagination["next_cursor"] = json!(next);
        }
        Reply::Json(
            json!({
                "ok": true,
                "query": "meaning of life",
                "messages": {"matches": matches, "pagination": pagination, "total": 3}
            })
            .to_string(),
        )
    };
    server.script(
        "search.messages",
        [
            page(
                vec![
                    search_match("1508284197.000015", "42"),
                    search_match("1508795665.000236", "101010"),
                ],
                Some("dXNlcjpVMDYxTkZUVDI="),
            ),
            page(vec![search_match("1508795665.000300", "forty-two")], None),
        ],
    );
    let client = client(&server, "xoxp-search");
    let mut items = client.search().messages("meaning of life").count(2).items();
    let mut texts = Vec::new();
    while let Some(found) = items.next().await {
        texts.push(found.unwrap().text.unwrap_or_default());
    }
    assert_eq!(texts, ["42", "101010", "forty-two"]);
    assert_eq!(items.pages_read(), 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "no page after the one without a cursor");
    // Slack's page: "For first call send `*`", then the `next_cursor`.
    assert_eq!(sent(&requests[0], "cursor").as_deref(), Some("*"));
    assert_eq!(
        sent(&requests[1], "cursor").as_deref(),
        Some("dXNlcjpVMDYxTkZUVDI=")
    );
    assert_eq!(sent(&requests[1], "count").as_deref(), Some("2"));
    assert_eq!(
        sent(&requests[1], "query").as_deref(),
        Some("meaning of life")
    );
}

#[tokio::test]
async fn search_messages_keeps_the_cursor_it_was_given() {
    let server = Server::start().await;
    server.script(
        "search.messages",
        [Reply::Json(
            json!({"ok": true, "query": "q", "messages": {"matches": [], "pagination": {}}})
                .to_string(),
        )],
    );
    let client = client(&server, "xoxp-search");
    let mut pages = client.search().messages("q").cursor("c7").pages();
    let page = pages.next().await.unwrap().unwrap();
    assert!(page.messages.matches.is_empty());
    assert!(pages.next().await.is_none());
    assert_eq!(sent(&server.requests()[0], "cursor").as_deref(), Some("c7"));
}

#[tokio::test]
async fn event_authorizations_page_by_cursor_next() {
    let server = Server::start().await;
    let page = |team: &str, next: Option<&str>| {
        let mut body = json!({
            "ok": true,
            "authorizations": [{"enterprise_id": null, "team_id": team, "user_id": "U0BOT", "is_bot": true, "is_enterprise_install": false}]
        });
        if let Some(next) = next {
            body["cursor_next"] = json!(next);
        }
        Reply::Json(body.to_string())
    };
    server.script(
        "apps.event.authorizations.list",
        [
            page("T1", Some("bmV4dA==")),
            page("T2", Some("")),
            page("T3", None),
        ],
    );
    let client = client(&server, "xapp-1-A1-1-paging");
    let mut items = client
        .apps()
        .event()
        .authorizations()
        .list("4-eyJldCI6Im1lc3NhZ2UifQ")
        .items();
    let mut teams = Vec::new();
    while let Some(item) = items.next().await {
        teams.push(item.unwrap().team_id.unwrap().to_string());
    }
    // An empty `cursor_next` ends the stream as a missing one does.
    assert_eq!(teams, ["T1", "T2"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(sent(&requests[0], "cursor"), None);
    assert_eq!(sent(&requests[1], "cursor").as_deref(), Some("bmV4dA=="));
}

/// A page of `stars.list` as the method page shows it: one saved message,
/// and `paging`.
fn stars_page(page: i64, pages: i64, items: Vec<Value>) -> Reply {
    Reply::Json(
        json!({
            "ok": true,
            "items": items,
            "paging": {"per_page": 1, "spill": 0, "page": page, "total": pages, "pages": pages}
        })
        .to_string(),
    )
}

fn starred_message(ts: &str) -> Value {
    json!({
        "type": "message",
        "channel": "C123ABC456",
        "message": {"type": "message", "subtype": "bot_message", "text": "", "ts": ts, "bot_id": "BSLACKBOT",
                    "attachments": [{"id": 1, "fallback": "some text"}]},
        "date_create": 1656014995
    })
}

#[tokio::test]
async fn stars_list_streams_page_numbers_until_the_last_page() {
    let server = Server::start().await;
    server.script(
        "stars.list",
        [
            stars_page(1, 3, vec![starred_message("1655762568.324229")]),
            stars_page(2, 3, vec![json!({"type": "channel", "channel": "C0SAVED", "date_create": 1656014996})]),
            stars_page(3, 3, vec![json!({"type": "file", "file": {"id": "F1", "name": "notes.txt", "size": 12}, "date_create": 1656014997})]),
        ],
    );
    // A fourth page would be an error: the stream must stop at `paging.pages`.
    server.set_default(Reply::error("unexpected_fourth_page"));
    let client = client(&server, "xoxp-stars");
    let mut items = client.stars().list().count(1).items();
    let mut tags = Vec::new();
    while let Some(item) = items.next().await {
        let item = item.unwrap();
        if let StarredItem::File(saved) = &item {
            assert_eq!(saved.file["name"], "notes.txt");
        }
        tags.push(item.tag().unwrap_or_default().to_owned());
    }
    assert_eq!(tags, ["message", "channel", "file"]);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        sent(&requests[0], "page"),
        None,
        "the first page as the request is set"
    );
    assert_eq!(sent(&requests[1], "page").as_deref(), Some("2"));
    assert_eq!(sent(&requests[2], "page").as_deref(), Some("3"));
    assert!(
        requests
            .iter()
            .all(|r| sent(r, "count").as_deref() == Some("1"))
    );
}

#[tokio::test]
async fn stars_list_starts_at_the_page_asked_for_and_stops_without_paging() {
    let server = Server::start().await;
    server.script(
        "stars.list",
        [stars_page(2, 3, vec![]), stars_page(3, 3, vec![])],
    );
    let client = client(&server, "xoxp-stars");
    let mut pages = client.stars().list().page(2).pages();
    while let Some(page) = pages.next().await {
        page.unwrap();
    }
    let requests = server.requests();
    assert_eq!(
        requests.iter().map(|r| sent(r, "page")).collect::<Vec<_>>(),
        [Some("2".to_owned()), Some("3".to_owned())]
    );

    // An answer without `paging` says nothing of more pages: one page.
    let server = Server::start().await;
    server.script(
        "stars.list",
        [Reply::Json(json!({"ok": true, "items": []}).to_string())],
    );
    server.set_default(Reply::error("unexpected_second_page"));
    let client = self::client(&server, "xoxp-stars");
    let mut pages = client.stars().list().pages();
    assert!(pages.next().await.unwrap().is_ok());
    assert!(pages.next().await.is_none());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_page_number_error_ends_the_stream_typed() {
    let server = Server::start().await;
    server.script(
        "stars.list",
        [stars_page(1, 2, vec![]), Reply::error("missing_argument")],
    );
    let client = client(&server, "xoxp-stars");
    let mut pages = client.stars().list().pages();
    assert!(pages.next().await.unwrap().is_ok());
    let err = pages.next().await.unwrap().unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&slack_calls::stars::ListError::MissingArgument)
    );
    assert!(pages.next().await.is_none());
}

#[tokio::test]
async fn users_profile_set_sends_open_values_as_one_json_object() {
    let server = Server::start().await;
    let example = slack_calls::users::profile::SET.example_response;
    server.script("users.profile.set", [Reply::Json(example.to_owned())]);
    let client = client(&server, "xoxp-profile");
    let fields = json!({"Xf0111111": {"value": "Barista", "alt": ""}});
    let response = client
        .users()
        .profile()
        .set()
        .profile([
            ("status_text", json!("In a Call")),
            ("status_expiration", json!(0)),
            ("fields", fields.clone()),
        ])
        .await
        .unwrap();
    // Slack's example answer decodes, its undeclared fields ignored.
    assert_eq!(response.profile.display_name.as_deref(), Some("john"));
    let sent_profile: BTreeMap<String, Value> =
        serde_json::from_str(&sent(&server.requests()[0], "profile").unwrap()).unwrap();
    assert_eq!(sent_profile["status_text"], "In a Call");
    assert_eq!(sent_profile["status_expiration"], 0);
    assert_eq!(sent_profile["fields"], fields);
}

#[test]
fn a_known_union_tag_that_does_not_fit_is_kept_with_its_reason_and_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .finish();
    // `channel` missing: not a StarredMessage, though `message` is a known tag.
    let odd = json!({"type": "message", "message": {"text": "hi"}, "date_create": 1656014995});
    let item: StarredItem = tracing::subscriber::with_default(subscriber, || {
        serde_json::from_value(odd.clone()).unwrap()
    });
    let StarredItem::Malformed(malformed) = &item else {
        panic!("expected Malformed, got {item:?}");
    };
    assert_eq!(malformed.value, odd);
    assert!(
        malformed.error.contains("missing field `channel`"),
        "{}",
        malformed.error
    );
    assert_eq!(item.tag(), Some("message"));
    // Sent back as it came.
    assert_eq!(serde_json::to_value(&item).unwrap(), odd);
    let log = captured.text();
    assert!(log.contains("WARN"), "{log}");
    assert!(log.contains("StarredItem"), "{log}");
    assert!(log.contains("missing field `channel`"), "{log}");
    assert!(!log.contains("hi"), "the value is not logged: {log}");

    // An unknown tag is still `Other`, without a warning.
    let before = captured.text().len();
    let unknown = json!({"type": "canvas", "date_create": 1});
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer({
            let writer = captured.clone();
            move || writer.clone()
        })
        .finish();
    let item: StarredItem = tracing::subscriber::with_default(subscriber, || {
        serde_json::from_value(unknown.clone()).unwrap()
    });
    assert_eq!(item, StarredItem::Other(unknown));
    assert_eq!(captured.text().len(), before);
}

#[tokio::test]
async fn a_malformed_item_does_not_end_the_stream() {
    let server = Server::start().await;
    let odd = json!({"type": "message", "date_create": "yesterday"});
    server.script(
        "stars.list",
        [stars_page(
            1,
            1,
            vec![odd.clone(), starred_message("1655762568.324229")],
        )],
    );
    let client = client(&server, "xoxp-stars");
    let mut seen = Vec::new();
    let mut items = client.stars().list().items();
    while let Some(item) = items.next().await {
        seen.push(item.unwrap());
    }
    assert_eq!(seen.len(), 2);
    assert!(matches!(&seen[0], StarredItem::Malformed(m) if m.value == odd));
    assert!(matches!(&seen[1], StarredItem::Message(_)));
}

//! The exact bytes each generated method puts on the wire: path, auth
//! header, content type, every form field, `users` as one JSON string, and
//! optional params absent when unset.

use std::time::Duration;

use crate::support::capture_server::{Capture, Captured};
use slack_calls::{CallUser, Timestamp};

const TOKEN: &str = "xoxp-1111-2222-wiretest";

const CALL: &str = r#"{"ok":true,"call":{"id":"R0E69JAIF","date_start":1600000000,"external_unique_id":"u-1","join_url":"https://example.com/j"}}"#;

fn assert_common(request: &Captured, method: &str) {
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/api/{method}"));
    assert_eq!(request.query, None, "nothing goes in the URL");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded"),
        "no charset: Slack warns `superfluous_charset` otherwise"
    );
    assert!(
        !request.body.contains(TOKEN),
        "the token travels only in the header"
    );
}

fn fields(request: &Captured) -> Vec<(String, String)> {
    request.form()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn calls_add_with_required_params_only() {
    let server = Capture::start().await;
    server.answer(CALL);
    let client = server.client(TOKEN);
    let response = client
        .calls()
        .add(
            "025169F6-E37A-4E62-BB54-7F93A0FC4C1F",
            "https://example.com/calls/1",
        )
        .await
        .unwrap();
    assert_eq!(response.call.id, "R0E69JAIF");
    let request = server.only();
    assert_common(&request, "calls.add");
    assert_eq!(
        fields(&request),
        pairs(&[
            ("external_unique_id", "025169F6-E37A-4E62-BB54-7F93A0FC4C1F"),
            ("join_url", "https://example.com/calls/1"),
        ])
    );
}

#[tokio::test]
async fn calls_add_with_every_param() {
    let server = Capture::start().await;
    server.answer(CALL);
    let client = server.client(TOKEN);
    client
        .calls()
        .add("ext-1", "https://example.com/calls/1")
        .created_by("U0HRJ1GNB")
        .date_start(Timestamp::from_secs(1_600_000_000))
        .desktop_app_join_url("callapp://join/1")
        .external_display_id("705-292-868")
        .title("Kimpossible sync up")
        .users([
            CallUser::slack("U1H77"),
            CallUser::external("54321678", "External User")
                .with_avatar_url("https://example.com/a.png"),
        ])
        .send()
        .await
        .unwrap();
    let request = server.only();
    assert_common(&request, "calls.add");
    assert_eq!(
        fields(&request),
        pairs(&[
            ("external_unique_id", "ext-1"),
            ("join_url", "https://example.com/calls/1"),
            ("created_by", "U0HRJ1GNB"),
            ("date_start", "1600000000"),
            ("desktop_app_join_url", "callapp://join/1"),
            ("external_display_id", "705-292-868"),
            ("title", "Kimpossible sync up"),
            (
                "users",
                r#"[{"slack_id":"U1H77"},{"external_id":"54321678","display_name":"External User","avatar_url":"https://example.com/a.png"}]"#
            ),
        ])
    );
}

#[tokio::test]
async fn calls_end_sends_duration_in_seconds() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    client.calls().end("R0E69JAIF").await.unwrap();
    let request = server.only();
    assert_common(&request, "calls.end");
    assert_eq!(fields(&request), pairs(&[("id", "R0E69JAIF")]));

    client
        .calls()
        .end("R0E69JAIF")
        .duration(Duration::from_secs(1800))
        .await
        .unwrap();
    let request = server.only();
    assert_eq!(
        fields(&request),
        pairs(&[("id", "R0E69JAIF"), ("duration", "1800")])
    );
}

#[tokio::test]
async fn calls_info_sends_the_id() {
    let server = Capture::start().await;
    server.answer(CALL);
    let client = server.client(TOKEN);
    let info = client.calls().info("R0E69JAIF").await.unwrap();
    assert_eq!(info.call.join_url, "https://example.com/j");
    let request = server.only();
    assert_common(&request, "calls.info");
    assert_eq!(fields(&request), pairs(&[("id", "R0E69JAIF")]));
}

#[tokio::test]
async fn calls_update_sends_only_what_is_set() {
    let server = Capture::start().await;
    server.answer(CALL);
    let client = server.client(TOKEN);
    client
        .calls()
        .update("R0E69JAIF")
        .title("New title")
        .await
        .unwrap();
    let request = server.only();
    assert_common(&request, "calls.update");
    assert_eq!(
        fields(&request),
        pairs(&[("id", "R0E69JAIF"), ("title", "New title")])
    );

    client
        .calls()
        .update("R0E69JAIF")
        .join_url("https://example.com/2")
        .desktop_app_join_url("callapp://2")
        .await
        .unwrap();
    assert_eq!(
        fields(&server.only()),
        pairs(&[
            ("id", "R0E69JAIF"),
            ("join_url", "https://example.com/2"),
            ("desktop_app_join_url", "callapp://2"),
        ])
    );
}

#[tokio::test]
async fn participants_add_and_remove_send_users_as_json() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    let call_id = slack_calls::CallId::from("R0E69JAIF");
    client
        .calls()
        .participants()
        .add(&call_id, [CallUser::external("54321678", "External User")])
        .await
        .unwrap();
    let request = server.only();
    assert_common(&request, "calls.participants.add");
    assert_eq!(
        fields(&request),
        pairs(&[
            ("id", "R0E69JAIF"),
            (
                "users",
                r#"[{"external_id":"54321678","display_name":"External User"}]"#
            ),
        ])
    );

    client
        .calls()
        .participants()
        .remove(&call_id, vec![CallUser::slack("U1"), CallUser::slack("U2")])
        .await
        .unwrap();
    let request = server.only();
    assert_common(&request, "calls.participants.remove");
    assert_eq!(
        fields(&request),
        pairs(&[
            ("id", "R0E69JAIF"),
            ("users", r#"[{"slack_id":"U1"},{"slack_id":"U2"}]"#)
        ])
    );
}

#[tokio::test]
async fn form_values_are_percent_encoded() {
    let server = Capture::start().await;
    server.answer(CALL);
    let client = server.client(TOKEN);
    client
        .calls()
        .update("R0E69JAIF")
        .title("Q&A = 100% ünïcode + more")
        .await
        .unwrap();
    let request = server.only();
    assert!(
        request
            .body
            .contains("title=Q%26A+%3D+100%25+%C3%BCn%C3%AFcode+%2B+more"),
        "{}",
        request.body
    );
    assert_eq!(
        request.field("title").as_deref(),
        Some("Q&A = 100% ünïcode + more")
    );
}

#[tokio::test]
async fn a_comma_list_goes_as_one_comma_separated_field() {
    let server = Capture::start().await;
    server.answer(r#"{"ok":true,"channels":[],"response_metadata":{"next_cursor":""}}"#);
    let client = server.client(TOKEN);
    let page = client
        .conversations()
        .list()
        .types([
            slack_calls::ConversationType::PublicChannel,
            slack_calls::ConversationType::PrivateChannel,
        ])
        .limit(50)
        .await
        .unwrap();
    assert!(page.channels.is_empty());
    let request = server.only();
    // A GET method: the params go in the query string.
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/conversations.list");
    assert_eq!(
        request.query.as_deref(),
        Some("types=public_channel%2Cprivate_channel&limit=50")
    );
    // A JSON list would have been `["public_channel","private_channel"]`.
    assert!(!request.body.contains('['));
}

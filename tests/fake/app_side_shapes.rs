//! App-side answers shaped as Slack's (issue "Slack's talk-back", the
//! differences 9 to 14 of `fake-vs-slack-inbound.md`), checked on the
//! raw JSON: `chat.update` refuses text over 4,000 characters with
//! `msg_too_long` and a user ID for a DM with `channel_not_found` (Slack's
//! chat.update page), `users.info` has `updated` (OpenAPI `objs_user`
//! marks it required; the method page's example has it),
//! `conversations.info` has `name_normalized`, `topic` and `purpose`
//! (OpenAPI `objs_conversation`; the method page's example), a page's
//! `limit` out of range is adjusted (Slack's pagination page), and
//! `chat.unfurl` answers the codes its page lists.

use crate::fake_support::raw_http::post_form;

use slack_calls::TokenKind;
use slack_calls_mock::MockSlack;

const TOKEN: &str = "xoxb-shapes";

async fn mock() -> MockSlack {
    MockSlack::builder()
        .token(
            TOKEN,
            TokenKind::Bot,
            [
                "chat:write",
                "users:read",
                "channels:read",
                "groups:read",
                "im:read",
                "mpim:read",
            ],
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn chat_update_refuses_text_over_4000_characters() {
    let mock = mock().await;
    let posted = post_form(
        &mock,
        "chat.postMessage",
        Some(TOKEN),
        &[("channel", "C0MOCK001"), ("text", "first")],
    )
    .await;
    assert!(posted.ok(), "{:?}", posted.json());
    let ts = posted.json()["ts"].as_str().unwrap().to_owned();
    let update = |text: String| {
        let mock = &mock;
        let ts = ts.clone();
        async move {
            post_form(
                mock,
                "chat.update",
                Some(TOKEN),
                &[("channel", "C0MOCK001"), ("ts", &ts), ("text", &text)],
            )
            .await
        }
    };
    // 4,000 characters (multi-byte ones count as one) is the most.
    let at_most = update("é".repeat(4_000)).await;
    assert!(at_most.ok(), "{:?}", at_most.json());
    let over = update("a".repeat(4_001)).await;
    assert_eq!(over.error().as_deref(), Some("msg_too_long"));
    // Refused before acting: the message keeps the 4,000 characters (an
    // update with blocks only keeps the text, and answers it).
    let kept = post_form(
        &mock,
        "chat.update",
        Some(TOKEN),
        &[("channel", "C0MOCK001"), ("ts", &ts), ("blocks", "[]")],
    )
    .await;
    assert!(kept.ok(), "{:?}", kept.json());
    let text = kept.json()["message"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(text, "é".repeat(4_000));
}

#[tokio::test]
async fn users_info_has_updated_and_conversations_info_topic_purpose_and_name_normalized() {
    let mock = mock().await;
    let user = post_form(&mock, "users.info", Some(TOKEN), &[("user", "U0MOCK002")]).await;
    assert!(user.ok(), "{:?}", user.json());
    assert!(user.json()["user"]["updated"].is_i64(), "{:?}", user.json());

    let channel = post_form(
        &mock,
        "conversations.info",
        Some(TOKEN),
        &[("channel", "C0MOCK001")],
    )
    .await;
    assert!(channel.ok(), "{:?}", channel.json());
    let channel = &channel.json()["channel"];
    assert_eq!(channel["name_normalized"], channel["name"]);
    for field in ["topic", "purpose"] {
        assert_eq!(channel[field]["value"], "", "{field}: {channel}");
        assert!(channel[field]["creator"].is_string(), "{field}: {channel}");
        assert!(channel[field]["last_set"].is_i64(), "{field}: {channel}");
    }
}

// REF chat.update (`channel`: "For direct messages, ensure that this value
// is a DM ID (starts with `D`) instead of a User ID"; `channel_not_found`:
// "Value passed for `channel` was invalid").
#[tokio::test]
async fn chat_update_takes_a_dms_d_id_not_a_user_id_ref() {
    let mock = mock().await;
    // chat.postMessage takes the user id and posts in the DM.
    let posted = post_form(
        &mock,
        "chat.postMessage",
        Some(TOKEN),
        &[("channel", "U0MOCK002"), ("text", "hello")],
    )
    .await;
    assert!(posted.ok(), "{:?}", posted.json());
    let dm = posted.json()["channel"].as_str().unwrap().to_owned();
    assert!(dm.starts_with('D'), "{dm}");
    let ts = posted.json()["ts"].as_str().unwrap().to_owned();
    let update = |channel: &'static str| {
        let (mock, ts) = (&mock, ts.clone());
        async move {
            post_form(
                mock,
                "chat.update",
                Some(TOKEN),
                &[("channel", channel), ("ts", &ts), ("text", "changed")],
            )
            .await
        }
    };
    let by_user = update("U0MOCK002").await;
    assert_eq!(by_user.error().as_deref(), Some("channel_not_found"));
    let by_dm = update("D0MOCK002").await;
    assert!(by_dm.ok(), "{:?}", by_dm.json());
}

// PAGE (https://api.slack.com/apis/pagination): a `limit` past the maximum
// (1,000) is adjusted, not refused; so is one below 1. Every paged method
// of the fake shares the pager: conversations.list and
// conversations.members here.
#[tokio::test]
async fn a_limit_out_of_range_is_adjusted_not_refused_page() {
    let mock = mock().await;
    for method in ["conversations.list", "conversations.members"] {
        for limit in ["1001", "-5", "0", "100000"] {
            let raw = post_form(
                &mock,
                method,
                Some(TOKEN),
                &[("channel", "C0MOCK001"), ("limit", limit)],
            )
            .await;
            assert!(raw.ok(), "{method} limit={limit}: {:?}", raw.json());
            let items = if method == "conversations.list" {
                &raw.json()["channels"]
            } else {
                &raw.json()["members"]
            };
            assert!(!items.as_array().unwrap().is_empty(), "{method} {limit}");
        }
    }
}

// REF chat.unfurl: its errors for a missing or odd address, a missing
// `unfurls` or one that is not JSON, and a channel the token cannot see.
#[tokio::test]
async fn chat_unfurl_answers_the_errors_its_page_lists_ref() {
    let mock = MockSlack::builder()
        .token(TOKEN, TokenKind::Bot, ["links:write"])
        .start()
        .await
        .unwrap();
    let unfurls = r#"{"https://example.com/j/1":{"blocks":[]}}"#;
    for (fields, code) in [
        (
            vec![("channel", "C0MOCK001"), ("unfurls", unfurls)],
            "missing_ts",
        ),
        (
            vec![("unfurl_id", "C0MOCK001.1.1"), ("unfurls", unfurls)],
            "missing_source",
        ),
        (
            vec![("channel", "C0MOCK001"), ("ts", "1700000000.000001")],
            "missing_unfurls",
        ),
        (
            vec![
                ("unfurl_id", "C0MOCK001.1.1"),
                ("source", "message_composer"),
                ("unfurls", unfurls),
            ],
            "invalid_source",
        ),
        (
            vec![("source", "composer"), ("unfurls", unfurls)],
            "missing_unfurl_id",
        ),
        (
            vec![
                ("unfurl_id", "U0MOCK001-no-such-link"),
                ("source", "composer"),
                ("unfurls", unfurls),
            ],
            "invalid_unfurl_id",
        ),
        (
            vec![
                ("channel", "C0NOWHERE"),
                ("ts", "1700000000.000001"),
                ("unfurls", unfurls),
            ],
            "cannot_find_channel",
        ),
        (
            vec![
                ("channel", "C0MOCK001"),
                ("ts", "1700000000.000001"),
                ("unfurls", "not json"),
            ],
            "invalid_unfurls_format",
        ),
    ] {
        let raw = post_form(&mock, "chat.unfurl", Some(TOKEN), &fields).await;
        assert_eq!(
            raw.error().as_deref(),
            Some(code),
            "{fields:?}: {:?}",
            raw.json()
        );
    }
}

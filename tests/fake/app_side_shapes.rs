//! App-side answers shaped as Slack's (issue "Slack's talk-back", the
//! differences 10, 12 and 13 of `fake-vs-slack-inbound.md`), checked on the
//! raw JSON: `chat.update` refuses text over 4,000 characters with
//! `msg_too_long` (Slack's chat.update page), `users.info` has `updated`
//! (OpenAPI `objs_user` marks it required; the method page's example has
//! it), and `conversations.info` has `name_normalized`, `topic` and
//! `purpose` (OpenAPI `objs_conversation`; the method page's example).

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

//! `chat.postMessage` against the fake, through the typed client: a `call`
//! block posts the Call in the channel (visible in `calls.info`), and an
//! unknown Call, an unknown channel or an empty message get Slack's codes.

use serde_json::json;
use slack_calls::chat::PostMessageError;
use slack_calls::{Block, CallBlock, ChannelId, Client, Error, RateLimits, TokenKind};
use slack_calls_mock::{LimitMode, MockSlack};

async fn start() -> Result<(MockSlack, Client), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .start()
        .await?;
    let client = mock
        .client_builder(mock.user_token())
        .rate_limits(RateLimits::off())
        .build()?;
    Ok((mock, client))
}

fn code<T: std::fmt::Debug>(result: Result<T, Error<PostMessageError>>) -> String {
    match result {
        Err(Error::Api { error, .. }) => format!("{:?}", error.code),
        other => format!("not an API error: {other:?}"),
    }
}

#[tokio::test]
async fn posting_a_call_block_adds_the_channel_to_the_call()
-> Result<(), Box<dyn std::error::Error>> {
    let (mock, client) = start().await?;
    let call = client
        .calls()
        .add("meeting-1", "https://example.com/j/1")
        .await?
        .call;
    assert!(call.channels.is_empty());

    let posted = client
        .chat()
        .post_message("C0MOCK001")
        .text("A call started")
        .blocks([Block::from(CallBlock::new(&call.id))])
        .await?;
    assert_eq!(posted.channel, ChannelId::from("C0MOCK001"));
    let message = posted.message.ok_or("the message comes back")?;
    assert_eq!(message.ts.as_ref(), Some(&posted.ts));
    assert!(matches!(&message.blocks[..], [Block::Call(b)] if b.call_id == call.id));

    // As Slack does: calls.info lists the channel, once per channel.
    client
        .chat()
        .post_message("C0MOCK002")
        .blocks([Block::from(CallBlock::new(&call.id))])
        .await?;
    client
        .chat()
        .post_message("C0MOCK001")
        .blocks([Block::from(CallBlock::new(&call.id))])
        .await?;
    let info = client.calls().info(&call.id).await?.call;
    assert_eq!(
        info.channels,
        [ChannelId::from("C0MOCK001"), ChannelId::from("C0MOCK002")]
    );
    assert_eq!(
        mock.call(call.id.as_str()).ok_or("stored")?.channels,
        ["C0MOCK001", "C0MOCK002"]
    );
    Ok(())
}

#[tokio::test]
async fn every_message_gets_its_own_ts() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let first = client.chat().post_message("C0MOCK001").text("one").await?;
    let second = client
        .chat()
        .post_message("C0MOCK001")
        .text("two")
        .thread_ts(first.ts.clone())
        .await?;
    assert_ne!(first.ts, second.ts);
    let reply = second.message.ok_or("the message comes back")?;
    assert_eq!(reply.thread_ts, Some(first.ts));
    Ok(())
}

#[tokio::test]
async fn other_blocks_reach_slack_unchanged() -> Result<(), Box<dyn std::error::Error>> {
    let (mock, client) = start().await?;
    let call = client
        .calls()
        .add("meeting-2", "https://example.com/j/2")
        .await?
        .call;
    let header = json!({"type": "header", "text": {"type": "plain_text", "text": "Standup"}});
    let posted = client
        .chat()
        .post_message("C0MOCK001")
        .blocks([
            Block::Other(header.clone()),
            Block::from(CallBlock::new(&call.id).with_block_id("the-call")),
        ])
        .await?;
    let sent = mock.requests_for("chat.postMessage");
    let blocks: serde_json::Value =
        serde_json::from_str(sent[0].param("blocks").ok_or("blocks sent")?)?;
    assert_eq!(
        blocks,
        json!([header, {"type": "call", "call_id": call.id.as_str(), "block_id": "the-call"}])
    );
    let message = posted.message.ok_or("the message comes back")?;
    // Slack gives every block a block_id; one sent is kept.
    let mut with_id = header;
    with_id["block_id"] = json!("b1");
    assert_eq!(message.blocks[0], Block::Other(with_id));
    match &message.blocks[1] {
        Block::Call(block) => assert_eq!(block.block_id.as_deref(), Some("the-call")),
        other => return Err(format!("expected a call block, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn an_unknown_call_is_invalid_blocks_and_changes_nothing()
-> Result<(), Box<dyn std::error::Error>> {
    let (mock, client) = start().await?;
    let call = client
        .calls()
        .add("meeting-3", "https://example.com/j/3")
        .await?
        .call;
    let result = client
        .chat()
        .post_message("C0MOCK001")
        .blocks([
            Block::from(CallBlock::new(&call.id)),
            Block::from(CallBlock::new("R0NOSUCHCAL")),
        ])
        .await;
    assert_eq!(code(result), "InvalidBlocks");
    assert!(
        mock.call(call.id.as_str())
            .ok_or("stored")?
            .channels
            .is_empty()
    );
    Ok(())
}

#[tokio::test]
async fn slack_codes_for_bad_messages() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let unknown_channel = client.chat().post_message("C0NOWHERE").text("hello").await;
    assert_eq!(code(unknown_channel), "ChannelNotFound");

    let empty = client.chat().post_message("C0MOCK001").await;
    assert_eq!(code(empty), "NoText");

    let untyped = client
        .chat()
        .post_message("C0MOCK001")
        .blocks([Block::Other(json!({"type": "call", "call": "R1"}))])
        .await;
    assert_eq!(code(untyped), "InvalidBlocks");
    Ok(())
}

#[tokio::test]
async fn a_block_without_a_type_is_refused_before_sending() -> Result<(), Box<dyn std::error::Error>>
{
    let (mock, client) = start().await?;
    let result = client
        .chat()
        .post_message("C0MOCK001")
        .blocks([Block::Other(json!({"text": "no type"}))])
        .await;
    assert!(
        matches!(result, Err(Error::InvalidRequest(_))),
        "{result:?}"
    );
    assert!(mock.requests_for("chat.postMessage").is_empty());
    Ok(())
}

#[tokio::test]
async fn malformed_blocks_on_the_wire_are_invalid_blocks_format()
-> Result<(), Box<dyn std::error::Error>> {
    let (mock, _client) = start().await?;
    let http = reqwest::Client::new();
    for blocks in [
        "not json",
        "{\"type\":\"call\"}",
        "[5]",
        "[{\"text\":\"no type\"}]",
    ] {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("channel", "C0MOCK001")
            .append_pair("blocks", blocks)
            .finish();
        let bytes = http
            .post(format!("{}chat.postMessage", mock.base_url()))
            .bearer_auth(mock.bot_token())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?
            .bytes()
            .await?;
        let answer: serde_json::Value = serde_json::from_slice(&bytes)?;
        assert_eq!(answer["ok"], false, "{blocks}");
        assert_eq!(
            answer["error"], "invalid_blocks_format",
            "{blocks}: {answer}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_channel_directory_can_be_replaced() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .channels(["C0TEAM"])
        .token("xoxb-poster", TokenKind::Bot, ["chat:write"])
        .start()
        .await?;
    let client = mock.client("xoxb-poster")?;
    client.chat().post_message("C0TEAM").text("hi").await?;
    let old = client.chat().post_message("C0MOCK001").text("hi").await;
    assert_eq!(code(old), "ChannelNotFound");
    Ok(())
}

#[tokio::test]
async fn a_thread_ts_that_is_not_a_ts_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let result = client
        .chat()
        .post_message("C0MOCK001")
        .text("reply")
        .thread_ts("yesterday")
        .await;
    assert_eq!(code(result), "Common(InvalidArguments)");
    Ok(())
}

/// A fake with Slack's limits on, and a client that does not pace itself,
/// so the fake's own per-channel pacing shows.
async fn start_paced() -> Result<(MockSlack, Client), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock
        .client_builder(mock.bot_token())
        .rate_limits(RateLimits::off())
        .build()?;
    Ok((mock, client))
}

#[tokio::test]
async fn channel_takes_an_id_a_name_or_a_user() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let by_name = client.chat().post_message("#general").text("a").await?;
    assert_eq!(by_name.channel, ChannelId::from("C0MOCK001"));
    let bare = client.chat().post_message("random").text("b").await?;
    assert_eq!(bare.channel, ChannelId::from("C0MOCK002"));
    // A user ID posts in the app's direct message with that user.
    let dm = client.chat().post_message("U0MOCK002").text("c").await?;
    assert_eq!(dm.channel, ChannelId::from("D0MOCK002"));
    let again = client.chat().post_message("D0MOCK002").text("d").await?;
    assert_eq!(again.channel, dm.channel);

    for unknown in ["#nowhere", "U0NOBODY1", "D0NOBODY1", "#C0MOCK001"] {
        let result = client.chat().post_message(unknown).text("e").await;
        assert_eq!(code(result), "ChannelNotFound", "{unknown}");
    }
    Ok(())
}

#[tokio::test]
async fn a_named_channel_of_another_workspace_is_its_own() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .channel_named("C0EXTRA01", "#extra")
        .workspace(
            slack_calls_mock::MockWorkspace::new("T0OTHER01", "Other")
                .users(["U0OTHER01"])
                .channel_named("C0OTHER01", "general")
                .token("xoxb-other", TokenKind::Bot, ["chat:write"]),
        )
        .start()
        .await?;
    let posted = mock
        .client(mock.bot_token())?
        .chat()
        .post_message("#extra")
        .text("x")
        .await?;
    assert_eq!(posted.channel, ChannelId::from("C0EXTRA01"));
    let other = mock
        .client("xoxb-other")?
        .chat()
        .post_message("#general")
        .text("x")
        .await?;
    assert_eq!(other.channel, ChannelId::from("C0OTHER01"));
    Ok(())
}

#[tokio::test]
async fn long_text_is_truncated_with_a_warning() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let posted = client
        .chat()
        .post_message("C0MOCK001")
        .text("é".repeat(40_001))
        .await?;
    let message = posted.message.ok_or("the message comes back")?;
    assert_eq!(message.text.ok_or("text")?.chars().count(), 40_000);
    assert!(
        posted
            .meta
            .warnings
            .iter()
            .any(|w| w == "message_truncated"),
        "{:?}",
        posted.meta.warnings
    );
    // Text of exactly 40,000 characters is kept whole, without a warning.
    let whole = client
        .chat()
        .post_message("C0MOCK002")
        .text("x".repeat(40_000))
        .await?;
    assert!(whole.meta.warnings.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_blocks_only_message_has_text_and_block_ids() -> Result<(), Box<dyn std::error::Error>> {
    let (_mock, client) = start().await?;
    let section = json!({"type": "section", "text": {"type": "mrkdwn", "text": "hi"}});
    let posted = client
        .chat()
        .post_message("C0MOCK001")
        .blocks([
            Block::Other(json!({"type": "divider", "block_id": "b1"})),
            Block::Other(section),
        ])
        .await?;
    let message = posted.message.ok_or("the message comes back")?;
    assert_eq!(
        message.text.as_deref(),
        Some("This content can't be displayed.")
    );
    let ids: Vec<String> = message
        .blocks
        .iter()
        .map(|block| match block {
            Block::Other(value) => value["block_id"].as_str().unwrap_or_default().to_owned(),
            Block::Call(call) => call.block_id.clone().unwrap_or_default(),
            _ => String::new(),
        })
        .collect();
    // The one sent is kept; the made-up one does not repeat it.
    assert_eq!(ids[0], "b1");
    assert!(!ids[1].is_empty() && ids[1] != "b1", "{ids:?}");
    Ok(())
}

#[tokio::test]
async fn a_bots_message_has_a_current_bots_shape() -> Result<(), Box<dyn std::error::Error>> {
    let (mock, client) = start().await?;
    let message = mock
        .client(mock.bot_token())?
        .chat()
        .post_message("C0MOCK001")
        .text("from the bot")
        .await?
        .message
        .ok_or("the message comes back")?;
    assert_eq!(message.subtype, None);
    assert_eq!(
        message.user.as_ref().map(|u| u.as_str()),
        Some("UB0MOCK001")
    );
    assert_eq!(message.bot_id.as_deref(), Some("B0MOCK001"));
    assert_eq!(message.team.as_deref(), Some("T0MOCK001"));
    let profile = message.bot_profile.ok_or("a bot profile")?;
    assert_eq!(profile.id, "B0MOCK001");
    assert_eq!(
        profile.app_id.as_deref(),
        Some(slack_calls_mock::DEMO_APP_ID)
    );

    // `client` has the user token.
    let as_user = client
        .chat()
        .post_message("C0MOCK001")
        .text("from a person")
        .await?
        .message
        .ok_or("the message comes back")?;
    assert_eq!(as_user.user.as_ref().map(|u| u.as_str()), Some("U0MOCK001"));
    assert_eq!(as_user.bot_id, None);
    assert_eq!(as_user.bot_profile, None);
    Ok(())
}

#[tokio::test]
async fn posting_is_paced_per_channel() -> Result<(), Box<dyn std::error::Error>> {
    let (mock, client) = start_paced().await?;
    for n in 0..3 {
        client
            .chat()
            .post_message("C0MOCK001")
            .text(format!("burst {n}"))
            .await?;
    }
    let over = client
        .chat()
        .post_message("C0MOCK001")
        .text("one more")
        .await;
    assert_eq!(code(over), "RateLimited");
    // Another channel has its own pace, and a DM too.
    client.chat().post_message("C0MOCK002").text("x").await?;
    client.chat().post_message("U0MOCK003").text("x").await?;
    // Once the window has passed on the fake's clock, posting goes on.
    mock.advance(std::time::Duration::from_secs(3));
    client
        .chat()
        .post_message("C0MOCK001")
        .text("later")
        .await?;
    Ok(())
}

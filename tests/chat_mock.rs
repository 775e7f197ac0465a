//! `chat.postMessage` against the fake, through the typed client: a `call`
//! block posts the Call in the channel (visible in `calls.info`), and an
//! unknown Call, an unknown channel or an empty message get Slack's codes.

use serde_json::json;
use slack_calls::chat::PostMessageError;
use slack_calls::mock::{LimitMode, MockSlack};
use slack_calls::{Block, CallBlock, ChannelId, Client, Error, RateLimits, TokenKind};

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
    assert_eq!(message.blocks[0], Block::Other(header));
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

    let long = client
        .chat()
        .post_message("C0MOCK001")
        .text("x".repeat(40_001))
        .await;
    assert_eq!(code(long), "MsgTooLong");

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

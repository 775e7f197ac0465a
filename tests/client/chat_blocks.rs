//! Typed blocks: a `call` block is a typed variant, every other block type
//! passes through whole, in both directions.

use serde_json::json;
use slack_calls::{Block, CallBlock, CallId, Check, Message};

#[test]
fn a_call_block_encodes_with_its_tag() -> Result<(), serde_json::Error> {
    let block = Block::from(CallBlock::new("R0E69JAIF"));
    assert_eq!(
        serde_json::to_value(&block)?,
        json!({"type": "call", "call_id": "R0E69JAIF"})
    );
    assert_eq!(block.tag(), Some("call"));
    Ok(())
}

#[test]
fn a_call_block_decodes_into_its_variant() -> Result<(), serde_json::Error> {
    let block: Block =
        serde_json::from_value(json!({"type": "call", "call_id": "R1", "block_id": "b1"}))?;
    let Block::Call(call) = block else {
        return Err(serde::de::Error::custom(format!(
            "expected a call block, got {block:?}"
        )));
    };
    assert_eq!(call.call_id, CallId::from("R1"));
    assert_eq!(call.block_id.as_deref(), Some("b1"));
    Ok(())
}

#[test]
fn other_block_types_pass_through_unchanged() -> Result<(), serde_json::Error> {
    let section = json!({
        "type": "section",
        "block_id": "s1",
        "text": {"type": "mrkdwn", "text": "*Standup* is on"},
        "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Join"}, "url": "https://example.com/j"}
    });
    let block: Block = serde_json::from_value(section.clone())?;
    assert_eq!(block, Block::Other(section.clone()));
    assert_eq!(block.tag(), Some("section"));
    assert_eq!(serde_json::to_value(&block)?, section);
    Ok(())
}

#[test]
fn a_call_block_that_does_not_fit_is_kept_whole() -> Result<(), serde_json::Error> {
    // `call_id` missing: not a CallBlock, so it is kept as it came, with
    // the reason.
    let odd = json!({"type": "call", "call": {"v1": {"id": "R1"}}});
    let block: Block = serde_json::from_value(odd.clone())?;
    let Block::Malformed(malformed) = &block else {
        panic!("expected Malformed, got {block:?}");
    };
    assert_eq!(malformed.value, odd);
    assert_eq!(malformed.error, "missing field `call_id`");
    assert_eq!(serde_json::to_value(&block)?, odd);
    Ok(())
}

#[test]
fn a_message_keeps_every_block_in_order() -> Result<(), serde_json::Error> {
    let blocks = json!([
        {"type": "header", "text": {"type": "plain_text", "text": "Call"}},
        {"type": "call", "call_id": "R9"},
        {"type": "divider"}
    ]);
    let message: Message = serde_json::from_value(
        json!({"type": "message", "ts": "1.000001", "text": "hi", "blocks": blocks, "unknown": 1}),
    )?;
    assert_eq!(message.blocks.len(), 3);
    assert!(matches!(&message.blocks[1], Block::Call(c) if c.call_id == "R9"));
    assert_eq!(serde_json::to_value(&message.blocks)?, blocks);
    Ok(())
}

#[test]
fn an_other_block_without_a_tag_fails_the_check() {
    assert!(Block::Other(json!({"type": "divider"})).check().is_ok());
    assert!(Block::Other(json!({"text": "no type"})).check().is_err());
    assert!(Block::Other(json!(5)).check().is_err());
    assert!(Block::Other(json!({"type": 3})).check().is_err());
}

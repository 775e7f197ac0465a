//! `chat.update` in the fake: changes a message `chat.postMessage` posted,
//! as Slack does. Only its poster may change it (`cant_update_message`);
//! leaving `blocks` out keeps the message's blocks, so a message with a
//! `call` block keeps its Call; an empty list removes them. A direct
//! message is named by its `D…` ID: a user ID is `channel_not_found`.

use serde_json::{Value, json};

/// The longest `text` chat.update takes (Slack's method page: 4,000
/// characters, else `msg_too_long`).
pub(crate) const MAX_UPDATE_TEXT_CHARS: usize = 4_000;

use slack_calls::TokenKind;

use crate::api::chat::{NO_TEXT_FALLBACK, resolve_channel, with_block_ids};
use crate::api::family::{Exchange, Family, no_param_error};
use crate::wire::answer::{Reply, SlackError};

/// The `chat.update` family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["chat.update"],
    reads_json: true,
    param_error: no_param_error,
    answer: |exchange| update(exchange).map(Reply::from),
};

fn update(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let Exchange {
        params,
        caller,
        workspace,
        workspace_index,
        state,
        ..
    } = exchange;
    let asked = params.text("channel").unwrap_or_default();
    // Slack's chat.update page: a direct message is named by its `D…` ID,
    // not by the user's `U…`/`W…` ID (which chat.postMessage takes);
    // anything else is "invalid", `channel_not_found`.
    if workspace.directory.contains(asked) && !workspace.channels.contains(asked) {
        return Err(SlackError::new("channel_not_found").because(format!(
            "`{asked}` is a user ID; name the direct message by its D… ID"
        )));
    }
    let Some(channel) = resolve_channel(asked, workspace) else {
        return Err(SlackError::new("channel_not_found")
            .because(format!("the workspace has no channel `{asked}`")));
    };
    let ts = params.text("ts").unwrap_or_default().to_owned();
    let text = params.text("text").filter(|t| !t.is_empty());
    let blocks = match params.json("blocks") {
        Some(Value::Array(blocks)) => Some(blocks.clone()),
        Some(_) => {
            return Err(SlackError::new("invalid_blocks_format")
                .because("blocks must be a JSON array of block objects"));
        }
        None => None,
    };
    if text.is_none() && blocks.is_none() {
        return Err(SlackError::new("no_text").because("give text, blocks, or both"));
    }
    // Slack's chat.update page: `msg_too_long` when the text is too long;
    // its `text` argument is documented to 4,000 characters (where
    // chat.postMessage truncates at 40,000 instead).
    if let Some(text) = text
        && text.chars().count() > MAX_UPDATE_TEXT_CHARS
    {
        return Err(SlackError::new("msg_too_long").because(format!(
            "text is {} characters; chat.update takes at most {MAX_UPDATE_TEXT_CHARS}",
            text.chars().count()
        )));
    }
    for (index, block) in blocks.iter().flatten().enumerate() {
        if block.get("type").and_then(Value::as_str) == Some("call") {
            let id = block
                .get("call_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if state.calls.get(id).is_none() {
                return Err(SlackError::new("invalid_blocks")
                    .because(format!("blocks[{index}]: no call has id `{id}`")));
            }
        }
    }
    let poster = match (caller.kind, caller.user) {
        (TokenKind::User, Some(user)) => user.to_owned(),
        _ => workspace.bot_user_id(),
    };
    let key = (workspace_index, channel.clone(), ts.clone());
    let Some(message) = state.messages.get_mut(&key) else {
        return Err(SlackError::new("message_not_found")
            .because(format!("no message has ts `{ts}` in `{channel}`")));
    };
    if message.get("user").and_then(Value::as_str) != Some(poster.as_str()) {
        return Err(SlackError::new("cant_update_message")
            .because("only the message's poster can change it"));
    }
    let Value::Object(fields) = message else {
        return Err(SlackError::new("internal_error").because("a kept message is not an object"));
    };
    match blocks {
        Some(blocks) if blocks.is_empty() => {
            fields.remove("blocks");
        }
        Some(blocks) => {
            for block in &blocks {
                if let Some(id) = block.get("call_id").and_then(Value::as_str)
                    && block.get("type").and_then(Value::as_str) == Some("call")
                {
                    state.calls.posted_in(id, &channel);
                }
            }
            fields.insert("blocks".into(), Value::Array(with_block_ids(blocks)));
        }
        None => {}
    }
    // Without `text` the message keeps its own.
    let text = match text {
        Some(text) => text.to_owned(),
        None => fields
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or(NO_TEXT_FALLBACK)
            .to_owned(),
    };
    fields.insert("text".into(), json!(text));
    fields.insert("edited".into(), json!({ "user": poster, "ts": ts }));
    let message = Value::Object(fields.clone());
    Ok(json!({ "ok": true, "channel": channel, "ts": ts, "text": text, "message": message }))
}

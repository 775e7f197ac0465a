//! `chat.postMessage` in the fake: checks the channel against the fake's
//! channel directory and the blocks against its Calls, and posting a `call`
//! block adds the channel to that Call's `channels`, as Slack does.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::answer::SlackError;
use super::call_store::CallStore;
use super::family::{Caller, Exchange, Family};
use super::params::{ParamProblem, Params, Problem};

/// The chat family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["chat.postMessage"],
    reads_json: true,
    param_error,
    answer: |exchange| {
        let Exchange {
            params,
            caller,
            workspace,
            state,
            now,
            ..
        } = exchange;
        post_message(
            params,
            &caller,
            &workspace.channels,
            &mut state.calls,
            &mut state.messages_posted,
            now,
        )
    },
};

/// The longest `text` Slack accepts.
pub(crate) const MAX_TEXT_CHARS: usize = 40_000;
/// The most blocks Slack accepts in one message.
pub(crate) const MAX_BLOCKS: usize = 50;

/// Slack's code for a param the generic checks refused, where Slack has a
/// more precise one than `invalid_arguments`.
fn param_error(method: &MethodInfo, problem: &ParamProblem) -> Option<SlackError> {
    let missing = matches!(
        problem.problem,
        Problem::Missing | Problem::MissingWithBotToken | Problem::TooFew { .. }
    );
    let code = match (method.name, problem.param) {
        ("chat.postMessage", "blocks") if !missing => "invalid_blocks_format",
        ("chat.postMessage", "channel") if !missing => "channel_not_found",
        _ => return None,
    };
    Some(SlackError::new(code).because(problem.describe()))
}

/// Posts a message. `seq` numbers the fake's messages, so every `ts` differs.
fn post_message(
    params: &Params,
    caller: &Caller<'_>,
    channels: &BTreeSet<String>,
    calls: &mut CallStore,
    seq: &mut u64,
    now: i64,
) -> Result<Value, SlackError> {
    let channel = params.text("channel").unwrap_or_default();
    if !channels.contains(channel) {
        return Err(SlackError::new("channel_not_found")
            .because(format!("the fake has no channel `{channel}`")));
    }
    let text = params.text("text").filter(|t| !t.is_empty());
    let blocks: Vec<Value> = match params.json("blocks") {
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(SlackError::new("invalid_blocks_format")
                .because("blocks must be a JSON array of block objects"));
        }
        None => Vec::new(),
    };
    if text.is_none() && blocks.is_empty() {
        return Err(SlackError::new("no_text").because("give text, blocks, or both"));
    }
    if let Some(text) = text
        && text.chars().count() > MAX_TEXT_CHARS
    {
        return Err(SlackError::new("msg_too_long")
            .because(format!("text is longer than {MAX_TEXT_CHARS} characters")));
    }
    if blocks.len() > MAX_BLOCKS {
        return Err(SlackError::new("invalid_blocks")
            .because(format!("a message holds at most {MAX_BLOCKS} blocks")));
    }
    // Check every block before changing anything.
    let mut call_ids: Vec<String> = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        let kind = block.get("type").and_then(Value::as_str);
        match kind {
            None => {
                return Err(SlackError::new("invalid_blocks_format")
                    .because(format!("blocks[{index}] has no `type`")));
            }
            Some("call") => {
                let Some(id) = block.get("call_id").and_then(Value::as_str) else {
                    return Err(SlackError::new("invalid_blocks")
                        .because(format!("blocks[{index}]: a call block needs `call_id`")));
                };
                if calls.get(id).is_none() {
                    return Err(SlackError::new("invalid_blocks")
                        .because(format!("blocks[{index}]: no call has id `{id}`")));
                }
                call_ids.push(id.to_owned());
            }
            Some(_) => {}
        }
    }
    for id in &call_ids {
        calls.posted_in(id, channel);
    }
    *seq += 1;
    let ts = format!("{now}.{:06}", *seq % 1_000_000);
    let mut message = Map::new();
    message.insert("type".into(), json!("message"));
    message.insert("ts".into(), json!(ts));
    match (caller.kind, caller.user) {
        (TokenKind::User, Some(user)) => {
            message.insert("user".into(), json!(user));
        }
        _ => {
            message.insert("subtype".into(), json!("bot_message"));
            message.insert("bot_id".into(), json!("B0MOCK001"));
        }
    }
    if let Some(text) = text {
        message.insert("text".into(), json!(text));
    }
    if !blocks.is_empty() {
        message.insert("blocks".into(), Value::Array(blocks));
    }
    if let Some(thread_ts) = params.text("thread_ts") {
        message.insert("thread_ts".into(), json!(thread_ts));
    }
    Ok(json!({ "ok": true, "channel": channel, "ts": ts, "message": Value::Object(message) }))
}

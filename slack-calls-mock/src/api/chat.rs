//! `chat.postMessage` in the fake, as Slack behaves: `channel` takes an
//! ID, a `#name` or a user ID (the app's direct message with that user);
//! a long `text` is truncated with the warning `message_truncated`; the
//! message always has `text` and a `block_id` on every block, and a bot's
//! message has the shape of a current bot's (`user`, `bot_id`,
//! `bot_profile`, `team`). Blocks are checked against the fake's Calls, and
//! posting a `call` block adds the channel to that Call's `channels`, as
//! Slack does. Posting is paced per channel.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use serde_json::{Map, Value, json};

use slack_calls::TokenKind;
use slack_calls::method::MethodInfo;

use crate::api::family::{Exchange, Family};
use crate::state::directory::WorkspaceConfig;
use crate::state::ratelimit::LimitMode;
use crate::wire::answer::{Reply, SlackError, add_metadata};
use crate::wire::params::{ParamProblem, Problem};

/// The chat family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["chat.postMessage"],
    reads_json: true,
    param_error,
    answer: |exchange| post_message(exchange).map(Reply::from),
};

/// The longest `text` Slack keeps; longer text is truncated (Slack's page,
/// warning `message_truncated`).
pub(crate) const MAX_TEXT_CHARS: usize = 40_000;
/// The most blocks Slack accepts in one message.
pub(crate) const MAX_BLOCKS: usize = 50;
/// The `text` of a message sent with blocks only, as Slack answers it.
pub(crate) const NO_TEXT_FALLBACK: &str = "This content can't be displayed.";
/// Per-channel pacing (the fake's choice of numbers; Slack says "1 message
/// per second to a specific channel" with "generous burst behavior"): at
/// most [`CHANNEL_BURST`] posts in any [`CHANNEL_WINDOW`] of the fake's
/// rate-limit clock, per (workspace, channel).
pub(crate) const CHANNEL_BURST: usize = 3;
/// See [`CHANNEL_BURST`].
pub(crate) const CHANNEL_WINDOW: Duration = Duration::from_secs(3);

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

/// The conversation ID `channel` names in `workspace`: a channel ID, a
/// channel name (with or without `#`), a user ID (the app's direct message
/// with that user: `D` and the user ID without its first letter, the
/// fake's choice) or such a direct message's ID.
pub(crate) fn resolve_channel(channel: &str, workspace: &WorkspaceConfig) -> Option<String> {
    if workspace.channels.contains(channel) {
        return Some(channel.to_owned());
    }
    let name = channel.strip_prefix('#').unwrap_or(channel);
    if let Some(id) = workspace.channel_names.get(name) {
        return Some(id.clone());
    }
    if channel.starts_with('#') {
        return None;
    }
    if workspace.directory.contains(channel) {
        return Some(dm_id(channel));
    }
    let rest = channel.strip_prefix('D')?;
    ["U", "W"]
        .iter()
        .any(|prefix| workspace.directory.contains(&format!("{prefix}{rest}")))
        .then(|| channel.to_owned())
}

/// The app's direct message with `user`: `D0MOCK002` for `U0MOCK002`.
pub(crate) fn dm_id(user: &str) -> String {
    format!("D{}", user.get(1..).unwrap_or_default())
}

/// Posts a message.
fn post_message(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let Exchange {
        params,
        caller,
        workspace,
        workspace_index,
        config,
        state,
        now,
        limit_now,
        ..
    } = exchange;
    let asked = params.text("channel").unwrap_or_default();
    let Some(channel) = resolve_channel(asked, workspace) else {
        return Err(SlackError::new("channel_not_found").because(format!(
            "the fake has no channel, channel name or user `{asked}` in workspace {}",
            workspace.team_id
        )));
    };
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
                if state.calls.get(id).is_none() {
                    return Err(SlackError::new("invalid_blocks")
                        .because(format!("blocks[{index}]: no call has id `{id}`")));
                }
                call_ids.push(id.to_owned());
            }
            Some(_) => {}
        }
    }

    // Per-channel pacing: a post over the limit is refused and not counted.
    if config.limit_mode != LimitMode::Off {
        let posts = state
            .channel_posts
            .entry((workspace_index, channel.clone()))
            .or_insert_with(VecDeque::new);
        while posts
            .front()
            .is_some_and(|at| limit_now.saturating_sub(*at) >= CHANNEL_WINDOW)
        {
            posts.pop_front();
        }
        if posts.len() >= CHANNEL_BURST {
            return Err(SlackError::new("rate_limited").because(format!(
                "the fake allows {CHANNEL_BURST} messages per channel in any {} seconds",
                CHANNEL_WINDOW.as_secs()
            )));
        }
        posts.push_back(limit_now);
    }

    for id in &call_ids {
        state.calls.posted_in(id, &channel);
    }
    state.messages_posted += 1;
    let ts = format!("{now}.{:06}", state.messages_posted % 1_000_000);

    let mut warnings: Vec<&str> = Vec::new();
    let text = match text {
        Some(text) if text.chars().count() > MAX_TEXT_CHARS => {
            warnings.push("message_truncated");
            text.chars().take(MAX_TEXT_CHARS).collect()
        }
        Some(text) => text.to_owned(),
        None => NO_TEXT_FALLBACK.to_owned(),
    };

    let mut message = Map::new();
    message.insert("type".into(), json!("message"));
    match (caller.kind, caller.user) {
        (TokenKind::User, Some(user)) => {
            message.insert("user".into(), json!(user));
        }
        _ => {
            let bot_id = workspace.bot_id();
            message.insert("user".into(), json!(workspace.bot_user_id()));
            message.insert("bot_id".into(), json!(bot_id));
            message.insert(
                "bot_profile".into(),
                json!({
                    "id": bot_id,
                    "app_id": config.app.app_id,
                    "name": config.app.name(),
                    "deleted": false,
                    "updated": now,
                    "team_id": workspace.team_id,
                }),
            );
        }
    }
    message.insert("team".into(), json!(workspace.team_id));
    message.insert("text".into(), json!(text));
    message.insert("ts".into(), json!(ts));
    if !blocks.is_empty() {
        message.insert("blocks".into(), Value::Array(with_block_ids(blocks)));
    }
    if let Some(thread_ts) = params.text("thread_ts") {
        message.insert("thread_ts".into(), json!(thread_ts));
    }
    state.messages.insert(
        (workspace_index, channel.clone(), ts.clone()),
        Value::Object(message.clone()),
    );
    let mut body =
        json!({ "ok": true, "channel": channel, "ts": ts, "message": Value::Object(message) });
    add_metadata::<&str, &str>(&mut body, &warnings, &[]);
    Ok(body)
}

/// The blocks with a `block_id` on each: those sent are kept, the others
/// get one unique within the message (Slack makes one up; the fake's are
/// `b1`, `b2`, ...).
pub(crate) fn with_block_ids(mut blocks: Vec<Value>) -> Vec<Value> {
    let mut taken: HashSet<String> = blocks
        .iter()
        .filter_map(|block| block.get("block_id").and_then(Value::as_str))
        .map(str::to_owned)
        .collect();
    let mut next = 0_usize;
    for block in &mut blocks {
        let Value::Object(map) = block else { continue };
        if map.get("block_id").and_then(Value::as_str).is_some() {
            continue;
        }
        let id = loop {
            next += 1;
            let id = format!("b{next}");
            if taken.insert(id.clone()) {
                break id;
            }
        };
        map.insert("block_id".into(), json!(id));
    }
    blocks
}

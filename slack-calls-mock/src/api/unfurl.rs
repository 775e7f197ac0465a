//! `chat.unfurl` in the fake: attaches unfurls to a message a fake user
//! posted ([`MockSlack::user_posts`](crate::MockSlack::user_posts)) or a
//! link a fake user is typing ([`MockSlack::user_types`](crate::MockSlack::user_types)),
//! named by `channel` + `ts` or by `unfurl_id` + `source`.
//!
//! Refusals, with the codes of Slack's chat.unfurl page:
//!
//! - no `unfurls`: `missing_unfurls`; `unfurls` that is not a JSON map of
//!   URLs to unfurls: `invalid_unfurls_format`;
//! - `channel` without `ts`: `missing_ts`; `ts` without `channel`:
//!   `missing_channel`; `unfurl_id` without `source`: `missing_source`;
//!   `source` without `unfurl_id`: `missing_unfurl_id`; none of them:
//!   `missing_channel` (the fake's choice);
//! - a `source` other than `composer` or `conversations_history`:
//!   `invalid_source`;
//! - a channel the token's workspace does not have: `cannot_find_channel`;
//! - a message the fake does not have there: `cannot_find_message`; an
//!   `unfurl_id` the fake did not give (or with another `source` than its
//!   link's): `invalid_unfurl_id`;
//! - a URL that is not a link of that message: `cannot_unfurl_message`;
//! - a `call` block must name a Call of the fake (else
//!   `cannot_parse_attachment`, the fake's choice of code); it attaches
//!   the Call to the message, so `calls.info` lists the channel.
//!
//! A repeated unfurl of a URL replaces the earlier one (Slack documents
//! that it modifies rather than adds), so resending is safe. A request
//! that fails changes nothing.

use serde_json::{Value, json};

use slack_calls::method::MethodInfo;

use crate::api::chat::resolve_channel;
use crate::api::family::{Exchange, Family};
use crate::talk_back::events::{COMPOSER, CONVERSATIONS_HISTORY};
use crate::wire::answer::{Reply, SlackError};
use crate::wire::params::{ParamProblem, Problem};

/// The unfurl family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["chat.unfurl"],
    reads_json: true,
    param_error,
    answer: |exchange| answer(exchange).map(Reply::from),
};

/// Slack's own codes for a param the generic checks refuse (REF
/// chat.unfurl): `missing_unfurls`, `invalid_unfurls_format`, and a
/// malformed `channel` or `ts` as one the token cannot find.
fn param_error(_: &MethodInfo, problem: &ParamProblem) -> Option<SlackError> {
    let missing = matches!(problem.problem, Problem::Missing);
    let code = match (problem.param, missing) {
        ("unfurls", true) => "missing_unfurls",
        ("unfurls", false) => "invalid_unfurls_format",
        ("channel", false) => "cannot_find_channel",
        ("ts", false) => "cannot_find_message",
        _ => return None,
    };
    Some(SlackError::new(code).because(problem.describe()))
}

/// How a request names its message: by `channel` and `ts`, or by
/// `unfurl_id` and `source`; each missing half is Slack's `missing_…`.
enum Address<'a> {
    Message { channel: &'a str, ts: &'a str },
    Link { unfurl_id: &'a str, source: &'a str },
}

fn address(params: &crate::wire::params::Params) -> Result<Address<'_>, SlackError> {
    let missing = |code: &str, what: &str| SlackError::new(code).because(what);
    let source = params.text("source");
    if let Some(source) = source
        && source != COMPOSER
        && source != CONVERSATIONS_HISTORY
    {
        return Err(SlackError::new("invalid_source").because(format!(
            "source is `{source}`; it is `{COMPOSER}` or `{CONVERSATIONS_HISTORY}`"
        )));
    }
    match (
        params.text("channel"),
        params.text("ts"),
        params.text("unfurl_id"),
        source,
    ) {
        (Some(channel), Some(ts), _, _) => Ok(Address::Message { channel, ts }),
        (Some(_), None, _, _) => Err(missing("missing_ts", "channel needs ts")),
        (None, Some(_), _, _) => Err(missing("missing_channel", "ts needs channel")),
        (None, None, Some(unfurl_id), Some(source)) => Ok(Address::Link { unfurl_id, source }),
        (None, None, Some(_), None) => Err(missing("missing_source", "unfurl_id needs source")),
        (None, None, None, Some(_)) => Err(missing("missing_unfurl_id", "source needs unfurl_id")),
        (None, None, None, None) => Err(missing(
            "missing_channel",
            "name the message with channel and ts, or unfurl_id and source",
        )),
    }
}

fn answer(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let Exchange {
        params,
        workspace,
        state,
        ..
    } = exchange;
    let team_id = workspace.team_id.as_str();
    // The generic checks made `unfurls` a JSON object of objects.
    let unfurls = match params.json("unfurls") {
        Some(Value::Object(map)) => map.clone(),
        _ => {
            return Err(SlackError::new("invalid_unfurls_format")
                .because("unfurls must be a JSON map of URLs to unfurls"));
        }
    };
    let message = match address(params)? {
        Address::Message { channel, ts } => {
            if resolve_channel(channel, workspace).as_deref() != Some(channel) {
                return Err(SlackError::new("cannot_find_channel")
                    .because(format!("the token's workspace has no channel `{channel}`")));
            }
            state
                .events
                .message_mut(team_id, channel, ts)
                .ok_or_else(|| {
                    SlackError::new("cannot_find_message")
                        .because("the fake has no message posted by a user with that address")
                })?
        }
        Address::Link { unfurl_id, source } => state
            .events
            .message_by_unfurl_id(team_id, unfurl_id)
            .filter(|message| message.source == source)
            .ok_or_else(|| {
                SlackError::new("invalid_unfurl_id")
                    .because("no link the fake shared has that unfurl_id with that source")
            })?,
    };
    let mut call_ids: Vec<String> = Vec::new();
    for (url, unfurl) in &unfurls {
        if !message.links.iter().any(|link| link == url) {
            return Err(SlackError::new("cannot_unfurl_message")
                .because(format!("`{url}` is not a link of the message")));
        }
        let blocks = unfurl.get("blocks").and_then(Value::as_array);
        for (index, block) in blocks.into_iter().flatten().enumerate() {
            if block.get("type").and_then(Value::as_str) != Some("call") {
                continue;
            }
            let id = block.get("call_id").and_then(Value::as_str).unwrap_or("");
            if state.calls.get(id).is_none() {
                return Err(SlackError::new("cannot_parse_attachment")
                    .because(format!("{url}: blocks[{index}] names no call of the fake")));
            }
            call_ids.push(id.to_owned());
        }
    }
    let channel = message.channel.clone();
    for (url, unfurl) in unfurls {
        message.unfurls.insert(url, unfurl);
    }
    for id in &call_ids {
        state.calls.posted_in(id, &channel);
    }
    Ok(json!({ "ok": true }))
}

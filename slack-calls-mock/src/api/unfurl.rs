//! `chat.unfurl` in the fake: attaches unfurls to a message a fake user
//! posted ([`MockSlack::user_posts`](crate::MockSlack::user_posts)), named
//! by `channel` + `ts` or by `unfurl_id` + `source`.
//!
//! - A message the fake does not have (in the token's workspace) is
//!   `cannot_find_message`.
//! - A URL that is not a link of that message is `cannot_unfurl_message`.
//! - A `call` block must name a Call of the fake (else
//!   `cannot_parse_attachment`, the fake's choice of code); it attaches
//!   the Call to the message, so `calls.info` lists the channel.
//! - A repeated unfurl of a URL replaces the earlier one (Slack documents
//!   that it modifies rather than adds), so resending is safe.
//! - A request that fails changes nothing.

use serde_json::{Value, json};

use crate::api::family::{Exchange, Family, no_param_error};
use crate::wire::answer::{Reply, SlackError};

/// The unfurl family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["chat.unfurl"],
    reads_json: true,
    param_error: no_param_error,
    answer: |exchange| answer(exchange).map(Reply::from),
};

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
    let message = match (
        params.text("channel"),
        params.text("ts"),
        params.text("unfurl_id"),
    ) {
        (Some(channel), Some(ts), _) => state.events.message_mut(team_id, channel, ts),
        (_, _, Some(unfurl_id)) => state.events.message_by_unfurl_id(team_id, unfurl_id),
        // `one_of` in the spec already refused this.
        _ => None,
    };
    let Some(message) = message else {
        return Err(SlackError::new("cannot_find_message")
            .because("the fake has no message posted by a user with that address"));
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

//! `conversations.info`, `conversations.members` and `conversations.list`
//! in the fake: answered from the workspace's channels and their members,
//! the lists a page at a time with opaque cursors.
//!
//! The kind of a channel comes from its ID, as Slack's IDs show it (the
//! fake's choice): `C…` a public channel, `G…` a private one, `D…` a direct
//! message.

use serde_json::{Value, json};

use slack_calls::method::Pagination;

use crate::api::family::{Exchange, Family, no_param_error};
use crate::state::directory::WorkspaceConfig;
use crate::wire::answer::{Reply, SlackError};
use crate::wire::cursor;

/// The conversations family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &[
        "conversations.info",
        "conversations.members",
        "conversations.list",
    ],
    // Slack's pages list form and query input only.
    reads_json: false,
    param_error: no_param_error,
    answer: |exchange| answer(&exchange).map(Reply::from),
};

/// When every fake channel was created (the fake's choice).
const CREATED: i64 = 1_449_252_889;

fn answer(exchange: &Exchange<'_>) -> Result<Value, SlackError> {
    let params = exchange.params;
    let workspace = exchange.workspace;
    let paging = exchange
        .method
        .pagination
        .unwrap_or(Pagination::cursor("cursor", "limit", "members"));
    match exchange.method.name {
        "conversations.members" => {
            let channel = known_channel(workspace, params.text("channel"))?;
            let scope = format!("conversations.members {channel}");
            let members = workspace.members_of(channel);
            let (page, next) = cursor::page(&paging, params, &scope, &members)?;
            let page = page.into_iter().map(Value::String).collect();
            Ok(cursor::body(&paging, page, next))
        }
        "conversations.info" => {
            let channel = known_channel(workspace, params.text("channel"))?;
            let mut info = conversation(workspace, channel);
            if params.json("include_num_members") == Some(&Value::Bool(true)) {
                info["num_members"] = json!(workspace.members_of(channel).len());
            }
            Ok(json!({ "ok": true, "channel": info }))
        }
        _ => {
            let types: Vec<&str> = match params.json("types") {
                Some(Value::Array(types)) if !types.is_empty() => {
                    types.iter().filter_map(Value::as_str).collect()
                }
                _ => vec!["public_channel"],
            };
            if let Some(bad) = types
                .iter()
                .find(|t| !matches!(**t, "public_channel" | "private_channel" | "mpim" | "im"))
            {
                return Err(SlackError::new("invalid_types")
                    .because(format!("`{bad}` is not a kind of conversation")));
            }
            let channels: Vec<Value> = workspace
                .channels
                .iter()
                .filter(|id| types.contains(&kind(id)))
                .map(|id| conversation(workspace, id))
                .collect();
            let scope = format!("conversations.list {}", types.join(","));
            let (page, next) = cursor::page(&paging, params, &scope, &channels)?;
            Ok(cursor::body(&paging, page, next))
        }
    }
}

/// The channel, if the workspace has it.
fn known_channel<'a>(
    workspace: &WorkspaceConfig,
    channel: Option<&'a str>,
) -> Result<&'a str, SlackError> {
    let channel = channel.unwrap_or_default();
    if workspace.channels.contains(channel) {
        Ok(channel)
    } else {
        Err(SlackError::new("channel_not_found")
            .because(format!("the workspace has no channel `{channel}`")))
    }
}

/// The kind of conversation an ID shows.
fn kind(id: &str) -> &'static str {
    match id.as_bytes().first() {
        Some(b'G') => "private_channel",
        Some(b'D') => "im",
        _ => "public_channel",
    }
}

/// A channel as Slack describes it.
fn conversation(workspace: &WorkspaceConfig, id: &str) -> Value {
    let kind = kind(id);
    let name = workspace.channel_name(id);
    let mut info = json!({
        "id": id,
        "is_channel": kind == "public_channel",
        "is_group": kind == "private_channel",
        "is_im": kind == "im",
        "is_mpim": false,
        "is_private": kind != "public_channel",
        "is_archived": false,
        "is_general": false,
        "is_shared": false,
        "is_ext_shared": false,
        "is_org_shared": false,
        "is_member": true,
        "created": CREATED,
        "context_team_id": workspace.team_id,
    });
    if kind != "im" {
        // Slack's conversation object (OpenAPI `objs_conversation`, the
        // conversations.info example): `name_normalized`, and a `topic` and
        // `purpose` even when empty.
        let empty = json!({ "value": "", "creator": "", "last_set": 0 });
        info["name_normalized"] = Value::String(name.clone());
        info["topic"] = empty.clone();
        info["purpose"] = empty;
        info["name"] = Value::String(name);
        if let Some(creator) = &workspace.acting_user {
            info["creator"] = Value::String(creator.clone());
        }
    }
    info
}

//! `users.lookupByEmail` in the fake: answers from the fake's user
//! directory, where every user has an email address.

use serde_json::{Value, json};

use crate::api::family::{Exchange, Family, no_param_error};
use crate::state::directory::WorkspaceConfig;
use crate::wire::answer::{Reply, SlackError};
use crate::wire::params::Params;

/// The users family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["users.lookupByEmail", "users.info"],
    // Slack's pages list form and query input only.
    reads_json: false,
    param_error: no_param_error,
    answer: |exchange| match exchange.method.name {
        "users.info" => info(&exchange).map(Reply::from),
        _ => lookup_by_email(exchange.params, exchange.workspace).map(Reply::from),
    },
};

/// The email a directory user gets unless the builder gives one:
/// `u0mock001@example.com` for `U0MOCK001`.
pub fn default_email(user_id: &str) -> String {
    format!("{}@example.com", user_id.to_lowercase())
}

/// A stable 44-bit number for a user id, for `avatar_hash`.
fn avatar_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    }) & 0xfff_ffff_ffff
}

/// Finds the user with this email (compared without regard to case) in the
/// workspace of the token.
fn lookup_by_email(params: &Params, workspace: &WorkspaceConfig) -> Result<Value, SlackError> {
    let email = params.text("email").unwrap_or_default();
    let Some((id, address)) = workspace.emails.get(&email.trim().to_lowercase()) else {
        return Err(SlackError::new("users_not_found")
            .because("no user of the fake's directory has that email address"));
    };
    Ok(json!({ "ok": true, "user": user(workspace, id, Some(address)) }))
}

/// A user of the workspace by ID; the email only for a token with
/// `users:read.email`, as Slack does.
fn info(exchange: &Exchange<'_>) -> Result<Value, SlackError> {
    let id = exchange.params.text("user").unwrap_or_default();
    let workspace = exchange.workspace;
    if !workspace.directory.contains(id) {
        return Err(SlackError::new("user_not_found")
            .because(format!("the fake's directory has no user `{id}`")));
    }
    let with_email = exchange
        .directory
        .tokens
        .get(exchange.caller.token)
        .is_some_and(|token| token.scopes.iter().any(|s| s == "users:read.email"));
    let address = workspace
        .emails
        .values()
        .find(|(user, _)| user == id)
        .map(|(_, address)| address.as_str())
        .filter(|_| with_email);
    Ok(json!({ "ok": true, "user": user(workspace, id, address) }))
}

/// When every fake user's profile last changed (Unix seconds).
const UPDATED: i64 = 1_700_000_000;

/// A directory user's full name, as `users.info` gives it.
pub(crate) fn real_name(id: &str) -> String {
    format!("Mock User {id}")
}

/// A directory user as Slack describes one.
fn user(workspace: &WorkspaceConfig, id: &str, address: Option<&str>) -> Value {
    let name = id.to_lowercase();
    let real_name = real_name(id);
    let mut user = json!({
            "id": id,
            "team_id": workspace.team_id,
            "name": name,
            "real_name": real_name,
            "deleted": false,
            "is_bot": false,
            "is_app_user": false,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            // Slack's user object always has `updated` (the OpenAPI
            // `objs_user` marks it required; the users.info example has
            // it); when the profile last changed is the fake's choice.
            "updated": UPDATED,
            // The fields Slack's schema marks as always present, then the
            // email and an avatar.
            "profile": {
                "real_name": real_name,
                "display_name": name,
                "avatar_hash": format!("g{:011x}", avatar_hash(id)),
                "real_name_normalized": real_name,
                "display_name_normalized": name,
                "title": "",
                "phone": "",
                "skype": "",
                "status_text": "",
                "status_emoji": "",
                "fields": {},
                "image_72": format!("https://example.com/avatars/{name}_72.png"),
            },
    });
    if let Some(address) = address {
        user["profile"]["email"] = json!(address);
    }
    user
}

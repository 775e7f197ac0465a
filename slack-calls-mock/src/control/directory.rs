//! The fake's directory: `GET` and `POST /_mock/workspaces`, and
//! `POST /_mock/users`, `/_mock/channels`, `/_mock/tokens` and
//! `/_mock/uninstall`, and `POST /_mock/install`.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use std::sync::Arc;

use crate::state::auth_state::InstallRefusal;
use crate::state::directory::{Directory, TokenEntry, WorkspaceConfig};
use crate::state::fake::FakeSlack;
use crate::state::workspace::{check_team_id, check_token, is_slack_id};
use crate::talk_back::events::unix_now;
use slack_calls::TokenKind;

use super::reply::{Answered, Refusal, ok};

/// `GET /_mock/workspaces`: each workspace with its users, channels and
/// tokens (kind and scopes only, never the text).
pub(super) fn workspaces(fake: &FakeSlack) -> Value {
    let directory = fake.directory();
    let mut tokens: Vec<Vec<&TokenEntry>> = vec![Vec::new(); directory.workspaces.len()];
    let mut entries: Vec<(&String, &TokenEntry)> = directory.tokens.iter().collect();
    // Sorted by text so the order is stable; the text itself is not sent.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (_, entry) in entries {
        if let Some(list) = tokens.get_mut(entry.workspace) {
            list.push(entry);
        }
    }
    let list: Vec<Value> = directory
        .workspaces
        .iter()
        .zip(tokens)
        .map(|(workspace, tokens)| {
            let users: Vec<Value> = workspace
                .directory
                .iter()
                .map(|id| {
                    let email = workspace
                        .emails
                        .values()
                        .find(|(user, _)| user == id)
                        .map(|(_, email)| email.clone());
                    json!({ "id": id, "email": email })
                })
                .collect();
            let tokens: Vec<Value> = tokens
                .into_iter()
                .map(|t| json!({ "kind": t.kind.to_string(), "scopes": t.scopes }))
                .collect();
            json!({
                "team_id": workspace.team_id,
                "name": workspace.name,
                "enterprise_id": workspace.enterprise,
                "users": users,
                "channels": workspace.channels,
                "tokens": tokens,
            })
        })
        .collect();
    json!({ "workspaces": list })
}

/// `POST /_mock/workspaces`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkspaceBody {
    team_id: String,
    name: String,
}

pub(super) fn add_workspace(fake: &FakeSlack, body: WorkspaceBody) -> Answered {
    check_team_id(&body.team_id).map_err(Refusal::bad)?;
    let mut directory = fake.directory_mut();
    if directory.workspace_index(&body.team_id).is_some() {
        return Err(Refusal::conflict(format!(
            "workspace {} is already there",
            body.team_id
        )));
    }
    directory
        .workspaces
        .push(WorkspaceConfig::empty(&body.team_id, &body.name));
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": body.team_id, "name": body.name }),
    ))
}

/// The workspace a body names, or the default one (the first).
fn workspace_of(directory: &Directory, team_id: Option<&str>) -> Result<usize, Refusal> {
    match team_id {
        None if !directory.workspaces.is_empty() => Ok(0),
        None => Err(Refusal::not_found(
            "team_not_found",
            "the fake has no workspace",
        )),
        Some(team) => directory.workspace_index(team).ok_or_else(|| {
            Refusal::not_found(
                "team_not_found",
                format!("the fake has no workspace {team}; add it with POST /_mock/workspaces"),
            )
        }),
    }
}

/// `POST /_mock/users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserBody {
    team_id: Option<String>,
    id: String,
    email: Option<String>,
}

pub(super) fn add_user(fake: &FakeSlack, body: UserBody) -> Answered {
    if !is_slack_id(&body.id) {
        return Err(Refusal::bad(format!(
            "`{}` is not a Slack user id (uppercase letters and digits, like U0HRJ1GNB)",
            body.id
        )));
    }
    if let Some(email) = &body.email
        && (email.trim().is_empty() || !email.contains('@'))
    {
        return Err(Refusal::bad(format!("`{email}` is not an email address")));
    }
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    let workspace = &mut directory.workspaces[index];
    if let Some(email) = &body.email
        && let Some((owner, _)) = workspace.emails.get(&email.trim().to_lowercase())
        && *owner != body.id
    {
        return Err(Refusal::conflict(format!(
            "{email} is already the address of {owner}"
        )));
    }
    workspace.add_user(&body.id, body.email.as_deref());
    let email = workspace
        .emails
        .values()
        .find(|(user, _)| *user == body.id)
        .map(|(_, email)| email.clone());
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": workspace.team_id, "id": body.id, "email": email }),
    ))
}

/// `POST /_mock/channels`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChannelBody {
    team_id: Option<String>,
    id: String,
}

pub(super) fn add_channel(fake: &FakeSlack, body: ChannelBody) -> Answered {
    if !is_slack_id(&body.id) {
        return Err(Refusal::bad(format!(
            "`{}` is not a Slack channel id (uppercase letters and digits, like C0123ABCD)",
            body.id
        )));
    }
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    let workspace = &mut directory.workspaces[index];
    workspace.channels.insert(body.id.clone());
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": workspace.team_id, "id": body.id }),
    ))
}

/// `POST /_mock/tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenBody {
    team_id: Option<String>,
    token: String,
    kind: String,
    #[serde(default)]
    scopes: Vec<String>,
}

pub(super) fn add_token(fake: &FakeSlack, body: TokenBody) -> Answered {
    check_token(&body.token).map_err(Refusal::bad)?;
    let kind = match body.kind.as_str() {
        "bot" => TokenKind::Bot,
        "user" => TokenKind::User,
        "other" => TokenKind::Other,
        other => {
            return Err(Refusal::bad(format!(
                "kind `{other}` is not bot, user or other"
            )));
        }
    };
    let scopes: Vec<String> = body
        .scopes
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    if let Some(existing) = directory.tokens.get(&body.token)
        && existing.workspace != index
    {
        // The message does not show the token.
        return Err(Refusal::conflict(
            "this token is a token of another workspace",
        ));
    }
    directory.tokens.insert(
        body.token,
        TokenEntry {
            kind,
            scopes: scopes.clone(),
            workspace: index,
            org_wide: None,
            expires_at: None,
        },
    );
    Ok((
        StatusCode::CREATED,
        json!({
            "team_id": directory.workspaces[index].team_id,
            "kind": kind.to_string(),
            "scopes": scopes,
        }),
    ))
}

/// `POST /_mock/uninstall`: the app leaves the workspace, and every token
/// it held there answers `token_revoked` from then on, exactly as after
/// `apps.uninstall`; a registered app gets `app_uninstalled` and
/// `tokens_revoked` (one implementation: `AuthState::uninstall`, then
/// `FakeSlack::send_uninstall_events`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UninstallBody {
    team_id: Option<String>,
    /// An org-wide install's organization, instead of `team_id`.
    enterprise_id: Option<String>,
}

pub(super) fn uninstall(fake: &Arc<FakeSlack>, body: UninstallBody) -> Answered {
    let team_id = match (body.team_id, body.enterprise_id) {
        (Some(team_id), None) => team_id,
        (None, Some(org)) => return super::oauth::uninstall_org(fake, &org),
        _ => {
            return Err(Refusal::bad(
                "give exactly one of team_id (a workspace) and enterprise_id (an org-wide install)",
            ));
        }
    };
    let body = UninstallTeam { team_id };
    let directory = fake.directory();
    let index = workspace_of(&directory, Some(&body.team_id))?;
    let revoked = fake.lock().auth.uninstall(&directory, index, unix_now());
    drop(directory);
    let event_ids = fake.send_uninstall_events();
    Ok(ok(json!({
        "team_id": body.team_id,
        "tokens_revoked": revoked,
        "event_ids": event_ids,
    })))
}

struct UninstallTeam {
    team_id: String,
}

/// `POST /_mock/install`: the code an install hands out, as
/// `MockSlack::start_install` (one implementation: `AuthState::start_install`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InstallBody {
    team_id: String,
    #[serde(default)]
    bot_scopes: Vec<String>,
    #[serde(default)]
    user_scopes: Vec<String>,
}

pub(super) fn install(fake: &FakeSlack, body: InstallBody) -> Answered {
    let directory = fake.directory();
    let mut state = fake.lock();
    let now = fake.clock.now(state.advanced);
    let code = state
        .auth
        .start_install(
            &directory,
            &body.team_id,
            body.bot_scopes,
            body.user_scopes,
            now,
        )
        .map_err(|refusal| match refusal {
            InstallRefusal::UnknownTeam(_) => Refusal::not_found(
                "team_not_found",
                format!("{refusal}; add it with POST /_mock/workspaces"),
            ),
            InstallRefusal::NoUser(_) => {
                Refusal::conflict(format!("{refusal}; add one with POST /_mock/users"))
            }
            InstallRefusal::NoScopes => Refusal::bad(refusal.to_string()),
        })?;
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": body.team_id, "code": code }),
    ))
}

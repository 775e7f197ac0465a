//! The install side of the control API: `GET` and `POST /_mock/oauth` (the
//! app's Redirect URLs, the fake user's answer to the consent page,
//! whether installs into an organization are org-wide, token rotation and
//! the refresh tokens' grace period) and
//! `POST /_mock/enterprises` (an Enterprise Grid organization of
//! workspaces). Each runs the same code as its `MockSlack` method. No
//! answer holds a code or a token.

use std::sync::Arc;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::authorize::check_redirect_urls;
use crate::state::auth_state::ConsentAnswer;
use crate::state::fake::FakeSlack;
use crate::state::workspace::check_enterprise_id;

use super::reply::{Answered, Refusal, ok};

/// What `GET /_mock/oauth` shows.
fn oauth_json(fake: &FakeSlack) -> Value {
    let state = fake.lock();
    let auth = &state.auth;
    let mut org_installs: Vec<&String> = auth.org_installs.iter().collect();
    org_installs.sort();
    json!({
        "authorize_url": format!("http://{}/oauth/v2/authorize", fake.config.addr),
        // Slack: the client id "can be shared freely"; the secret is not shown.
        "client_id": fake.config.app.client_id,
        "redirect_urls": auth.redirect_urls,
        "consent": auth.consent.as_str(),
        "org_wide": auth.org_wide,
        "org_installs": org_installs,
        "consents_waiting": auth.consents.len(),
        "token_rotation": auth.rotation.on,
        "refresh_grace_secs": auth.rotation.grace.as_secs(),
    })
}

/// `GET /_mock/oauth`.
pub(super) fn oauth(fake: &FakeSlack) -> Value {
    oauth_json(fake)
}

/// `POST /_mock/oauth`: every field optional; what is given is set.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OauthBody {
    redirect_urls: Option<Vec<String>>,
    consent: Option<String>,
    org_wide: Option<bool>,
    token_rotation: Option<bool>,
    refresh_grace_secs: Option<u64>,
}

pub(super) fn set_oauth(fake: &FakeSlack, body: OauthBody) -> Answered {
    let consent =
        match body.consent.as_deref() {
            None => None,
            Some(name) => Some(ConsentAnswer::from_name(name).ok_or_else(|| {
                Refusal::bad(format!("consent `{name}` is not ask, allow or deny"))
            })?),
        };
    let urls = match body.redirect_urls {
        None => None,
        Some(urls) => Some(check_redirect_urls(urls).map_err(Refusal::bad)?),
    };
    {
        let mut state = fake.lock();
        if let Some(consent) = consent {
            state.auth.consent = consent;
        }
        if let Some(urls) = urls {
            state.auth.redirect_urls = urls;
        }
        if let Some(org_wide) = body.org_wide {
            state.auth.org_wide = org_wide;
        }
        if let Some(on) = body.token_rotation {
            state.auth.rotation.on = on;
        }
        if let Some(secs) = body.refresh_grace_secs {
            state.auth.rotation.grace = std::time::Duration::from_secs(secs);
        }
    }
    Ok(ok(oauth_json(fake)))
}

/// `POST /_mock/enterprises`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EnterpriseBody {
    enterprise_id: String,
    name: String,
    team_ids: Vec<String>,
}

pub(super) fn add_enterprise(fake: &FakeSlack, body: EnterpriseBody) -> Answered {
    check_enterprise_id(&body.enterprise_id).map_err(Refusal::bad)?;
    let mut directory = fake.directory_mut();
    directory
        .set_enterprise(&body.enterprise_id, &body.name, &body.team_ids)
        .map_err(|message| {
            if message.contains("no workspace") {
                Refusal::not_found(
                    "team_not_found",
                    format!("{message}; add it with POST /_mock/workspaces"),
                )
            } else {
                Refusal::conflict(message)
            }
        })?;
    let team_ids: Vec<&String> = directory
        .workspaces
        .iter()
        .filter(|w| w.enterprise.as_deref() == Some(body.enterprise_id.as_str()))
        .map(|w| &w.team_id)
        .collect();
    Ok((
        StatusCode::CREATED,
        json!({
            "enterprise_id": body.enterprise_id,
            "name": body.name,
            "team_ids": team_ids,
        }),
    ))
}

/// `POST /_mock/uninstall` with `enterprise_id`: the org-wide install
/// leaves the organization.
pub(super) fn uninstall_org(fake: &Arc<FakeSlack>, enterprise_id: &str) -> Answered {
    match fake.uninstall_org_app(enterprise_id) {
        Ok((revoked, event_ids)) => Ok(ok(json!({
            "enterprise_id": enterprise_id,
            "tokens_revoked": revoked,
            "event_ids": event_ids,
        }))),
        Err(crate::talk_back::events::UserActionError::UnknownTeam(_)) => Err(Refusal::not_found(
            "team_not_found",
            format!(
                "the fake has no organization {enterprise_id}; add it with POST /_mock/enterprises"
            ),
        )),
        Err(error) => Err(Refusal::conflict(error.to_string())),
    }
}

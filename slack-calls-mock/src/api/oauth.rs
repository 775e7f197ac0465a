//! Installing and uninstalling the app in the fake: codes handed out by
//! [`MockSlack::start_install`](crate::MockSlack::start_install),
//! `oauth.v2.access` turning a code into a bot token and a user token with
//! the scopes asked for, and `apps.uninstall` revoking every token of a
//! workspace (the same uninstall as the control API's and
//! `MockSlack::uninstall_app`, with the same events).
//!
//! The app's client id and secret are
//! [`DEMO_CLIENT_ID`](crate::state::auth_state::DEMO_CLIENT_ID) and
//! [`DEMO_CLIENT_SECRET`](crate::state::auth_state::DEMO_CLIENT_SECRET) unless
//! [`MockSlackBuilder::app_credentials`](crate::MockSlackBuilder::app_credentials)
//! sets others.

use serde_json::{Value, json};

use slack_calls::TokenKind;

use crate::api::family::{Exchange, Family, no_param_error};
use crate::state::auth_state::CODE_LIFETIME;
use crate::state::directory::TokenEntry;
use crate::wire::answer::{Reply, SlackError};
use crate::wire::params::{ParamProblem, Problem};

/// The OAuth family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["oauth.v2.access", "apps.uninstall"],
    reads_json: true,
    param_error: no_param_error,
    answer: |exchange| match exchange.method.name {
        "apps.uninstall" => uninstall(exchange).map(Reply::from),
        _ => access(exchange).map(Reply::from),
    },
};

/// The app's client id and secret, from HTTP Basic or else from the
/// `client_id` and `client_secret` params, checked against the app's.
fn check_client(exchange: &Exchange<'_>) -> Result<(), SlackError> {
    let parsed = exchange.parsed;
    let (id, secret) = match &parsed.basic {
        Some((id, secret)) => (Some(id.as_str()), Some(secret.as_str())),
        None => (client_id_param(exchange), parsed.client_secret.as_deref()),
    };
    let app = &exchange.config.app;
    if id != Some(app.client_id.as_str()) {
        return Err(SlackError::new("invalid_client_id").because(match id {
            None => "give the app's client id by HTTP Basic or as `client_id`",
            Some(_) => "the client id is not the app's",
        }));
    }
    if secret != Some(app.client_secret.as_str()) {
        // The message never shows a secret.
        return Err(SlackError::new("bad_client_secret").because(match secret {
            None => "give the app's client secret by HTTP Basic or as `client_secret`",
            Some(_) => "the client secret is not the app's",
        }));
    }
    Ok(())
}

/// The `client_id` param as text.
fn client_id_param<'a>(exchange: &Exchange<'a>) -> Option<&'a str> {
    exchange
        .parsed
        .params
        .iter()
        .find(|(name, _)| name == "client_id")
        .and_then(|(_, value)| match value {
            crate::wire::request::RawValue::Text(text) => Some(text.as_str()),
            _ => None,
        })
}

/// The error for a param the grant needs and the request left out: the
/// one the generic param checks give for a missing required param
/// (`invalid_arguments` naming it, as `oauth.v2.access` declares no
/// `missing_argument`).
fn missing(exchange: &Exchange<'_>, param: &'static str) -> SlackError {
    ParamProblem {
        param,
        problem: Problem::Missing,
    }
    .default_error(exchange.method)
}

/// `oauth.v2.access`: a code for tokens.
fn access(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    // The spec cannot say that `code` is required for a code grant only
    // (a refresh sends none), so the check is here, before the
    // credentials', as the generic param checks come first.
    let grant_type = exchange.params.text("grant_type");
    if matches!(grant_type, None | Some("authorization_code"))
        && exchange.params.text("code").is_none()
    {
        return Err(missing(&exchange, "code"));
    }
    check_client(&exchange)?;
    match grant_type {
        None | Some("authorization_code") => {}
        // The fake issues no refresh tokens (no token rotation).
        Some("refresh_token") => {
            return Err(SlackError::new("invalid_refresh_token")
                .because("the fake issues no refresh tokens"));
        }
        Some(_) => {
            return Err(SlackError::new("invalid_grant_type")
                .because("grant_type is authorization_code or refresh_token"));
        }
    }
    let code = exchange.params.text("code").unwrap_or_default();
    let given_redirect = exchange.params.text("redirect_uri");
    let directory = exchange.directory;
    let auth = &mut exchange.state.auth;
    let Some(pending) = auth.codes.get(code) else {
        return Err(SlackError::new("invalid_code").because("the fake handed out no such code"));
    };
    if pending.used {
        // Slack: codes "may only be exchanged once".
        return Err(SlackError::new("invalid_code").because("the code was already used"));
    }
    if exchange.limit_now.saturating_sub(pending.issued_at) >= CODE_LIFETIME {
        // Slack: codes "expire 10 minutes after issuance".
        return Err(SlackError::new("invalid_code")
            .because("the code expired (codes live 10 minutes on the fake's clock)"));
    }
    let redirect_ok = match (&pending.redirect_uri, given_redirect) {
        (Some(sent), Some(given)) => sent == given,
        (Some(_), None) => false,
        (None, Some(given)) => pending.sent_to.as_deref().is_none_or(|to| to == given),
        (None, None) => true,
    };
    if !redirect_ok {
        // Slack: "This must match the originally submitted URI (if one
        // was sent)". The code stays usable (the fake's choice).
        return Err(SlackError::new("bad_redirect_uri").because(
            "redirect_uri must be the one the authorize request gave (or left out when it gave none)",
        ));
    }
    let Some(workspace) = directory.workspaces.get(pending.workspace) else {
        return Err(SlackError::new("internal_error").because("the code's workspace is gone"));
    };
    if pending.org_wide.is_none()
        && let Some(org) = &workspace.enterprise
        && auth.org_installs.contains(org)
    {
        return Err(SlackError::new("cannot_install_an_org_installed_app")
            .because("the app is installed for the whole organization of this workspace"));
    }
    let pending = pending.clone();
    if let Some(entry) = auth.codes.get_mut(code) {
        entry.used = true;
    }
    let owner = match &pending.org_wide {
        Some(org) => org.to_lowercase(),
        None => workspace.team_id.to_lowercase(),
    };
    let mut body = json!({ "ok": true, "app_id": exchange.config.app.app_id });
    if !pending.bot_scopes.is_empty() {
        auth.next_token += 1;
        let token = format!("xoxb-{owner}-{}-mock", auth.next_token);
        auth.issued.insert(
            token.clone(),
            TokenEntry {
                kind: TokenKind::Bot,
                scopes: pending.bot_scopes.clone(),
                workspace: pending.workspace,
                org_wide: pending.org_wide.clone(),
            },
        );
        body["access_token"] = json!(token);
        body["token_type"] = json!("bot");
        body["scope"] = json!(pending.bot_scopes.join(","));
        body["bot_user_id"] = json!(workspace.bot_user_id());
    }
    // Slack's table: `team` is null for an org-wide install, `enterprise`
    // null outside an organization.
    body["team"] = match &pending.org_wide {
        Some(_) => Value::Null,
        None => json!({ "id": workspace.team_id, "name": workspace.name }),
    };
    body["enterprise"] = directory.enterprise_json(pending.workspace);
    body["is_enterprise_install"] = json!(pending.org_wide.is_some());
    let installer = workspace.acting_user.clone().unwrap_or_default();
    let mut authed_user = json!({ "id": installer });
    if !pending.user_scopes.is_empty() {
        auth.next_token += 1;
        let token = format!("xoxp-{owner}-{}-mock", auth.next_token);
        auth.issued.insert(
            token.clone(),
            TokenEntry {
                kind: TokenKind::User,
                scopes: pending.user_scopes.clone(),
                workspace: pending.workspace,
                org_wide: pending.org_wide.clone(),
            },
        );
        authed_user["scope"] = json!(pending.user_scopes.join(","));
        authed_user["access_token"] = json!(token);
        authed_user["token_type"] = json!("user");
    }
    body["authed_user"] = authed_user;
    if let Some(org) = pending.org_wide {
        auth.org_installs.insert(org);
    }
    Ok(body)
}

/// `apps.uninstall`: every token of the token's workspace is revoked, and
/// the uninstall's events are queued; the server sends them to a
/// registered app once this answer is made (the state lock is held here).
fn uninstall(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    check_client(&exchange)?;
    if exchange.caller.kind == TokenKind::Bot {
        // Slack's page: "Granular bot not allowed to uninstall".
        return Err(SlackError::new("no_permission")
            .because("a bot token cannot uninstall the app; use a user token"));
    }
    if let Some(org) = exchange.caller.org_wide {
        // A token of an org-wide install uninstalls it from the whole
        // organization.
        exchange
            .state
            .auth
            .uninstall_org(exchange.directory, org, exchange.now);
        return Ok(json!({ "ok": true, "uninstalled": true }));
    }
    let workspace = exchange.workspace_index;
    exchange
        .state
        .auth
        .uninstall(exchange.directory, workspace, exchange.now);
    Ok(json!({ "ok": true, "uninstalled": true }))
}

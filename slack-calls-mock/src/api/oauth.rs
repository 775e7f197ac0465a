//! Installing and uninstalling the app in the fake: codes handed out by
//! [`MockSlack::start_install`](crate::MockSlack::start_install),
//! `oauth.v2.access` turning a code into a bot token and a user token with
//! the scopes asked for (expiring ones with token rotation, renewed by
//! `grant_type=refresh_token`), and `apps.uninstall` revoking every token of a
//! workspace (the same uninstall as the control API's and
//! `MockSlack::uninstall_app`, with the same events).
//!
//! The app's client id and secret are
//! [`DEMO_CLIENT_ID`](crate::state::auth_state::DEMO_CLIENT_ID) and
//! [`DEMO_CLIENT_SECRET`](crate::state::auth_state::DEMO_CLIENT_SECRET) unless
//! [`MockSlackBuilder::app_credentials`](crate::MockSlackBuilder::app_credentials)
//! sets others.
//!
//! # Token rotation
//!
//! Off by default; on with
//! [`MockSlackBuilder::token_rotation`](crate::MockSlackBuilder::token_rotation),
//! [`MockSlack::set_token_rotation`](crate::MockSlack::set_token_rotation),
//! `POST /_mock/oauth {"token_rotation": true}` or `--token-rotation`.
//! What Slack says (the rotation guide,
//! <https://docs.slack.dev/authentication/using-token-rotation>, and the
//! `oauth.v2.access` reference), and what the fake does with it:
//!
//! - A code grant answers expiring tokens, `xoxe.xoxb-1-…` at the top
//!   level and `xoxe.xoxp-1-…` under `authed_user`, each with
//!   `expires_in: 43200` and a refresh token `xoxe-1-…`. They expire
//!   43,200 s later on the fake's clock (the clock of the codes' 10
//!   minutes: [`MockSlack::advance`](crate::MockSlack::advance) and
//!   [`MockSlackBuilder::time_scale`](crate::MockSlackBuilder::time_scale)
//!   move it), and then answer `token_expired` on every method, before
//!   anything is done or counted against a rate limit. The tokens the fake
//!   starts with (and those added with `POST /_mock/tokens`) never expire.
//! - `grant_type=refresh_token` with the app's credentials (HTTP Basic or
//!   params, as for a code) and `refresh_token` renews the one token that
//!   refresh token belongs to: `{ok, app_id, scope, token_type: "bot" |
//!   "user", access_token, refresh_token, expires_in: 43200, team,
//!   enterprise, is_enterprise_install}` with `bot_user_id` for a bot token
//!   or `user_id` for a user token, everything at the top level (the shape
//!   python-slack-sdk and `@slack/oauth` parse). Without `refresh_token`:
//!   what a missing param gets (`invalid_arguments`); an unknown, revoked
//!   or spent one, or any refresh while rotation is off:
//!   `invalid_refresh_token`.
//! - Slack: "Calling `oauth.v2.access` will not immediately invalidate
//!   your existing access token." The old token works until its own
//!   expiry, unless the limit below revokes it.
//! - Slack: the used refresh token "is revoked after a short grace period",
//!   without a length. **The fake's choice**: 10 minutes from its first
//!   exchange ([`DEFAULT_REFRESH_GRACE`](crate::DEFAULT_REFRESH_GRACE),
//!   the lifetime of a code: long enough to retry an exchange whose answer
//!   was lost, short enough to be plainly over in a test), set with
//!   [`MockSlackBuilder::refresh_grace`](crate::MockSlackBuilder::refresh_grace)
//!   or `refresh_grace_secs`. An unused refresh token never expires (Slack
//!   gives it no lifetime).
//! - Two exchanges of one refresh token within the grace period: Slack
//!   says nothing; node-slack-sdk#2504 reports that both succeed and give
//!   two *different* refresh tokens, one of which is invalid, and that the
//!   app cannot tell which. **The fake's choice**: both succeed, the later
//!   exchange wins, and the refresh token the earlier one gave is revoked
//!   at once (`invalid_refresh_token`); its access token stays active,
//!   subject to the limit below. Tokens already refreshed from that
//!   earlier refresh token keep their own life.
//! - Slack's "2 active token limit": "If more than 2 tokens exist after
//!   the refresh, the oldest additional token will be revoked." The fake
//!   counts unexpired, unrevoked access tokens per installation (workspace,
//!   or organization for an org-wide install) and kind (bot, user); a
//!   third revokes the oldest, which then answers `token_revoked` as any
//!   revoked token does. Its refresh token is not revoked with it (the
//!   fake's choice; Slack speaks of access tokens).
//! - `auth.revoke` "will revoke a single token ... without changing the
//!   underlying installation": the fake revokes the calling token and the
//!   refresh token issued with it. `apps.uninstall` (and the control API's
//!   uninstall) revokes every token of the installation, refresh tokens
//!   included.
//! - A refresh whose answer a `drop_after_handling` fault drops has
//!   happened: the new pair exists, and the used refresh token's grace
//!   period has started.
//! - Slack cannot turn rotation off once on; the fake can (for tests):
//!   tokens issued keep their expiry, and every refresh answers
//!   `invalid_refresh_token`.
//! - No log line, control answer or page shows a token, refresh token or
//!   code: the request log keeps `<redacted>` for `code` and
//!   `refresh_token`.

use serde_json::{Value, json};

use slack_calls::TokenKind;

use crate::api::family::{Exchange, Family, no_param_error};
use crate::state::auth_state::{CODE_LIFETIME, ROTATING_TOKEN_LIFETIME};
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
    match grant_type {
        None | Some("authorization_code") if exchange.params.text("code").is_none() => {
            return Err(missing(&exchange, "code"));
        }
        Some("refresh_token") if exchange.params.text("refresh_token").is_none() => {
            return Err(missing(&exchange, "refresh_token"));
        }
        _ => {}
    }
    check_client(&exchange)?;
    match grant_type {
        None | Some("authorization_code") => {}
        Some("refresh_token") => return refresh(exchange),
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
    let rotating = auth.rotation.on;
    let now = exchange.limit_now;
    let mut body = json!({ "ok": true, "app_id": exchange.config.app.app_id });
    if !pending.bot_scopes.is_empty() {
        let grant = TokenEntry {
            kind: TokenKind::Bot,
            scopes: pending.bot_scopes.clone(),
            workspace: pending.workspace,
            org_wide: pending.org_wide.clone(),
            expires_at: None,
        };
        let issued = auth.issue(&owner, grant, rotating, now);
        body["access_token"] = json!(issued.access_token);
        body["token_type"] = json!("bot");
        body["scope"] = json!(pending.bot_scopes.join(","));
        body["bot_user_id"] = json!(workspace.bot_user_id());
        add_expiry(&mut body, issued.refresh_token);
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
        let grant = TokenEntry {
            kind: TokenKind::User,
            scopes: pending.user_scopes.clone(),
            workspace: pending.workspace,
            org_wide: pending.org_wide.clone(),
            expires_at: None,
        };
        let issued = auth.issue(&owner, grant, rotating, now);
        authed_user["scope"] = json!(pending.user_scopes.join(","));
        authed_user["access_token"] = json!(issued.access_token);
        authed_user["token_type"] = json!("user");
        add_expiry(&mut authed_user, issued.refresh_token);
    }
    body["authed_user"] = authed_user;
    if let Some(org) = pending.org_wide {
        auth.org_installs.insert(org);
    }
    Ok(body)
}

/// With token rotation, `expires_in` and `refresh_token` beside the
/// access token in `object`.
fn add_expiry(object: &mut Value, refresh_token: Option<String>) {
    if let Some(refresh_token) = refresh_token {
        object["expires_in"] = json!(ROTATING_TOKEN_LIFETIME.as_secs());
        object["refresh_token"] = json!(refresh_token);
    }
}

/// `oauth.v2.access` with `grant_type=refresh_token` (credentials checked):
/// a new expiring access token and refresh token for the one token the
/// refresh token renews, in the shape of the rotation guide and the peers
/// (`token_type`, `access_token`, `refresh_token`, `expires_in` at the top
/// level, for a user token too, with `user_id`; `bot_user_id` for a bot
/// token).
fn refresh(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let given = exchange.params.text("refresh_token").unwrap_or_default();
    let now = exchange.limit_now;
    let auth = &mut exchange.state.auth;
    if !auth.rotation.on {
        return Err(SlackError::new("invalid_refresh_token").because(
            "token rotation is off for the app (MockSlackBuilder::token_rotation, \
             POST /_mock/oauth {\"token_rotation\": true} or --token-rotation)",
        ));
    }
    if let Some(why) = auth.refusal_of_refresh(given, now) {
        return Err(SlackError::new("invalid_refresh_token").because(why));
    }
    let Some((renewed, issued)) = auth.refresh(given, now) else {
        return Err(SlackError::new("invalid_refresh_token")
            .because("the fake issued no such refresh token"));
    };
    let grant = &renewed.grant;
    let directory = exchange.directory;
    let Some(workspace) = directory.workspaces.get(grant.workspace) else {
        return Err(SlackError::new("internal_error").because("the token's workspace is gone"));
    };
    let mut body = json!({
        "ok": true,
        "app_id": exchange.config.app.app_id,
        "scope": grant.scopes.join(","),
        "token_type": if grant.kind == TokenKind::User { "user" } else { "bot" },
        "access_token": issued.access_token,
    });
    add_expiry(&mut body, issued.refresh_token);
    if grant.kind == TokenKind::User {
        // The fake's user tokens are all its installing user's.
        body["user_id"] = json!(workspace.acting_user.clone().unwrap_or_default());
    } else {
        body["bot_user_id"] = json!(workspace.bot_user_id());
    }
    // As the install's answer has them (Slack does not say whether a
    // refresh of an org-wide install's token has `team: null`; the fake's
    // choice).
    body["team"] = match &grant.org_wide {
        Some(_) => Value::Null,
        None => json!({ "id": workspace.team_id, "name": workspace.name }),
    };
    body["enterprise"] = directory.enterprise_json(grant.workspace);
    body["is_enterprise_install"] = json!(grant.org_wide.is_some());
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

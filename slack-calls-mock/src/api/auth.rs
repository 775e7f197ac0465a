//! `auth.test` and `auth.revoke` in the fake. The state they share with
//! the OAuth family (tokens issued while the fake runs, revoked tokens) is
//! [`AuthState`].
//!
//! `auth.test` answers from the token's workspace; `auth.revoke` revokes
//! the token it is called with, after which it answers `token_revoked`,
//! and a registered app gets `tokens_revoked` naming the token's user
//! (`oauth`) or bot user (`bot`).

use serde_json::{Value, json};

use slack_calls::TokenKind;

use crate::api::family::{Exchange, Family, no_param_error};
use crate::state::auth_state::UninstallEvents;
use crate::wire::answer::{Reply, SlackError};

/// The auth family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["auth.test", "auth.revoke"],
    reads_json: true,
    param_error: no_param_error,
    answer: |exchange| match exchange.method.name {
        "auth.revoke" => revoke(exchange).map(Reply::from),
        _ => test(&exchange).map(Reply::from),
    },
};

/// `auth.test`: who the token is.
fn test(exchange: &Exchange<'_>) -> Result<Value, SlackError> {
    let workspace = exchange.workspace;
    let mut body = json!({
        "ok": true,
        "url": workspace.url(),
        "team": workspace.name,
        "team_id": workspace.team_id,
    });
    let (user, user_id) = match exchange.caller.kind {
        TokenKind::Bot => ("bot".to_owned(), workspace.bot_user_id()),
        _ => match exchange.caller.user {
            Some(user) => (user.to_lowercase(), user.to_owned()),
            None => {
                return Err(SlackError::new("invalid_auth")
                    .because("the token's workspace has no user for a user token to act for"));
            }
        },
    };
    body["user"] = json!(user);
    body["user_id"] = json!(user_id);
    if exchange.caller.kind == TokenKind::Bot {
        body["bot_id"] = json!(workspace.bot_id());
    }
    // Inside an organization, its id; `is_enterprise_install` for a token
    // of an org-wide install (whose workspace is the one `team_id` names,
    // else the installing user's).
    if let Some(org) = &workspace.enterprise {
        body["enterprise_id"] = json!(org);
    }
    body["is_enterprise_install"] = json!(exchange.caller.org_wide.is_some());
    Ok(body)
}

/// `auth.revoke`: revokes the token it is called with, unless `test`.
fn revoke(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let test = matches!(exchange.params.json("test"), Some(Value::Bool(true)));
    if !test {
        // With token rotation, its refresh token goes with it (the
        // rotation guide: `auth.revoke` revokes a single token, without
        // changing the installation).
        let auth = &mut exchange.state.auth;
        auth.revoke_with_refresh(exchange.caller.token);
        // Slack's tokens_revoked page: the app hears of it, by the user
        // (or bot user) the token was for. Sent once the state lock is
        // free (`FakeSlack::send_uninstall_events`).
        let workspace = exchange.workspace;
        let (oauth_users, bot_users) = match exchange.caller.kind {
            TokenKind::Bot => (Vec::new(), vec![workspace.bot_user_id()]),
            _ => (
                exchange
                    .caller
                    .user
                    .map(str::to_owned)
                    .into_iter()
                    .collect(),
                Vec::new(),
            ),
        };
        auth.unsent.push(UninstallEvents {
            team_id: workspace.team_id.clone(),
            org_wide: exchange.caller.org_wide.map(str::to_owned),
            oauth_users,
            bot_users,
            app_uninstalled: false,
        });
    }
    Ok(json!({ "ok": true, "revoked": !test }))
}

//! `auth.test` and `auth.revoke` in the fake, and the state they share with
//! the OAuth family: tokens issued while the fake runs, revoked tokens.
//!
//! `auth.test` answers from the token's workspace; `auth.revoke` revokes
//! the token it is called with, after which it answers `token_revoked`.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::token::TokenKind;

use super::answer::{Reply, SlackError};
use super::family::{Exchange, Family, no_param_error};
use super::oauth::{PendingInstall, Uninstalled};
use super::state::{Directory, TokenEntry};

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

/// Tokens that came and went while the fake runs.
#[derive(Debug, Default)]
pub(crate) struct AuthState {
    /// Tokens handed out by `oauth.v2.access`.
    pub issued: HashMap<String, TokenEntry>,
    /// Tokens revoked by `auth.revoke` or `apps.uninstall`.
    pub revoked: HashSet<String>,
    /// Workspaces the app was uninstalled from: the tokens the fake
    /// started with there are revoked.
    pub uninstalled_workspaces: HashSet<usize>,
    /// Every uninstall, oldest first: the hook for `app_uninstalled` and
    /// `tokens_revoked` events.
    pub uninstalls: Vec<Uninstalled>,
    /// Codes handed out by `start_install`, by text.
    pub codes: HashMap<String, PendingInstall>,
    /// Numbers the codes and tokens handed out.
    pub next_code: u64,
    pub next_token: u64,
}

impl AuthState {
    /// True when `token` was revoked: by itself, or (for a token the fake
    /// started with, `from_start`) with its workspace's uninstall.
    pub fn is_revoked(&self, token: &str, entry: &TokenEntry, from_start: bool) -> bool {
        self.revoked.contains(token)
            || (from_start && self.uninstalled_workspaces.contains(&entry.workspace))
    }

    /// The app leaves workspace `index` (`apps.uninstall`, or the control
    /// API's uninstall): every token of it, issued at start (`directory`)
    /// or at run time, is revoked, and the uninstall is recorded. Returns
    /// how many tokens were revoked.
    pub fn uninstall(&mut self, directory: &Directory, index: usize, now: i64) -> usize {
        let issued: Vec<String> = self
            .issued
            .iter()
            .filter(|(_, entry)| entry.workspace == index)
            .map(|(text, _)| text.clone())
            .collect();
        let from_start = directory
            .tokens
            .values()
            .filter(|entry| entry.workspace == index)
            .count();
        self.revoked.extend(issued.iter().cloned());
        self.uninstalled_workspaces.insert(index);
        let team_id = directory
            .workspaces
            .get(index)
            .map(|w| w.team_id.clone())
            .unwrap_or_default();
        self.uninstalls.push(Uninstalled {
            team_id,
            tokens_revoked: issued.len() + from_start,
            at: now,
        });
        issued.len() + from_start
    }
}

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
    // The fake has no Enterprise Grid.
    body["is_enterprise_install"] = json!(false);
    Ok(body)
}

/// `auth.revoke`: revokes the token it is called with, unless `test`.
fn revoke(exchange: Exchange<'_>) -> Result<Value, SlackError> {
    let test = matches!(exchange.params.json("test"), Some(Value::Bool(true)));
    if !test {
        exchange
            .state
            .auth
            .revoked
            .insert(exchange.caller.token.to_owned());
    }
    Ok(json!({ "ok": true, "revoked": !test }))
}

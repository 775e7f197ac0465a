//! What the fake keeps of the app it plays and of its installs: the app's
//! credentials and id, codes handed out for an install, tokens issued and
//! revoked while the fake runs, and the uninstalls. Read and changed by the
//! auth and OAuth families and by the fake's handle.

use std::collections::{HashMap, HashSet};

use super::directory::{Directory, TokenEntry};

/// The client id of the app every fake plays.
pub const DEMO_CLIENT_ID: &str = "1000000001.2000000002";
/// The client secret of the app every fake plays.
pub const DEMO_CLIENT_SECRET: &str = "mock-client-secret";
/// The app id of the app every fake plays.
pub const DEMO_APP_ID: &str = "A0MOCKAPP";

/// The app the fake plays: its credentials and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppConfig {
    pub client_id: String,
    pub client_secret: String,
    pub app_id: String,
}

impl AppConfig {
    /// The app's name, as its bot's profile shows it (the fake's choice).
    pub fn name(&self) -> &'static str {
        "Mock App"
    }
}

impl Default for AppConfig {
    fn default() -> AppConfig {
        AppConfig {
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            app_id: DEMO_APP_ID.to_owned(),
        }
    }
}

/// A code handed out for an install, until `oauth.v2.access` uses it.
#[derive(Debug, Clone)]
pub(crate) struct PendingInstall {
    /// An index into the fake's workspaces.
    pub workspace: usize,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub used: bool,
}

/// The app was uninstalled from a workspace: kept for the event delivery
/// (`app_uninstalled`, `tokens_revoked`), which is not built yet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uninstalled {
    /// The workspace.
    pub team_id: String,
    /// How many tokens were revoked with it.
    pub tokens_revoked: usize,
    /// When, in Unix seconds.
    pub at: i64,
}

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

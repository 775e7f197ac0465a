//! What the fake keeps of the app it plays and of its installs: the app's
//! credentials and id, codes handed out for an install, tokens issued and
//! revoked while the fake runs, and the uninstalls. Read and changed by the
//! auth and OAuth families and by the fake's handle.

use std::collections::{HashMap, HashSet};
use std::fmt;

use slack_calls::TokenKind;

use crate::state::directory::{Directory, TokenEntry};

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

/// The app was uninstalled from a workspace (`apps.uninstall`, the control
/// API's `POST /_mock/uninstall` or `MockSlack::uninstall_app`).
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
    /// Every uninstall, oldest first.
    pub uninstalls: Vec<Uninstalled>,
    /// Uninstalls whose `app_uninstalled` and `tokens_revoked` events are
    /// not sent yet: whoever uninstalled sends them once the state lock is
    /// let go (`FakeSlack::send_uninstall_events`).
    pub unsent: Vec<UninstallEvents>,
    /// Codes handed out by `start_install`, by text.
    pub codes: HashMap<String, PendingInstall>,
    /// Numbers the codes and tokens handed out.
    pub next_code: u64,
    pub next_token: u64,
}

/// What the events of one uninstall name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UninstallEvents {
    pub team_id: String,
    /// The users whose user tokens were revoked (`tokens.oauth`).
    pub oauth_users: Vec<String>,
}

/// Why an install cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InstallRefusal {
    /// No workspace has this team id.
    UnknownTeam(String),
    /// The workspace has no user to approve the install.
    NoUser(String),
    /// Neither bot nor user scopes were asked for.
    NoScopes,
}

impl fmt::Display for InstallRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallRefusal::UnknownTeam(team) => write!(f, "the fake has no workspace {team}"),
            InstallRefusal::NoUser(team) => {
                write!(f, "workspace {team} has no user to install the app")
            }
            InstallRefusal::NoScopes => {
                f.write_str("an install asks for at least one bot or user scope")
            }
        }
    }
}

impl AuthState {
    /// Starts installing the app into workspace `team_id`, as if its
    /// installing user (its first user) had approved these scopes: the
    /// one-use code `oauth.v2.access` takes. The one implementation behind
    /// `MockSlack::start_install` and `POST /_mock/install`.
    pub fn start_install(
        &mut self,
        directory: &Directory,
        team_id: &str,
        bot_scopes: Vec<String>,
        user_scopes: Vec<String>,
    ) -> Result<String, InstallRefusal> {
        let Some(index) = directory.workspace_index(team_id) else {
            return Err(InstallRefusal::UnknownTeam(team_id.to_owned()));
        };
        if directory.workspaces[index].acting_user.is_none() {
            return Err(InstallRefusal::NoUser(team_id.to_owned()));
        }
        if bot_scopes.is_empty() && user_scopes.is_empty() {
            return Err(InstallRefusal::NoScopes);
        }
        self.next_code += 1;
        let code = format!("{}.{}.mock-code", team_id.to_lowercase(), self.next_code);
        self.codes.insert(
            code.clone(),
            PendingInstall {
                workspace: index,
                bot_scopes,
                user_scopes,
                used: false,
            },
        );
        Ok(code)
    }

    /// True when `token` was revoked: by itself, or (for a token the fake
    /// started with, `from_start`) with its workspace's uninstall.
    pub fn is_revoked(&self, token: &str, entry: &TokenEntry, from_start: bool) -> bool {
        self.revoked.contains(token)
            || (from_start && self.uninstalled_workspaces.contains(&entry.workspace))
    }

    /// The app leaves workspace `index`: every token of it, issued at start
    /// (`directory`) or at run time, is revoked, the uninstall is recorded,
    /// and its events wait in `unsent`. The one uninstall behind
    /// `apps.uninstall`, `POST /_mock/uninstall` and
    /// `MockSlack::uninstall_app`. Returns how many tokens were revoked.
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
        let has_user_token = directory
            .tokens
            .values()
            .chain(self.issued.values())
            .any(|entry| entry.workspace == index && entry.kind == TokenKind::User);
        self.revoked.extend(issued.iter().cloned());
        self.uninstalled_workspaces.insert(index);
        let workspace = directory.workspaces.get(index);
        let team_id = workspace.map(|w| w.team_id.clone()).unwrap_or_default();
        // The fake's user tokens are all its installing user's.
        let oauth_users = workspace
            .and_then(|w| w.acting_user.clone())
            .filter(|_| has_user_token)
            .into_iter()
            .collect();
        self.unsent.push(UninstallEvents {
            team_id: team_id.clone(),
            oauth_users,
        });
        self.uninstalls.push(Uninstalled {
            team_id,
            tokens_revoked: issued.len() + from_start,
            at: now,
        });
        issued.len() + from_start
    }
}

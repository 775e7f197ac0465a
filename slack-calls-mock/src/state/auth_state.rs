//! What the fake keeps of the app it plays and of its installs: the app's
//! credentials and id, codes handed out for an install, tokens issued and
//! revoked while the fake runs (with token rotation: their expiry, refresh
//! tokens, and the active tokens of each installation), and the
//! uninstalls. Read and changed by the auth and OAuth families and by the
//! fake's handle. The rules of token rotation are in `api/oauth.rs`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::time::Duration;

use slack_calls::TokenKind;

use crate::state::directory::{Directory, TokenEntry, WorkspaceConfig, is_app_level};

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

/// How long a code lives, on the fake's clock: Slack's "expire 10
/// minutes after issuance" (the v1 OAuth page; the v2 page says "ten
/// minutes"). Consents left on the page expire with the same lifetime
/// (the fake's choice).
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// How long an access token issued with token rotation lives, on the
/// fake's clock: Slack's `expires_in` of 43,200 seconds (12 hours; the
/// rotation guide).
pub(crate) const ROTATING_TOKEN_LIFETIME: Duration = Duration::from_secs(43_200);

/// How long a refresh token stays usable after its first exchange, on the
/// fake's clock, unless [`MockSlackBuilder::refresh_grace`] sets another:
/// 10 minutes. Slack says only that the used token "is revoked after a
/// short grace period"; 10 minutes is the fake's choice, the lifetime of a
/// code, long enough for an app to retry an exchange whose answer it lost
/// and short enough that a test that waits past it is plainly waiting.
///
/// [`MockSlackBuilder::refresh_grace`]: crate::MockSlackBuilder::refresh_grace
pub const DEFAULT_REFRESH_GRACE: Duration = Duration::from_secs(600);

/// How many access tokens of one kind (bot, user) an installation may have
/// active at once with token rotation: Slack's "2 active token limit".
pub(crate) const ACTIVE_TOKEN_LIMIT: usize = 2;

/// The app's token rotation setting and the fake's grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rotation {
    /// `oauth.v2.access` issues expiring tokens with refresh tokens, and
    /// takes `grant_type=refresh_token`.
    pub on: bool,
    /// How long a used refresh token stays usable.
    pub grace: Duration,
}

impl Default for Rotation {
    fn default() -> Rotation {
        Rotation {
            on: false,
            grace: DEFAULT_REFRESH_GRACE,
        }
    }
}

/// A refresh token `oauth.v2.access` issued, and what exchanging it gives.
#[derive(Debug, Clone)]
pub(crate) struct RefreshEntry {
    /// The grant a refresh renews: kind, scopes, workspace, organization
    /// (its `expires_at` is not used).
    pub grant: TokenEntry,
    /// The workspace's or organization's id in lower case, which the
    /// tokens' text carries.
    pub owner: String,
    /// The access token issued with it.
    pub access_token: String,
    /// When it was first exchanged, on the fake's clock: it stays usable
    /// for the grace period after that.
    pub used_at: Option<Duration>,
    /// The refresh token its latest exchange gave: a later exchange of
    /// this one (within the grace period) revokes it.
    pub latest: Option<String>,
}

/// What one issue of a token gives.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access_token: String,
    /// With token rotation: its refresh token.
    pub refresh_token: Option<String>,
}

/// The installation a token belongs to, for the active-token limit: its
/// organization (org-wide) or its workspace, and its kind.
type InstallSlot = (Option<String>, usize, TokenKind);

fn slot_of(entry: &TokenEntry) -> InstallSlot {
    let workspace = if entry.org_wide.is_some() {
        0
    } else {
        entry.workspace
    };
    (entry.org_wide.clone(), workspace, entry.kind)
}

/// How the fake user answers the consent page of `GET /oauth/v2/authorize`
/// (set with [`MockSlack::set_consent`](crate::MockSlack::set_consent) or
/// the control API's `POST /_mock/oauth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ConsentAnswer {
    /// Show the consent page, with its Allow and Cancel buttons (the
    /// default).
    #[default]
    Ask,
    /// Allow at once: the authorize request redirects with a code.
    Allow,
    /// Cancel at once: the authorize request redirects with
    /// `error=access_denied`.
    Deny,
}

impl ConsentAnswer {
    /// `ask`, `allow` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentAnswer::Ask => "ask",
            ConsentAnswer::Allow => "allow",
            ConsentAnswer::Deny => "deny",
        }
    }

    /// The answer named `ask`, `allow` or `deny`.
    pub fn from_name(name: &str) -> Option<ConsentAnswer> {
        match name {
            "ask" => Some(ConsentAnswer::Ask),
            "allow" => Some(ConsentAnswer::Allow),
            "deny" => Some(ConsentAnswer::Deny),
            _ => None,
        }
    }
}

/// A code handed out for an install, until `oauth.v2.access` uses it.
#[derive(Debug, Clone)]
pub(crate) struct PendingInstall {
    /// An index into the fake's workspaces (for an org-wide install, the
    /// workspace the installing user came from).
    pub workspace: usize,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    pub used: bool,
    /// When it was handed out, on the fake's clock.
    pub issued_at: Duration,
    /// The `redirect_uri` the authorize request gave, which the exchange
    /// must repeat.
    pub redirect_uri: Option<String>,
    /// Where the code was sent (the given `redirect_uri`, or the app's
    /// first Redirect URL); `None` for `start_install`'s codes.
    pub sent_to: Option<String>,
    /// The organization, for an org-wide install.
    pub org_wide: Option<String>,
}

/// What an install asks for and where its answer goes: a consent page
/// waiting for the fake user's Allow or Cancel, then a code.
#[derive(Debug, Clone)]
pub(crate) struct InstallRequest {
    pub workspace: usize,
    pub bot_scopes: Vec<String>,
    pub user_scopes: Vec<String>,
    /// The `redirect_uri` given, if any.
    pub redirect_uri: Option<String>,
    /// Where the user goes back to.
    pub target: String,
    /// The app's `state`, passed back as it came.
    pub state: Option<String>,
    /// The organization, for an org-wide install.
    pub org_wide: Option<String>,
    /// When the page was shown, on the fake's clock.
    pub asked_at: Duration,
}

/// The app was uninstalled from a workspace (`apps.uninstall`, the control
/// API's `POST /_mock/uninstall` or `MockSlack::uninstall_app`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uninstalled {
    /// The workspace (for an org-wide install, the workspace of the
    /// organization its events name).
    pub team_id: String,
    /// The organization, for an org-wide install.
    pub enterprise_id: Option<String>,
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
    /// The app's Redirect URLs, in order (the first is the default).
    pub redirect_urls: Vec<String>,
    /// How the fake user answers the consent page.
    pub consent: ConsentAnswer,
    /// Whether an install into a workspace of an organization is
    /// org-wide.
    pub org_wide: bool,
    /// Consent pages waiting for Allow or Cancel, by their one-time id.
    pub consents: HashMap<String, InstallRequest>,
    pub next_consent: u64,
    /// Organizations the app is installed in org-wide.
    pub org_installs: HashSet<String>,
    /// The app's token rotation setting and the grace period.
    pub rotation: Rotation,
    /// Refresh tokens issued with token rotation, by text (revoked ones
    /// are in `revoked`).
    pub refresh_tokens: HashMap<String, RefreshEntry>,
    /// Expiring access tokens per installation and kind, oldest first, for
    /// the active-token limit.
    pub active: HashMap<InstallSlot, VecDeque<String>>,
}

/// What the events of one uninstall name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UninstallEvents {
    pub team_id: String,
    /// The organization of an org-wide install.
    pub org_wide: Option<String>,
    /// The users whose user tokens were revoked (`tokens.oauth`).
    pub oauth_users: Vec<String>,
    /// The bot users whose bot tokens were revoked (`tokens.bot`).
    pub bot_users: Vec<String>,
    /// True for an uninstall (`app_uninstalled`, then `tokens_revoked`);
    /// false for `auth.revoke` (`tokens_revoked` alone).
    pub app_uninstalled: bool,
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
        now: Duration,
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
        Ok(self.mint_code(
            team_id,
            PendingInstall {
                workspace: index,
                bot_scopes,
                user_scopes,
                used: false,
                issued_at: now,
                redirect_uri: None,
                sent_to: None,
                org_wide: None,
            },
        ))
    }

    /// Hands out a one-use code for `pending`, named after `owner` (its
    /// workspace's or organization's id) and a counter.
    pub fn mint_code(&mut self, owner: &str, pending: PendingInstall) -> String {
        self.next_code += 1;
        let code = format!("{}.{}.mock-code", owner.to_lowercase(), self.next_code);
        self.codes.insert(code.clone(), pending);
        code
    }

    /// True when `token` was revoked: by itself, or (for a token the fake
    /// started with, `from_start`) with its workspace's uninstall.
    /// The app-level token (`xapp-`) belongs to the app, not to a
    /// workspace, and outlives an uninstall (Slack's token types page).
    pub fn is_revoked(&self, token: &str, entry: &TokenEntry, from_start: bool) -> bool {
        self.revoked.contains(token)
            || (from_start
                && !is_app_level(token)
                && self.uninstalled_workspaces.contains(&entry.workspace))
    }

    /// True when `entry` has expired at `now` (the fake's clock).
    pub fn is_expired(entry: &TokenEntry, now: Duration) -> bool {
        entry.expires_at.is_some_and(|at| now >= at)
    }

    /// Issues an access token for `grant` (its kind, scopes, workspace and
    /// organization), its text naming `owner`. With `rotating`, an
    /// expiring one (`xoxe.xoxb-1-…`, `xoxe.xoxp-1-…`, for
    /// [`ROTATING_TOKEN_LIFETIME`] from `now`) with a refresh token
    /// (`xoxe-1-…`), and the installation's oldest extra active token of
    /// that kind is revoked (the active-token limit); else a token that
    /// never expires (`xoxb-…`, `xoxp-…`).
    pub fn issue(
        &mut self,
        owner: &str,
        mut grant: TokenEntry,
        rotating: bool,
        now: Duration,
    ) -> Issued {
        let prefix = match grant.kind {
            TokenKind::User => "xoxp",
            _ => "xoxb",
        };
        self.next_token += 1;
        if !rotating {
            grant.expires_at = None;
            let access_token = format!("{prefix}-{owner}-{}-mock", self.next_token);
            self.issued.insert(access_token.clone(), grant);
            return Issued {
                access_token,
                refresh_token: None,
            };
        }
        let access_token = format!("xoxe.{prefix}-1-{owner}-{}-mock", self.next_token);
        self.next_token += 1;
        let refresh_token = format!("xoxe-1-{owner}-{}-mock", self.next_token);
        grant.expires_at = Some(now.saturating_add(ROTATING_TOKEN_LIFETIME));
        let slot = slot_of(&grant);
        self.issued.insert(access_token.clone(), grant.clone());
        self.refresh_tokens.insert(
            refresh_token.clone(),
            RefreshEntry {
                grant,
                owner: owner.to_owned(),
                access_token: access_token.clone(),
                used_at: None,
                latest: None,
            },
        );
        self.hold_to_limit(slot, access_token.clone(), now);
        Issued {
            access_token,
            refresh_token: Some(refresh_token),
        }
    }

    /// Adds `token` to the active tokens of its installation and kind, and
    /// revokes the oldest while more than [`ACTIVE_TOKEN_LIMIT`] are active
    /// (expired and revoked tokens are not).
    fn hold_to_limit(&mut self, slot: InstallSlot, token: String, now: Duration) {
        let mut list = self.active.remove(&slot).unwrap_or_default();
        list.retain(|text| {
            !self.revoked.contains(text)
                && self
                    .issued
                    .get(text)
                    .is_some_and(|entry| !AuthState::is_expired(entry, now))
        });
        list.push_back(token);
        while list.len() > ACTIVE_TOKEN_LIMIT {
            if let Some(oldest) = list.pop_front() {
                self.revoked.insert(oldest);
            }
        }
        self.active.insert(slot, list);
    }

    /// Why `refresh_token` cannot be exchanged at `now`, or `None` when it
    /// can: unknown, revoked, or used longer ago than the grace period.
    pub fn refusal_of_refresh(&self, refresh_token: &str, now: Duration) -> Option<&'static str> {
        let Some(entry) = self.refresh_tokens.get(refresh_token) else {
            return Some("the fake issued no such refresh token");
        };
        if self.revoked.contains(refresh_token) {
            return Some(
                "the refresh token was revoked (by a later exchange of the token it came from, \
                 auth.revoke or an uninstall)",
            );
        }
        match entry.used_at {
            Some(used) if now.saturating_sub(used) >= self.rotation.grace => {
                Some("the refresh token was used, and its grace period is over (the fake's clock)")
            }
            _ => None,
        }
    }

    /// Exchanges `refresh_token` (checked with
    /// [`AuthState::refusal_of_refresh`]) for a new expiring access token
    /// and refresh token of the same grant. The first exchange starts its
    /// grace period; a later one within it revokes the refresh token the
    /// earlier one gave (the later exchange wins). `None` when it is
    /// unknown.
    pub fn refresh(
        &mut self,
        refresh_token: &str,
        now: Duration,
    ) -> Option<(RefreshEntry, Issued)> {
        let entry = self.refresh_tokens.get(refresh_token)?.clone();
        let issued = self.issue(&entry.owner, entry.grant.clone(), true, now);
        if let Some(earlier) = &entry.latest {
            self.revoked.insert(earlier.clone());
        }
        if let Some(stored) = self.refresh_tokens.get_mut(refresh_token) {
            stored.used_at.get_or_insert(now);
            stored.latest.clone_from(&issued.refresh_token);
        }
        Some((entry, issued))
    }

    /// Revokes `token` and, when it came with one, its refresh token
    /// (`auth.revoke`).
    pub fn revoke_with_refresh(&mut self, token: &str) {
        self.revoked.insert(token.to_owned());
        let refresh: Vec<String> = self
            .refresh_tokens
            .iter()
            .filter(|(_, entry)| entry.access_token == token)
            .map(|(text, _)| text.clone())
            .collect();
        self.revoked.extend(refresh);
    }

    /// Revokes every refresh token whose grant `matches`.
    fn revoke_refresh_tokens(&mut self, matches: impl Fn(&TokenEntry) -> bool) {
        let refresh: Vec<String> = self
            .refresh_tokens
            .iter()
            .filter(|(_, entry)| matches(&entry.grant))
            .map(|(text, _)| text.clone())
            .collect();
        self.revoked.extend(refresh);
    }

    /// The app leaves workspace `index`: every token of it, issued at start
    /// (`directory`) or at run time, is revoked (refresh tokens too), the
    /// uninstall is recorded, and its events wait in `unsent`. The one
    /// uninstall behind `apps.uninstall`, `POST /_mock/uninstall` and
    /// `MockSlack::uninstall_app`. Returns how many tokens were revoked.
    pub fn uninstall(&mut self, directory: &Directory, index: usize, now: i64) -> usize {
        let issued: Vec<String> = self
            .issued
            .iter()
            .filter(|(_, entry)| entry.workspace == index && entry.org_wide.is_none())
            .map(|(text, _)| text.clone())
            .collect();
        let from_start = directory
            .tokens
            .iter()
            .filter(|(text, entry)| entry.workspace == index && !is_app_level(text))
            .count();
        let has_user_token = directory
            .tokens
            .values()
            .chain(self.issued.values())
            .any(|entry| {
                entry.workspace == index
                    && entry.org_wide.is_none()
                    && entry.kind == TokenKind::User
            });
        self.revoked.extend(issued.iter().cloned());
        self.revoke_refresh_tokens(|grant| grant.workspace == index && grant.org_wide.is_none());
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
            org_wide: None,
            oauth_users,
            bot_users: workspace
                .map(WorkspaceConfig::bot_user_id)
                .into_iter()
                .collect(),
            app_uninstalled: true,
        });
        self.uninstalls.push(Uninstalled {
            team_id,
            enterprise_id: None,
            tokens_revoked: issued.len() + from_start,
            at: now,
        });
        issued.len() + from_start
    }

    /// The app's org-wide install leaves organization `enterprise_id`:
    /// every token that install issued is revoked in every workspace of
    /// the organization (refresh tokens too), the uninstall is recorded
    /// and its events wait in `unsent` (named after the organization's
    /// first workspace, the fake's choice). `None` when the app is not
    /// installed org-wide there. Returns how many tokens were revoked.
    pub fn uninstall_org(
        &mut self,
        directory: &Directory,
        enterprise_id: &str,
        now: i64,
    ) -> Option<usize> {
        if !self.org_installs.remove(enterprise_id) {
            return None;
        }
        let issued: Vec<(String, TokenEntry)> = self
            .issued
            .iter()
            .filter(|(text, entry)| {
                entry.org_wide.as_deref() == Some(enterprise_id) && !self.revoked.contains(*text)
            })
            .map(|(text, entry)| (text.clone(), entry.clone()))
            .collect();
        let home = issued.first().map(|(_, entry)| entry.workspace);
        let workspace = home
            .and_then(|index| directory.workspaces.get(index))
            .or_else(|| {
                directory
                    .workspaces
                    .iter()
                    .find(|w| w.enterprise.as_deref() == Some(enterprise_id))
            });
        let team_id = workspace.map(|w| w.team_id.clone()).unwrap_or_default();
        let oauth_users = workspace
            .and_then(|w| w.acting_user.clone())
            .filter(|_| issued.iter().any(|(_, e)| e.kind == TokenKind::User))
            .into_iter()
            .collect();
        self.revoked
            .extend(issued.iter().map(|(text, _)| text.clone()));
        self.revoke_refresh_tokens(|grant| grant.org_wide.as_deref() == Some(enterprise_id));
        self.unsent.push(UninstallEvents {
            team_id: team_id.clone(),
            org_wide: Some(enterprise_id.to_owned()),
            oauth_users,
            bot_users: workspace
                .map(WorkspaceConfig::bot_user_id)
                .into_iter()
                .collect(),
            app_uninstalled: true,
        });
        self.uninstalls.push(Uninstalled {
            team_id,
            enterprise_id: Some(enterprise_id.to_owned()),
            tokens_revoked: issued.len(),
            at: now,
        });
        Some(issued.len())
    }
}

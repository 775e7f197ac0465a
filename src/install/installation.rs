//! What an installation is, as Slack returns it from `oauth.v2.access`, and
//! how Slack keys it: [`Installation`], [`InstallationKey`].

use std::fmt;
use std::time::SystemTime;

use crate::token::{Token, TokenKind};

/// An Enterprise Grid organization or a workspace: its id and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Named {
    /// `E…` for an organization, `T…` for a workspace.
    pub id: String,
    /// Its name, when Slack said it (empty when not known).
    pub name: String,
}

impl Named {
    /// An organization or workspace with this id and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Named {
        Named {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// A token Slack granted, with what came with it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grant {
    /// The access token (`xoxb-`, `xoxp-`, or `xoxe.xoxb-` / `xoxe.xoxp-`
    /// with token rotation).
    pub token: Token,
    /// The scopes granted, as Slack listed them.
    pub scopes: Vec<String>,
    /// When the token expires (token rotation only).
    pub expires_at: Option<SystemTime>,
    /// The token that refreshes it (token rotation only).
    pub refresh_token: Option<Token>,
}

impl Grant {
    /// A token with these scopes and no expiry.
    pub fn new(
        token: impl Into<Token>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Grant {
        Grant {
            token: token.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
            expires_at: None,
            refresh_token: None,
        }
    }

    /// Expires at `at`, refreshed with `refresh_token` (token rotation).
    pub fn expiring(mut self, at: SystemTime, refresh_token: impl Into<Token>) -> Grant {
        self.expires_at = Some(at);
        self.refresh_token = Some(refresh_token.into());
        self
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens print redacted (see `Token`'s Debug).
        f.debug_struct("Grant")
            .field("token", &self.token)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The app's bot in the installation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bot {
    /// The bot token and its scopes.
    pub grant: Grant,
    /// The bot's user id (`bot_user_id`), `U…`.
    pub user_id: Option<String>,
    /// The bot's id (`B…`), from `auth.test` (`oauth.v2.access` does not
    /// return it).
    pub bot_id: Option<String>,
}

/// The user who installed the app, and the user token when user scopes
/// were asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installer {
    /// The user's id (`authed_user.id`).
    pub user_id: String,
    /// The user token and its scopes, when user scopes were granted.
    pub grant: Option<Grant>,
}

/// What one install of the app gave it: who installed it where, and the
/// tokens.
///
/// Keyed as Slack keys installations ([`InstallationKey`]): a workspace
/// (with its organization when it is in one), or a whole Enterprise Grid
/// organization for an org-wide install, which serves every workspace of
/// the organization and has no team.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installation {
    /// The app's id (`A…`), when known.
    pub app_id: Option<String>,
    /// The Enterprise Grid organization, when the workspace is in one or
    /// the install is org-wide.
    pub enterprise: Option<Named>,
    /// The workspace; `None` for an org-wide install.
    pub team: Option<Named>,
    /// Whether the app was installed for the whole organization.
    pub is_enterprise_install: bool,
    /// The app's bot, when bot scopes were granted.
    pub bot: Option<Bot>,
    /// The installing user, and their token when user scopes were granted.
    pub installer: Option<Installer>,
    /// When it was installed (or last installed again).
    pub installed_at: SystemTime,
}

impl Installation {
    /// A single-workspace install of `team_id` with `tokens`, outside any
    /// organization: the first bot token becomes the bot, the first user
    /// token the installer's (with no scopes or user id known). Install
    /// flows build the whole value from Slack's answer instead.
    pub fn new(
        team_id: impl Into<String>,
        tokens: impl IntoIterator<Item = impl Into<Token>>,
    ) -> Installation {
        let mut bot = None;
        let mut installer = None;
        for token in tokens {
            let token = token.into();
            match token.kind() {
                TokenKind::Bot if bot.is_none() => {
                    bot = Some(Bot {
                        grant: Grant::new(token, Vec::<String>::new()),
                        user_id: None,
                        bot_id: None,
                    });
                }
                TokenKind::Bot => {}
                _ if installer.is_none() => {
                    installer = Some(Installer {
                        user_id: String::new(),
                        grant: Some(Grant::new(token, Vec::<String>::new())),
                    });
                }
                _ => {}
            }
        }
        Installation {
            app_id: None,
            enterprise: None,
            team: Some(Named::new(team_id, "")),
            is_enterprise_install: false,
            bot,
            installer,
            installed_at: SystemTime::now(),
        }
    }

    /// The installation `oauth.v2.access` describes, installed now: the
    /// organization and workspace (none for an org-wide install), the bot
    /// token with its scopes and user (its `bot_id` is not in the answer:
    /// `auth.test` with the bot token tells it), the installing user and
    /// their token, and with token rotation each token's expiry and
    /// refresh token. `None` when the answer names neither a workspace nor
    /// an organization to key it by.
    pub fn from_access(answer: &crate::oauth::v2::AccessResponse) -> Option<Installation> {
        let named = |team: &crate::OAuthTeam| {
            Named::new(team.id.clone(), team.name.clone().unwrap_or_default())
        };
        let scopes = |text: Option<&String>| -> Vec<String> {
            text.map(|text| {
                text.split(',')
                    .filter(|scope| !scope.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
        };
        let is_enterprise_install = answer.is_enterprise_install.unwrap_or(false);
        let enterprise = answer.enterprise.as_ref().map(named);
        let team = answer.team.as_ref().map(named);
        match (is_enterprise_install, &enterprise, &team) {
            (true, None, _) | (false, _, None) => return None,
            _ => {}
        }
        // With token rotation: when the token expires, and its refresh token.
        let expiring = |grant: Grant, expires_in: Option<i64>, refresh: Option<&Token>| match (
            expires_in, refresh,
        ) {
            (Some(seconds), Some(refresh)) => {
                let after = std::time::Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
                grant.expiring(SystemTime::now() + after, refresh.clone())
            }
            _ => grant,
        };
        let bot = answer.access_token.as_ref().map(|token| {
            let grant = expiring(
                Grant::new(token.clone(), scopes(answer.scope.as_ref())),
                answer.expires_in,
                answer.refresh_token.as_ref(),
            );
            Bot {
                grant,
                user_id: answer.bot_user_id.as_ref().map(|id| id.as_str().to_owned()),
                bot_id: None,
            }
        });
        let installer = answer.authed_user.as_ref().map(|user| Installer {
            user_id: user.id.as_str().to_owned(),
            grant: user.access_token.as_ref().map(|token| {
                expiring(
                    Grant::new(token.clone(), scopes(user.scope.as_ref())),
                    user.expires_in,
                    user.refresh_token.as_ref(),
                )
            }),
        });
        Some(Installation {
            app_id: Some(answer.app_id.clone()),
            enterprise,
            team: if is_enterprise_install { None } else { team },
            is_enterprise_install,
            bot,
            installer,
            installed_at: SystemTime::now(),
        })
    }

    /// The same installation with its times cut to whole milliseconds, as
    /// the stores keep them: what a cache holds then equals what the store
    /// gives back.
    pub(crate) fn at_stored_precision(mut self) -> Installation {
        fn cut(at: SystemTime) -> SystemTime {
            let since = at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            std::time::UNIX_EPOCH
                + std::time::Duration::from_millis(
                    u64::try_from(since.as_millis()).unwrap_or(u64::MAX),
                )
        }
        self.installed_at = cut(self.installed_at);
        let grants = self
            .bot
            .as_mut()
            .map(|bot| &mut bot.grant)
            .into_iter()
            .chain(self.installer.as_mut().and_then(|user| user.grant.as_mut()));
        for grant in grants {
            grant.expires_at = grant.expires_at.map(cut);
        }
        self
    }

    /// How Slack keys this installation.
    pub fn key(&self) -> InstallationKey {
        InstallationKey {
            enterprise_id: self.enterprise.as_ref().map(|e| e.id.clone()),
            team_id: if self.is_enterprise_install {
                None
            } else {
                self.team.as_ref().map(|t| t.id.clone())
            },
        }
    }

    /// The workspace's id; `None` for an org-wide install.
    pub fn team_id(&self) -> Option<&str> {
        match self.is_enterprise_install {
            true => None,
            false => self.team.as_ref().map(|t| t.id.as_str()),
        }
    }

    /// The token a workspace client uses: the bot's, else the installer's.
    pub fn token(&self) -> Option<&Token> {
        self.bot
            .as_ref()
            .map(|bot| &bot.grant.token)
            .or_else(|| self.user_token())
    }

    /// The installer's user token, when there is one.
    pub fn user_token(&self) -> Option<&Token> {
        self.installer
            .as_ref()
            .and_then(|installer| installer.grant.as_ref())
            .map(|grant| &grant.token)
    }

    /// Every access token it holds: the bot's, then the installer's.
    pub fn tokens(&self) -> impl Iterator<Item = &Token> {
        self.bot
            .as_ref()
            .map(|bot| &bot.grant.token)
            .into_iter()
            .chain(self.user_token())
    }
}

/// How Slack keys an installation: a workspace (with its organization
/// when it is in one), or a whole organization for an org-wide install.
///
/// ```
/// use slack_calls::InstallationKey;
///
/// // An event's authorizations[0], or a Call button's form fields.
/// let org = InstallationKey::find(Some("E1"), Some("T2"), true).unwrap();
/// assert_eq!(org, InstallationKey::org_wide("E1"));
/// let one = InstallationKey::find(Some("E1"), Some("T2"), false).unwrap();
/// assert_eq!(one, InstallationKey::in_org("E1", "T2"));
/// assert_eq!(InstallationKey::find(None, Some("T3"), false), Some(InstallationKey::workspace("T3")));
/// assert_eq!(InstallationKey::find(None, Some("T3"), true), None, "org-wide needs the org");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub struct InstallationKey {
    /// The organization, when there is one.
    pub enterprise_id: Option<String>,
    /// The workspace; `None` for an org-wide install.
    pub team_id: Option<String>,
}

impl InstallationKey {
    /// A workspace outside any organization.
    pub fn workspace(team_id: impl Into<String>) -> InstallationKey {
        InstallationKey {
            enterprise_id: None,
            team_id: Some(team_id.into()),
        }
    }

    /// One workspace of an organization, installed on its own.
    pub fn in_org(enterprise_id: impl Into<String>, team_id: impl Into<String>) -> InstallationKey {
        InstallationKey {
            enterprise_id: Some(enterprise_id.into()),
            team_id: Some(team_id.into()),
        }
    }

    /// A whole organization (an org-wide install).
    pub fn org_wide(enterprise_id: impl Into<String>) -> InstallationKey {
        InstallationKey {
            enterprise_id: Some(enterprise_id.into()),
            team_id: None,
        }
    }

    /// The key to look up for a request that names these, as Slack sends
    /// them (an event's `authorizations[0]`; a Call-button or slash-command
    /// form's `enterprise_id`, `team_id` and `is_enterprise_install`):
    /// `is_enterprise_install` decides. Empty ids count as absent. `None`
    /// when the ids needed are missing.
    pub fn find(
        enterprise_id: Option<&str>,
        team_id: Option<&str>,
        is_enterprise_install: bool,
    ) -> Option<InstallationKey> {
        let present = |id: Option<&str>| id.filter(|id| !id.is_empty()).map(str::to_owned);
        let enterprise_id = present(enterprise_id);
        if is_enterprise_install {
            return enterprise_id.map(InstallationKey::org_wide);
        }
        Some(InstallationKey {
            enterprise_id,
            team_id: Some(present(team_id)?),
        })
    }

    /// Whether this is an org-wide install's key.
    pub fn is_org_wide(&self) -> bool {
        self.team_id.is_none()
    }
}

impl fmt::Display for InstallationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.enterprise_id, &self.team_id) {
            (Some(org), Some(team)) => write!(f, "{org}/{team}"),
            (Some(org), None) => write!(f, "{org} (org-wide)"),
            (None, Some(team)) => f.write_str(team),
            (None, None) => f.write_str("(no workspace)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hand_made_installation_sorts_its_tokens_and_is_keyed_by_its_team() {
        let installation = Installation::new("T1", ["xoxp-user", "xoxb-bot", "xoxb-second"]);
        assert_eq!(installation.key(), InstallationKey::workspace("T1"));
        assert_eq!(installation.team_id(), Some("T1"));
        assert_eq!(installation.token().unwrap().expose_secret(), "xoxb-bot");
        assert_eq!(
            installation.user_token().unwrap().expose_secret(),
            "xoxp-user"
        );
        assert_eq!(installation.tokens().count(), 2);
        let debug = format!("{installation:?}");
        assert!(
            !debug.contains("xoxb-bot") && !debug.contains("xoxp-user"),
            "{debug}"
        );
        let only_user = Installation::new("T2", ["xoxp-only"]);
        assert_eq!(only_user.token().unwrap().expose_secret(), "xoxp-only");
    }

    #[test]
    fn an_org_wide_installation_has_no_team_in_its_key() {
        let mut installation = Installation::new("T9", ["xoxb-org"]);
        installation.enterprise = Some(Named::new("E1", "Org"));
        installation.is_enterprise_install = true;
        assert_eq!(installation.key(), InstallationKey::org_wide("E1"));
        assert!(installation.key().is_org_wide());
        assert_eq!(installation.team_id(), None);
        installation.is_enterprise_install = false;
        assert_eq!(installation.key(), InstallationKey::in_org("E1", "T9"));
        assert_eq!(installation.key().to_string(), "E1/T9");
        assert_eq!(InstallationKey::org_wide("E1").to_string(), "E1 (org-wide)");
    }

    #[test]
    fn the_lookup_key_of_a_request_follows_is_enterprise_install() {
        assert_eq!(
            InstallationKey::find(Some(""), Some("T1"), false),
            Some(InstallationKey::workspace("T1"))
        );
        assert_eq!(InstallationKey::find(Some("E1"), None, false), None);
        assert_eq!(InstallationKey::find(Some("E1"), Some(""), false), None);
        assert_eq!(InstallationKey::find(Some(""), Some("T1"), true), None);
        assert_eq!(
            InstallationKey::find(Some("E1"), None, true),
            Some(InstallationKey::org_wide("E1"))
        );
    }
}

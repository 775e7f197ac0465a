//! One installation as a database row, the same for every SQL store: the
//! columns, sealing the tokens on the way in and opening them on the way
//! out ([`SealedRow`]). The stores only bind and read these values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::install::installation::{Bot, Grant, Installation, InstallationKey, Installer, Named};
use crate::install::store::StoreError;
use crate::sealing::TokenKeys;
use crate::token::Token;

/// The installation columns, in the order [`SealedRow`] lists them.
pub(crate) const COLUMNS: &str = "enterprise_id, team_id, enterprise_name, team_name, \
     is_enterprise_install, app_id, bot_token, bot_scopes, bot_user_id, bot_id, bot_expires_at, \
     bot_refresh_token, installer_user_id, user_token, user_scopes, user_expires_at, \
     user_refresh_token, installed_at, updated_at, key_id";

/// The columns a save replaces (all but the key), as `col = excluded.col`.
pub(crate) const UPDATE_ON_CONFLICT: &str = "enterprise_name = excluded.enterprise_name, \
     team_name = excluded.team_name, is_enterprise_install = excluded.is_enterprise_install, \
     app_id = excluded.app_id, bot_token = excluded.bot_token, bot_scopes = excluded.bot_scopes, \
     bot_user_id = excluded.bot_user_id, bot_id = excluded.bot_id, \
     bot_expires_at = excluded.bot_expires_at, bot_refresh_token = excluded.bot_refresh_token, \
     installer_user_id = excluded.installer_user_id, user_token = excluded.user_token, \
     user_scopes = excluded.user_scopes, user_expires_at = excluded.user_expires_at, \
     user_refresh_token = excluded.user_refresh_token, installed_at = excluded.installed_at, \
     updated_at = excluded.updated_at, key_id = excluded.key_id";

/// The key's two columns: empty text stands for "none", so the pair is a
/// plain primary key.
pub(crate) fn key_columns(key: &InstallationKey) -> (String, String) {
    (
        key.enterprise_id.clone().unwrap_or_default(),
        key.team_id.clone().unwrap_or_default(),
    )
}

/// The key the two columns stand for (the inverse of [`key_columns`]).
pub(crate) fn from_columns(enterprise_id: String, team_id: String) -> InstallationKey {
    let some = |text: String| (!text.is_empty()).then_some(text);
    InstallationKey {
        enterprise_id: some(enterprise_id),
        team_id: some(team_id),
    }
}

/// What a sealed token is bound to: its row and its field.
fn context(key: &InstallationKey, field: &str) -> String {
    let (enterprise, team) = key_columns(key);
    format!("installation/{enterprise}/{team}/{field}")
}

pub(crate) fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

pub(crate) fn from_millis(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn scope_list(text: Option<String>) -> Vec<String> {
    let mut scopes: Vec<String> = text
        .unwrap_or_default()
        .split(',')
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect();
    // Cached for the app's life: no spare slots.
    scopes.shrink_to_fit();
    scopes
}

/// One grant's columns: sealed token, scopes, expiry (Unix ms), sealed
/// refresh token.
#[derive(Debug, Default)]
pub(crate) struct GrantColumns {
    pub token: Option<String>,
    pub scopes: Option<String>,
    pub expires_at: Option<i64>,
    pub refresh_token: Option<String>,
}

/// One installation's columns, tokens sealed, in [`COLUMNS`] order.
#[derive(Debug)]
pub(crate) struct SealedRow {
    pub enterprise_id: String,
    pub team_id: String,
    pub enterprise_name: Option<String>,
    pub team_name: Option<String>,
    pub is_enterprise_install: bool,
    pub app_id: Option<String>,
    pub bot: GrantColumns,
    pub bot_user_id: Option<String>,
    pub bot_id: Option<String>,
    pub installer_user_id: Option<String>,
    pub user: GrantColumns,
    pub installed_at: i64,
    pub updated_at: i64,
    pub key_id: String,
}

/// A row as a database driver reads it: the three kinds of column the
/// table has, by position in [`COLUMNS`].
pub(crate) trait Columns {
    type Error;
    fn text(&self, index: usize) -> Result<Option<String>, Self::Error>;
    fn number(&self, index: usize) -> Result<Option<i64>, Self::Error>;
    fn flag(&self, index: usize) -> Result<bool, Self::Error>;
}

impl SealedRow {
    /// One row, read in [`COLUMNS`] order (the key, key id and times are
    /// `NOT NULL` in every store's schema).
    pub(crate) fn read<C: Columns>(row: &C) -> Result<SealedRow, C::Error> {
        Ok(SealedRow {
            enterprise_id: row.text(0)?.unwrap_or_default(),
            team_id: row.text(1)?.unwrap_or_default(),
            enterprise_name: row.text(2)?,
            team_name: row.text(3)?,
            is_enterprise_install: row.flag(4)?,
            app_id: row.text(5)?,
            bot: GrantColumns {
                token: row.text(6)?,
                scopes: row.text(7)?,
                expires_at: row.number(10)?,
                refresh_token: row.text(11)?,
            },
            bot_user_id: row.text(8)?,
            bot_id: row.text(9)?,
            installer_user_id: row.text(12)?,
            user: GrantColumns {
                token: row.text(13)?,
                scopes: row.text(14)?,
                expires_at: row.number(15)?,
                refresh_token: row.text(16)?,
            },
            installed_at: row.number(17)?.unwrap_or_default(),
            updated_at: row.number(18)?.unwrap_or_default(),
            key_id: row.text(19)?.unwrap_or_default(),
        })
    }

    /// `installation` as a row, its tokens sealed with the current key.
    pub(crate) fn seal(
        keys: &TokenKeys,
        installation: &Installation,
    ) -> Result<SealedRow, StoreError> {
        let key = installation.key();
        let (enterprise_id, team_id) = key_columns(&key);
        let seal = |token: &Token, field: String| {
            keys.seal(token, &context(&key, &field))
                .map_err(|source| StoreError::Sealed {
                    key: key.to_string(),
                    source,
                })
        };
        let grant = |prefix: &str, grant: Option<&Grant>| -> Result<GrantColumns, StoreError> {
            let Some(grant) = grant else {
                return Ok(GrantColumns::default());
            };
            Ok(GrantColumns {
                token: Some(seal(&grant.token, format!("{prefix}_token"))?),
                scopes: Some(grant.scopes.join(",")),
                expires_at: grant.expires_at.map(millis),
                refresh_token: grant
                    .refresh_token
                    .as_ref()
                    .map(|token| seal(token, format!("{prefix}_refresh_token")))
                    .transpose()?,
            })
        };
        let bot = installation.bot.as_ref();
        let installer = installation.installer.as_ref();
        Ok(SealedRow {
            enterprise_id,
            team_id,
            enterprise_name: installation.enterprise.as_ref().map(|e| e.name.clone()),
            team_name: installation.team.as_ref().map(|t| t.name.clone()),
            is_enterprise_install: installation.is_enterprise_install,
            app_id: installation.app_id.clone(),
            bot: grant("bot", bot.map(|bot| &bot.grant))?,
            bot_user_id: bot.and_then(|bot| bot.user_id.clone()),
            bot_id: bot.and_then(|bot| bot.bot_id.clone()),
            installer_user_id: installer.map(|installer| installer.user_id.clone()),
            user: grant(
                "user",
                installer.and_then(|installer| installer.grant.as_ref()),
            )?,
            installed_at: millis(installation.installed_at),
            updated_at: millis(SystemTime::now()),
            key_id: keys.current_key_id().to_owned(),
        })
    }

    /// The installation this row holds, its tokens opened.
    pub(crate) fn open(self, keys: &TokenKeys) -> Result<Installation, StoreError> {
        let key = InstallationKey {
            enterprise_id: Some(self.enterprise_id).filter(|id| !id.is_empty()),
            team_id: Some(self.team_id).filter(|id| !id.is_empty()),
        };
        let consistent = if self.is_enterprise_install {
            key.enterprise_id.is_some() && key.team_id.is_none()
        } else {
            key.team_id.is_some()
        };
        if !consistent {
            return Err(StoreError::Corrupt {
                key: key.to_string(),
                reason: "the key does not match is_enterprise_install (an org-wide install has an organization and no workspace; any other has a workspace)".to_owned(),
            });
        }
        let open = |sealed: Option<String>, field: String| {
            sealed
                .map(|sealed| {
                    keys.open(&sealed, &context(&key, &field))
                        .map_err(|source| StoreError::Sealed {
                            key: key.to_string(),
                            source,
                        })
                })
                .transpose()
        };
        let grant = |prefix: &str, columns: GrantColumns| -> Result<Option<Grant>, StoreError> {
            let Some(token) = open(columns.token, format!("{prefix}_token"))? else {
                return Ok(None);
            };
            Ok(Some(Grant {
                token,
                scopes: scope_list(columns.scopes),
                expires_at: columns.expires_at.map(from_millis),
                refresh_token: open(columns.refresh_token, format!("{prefix}_refresh_token"))?,
            }))
        };
        let bot = grant("bot", self.bot)?.map(|grant| Bot {
            grant,
            user_id: self.bot_user_id,
            bot_id: self.bot_id,
        });
        let installer = match (self.installer_user_id, grant("user", self.user)?) {
            (None, None) => None,
            (user_id, grant) => Some(Installer {
                user_id: user_id.unwrap_or_default(),
                grant,
            }),
        };
        Ok(Installation {
            app_id: self.app_id,
            enterprise: key
                .enterprise_id
                .clone()
                .map(|id| Named::new(id, self.enterprise_name.unwrap_or_default())),
            team: key
                .team_id
                .clone()
                .map(|id| Named::new(id, self.team_name.unwrap_or_default())),
            is_enterprise_install: self.is_enterprise_install,
            bot,
            installer,
            installed_at: from_millis(self.installed_at),
        })
    }
}

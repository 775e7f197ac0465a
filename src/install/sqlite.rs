//! Installations in a SQLite file (feature `sqlite`): [`SqliteStore`].
//!
//! One row per installation, keyed as Slack keys them (organization and
//! workspace; an empty text stands for "none", so the key is a plain
//! primary key and a save replaces the row). Every token is sealed with
//! the app's [`TokenKeys`] before it reaches the file, bound to its row and
//! field, and each row records the id of the key that sealed it.
//!
//! The crate owns its tables, named `slack_calls_*`, and keeps its own
//! schema version in `slack_calls_schema`, so they cannot clash with the
//! app's own tables or migration tool. rusqlite is synchronous: each
//! operation runs on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::install::installation::{Bot, Grant, Installation, InstallationKey, Installer, Named};
use crate::install::store::{InstallationStore, StoreError, StoreFuture};
use crate::sealing::TokenKeys;
use crate::token::Token;

const STORE: &str = "sqlite";
/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 1;

const MIGRATIONS: &[&str] = &["
CREATE TABLE slack_calls_installations (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    enterprise_name TEXT,
    team_name TEXT,
    is_enterprise_install INTEGER NOT NULL,
    app_id TEXT,
    bot_token TEXT,
    bot_scopes TEXT,
    bot_user_id TEXT,
    bot_id TEXT,
    bot_expires_at INTEGER,
    bot_refresh_token TEXT,
    installer_user_id TEXT,
    user_token TEXT,
    user_scopes TEXT,
    user_expires_at INTEGER,
    user_refresh_token TEXT,
    installed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);
CREATE INDEX slack_calls_installations_by_team
    ON slack_calls_installations (team_id) WHERE team_id <> '';
"];

const COLUMNS: &str = "enterprise_id, team_id, enterprise_name, team_name, is_enterprise_install, \
     app_id, bot_token, bot_scopes, bot_user_id, bot_id, bot_expires_at, bot_refresh_token, \
     installer_user_id, user_token, user_scopes, user_expires_at, user_refresh_token, installed_at";

/// Installations in a SQLite file (feature `sqlite`), tokens sealed.
///
/// One row per installation, keyed as Slack keys them (organization and
/// workspace); a save replaces the row. Every token is sealed with the
/// app's [`TokenKeys`] before it reaches the file, bound to its row and
/// field, and each row records the id of the key that sealed it. The
/// crate owns its tables, named `slack_calls_*`, and keeps its own schema
/// version in `slack_calls_schema`, so they cannot clash with the app's own
/// tables or migration tool; a file written by a newer version is refused.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Mutex<Connection>,
    keys: TokenKeys,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable {
        store: STORE,
        reason: err.to_string(),
    }
}

impl SqliteStore {
    /// Opens (or creates) the SQLite file at `path`, bringing its schema
    /// up to date, sealing tokens with `keys`.
    pub async fn open(path: impl AsRef<Path>, keys: TokenKeys) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_owned();
        let connection = tokio::task::spawn_blocking(move || -> Result<Connection, StoreError> {
            let mut connection = Connection::open(&path).map_err(unavailable)?;
            connection
                .busy_timeout(Duration::from_secs(5))
                .map_err(unavailable)?;
            // Several processes may share the file: WAL lets readers go on
            // while one writes.
            let _: String = connection
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
                .map_err(unavailable)?;
            migrate(&mut connection)?;
            Ok(connection)
        })
        .await
        .map_err(unavailable)??;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                connection: Mutex::new(connection),
                keys,
            }),
        })
    }

    /// Runs `work` on the connection, on tokio's blocking pool.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection, &TokenKeys) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = inner
                .connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            work(&mut connection, &inner.keys)
        })
        .await
        .map_err(unavailable)?
    }
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction; refuses a
/// newer one.
fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let tx = connection.transaction().map_err(unavailable)?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS slack_calls_schema (
             component TEXT PRIMARY KEY,
             version INTEGER NOT NULL
         )",
        [],
    )
    .map_err(unavailable)?;
    let found: i64 = tx
        .query_row(
            "SELECT version FROM slack_calls_schema WHERE component = 'installations'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)?
        .unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            store: STORE,
            found,
            known: SCHEMA_VERSION,
        });
    }
    let start = usize::try_from(found).unwrap_or(0);
    for migration in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(migration).map_err(unavailable)?;
    }
    tx.execute(
        "INSERT INTO slack_calls_schema (component, version) VALUES ('installations', ?1)
         ON CONFLICT (component) DO UPDATE SET version = excluded.version",
        [SCHEMA_VERSION],
    )
    .map_err(unavailable)?;
    tx.commit().map_err(unavailable)
}

/// The key's two columns: empty text for "none".
fn key_columns(key: &InstallationKey) -> (String, String) {
    (
        key.enterprise_id.clone().unwrap_or_default(),
        key.team_id.clone().unwrap_or_default(),
    )
}

fn context(key: &InstallationKey, field: &str) -> String {
    let (enterprise, team) = key_columns(key);
    format!("installation/{enterprise}/{team}/{field}")
}

fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

fn from_millis(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

fn scopes(list: &[String]) -> String {
    list.join(",")
}

fn scope_list(text: Option<String>) -> Vec<String> {
    text.unwrap_or_default()
        .split(',')
        .filter(|scope| !scope.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The sealed columns of one grant: token, expiry, refresh token.
struct SealedGrant {
    token: Option<String>,
    scopes: Option<String>,
    expires_at: Option<i64>,
    refresh_token: Option<String>,
}

fn seal_grant(
    keys: &TokenKeys,
    key: &InstallationKey,
    prefix: &str,
    grant: Option<&Grant>,
) -> Result<SealedGrant, StoreError> {
    let seal = |token: &Token, field: &str| {
        keys.seal(token, &context(key, &format!("{prefix}_{field}")))
            .map_err(|source| StoreError::Sealed {
                key: key.to_string(),
                source,
            })
    };
    Ok(match grant {
        None => SealedGrant {
            token: None,
            scopes: None,
            expires_at: None,
            refresh_token: None,
        },
        Some(grant) => SealedGrant {
            token: Some(seal(&grant.token, "token")?),
            scopes: Some(scopes(&grant.scopes)),
            expires_at: grant.expires_at.map(millis),
            refresh_token: grant
                .refresh_token
                .as_ref()
                .map(|token| seal(token, "refresh_token"))
                .transpose()?,
        },
    })
}

fn save(
    connection: &mut Connection,
    keys: &TokenKeys,
    installation: &Installation,
) -> Result<(), StoreError> {
    let key = installation.key();
    let (enterprise_id, team_id) = key_columns(&key);
    let bot = seal_grant(
        keys,
        &key,
        "bot",
        installation.bot.as_ref().map(|bot| &bot.grant),
    )?;
    let user = seal_grant(
        keys,
        &key,
        "user",
        installation
            .installer
            .as_ref()
            .and_then(|installer| installer.grant.as_ref()),
    )?;
    let tx = connection.transaction().map_err(unavailable)?;
    if !team_id.is_empty() {
        // One single-workspace install per workspace, whatever its
        // organization key.
        tx.execute(
            "DELETE FROM slack_calls_installations
             WHERE team_id = ?1 AND enterprise_id <> ?2",
            params![team_id, enterprise_id],
        )
        .map_err(unavailable)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO slack_calls_installations ({COLUMNS}, updated_at, key_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
             ON CONFLICT (enterprise_id, team_id) DO UPDATE SET
                 enterprise_name = excluded.enterprise_name, team_name = excluded.team_name,
                 is_enterprise_install = excluded.is_enterprise_install, app_id = excluded.app_id,
                 bot_token = excluded.bot_token, bot_scopes = excluded.bot_scopes,
                 bot_user_id = excluded.bot_user_id, bot_id = excluded.bot_id,
                 bot_expires_at = excluded.bot_expires_at, bot_refresh_token = excluded.bot_refresh_token,
                 installer_user_id = excluded.installer_user_id, user_token = excluded.user_token,
                 user_scopes = excluded.user_scopes, user_expires_at = excluded.user_expires_at,
                 user_refresh_token = excluded.user_refresh_token, installed_at = excluded.installed_at,
                 updated_at = excluded.updated_at, key_id = excluded.key_id"
        ),
        params![
            enterprise_id,
            team_id,
            installation.enterprise.as_ref().map(|e| &e.name),
            installation.team.as_ref().map(|t| &t.name),
            installation.is_enterprise_install,
            installation.app_id,
            bot.token,
            bot.scopes,
            installation.bot.as_ref().and_then(|b| b.user_id.as_ref()),
            installation.bot.as_ref().and_then(|b| b.bot_id.as_ref()),
            bot.expires_at,
            bot.refresh_token,
            installation.installer.as_ref().map(|i| &i.user_id),
            user.token,
            user.scopes,
            user.expires_at,
            user.refresh_token,
            millis(installation.installed_at),
            millis(SystemTime::now()),
            keys.current_key_id(),
        ],
    )
    .map_err(unavailable)?;
    tx.commit().map_err(unavailable)
}

/// The raw columns of one row, read before anything is opened.
struct Stored {
    enterprise_id: String,
    team_id: String,
    enterprise_name: Option<String>,
    team_name: Option<String>,
    is_enterprise_install: bool,
    app_id: Option<String>,
    bot: [Option<String>; 2],
    bot_user_id: Option<String>,
    bot_id: Option<String>,
    bot_scopes: Option<String>,
    bot_expires_at: Option<i64>,
    installer_user_id: Option<String>,
    user: [Option<String>; 2],
    user_scopes: Option<String>,
    user_expires_at: Option<i64>,
    installed_at: i64,
}

fn stored(row: &Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        enterprise_id: row.get(0)?,
        team_id: row.get(1)?,
        enterprise_name: row.get(2)?,
        team_name: row.get(3)?,
        is_enterprise_install: row.get(4)?,
        app_id: row.get(5)?,
        bot: [row.get(6)?, row.get(11)?],
        bot_scopes: row.get(7)?,
        bot_user_id: row.get(8)?,
        bot_id: row.get(9)?,
        bot_expires_at: row.get(10)?,
        installer_user_id: row.get(12)?,
        user: [row.get(13)?, row.get(16)?],
        user_scopes: row.get(14)?,
        user_expires_at: row.get(15)?,
        installed_at: row.get(17)?,
    })
}

/// Opens a row's tokens and builds the installation.
fn installation(keys: &TokenKeys, row: Stored) -> Result<Installation, StoreError> {
    let key = InstallationKey {
        enterprise_id: Some(row.enterprise_id.clone()).filter(|id| !id.is_empty()),
        team_id: Some(row.team_id.clone()).filter(|id| !id.is_empty()),
    };
    let open = |sealed: &Option<String>, field: &str| {
        sealed
            .as_deref()
            .map(|sealed| {
                keys.open(sealed, &context(&key, field))
                    .map_err(|source| StoreError::Sealed {
                        key: key.to_string(),
                        source,
                    })
            })
            .transpose()
    };
    let grant = |prefix: &str,
                 sealed: &[Option<String>; 2],
                 scopes: Option<String>,
                 expires_at: Option<i64>|
     -> Result<Option<Grant>, StoreError> {
        let Some(token) = open(&sealed[0], &format!("{prefix}_token"))? else {
            return Ok(None);
        };
        Ok(Some(Grant {
            token,
            scopes: scope_list(scopes),
            expires_at: expires_at.map(from_millis),
            refresh_token: open(&sealed[1], &format!("{prefix}_refresh_token"))?,
        }))
    };
    let bot = grant("bot", &row.bot, row.bot_scopes, row.bot_expires_at)?.map(|grant| Bot {
        grant,
        user_id: row.bot_user_id,
        bot_id: row.bot_id,
    });
    let user = grant("user", &row.user, row.user_scopes, row.user_expires_at)?;
    let installer = match (row.installer_user_id, user) {
        (None, None) => None,
        (user_id, grant) => Some(Installer {
            user_id: user_id.unwrap_or_default(),
            grant,
        }),
    };
    if row.is_enterprise_install && key.enterprise_id.is_none() {
        return Err(StoreError::Corrupt {
            key: key.to_string(),
            reason: "an org-wide install without an organization".to_owned(),
        });
    }
    Ok(Installation {
        app_id: row.app_id,
        enterprise: key
            .enterprise_id
            .clone()
            .map(|id| Named::new(id, row.enterprise_name.unwrap_or_default())),
        team: key
            .team_id
            .clone()
            .map(|id| Named::new(id, row.team_name.unwrap_or_default())),
        is_enterprise_install: row.is_enterprise_install,
        bot,
        installer,
        installed_at: from_millis(row.installed_at),
    })
}

fn select(
    connection: &Connection,
    keys: &TokenKeys,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Installation>, StoreError> {
    let mut statement = connection
        .prepare(&format!(
            "SELECT {COLUMNS} FROM slack_calls_installations {filter}"
        ))
        .map_err(unavailable)?;
    let rows = statement
        .query_map(args, stored)
        .map_err(unavailable)?
        .collect::<Result<Vec<Stored>, _>>()
        .map_err(unavailable)?;
    rows.into_iter()
        .map(|row| installation(keys, row))
        .collect()
}

impl InstallationStore for SqliteStore {
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        let installation = installation.clone();
        Box::pin(self.run(move |connection, keys| save(connection, keys, &installation)))
    }

    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>> {
        let (enterprise_id, team_id) = key_columns(key);
        Box::pin(self.run(move |connection, keys| {
            Ok(select(
                connection,
                keys,
                "WHERE enterprise_id = ?1 AND team_id = ?2",
                &[&enterprise_id, &team_id],
            )?
            .pop())
        }))
    }

    fn find_team<'a>(&'a self, team_id: &'a str) -> StoreFuture<'a, Option<Installation>> {
        let team_id = team_id.to_owned();
        Box::pin(self.run(move |connection, keys| {
            Ok(select(
                connection,
                keys,
                "WHERE team_id = ?1 AND team_id <> '' AND is_enterprise_install = 0",
                &[&team_id],
            )?
            .pop())
        }))
    }

    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool> {
        let (enterprise_id, team_id) = key_columns(key);
        Box::pin(self.run(move |connection, _| {
            let deleted = connection
                .execute(
                    "DELETE FROM slack_calls_installations WHERE enterprise_id = ?1 AND team_id = ?2",
                    params![enterprise_id, team_id],
                )
                .map_err(unavailable)?;
            Ok(deleted > 0)
        }))
    }

    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        Box::pin(self.run(|connection, keys| {
            select(connection, keys, "ORDER BY enterprise_id, team_id", &[])
        }))
    }
}

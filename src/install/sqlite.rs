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
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::install::installation::{Installation, InstallationKey};
use crate::install::row::{COLUMNS, Columns, SealedRow, UPDATE_ON_CONFLICT, key_columns};
use crate::install::store::{InstallationStore, StoreError, StoreFuture};
use crate::sealing::TokenKeys;

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
    StoreError::unavailable(STORE, err)
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

fn save(connection: &mut Connection, row: &SealedRow) -> Result<(), StoreError> {
    let tx = connection.transaction().map_err(unavailable)?;
    if !row.team_id.is_empty() {
        // One single-workspace install per workspace, whatever its
        // organization key.
        tx.execute(
            "DELETE FROM slack_calls_installations
             WHERE team_id = ?1 AND enterprise_id <> ?2",
            params![row.team_id, row.enterprise_id],
        )
        .map_err(unavailable)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO slack_calls_installations ({COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
             ON CONFLICT (enterprise_id, team_id) DO UPDATE SET {UPDATE_ON_CONFLICT}"
        ),
        params![
            row.enterprise_id,
            row.team_id,
            row.enterprise_name,
            row.team_name,
            row.is_enterprise_install,
            row.app_id,
            row.bot.token,
            row.bot.scopes,
            row.bot_user_id,
            row.bot_id,
            row.bot.expires_at,
            row.bot.refresh_token,
            row.installer_user_id,
            row.user.token,
            row.user.scopes,
            row.user.expires_at,
            row.user.refresh_token,
            row.installed_at,
            row.updated_at,
            row.key_id,
        ],
    )
    .map_err(unavailable)?;
    tx.commit().map_err(unavailable)
}

impl Columns for Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, index: usize) -> rusqlite::Result<Option<String>> {
        self.get(index)
    }
    fn number(&self, index: usize) -> rusqlite::Result<Option<i64>> {
        self.get(index)
    }
    fn flag(&self, index: usize) -> rusqlite::Result<bool> {
        self.get(index)
    }
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
        .query_map(args, |row| SealedRow::read(row))
        .map_err(unavailable)?
        .collect::<Result<Vec<SealedRow>, _>>()
        .map_err(unavailable)?;
    rows.into_iter().map(|row| row.open(keys)).collect()
}

impl InstallationStore for SqliteStore {
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let row = SealedRow::seal(&self.inner.keys, installation)?;
            self.run(move |connection, _| save(connection, &row)).await
        })
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

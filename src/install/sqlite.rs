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
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::install::installation::{Installation, InstallationKey};
use crate::install::row::{
    COLUMNS, Columns, SealedRow, UPDATE_ON_CONFLICT, from_columns, from_millis, key_columns, millis,
};
use crate::install::store::{Changes, Held, Hold, InstallationStore, StoreError, StoreFuture};
use crate::sealing::TokenKeys;

const STORE: &str = "sqlite";
/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 2;

const MIGRATIONS: &[&str] = &[
    "
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
",
    // 2: the change feed other instances' caches follow (one row per key
    // ever saved or deleted, with the revision of its last change), and the
    // install flow's states (digests only).
    "
CREATE TABLE slack_calls_installation_changes (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);
CREATE INDEX slack_calls_installation_changes_by_revision
    ON slack_calls_installation_changes (revision);
CREATE TABLE slack_calls_oauth_states (
    digest TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
",
];

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
    /// The file, for the connection each refresh hold opens.
    path: std::path::PathBuf,
}

/// How long a refresh hold waits for the one before it (in any process):
/// longer than one `oauth.v2.access` round trip with its retries.
const HOLD_WAIT: Duration = Duration::from_secs(60);

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
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || -> Result<Connection, StoreError> {
            let mut connection = Connection::open(&opened).map_err(unavailable)?;
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
                path,
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

/// A write transaction: taken at once (`IMMEDIATE`), so writers from
/// other processes queue on the busy timeout instead of failing midway, and
/// each change gets the next revision.
fn write(connection: &mut Connection) -> Result<rusqlite::Transaction<'_>, StoreError> {
    connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(unavailable)
}

/// Records that the installations under these keys changed, at the next
/// revision.
fn log_changes(tx: &Connection, keys: &[(String, String)]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    let revision: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(revision), 0) + 1 FROM slack_calls_installation_changes",
            [],
            |row| row.get(0),
        )
        .map_err(unavailable)?;
    for (enterprise_id, team_id) in keys {
        tx.execute(
            "INSERT INTO slack_calls_installation_changes (enterprise_id, team_id, revision)
             VALUES (?1, ?2, ?3)
             ON CONFLICT (enterprise_id, team_id) DO UPDATE SET revision = excluded.revision",
            params![enterprise_id, team_id, revision],
        )
        .map_err(unavailable)?;
    }
    Ok(())
}

fn save(connection: &mut Connection, row: &SealedRow) -> Result<(), StoreError> {
    let tx = write(connection)?;
    upsert(&tx, row)?;
    tx.commit().map_err(unavailable)
}

/// Writes `row` in the open write transaction of `tx`, replacing the row
/// under its key (and the workspace's install under another organization
/// key), and logs the change.
fn upsert(tx: &Connection, row: &SealedRow) -> Result<(), StoreError> {
    let mut changed = vec![(row.enterprise_id.clone(), row.team_id.clone())];
    if !row.team_id.is_empty() {
        // One single-workspace install per workspace, whatever its
        // organization key.
        let mut replaced = tx
            .prepare(
                // `team_id <> ''` lets SQLite use the partial team index.
                "DELETE FROM slack_calls_installations
                 WHERE team_id = ?1 AND team_id <> '' AND enterprise_id <> ?2
                 RETURNING enterprise_id, team_id",
            )
            .map_err(unavailable)?;
        let gone = replaced
            .query_map(params![row.team_id, row.enterprise_id], |found| {
                Ok((found.get(0)?, found.get(1)?))
            })
            .map_err(unavailable)?
            .collect::<Result<Vec<(String, String)>, _>>()
            .map_err(unavailable)?;
        drop(replaced);
        changed.extend(gone);
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
    log_changes(tx, &changed)
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

/// A refresh hold: a connection of its own with a write transaction open
/// (`BEGIN IMMEDIATE`), so every other writer of the file, in any process,
/// waits until it commits or the connection closes (a process that dies
/// lets go with its file lock).
struct SqliteHold {
    connection: Option<Connection>,
    store: Arc<Inner>,
}

impl Hold for SqliteHold {
    fn save<'a>(mut self: Box<Self>, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let row = SealedRow::seal(&self.store.keys, installation)?;
            let connection = self
                .connection
                .take()
                .ok_or_else(|| unavailable("hold used"))?;
            tokio::task::spawn_blocking(move || {
                upsert(&connection, &row)?;
                connection.execute_batch("COMMIT").map_err(unavailable)
            })
            .await
            .map_err(unavailable)?
        })
    }
}

impl InstallationStore for SqliteStore {
    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held> {
        let (enterprise_id, team_id) = key_columns(key);
        let store = self.inner.clone();
        Box::pin(async move {
            let opening = store.clone();
            let (connection, found) = tokio::task::spawn_blocking(
                move || -> Result<(Connection, Option<Installation>), StoreError> {
                    let store = opening;
                    let connection = Connection::open(&store.path).map_err(unavailable)?;
                    connection.busy_timeout(HOLD_WAIT).map_err(unavailable)?;
                    connection
                        .execute_batch("BEGIN IMMEDIATE")
                        .map_err(unavailable)?;
                    let found = select(
                        &connection,
                        &store.keys,
                        "WHERE enterprise_id = ?1 AND team_id = ?2",
                        &[&enterprise_id, &team_id],
                    )?
                    .pop();
                    Ok((connection, found))
                },
            )
            .await
            .map_err(unavailable)??;
            Ok(Held::new(
                found,
                SqliteHold {
                    connection: Some(connection),
                    store,
                },
            ))
        })
    }

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
            let tx = write(connection)?;
            let deleted = tx
                .execute(
                    "DELETE FROM slack_calls_installations WHERE enterprise_id = ?1 AND team_id = ?2",
                    params![enterprise_id, team_id],
                )
                .map_err(unavailable)?;
            if deleted > 0 {
                log_changes(&tx, &[(enterprise_id, team_id)])?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(deleted > 0)
        }))
    }

    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        Box::pin(self.run(|connection, keys| {
            select(connection, keys, "ORDER BY enterprise_id, team_id", &[])
        }))
    }

    /// Writers take the file one at a time, so revisions commit in order:
    /// the highest one seen is a safe place to ask from next.
    fn revision(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.run(|connection, _| {
            let revision: i64 = connection
                .query_row(
                    "SELECT COALESCE(MAX(revision), 0) FROM slack_calls_installation_changes",
                    [],
                    |row| row.get(0),
                )
                .map_err(unavailable)?;
            Ok(u64::try_from(revision).unwrap_or(0))
        }))
    }

    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes> {
        let since = i64::try_from(revision).unwrap_or(i64::MAX);
        Box::pin(self.run(move |connection, _| {
            let mut statement = connection
                .prepare(
                    "SELECT enterprise_id, team_id, revision FROM slack_calls_installation_changes
                     WHERE revision > ?1 ORDER BY revision",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map([since], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                    ))
                })
                .map_err(unavailable)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(unavailable)?;
            let next = rows.last().map_or(since, |(_, _, at)| *at);
            let keys = rows
                .into_iter()
                .map(|(enterprise_id, team_id, _)| from_columns(enterprise_id, team_id))
                .collect();
            Ok(Changes::new(u64::try_from(next).unwrap_or(0), keys))
        }))
    }

    fn put_state<'a>(&'a self, digest: &'a str, expires_at: SystemTime) -> StoreFuture<'a, ()> {
        let digest = digest.to_owned();
        Box::pin(self.run(move |connection, _| {
            let tx = write(connection)?;
            tx.execute(
                "DELETE FROM slack_calls_oauth_states WHERE expires_at <= ?1",
                [millis(SystemTime::now())],
            )
            .map_err(unavailable)?;
            tx.execute(
                "INSERT INTO slack_calls_oauth_states (digest, expires_at) VALUES (?1, ?2)",
                params![digest, millis(expires_at)],
            )
            .map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        }))
    }

    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>> {
        let digest = digest.to_owned();
        Box::pin(self.run(move |connection, _| {
            let expires: Option<i64> = connection
                .query_row(
                    "DELETE FROM slack_calls_oauth_states WHERE digest = ?1 RETURNING expires_at",
                    [digest],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            Ok(expires.map(from_millis))
        }))
    }
}

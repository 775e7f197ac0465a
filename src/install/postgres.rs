//! Installations in PostgreSQL (feature `postgres`): [`PostgresStore`].

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::Mutex;
use tokio_postgres::{Client, NoTls, Row};

use crate::install::installation::{Installation, InstallationKey};
use crate::install::row::{
    COLUMNS, Columns, SealedRow, UPDATE_ON_CONFLICT, from_columns, from_millis, key_columns, millis,
};
use crate::install::store::{Changes, Held, Hold, InstallationStore, StoreError, StoreFuture};
use crate::sealing::TokenKeys;

const STORE: &str = "postgres";
/// The schema version this code writes and reads.
const SCHEMA_VERSION: i64 = 2;

const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE slack_calls_installations (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    enterprise_name TEXT,
    team_name TEXT,
    is_enterprise_install BOOLEAN NOT NULL,
    app_id TEXT,
    bot_token TEXT,
    bot_scopes TEXT,
    bot_user_id TEXT,
    bot_id TEXT,
    bot_expires_at BIGINT,
    bot_refresh_token TEXT,
    installer_user_id TEXT,
    user_token TEXT,
    user_scopes TEXT,
    user_expires_at BIGINT,
    user_refresh_token TEXT,
    installed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);
CREATE INDEX slack_calls_installations_by_team
    ON slack_calls_installations (team_id) WHERE team_id <> '';
",
    // 2: the change feed other instances' caches follow (one row per key
    // ever saved or deleted, with the id of the transaction that last
    // changed it), and the install flow's states (digests only).
    "
CREATE TABLE slack_calls_installation_changes (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    changed_xid BIGINT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);
CREATE INDEX slack_calls_installation_changes_by_xid
    ON slack_calls_installation_changes (changed_xid);
CREATE TABLE slack_calls_oauth_states (
    digest TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
",
];

/// The oldest transaction still running (or the next to start): every
/// change not yet committed has a transaction id at least this, so a
/// reader that asks from here next time cannot miss one.
const SNAPSHOT_XMIN: &str = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint";

/// Logs the keys a statement's `changed` CTE returns under this
/// transaction's id.
const LOG_CHANGED: &str =
    "INSERT INTO slack_calls_installation_changes (enterprise_id, team_id, changed_xid)
     SELECT enterprise_id, team_id, pg_current_xact_id()::text::bigint FROM changed
     ON CONFLICT (enterprise_id, team_id) DO UPDATE SET changed_xid = excluded.changed_xid";

/// Installations in PostgreSQL, for apps with many instances; tokens
/// sealed.
///
/// The same table as [`SqliteStore`](crate::SqliteStore)'s, in the
/// database the connection names: one row per installation, keyed as Slack
/// keys them, a save replaces the row, every token sealed with the app's
/// [`TokenKeys`] and bound to its row and field, the sealing key's id on
/// every row. The crate's tables are named `slack_calls_*` and its schema
/// version lives in `slack_calls_schema`; instances starting together
/// migrate one at a time (an advisory lock). A connection that drops is
/// made again on the next operation; while the database is down every
/// operation is [`StoreError::Unavailable`].
///
/// Connections are plain (a Unix socket or a private network); put TLS in
/// front (a local proxy) for a database across an untrusted network.
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    config: tokio_postgres::Config,
    keys: TokenKeys,
    client: Mutex<Option<Arc<Client>>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config may hold a password: only the keys' ids are shown.
        f.debug_struct("PostgresStore")
            .field("keys", &self.inner.keys)
            .finish_non_exhaustive()
    }
}

fn unavailable(err: impl std::fmt::Display) -> StoreError {
    StoreError::unavailable(STORE, err)
}

impl PostgresStore {
    /// Connects with `params` (`host=/run/postgresql user=app dbname=app`
    /// or a `postgresql://` URL), brings the schema up to date, and seals
    /// tokens with `keys`.
    pub async fn connect(params: &str, keys: TokenKeys) -> Result<PostgresStore, StoreError> {
        let config: tokio_postgres::Config =
            params.parse().map_err(|err| StoreError::Unavailable {
                store: STORE,
                reason: format!("the connection settings do not parse: {err}"),
            })?;
        let store = PostgresStore {
            inner: Arc::new(Inner {
                config,
                keys,
                client: Mutex::new(None),
            }),
        };
        let client = store.client().await?;
        migrate(&client).await?;
        Ok(store)
    }

    /// The connection, made again if it dropped.
    async fn client(&self) -> Result<Arc<Client>, StoreError> {
        let mut held = self.inner.client.lock().await;
        if let Some(client) = held.as_ref().filter(|client| !client.is_closed()) {
            return Ok(client.clone());
        }
        let client = Arc::new(self.open_connection().await?);
        *held = Some(client.clone());
        Ok(client)
    }

    /// A new connection, served by a task of its own until its client is
    /// dropped.
    async fn open_connection(&self) -> Result<Client, StoreError> {
        let (client, connection) = self
            .inner
            .config
            .connect(NoTls)
            .await
            .map_err(unavailable)?;
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::warn!(error = %err, "the installation store's PostgreSQL connection ended");
            }
        });
        Ok(client)
    }

    async fn select(
        &self,
        filter: &str,
        args: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Installation>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("SELECT {COLUMNS} FROM slack_calls_installations {filter}"),
                args,
            )
            .await
            .map_err(unavailable)?;
        rows.iter()
            .map(|row| read(row)?.open(&self.inner.keys))
            .collect()
    }
}

/// Brings the schema to [`SCHEMA_VERSION`] in one transaction, one
/// instance at a time; refuses a newer one.
async fn migrate(client: &Client) -> Result<(), StoreError> {
    client
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(hashtext('slack_calls_schema'));")
        .await
        .map_err(unavailable)?;
    let result = async {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS slack_calls_schema (
                     component TEXT PRIMARY KEY,
                     version BIGINT NOT NULL
                 )",
            )
            .await
            .map_err(unavailable)?;
        let found: i64 = client
            .query_opt(
                "SELECT version FROM slack_calls_schema WHERE component = 'installations'",
                &[],
            )
            .await
            .map_err(unavailable)?
            .map(|row| row.try_get::<_, i64>(0))
            .transpose()
            .map_err(unavailable)?
            .unwrap_or(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                store: STORE,
                found,
                known: SCHEMA_VERSION,
            });
        }
        for migration in MIGRATIONS.iter().skip(usize::try_from(found).unwrap_or(0)) {
            client.batch_execute(migration).await.map_err(unavailable)?;
        }
        client
            .execute(
                "INSERT INTO slack_calls_schema (component, version) VALUES ('installations', $1)
                 ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                &[&SCHEMA_VERSION],
            )
            .await
            .map_err(unavailable)?;
        Ok(())
    }
    .await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = client.batch_execute(end).await.map_err(unavailable);
    result.and(ended)
}

impl Columns for Row {
    type Error = tokio_postgres::Error;
    fn text(&self, index: usize) -> Result<Option<String>, Self::Error> {
        self.try_get(index)
    }
    fn number(&self, index: usize) -> Result<Option<i64>, Self::Error> {
        self.try_get(index)
    }
    fn flag(&self, index: usize) -> Result<bool, Self::Error> {
        self.try_get(index)
    }
}

/// One row; a column of the wrong type is a typed error, never a panic.
fn read(row: &Row) -> Result<SealedRow, StoreError> {
    SealedRow::read(row).map_err(|err| StoreError::Corrupt {
        key: "(unread row)".to_owned(),
        reason: err.to_string(),
    })
}

/// Saves `row` with one statement on `client` (in its transaction, when
/// one is open).
async fn save_row(client: &Client, row: &SealedRow) -> Result<(), StoreError> {
    // One statement, so a save is whole or not at all: the row
    // under the key replaced, the workspace's install under another
    // organization key (if any) removed with it, and both logged
    // in the change feed.
    client
        .execute(
            &format!(
                "WITH gone AS (
                     DELETE FROM slack_calls_installations
                     WHERE $2 <> '' AND team_id = $2 AND team_id <> ''
                       AND enterprise_id <> $1
                     RETURNING enterprise_id, team_id
                 ), saved AS (
                     INSERT INTO slack_calls_installations ({COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                     ON CONFLICT (enterprise_id, team_id) DO UPDATE SET {UPDATE_ON_CONFLICT}
                     RETURNING enterprise_id, team_id
                 ), changed AS (
                     SELECT enterprise_id, team_id FROM gone
                     UNION ALL SELECT enterprise_id, team_id FROM saved
                 )
                 {LOG_CHANGED}"
            ),
            &[
                &row.enterprise_id,
                &row.team_id,
                &row.enterprise_name,
                &row.team_name,
                &row.is_enterprise_install,
                &row.app_id,
                &row.bot.token,
                &row.bot.scopes,
                &row.bot_user_id,
                &row.bot_id,
                &row.bot.expires_at,
                &row.bot.refresh_token,
                &row.installer_user_id,
                &row.user.token,
                &row.user.scopes,
                &row.user.expires_at,
                &row.user.refresh_token,
                &row.installed_at,
                &row.updated_at,
                &row.key_id,
            ],
        )
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// A refresh hold: a connection of its own, in a transaction that locks
/// the installation's row (`SELECT … FOR UPDATE`), so every other holder,
/// in any process, waits until it commits or the connection closes (a
/// process that dies lets go as PostgreSQL sees its connection end).
struct PostgresHold {
    client: Client,
    store: Arc<Inner>,
}

impl Hold for PostgresHold {
    fn save<'a>(self: Box<Self>, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let row = SealedRow::seal(&self.store.keys, installation)?;
            save_row(&self.client, &row).await?;
            self.client
                .batch_execute("COMMIT")
                .await
                .map_err(unavailable)
        })
    }
}

impl InstallationStore for PostgresStore {
    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held> {
        Box::pin(async move {
            // A connection of its own: the row lock lasts as long as it.
            let client = self.open_connection().await?;
            let (enterprise_id, team_id) = key_columns(key);
            client.batch_execute("BEGIN").await.map_err(unavailable)?;
            let rows = client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM slack_calls_installations
                         WHERE enterprise_id = $1 AND team_id = $2 FOR UPDATE"
                    ),
                    &[&enterprise_id, &team_id],
                )
                .await
                .map_err(unavailable)?;
            let found = match rows.first() {
                Some(row) => Some(read(row)?.open(&self.inner.keys)?),
                None => None,
            };
            Ok(Held::new(
                found,
                PostgresHold {
                    client,
                    store: self.inner.clone(),
                },
            ))
        })
    }

    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let row = SealedRow::seal(&self.inner.keys, installation)?;
            let client = self.client().await?;
            save_row(&client, &row).await
        })
    }

    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>> {
        Box::pin(async move {
            let (enterprise_id, team_id) = key_columns(key);
            Ok(self
                .select(
                    "WHERE enterprise_id = $1 AND team_id = $2",
                    &[&enterprise_id, &team_id],
                )
                .await?
                .pop())
        })
    }

    fn find_team<'a>(&'a self, team_id: &'a str) -> StoreFuture<'a, Option<Installation>> {
        Box::pin(async move {
            Ok(self
                .select(
                    "WHERE team_id = $1 AND team_id <> '' AND NOT is_enterprise_install",
                    &[&team_id],
                )
                .await?
                .pop())
        })
    }

    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let (enterprise_id, team_id) = key_columns(key);
            let client = self.client().await?;
            // One statement: the row deleted and the change logged.
            let logged = client
                .execute(
                    &format!(
                        "WITH changed AS (
                             DELETE FROM slack_calls_installations
                             WHERE enterprise_id = $1 AND team_id = $2
                             RETURNING enterprise_id, team_id
                         )
                         {LOG_CHANGED}"
                    ),
                    &[&enterprise_id, &team_id],
                )
                .await
                .map_err(unavailable)?;
            Ok(logged > 0)
        })
    }

    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        Box::pin(self.select("ORDER BY enterprise_id, team_id", &[]))
    }

    /// Transaction ids, not a counter: revisions from a sequence could
    /// commit out of order, and a reader past a later one would miss the
    /// earlier. The revision is the oldest transaction still running, so
    /// each answer may list again a key it listed before, never miss one.
    fn revision(&self) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let client = self.client().await?;
            let xmin: i64 = client
                .query_one(SNAPSHOT_XMIN, &[])
                .await
                .and_then(|row| row.try_get(0))
                .map_err(unavailable)?;
            Ok(u64::try_from(xmin).unwrap_or(0))
        })
    }

    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes> {
        Box::pin(async move {
            // The next revision is taken before the read, so a change that
            // commits in between is listed now and again next time.
            let next = self.revision().await?;
            let since = i64::try_from(revision).unwrap_or(i64::MAX);
            let client = self.client().await?;
            let rows = client
                .query(
                    "SELECT enterprise_id, team_id FROM slack_calls_installation_changes
                     WHERE changed_xid >= $1",
                    &[&since],
                )
                .await
                .map_err(unavailable)?;
            let keys = rows
                .iter()
                .map(|row| Ok(from_columns(row.try_get(0)?, row.try_get(1)?)))
                .collect::<Result<Vec<_>, tokio_postgres::Error>>()
                .map_err(unavailable)?;
            Ok(Changes::new(next, keys))
        })
    }

    fn put_state<'a>(&'a self, digest: &'a str, expires_at: SystemTime) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client
                .execute(
                    "WITH swept AS (
                         DELETE FROM slack_calls_oauth_states WHERE expires_at <= $3
                     )
                     INSERT INTO slack_calls_oauth_states (digest, expires_at) VALUES ($1, $2)",
                    &[&digest, &millis(expires_at), &millis(SystemTime::now())],
                )
                .await
                .map_err(unavailable)?;
            Ok(())
        })
    }

    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>> {
        Box::pin(async move {
            let client = self.client().await?;
            let taken = client
                .query_opt(
                    "DELETE FROM slack_calls_oauth_states WHERE digest = $1 RETURNING expires_at",
                    &[&digest],
                )
                .await
                .map_err(unavailable)?;
            taken
                .map(|row| row.try_get::<_, i64>(0).map(from_millis))
                .transpose()
                .map_err(unavailable)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Connection settings carry the database password; no error about
    /// them (what a readiness check logs) may repeat it, whether they do
    /// not parse or the database cannot be reached.
    #[tokio::test]
    async fn no_error_repeats_the_password() {
        let keys = || TokenKeys::new("k1", &[7u8; 32]).expect("a key");
        for params in [
            "postgresql://app:hunter2-pw@127.0.0.1:1/app?connect_timeout=2",
            "host=127.0.0.1 port=1 user=app password=hunter2-pw dbname=app connect_timeout=2",
            "host=/nonexistent-slack-calls user=app password=hunter2-pw",
            "host=127.0.0.1 password='hunter2-pw",
            "postgresql://app:hunter2-pw@[::1/app",
            "host=127.0.0.1 password=hunter2-pw port=notaport",
        ] {
            let err = match PostgresStore::connect(params, keys()).await {
                Ok(_) => panic!("{params}: connected"),
                Err(err) => err,
            };
            assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains("hunter2"), "{params}: {shown}");
            }
        }
    }
}

//! The PostgreSQL installation store (feature `postgres`) against a real
//! PostgreSQL that the test starts itself: what is saved survives a new
//! store (a restarted process), a save replaces, org-wide installs are
//! keyed by their organization, `pg_dump` shows no token text, a row no
//! configured key opens is a typed error, a database that is down is
//! `StoreError::Unavailable` (never a hang or a panic) and the store
//! works again once it is back, and a newer schema is refused.

use std::ffi::OsString;

use libtest_mimic::Failed;
use slack_calls::{
    InstallationKey, InstallationStore, PostgresStore, SealError, StoreError, TokenKeys,
};

use crate::part::Part;
use crate::postgres_server::PostgresServer;
use crate::redis_pacing::{check, runtime};
use crate::support::installations::{ORG_WIDE, SECRETS, full, org_wide};
use crate::support::store_contract;

/// Debian's `postgresql` (`.ci/run` installs it and names its bin
/// directory).
pub static POSTGRES: Part = Part {
    what: "PostgreSQL's server programs (initdb, pg_ctl, pg_dump)",
    env: "SLACK_CALLS_PG_BIN",
    how: "apt-get install postgresql, then SLACK_CALLS_PG_BIN=/usr/lib/postgresql/<version>/bin",
    on_path: Some("pg_ctl"),
    check: None,
};

fn keys() -> TokenKeys {
    TokenKeys::new("k1", &[7u8; 32]).expect("a key")
}

pub fn installations_survive_sealed_and_a_down_database_is_a_typed_error(
    bin: &OsString,
) -> Result<(), Failed> {
    let server = PostgresServer::start(bin)?;
    let rt = runtime();
    rt.block_on(async {
        let store = PostgresStore::connect(&server.params(), keys()).await?;
        let one = full("T0ONE");
        store.save(&one).await?;
        store.save(&org_wide()).await?;
        store.save(&one).await?;
        check(store.all().await?.len() == 2, || "a save replaces".into())?;
        drop(store);

        // A new store, as a restarted process makes.
        let store = PostgresStore::connect(&server.params(), keys()).await?;
        let key = InstallationKey::in_org("E0ORG", "T0ONE");
        check(store.find(&key).await?.as_ref() == Some(&one), || {
            "found by its key as saved".into()
        })?;
        check(store.find_team("T0ONE").await?.as_ref() == Some(&one), || {
            "found by its workspace".into()
        })?;
        let wide = store
            .find(&InstallationKey::org_wide("E0WIDE"))
            .await?
            .ok_or("the org-wide install")?;
        check(
            wide.token().map(|t| t.expose_secret()) == Some(ORG_WIDE) && wide.team.is_none(),
            || format!("{wide:?}"),
        )?;

        // pg_dump holds no token text.
        let dump = server.dump()?;
        check(dump.contains("slack_calls_installations"), || {
            "the dump has the table".into()
        })?;
        for secret in SECRETS {
            check(!dump.contains(secret), || format!("{secret} is in pg_dump"))?;
        }

        // Keys: gone, or another under the same id.
        let other = PostgresStore::connect(&server.params(), TokenKeys::new("k2", &[8u8; 32])?).await?;
        let err = other.find(&key).await.expect_err("k1 is not configured");
        check(
            matches!(&err, StoreError::Sealed { source: SealError::UnknownKey { key_id, .. }, .. } if key_id == "k1"),
            || format!("{err}"),
        )?;

        // The database goes down: every operation is a typed error, and
        // nothing is half-saved.
        server.stop()?;
        let down = store.save(&full("T0DOWN")).await;
        check(matches!(down, Err(StoreError::Unavailable { store: "postgres", .. })), || {
            format!("{down:?}")
        })?;
        let down = store.find(&key).await;
        check(matches!(down, Err(StoreError::Unavailable { .. })), || format!("{down:?}"))?;
        let refused = PostgresStore::connect(&server.params(), keys()).await;
        check(matches!(refused, Err(StoreError::Unavailable { .. })), || {
            format!("{refused:?}")
        })?;
        // Back: the same store connects again by itself.
        server.start_again()?;
        check(store.find_team("T0DOWN").await?.is_none(), || {
            "the save made while the database was down left nothing".into()
        })?;
        check(store.delete(&key).await?, || "deleted".into())?;
        check(!store.delete(&key).await?, || "deleted once".into())?;

        // Two instances on one database: the change feed, states taken
        // once, and two apps that follow each other's installs, revocations
        // and uninstalls.
        let a = PostgresStore::connect(&server.params(), keys()).await?;
        let b = PostgresStore::connect(&server.params(), keys()).await?;
        store_contract::change_feed_and_states(&a, &b).await?;
        store_contract::two_apps_follow_each_other(a, b).await?;
        // Refresh holds: a row lock, across two stores (two processes).
        let a = PostgresStore::connect(&server.params(), keys()).await?;
        let b = PostgresStore::connect(&server.params(), keys()).await?;
        store_contract::refresh_holds_one_at_a_time(&a, std::sync::Arc::new(b), true, true).await?;

        // A schema from a newer version is refused, not misread.
        let raw = PostgresStore::connect(&server.params(), keys()).await?;
        drop(raw);
        let (client, connection) = tokio_postgres::connect(&server.params(), tokio_postgres::NoTls)
            .await
            .map_err(|err| err.to_string())?;
        tokio::spawn(connection);
        client
            .execute(
                "UPDATE slack_calls_schema SET version = 99 WHERE component = 'installations'",
                &[],
            )
            .await
            .map_err(|err| err.to_string())?;
        let newer = PostgresStore::connect(&server.params(), keys()).await;
        check(
            matches!(newer, Err(StoreError::SchemaTooNew { found: 99, known: 2, .. })),
            || format!("{newer:?}"),
        )?;
        Ok::<(), Failed>(())
    })
}

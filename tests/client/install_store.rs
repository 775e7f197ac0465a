//! The SQLite installation store (feature `sqlite`), on real files: what
//! is saved comes back after a restart, a save replaces, org-wide installs
//! are keyed by their organization, the file never holds a token's text,
//! and a row no configured key opens, a moved row, a store that cannot be
//! opened and a schema from a newer version are typed errors.

use std::path::PathBuf;

use crate::support::installations::{SECRETS, full, org_wide};
use crate::support::store_contract;
use slack_calls::{
    Bot, Installation, InstallationKey, InstallationStore, Installer, SealError, SqliteStore,
    StoreError, TokenKeys,
};

fn keys() -> TokenKeys {
    TokenKeys::new("k1", &[7u8; 32]).unwrap()
}

fn dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("install-store-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn file_text(dir: &PathBuf) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn what_is_saved_comes_back_after_a_restart_and_the_file_holds_no_token() {
    let dir = dir("restart");
    let path = dir.join("installs.db");
    let store = SqliteStore::open(&path, keys()).await.unwrap();
    let one = full("T0ONE");
    store.save(&one).await.unwrap();
    store.save(&org_wide()).await.unwrap();
    // Saved again (a re-install): replaced, not added.
    store.save(&one).await.unwrap();
    assert_eq!(store.all().await.unwrap().len(), 2);
    drop(store);

    let store = SqliteStore::open(&path, keys()).await.unwrap();
    let key = InstallationKey::in_org("E0ORG", "T0ONE");
    assert_eq!(store.find(&key).await.unwrap(), Some(one.clone()));
    assert_eq!(store.find_team("T0ONE").await.unwrap(), Some(one));
    let wide = store
        .find(&InstallationKey::org_wide("E0WIDE"))
        .await
        .unwrap()
        .unwrap();
    assert!(wide.is_enterprise_install && wide.team.is_none());
    assert_eq!(wide.token().unwrap().expose_secret(), "xoxb-org-wide-token");
    assert_eq!(store.find_team("T-unused").await.unwrap(), None);
    assert!(store.delete(&key).await.unwrap());
    assert!(!store.delete(&key).await.unwrap());
    assert_eq!(store.find_team("T0ONE").await.unwrap(), None);
    drop(store);

    let text = file_text(&dir);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} is in the file");
    }
    assert!(
        text.contains("slack_calls_installations"),
        "the file is the store"
    );
}

#[tokio::test]
async fn a_workspace_installed_again_under_another_organization_has_one_row() {
    let dir = dir("moved");
    let store = SqliteStore::open(dir.join("i.db"), keys()).await.unwrap();
    store
        .save(&Installation::new("T0SAME", ["xoxb-before"]))
        .await
        .unwrap();
    store.save(&full("T0SAME")).await.unwrap();
    let all = store.all().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].key(), InstallationKey::in_org("E0ORG", "T0SAME"));
}

#[tokio::test]
async fn rows_no_configured_key_opens_are_typed_errors() {
    let dir = dir("keys");
    let path = dir.join("i.db");
    let store = SqliteStore::open(&path, keys()).await.unwrap();
    store.save(&full("T0KEYS")).await.unwrap();
    drop(store);
    let key = InstallationKey::in_org("E0ORG", "T0KEYS");

    // The key is gone: its id is named, nothing panics.
    let other = SqliteStore::open(&path, TokenKeys::new("k2", &[8u8; 32]).unwrap())
        .await
        .unwrap();
    let err = other.find(&key).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::Sealed { source: SealError::UnknownKey { key_id, .. }, .. } if key_id == "k1"),
        "{err}"
    );
    assert!(!err.to_string().contains("SECRET"));
    // Another key under the same id.
    let impostor = SqliteStore::open(&path, TokenKeys::new("k1", &[9u8; 32]).unwrap())
        .await
        .unwrap();
    assert!(matches!(
        impostor.find(&key).await,
        Err(StoreError::Sealed {
            source: SealError::DoesNotOpen { .. },
            ..
        })
    ));
    // Rotated: the old key kept for reading opens it; a new save seals
    // with the new key.
    let rotated = SqliteStore::open(
        &path,
        TokenKeys::new("k2", &[8u8; 32])
            .unwrap()
            .with_old_key("k1", &[7u8; 32])
            .unwrap(),
    )
    .await
    .unwrap();
    let found = rotated.find(&key).await.unwrap().unwrap();
    rotated.save(&found).await.unwrap();
    drop((other, impostor, rotated));
    let only_new = SqliteStore::open(&path, TokenKeys::new("k2", &[8u8; 32]).unwrap())
        .await
        .unwrap();
    assert_eq!(only_new.find(&key).await.unwrap(), Some(found));

    // A sealed token copied into another row does not open there.
    let raw = rusqlite::Connection::open(&path).unwrap();
    only_new
        .save(&Installation::new("T0OTHER", ["xoxb-other"]))
        .await
        .unwrap();
    raw.execute(
        "UPDATE slack_calls_installations SET bot_token =
           (SELECT bot_token FROM slack_calls_installations WHERE team_id = 'T0KEYS')
         WHERE team_id = 'T0OTHER'",
        [],
    )
    .unwrap();
    assert!(matches!(
        only_new.find_team("T0OTHER").await,
        Err(StoreError::Sealed {
            source: SealError::DoesNotOpen { .. },
            ..
        })
    ));
}

#[tokio::test]
async fn a_store_that_cannot_be_opened_or_is_too_new_is_a_typed_error() {
    let dir = dir("down");
    // A directory where the file should be, and a missing parent.
    for path in [dir.clone(), dir.join("missing/parent/i.db")] {
        let err = SqliteStore::open(&path, keys()).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Unavailable {
                    store: "sqlite",
                    ..
                }
            ),
            "{err}"
        );
    }
    let path = dir.join("newer.db");
    drop(SqliteStore::open(&path, keys()).await.unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE slack_calls_schema SET version = 99 WHERE component = 'installations'",
        [],
    )
    .unwrap();
    let err = SqliteStore::open(&path, keys()).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                known: 2,
                ..
            }
        ),
        "{err}"
    );
    // A file as version 1 left it (no change feed, no states) is brought
    // up to date; the app's own tables beside ours are left alone.
    raw.execute("CREATE TABLE app_own (x INTEGER)", []).unwrap();
    raw.execute_batch(
        "DROP TABLE slack_calls_installation_changes;
         DROP TABLE slack_calls_oauth_states;
         UPDATE slack_calls_schema SET version = 1 WHERE component = 'installations';",
    )
    .unwrap();
    drop(SqliteStore::open(&path, keys()).await.unwrap());
    let tables: i64 = raw
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN
             ('app_own', 'slack_calls_installation_changes', 'slack_calls_oauth_states')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(tables, 3);
    let version: i64 = raw
        .query_row("SELECT version FROM slack_calls_schema", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(version, 2);
}

#[test]
fn grants_print_without_their_tokens() {
    let installation = full("T0PRINT");
    let debug = format!("{installation:?}");
    // The kind prefix may show (`xoxb-…`), never the text.
    for secret in &SECRETS[..4] {
        assert!(!debug.contains(secret), "{debug}");
    }
    let _: (Option<Bot>, Option<Installer>) =
        (installation.bot.clone(), installation.installer.clone());
}

#[tokio::test]
async fn two_processes_on_one_file_follow_each_others_changes_and_take_a_state_once() {
    let dir = dir("feed");
    let path = dir.join("shared.db");
    let a = SqliteStore::open(&path, keys()).await.unwrap();
    let b = SqliteStore::open(&path, keys()).await.unwrap();
    store_contract::change_feed_and_states(&a, &b)
        .await
        .unwrap();
    store_contract::two_apps_follow_each_other(a, b)
        .await
        .unwrap();
    // The file holds state digests, never a token.
    let text = file_text(&dir);
    for secret in SECRETS {
        assert!(!text.contains(secret), "the file holds {secret}");
    }
}

#[tokio::test]
async fn refresh_holds_take_turns_across_processes_on_one_file() {
    let dir = dir("hold");
    let path = dir.join("shared.db");
    let a = SqliteStore::open(&path, keys()).await.unwrap();
    let b = SqliteStore::open(&path, keys()).await.unwrap();
    store_contract::refresh_holds_one_at_a_time(&a, std::sync::Arc::new(b), true, false)
        .await
        .unwrap();
}

#[tokio::test]
async fn refresh_holds_take_turns_in_the_memory_store() {
    let store = std::sync::Arc::new(slack_calls::MemoryInstallations::new());
    store_contract::refresh_holds_one_at_a_time(&*store, store.clone(), false, true)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_memory_store_takes_a_state_once() {
    let store = slack_calls::MemoryInstallations::new();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(600);
    InstallationStore::put_state(&store, "d1", later)
        .await
        .unwrap();
    assert!(
        InstallationStore::take_state(&store, "d1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        InstallationStore::take_state(&store, "d1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        InstallationStore::take_state(&store, "d2")
            .await
            .unwrap()
            .is_none()
    );
}

//! What every shared installation store must do for apps on many instances,
//! checked the same way for SQLite (`tests/client/install_store.rs`) and
//! PostgreSQL (`tests/real_parts/postgres_store.rs`): two stores over one
//! database stand for two processes.
//!
//! - The change feed lists each key another instance saved or deleted.
//! - An install flow's state is taken once.
//! - Two `App`s over it: an install, an uninstall and a token revocation
//!   seen by one reach the other's cache, and a lost workspace's clients
//!   stop there too, within two passes of the other's poll (each pass that
//!   starts after the change committed sees it).

use std::time::{Duration, Instant, SystemTime};

use slack_calls::{
    App, AppError, Error, Installation, InstallationKey, InstallationStore, RevokedTokens,
};

use crate::support::installations::full;

type Failure = String;

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok { Ok(()) } else { Err(what()) }
}

fn err(e: impl std::fmt::Display) -> Failure {
    e.to_string()
}

/// The change feed and the states, on two stores over one database.
pub async fn change_feed_and_states(
    a: &dyn InstallationStore,
    b: &dyn InstallationStore,
) -> Result<(), Failure> {
    let start = b.revision().await.map_err(err)?;
    let first = b.changes_since(start).await.map_err(err)?;
    check(first.keys.is_empty(), || {
        format!("nothing changed yet: {first:?}")
    })?;

    let one = full("T0FEED");
    a.save(&one).await.map_err(err)?;
    let seen = b.changes_since(first.revision).await.map_err(err)?;
    check(seen.keys.contains(&one.key()), || {
        format!("a save is in the feed: {seen:?}")
    })?;
    // The same workspace installed outside its organization replaces it:
    // both keys are listed, the old one gone.
    let alone = Installation::new("T0FEED", ["xoxb-alone"]);
    a.save(&alone).await.map_err(err)?;
    let moved = b.changes_since(seen.revision).await.map_err(err)?;
    for key in [one.key(), alone.key()] {
        check(moved.keys.contains(&key), || {
            format!("{key} is in the feed after the move: {moved:?}")
        })?;
    }
    check(b.find(&one.key()).await.map_err(err)?.is_none(), || {
        "the old key is gone".into()
    })?;
    check(a.delete(&alone.key()).await.map_err(err)?, || {
        "deleted".into()
    })?;
    let deleted = b.changes_since(moved.revision).await.map_err(err)?;
    check(deleted.keys.contains(&alone.key()), || {
        format!("a delete is in the feed: {deleted:?}")
    })?;
    // Nothing new: an answer may list a key again, never a new one.
    let quiet = b.changes_since(deleted.revision).await.map_err(err)?;
    check(quiet.keys.iter().all(|key| key == &alone.key()), || {
        format!("nothing else changed: {quiet:?}")
    })?;

    // States: taken once, by any instance; a forged one is not there.
    let later = SystemTime::now() + Duration::from_secs(600);
    a.put_state("digest-one", later).await.map_err(err)?;
    check(
        b.take_state("digest-forged").await.map_err(err)?.is_none(),
        || "a state never put is not there".into(),
    )?;
    let taken = b.take_state("digest-one").await.map_err(err)?;
    check(taken.is_some(), || "the state is there once".into())?;
    check(
        a.take_state("digest-one").await.map_err(err)?.is_none(),
        || "and only once".into(),
    )?;
    // An expired state is swept when the next one is put.
    let past = SystemTime::now() - Duration::from_secs(1);
    a.put_state("digest-expired", past).await.map_err(err)?;
    a.put_state("digest-two", later).await.map_err(err)?;
    check(
        b.take_state("digest-expired").await.map_err(err)?.is_none(),
        || "an expired state is swept".into(),
    )?;
    Ok(())
}

fn closed_port_app(id: &str) -> slack_calls::AppBuilder {
    // Nothing listens on port 9: a call that got past the workspace check
    // would fail as a transport error, not `WorkspaceGone`.
    App::builder(id).clients(|client| client.base_url("http://127.0.0.1:9/api/"))
}

/// Waits until `done` holds, passing `app` through its store's sync task;
/// fails after `limit` passes.
async fn within_passes(
    app: &App,
    passes: u64,
    what: &str,
    done: impl Fn() -> bool,
) -> Result<(), Failure> {
    let from = app.store_syncs();
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.store_syncs() < from + passes {
        check(Instant::now() < deadline, || {
            format!("the app's sync task did not run {passes} passes in 60 s")
        })?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    check(done(), || {
        format!("{what}: not seen after {passes} passes of the other app's poll")
    })
}

/// Two apps over one database, as two instances of one app.
pub async fn two_apps_follow_each_other(
    a_store: impl InstallationStore,
    b_store: impl InstallationStore,
) -> Result<(), Failure> {
    let poll = Duration::from_millis(20);
    let a = closed_port_app("A0APP")
        .store_poll(poll)
        .build_with_store(a_store)
        .await
        .map_err(err)?;
    let b = closed_port_app("A0APP")
        .store_poll(poll)
        .build_with_store(b_store)
        .await
        .map_err(err)?;
    let team = "T0TWO";

    // Installed through one instance: the other serves it after its next
    // passes (each pass that starts after the save sees it).
    a.save(full(team)).await.map_err(err)?;
    check(a.workspace(team).is_ok(), || {
        "the saving app serves it".into()
    })?;
    within_passes(&b, 2, "an install", || b.workspace(team).is_ok()).await?;
    let held = b.workspace(team).map_err(err)?;

    // What an app caches on save is what its store gives back (times as
    // the store keeps them), so its own next sync finds nothing changed.
    let now = Installation::new("T0NOW", ["xoxb-installed-now"]);
    a.save(now.clone()).await.map_err(err)?;
    let stored = a
        .store()
        .ok_or("a store")?
        .find(&now.key())
        .await
        .map_err(err)?;
    check(stored == a.installations().get(&now.key()), || {
        "the cache holds what the store holds".into()
    })?;

    // The bot's token revoked through one instance: the other keeps the
    // user token.
    let key = InstallationKey::in_org("E0ORG", team);
    let revoked = RevokedTokens::new().with_bot(["U0BOT"]);
    check(a.revoke(&key, &revoked), || {
        "the bot token is dropped".into()
    })?;
    wait_stored(&a, &key, |found| found.is_some_and(|i| i.bot.is_none())).await?;
    within_passes(&b, 2, "a revoked bot token", || {
        b.installations()
            .get(&key)
            .is_some_and(|i| i.bot.is_none() && i.token().is_some())
    })
    .await?;

    // Uninstalled through one instance: the other stops serving it, and a
    // client it handed out before stops too.
    a.uninstalled(team);
    wait_stored(&a, &key, |found| found.is_none()).await?;
    within_passes(&b, 2, "an uninstall", || {
        matches!(b.workspace(team), Err(AppError::NotInstalled { .. }))
    })
    .await?;
    let call = held.calls().info("R1").await;
    check(matches!(call, Err(Error::WorkspaceGone { .. })), || {
        format!("the other instance's client stops: {call:?}")
    })?;
    Ok(())
}

/// Waits until the store behind `app` holds what `done` expects under
/// `key` (the app writes to its store in the background).
async fn wait_stored(
    app: &App,
    key: &InstallationKey,
    done: impl Fn(Option<Installation>) -> bool,
) -> Result<(), Failure> {
    let store = app.store().ok_or("the app has a store")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if done(store.find(key).await.map_err(err)?) {
            return Ok(());
        }
        check(Instant::now() < deadline, || {
            format!("the store did not reach the expected state for {key} in 60 s")
        })?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A refresh hold ([`InstallationStore::hold_for_refresh`]) on two stores
/// over one database (or one store, for memory): the holder reads the
/// installation; a second holder of the same key, even through the other
/// store, waits until the first saves, then reads what it saved (so it
/// never spends the refresh token the first one spent); a hold dropped
/// without saving changes nothing and lets the next one in; the save is in
/// the change feed (when the store has one: `shared`); with `per_key`,
/// another key is not held (a row lock; SQLite's hold is a write
/// transaction, which holds the whole file for its round trip).
pub async fn refresh_holds_one_at_a_time(
    a: &dyn InstallationStore,
    b: std::sync::Arc<dyn InstallationStore>,
    shared: bool,
    per_key: bool,
) -> Result<(), Failure> {
    let before = full("T0HOLD");
    a.save(&before).await.map_err(err)?;
    let other = full("T0OTHER");
    a.save(&other).await.map_err(err)?;
    let key = before.key();
    let start = b.revision().await.map_err(err)?;

    let first = a.hold_for_refresh(&key).await.map_err(err)?;
    check(first.installation() == Some(&before), || {
        format!("the holder reads the installation: {first:?}")
    })?;
    if per_key {
        // Another key is not held: its hold is taken (and let go) at once.
        let other_hold =
            tokio::time::timeout(Duration::from_secs(30), b.hold_for_refresh(&other.key()))
                .await
                .map_err(|_| "a hold on another key waited".to_owned())?
                .map_err(err)?;
        drop(other_hold);
    }

    let waiting_key = key.clone();
    let waiting = b.clone();
    let mut second = tokio::spawn(async move { waiting.hold_for_refresh(&waiting_key).await });
    // While the first hold lasts, the second cannot get past it (a correct
    // store always times out here; one that lets it in fails the test).
    check(
        tokio::time::timeout(Duration::from_millis(300), &mut second)
            .await
            .is_err(),
        || "a second hold of the same key got in while the first was held".into(),
    )?;
    let mut after = before.clone();
    if let Some(bot) = after.bot.as_mut() {
        bot.grant = slack_calls::Grant::new("xoxe.xoxb-1-after", ["calls:write"]).expiring(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000),
            "xoxe-1-after",
        );
    }
    first.save(&after).await.map_err(err)?;
    let second = second.await.map_err(err)?.map_err(err)?;
    check(second.installation() == Some(&after), || {
        format!("the second holder reads what the first saved: {second:?}")
    })?;
    // Let go without saving: nothing changes, the next hold gets in.
    drop(second);
    let third = tokio::time::timeout(Duration::from_secs(30), a.hold_for_refresh(&key))
        .await
        .map_err(|_| "a dropped hold still kept the key".to_owned())?
        .map_err(err)?;
    check(third.installation() == Some(&after), || {
        "a dropped hold changed nothing".into()
    })?;
    drop(third);
    check(
        a.find(&key).await.map_err(err)?.as_ref() == Some(&after),
        || "the held save is stored".into(),
    )?;
    let changes = b.changes_since(start).await.map_err(err)?;
    check(!shared || changes.keys.contains(&key), || {
        format!("the held save is in the change feed: {changes:?}")
    })?;
    // A key with nothing stored holds nothing to read.
    let none = a
        .hold_for_refresh(&InstallationKey::workspace("T0NOBODY"))
        .await
        .map_err(err)?;
    check(none.installation().is_none(), || {
        "no installation under an unknown key".into()
    })?;
    Ok(())
}

//! Where installations live across restarts and instances: the async
//! [`InstallationStore`] trait and its errors. The stores: `SqliteStore`
//! (feature `sqlite`); memory (`MemoryInstallations` implements it too).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

use crate::install::installation::{Installation, InstallationKey};
use crate::install::memory::{Installations, MemoryInstallations};

/// What a store's methods return.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A place installations are kept, across restarts and instances.
///
/// One installation per [`InstallationKey`]: a save replaces the one under
/// the same key (a workspace's single-workspace install replaces the one it
/// had under another organization key), and rows never pile up.
pub trait InstallationStore: Send + Sync + 'static {
    /// Saves `installation`, replacing the one under its key.
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()>;
    /// The installation under `key`.
    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>>;
    /// The single-workspace installation of `team_id`, whatever its
    /// organization.
    fn find_team<'a>(&'a self, team_id: &'a str) -> StoreFuture<'a, Option<Installation>>;
    /// Deletes the installation under `key`; whether there was one.
    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool>;
    /// Every installation (to fill a cache when an app starts).
    fn all(&self) -> StoreFuture<'_, Vec<Installation>>;

    /// Where the store's change feed stands now: pass it to
    /// [`changes_since`](InstallationStore::changes_since) later to learn
    /// what other instances saved or deleted meanwhile. Read it *before*
    /// [`all`](InstallationStore::all), so nothing falls between them.
    fn revision(&self) -> StoreFuture<'_, u64>;

    /// The keys of the installations saved or deleted since `revision`
    /// (by any instance), and the revision to ask from next. A key may be
    /// listed again in a later answer; the caller re-reads each listed key
    /// with [`find`](InstallationStore::find).
    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes>;

    /// Records an install flow's `state` (as its digest: a store never sees
    /// the value) until `expires_at`, where every instance can check it.
    fn put_state<'a>(&'a self, digest: &'a str, expires_at: SystemTime) -> StoreFuture<'a, ()>;

    /// Takes the state with this digest out, so it can be used once: its
    /// expiry when it was there, `None` when it was not (never recorded,
    /// used already, or swept after expiring).
    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>>;

    /// Holds the installation under `key` for a token refresh, and reads
    /// it: until the [`Held`] is saved or dropped, no other holder of the
    /// same key, in this process or another sharing the store, gets past
    /// this call (it waits). With token rotation each refresh token can be
    /// spent once, so the refresher that waited reads the tokens the first
    /// one saved instead of spending the old refresh token again.
    ///
    /// A holder that dies (its process killed, its connection lost) lets go
    /// without saving: the store must not keep the hold past that.
    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held>;

    /// Whether the store answers now, for a readiness check. The default
    /// reads the [`revision`](InstallationStore::revision), one small
    /// query.
    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.revision().await.map(|_| ()) })
    }
}

/// An installation held for a token refresh
/// ([`InstallationStore::hold_for_refresh`]): read under the hold, saved
/// under it with [`save`](Held::save), let go by saving or dropping.
pub struct Held {
    installation: Option<Installation>,
    hold: Box<dyn Hold>,
}

impl Held {
    /// The installation read under the hold (`None`: not installed), and
    /// the store's way to save it and let go.
    pub fn new(installation: Option<Installation>, hold: impl Hold) -> Held {
        Held {
            installation,
            hold: Box::new(hold),
        }
    }

    /// The installation as it was when the hold was taken.
    pub fn installation(&self) -> Option<&Installation> {
        self.installation.as_ref()
    }

    /// Saves `installation` (under the held key) and lets go: whole or not
    /// at all, as [`InstallationStore::save`], and seen by other instances
    /// through the change feed.
    pub async fn save(self, installation: &Installation) -> Result<(), StoreError> {
        self.hold.save(installation).await
    }
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held")
            .field("installation", &self.installation)
            .finish_non_exhaustive()
    }
}

/// A store's side of a [`Held`]: what keeps other holders out (a
/// transaction, a row lock, a mutex guard) until it saves or is dropped.
pub trait Hold: Send + 'static {
    /// Saves `installation` under the hold and lets go.
    fn save<'a>(self: Box<Self>, installation: &'a Installation) -> StoreFuture<'a, ()>;
}

/// What changed in a store since a revision: see
/// [`InstallationStore::changes_since`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Changes {
    /// Ask from here next time.
    pub revision: u64,
    /// The installations saved or deleted (re-read each with `find`).
    pub keys: Vec<InstallationKey>,
}

impl Changes {
    /// These keys changed; ask from `revision` next.
    pub fn new(revision: u64, keys: Vec<InstallationKey>) -> Changes {
        Changes { revision, keys }
    }
}

/// Why a store could not do what was asked. Nothing is stored half-way
/// when a save fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached or refused the operation (a file that
    /// cannot be opened, a database that is down, a full disk).
    #[error("the {store} installation store is unavailable: {reason}")]
    Unavailable {
        /// Which store (`sqlite`, `postgres`).
        store: &'static str,
        /// What the driver said (never a token: tokens are only ever
        /// bound as sealed parameters).
        reason: String,
    },
    /// A stored token does not open with the configured keys (a key is
    /// missing or was changed, or the row was altered).
    #[cfg(feature = "sealing")]
    #[error("the installation {key} holds a token that does not open: {source}")]
    Sealed {
        /// The installation's key.
        key: String,
        /// Why it does not open.
        #[source]
        source: crate::sealing::SealError,
    },
    /// A stored row does not read as an installation.
    #[error("the installation {key} is stored in a form this version cannot read: {reason}")]
    Corrupt {
        /// The installation's key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The store's schema is newer than this version knows.
    #[error(
        "the {store} store's schema is version {found}, newer than this version of slack-calls knows ({known})"
    )]
    SchemaTooNew {
        /// Which store.
        store: &'static str,
        /// The version found.
        found: i64,
        /// The newest this version knows.
        known: i64,
    },
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl StoreError {
    pub(crate) fn unavailable(store: &'static str, err: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable {
            store,
            reason: err.to_string(),
        }
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(Ok(value)))
}

/// Installations in memory: the store that forgets on restart.
impl InstallationStore for MemoryInstallations {
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        self.put(installation.clone());
        ready(())
    }

    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>> {
        ready(self.get(key))
    }

    fn find_team<'a>(&'a self, team_id: &'a str) -> StoreFuture<'a, Option<Installation>> {
        ready(self.for_team(team_id))
    }

    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool> {
        let had = self.get(key).is_some();
        self.remove(key);
        ready(had)
    }

    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        ready(self.every())
    }

    /// Memory is one process's: an [`App`](crate::App) that saves here
    /// updates its own cache, and no other instance can see it.
    fn revision(&self) -> StoreFuture<'_, u64> {
        ready(0)
    }

    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes> {
        ready(Changes::new(revision, Vec::new()))
    }

    fn put_state<'a>(&'a self, digest: &'a str, expires_at: SystemTime) -> StoreFuture<'a, ()> {
        self.put_state(digest, expires_at);
        ready(())
    }

    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>> {
        ready(self.take_state(digest))
    }

    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held> {
        Box::pin(async move { Ok(self.hold_for_refresh(key).await) })
    }
}

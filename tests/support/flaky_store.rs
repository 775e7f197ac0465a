//! An installation store that can be down, for the tests of what an app
//! does when its database is: in memory, failing with
//! `StoreError::Unavailable` while it is switched down.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use slack_calls::{
    Changes, Held, Installation, InstallationKey, InstallationStore, MemoryInstallations,
    StoreError, StoreFuture,
};

/// Which calls fail while the store is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Every call.
    Everything,
    /// Saves and refresh holds (a database that takes no writes); reads,
    /// deletes and install states still work.
    Writes,
}

/// A store in memory that is down while its switch is on.
pub struct FlakyStore {
    memory: MemoryInstallations,
    down: Arc<AtomicBool>,
    outage: Outage,
}

impl FlakyStore {
    /// Up until `down` is set, then failing as `outage` says.
    pub fn switched(down: Arc<AtomicBool>, outage: Outage) -> FlakyStore {
        FlakyStore {
            memory: MemoryInstallations::new(),
            down,
            outage,
        }
    }

    /// Down for writes from the start, for good.
    pub fn refusing_writes() -> FlakyStore {
        FlakyStore::switched(Arc::new(AtomicBool::new(true)), Outage::Writes)
    }

    /// The failure a call gets when down (`write`: a save or a hold).
    fn down<'a, T: Send + 'a>(&self, write: bool) -> Option<StoreFuture<'a, T>> {
        let fails =
            self.down.load(Ordering::SeqCst) && (write || self.outage == Outage::Everything);
        fails.then(|| {
            Box::pin(async {
                Err(StoreError::Unavailable {
                    store: "flaky",
                    reason: "the database is down".into(),
                })
            }) as StoreFuture<'a, T>
        })
    }
}

impl InstallationStore for FlakyStore {
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        self.down(true)
            .unwrap_or_else(|| self.memory.save(installation))
    }
    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>> {
        self.down(false).unwrap_or_else(|| self.memory.find(key))
    }
    fn find_team<'a>(&'a self, team: &'a str) -> StoreFuture<'a, Option<Installation>> {
        self.down(false)
            .unwrap_or_else(|| self.memory.find_team(team))
    }
    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool> {
        self.down(false).unwrap_or_else(|| self.memory.delete(key))
    }
    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        self.down(false).unwrap_or_else(|| self.memory.all())
    }
    fn revision(&self) -> StoreFuture<'_, u64> {
        self.down(false).unwrap_or_else(|| self.memory.revision())
    }
    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes> {
        self.down(false)
            .unwrap_or_else(|| self.memory.changes_since(revision))
    }
    fn put_state<'a>(&'a self, digest: &'a str, at: SystemTime) -> StoreFuture<'a, ()> {
        self.down(false)
            .unwrap_or_else(|| InstallationStore::put_state(&self.memory, digest, at))
    }
    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>> {
        self.down(false)
            .unwrap_or_else(|| InstallationStore::take_state(&self.memory, digest))
    }
    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held> {
        self.down(true)
            .unwrap_or_else(|| self.memory.hold_for_refresh(key))
    }
}

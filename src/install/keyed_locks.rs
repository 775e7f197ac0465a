//! One async lock per installation: [`KeyedLocks`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

use crate::install::installation::InstallationKey;

/// An async lock per [`InstallationKey`], made when first asked for and
/// dropped once nobody holds or waits for it, so the map stays as big as
/// the work in flight. What serialises one installation's token refreshes
/// within a process (the rotation's single flight, the memory store's
/// refresh hold).
#[derive(Default)]
pub(crate) struct KeyedLocks {
    locks: Mutex<HashMap<InstallationKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl KeyedLocks {
    /// Waits for, then holds, the lock of `key` until the guard drops.
    pub(crate) async fn lock(&self, key: &InstallationKey) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
            locks.entry(key.clone()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

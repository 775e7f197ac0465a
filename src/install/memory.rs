//! Where an [`App`](crate::App) looks installations up on every call:
//! [`Installations`], and [`MemoryInstallations`], which keeps them in
//! memory, found by key, by workspace or by token without a scan.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::install::installation::{Installation, InstallationKey};
use crate::install::keyed_locks::KeyedLocks;
use crate::install::rotation::WorkspaceToken;
use crate::install::store::{Held as StoreHeld, Hold, StoreFuture};
use crate::token::Token;

/// Where an [`App`](crate::App) finds installations: by Slack's key, by
/// workspace, or by one of their tokens.
///
/// [`MemoryInstallations`] keeps them in memory. The methods are called on
/// every [`App::workspace`](crate::App::workspace), so they should not wait
/// on the network: an app that keeps its installations in a database
/// implements this over a cache of it.
pub trait Installations: Send + Sync + 'static {
    /// The installation stored under `key`.
    fn get(&self, key: &InstallationKey) -> Option<Installation>;
    /// The single-workspace installation of `team_id`, whatever its
    /// organization (an org-wide install is found by its organization's
    /// key with [`get`](Installations::get)).
    fn for_team(&self, team_id: &str) -> Option<Installation>;
    /// The key of the installation that holds `token`, if any.
    fn key_of(&self, token: &Token) -> Option<InstallationKey>;
    /// The token a workspace client of the installation under `key` uses
    /// (its bot's, else its installer's) with its expiry, without copying
    /// the rest: what [`App::workspace_of`](crate::App::workspace_of) asks
    /// for each request, and a client of a rotating token before each
    /// call.
    fn token(&self, key: &InstallationKey) -> Option<WorkspaceToken> {
        self.get(key).as_ref().and_then(WorkspaceToken::of)
    }
    /// Like [`token`](Installations::token), for the single-workspace
    /// installation of `team_id` ([`App::workspace`](crate::App::workspace)).
    fn team_token(&self, team_id: &str) -> Option<WorkspaceToken> {
        self.for_team(team_id).as_ref().and_then(WorkspaceToken::of)
    }
    /// Records an installation, replacing the one under the same key.
    fn put(&self, installation: Installation);
    /// Forgets the installation under `key`.
    fn remove(&self, key: &InstallationKey);
}

/// [`Installations`] kept in memory, found by key, by workspace or by token
/// without a scan.
#[derive(Default)]
pub struct MemoryInstallations {
    shared: Arc<Shared>,
}

/// What a [`MemoryInstallations`] and its refresh holds share.
#[derive(Default)]
struct Shared {
    state: Mutex<Held>,
    /// Keys the token index (the index holds a hash, never the text).
    token_hasher: RandomState,
    /// Install flows' states (their digests), as a store keeps them.
    states: Mutex<HashMap<String, SystemTime>>,
    /// One refresh at a time per installation, when this is the app's
    /// store (`InstallationStore::hold_for_refresh`).
    refreshing: KeyedLocks,
}

#[derive(Default)]
struct Held {
    by_key: HashMap<InstallationKey, Installation>,
    /// The single-workspace installs, by team id.
    by_team: HashMap<String, InstallationKey>,
    /// Keyed hash of each token → its installation.
    by_token: HashMap<u64, InstallationKey>,
}

impl MemoryInstallations {
    /// No installation yet.
    pub fn new() -> MemoryInstallations {
        MemoryInstallations::default()
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.shared.lock()
    }

    fn token_key(&self, token: &Token) -> u64 {
        self.shared.token_key(token)
    }

    /// How many installations it holds.
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records an install flow's state digest until `expires_at`,
    /// sweeping the expired ones.
    pub(crate) fn put_state(&self, digest: &str, expires_at: SystemTime) {
        let now = SystemTime::now();
        let mut states = self
            .shared
            .states
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        states.retain(|_, expires| *expires > now);
        states.insert(digest.to_owned(), expires_at);
    }

    /// Takes a state digest out: its expiry when it was there.
    pub(crate) fn take_state(&self, digest: &str) -> Option<SystemTime> {
        self.shared
            .states
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(digest)
    }

    /// Every installation it holds, in key order.
    pub fn every(&self) -> Vec<Installation> {
        let held = self.lock();
        let mut all: Vec<Installation> = held.by_key.values().cloned().collect();
        all.sort_by_key(Installation::key);
        all
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Held> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn token_key(&self, token: &Token) -> u64 {
        self.token_hasher.hash_one(token.expose_secret())
    }

    /// Takes `key`'s installation out, with its index entries.
    fn take(&self, held: &mut Held, key: &InstallationKey) -> Option<Installation> {
        let old = held.by_key.remove(key)?;
        for token in old.tokens() {
            let hashed = self.token_key(token);
            if held.by_token.get(&hashed) == Some(key) {
                held.by_token.remove(&hashed);
            }
        }
        if let Some(team) = &key.team_id
            && held.by_team.get(team) == Some(key)
        {
            held.by_team.remove(team);
        }
        Some(old)
    }

    pub(crate) fn put(&self, installation: Installation) {
        let key = installation.key();
        let mut held = self.lock();
        self.take(&mut held, &key);
        for token in installation.tokens() {
            held.by_token.insert(self.token_key(token), key.clone());
        }
        if let Some(team) = &key.team_id {
            // A workspace has one single-workspace install: one made
            // under another organization key replaces it.
            if let Some(other) = held.by_team.get(team).cloned()
                && other != key
            {
                self.take(&mut held, &other);
            }
            held.by_team.insert(team.clone(), key.clone());
        }
        held.by_key.insert(key, installation);
    }
}

/// A refresh hold on one installation of a [`MemoryInstallations`] used as
/// a store: the key's mutex, held until the save.
struct MemoryHold {
    shared: Arc<Shared>,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl Hold for MemoryHold {
    fn save<'a>(self: Box<Self>, installation: &'a Installation) -> StoreFuture<'a, ()> {
        self.shared.put(installation.clone());
        Box::pin(std::future::ready(Ok(())))
    }
}

impl MemoryInstallations {
    /// Holds `key` for a refresh: waits for the refresh before it (in this
    /// process; memory is one process's), then reads the installation.
    pub(crate) async fn hold_for_refresh(&self, key: &InstallationKey) -> StoreHeld {
        let guard = self.shared.refreshing.lock(key).await;
        StoreHeld::new(
            self.get(key),
            MemoryHold {
                shared: self.shared.clone(),
                _guard: guard,
            },
        )
    }
}

impl fmt::Debug for MemoryInstallations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryInstallations")
            .field("installations", &self.len())
            .finish()
    }
}

impl Installations for MemoryInstallations {
    fn get(&self, key: &InstallationKey) -> Option<Installation> {
        self.lock().by_key.get(key).cloned()
    }

    fn for_team(&self, team_id: &str) -> Option<Installation> {
        let held = self.lock();
        let key = held.by_team.get(team_id)?;
        held.by_key.get(key).cloned()
    }

    fn token(&self, key: &InstallationKey) -> Option<WorkspaceToken> {
        WorkspaceToken::of(self.lock().by_key.get(key)?)
    }

    fn team_token(&self, team_id: &str) -> Option<WorkspaceToken> {
        let held = self.lock();
        let key = held.by_team.get(team_id)?;
        WorkspaceToken::of(held.by_key.get(key)?)
    }

    fn key_of(&self, token: &Token) -> Option<InstallationKey> {
        let held = self.lock();
        let key = held.by_token.get(&self.token_key(token))?;
        // A hash may collide: the installation must hold the token itself.
        held.by_key
            .get(key)
            .filter(|installation| {
                installation
                    .tokens()
                    .any(|held| held.expose_secret() == token.expose_secret())
            })
            .map(|_| key.clone())
    }

    fn put(&self, installation: Installation) {
        self.shared.put(installation);
    }

    fn remove(&self, key: &InstallationKey) {
        let mut held = self.lock();
        self.shared.take(&mut held, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::installation::Named;

    fn org_wide(enterprise: &str, token: &str) -> Installation {
        let mut installation = Installation::new("T-any", [token]);
        installation.enterprise = Some(Named::new(enterprise, "Org"));
        installation.team = None;
        installation.is_enterprise_install = true;
        installation
    }

    #[test]
    fn installations_are_found_by_key_team_and_token_and_forgotten_with_their_tokens() {
        let store = MemoryInstallations::new();
        store.put(Installation::new("T1", ["xoxb-one", "xoxp-one"]));
        store.put(Installation::new("T2", ["xoxb-two"]));
        store.put(org_wide("E1", "xoxb-org"));
        assert_eq!(store.len(), 3);
        let t1 = InstallationKey::workspace("T1");
        assert_eq!(store.key_of(&Token::from("xoxp-one")), Some(t1.clone()));
        assert_eq!(
            store.key_of(&Token::from("xoxb-org")),
            Some(InstallationKey::org_wide("E1"))
        );
        assert_eq!(store.key_of(&Token::from("xoxb-none")), None);
        assert!(store.for_team("T2").is_some());
        assert!(store.get(&InstallationKey::org_wide("E1")).is_some());
        assert!(
            store.for_team("T-any").is_none(),
            "an org-wide install has no team"
        );
        // Replaced: the old token no longer finds it.
        store.put(Installation::new("T1", ["xoxb-one-new"]));
        assert_eq!(store.key_of(&Token::from("xoxb-one")), None);
        assert_eq!(store.key_of(&Token::from("xoxb-one-new")), Some(t1.clone()));
        // The same workspace installed again inside an organization: one
        // installation of T1, under the new key.
        let mut in_org = Installation::new("T1", ["xoxb-one-org"]);
        in_org.enterprise = Some(Named::new("E9", "Nine"));
        store.put(in_org);
        assert_eq!(store.get(&t1), None);
        assert_eq!(
            store.for_team("T1").unwrap().key(),
            InstallationKey::in_org("E9", "T1")
        );
        assert_eq!(store.key_of(&Token::from("xoxb-one-new")), None);
        store.remove(&InstallationKey::in_org("E9", "T1"));
        store.remove(&InstallationKey::org_wide("E1"));
        assert_eq!(store.len(), 1);
        let held = store.lock();
        assert_eq!((held.by_token.len(), held.by_team.len()), (1, 1));
    }
}

//! A store that times what it is asked and hands everything to the store
//! inside unchanged: the operations the benches look into (saves, the
//! install flow's states, refresh holds and the save under a hold) are
//! reported to a [`Sink`] with how long each took. One wrapper for the
//! `installs` and `rotation` benches.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use slack_calls::{
    Changes, Held, Hold, Installation, InstallationKey, InstallationStore, StoreFuture,
};

/// A timed operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Save,
    PutState,
    TakeState,
    /// `hold_for_refresh`, until the `Held` is returned.
    Hold,
    /// The save under a hold.
    HeldSave,
}

/// Where the times go.
pub trait Sink: Send + Sync + 'static {
    fn took(&self, op: Op, took: Duration);
}

/// `inner`, its operations timed into `sink`.
pub struct Timed<S> {
    pub inner: S,
    pub sink: Arc<dyn Sink>,
}

impl<S> Timed<S> {
    async fn time<T>(
        &self,
        op: Op,
        work: StoreFuture<'_, T>,
    ) -> Result<T, slack_calls::StoreError> {
        let start = Instant::now();
        let done = work.await;
        self.sink.took(op, start.elapsed());
        done
    }
}

/// The hold of the store inside, its save timed.
struct TimedHold {
    held: Held,
    sink: Arc<dyn Sink>,
}

impl Hold for TimedHold {
    fn save<'a>(self: Box<Self>, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let start = Instant::now();
            let done = self.held.save(installation).await;
            self.sink.took(Op::HeldSave, start.elapsed());
            done
        })
    }
}

impl<S: InstallationStore> InstallationStore for Timed<S> {
    fn save<'a>(&'a self, installation: &'a Installation) -> StoreFuture<'a, ()> {
        Box::pin(self.time(Op::Save, self.inner.save(installation)))
    }

    fn find<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Option<Installation>> {
        self.inner.find(key)
    }

    fn find_team<'a>(&'a self, team_id: &'a str) -> StoreFuture<'a, Option<Installation>> {
        self.inner.find_team(team_id)
    }

    fn delete<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, bool> {
        self.inner.delete(key)
    }

    fn all(&self) -> StoreFuture<'_, Vec<Installation>> {
        self.inner.all()
    }

    fn revision(&self) -> StoreFuture<'_, u64> {
        self.inner.revision()
    }

    fn changes_since(&self, revision: u64) -> StoreFuture<'_, Changes> {
        self.inner.changes_since(revision)
    }

    fn put_state<'a>(&'a self, digest: &'a str, expires_at: SystemTime) -> StoreFuture<'a, ()> {
        Box::pin(self.time(Op::PutState, self.inner.put_state(digest, expires_at)))
    }

    fn take_state<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Option<SystemTime>> {
        Box::pin(self.time(Op::TakeState, self.inner.take_state(digest)))
    }

    fn hold_for_refresh<'a>(&'a self, key: &'a InstallationKey) -> StoreFuture<'a, Held> {
        Box::pin(async move {
            let held = self
                .time(Op::Hold, self.inner.hold_for_refresh(key))
                .await?;
            // Outside the timed hold: the installation read under it,
            // cloned into the wrapper's `Held`.
            let installation = held.installation().cloned();
            Ok(Held::new(
                installation,
                TimedHold {
                    held,
                    sink: self.sink.clone(),
                },
            ))
        })
    }
}

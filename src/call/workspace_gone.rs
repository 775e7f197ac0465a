//! The signal that tells a client its app lost the client's workspace
//! (`app_uninstalled` or `tokens_revoked`): [`App`](crate::App) raises it,
//! and the client's queued calls stop with
//! [`Error::WorkspaceGone`](crate::Error::WorkspaceGone).

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::Poll;

use tokio::sync::watch;

/// The app's flags: one per workspace that has a live client, and none
/// for any other, so the map holds what is in use and not every team id
/// ever named. A flag leaves when the last client holding it is dropped.
#[derive(Default)]
pub(crate) struct Flags {
    map: Mutex<HashMap<String, watch::Sender<bool>>>,
}

impl Flags {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, watch::Sender<bool>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The signal a new client of `team_id` holds.
    pub(crate) fn signal(self: &Arc<Flags>, team_id: &str) -> Gone {
        let mut map = self.lock();
        let flag = map
            .entry(team_id.to_owned())
            .or_insert_with(|| watch::channel(false).0)
            .subscribe();
        let team_id: Arc<str> = team_id.into();
        Gone {
            team_id: team_id.clone(),
            held: Arc::new(Held {
                team_id,
                flag,
                flags: Arc::downgrade(self),
            }),
        }
    }

    /// The app lost `team_id`: its clients stop; a workspace with none
    /// leaves nothing behind.
    pub(crate) fn lose(&self, team_id: &str) {
        let mut map = self.lock();
        if let Some(flag) = map.get(team_id) {
            flag.send_replace(true);
            if flag.receiver_count() == 0 {
                map.remove(team_id);
            }
        }
    }

    /// `team_id` installed the app again: its new clients start with a
    /// flag that is down (the lost one stays with the old clients).
    pub(crate) fn installed(&self, team_id: &str) {
        let mut map = self.lock();
        if map.get(team_id).is_some_and(|flag| *flag.borrow()) {
            map.remove(team_id);
        }
    }

    /// How many workspaces have a flag (those with live clients).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether `team_id` has a flag, and whether it is up.
    #[cfg(test)]
    pub(crate) fn state(&self, team_id: &str) -> Option<bool> {
        self.lock().get(team_id).map(|flag| *flag.borrow())
    }

    /// The last client holding `held` went: its flag goes too, unless
    /// another client holds it.
    fn release(&self, held: &Held) {
        let mut map = self.lock();
        let Some(flag) = map.get(&*held.team_id) else {
            return;
        };
        // `held`'s own receiver is still alive here.
        let ours = flag.subscribe().same_channel(&held.flag);
        let others = flag.receiver_count() - usize::from(ours);
        if others == 0 {
            map.remove(&*held.team_id);
        }
    }
}

/// Tells a client that the app lost its workspace.
#[derive(Clone)]
pub(crate) struct Gone {
    pub(crate) team_id: Arc<str>,
    held: Arc<Held>,
}

/// One client's hold on its workspace's flag (shared by the client's
/// clones); dropping the last one releases the flag.
struct Held {
    team_id: Arc<str>,
    flag: watch::Receiver<bool>,
    flags: Weak<Flags>,
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(flags) = self.flags.upgrade() {
            flags.release(self);
        }
    }
}

impl Gone {
    /// Whether the workspace is gone now.
    pub(crate) fn now(&self) -> bool {
        *self.held.flag.borrow()
    }

    /// Waits until the workspace is gone (forever if the app is dropped
    /// first).
    async fn wait(&self) {
        let mut flag = self.held.flag.clone();
        if flag.wait_for(|gone| *gone).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Runs `work` unless the workspace goes first: `None` then (and
    /// `work` is dropped, which is cancel-safe for a permit wait).
    pub(crate) async fn unless_gone<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let mut work = pin!(work);
        let mut gone = pin!(self.wait());
        std::future::poll_fn(|cx| {
            if gone.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            work.as_mut().poll(cx).map(Some)
        })
        .await
    }
}

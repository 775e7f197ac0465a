//! The signal that tells a client its app lost the client's workspace
//! (`app_uninstalled` or `tokens_revoked`): [`App`](crate::App) raises it,
//! and the client's queued calls stop with
//! [`Error::WorkspaceGone`](crate::Error::WorkspaceGone).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use tokio::sync::watch;

/// Tells a client that the app lost its workspace.
#[derive(Clone)]
pub(crate) struct Gone {
    pub(crate) team_id: Arc<str>,
    flag: watch::Receiver<bool>,
}

impl Gone {
    /// A signal for `team_id` that fires when `flag` turns true.
    pub(crate) fn new(team_id: &str, flag: watch::Receiver<bool>) -> Gone {
        Gone {
            team_id: team_id.into(),
            flag,
        }
    }

    /// Whether the workspace is gone now.
    pub(crate) fn now(&self) -> bool {
        *self.flag.borrow()
    }

    /// Waits until the workspace is gone (forever if the app is dropped
    /// first).
    async fn wait(&self) {
        let mut flag = self.flag.clone();
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

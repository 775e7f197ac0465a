//! Keeping Slack's list in step: the background task, and one send of
//! everything pending (read Slack's list if unsure, then removes, then adds,
//! in batches).

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use super::failure::{BatchError, BatchFailure, Change, Fate, fate};
use super::state::{Pending, PersonId, RosterState, Want, requeue};
use crate::{CallId, CallUser, Client, Clock};

/// How many times one event is sent (or held back after a failure) before
/// the roster gives up on it and reports it as not requeued.
const MAX_ATTEMPTS: u32 = 3;

/// The roster's configuration and state, shared by the handle and the
/// background task.
pub(crate) struct RosterCore {
    pub(super) client: Client,
    pub(crate) call: CallId,
    pub(super) window: Duration,
    pub(super) max_batch: usize,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) state: Mutex<RosterState>,
    /// An event arrived.
    pub(super) wake: Notify,
    /// A full batch is pending, or the roster is closing: end the window.
    pub(super) hurry: Notify,
    /// One send at a time.
    pub(super) sending: tokio::sync::Mutex<()>,
}

impl RosterCore {
    /// No more windows: the background task makes its last send and ends.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.hurry.notify_one();
        self.wake.notify_one();
    }

    /// Sends what is pending after a send in progress, giving a requeued
    /// event one more try (after a sync, if needed): the end of a roster.
    pub(super) async fn send_rest(&self) -> Vec<BatchFailure> {
        let _sending = self.sending.lock().await;
        let mut failures = Vec::new();
        for _ in 0..2 {
            failures.extend(self.send_pending().await);
            if self.lock().pending.is_empty() {
                break;
            }
        }
        failures
    }

    /// A stop's flush ([`Shutdown::finish`](crate::Shutdown::finish)):
    /// closes the roster and sends the rest. The failures are logged and
    /// kept for the roster's own `flush` or `finish` to report; returns how
    /// many events are still unsent.
    pub(crate) async fn close_and_send(&self) -> usize {
        self.close();
        let failures = self.send_rest().await;
        log_failures(&self.call, &failures);
        let mut state = self.lock();
        state.failures.extend(failures);
        state.pending.len()
    }

    /// How many people have an event waiting to be sent.
    pub(crate) fn pending_count(&self) -> usize {
        self.lock().pending.len()
    }
}

fn log_failures(call: &CallId, failures: &[BatchFailure]) {
    for failure in failures {
        tracing::warn!(
            call = %call,
            change = ?failure.change,
            users = failure.users.len(),
            requeued = failure.requeued,
            error = %failure.error,
            "roster request failed"
        );
    }
}

/// The background task: wait for an event, let the window pass (or end it
/// early for a full batch or a close), send; after a close, one last send.
pub(super) async fn run(shared: Arc<RosterCore>) {
    // Sends in a row that kept events for another try.
    let mut retries = 0;
    loop {
        if !shared.lock().closed {
            shared.wake.notified().await;
        }
        if !shared.lock().closed {
            let mut window = shared.clock.sleep(shared.window);
            let hurry = shared.hurry.notified();
            let mut hurry = std::pin::pin!(hurry);
            // Whichever comes first: the window's end or a reason to hurry.
            std::future::poll_fn(|cx| {
                if window.as_mut().poll(cx).is_ready() || hurry.as_mut().poll(cx).is_ready() {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            })
            .await;
        }
        let closed = shared.lock().closed;
        let failures = {
            let _sending = shared.sending.lock().await;
            shared.send_pending().await
        };
        log_failures(&shared.call, &failures);
        let retry = failures.iter().any(|f| f.requeued);
        shared.lock().failures.extend(failures);
        if closed {
            return;
        }
        if retry && retries < MAX_ATTEMPTS {
            // Try the kept events again after another window.
            retries += 1;
            shared.wake.notify_one();
        } else if !retry {
            retries = 0;
        }
    }
}

impl RosterCore {
    pub(super) fn lock(&self) -> MutexGuard<'_, RosterState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One send of everything pending. The caller holds `sending`.
    ///
    /// Cancel-safe: if the future is dropped, the events it had taken are
    /// taken back by the next send, which first reads Slack's list (a
    /// request may have reached Slack).
    pub(super) async fn send_pending(&self) -> Vec<BatchFailure> {
        let mut failures = Vec::new();
        {
            let mut state = self.lock();
            if !state.in_flight.is_empty() {
                for (key, pending) in std::mem::take(&mut state.in_flight) {
                    requeue(&mut state, key, pending);
                }
                state.unsure = true;
            }
        }
        if self.lock().unsure {
            let synced = self.client.calls().info(&self.call).await;
            let mut state = self.lock();
            state.stats.syncs += 1;
            match synced {
                Ok(info) => {
                    state.set_present(info.call.users);
                    state.unsure = false;
                }
                Err(error) => {
                    failures.push(BatchFailure {
                        change: Change::Sync,
                        users: Vec::new(),
                        error: BatchError::Sync(error),
                        requeued: true,
                    });
                    // Sending without knowing Slack's list could add
                    // someone twice: keep everything for the next send.
                    return failures;
                }
            }
        }

        let (adds, removes) = {
            let mut state = self.lock();
            let mut taken: Vec<(PersonId, Pending)> = state.pending.drain().collect();
            taken.sort_by_key(|(_, p)| p.seq);
            let mut adds = Vec::new();
            let mut removes = Vec::new();
            for (key, pending) in taken {
                match (pending.want, state.present.get(&key)) {
                    (Want::In, None) => adds.push((key, pending)),
                    (Want::Out, Some(there)) => {
                        // Send Slack's own entry for the person.
                        let user = there.clone();
                        removes.push((key, Pending { user, ..pending }));
                    }
                    _ => state.stats.coalesced += 1,
                }
            }
            state.in_flight = removes.iter().chain(adds.iter()).cloned().collect();
            (adds, removes)
        };

        let mut rest = Vec::new();
        let mut stop = false;
        for (change, list) in [(Change::Remove, removes), (Change::Add, adds)] {
            let mut list = list.into_iter().peekable();
            while list.peek().is_some() {
                let batch: Vec<(PersonId, Pending)> = list.by_ref().take(self.max_batch).collect();
                if stop {
                    rest.extend(batch);
                    continue;
                }
                let users: Vec<CallUser> = batch.iter().map(|(_, p)| p.user.clone()).collect();
                let participants = self.client.calls().participants();
                let result = match change {
                    Change::Add => participants
                        .add(&self.call, users.clone())
                        .await
                        .map(drop)
                        .map_err(|err| (fate(&err), BatchError::Add(err))),
                    _ => participants
                        .remove(&self.call, users.clone())
                        .await
                        .map(drop)
                        .map_err(|err| (fate(&err), BatchError::Remove(err))),
                };
                let mut state = self.lock();
                state.stats.requests += 1;
                match result {
                    Ok(()) => {
                        for (key, pending) in batch {
                            match change {
                                Change::Add => state.present.insert(key, pending.user),
                                _ => state.present.remove(&key),
                            };
                        }
                    }
                    Err((fate, error)) => {
                        if fate == Fate::Resync {
                            state.unsure = true;
                        }
                        if fate != Fate::Drop {
                            // Slack's state is unknown or busy: hold the
                            // other batches of this send too.
                            stop = true;
                        }
                        // A batch is kept or dropped as a whole; it is
                        // dropped once one of its events used its tries.
                        let tried_out = batch.iter().any(|(_, p)| p.attempts + 1 >= MAX_ATTEMPTS);
                        let requeued = fate != Fate::Drop && !tried_out;
                        if requeued {
                            for (key, mut pending) in batch {
                                pending.attempts += 1;
                                requeue(&mut state, key, pending);
                            }
                        }
                        failures.push(BatchFailure {
                            change,
                            users,
                            error,
                            requeued,
                        });
                    }
                }
            }
        }
        let mut state = self.lock();
        state.in_flight.clear();
        for (key, pending) in rest {
            requeue(&mut state, key, pending);
        }
        failures
    }
}

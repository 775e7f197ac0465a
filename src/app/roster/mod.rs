//! A roster for one call that keeps Slack's participant list in step with
//! join and leave events, in few requests.
//!
//! See [`Roster`].

mod failure;
mod state;
mod sync;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::{CallId, CallUser, Client, Clock, Shutdown, SystemClock};

pub use failure::{BatchError, BatchFailure, Change, FlushError, RosterError, RosterStats};
use state::{Pending, PersonId, RosterState, Want};
pub(crate) use sync::RosterCore;
use sync::run;

/// How long events gather before the roster sends them, by default.
pub const DEFAULT_BATCH_WINDOW: Duration = Duration::from_secs(2);

/// The most participants one request carries, by default. Slack documents
/// no limit for `calls.participants.add`/`remove`; 100 keeps each request
/// small (a few KB of form data).
pub const DEFAULT_MAX_BATCH: usize = 100;

/// Keeps one call's participant list in Slack in step with join and leave
/// events, with few requests.
///
/// [`join`](Roster::join) and [`leave`](Roster::leave) only record the
/// event (a short lock, no I/O, no `.await`), so they can be called from any
/// thread or task, as often as events arrive. The roster sends
/// `calls.participants.add` and `calls.participants.remove` for the *net*
/// change:
///
/// - **Coalesced.** Only the latest event per person counts. A join then a
///   leave of someone Slack does not have yet sends nothing; a leave then a
///   join of someone Slack has sends nothing.
/// - **Never twice.** The roster tracks who Slack has. A join of someone
///   already there, or a leave of someone not there, sends nothing. A person
///   is identified by `slack_id`, or by `external_id` when there is no
///   `slack_id`. An entry with both links the two, so later events may name
///   the person by either.
/// - **Batched.** All adds (and all removes) pending at a flush go out in
///   requests of at most [`max_batch`](RosterBuilder::max_batch) people: 300
///   joins inside one window are 3 requests at the default batch size.
/// - **Paced.** Requests go through the [`Client`], so they wait for the
///   client's rate limiter and follow its retry rules like any other call.
///
/// # When requests are sent
///
/// By default a background tokio task sends: the first event after a quiet
/// time opens a window ([`window`](RosterBuilder::window), 2 s by default),
/// and at its end everything pending goes out. A window also ends early once
/// a full batch is pending. You can send at any time with
/// [`flush`](Roster::flush), and [`finish`](Roster::finish) sends what is
/// left and stops the task. With [`manual`](RosterBuilder::manual) there is
/// no task and only `flush`/`finish` send.
///
/// Only one send runs at a time: a `flush` waits for a background send in
/// progress, then sends what is still pending. Events that arrive while a
/// request is in flight wait for the next send.
///
/// # Failures
///
/// Every request that fails is reported, with the people it carried, as a
/// [`BatchFailure`]. `flush` and `finish` return the failures of their own
/// send and those of background sends since the last report. What happens
/// to the people in a failed request depends on whether Slack may have acted
/// on it:
///
/// - **Slack did not act** (it answered an error such as `inactive_call`, or
///   the request was refused before sending): the events are dropped from the
///   roster and returned in the failure (`requeued: false`). Join them again
///   if you want another try.
/// - **Slack may have acted** ([`Error::may_have_been_sent`](crate::Error::may_have_been_sent):
///   a timeout after sending, a lost connection, a 5xx, `internal_error`,
///   an unexpected status or body; the client does not resend
///   `calls.participants.*` after these), or Slack answered
///   `bad_users` (its list differs from the roster's): the roster no longer
///   knows who Slack has. It requeues the events (`requeued: true`) and,
///   before its next send, reads the call with `calls.info` (scope
///   `calls:read`) to learn Slack's list. Then it sends only what is still
///   missing, so nobody is added twice.
/// - **Not sent, may be retried** (the client's wait budget for rate limits
///   ran out, or the connection could not be made): the events are requeued
///   for the next send.
///
/// The background task tries kept events again after another window (up to
/// 3 sends in a row that keep events; after that, at the next event or
/// flush). An event is sent at most 3 times; after that its failure says
/// `requeued: false`. `finish` returns whatever is still pending as
/// [`FlushError::unsent`].
///
/// Dropping a `Roster` without `finish` lets the background task make one
/// last send; its failures are only logged (`tracing`), so prefer `finish`.
/// A [`manual`](RosterBuilder::manual) roster dropped that way sends
/// nothing more.
///
/// ```no_run
/// use slack_calls::{CallUser, Client, Roster};
/// use std::time::Duration;
///
/// # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
/// let roster = Roster::builder(client.clone(), "R0E69JAIF")
///     .window(Duration::from_secs(1))
///     .start()?;
/// roster.join(CallUser::slack("U1H77"))?;
/// roster.join(CallUser::external("54321678", "External User"))?;
/// roster.leave(CallUser::slack("U1H77"))?; // cancels the join above
/// roster.finish().await?; // one calls.participants.add, for the external user
/// client.calls().end("R0E69JAIF").await?;
/// # Ok(()) }
/// ```
pub struct Roster {
    shared: Arc<RosterCore>,
    task: Option<JoinHandle<()>>,
}

/// Why [`RosterBuilder::resume`] could not take a call over.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResumeError {
    /// `calls.info`, which says who is in the call, failed.
    #[error("could not read the call's participants: {0}")]
    Info(Box<crate::Error<crate::calls::InfoError>>),
    /// The roster could not start.
    #[error(transparent)]
    Start(RosterError),
}

/// Configures a [`Roster`]; from [`Roster::builder`].
#[must_use = "a builder does nothing until `start` is called"]
pub struct RosterBuilder {
    client: Client,
    call: CallId,
    window: Duration,
    max_batch: usize,
    present: Vec<CallUser>,
    clock: Arc<dyn Clock>,
    background: bool,
    shutdown: Option<Shutdown>,
}

impl Roster {
    /// A roster for the call `call`, with the default window and batch size
    /// and a background task; see [`RosterBuilder::start`].
    pub fn start(client: Client, call: impl Into<CallId>) -> Result<Roster, RosterError> {
        Roster::builder(client, call).start()
    }

    /// A builder for a roster of the call `call`, sending with `client`.
    pub fn builder(client: Client, call: impl Into<CallId>) -> RosterBuilder {
        RosterBuilder {
            shutdown: client.inner.shutdown.clone(),
            client,
            call: call.into(),
            window: DEFAULT_BATCH_WINDOW,
            max_batch: DEFAULT_MAX_BATCH,
            present: Vec::new(),
            clock: Arc::new(SystemClock),
            background: true,
        }
    }

    /// The call this roster keeps.
    pub fn call_id(&self) -> &CallId {
        &self.shared.call
    }

    /// Records that `user` joined. Returns at once; the add is sent later,
    /// if still needed then. A later event for the same person replaces
    /// this one. Slack has no method to change a participant's details, so
    /// a join of someone Slack already has changes nothing.
    ///
    /// # Errors
    ///
    /// [`RosterError::NoIdentity`] without a `slack_id` or `external_id`;
    /// [`RosterError::NoDisplayName`] for an external participant without a
    /// `display_name`. Nothing is recorded then.
    pub fn join(&self, user: CallUser) -> Result<(), RosterError> {
        let key = PersonId::of(&user).ok_or(RosterError::NoIdentity)?;
        if let (PersonId::External(id), None) = (&key, &user.display_name) {
            return Err(RosterError::NoDisplayName {
                external_id: id.clone(),
            });
        }
        self.record(Want::In, user);
        Ok(())
    }

    /// Records that `user` left. Returns at once; the remove is sent later,
    /// if still needed then. Only the identity (`slack_id` or
    /// `external_id`) matters.
    ///
    /// # Errors
    ///
    /// [`RosterError::NoIdentity`] without a `slack_id` or `external_id`.
    pub fn leave(&self, user: CallUser) -> Result<(), RosterError> {
        PersonId::of(&user).ok_or(RosterError::NoIdentity)?;
        self.record(Want::Out, user);
        Ok(())
    }

    fn record(&self, want: Want, user: CallUser) {
        let full = {
            let mut state = self.shared.lock();
            let Some(key) = state.key_of(&user) else {
                return; // the callers checked
            };
            state.stats.events += 1;
            let seq = state.next_seq;
            state.next_seq += 1;
            let pending = Pending {
                seq,
                want,
                user,
                attempts: 0,
            };
            if state.pending.insert(key, pending).is_some() {
                // The earlier event for this person will never be sent.
                state.stats.coalesced += 1;
            }
            state.pending.len() >= self.shared.max_batch
        };
        self.shared.wake.notify_one();
        if full {
            self.shared.hurry.notify_one();
        }
    }

    /// Sends everything recorded so far (waiting for a send in progress
    /// first), and returns the failures of this send and of background
    /// sends since the last report. Failed events are handled as described
    /// under *Failures* on [`Roster`].
    ///
    /// Cancel-safe: if this future is dropped while a request is in flight,
    /// no event is lost. The next send takes the events back and first
    /// reads the call with `calls.info`, as the request may have reached
    /// Slack.
    pub async fn flush(&self) -> Result<(), FlushError> {
        let _sending = self.shared.sending.lock().await;
        let mut failures = std::mem::take(&mut self.shared.lock().failures);
        failures.extend(self.shared.send_pending().await);
        if failures.is_empty() {
            Ok(())
        } else {
            Err(FlushError {
                failures,
                unsent: Vec::new(),
            })
        }
    }

    /// Sends everything left, stops the background
    /// task, and reports every failure not reported yet. Events still held
    /// after that (requeued after a failure that persisted) are returned in
    /// [`FlushError::unsent`]. Call it before `calls.end`: Slack refuses
    /// participant changes to an ended call (`inactive_call`).
    pub async fn finish(mut self) -> Result<(), FlushError> {
        self.shared.close();
        if let Some(task) = self.task.take() {
            // The task makes its last send and ends; a panic in it would
            // only lose what the sends below still cover.
            let _ = task.await;
        }
        let mut failures = self.shared.send_rest().await;
        let mut state = self.shared.lock();
        failures.splice(0..0, std::mem::take(&mut state.failures));
        let mut unsent: Vec<_> = state.pending.drain().map(|(_, p)| p).collect();
        unsent.sort_by_key(|p| p.seq);
        let unsent: Vec<_> = unsent
            .into_iter()
            .map(|p| {
                let change = match p.want {
                    Want::In => Change::Add,
                    Want::Out => Change::Remove,
                };
                (change, p.user)
            })
            .collect();
        if failures.is_empty() && unsent.is_empty() {
            Ok(())
        } else {
            Err(FlushError { failures, unsent })
        }
    }

    /// Who Slack has, as far as the roster knows (after the last send), in
    /// no particular order.
    pub fn present(&self) -> Vec<CallUser> {
        self.shared.lock().present.values().cloned().collect()
    }

    /// How many people have an event waiting to be sent.
    pub fn pending(&self) -> usize {
        self.shared.lock().pending.len()
    }

    /// Counts of events and requests so far.
    pub fn stats(&self) -> RosterStats {
        self.shared.lock().stats
    }
}

impl fmt::Debug for Roster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("Roster")
            .field("call", &self.shared.call)
            .field("window", &self.shared.window)
            .field("max_batch", &self.shared.max_batch)
            .field("present", &state.present.len())
            .field("pending", &state.pending.len())
            .field("background", &self.task.is_some())
            .finish()
    }
}

impl Drop for Roster {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.shared.close();
        }
    }
}

impl RosterBuilder {
    /// How long events gather before they are sent (default 2 s). A full
    /// batch is sent without waiting for the window to end.
    pub fn window(mut self, window: Duration) -> RosterBuilder {
        self.window = window;
        self
    }

    /// The most people one request carries (default 100; 0 counts as 1).
    pub fn max_batch(mut self, max_batch: usize) -> RosterBuilder {
        self.max_batch = max_batch.max(1);
        self
    }

    /// People Slack already has in the call, such as the `users` given to
    /// `calls.add`: the roster will not add them again.
    pub fn present(mut self, users: impl IntoIterator<Item = CallUser>) -> RosterBuilder {
        self.present.extend(users);
        self
    }

    /// The clock that times the window (default: [`SystemClock`]). Tests
    /// can give a [`TestClock`](crate::TestClock). Pacing uses the client's
    /// own clock.
    pub fn clock(mut self, clock: impl Clock) -> RosterBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Starts the roster of a call another instance was keeping: reads
    /// who Slack has in the call with one `calls.info` (through this
    /// builder's client, so it is paced like any call), counts them as
    /// [`present`](RosterBuilder::present), and starts. A join of someone
    /// already there sends nothing, so an instance that takes over a call
    /// never adds anyone twice.
    ///
    /// # Errors
    ///
    /// [`ResumeError::Info`] when `calls.info` fails (nothing else was
    /// sent), [`ResumeError::Start`] as for [`start`](RosterBuilder::start).
    pub async fn resume(self) -> Result<Roster, ResumeError> {
        let info = self
            .client
            .calls()
            .info(self.call.clone())
            .await
            .map_err(|err| ResumeError::Info(Box::new(err)))?;
        self.present(info.call.users)
            .start()
            .map_err(ResumeError::Start)
    }

    /// Flushes the roster when `shutdown` stops, after the handlers in
    /// flight finish ([`Shutdown::finish`]). A client of an
    /// [`App`](crate::App) built with [`AppBuilder::shutdown`](crate::AppBuilder::shutdown)
    /// gives its rosters the app's shutdown already.
    pub fn shutdown(mut self, shutdown: &Shutdown) -> RosterBuilder {
        self.shutdown = Some(shutdown.clone());
        self
    }

    /// No background task: only [`Roster::flush`] and [`Roster::finish`]
    /// send. For callers that want to choose when requests go out (for
    /// example on their own timer, or once per batch of webhook events).
    pub fn manual(mut self) -> RosterBuilder {
        self.background = false;
        self
    }

    /// Makes the roster and, unless [`manual`](RosterBuilder::manual),
    /// spawns its background task on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`RosterError::NoRuntime`] when a background task is wanted outside
    /// a tokio runtime.
    pub fn start(self) -> Result<Roster, RosterError> {
        let handle = if self.background {
            Some(tokio::runtime::Handle::try_current().map_err(|_| RosterError::NoRuntime)?)
        } else {
            None
        };
        let mut state = RosterState::default();
        state.set_present(self.present);
        let shared = Arc::new(RosterCore {
            client: self.client,
            call: self.call,
            window: self.window,
            max_batch: self.max_batch,
            clock: self.clock,
            state: Mutex::new(state),
            wake: Notify::new(),
            hurry: Notify::new(),
            sending: tokio::sync::Mutex::new(()),
        });
        if let Some(shutdown) = &self.shutdown {
            shutdown.add_roster(&shared);
        }
        let task = handle.map(|handle| handle.spawn(run(Arc::clone(&shared))));
        Ok(Roster { shared, task })
    }
}

impl fmt::Debug for RosterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RosterBuilder")
            .field("call", &self.call)
            .field("window", &self.window)
            .field("max_batch", &self.max_batch)
            .field("present", &self.present.len())
            .field("background", &self.background)
            .field("shutdown", &self.shutdown.is_some())
            .finish_non_exhaustive()
    }
}

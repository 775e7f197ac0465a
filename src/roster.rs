//! A roster for one call that keeps Slack's participant list in step with
//! join and leave events, in few requests.
//!
//! See [`Roster`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::calls::InfoError;
use crate::calls::participants::{AddError, RemoveError};
use crate::{CallId, CallUser, Client, Clock, Error, SystemClock};

/// How long events gather before the roster sends them, by default.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(2);

/// The most participants one request carries, by default. Slack documents
/// no limit for `calls.participants.add`/`remove`; 100 keeps each request
/// small (a few KB of form data).
pub const DEFAULT_MAX_BATCH: usize = 100;

/// How many times one event is sent (or held back after a failure) before
/// the roster gives up on it and reports it as not requeued.
const MAX_ATTEMPTS: u32 = 3;

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
/// - **Slack may have acted** (`may_have_been_sent`: a timeout after
///   sending, a lost connection, a 5xx or `internal_error`; the client does
///   not resend `calls.participants.*` after these), or Slack answered
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
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
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
}

/// Why an event or a roster could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// The participant has neither a `slack_id` nor an `external_id`, so
    /// the roster cannot tell who it is.
    #[error("a participant needs a slack_id or an external_id")]
    NoIdentity,
    /// An external participant (no `slack_id`) joined without a
    /// `display_name`; Slack refuses to add one without it.
    #[error("external participant {external_id} needs a display_name to join")]
    NoDisplayName {
        /// The participant's `external_id`.
        external_id: String,
    },
    /// A background task was asked for outside a tokio runtime; start the
    /// roster inside one, or use [`RosterBuilder::manual`].
    #[error("a roster's background task needs a tokio runtime")]
    NoRuntime,
}

/// Which request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Change {
    /// `calls.participants.add`.
    Add,
    /// `calls.participants.remove`.
    Remove,
    /// `calls.info`, read to learn Slack's list after an ambiguous failure.
    Sync,
}

/// The typed error of a failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// From `calls.participants.add`.
    #[error(transparent)]
    Add(Error<AddError>),
    /// From `calls.participants.remove`.
    #[error(transparent)]
    Remove(Error<RemoveError>),
    /// From `calls.info`.
    #[error(transparent)]
    Sync(Error<InfoError>),
}

impl BatchError {
    /// True when Slack may have acted on the request although it failed.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            BatchError::Add(err) => ambiguous(err),
            BatchError::Remove(err) => ambiguous(err),
            BatchError::Sync(err) => ambiguous(err),
        }
    }

    /// Slack's error code, when Slack answered `"ok": false`.
    pub fn slack_code(&self) -> Option<&str> {
        match self {
            BatchError::Add(err) => err.slack_code(),
            BatchError::Remove(err) => err.slack_code(),
            BatchError::Sync(err) => err.slack_code(),
        }
    }
}

/// One failed request and the people it carried.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchFailure {
    /// Which request.
    pub change: Change,
    /// The people in it (empty for [`Change::Sync`]).
    pub users: Vec<CallUser>,
    /// What went wrong.
    pub error: BatchError,
    /// True when the roster kept these events and will send them again
    /// (after reading Slack's list, if Slack may have acted); false when
    /// they were dropped and are returned here.
    pub requeued: bool,
}

/// The failures [`Roster::flush`] or [`Roster::finish`] report.
#[derive(Debug)]
#[non_exhaustive]
pub struct FlushError {
    /// Each failed request, in the order sent.
    pub failures: Vec<BatchFailure>,
    /// With `finish`: events the roster still held and will never send
    /// (requeued after a failure); always empty with `flush`.
    pub unsent: Vec<(Change, CallUser)>,
}

impl fmt::Display for FlushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} roster request(s) failed", self.failures.len())?;
        if let Some(first) = self.failures.first() {
            write!(f, ", first: {}", first.error)?;
        }
        if !self.unsent.is_empty() {
            write!(f, "; {} event(s) not sent", self.unsent.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for FlushError {}

/// Counts of what a roster has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RosterStats {
    /// Join and leave events taken.
    pub events: u64,
    /// `calls.participants.add`/`remove` requests sent (failed ones too).
    pub requests: u64,
    /// `calls.info` requests sent to learn Slack's list.
    pub syncs: u64,
    /// Events that needed no request: cancelled by a later event for the
    /// same person, or already true of Slack's list.
    pub coalesced: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Slack(String),
    External(String),
}

impl Key {
    fn of(user: &CallUser) -> Option<Key> {
        match (&user.slack_id, &user.external_id) {
            (Some(id), _) => Some(Key::Slack(id.as_str().to_owned())),
            (None, Some(id)) => Some(Key::External(id.clone())),
            (None, None) => None,
        }
    }
}

impl State {
    /// The key of `user`, through an alias when only its `external_id` is
    /// given and another event named the person by both ids.
    fn key_of(&mut self, user: &CallUser) -> Option<Key> {
        let key = Key::of(user)?;
        if let (Some(slack), Some(external)) = (&user.slack_id, &user.external_id) {
            self.aliases
                .insert(external.clone(), Key::Slack(slack.as_str().to_owned()));
        }
        if let Key::External(external) = &key
            && let Some(alias) = self.aliases.get(external)
        {
            return Some(alias.clone());
        }
        Some(key)
    }

    /// Sets who Slack has.
    fn set_present(&mut self, users: impl IntoIterator<Item = CallUser>) {
        self.present.clear();
        for user in users {
            if let Some(key) = self.key_of(&user) {
                self.present.insert(key, user);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    In,
    Out,
}

#[derive(Clone)]
struct Pending {
    seq: u64,
    want: Want,
    user: CallUser,
    attempts: u32,
}

#[derive(Default)]
struct State {
    /// Who Slack has, as far as the roster knows.
    present: HashMap<Key, CallUser>,
    /// The latest unsent event per person.
    pending: HashMap<Key, Pending>,
    /// Events of the send in progress; left over only when that send was
    /// cancelled (its future dropped), so the next send takes them back.
    in_flight: Vec<(Key, Pending)>,
    /// `external_id` to the `slack_id` key of people who have both, so an
    /// event naming either finds the same person.
    aliases: HashMap<String, Key>,
    next_seq: u64,
    /// Slack may have acted on a failed request: read its list first.
    unsure: bool,
    /// Failures of background sends not yet reported.
    failures: Vec<BatchFailure>,
    closed: bool,
    stats: RosterStats,
}

struct Shared {
    client: Client,
    call: CallId,
    window: Duration,
    max_batch: usize,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    /// An event arrived.
    wake: Notify,
    /// A full batch is pending, or the roster is closing: end the window.
    hurry: Notify,
    /// One send at a time.
    sending: tokio::sync::Mutex<()>,
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
            client,
            call: call.into(),
            window: DEFAULT_WINDOW,
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
        let key = Key::of(&user).ok_or(RosterError::NoIdentity)?;
        if let (Key::External(id), None) = (&key, &user.display_name) {
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
        Key::of(&user).ok_or(RosterError::NoIdentity)?;
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
        self.shared.lock().closed = true;
        self.shared.hurry.notify_one();
        self.shared.wake.notify_one();
        if let Some(task) = self.task.take() {
            // The task makes its last send and ends; a panic in it would
            // only lose what the sends below still cover.
            let _ = task.await;
        }
        let _sending = self.shared.sending.lock().await;
        let mut failures = Vec::new();
        // A requeued event gets one more try (after a sync, if needed).
        for _ in 0..2 {
            failures.extend(self.shared.send_pending().await);
            if self.shared.lock().pending.is_empty() {
                break;
            }
        }
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
            self.shared.lock().closed = true;
            self.shared.hurry.notify_one();
            self.shared.wake.notify_one();
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
        let mut state = State::default();
        state.set_present(self.present);
        let shared = Arc::new(Shared {
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
            .finish_non_exhaustive()
    }
}

/// The background task: wait for an event, let the window pass (or end it
/// early for a full batch or a close), send; after a close, one last send.
async fn run(shared: Arc<Shared>) {
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
        for failure in &failures {
            tracing::warn!(
                call = %shared.call,
                change = ?failure.change,
                users = failure.users.len(),
                requeued = failure.requeued,
                error = %failure.error,
                "roster request failed"
            );
        }
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

/// Slack may have acted: the transport says so, or Slack answered one of
/// its "something went wrong on our side" codes.
fn ambiguous<E: crate::ErrorCode>(err: &Error<E>) -> bool {
    err.may_have_been_sent()
        || matches!(
            err.slack_code(),
            Some("internal_error" | "fatal_error" | "service_unavailable")
        )
}

/// What to do with the events of a failed request.
#[derive(PartialEq, Eq)]
enum Fate {
    /// Slack did not act and a later try may work: keep them.
    Retry,
    /// Slack may have acted, or its list differs from ours: keep them and
    /// read Slack's list before the next send.
    Resync,
    /// Slack did not act and will not: drop them (returned to the caller).
    Drop,
}

fn fate<E: crate::ErrorCode>(err: &Error<E>) -> Fate {
    if ambiguous(err) || err.slack_code() == Some("bad_users") {
        return Fate::Resync;
    }
    match err {
        Error::RateLimited { .. } | Error::Transport { .. } => Fate::Retry,
        _ => Fate::Drop,
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One send of everything pending. The caller holds `sending`.
    ///
    /// Cancel-safe: if the future is dropped, the events it had taken are
    /// taken back by the next send, which first reads Slack's list (a
    /// request may have reached Slack).
    async fn send_pending(&self) -> Vec<BatchFailure> {
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
            let mut taken: Vec<(Key, Pending)> = state.pending.drain().collect();
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
                let batch: Vec<(Key, Pending)> = list.by_ref().take(self.max_batch).collect();
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

/// Puts an event back, unless a newer one for the same person came in.
fn requeue(state: &mut State, key: Key, pending: Pending) {
    state.pending.entry(key).or_insert(pending);
}

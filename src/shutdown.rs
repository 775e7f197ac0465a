//! Stopping without losing work: [`Shutdown`].
//!
//! The receiver acknowledges an event first and runs its handler after, as
//! Slack requires; once acknowledged, Slack never sends that event again.
//! A [`Shutdown`] tracks that work (event handlers, late Call-initiation
//! answers, open [`Roster`](crate::Roster)s) so that a deploy can stop the
//! process without dropping it. A stop goes in this order:
//!
//! 1. **Stop accepting.** [`Shutdown::stop`] (or the signal or future the
//!    [`Server`](crate::events::Server) waits on) marks the stop. The server
//!    closes its listener; a request that still reaches a receiver is
//!    answered `503 Service Unavailable`, which Slack retries (the retry goes
//!    to an instance still running), never `200`.
//! 2. **Handlers in flight finish**, up to the deadline
//!    ([`ShutdownBuilder::deadline`], [`DEFAULT_SHUTDOWN_DEADLINE`]).
//! 3. **Late Call-initiation answers are posted**: they are tracked like
//!    handlers, and a handler that missed the initiation deadline posts its
//!    answer to the `response_url` before the wait ends.
//! 4. **Open rosters flush**: everything they hold is sent, after the
//!    handlers (which may still record joins and leaves) are done.
//!
//! Then [`Shutdown::finish`] returns a [`ShutdownReport`], and the process
//! can exit. Work still running at the deadline is counted in the report
//! and logged, not waited for: an orchestrator kills the process soon
//! after anyway (Kubernetes' default grace period is 30 seconds).
//!
//! Tasks are tracked with tokio-util's [`TaskTracker`](tokio_util::task::TaskTracker).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::app::roster::RosterCore;

/// How long a stop waits for handlers and rosters by default: 25 seconds,
/// inside the 30 seconds Kubernetes gives a pod between `SIGTERM` and
/// `SIGKILL` by default.
pub const DEFAULT_SHUTDOWN_DEADLINE: Duration = Duration::from_secs(25);

/// The app's work in flight, and the switch that stops it gracefully.
/// Cheap to clone: clones share one stop.
///
/// Give the same `Shutdown` to each part that starts work:
/// [`ReceiverBuilder::shutdown`](crate::events::ReceiverBuilder::shutdown),
/// [`AppBuilder::shutdown`](crate::AppBuilder::shutdown) (the rosters of
/// the app's clients join it) or [`RosterBuilder::shutdown`](crate::RosterBuilder::shutdown),
/// and [`Server::shutdown`](crate::events::Server::shutdown), which stops on
/// `SIGTERM` or Ctrl-C and runs the whole stop. An app serving with its own
/// framework calls [`stop`](Shutdown::stop), lets its server stop
/// accepting, then awaits [`finish`](Shutdown::finish).
///
/// ```no_run
/// use slack_calls::Shutdown;
/// use slack_calls::events::{Receiver, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let shutdown = Shutdown::new();
/// let receiver = Receiver::<slack_calls::Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
///     .shutdown(&shutdown)
///     .on_event(|event, _| async move { println!("{}", event.event_id) })
///     .build()?;
/// let report = Server::new()
///     .events("/slack/events", &receiver)
///     .shutdown(&shutdown)
///     .serve("0.0.0.0:3000")
///     .await?;
/// println!("stopped: {report}");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Shutdown {
    inner: Arc<Inner>,
}

struct Inner {
    /// Event handlers and late Call-initiation answers.
    tasks: TaskTracker,
    stop: CancellationToken,
    deadline: Duration,
    /// Open rosters (dropped ones are pruned as new ones join).
    rosters: Mutex<Vec<Weak<RosterCore>>>,
    /// The report of the finished stop, for every later `finish`.
    finished: tokio::sync::OnceCell<ShutdownReport>,
    /// When the stop was first marked: the deadline counts from here.
    stopped_at: std::sync::OnceLock<tokio::time::Instant>,
}

/// Configures a [`Shutdown`]; from [`Shutdown::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ShutdownBuilder {
    deadline: Duration,
}

impl ShutdownBuilder {
    /// How long the stop may take, in all, counted from the moment it is
    /// marked: a server's requests in progress, then handlers in flight,
    /// then rosters to flush (default [`DEFAULT_SHUTDOWN_DEADLINE`]).
    pub fn deadline(mut self, deadline: Duration) -> ShutdownBuilder {
        self.deadline = deadline;
        self
    }

    /// The shutdown.
    pub fn build(self) -> Shutdown {
        Shutdown {
            inner: Arc::new(Inner {
                tasks: TaskTracker::new(),
                stop: CancellationToken::new(),
                deadline: self.deadline,
                rosters: Mutex::new(Vec::new()),
                finished: tokio::sync::OnceCell::new(),
                stopped_at: std::sync::OnceLock::new(),
            }),
        }
    }
}

/// What a stop did: how much work it waited for and what it could not
/// finish by the deadline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// Work in flight when the stop began: handlers, late answers,
    /// requests still being answered, and the read loops of stream workers
    /// (one per receiver with an [`EventStream`](crate::events::EventStream)).
    pub in_flight: usize,
    /// Of those, still running at the deadline (not waited for).
    pub unfinished: usize,
    /// Open rosters flushed.
    pub rosters: usize,
    /// Roster events that could not be sent (their failures are logged).
    pub roster_events_unsent: usize,
    /// How long the stop took, from the stop to the end of the flush.
    pub took: Duration,
}

impl ShutdownReport {
    /// Adds `other`'s counts (the longer time).
    #[cfg_attr(not(feature = "events"), allow(dead_code))]
    pub(crate) fn add(&mut self, other: &ShutdownReport) {
        self.in_flight += other.in_flight;
        self.unfinished += other.unfinished;
        self.rosters += other.rosters;
        self.roster_events_unsent += other.roster_events_unsent;
        self.took = self.took.max(other.took);
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} handlers in flight, {} unfinished at the deadline; {} rosters flushed, {} roster events unsent; {:.3} s",
            self.in_flight,
            self.unfinished,
            self.rosters,
            self.roster_events_unsent,
            self.took.as_secs_f64()
        )
    }
}

impl Default for Shutdown {
    fn default() -> Shutdown {
        Shutdown::new()
    }
}

impl fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shutdown")
            .field("stopping", &self.is_stopping())
            .field("in_flight", &self.inner.tasks.len())
            .field("deadline", &self.inner.deadline)
            .finish_non_exhaustive()
    }
}

impl Shutdown {
    /// A shutdown with the default deadline.
    pub fn new() -> Shutdown {
        Shutdown::builder().build()
    }

    /// A builder, to set the deadline.
    pub fn builder() -> ShutdownBuilder {
        ShutdownBuilder {
            deadline: DEFAULT_SHUTDOWN_DEADLINE,
        }
    }

    /// The deadline a stop waits for, in all.
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// Marks the stop: receivers answer `503` from now on (Slack retries
    /// elsewhere). Work already started goes on; [`finish`](Shutdown::finish)
    /// waits for it. Idempotent.
    pub fn stop(&self) {
        if !self.inner.stop.is_cancelled() {
            tracing::info!(
                in_flight = self.inner.tasks.len(),
                "stopping: new requests are refused with 503, work in flight finishes"
            );
        }
        self.inner.stopped_at.get_or_init(tokio::time::Instant::now);
        self.inner.stop.cancel();
    }

    /// When the stop's deadline passes: the deadline after the stop was
    /// first marked (after now, when it was not).
    #[cfg_attr(not(feature = "events"), allow(dead_code))]
    pub(crate) fn deadline_at(&self) -> tokio::time::Instant {
        let from = self
            .inner
            .stopped_at
            .get()
            .copied()
            .unwrap_or_else(tokio::time::Instant::now);
        from + self.inner.deadline
    }

    /// Whether [`stop`](Shutdown::stop) was called.
    pub fn is_stopping(&self) -> bool {
        self.inner.stop.is_cancelled()
    }

    /// Resolves once [`stop`](Shutdown::stop) is called.
    pub async fn stopped(&self) {
        self.inner.stop.cancelled().await;
    }

    /// Whether both are the same shutdown (clones of one).
    pub fn same(&self, other: &Shutdown) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// How many handlers and late answers are running now.
    pub fn in_flight(&self) -> usize {
        self.inner.tasks.len()
    }

    /// Runs `work` on the current tokio runtime, tracked: a stop waits for
    /// it.
    #[cfg_attr(not(feature = "events"), allow(dead_code))]
    pub(crate) fn spawn<F>(&self, work: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(self.inner.tasks.spawn(work));
    }

    /// Counts a request in progress as work in flight until it is dropped.
    #[cfg_attr(not(feature = "events"), allow(dead_code))]
    pub(crate) fn request(&self) -> tokio_util::task::task_tracker::TaskTrackerToken {
        self.inner.tasks.token()
    }

    /// Flushes the roster at the stop (the roster is kept only while it is
    /// alive).
    pub(crate) fn add_roster(&self, roster: &Arc<RosterCore>) {
        let mut rosters = self
            .inner
            .rosters
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        rosters.retain(|roster| roster.strong_count() > 0);
        rosters.push(Arc::downgrade(roster));
    }

    /// Stops (if not yet), waits for the handlers and late answers in
    /// flight up to the deadline, then flushes the open rosters in what is
    /// left of it. Every call after the first returns the first's report
    /// once that is done.
    pub async fn finish(&self) -> ShutdownReport {
        self.inner
            .finished
            .get_or_init(|| self.run_finish())
            .await
            .clone()
    }

    async fn run_finish(&self) -> ShutdownReport {
        self.stop();
        let started = Instant::now();
        // Counted from the stop, not from here: a server's draining of its
        // connections comes out of the same time.
        let deadline = self.deadline_at();
        let tasks = &self.inner.tasks;
        // Closed, the tracker's wait ends when its last task does; tasks
        // spawned after this (a late answer from a handler) still count.
        tasks.close();
        let in_flight = tasks.len();
        let unfinished = match tokio::time::timeout_at(deadline, tasks.wait()).await {
            Ok(()) => 0,
            Err(_) => tasks.len(),
        };
        if unfinished > 0 {
            tracing::warn!(
                unfinished,
                "the shutdown deadline passed with handlers still running; they are not waited for"
            );
        }
        let rosters: Vec<Arc<RosterCore>> = self
            .inner
            .rosters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .filter_map(|roster| roster.upgrade())
            .collect();
        let mut unsent = 0;
        for roster in &rosters {
            match tokio::time::timeout_at(deadline, roster.close_and_send()).await {
                Ok(left) => unsent += left,
                Err(_) => {
                    let left = roster.pending_count();
                    tracing::warn!(call = %roster.call, left, "the shutdown deadline passed before a roster was flushed");
                    unsent += left;
                }
            }
        }
        let report = ShutdownReport {
            in_flight,
            unfinished,
            rosters: rosters.len(),
            roster_events_unsent: unsent,
            took: started.elapsed(),
        };
        tracing::info!(%report, "stopped");
        report
    }
}

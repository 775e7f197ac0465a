//! Time as the runtime sees it: when "now" is, and how to wait.
//!
//! Pacing, `Retry-After` waits and retry backoff all read the time and sleep
//! through a [`Clock`], so a test can swap real time for a [`TestClock`] and
//! check waits of minutes in milliseconds, exactly. HTTP timeouts are not
//! part of this: they are the transport's, and always run on real time (a
//! virtual clock that jumps ahead while a request is on the wire would fire
//! them early).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

/// The future a [`Clock::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// A source of time and of waits. The client keeps one (default:
/// [`SystemClock`]); set another with
/// [`ClientBuilder::clock`](crate::ClientBuilder::clock).
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
    /// A future that finishes once `duration` has passed on this clock.
    /// Dropping it early must be harmless.
    fn sleep(&self, duration: Duration) -> Sleep;
    /// The wall-clock time, which token expiries are kept in (a rotating
    /// token is refreshed when it expires within the app's window of
    /// this). Real time unless overridden; a clock that runs faster than
    /// real time (to test a 12-hour token in seconds) moves this too.
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Real time, through tokio's timer (so tokio's paused test time applies
/// to it too).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time for tests: it starts at zero and moves only when told, so
/// every wait the client makes can be checked exactly.
///
/// Two modes:
///
/// - [`TestClock::new`] (auto-advance): a sleep moves the clock forward to
///   its end at once and returns. Right for one task making calls one after
///   another.
/// - [`TestClock::manual`]: a sleep waits until [`advance`](TestClock::advance)
///   has moved the clock past its end. Right for several calls in flight at
///   once, with the test deciding when time passes.
///
/// Every sleep asked for is recorded ([`sleeps`](TestClock::sleeps)).
/// Clones share the same time.
///
/// ```
/// use slack_calls::{Clock, TestClock};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = TestClock::new();
/// clock.sleep(Duration::from_secs(90)).await; // returns at once
/// assert_eq!(clock.elapsed(), Duration::from_secs(90));
/// assert_eq!(clock.sleeps(), [Duration::from_secs(90)]);
/// # }
/// ```
#[derive(Clone)]
pub struct TestClock {
    shared: Arc<VirtualTime>,
}

/// A test clock's time and sleeps, shared by its clones.
struct VirtualTime {
    origin: Instant,
    /// The wall-clock time at zero.
    wall_origin: SystemTime,
    auto_advance: bool,
    state: Mutex<SleepLog>,
    /// The elapsed virtual time, for sleepers to watch.
    elapsed: watch::Sender<Duration>,
}

/// The sleeps a test clock has seen.
#[derive(Default)]
struct SleepLog {
    sleeps: Vec<Duration>,
    pending: usize,
}

/// The furthest a test clock goes, so `Instant` arithmetic never overflows.
const MAX_ELAPSED: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

impl TestClock {
    /// A clock whose sleeps finish at once, moving time to their end.
    pub fn new() -> TestClock {
        TestClock::with_mode(true)
    }

    /// A clock whose sleeps wait for [`advance`](TestClock::advance).
    pub fn manual() -> TestClock {
        TestClock::with_mode(false)
    }

    fn with_mode(auto_advance: bool) -> TestClock {
        let (elapsed, _) = watch::channel(Duration::ZERO);
        TestClock {
            shared: Arc::new(VirtualTime {
                origin: Instant::now(),
                wall_origin: SystemTime::now(),
                auto_advance,
                state: Mutex::new(SleepLog::default()),
                elapsed,
            }),
        }
    }

    /// Virtual time since the clock was made.
    pub fn elapsed(&self) -> Duration {
        *self.shared.elapsed.borrow()
    }

    /// Moves time forward by `by`, waking the sleeps that are due.
    pub fn advance(&self, by: Duration) {
        self.shared
            .move_to_at_least(self.elapsed().saturating_add(by));
    }

    /// Every duration passed to [`sleep`](Clock::sleep), in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.shared.lock().sleeps.clone()
    }

    /// How many sleeps are waiting right now (manual mode; always 0 in
    /// auto-advance mode).
    pub fn pending_sleeps(&self) -> usize {
        self.shared.lock().pending
    }
}

impl VirtualTime {
    fn lock(&self) -> MutexGuard<'_, SleepLog> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn move_to_at_least(&self, target: Duration) {
        let target = target.min(MAX_ELAPSED);
        self.elapsed.send_if_modified(|elapsed| {
            if target > *elapsed {
                *elapsed = target;
                true
            } else {
                false
            }
        });
    }
}

impl Default for TestClock {
    fn default() -> TestClock {
        TestClock::new()
    }
}

impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClock")
            .field("elapsed", &self.elapsed())
            .field("auto_advance", &self.shared.auto_advance)
            .finish_non_exhaustive()
    }
}

/// Counts a manual-mode sleep as pending until it ends or is dropped.
struct PendingGuard(Arc<VirtualTime>);

impl Drop for PendingGuard {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.pending = state.pending.saturating_sub(1);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Instant {
        let elapsed = self.elapsed();
        self.shared
            .origin
            .checked_add(elapsed)
            .unwrap_or(self.shared.origin)
    }

    /// The wall-clock time when the clock was made, plus its time.
    fn wall(&self) -> SystemTime {
        self.shared
            .wall_origin
            .checked_add(self.elapsed())
            .unwrap_or(self.shared.wall_origin)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let shared = Arc::clone(&self.shared);
        let deadline = self.elapsed().saturating_add(duration).min(MAX_ELAPSED);
        {
            let mut state = shared.lock();
            state.sleeps.push(duration);
            if !shared.auto_advance {
                state.pending += 1;
            }
        }
        if shared.auto_advance {
            shared.move_to_at_least(deadline);
            return Box::pin(std::future::ready(()));
        }
        let guard = PendingGuard(Arc::clone(&shared));
        let mut elapsed = shared.elapsed.subscribe();
        Box::pin(async move {
            let _guard = guard;
            loop {
                if *elapsed.borrow_and_update() >= deadline {
                    return;
                }
                // The sender lives in `shared`, which this future holds, so
                // `changed` cannot fail; stop waiting if it ever does.
                if elapsed.changed().await.is_err() {
                    return;
                }
            }
        })
    }
}

/// The answer, or `None` when `deadline` (a sleep, say) finishes first.
/// Both are polled in turn on one task, so no runtime feature is needed.
#[cfg(any(feature = "events", feature = "redis"))]
pub(crate) async fn first_of<T>(
    answer: impl Future<Output = T>,
    deadline: impl Future<Output = ()>,
) -> Option<T> {
    let mut answer = std::pin::pin!(answer);
    let mut deadline = std::pin::pin!(deadline);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(value) = answer.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(value));
        }
        if deadline.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Pending
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn auto_advance_moves_time_to_the_end_of_each_sleep() {
        let clock = TestClock::new();
        let start = clock.now();
        clock.sleep(Duration::from_millis(1500)).await;
        clock.sleep(Duration::ZERO).await;
        assert_eq!(clock.now() - start, Duration::from_millis(1500));
        assert_eq!(
            clock.sleeps(),
            [Duration::from_millis(1500), Duration::ZERO]
        );
    }

    #[tokio::test]
    async fn manual_sleeps_wait_for_advance_and_count_as_pending() {
        let clock = TestClock::manual();
        let sleep = clock.sleep(Duration::from_secs(10));
        assert_eq!(clock.pending_sleeps(), 1);
        let task = tokio::spawn(sleep);
        clock.advance(Duration::from_secs(9));
        tokio::task::yield_now().await;
        assert!(!task.is_finished());
        clock.advance(Duration::from_secs(1));
        assert!(task.await.is_ok());
        assert_eq!(clock.pending_sleeps(), 0);
        assert_eq!(clock.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test]
    async fn a_dropped_manual_sleep_is_no_longer_pending() {
        let clock = TestClock::manual();
        let sleep = clock.sleep(Duration::from_secs(1));
        assert_eq!(clock.pending_sleeps(), 1);
        drop(sleep);
        assert_eq!(clock.pending_sleeps(), 0);
    }

    #[test]
    fn huge_sleeps_and_advances_do_not_overflow() {
        let clock = TestClock::new();
        drop(clock.sleep(Duration::MAX));
        clock.advance(Duration::MAX);
        assert_eq!(clock.elapsed(), MAX_ELAPSED);
        let _ = clock.now();
    }
}

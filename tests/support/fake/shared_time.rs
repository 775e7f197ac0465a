//! Virtual time shared by a client and the fake: every wait the client
//! makes on its clock moves the fake's rate-limit clock by the same amount,
//! so a minute of pacing takes milliseconds and the fake's sliding windows
//! see the client's pace exactly.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use slack_calls::{Clock, Sleep, TestClock};
use slack_calls_mock::MockSlack;
use tokio::task::JoinHandle;

/// Virtual time shared by a client and a fake: a [`TestClock`] for the
/// client, and every move of it is also given to [`MockSlack::advance`].
///
/// Auto mode ([`SharedTime::auto`]): a sleep moves both clocks to its end
/// at once (one task making calls in turn). Manual mode
/// ([`SharedTime::manual`]): sleeps wait until [`SharedTime::advance`];
/// the time also tracks the deadline of each sleep, so [`drive`] can tell
/// when every task is parked on the clock and move time to the next one.
#[derive(Clone)]
pub struct SharedTime {
    test: TestClock,
    mock: Arc<MockSlack>,
    manual: bool,
    state: Arc<Mutex<Sleepers>>,
}

#[derive(Default)]
struct Sleepers {
    next_id: u64,
    /// Deadlines (virtual time since start) of the sleeps in progress.
    deadlines: BTreeMap<u64, Duration>,
}

impl SharedTime {
    pub fn auto(mock: &Arc<MockSlack>) -> SharedTime {
        SharedTime::with(TestClock::new(), mock, false)
    }

    pub fn manual(mock: &Arc<MockSlack>) -> SharedTime {
        SharedTime::with(TestClock::manual(), mock, true)
    }

    fn with(test: TestClock, mock: &Arc<MockSlack>, manual: bool) -> SharedTime {
        SharedTime {
            test,
            mock: Arc::clone(mock),
            manual,
            state: Arc::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Sleepers> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves both clocks forward by `by`.
    pub fn advance(&self, by: Duration) {
        let _state = self.lock();
        self.test.advance(by);
        self.mock.advance(by);
    }

    pub fn elapsed(&self) -> Duration {
        self.test.elapsed()
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.test.sleeps()
    }

    /// Sleeps whose deadline is still ahead (the task is parked).
    pub fn parked(&self) -> usize {
        let now = self.elapsed();
        self.lock().deadlines.values().filter(|d| **d > now).count()
    }

    /// The earliest deadline still ahead.
    pub fn next_deadline(&self) -> Option<Duration> {
        let now = self.elapsed();
        self.lock()
            .deadlines
            .values()
            .copied()
            .filter(|d| *d > now)
            .min()
    }
}

/// Forgets a manual sleep's deadline when it ends or is dropped.
struct Forget {
    state: Arc<Mutex<Sleepers>>,
    id: u64,
}

impl Drop for Forget {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.deadlines.remove(&self.id);
    }
}

impl Clock for SharedTime {
    fn now(&self) -> Instant {
        self.test.now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        // Under the lock, so that what the test clock moved is exactly what
        // this sleep moved, even with several tasks sleeping at once.
        let mut state = self.lock();
        let before = self.test.elapsed();
        let sleep = self.test.sleep(duration);
        let moved = self.test.elapsed().saturating_sub(before);
        if !moved.is_zero() {
            self.mock.advance(moved);
        }
        if !self.manual {
            return sleep;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.deadlines.insert(id, before.saturating_add(duration));
        let forget = Forget {
            state: Arc::clone(&self.state),
            id,
        };
        Box::pin(async move {
            let _forget = forget;
            sleep.await;
        })
    }
}

/// Runs manual time until every task has finished: whenever each running
/// task is parked on the clock (none is on the wire or about to wake),
/// time moves to the next deadline. Bounded: a task that neither finishes
/// nor parks fails the test.
pub async fn drive<T>(time: &SharedTime, tasks: &[JoinHandle<T>]) {
    for _ in 0..20_000 {
        let running = tasks.iter().filter(|task| !task.is_finished()).count();
        if running == 0 {
            return;
        }
        if time.parked() == running {
            let Some(next) = time.next_deadline() else {
                panic!("{running} task(s) parked with no deadline");
            };
            time.advance(next.saturating_sub(time.elapsed()));
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    panic!("the tasks neither finished nor parked on the clock");
}

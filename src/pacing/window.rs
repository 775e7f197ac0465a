//! An exact sliding-window log: when the last `count` permits of one key
//! went out (or are booked to go out), so that a new permit can be placed
//! at the earliest time that keeps every window of `period` at `count` or
//! fewer.
//!
//! A window here is what Slack and the fake count: a permit at `t` is out
//! of the window at `t + period` and later. The log keeps at most `count`
//! entries that still matter (Slack's tiers are at most 100 a minute), so
//! it costs little memory per key.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The send times of the permits still inside the window, oldest first;
/// some may lie ahead (booked by calls waiting for them).
#[derive(Debug, Default)]
pub(crate) struct WindowLog {
    sent: VecDeque<Instant>,
}

impl WindowLog {
    /// The earliest time, `now` or later, at which one more permit keeps
    /// every window of `period` at `count` or fewer. Forgets the permits
    /// that have left the window at `now`.
    ///
    /// When fewer than `count` permits are in the window, `now` is free
    /// (every window holding `now` then holds at most `count`); else the
    /// permit goes when the `count`-th latest one leaves the window, and
    /// never before the latest one, so that the log stays in order.
    pub(crate) fn earliest(&mut self, count: u32, period: Duration, now: Instant) -> Instant {
        while self
            .sent
            .front()
            .is_some_and(|first| first.checked_add(period).is_some_and(|out| out <= now))
        {
            self.sent.pop_front();
        }
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        if count == 0 || self.sent.len() < count {
            return now;
        }
        let oldest_that_counts = self.sent[self.sent.len() - count];
        let frees_at = oldest_that_counts
            .checked_add(period)
            .unwrap_or(oldest_that_counts);
        let latest = self.sent.back().copied().unwrap_or(now);
        frees_at.max(latest).max(now)
    }

    /// Records a permit at `at` (a time [`earliest`](WindowLog::earliest)
    /// gave), keeping the log in order.
    pub(crate) fn record(&mut self, at: Instant) {
        let index = self.sent.partition_point(|sent| *sent <= at);
        self.sent.insert(index, at);
    }

    /// Forgets one permit booked at `at` whose caller gave up before it
    /// went out. Removing a permit only empties windows, so permits booked
    /// after it stay valid.
    pub(crate) fn give_back(&mut self, at: Instant) {
        if let Some(index) = self.sent.iter().rposition(|sent| *sent == at) {
            self.sent.remove(index);
        }
    }

    /// How many permits are in the log.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.sent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    /// Books `n` permits one after another (each caller arriving at
    /// `start`), and returns their offsets from `start`.
    fn book(log: &mut WindowLog, count: u32, start: Instant, n: usize) -> Vec<Duration> {
        (0..n)
            .map(|_| {
                let at = log.earliest(count, MINUTE, start);
                log.record(at);
                at - start
            })
            .collect()
    }

    /// The largest number of permits in any window `[t, t + period)`.
    fn busiest_window(times: &[Duration], period: Duration) -> usize {
        times
            .iter()
            .map(|start| {
                times
                    .iter()
                    .filter(|t| **t >= *start && **t < *start + period)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn a_burst_goes_at_the_minimum_the_window_allows() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let times = book(&mut log, 50, start, 150);
        assert!(times[..50].iter().all(|t| t.is_zero()));
        assert!(times[50..100].iter().all(|t| *t == MINUTE));
        assert!(times[100..].iter().all(|t| *t == MINUTE * 2));
        assert_eq!(busiest_window(&times, MINUTE), 50);
        // Only what can still count is kept.
        log.earliest(50, MINUTE, start + MINUTE * 2);
        assert_eq!(log.len(), 50);
    }

    #[test]
    fn permits_spread_over_time_free_their_slots_one_by_one() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let mut times = Vec::new();
        for i in 0..3u32 {
            let now = start + Duration::from_secs(10) * i;
            let at = log.earliest(3, MINUTE, now);
            assert_eq!(at, now);
            log.record(at);
            times.push(at - start);
        }
        // The fourth goes when the first leaves: at 60 s, not later.
        let at = log.earliest(3, MINUTE, start + Duration::from_secs(30));
        assert_eq!(at - start, MINUTE);
        log.record(at);
        times.push(at - start);
        let at = log.earliest(3, MINUTE, start + Duration::from_secs(30));
        assert_eq!(at - start, Duration::from_secs(70));
        log.record(at);
        times.push(at - start);
        assert_eq!(busiest_window(&times, MINUTE), 3);
    }

    #[test]
    fn a_permit_given_back_frees_its_place() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        book(&mut log, 2, start, 3);
        // The third was booked at 60 s; its caller gave up.
        log.give_back(start + MINUTE);
        assert_eq!(log.earliest(2, MINUTE, start) - start, MINUTE);
        // Giving back a time that is not there changes nothing.
        log.give_back(start + MINUTE * 5);
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn a_place_freed_before_booked_permits_is_used_only_when_it_is_safe() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let times = book(&mut log, 2, start, 4);
        assert_eq!(times, [Duration::ZERO, Duration::ZERO, MINUTE, MINUTE]);
        // One of the two at 0 s is given back (its caller went away). A
        // caller at 1 s may not take it: [1 s, 61 s) would hold three.
        log.give_back(start);
        let now = start + Duration::from_secs(1);
        assert_eq!(log.earliest(2, MINUTE, now) - start, MINUTE * 2);
        // With four places, it may, and the log stays in order.
        assert_eq!(log.earliest(4, MINUTE, now), now);
        log.record(now);
        assert_eq!(log.sent, [start, now, start + MINUTE, start + MINUTE]);
    }

    #[test]
    fn huge_periods_do_not_overflow() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        log.record(start);
        let at = log.earliest(1, Duration::MAX, start);
        assert!(at >= start);
        assert_eq!(log.earliest(0, MINUTE, start), start);
    }
}

//! An exact sliding-window log that counts each permit from a moment no
//! earlier than Slack's: when the last `count` permits of one key went out,
//! whether their answers came back and when, so that a new permit can be
//! placed at the earliest time that keeps every window of `period` at
//! `count` or fewer *as Slack counts them*.
//!
//! # Why the answer, not the grant
//!
//! Slack counts a request when it arrives, and the limiter cannot see that
//! moment. It sees two moments around it: the grant `g` (the request has
//! not left yet, so `g ≤ arrival`) and the answer `e` (Slack answered, so
//! `arrival ≤ e`). Counting from the grant is not safe: a request that takes
//! longer to arrive than the one after it makes the later one early, and a
//! window counted from grants can then hold `count + 1` arrivals. So a
//! permit holds its place **until one period after its answer**, and while
//! it has no answer yet (in flight, or booked for later) it holds its place
//! without end.
//!
//! The rule: a permit may be granted at `t` only if fewer than `count`
//! earlier permits are unanswered or were answered after `t - period`.
//!
//! Proof that no window of `period` holds more than `count` arrivals. Take
//! any `count + 1` requests that arrived in `[T, T + period)`, and let `j`
//! be the last of them to be granted. Each other one, `i`, was granted
//! before `j`, so when `j` was granted `i` was either unanswered, or
//! answered at `e_i ≥ a_i ≥ T > a_j - period ≥ g_j - period`. Either way
//! the rule counted `i` at `g_j`: `count` such permits, so `j` could not
//! have been granted. No margin is needed, at any speed.
//!
//! A permit whose request failed without an answer (a timeout, a dropped
//! connection, a cancelled call) ends when the failure is seen; the proof
//! then takes the request to have reached Slack, if it did, by that time.
//!
//! The log keeps the permits still inside a window or unanswered: at most
//! `count` unanswered ones (a permit is only booked while fewer are), plus
//! at most `count` answered ones that matter, so it costs little per key
//! (Slack's tiers are at most 100 a minute).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One permit in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: u64,
    /// When it may go (in the past once it went; ahead while booked).
    at: Instant,
    /// When its answer (or failure) came; `None` while booked or in flight.
    ended: Option<Instant>,
}

/// A permit's place in a [`WindowLog`], to end it or give it back.
pub(crate) type EntryId = u64;

/// The permits still inside the window or unanswered, in grant order.
#[derive(Debug, Default)]
pub(crate) struct WindowLog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl WindowLog {
    /// The earliest time, `now` or later, at which one more permit keeps
    /// every window of `period` at `count` or fewer arrivals, or `None`
    /// when that depends on an answer not yet in (every place is held by a
    /// permit without one). Forgets the permits answered a period ago.
    ///
    /// A new permit never goes before the latest one booked, so that the
    /// log stays in grant order.
    pub(crate) fn earliest(
        &mut self,
        count: u32,
        period: Duration,
        now: Instant,
    ) -> Option<Instant> {
        self.forget_before(period, now);
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let from = self.entries.back().map_or(now, |last| last.at.max(now));
        if count == 0 {
            return Some(from);
        }
        let unanswered = self.entries.iter().filter(|e| e.ended.is_none()).count();
        if unanswered >= count {
            return None;
        }
        // At most `count - unanswered - 1` answered permits may end after
        // `t - period`: `t` is one period after the `places`-th latest end.
        let places = count - unanswered;
        let mut ends: Vec<Instant> = self.entries.iter().filter_map(|e| e.ended).collect();
        if ends.len() < places {
            return Some(from);
        }
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let frees_at = ends[places - 1]
            .checked_add(period)
            .unwrap_or(ends[places - 1]);
        Some(frees_at.max(from))
    }

    /// Records a permit at `at` (a time [`earliest`](WindowLog::earliest)
    /// gave), keeping the log in order.
    pub(crate) fn record(&mut self, at: Instant) -> EntryId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let index = self.entries.partition_point(|e| e.at <= at);
        self.entries.insert(
            index,
            Entry {
                id,
                at,
                ended: None,
            },
        );
        id
    }

    /// The permit's answer (or failure) came at `at`: its place frees one
    /// period later. Never earlier than the permit itself.
    pub(crate) fn end(&mut self, id: EntryId, at: Instant) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.id == id) {
            entry.ended = Some(entry.ended.unwrap_or(at).max(at).max(entry.at));
        }
    }

    /// Forgets a permit booked for later whose caller gave up before it
    /// went out. Removing a permit only empties windows, so permits booked
    /// after it stay valid.
    pub(crate) fn give_back(&mut self, id: EntryId) {
        if let Some(index) = self.entries.iter().position(|e| e.id == id) {
            self.entries.remove(index);
        }
    }

    /// Counts the window as full at `at`: `count` permits answered then, as
    /// if they had just used every place (a shared window this instance
    /// can no longer see may be full).
    #[cfg(feature = "redis")]
    pub(crate) fn fill(&mut self, count: u32, at: Instant) {
        for _ in 0..count {
            let id = self.record(at);
            self.end(id, at);
        }
    }

    /// The earliest permit booked to go after `now`, if any: when every
    /// place is unanswered, the first chance of a change is that permit
    /// going out (and its answer coming back).
    pub(crate) fn next_booked_after(&self, now: Instant) -> Option<Instant> {
        self.entries
            .iter()
            .filter(|e| e.ended.is_none() && e.at > now)
            .map(|e| e.at)
            .min()
    }

    /// Whether nothing in the log matters any more at `now`: every permit
    /// answered a whole period ago.
    pub(crate) fn is_idle(&mut self, period: Duration, now: Instant) -> bool {
        self.forget_before(period, now);
        self.entries.is_empty()
    }

    /// Drops the permits answered at least a period before `now`.
    fn forget_before(&mut self, period: Duration, now: Instant) {
        self.entries.retain(|e| match e.ended {
            Some(ended) => ended.checked_add(period).is_some_and(|out| out > now),
            None => true,
        });
    }

    /// How many permits are in the log.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    /// Books `n` permits one after another (each caller arriving at
    /// `start`), each answered `latency` after it went, and returns their
    /// offsets from `start`.
    fn book(
        log: &mut WindowLog,
        count: u32,
        start: Instant,
        n: usize,
        latency: Duration,
    ) -> Vec<Duration> {
        (0..n)
            .map(|_| {
                let at = log.earliest(count, MINUTE, start).expect("a place");
                let id = log.record(at);
                log.end(id, at + latency);
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
    fn a_burst_answered_at_once_goes_at_the_minimum_the_window_allows() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let times = book(&mut log, 50, start, 150, Duration::ZERO);
        assert!(times[..50].iter().all(|t| t.is_zero()));
        assert!(times[50..100].iter().all(|t| *t == MINUTE));
        assert!(times[100..].iter().all(|t| *t == MINUTE * 2));
        assert_eq!(busiest_window(&times, MINUTE), 50);
        // Only what can still count is kept.
        log.earliest(50, MINUTE, start + MINUTE * 2);
        assert_eq!(log.len(), 50);
    }

    #[test]
    fn a_place_frees_one_period_after_the_answer_not_the_grant() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let second = Duration::from_secs(1);
        let times = book(&mut log, 2, start, 3, second);
        // The third goes a minute after the first answer (1 s), not at 60 s.
        assert_eq!(times, [Duration::ZERO, Duration::ZERO, MINUTE + second]);
    }

    #[test]
    fn a_late_arrival_cannot_crowd_a_window() {
        // The case that breaks counting from grants, with 2 a minute: A and
        // B are granted at 0 s; A takes 2 s to arrive, B 0.5 s. From grants,
        // C and D may both go at 60 s and arrive then: [2 s, 62 s) would
        // hold A, C and D. From answers, C goes at 60.5 s (one minute after
        // B's answer) and D, while C is unanswered, waits for A's place:
        // 62 s.
        let start = Instant::now();
        let ms = Duration::from_millis;
        let mut log = WindowLog::default();
        let a = grant(&mut log, 2, start);
        let b = grant(&mut log, 2, start);
        log.end(b, start + ms(500));
        log.end(a, start + ms(2000));
        let c = log_at(&mut log, 2, start + MINUTE);
        assert_eq!(c - start, ms(60_500));
        log.record(c);
        let d = log_at(&mut log, 2, start + MINUTE);
        assert_eq!(d - start, ms(62_000));
    }

    fn log_at(log: &mut WindowLog, count: u32, now: Instant) -> Instant {
        log.earliest(count, MINUTE, now).expect("a place")
    }

    /// Books a permit at the earliest place for a caller at `now`.
    fn grant(log: &mut WindowLog, count: u32, now: Instant) -> EntryId {
        let at = log_at(log, count, now);
        log.record(at)
    }

    #[test]
    fn with_every_place_unanswered_the_next_waits_for_an_answer() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let a = grant(&mut log, 2, start);
        let _b = grant(&mut log, 2, start);
        assert_eq!(log.earliest(2, MINUTE, start + MINUTE * 5), None);
        log.end(a, start + Duration::from_secs(3));
        assert_eq!(
            log.earliest(2, MINUTE, start + Duration::from_secs(4)),
            Some(start + Duration::from_secs(63))
        );
    }

    #[test]
    fn a_permit_given_back_frees_its_place() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        book(&mut log, 2, start, 2, Duration::ZERO);
        let at = log_at(&mut log, 2, start);
        assert_eq!(at - start, MINUTE);
        let booked = log.record(at);
        // Its caller gave up: the place at 60 s is free again.
        log.give_back(booked);
        assert_eq!(log_at(&mut log, 2, start) - start, MINUTE);
        // Giving back an id that is not there changes nothing.
        log.give_back(booked);
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn a_place_freed_before_booked_permits_is_used_only_when_it_is_safe() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let first = grant(&mut log, 2, start);
        log.end(first, start);
        let second = grant(&mut log, 2, start);
        log.end(second, start);
        let third = grant(&mut log, 2, start);
        assert_eq!(log.entries[2].at, start + MINUTE);
        // The first place is given back (as if never used). A caller at
        // 1 s may not go before the booked third: the log stays in order.
        log.give_back(first);
        let now = start + Duration::from_secs(1);
        assert_eq!(log_at(&mut log, 2, now), start + MINUTE);
        log.end(third, start + MINUTE);
        assert_eq!(log_at(&mut log, 4, now), start + MINUTE);
    }

    #[test]
    fn an_end_before_the_grant_counts_from_the_grant() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let id = log.record(start + MINUTE);
        log.end(id, start);
        assert_eq!(log.entries[0].ended, Some(start + MINUTE));
    }

    #[test]
    fn idle_once_every_answer_is_a_period_old() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let id = log.record(start);
        assert!(!log.is_idle(MINUTE, start + MINUTE * 10), "unanswered");
        log.end(id, start + Duration::from_secs(1));
        assert!(!log.is_idle(MINUTE, start + MINUTE));
        assert!(log.is_idle(MINUTE, start + MINUTE + Duration::from_secs(1)));
    }

    #[test]
    fn huge_periods_do_not_overflow() {
        let start = Instant::now();
        let mut log = WindowLog::default();
        let id = log.record(start);
        log.end(id, start);
        let at = log.earliest(1, Duration::MAX, start).unwrap();
        assert!(at >= start);
        assert_eq!(log.earliest(0, MINUTE, start), Some(start));
    }
}

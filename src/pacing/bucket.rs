//! The limiter's state per key: a bucket for each (token or workspace,
//! method) with its window log, GCRA arrival time, `Retry-After` pause and
//! stats, held in shards swept of idle buckets; and how a call's next
//! permit is planned from it (`plan`).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::call::method::MethodInfo;
#[cfg(feature = "redis")]
use crate::pacing::RedisPacing;
use crate::pacing::rate::{Pacing, Rate, RateLimits};
use crate::pacing::window::{EntryId, WindowLog};

/// How many shards the buckets are spread over.
pub(crate) const SHARDS: usize = 64;

/// The least time a bucket is kept after its last use (Slack's window),
/// whatever the rates: an unpaced method's bucket still holds its stats
/// and any `Retry-After`.
pub(super) const KEEP_AT_LEAST: Duration = Duration::from_secs(60);

/// What a limiter has done for one method under one key, for measuring
/// pacing ([`Client::pacing_stats`](crate::Client::pacing_stats)).
///
/// The counts live with the key's bucket, so they cover the key's current
/// busy stretch: a bucket left idle for a whole period is dropped with
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PacingStats {
    /// The method.
    pub method: &'static str,
    /// Requests let through.
    pub permits: u64,
    /// Requests that had to wait before going.
    pub waited: u64,
    /// The sum of those waits (pacing and `Retry-After`).
    pub total_wait: Duration,
    /// The longest single wait for a permit.
    pub longest_wait: Duration,
    /// HTTP 429 answers from Slack.
    pub rate_limited: u64,
    /// Calls refused because the wait would have gone over the caller's
    /// budget ([`ClientBuilder::max_rate_limit_wait`](crate::ClientBuilder::max_rate_limit_wait)).
    pub over_budget: u64,
}

impl PacingStats {
    pub(super) fn new(method: &'static str) -> PacingStats {
        PacingStats {
            method,
            permits: 0,
            waited: 0,
            total_wait: Duration::ZERO,
            longest_wait: Duration::ZERO,
            rate_limited: 0,
            over_budget: 0,
        }
    }
}

/// Whose requests count together: one token, or one workspace named by
/// the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    /// A keyed hash of the token text (the text itself is never kept here).
    Token(u64),
    /// A workspace (team) id given to the builder.
    Workspace(Arc<str>),
}

/// One bucket's key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    pub(super) scope: Scope,
    pub(super) method: &'static str,
}

impl BucketKey {
    pub(crate) fn new(scope: &Scope, method: &'static MethodInfo) -> BucketKey {
        BucketKey {
            scope: scope.clone(),
            method: method.name,
        }
    }
}

pub(super) struct Bucket {
    /// GCRA's theoretical arrival time: when the next request would be due
    /// if requests came exactly at the rate ([`Pacing::Spread`]).
    pub(super) tat: Option<Instant>,
    /// The permits still counted, from their answers (both modes).
    pub(super) log: WindowLog,
    /// Slack's `Retry-After`: no request before this.
    pub(super) blocked_until: Option<Instant>,
    /// Bumped on every answer, for calls that wait for one.
    pub(super) answers: watch::Sender<u64>,
    /// The longest period this bucket was paced with (to know when it is idle).
    pub(super) period: Duration,
    /// Shared pacing is away and the local window was counted full for it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(super) filled_for_outage: bool,
    /// When a call last asked for it or ended a permit in it.
    pub(super) last_used: Option<Instant>,
    pub(super) stats: PacingStats,
}

impl Bucket {
    pub(super) fn new(method: &'static str) -> Bucket {
        Bucket {
            tat: None,
            log: WindowLog::default(),
            blocked_until: None,
            answers: watch::Sender::new(0),
            period: Duration::ZERO,
            filled_for_outage: false,
            last_used: None,
            stats: PacingStats::new(method),
        }
    }

    /// Unused for `keep` and nothing left to count at `now`: it may be
    /// dropped.
    pub(super) fn is_idle(&mut self, now: Instant, keep: Duration) -> bool {
        self.last_used
            .is_none_or(|used| now.saturating_duration_since(used) >= keep)
            && self.blocked_until.is_none_or(|until| until <= now)
            && self.tat.is_none_or(|tat| tat <= now)
            && self.answers.receiver_count() == 0
            && self.log.is_idle(self.period, now)
    }
}

/// One shard: the buckets of the scopes that hash to it.
#[derive(Default)]
pub(super) struct Shard {
    pub(super) buckets: HashMap<Scope, HashMap<&'static str, Bucket>>,
    /// When the shard was last swept of idle buckets.
    pub(super) swept: Option<Instant>,
}

impl Shard {
    /// Drops idle buckets, at most once every `every`.
    pub(super) fn sweep(&mut self, now: Instant, every: Duration) {
        if self
            .swept
            .is_some_and(|at| now.saturating_duration_since(at) < every)
        {
            return;
        }
        self.swept = Some(now);
        self.buckets.retain(|_, methods| {
            methods.retain(|_, bucket| !bucket.is_idle(now, every));
            !methods.is_empty()
        });
        // A map keeps its room after entries leave: give it back once most
        // of it is empty, so a burst of workspaces costs nothing once idle.
        if self.buckets.capacity() > 4 * self.buckets.len().max(4) {
            self.buckets.shrink_to_fit();
        }
    }
}

/// What a caller must do to get a permit.
pub(super) enum Step {
    /// Go now, with this place in the window.
    Go(Option<EntryId>),
    /// Slack's `Retry-After` is running: wait, then ask again.
    Blocked(Duration),
    /// A slot is reserved: wait for it.
    Reserved { wait: Duration, slot: Slot },
    /// Every place is held by a request whose answer has not come: wait
    /// until the first of them booked for later goes out (`until`), or for
    /// an answer when all are on the wire, then ask again.
    AwaitAnswer {
        answers: watch::Receiver<u64>,
        until: Option<Instant>,
    },
    /// The wait would go over the caller's budget.
    OverBudget(Duration),
}

/// What a waiting call holds, to give back if it goes away.
#[derive(Debug, Clone, Copy)]
pub(super) enum Slot {
    /// A GCRA slot: the arrival time it moved the bucket to, and its place
    /// in the window.
    Spread {
        tat_after: Instant,
        interval: Duration,
        entry: EntryId,
    },
    /// A permit booked in the window log.
    Window { entry: EntryId },
}

impl Slot {
    pub(super) fn entry(self) -> Option<EntryId> {
        match self {
            Slot::Spread { entry, .. } | Slot::Window { entry } => Some(entry),
        }
    }
}

pub(super) fn plan(
    bucket: &mut Bucket,
    rate: Option<Rate>,
    pacing: Pacing,
    now: Instant,
    remaining: Duration,
) -> Step {
    if let Some(until) = bucket.blocked_until {
        if until > now {
            let wait = until - now;
            return if wait > remaining {
                Step::OverBudget(wait)
            } else {
                Step::Blocked(wait)
            };
        }
        bucket.blocked_until = None;
    }
    let Some(rate) = rate else {
        return Step::Go(None);
    };
    if rate.period().is_zero() {
        return Step::Go(None);
    }
    bucket.period = bucket.period.max(rate.period());
    // Spread mode: no earlier than the GCRA's slot.
    let spread = match pacing {
        Pacing::Window => None,
        Pacing::Spread => spread_slot(bucket, rate, now),
    };
    let not_before = spread.map_or(now, |(allowed_at, _)| allowed_at);
    let Some(at) = bucket.log.earliest(rate.count(), rate.period(), not_before) else {
        return Step::AwaitAnswer {
            answers: bucket.answers.subscribe(),
            until: bucket.log.next_booked_after(now),
        };
    };
    let wait = at.saturating_duration_since(now);
    if wait > remaining {
        return Step::OverBudget(wait);
    }
    let entry = bucket.log.record(at);
    let slot = match spread {
        None => Slot::Window { entry },
        Some((_, interval)) => {
            let tat = bucket.tat.filter(|tat| *tat > at).unwrap_or(at);
            let tat_after = tat.checked_add(interval).unwrap_or(tat);
            bucket.tat = Some(tat_after);
            Slot::Spread {
                tat_after,
                interval,
                entry,
            }
        }
    };
    if wait.is_zero() {
        Step::Go(Some(entry))
    } else {
        Step::Reserved { wait, slot }
    }
}

/// The GCRA's earliest slot and its interval, or `None` when the rate
/// spaces nothing.
pub(super) fn spread_slot(
    bucket: &Bucket,
    rate: Rate,
    now: Instant,
) -> Option<(Instant, Duration)> {
    let interval = rate.interval();
    if interval.is_zero() {
        return None;
    }
    let tolerance = interval.saturating_mul(rate.burst_size().saturating_sub(1));
    let tat = bucket.tat.filter(|tat| *tat > now).unwrap_or(now);
    let allowed_at = tat.checked_sub(tolerance).unwrap_or(now).max(now);
    Some((allowed_at, interval))
}

pub(super) fn record_permit(stats: &mut PacingStats, waited: Duration) {
    stats.permits += 1;
    if !waited.is_zero() {
        stats.waited += 1;
        stats.total_wait = stats.total_wait.saturating_add(waited);
        stats.longest_wait = stats.longest_wait.max(waited);
    }
}

/// Everything a limiter and its clones share: the limits, the buckets in
/// their shards, and the Redis pacing, if any.
pub(super) struct LimiterShared {
    pub(super) limits: RateLimits,
    /// Pacing shared with the app's other instances, for workspace keys.
    #[cfg(feature = "redis")]
    pub(super) redis: Option<RedisPacing>,
    pub(super) token_hasher: RandomState,
    pub(super) shard_hasher: RandomState,
    pub(super) shards: Box<[Mutex<Shard>]>,
    /// The next shard a call sweeps besides its own, so that every shard
    /// is swept while any calls are made.
    pub(super) sweep_cursor: AtomicUsize,
}

impl LimiterShared {
    pub(super) fn shard(&self, scope: &Scope) -> MutexGuard<'_, Shard> {
        let index = usize::try_from(self.shard_hasher.hash_one(scope) % SHARDS as u64).unwrap_or(0);
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the bucket for `key` (made if missing), after sweeping
    /// its shard when a period has passed since the last sweep.
    pub(super) fn with_bucket<T>(
        &self,
        key: &BucketKey,
        now: Instant,
        f: impl FnOnce(&mut Bucket) -> T,
    ) -> T {
        let keep = self.limits.longest_period().max(KEEP_AT_LEAST);
        // One other shard, in turn, if nobody holds it: a shard no call
        // lands in is still swept.
        let other = self.sweep_cursor.fetch_add(1, Ordering::Relaxed) % SHARDS;
        if let Ok(mut shard) = self.shards[other].try_lock() {
            shard.sweep(now, keep);
        }
        let mut shard = self.shard(&key.scope);
        shard.sweep(now, keep);
        let bucket = shard
            .buckets
            .entry(key.scope.clone())
            .or_default()
            .entry(key.method)
            .or_insert_with(|| Bucket::new(key.method));
        bucket.last_used = Some(bucket.last_used.map_or(now, |used| used.max(now)));
        f(bucket)
    }
}

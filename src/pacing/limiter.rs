//! Pacing from the spec's rate tiers, and Slack's `Retry-After`.
//!
//! Slack counts requests per method, per workspace, per app, and answers
//! HTTP 429 with `Retry-After` when a method goes over its tier. The
//! [`RateLimiter`] keeps one bucket per (token or workspace, method): it
//! places requests so that a method never goes over its tier's per-minute
//! floor in any 60-second window, and when Slack still answers 429 it pauses
//! that one method, for that one key, until `Retry-After` has passed. Other
//! methods keep going.
//!
//! Each request reserves the earliest slot that keeps the rate, then waits
//! for it. With [`Pacing::Window`] (the default) the slot comes from an
//! exact sliding-window log (`pacing/window.rs`); with [`Pacing::Spread`]
//! from a GCRA (the "virtual scheduling" form of a token bucket).
//! Reservations are handed out in arrival order, and a waiting call that is
//! dropped gives its slot back (for the GCRA, when nobody has reserved
//! after it), so cancelling a call never leaves the limiter over its rate.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::call::method::MethodInfo;
use crate::clock::Clock;
use crate::error::BuildError;
use crate::pacing::WindowLog;
use crate::pacing::rate::{Pacing, Rate, RateLimits};
#[cfg(feature = "redis")]
use crate::pacing::{Booked, RedisPacing};
use crate::token::Token;

/// What a limiter has done for one method under one key, for measuring
/// pacing ([`Client::pacing_stats`](crate::Client::pacing_stats)).
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
    fn new(method: &'static str) -> PacingStats {
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
    scope: Scope,
    method: &'static str,
}

impl BucketKey {
    pub(crate) fn new(scope: &Scope, method: &'static MethodInfo) -> BucketKey {
        BucketKey {
            scope: scope.clone(),
            method: method.name,
        }
    }
}

struct Bucket {
    /// GCRA's theoretical arrival time: when the next request would be due
    /// if requests came exactly at the rate ([`Pacing::Spread`]).
    tat: Option<Instant>,
    /// When the permits still in the window went out ([`Pacing::Window`]).
    log: WindowLog,
    /// Slack's `Retry-After`: no request before this.
    blocked_until: Option<Instant>,
    stats: PacingStats,
}

/// Paces requests per (token or workspace, method) and keeps Slack's
/// `Retry-After` pauses.
///
/// Every [`Client`](crate::Client) has one, shared by its clones. To pace
/// several clients together (say, clients built for the same workspace in
/// different parts of an app), build one limiter and give it to each with
/// [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter);
/// clients with different tokens still get separate buckets unless they
/// name the same [`workspace`](crate::ClientBuilder::workspace). Clients
/// sharing a limiter should share a clock too.
///
/// ```
/// use slack_calls::{Client, RateLimiter, RateLimits};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let limiter = RateLimiter::new(RateLimits::slack_tiers())?;
/// let bot = Client::builder("xoxb-bot-token").rate_limiter(limiter.clone()).workspace("T0123").build()?;
/// let user = Client::builder("xoxp-user-token").rate_limiter(limiter).workspace("T0123").build()?;
/// # let _ = (bot, user); Ok(()) }
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<LimiterShared>,
}

struct LimiterShared {
    limits: RateLimits,
    /// Pacing shared with the app's other instances, for workspace keys.
    #[cfg(feature = "redis")]
    redis: Option<RedisPacing>,
    token_hasher: RandomState,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.shared.limits)
            .field("buckets", &self.lock().len())
            .finish()
    }
}

/// What a caller must do to get a permit.
enum Step {
    /// Go now.
    Go,
    /// Slack's `Retry-After` is running: wait, then ask again.
    Blocked(Duration),
    /// A slot is reserved: wait for it.
    Reserved { wait: Duration, slot: Slot },
    /// The wait would go over the caller's budget.
    OverBudget(Duration),
}

impl RateLimiter {
    /// A limiter with these limits, or why they are not valid.
    pub fn new(limits: RateLimits) -> Result<RateLimiter, BuildError> {
        limits.validate()?;
        Ok(RateLimiter {
            shared: Arc::new(LimiterShared {
                limits,
                #[cfg(feature = "redis")]
                redis: None,
                token_hasher: RandomState::new(),
                buckets: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// A limiter with these limits whose windows live in Redis, shared by
    /// every instance of the app (feature `redis`).
    ///
    /// Keys that name a workspace (clients of an [`App`](crate::App), or
    /// built with [`ClientBuilder::workspace`](crate::ClientBuilder::workspace))
    /// are paced in Redis: one atomic script per permit on Redis's clock,
    /// and a 429 seen by any instance pauses the method for all of them.
    /// Keys made from a token stay local (no key may carry token text).
    /// While Redis cannot be reached, each instance paces locally at
    /// [`RedisPacing::local_share`] of each rate, and goes back to Redis
    /// when it answers; no call fails because Redis is down.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_through(
        limits: RateLimits,
        redis: RedisPacing,
    ) -> Result<RateLimiter, BuildError> {
        limits.validate()?;
        redis.validate()?;
        Ok(RateLimiter {
            shared: Arc::new(LimiterShared {
                limits,
                redis: Some(redis),
                token_hasher: RandomState::new(),
                buckets: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The limits it applies.
    pub fn limits(&self) -> &RateLimits {
        &self.shared.limits
    }

    /// What the limiter has done for each method, for every key, in method
    /// order.
    pub fn stats(&self) -> Vec<PacingStats> {
        let mut stats: Vec<PacingStats> = self
            .lock()
            .values()
            .map(|bucket| bucket.stats.clone())
            .collect();
        stats.sort_by(|a, b| a.method.cmp(b.method));
        stats
    }

    pub(crate) fn stats_for(&self, scope: &Scope) -> Vec<PacingStats> {
        let mut stats: Vec<PacingStats> = self
            .lock()
            .iter()
            .filter(|(key, _)| key.scope == *scope)
            .map(|(_, bucket)| bucket.stats.clone())
            .collect();
        stats.sort_by(|a, b| a.method.cmp(b.method));
        stats
    }

    /// The key for requests made with `token`.
    pub(crate) fn token_scope(&self, token: &Token) -> Scope {
        Scope::Token(self.shared.token_hasher.hash_one(token.expose_secret()))
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<BucketKey, Bucket>> {
        self.shared
            .buckets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn with_bucket<T>(&self, key: &BucketKey, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.lock();
        let bucket = buckets.entry(key.clone()).or_insert_with(|| Bucket {
            tat: None,
            log: WindowLog::default(),
            blocked_until: None,
            stats: PacingStats::new(key.method),
        });
        f(bucket)
    }

    /// Waits for a permit to send `method`. `Ok` with the time waited, or
    /// `Err` with the wait needed when it would go over `budget` (nothing
    /// is reserved then).
    ///
    /// Cancel-safe: dropping the future while it waits for a reserved slot
    /// gives the slot back when no later reservation depends on it.
    pub(crate) async fn acquire(
        &self,
        key: &BucketKey,
        method: &'static MethodInfo,
        clock: &dyn Clock,
        budget: Duration,
    ) -> Result<Duration, Duration> {
        let rate = self.shared.limits.rate_for(method);
        let pacing = self.shared.limits.pacing_mode();
        let mut waited = Duration::ZERO;
        loop {
            let remaining = budget.saturating_sub(waited);
            #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
            let mut local_rate = rate;
            #[cfg(feature = "redis")]
            if let (Some(redis), Scope::Workspace(team), Some(shared_rate)) =
                (&self.shared.redis, &key.scope, rate)
            {
                let now = clock.now();
                let paused = self.with_bucket(key, |bucket| {
                    bucket
                        .blocked_until
                        .filter(|until| *until > now)
                        .map(|until| until - now)
                });
                let booked = match paused {
                    // This instance's own 429: wait it out below.
                    Some(_) => None,
                    None if shared_rate.period().is_zero() => None,
                    None => Some(redis.book(team, key.method, shared_rate, remaining).await),
                };
                match booked {
                    Some(Some(Booked::Go { wait, member })) => {
                        let mut booking = SharedBooking {
                            redis,
                            team,
                            method: key.method,
                            member: Some(member),
                        };
                        if !wait.is_zero() {
                            tracing::trace!(wait_ms = millis(wait), "waiting for a shared slot");
                            clock.sleep(wait).await;
                        }
                        booking.member = None;
                        waited = waited.saturating_add(wait);
                        self.with_bucket(key, |bucket| record_permit(&mut bucket.stats, waited));
                        return Ok(waited);
                    }
                    Some(Some(Booked::Paused(wait))) if wait <= remaining => {
                        tracing::debug!(wait_ms = millis(wait), "waiting for a shared Retry-After");
                        clock.sleep(wait).await;
                        waited = waited.saturating_add(wait);
                        continue;
                    }
                    Some(Some(Booked::Paused(wait) | Booked::OverBudget(wait))) => {
                        self.with_bucket(key, |bucket| bucket.stats.over_budget += 1);
                        return Err(wait);
                    }
                    // Redis is down: pace locally at a share of the rate.
                    Some(None) => local_rate = Some(redis.local_rate(shared_rate)),
                    None => {}
                }
            }
            let now = clock.now();
            let step = self.with_bucket(key, |bucket| {
                plan(bucket, local_rate, pacing, now, remaining)
            });
            match step {
                Step::Go => {
                    self.with_bucket(key, |bucket| record_permit(&mut bucket.stats, waited));
                    return Ok(waited);
                }
                Step::OverBudget(needed) => {
                    self.with_bucket(key, |bucket| bucket.stats.over_budget += 1);
                    return Err(needed);
                }
                Step::Blocked(wait) => {
                    tracing::debug!(wait_ms = millis(wait), "waiting for Slack's Retry-After");
                    clock.sleep(wait).await;
                    waited = waited.saturating_add(wait);
                }
                Step::Reserved { wait, slot } => {
                    tracing::trace!(wait_ms = millis(wait), "waiting for a pacing slot");
                    let mut reservation = Reservation {
                        limiter: self,
                        key,
                        slot,
                        kept: false,
                    };
                    clock.sleep(wait).await;
                    reservation.kept = true;
                    waited = waited.saturating_add(wait);
                    let now = clock.now();
                    let blocked = self.with_bucket(key, |bucket| {
                        bucket.blocked_until.is_some_and(|until| until > now)
                    });
                    if !blocked {
                        self.with_bucket(key, |bucket| record_permit(&mut bucket.stats, waited));
                        return Ok(waited);
                    }
                    // A 429 landed while this call waited for its slot:
                    // go round again, behind the pause.
                }
            }
        }
    }

    /// Slack answered 429 for `key`: no request for it before
    /// `retry_after` has passed.
    pub(crate) fn block(&self, key: &BucketKey, now: Instant, retry_after: Duration) {
        let until = now
            .checked_add(retry_after)
            .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
            .unwrap_or(now);
        #[cfg(feature = "redis")]
        if let (Some(redis), Scope::Workspace(team)) = (&self.shared.redis, &key.scope) {
            redis.pause(team, key.method, retry_after);
        }
        self.with_bucket(key, |bucket| {
            bucket.stats.rate_limited += 1;
            bucket.blocked_until = Some(bucket.blocked_until.map_or(until, |old| old.max(until)));
        });
    }
}

/// A slot booked in Redis by a call that is waiting for it; given back if
/// the call goes away first.
#[cfg(feature = "redis")]
struct SharedBooking<'a> {
    redis: &'a RedisPacing,
    team: &'a str,
    method: &'static str,
    member: Option<String>,
}

#[cfg(feature = "redis")]
impl Drop for SharedBooking<'_> {
    fn drop(&mut self) {
        if let Some(member) = self.member.take() {
            self.redis.give_back(self.team, self.method, member);
        }
    }
}

/// What a waiting call holds, to give back if it goes away.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// A GCRA slot: the arrival time it moved the bucket to.
    Spread {
        tat_after: Instant,
        interval: Duration,
    },
    /// A permit booked in the window log at this time.
    Window { at: Instant },
}

/// A slot reserved by a call that is waiting for it.
struct Reservation<'a> {
    limiter: &'a RateLimiter,
    key: &'a BucketKey,
    slot: Slot,
    kept: bool,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        self.limiter
            .with_bucket(self.key, |bucket| match self.slot {
                Slot::Spread {
                    tat_after,
                    interval,
                } => {
                    // Give the slot back only when it is the latest one: a later
                    // reservation was computed from this one and stays as it is.
                    if bucket.tat == Some(tat_after) {
                        bucket.tat = tat_after.checked_sub(interval);
                    }
                }
                Slot::Window { at } => bucket.log.give_back(at),
            });
    }
}

fn plan(
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
        return Step::Go;
    };
    match pacing {
        Pacing::Window => plan_window(&mut bucket.log, rate, now, remaining),
        Pacing::Spread => plan_spread(bucket, rate, now, remaining),
    }
}

fn plan_window(log: &mut WindowLog, rate: Rate, now: Instant, remaining: Duration) -> Step {
    if rate.period().is_zero() {
        return Step::Go;
    }
    let at = log.earliest(rate.count(), rate.period(), now);
    let wait = at.saturating_duration_since(now);
    if wait > remaining {
        return Step::OverBudget(wait);
    }
    log.record(at);
    if wait.is_zero() {
        Step::Go
    } else {
        Step::Reserved {
            wait,
            slot: Slot::Window { at },
        }
    }
}

fn plan_spread(bucket: &mut Bucket, rate: Rate, now: Instant, remaining: Duration) -> Step {
    let interval = rate.interval();
    if interval.is_zero() {
        return Step::Go;
    }
    let tolerance = interval.saturating_mul(rate.burst_size().saturating_sub(1));
    let tat = bucket.tat.filter(|tat| *tat > now).unwrap_or(now);
    let allowed_at = tat.checked_sub(tolerance).unwrap_or(now).max(now);
    let wait = allowed_at - now;
    if wait > remaining {
        return Step::OverBudget(wait);
    }
    let tat_after = tat.checked_add(interval).unwrap_or(tat);
    bucket.tat = Some(tat_after);
    if wait.is_zero() {
        Step::Go
    } else {
        Step::Reserved {
            wait,
            slot: Slot::Spread {
                tat_after,
                interval,
            },
        }
    }
}

fn record_permit(stats: &mut PacingStats, waited: Duration) {
    stats.permits += 1;
    if !waited.is_zero() {
        stats.waited += 1;
        stats.total_wait = stats.total_wait.saturating_add(waited);
        stats.longest_wait = stats.longest_wait.max(waited);
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::method::RateTier;
    use crate::clock::TestClock;

    static INFO: MethodInfo = MethodInfo {
        name: "calls.info",
        idempotent: true,
        ..MethodInfo::BLANK
    };

    #[test]
    fn invalid_rates_are_refused_with_a_reason() {
        let err = RateLimiter::new(RateLimits::off().method("calls.add", Rate::per_minute(0)));
        assert!(
            matches!(&err, Err(BuildError::InvalidRate { target, .. }) if target == "method `calls.add`"),
            "{err:?}"
        );
        let err = RateLimiter::new(
            RateLimits::slack_tiers().tier(RateTier::Tier2, Rate::per_minute(5).burst(6)),
        );
        assert!(
            matches!(&err, Err(BuildError::InvalidRate { target, reason }) if target == "tier 2" && reason.contains("between 1 and the count (5), got 6")),
            "{err:?}"
        );
        assert!(
            RateLimiter::new(RateLimits::off().method("x", Rate::per_minute(3).burst(0))).is_err()
        );
        assert_eq!(Rate::per_minute(5).burst(0).interval(), Duration::ZERO);
    }

    #[test]
    fn method_rates_win_over_tiers_and_off_paces_nothing() {
        let limits = RateLimits::slack_tiers().method("calls.info", Rate::per_minute(7));
        assert_eq!(limits.rate_for(&INFO), Some(Rate::per_minute(7)));
        assert_eq!(RateLimits::off().rate_for(&INFO), None);
        assert_eq!(
            RateLimits::slack_tiers()
                .unpaced_tier(RateTier::Tier3)
                .rate_for(&INFO),
            None
        );
        assert_eq!(
            RateLimits::slack_tiers().rate_for(&INFO),
            Some(Rate::for_tier(RateTier::Tier3))
        );
    }

    #[tokio::test]
    async fn gcra_lets_the_burst_through_then_spaces_requests() {
        let clock = TestClock::new();
        let limiter = RateLimiter::new(RateLimits::slack_tiers().pacing(Pacing::Spread)).unwrap();
        let key = BucketKey::new(&Scope::Workspace("T1".into()), &INFO);
        let mut waits = Vec::new();
        for _ in 0..6 {
            waits.push(
                limiter
                    .acquire(&key, &INFO, &clock, Duration::from_secs(60))
                    .await
                    .unwrap(),
            );
        }
        let ms = Duration::from_millis;
        assert_eq!(waits, [ms(0), ms(0), ms(0), ms(1250), ms(1250), ms(1250)]);
        assert_eq!(clock.elapsed(), ms(3750));
        let stats = limiter.stats();
        assert_eq!(stats.len(), 1);
        assert_eq!((stats[0].permits, stats[0].waited), (6, 3));
        assert_eq!(stats[0].total_wait, ms(3750));
    }

    #[tokio::test]
    async fn over_budget_reserves_nothing() {
        let clock = TestClock::new();
        let limiter = RateLimiter::new(RateLimits::slack_tiers().pacing(Pacing::Spread)).unwrap();
        let key = BucketKey::new(&Scope::Workspace("T1".into()), &INFO);
        for _ in 0..3 {
            assert!(
                limiter
                    .acquire(&key, &INFO, &clock, Duration::ZERO)
                    .await
                    .is_ok()
            );
        }
        let needed = limiter
            .acquire(&key, &INFO, &clock, Duration::from_secs(1))
            .await;
        assert_eq!(needed, Err(Duration::from_millis(1250)));
        // Nothing was reserved: the next slot is still 1.25 s away.
        let waited = limiter
            .acquire(&key, &INFO, &clock, Duration::from_secs(2))
            .await;
        assert_eq!(waited, Ok(Duration::from_millis(1250)));
        assert_eq!(limiter.stats()[0].over_budget, 1);
    }

    #[tokio::test]
    async fn the_window_lets_the_tier_through_then_waits_for_the_oldest_to_leave() {
        let clock = TestClock::new();
        let limiter = RateLimiter::new(RateLimits::slack_tiers()).unwrap();
        let key = BucketKey::new(&Scope::Workspace("T1".into()), &INFO);
        let mut waits = Vec::new();
        for _ in 0..150 {
            waits.push(
                limiter
                    .acquire(&key, &INFO, &clock, Duration::from_secs(600))
                    .await
                    .unwrap(),
            );
        }
        let minute = Duration::from_secs(60);
        assert!(waits[..50].iter().all(|w| w.is_zero()), "{waits:?}");
        assert_eq!(waits[50], minute);
        assert!(waits[51..100].iter().all(|w| w.is_zero()), "{waits:?}");
        assert_eq!(waits[100], minute);
        assert_eq!(clock.elapsed(), minute * 2);
        let stats = limiter.stats();
        assert_eq!((stats[0].permits, stats[0].waited), (150, 2));
    }

    #[tokio::test]
    async fn over_budget_books_nothing_in_the_window_and_a_dropped_wait_gives_its_place_back() {
        let clock = TestClock::manual();
        let limiter =
            RateLimiter::new(RateLimits::off().method("calls.info", Rate::per_minute(2))).unwrap();
        let key = BucketKey::new(&Scope::Workspace("T1".into()), &INFO);
        for _ in 0..2 {
            assert_eq!(
                limiter.acquire(&key, &INFO, &clock, Duration::ZERO).await,
                Ok(Duration::ZERO)
            );
        }
        let minute = Duration::from_secs(60);
        assert_eq!(
            limiter
                .acquire(&key, &INFO, &clock, Duration::from_secs(1))
                .await,
            Err(minute)
        );
        // A call waits for its place at 60 s, then is dropped.
        {
            let waiting = limiter.acquire(&key, &INFO, &clock, minute);
            tokio::pin!(waiting);
            assert!(futures_poll_once(waiting.as_mut()).await.is_none());
        }
        // Its place is free again: two more fit at 60 s, not one.
        clock.advance(minute);
        for _ in 0..2 {
            assert_eq!(
                limiter.acquire(&key, &INFO, &clock, Duration::ZERO).await,
                Ok(Duration::ZERO)
            );
        }
        assert_eq!(limiter.stats()[0].over_budget, 1);
    }

    /// Polls a future once: `Some` with its output if it finished.
    async fn futures_poll_once<F: std::future::Future + Unpin>(mut future: F) -> Option<F::Output> {
        std::future::poll_fn(|cx| {
            std::task::Poll::Ready(match std::pin::Pin::new(&mut future).poll(cx) {
                std::task::Poll::Ready(out) => Some(out),
                std::task::Poll::Pending => None,
            })
        })
        .await
    }

    #[tokio::test]
    async fn a_block_pauses_its_key_only() {
        let clock = TestClock::new();
        let limiter = RateLimiter::new(RateLimits::off()).unwrap();
        let blocked = BucketKey::new(&Scope::Workspace("T1".into()), &INFO);
        let other = BucketKey::new(&Scope::Workspace("T2".into()), &INFO);
        limiter.block(&blocked, clock.now(), Duration::from_secs(30));
        assert_eq!(
            limiter.acquire(&other, &INFO, &clock, Duration::ZERO).await,
            Ok(Duration::ZERO)
        );
        assert_eq!(
            limiter
                .acquire(&blocked, &INFO, &clock, Duration::from_secs(10))
                .await,
            Err(Duration::from_secs(30))
        );
        assert_eq!(
            limiter
                .acquire(&blocked, &INFO, &clock, Duration::from_secs(30))
                .await,
            Ok(Duration::from_secs(30))
        );
        // Huge Retry-After values do not overflow.
        limiter.block(&blocked, clock.now(), Duration::MAX);
    }
}

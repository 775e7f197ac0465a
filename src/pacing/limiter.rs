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
//! for it, and holds a [`Permit`] while it is on the wire. A slot is counted
//! from the request's *answer*, a moment no earlier than Slack's arrival, so
//! no window as Slack counts it goes over the tier, at any speed and with
//! no margin (the proof is in `window.rs`). With [`Pacing::Window`] (the
//! default) that window is all there is; with [`Pacing::Spread`] a GCRA
//! (the "virtual scheduling" form of a token bucket) also spaces the
//! requests out. Reservations are handed out in arrival order, and a
//! waiting call that is dropped gives its slot back (for the GCRA, when
//! nobody has reserved after it), so cancelling a call never leaves the
//! limiter over its rate.
//!
//! # Bounded, and no global lock
//!
//! The buckets live in [`SHARDS`] shards, each behind its own mutex and
//! picked by the key's scope (its token or workspace), so a call locks one
//! shard for a few map operations and the rest of the app goes on. Reading
//! one client's stats locks its one shard; reading every stats locks one
//! shard at a time. A bucket with nothing left to count (its last answer a
//! whole period ago, no `Retry-After` running, nobody waiting) is dropped
//! when its shard is next swept, at most once a period, and a lost
//! workspace's buckets go at once ([`RateLimiter::forget_workspace`]), so
//! memory follows the workspaces that are busy, not every one ever seen.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::call::method::MethodInfo;
use crate::clock::Clock;
use crate::error::BuildError;
pub use crate::pacing::bucket::PacingStats;
pub(crate) use crate::pacing::bucket::{BucketKey, Scope};
use crate::pacing::bucket::{LimiterShared, SHARDS, Step, plan, record_permit};
#[cfg(feature = "redis")]
use crate::pacing::permit::SharedBooking;
use crate::pacing::permit::{Permit, Place, Reservation, Window};
use crate::pacing::rate::RateLimits;
use crate::pacing::window::EntryId;
#[cfg(feature = "redis")]
use crate::pacing::{Booked, RedisPacing};
use crate::token::Token;

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

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limits", &self.shared.limits)
            .field("buckets", &self.bucket_count())
            .finish()
    }
}

impl RateLimiter {
    /// A limiter with these limits, or why they are not valid.
    pub fn new(limits: RateLimits) -> Result<RateLimiter, BuildError> {
        limits.validate()?;
        Ok(RateLimiter::with_shared(LimiterShared {
            limits,
            #[cfg(feature = "redis")]
            redis: None,
            token_hasher: RandomState::new(),
            shard_hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            sweep_cursor: AtomicUsize::new(0),
        }))
    }

    fn with_shared(shared: LimiterShared) -> RateLimiter {
        RateLimiter {
            shared: Arc::new(shared),
        }
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
        Ok(RateLimiter::with_shared(LimiterShared {
            limits,
            redis: Some(redis),
            token_hasher: RandomState::new(),
            shard_hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            sweep_cursor: AtomicUsize::new(0),
        }))
    }

    /// The limits it applies.
    pub fn limits(&self) -> &RateLimits {
        &self.shared.limits
    }

    /// What the limiter has done for each method, for every key it holds,
    /// in method order. Locks one shard at a time, so calls go on.
    pub fn stats(&self) -> Vec<PacingStats> {
        let mut stats = Vec::new();
        for shard in self.shared.shards.iter() {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            stats.extend(
                shard
                    .buckets
                    .values()
                    .flat_map(HashMap::values)
                    .map(|bucket| bucket.stats.clone()),
            );
        }
        stats.sort_by(|a, b| a.method.cmp(b.method));
        stats
    }

    /// The stats of one key's scope: its one shard, and only its buckets.
    pub(crate) fn stats_for(&self, scope: &Scope) -> Vec<PacingStats> {
        let mut stats: Vec<PacingStats> = self
            .shared
            .shard(scope)
            .buckets
            .get(scope)
            .map(|methods| {
                methods
                    .values()
                    .map(|bucket| bucket.stats.clone())
                    .collect()
            })
            .unwrap_or_default();
        stats.sort_by(|a, b| a.method.cmp(b.method));
        stats
    }

    /// How many buckets the limiter holds now (each a (key, method) that
    /// was busy within its last period, or is paused or waited on).
    pub fn bucket_count(&self) -> usize {
        self.shared
            .shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.buckets.values().map(HashMap::len).sum::<usize>()
            })
            .sum()
    }

    /// Forgets every bucket of workspace `team_id` that nothing waits on:
    /// the app lost the workspace (uninstalled, or its tokens revoked).
    /// Calls still waiting for a permit keep theirs until they finish.
    pub(crate) fn forget_workspace(&self, team_id: &str) {
        let scope = Scope::Workspace(team_id.into());
        let mut shard = self.shared.shard(&scope);
        if let Some(methods) = shard.buckets.get_mut(&scope) {
            methods.retain(|_, bucket| bucket.answers.receiver_count() > 0);
            if methods.is_empty() {
                shard.buckets.remove(&scope);
            }
        }
    }

    /// The key for requests made with `token`.
    pub(crate) fn token_scope(&self, token: &Token) -> Scope {
        Scope::Token(self.shared.token_hasher.hash_one(token.expose_secret()))
    }

    /// Waits for a permit to send `method`. `Ok` with the permit (hold it
    /// until the request's answer comes, then call [`Permit::answered`]),
    /// or `Err` with the wait needed when it would go over `budget`
    /// (nothing is reserved then).
    ///
    /// Cancel-safe: dropping the future while it waits for a reserved slot
    /// gives the slot back when no later reservation depends on it.
    pub(crate) async fn acquire(
        &self,
        key: &BucketKey,
        method: &'static MethodInfo,
        clock: &Arc<dyn Clock>,
        budget: Duration,
    ) -> Result<Permit, Duration> {
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
                let paused = self.shared.with_bucket(key, now, |bucket| {
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
                        let member = booking.member.take().unwrap_or_default();
                        waited = waited.saturating_add(wait);
                        self.shared.with_bucket(key, clock.now(), |bucket| {
                            bucket.filled_for_outage = false;
                            record_permit(&mut bucket.stats, waited)
                        });
                        return Ok(Permit {
                            waited,
                            place: Some(Place {
                                shared: Arc::clone(&self.shared),
                                key: key.clone(),
                                clock: Arc::clone(clock),
                                window: Window::Shared {
                                    redis: redis.clone(),
                                    team: Arc::clone(team),
                                    member,
                                    period: shared_rate.period(),
                                },
                            }),
                        });
                    }
                    Some(Some(Booked::Full(hint))) => {
                        // Every place is open somewhere: wait for one of
                        // this instance's answers, or poll.
                        let mut answers = self
                            .shared
                            .with_bucket(key, now, |bucket| bucket.answers.subscribe());
                        let wait = crate::pacing::redis::full_wait(hint);
                        let _ = crate::clock::first_of(answers.changed(), clock.sleep(wait)).await;
                        waited = waited.saturating_add(clock.now().saturating_duration_since(now));
                        continue;
                    }
                    Some(Some(Booked::Paused(wait))) if wait <= remaining => {
                        tracing::debug!(wait_ms = millis(wait), "waiting for a shared Retry-After");
                        clock.sleep(wait).await;
                        waited = waited.saturating_add(wait);
                        continue;
                    }
                    Some(Some(Booked::Paused(wait) | Booked::OverBudget(wait))) => {
                        self.shared
                            .with_bucket(key, clock.now(), |bucket| bucket.stats.over_budget += 1);
                        return Err(wait);
                    }
                    // Redis is down: pace locally at a share of the rate,
                    // from a window counted full (the shared one may be).
                    Some(None) => {
                        let rate = redis.local_rate(shared_rate);
                        self.shared.with_bucket(key, now, |bucket| {
                            if !bucket.filled_for_outage {
                                bucket.filled_for_outage = true;
                                bucket.log.fill(rate.count(), now);
                            }
                        });
                        local_rate = Some(rate);
                    }
                    None => {}
                }
            }
            let now = clock.now();
            let step = self.shared.with_bucket(key, now, |bucket| {
                plan(bucket, local_rate, pacing, now, remaining)
            });
            let place = |entry: Option<EntryId>| {
                entry.map(|entry| Place {
                    shared: Arc::clone(&self.shared),
                    key: key.clone(),
                    clock: Arc::clone(clock),
                    window: Window::Local(entry),
                })
            };
            match step {
                Step::Go(entry) => {
                    self.shared
                        .with_bucket(key, now, |bucket| record_permit(&mut bucket.stats, waited));
                    return Ok(Permit {
                        waited,
                        place: place(entry),
                    });
                }
                Step::OverBudget(needed) => {
                    self.shared
                        .with_bucket(key, now, |bucket| bucket.stats.over_budget += 1);
                    return Err(needed);
                }
                Step::Blocked(wait) => {
                    tracing::debug!(wait_ms = millis(wait), "waiting for Slack's Retry-After");
                    clock.sleep(wait).await;
                    waited = waited.saturating_add(wait);
                }
                Step::AwaitAnswer { mut answers, until } => {
                    // Not bounded by the budget: a permit booked for later
                    // goes at its time, and a request on the wire ends
                    // within its own timeout; its answer then wakes us.
                    tracing::trace!("waiting for an answer to free a place in the window");
                    match until {
                        Some(until) => clock.sleep(until.saturating_duration_since(now)).await,
                        None => {
                            let _ = answers.changed().await;
                        }
                    }
                    waited = waited.saturating_add(clock.now().saturating_duration_since(now));
                }
                Step::Reserved { wait, slot } => {
                    tracing::trace!(wait_ms = millis(wait), "waiting for a pacing slot");
                    let mut reservation = Reservation {
                        shared: &self.shared,
                        key,
                        slot,
                        clock: &**clock,
                        kept: false,
                    };
                    clock.sleep(wait).await;
                    reservation.kept = true;
                    waited = waited.saturating_add(wait);
                    let now = clock.now();
                    let blocked = self.shared.with_bucket(key, now, |bucket| {
                        bucket.blocked_until.is_some_and(|until| until > now)
                    });
                    if !blocked {
                        self.shared.with_bucket(key, now, |bucket| {
                            record_permit(&mut bucket.stats, waited)
                        });
                        return Ok(Permit {
                            waited,
                            place: place(slot.entry()),
                        });
                    }
                    // A 429 landed while this call waited for its slot:
                    // give the slot back and go round again, behind the pause.
                    reservation.kept = false;
                }
            }
        }
    }

    /// Slack answered 429 for `key`: no request for it before
    /// `retry_after` has passed.
    pub(crate) async fn block(&self, key: &BucketKey, now: Instant, retry_after: Duration) {
        let until = now
            .checked_add(retry_after)
            .or_else(|| now.checked_add(Duration::from_secs(24 * 60 * 60)))
            .unwrap_or(now);
        #[cfg(feature = "redis")]
        if let (Some(redis), Scope::Workspace(team)) = (&self.shared.redis, &key.scope) {
            redis.pause(team, key.method, retry_after).await;
        }
        self.shared.with_bucket(key, now, |bucket| {
            bucket.stats.rate_limited += 1;
            bucket.blocked_until = Some(bucket.blocked_until.map_or(until, |old| old.max(until)));
        });
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
    use crate::pacing::rate::{Pacing, Rate};

    /// Takes a permit whose answer comes at once, as a call on a fast
    /// network would: `Ok` with the wait, or `Err` with the wait needed.
    async fn take(
        limiter: &RateLimiter,
        key: &BucketKey,
        clock: &TestClock,
        budget: Duration,
    ) -> Result<Duration, Duration> {
        let clock: Arc<dyn Clock> = Arc::new(clock.clone());
        let permit = limiter.acquire(key, &INFO, &clock, budget).await?;
        let waited = permit.waited();
        permit.answered().await;
        Ok(waited)
    }

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
                take(&limiter, &key, &clock, Duration::from_secs(60))
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
            assert!(take(&limiter, &key, &clock, Duration::ZERO).await.is_ok());
        }
        let needed = take(&limiter, &key, &clock, Duration::from_secs(1)).await;
        assert_eq!(needed, Err(Duration::from_millis(1250)));
        // Nothing was reserved: the next slot is still 1.25 s away.
        let waited = take(&limiter, &key, &clock, Duration::from_secs(2)).await;
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
                take(&limiter, &key, &clock, Duration::from_secs(600))
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
                take(&limiter, &key, &clock, Duration::ZERO).await,
                Ok(Duration::ZERO)
            );
        }
        let minute = Duration::from_secs(60);
        assert_eq!(
            take(&limiter, &key, &clock, Duration::from_secs(1)).await,
            Err(minute)
        );
        // A call waits for its place at 60 s, then is dropped.
        {
            let waiting = take(&limiter, &key, &clock, minute);
            tokio::pin!(waiting);
            assert!(futures_poll_once(waiting.as_mut()).await.is_none());
        }
        assert_eq!(limiter.stats()[0].over_budget, 1);
        // Its place is free again: two more fit at 60 s, not one.
        clock.advance(minute);
        for _ in 0..2 {
            assert_eq!(
                take(&limiter, &key, &clock, Duration::ZERO).await,
                Ok(Duration::ZERO)
            );
        }
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
        limiter
            .block(&blocked, clock.now(), Duration::from_secs(30))
            .await;
        assert_eq!(
            take(&limiter, &other, &clock, Duration::ZERO).await,
            Ok(Duration::ZERO)
        );
        assert_eq!(
            take(&limiter, &blocked, &clock, Duration::from_secs(10)).await,
            Err(Duration::from_secs(30))
        );
        assert_eq!(
            take(&limiter, &blocked, &clock, Duration::from_secs(30)).await,
            Ok(Duration::from_secs(30))
        );
        // Huge Retry-After values do not overflow.
        limiter.block(&blocked, clock.now(), Duration::MAX).await;
    }
}

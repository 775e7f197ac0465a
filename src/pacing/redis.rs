//! The exact window, kept in Redis for every instance of an app (feature
//! `redis`), counted as the in-process window counts (`window.rs`): from
//! each request's answer, a moment no earlier than Slack's arrival.
//!
//! Per (app, workspace, method), on Redis's own clock (`TIME`):
//! - the *open* set holds the permits booked or on the wire, scored by when
//!   each may go; they hold their places without end;
//! - the *window* set holds the answered ones, scored by when the answer
//!   came; each holds its place for one period after it;
//! - the *pause* key is a 429's `Retry-After`, shared by every instance.
//!
//! One script books a permit: it honours the pause, drops what left the
//! window, and books the earliest time at which fewer than `count` permits
//! are open or were answered within the period before it, the rule whose
//! proof is in `window.rs`. When every place is open it books nothing and
//! says so; the caller waits for an answer (its own, or the next booking's
//! time) and asks again. A second script moves a permit from open to the
//! window when its answer comes. A permit left open by an instance that
//! died holds its place until its lease ends ([`LEASE`]). Every key expires
//! when idle.
//!
//! # When Redis is away
//!
//! Each instance paces locally at a share of the tier
//! ([`RedisPacing::local_share`]), and its local window starts *full*, as if
//! the shared one had just used every place: it never starts empty while
//! the shared window may be full. One warning is logged per outage. A
//! background probe asks Redis again every
//! [`recheck_after`](RedisPacing::recheck_after), so shared pacing comes
//! back as soon as Redis answers, not at the next call.
//!
//! A Redis that comes back *empty* (restarted without persistence) has lost
//! the shared window. Every instance that saw the old one notices (the
//! app's epoch key is gone or new) and, for one period, books a window it
//! finds empty as full. The 429 pause and each permit's end are written
//! before the call goes on, so a process that ends right after its last
//! call loses neither.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use crate::error::BuildError;
use crate::pacing::rate::Rate;

/// How long a permit may stay open (booked or on the wire) before it is
/// taken to have ended: longer than any request's own timeout, so only a
/// permit whose instance died mid-call reaches it.
pub(crate) const LEASE: Duration = Duration::from_secs(5 * 60);

/// How long a caller waits before asking again when every place is held by
/// a request on the wire at another instance (its own answers wake it at
/// once).
const FULL_POLL: Duration = Duration::from_millis(20);

/// Books one permit. KEYS: the window (answered permits), the pause, the
/// open permits. ARGV: count, period (ms), the caller's budget (ms), a
/// unique member, the lease (ms), `1` to book an empty window as full.
/// Returns `{0, wait_ms, member}` (booked), `{1, wait_ms}` (paused by a
/// 429), `{2, wait_ms}` (over the budget; nothing booked) or `{3, hint_ms}`
/// (every place open: ask again after an answer, or in `hint_ms` when a
/// booked permit goes then).
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {1, paused} end
local count = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local lease = tonumber(ARGV[5])
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - lease, 'WITHSCORES')
for i = 1, #stale, 2 do
  redis.call('ZADD', KEYS[1], tonumber(stale[i + 1]) + lease, stale[i])
  redis.call('ZREM', KEYS[3], stale[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local open = redis.call('ZCARD', KEYS[3])
if ARGV[6] == '1' and open == 0 and redis.call('ZCARD', KEYS[1]) == 0 then
  for i = 1, count do redis.call('ZADD', KEYS[1], now, 'full:' .. i) end
  redis.call('PEXPIRE', KEYS[1], period + 1000)
end
if open >= count then
  local next = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #next > 0 then return {3, tonumber(next[2]) - now} end
  return {3, 0}
end
local from = now
if open > 0 then
  local latest = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  from = math.max(now, tonumber(latest[2]))
end
local places = count - open
local at = from
if redis.call('ZCARD', KEYS[1]) >= places then
  local nth = redis.call('ZREVRANGE', KEYS[1], places - 1, places - 1, 'WITHSCORES')
  at = math.max(tonumber(nth[2]) + period, from)
end
local wait = at - now
if wait > tonumber(ARGV[3]) then return {2, wait} end
redis.call('ZADD', KEYS[3], at, ARGV[4])
redis.call('PEXPIRE', KEYS[3], wait + lease + period)
return {0, wait, ARGV[4]}
";

/// Ends a permit: its answer came now. KEYS: the window, the open permits.
/// ARGV: the member, the period (ms).
const END: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) + 1000)
end
return 1
";

/// Sets the shared pause: never shortens a longer one. KEYS: the pause.
/// ARGV: the pause (ms).
const PAUSE: &str = r"
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1], 'NX')
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'GT')
return 1
";

/// Where and how the limiter shares its pacing with the app's other
/// instances: a Redis server, the app's id (part of every key), and what
/// to do when Redis is down.
///
/// Give it to [`RateLimiter::shared_through`](crate::RateLimiter::shared_through)
/// or [`AppBuilder::redis`](crate::AppBuilder::redis). Only clients that
/// know their workspace (every client of an [`App`](crate::App), or one
/// built with [`ClientBuilder::workspace`](crate::ClientBuilder::workspace))
/// share pacing; a client keyed by its token paces locally, since no key
/// may carry token text.
///
/// ```no_run
/// use slack_calls::{App, RedisPacing};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = RedisPacing::new("redis://127.0.0.1:6379/", "A0123")?.local_share(0.25);
/// let app = App::builder("A0123").redis(redis).build()?;
/// # let _ = app; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisPacing {
    settings: Arc<Settings>,
    state: Arc<State>,
}

#[derive(Clone)]
struct Settings {
    client: redis::Client,
    app_id: String,
    prefix: String,
    local_share: f64,
    recheck_after: Duration,
    timeout: Duration,
}

struct State {
    /// The connection; replaced when a probe finds Redis back, so a
    /// connection stuck on the old server is not kept.
    manager: Mutex<Option<ConnectionManager>>,
    /// Redis failed: pace locally until a probe finds it back.
    down: AtomicBool,
    /// A probe is running.
    probing: AtomicBool,
    /// Until this (real) time, book an empty shared window as full: Redis
    /// came back empty.
    cautious_until: Mutex<Option<Instant>>,
    /// The app's epoch in this Redis as last seen, and when it was read.
    epoch: Mutex<(Option<String>, Option<Instant>)>,
    member_seed: u64,
    member_count: AtomicU64,
    reserve: redis::Script,
    end: redis::Script,
    pause: redis::Script,
}

impl fmt::Debug for RedisPacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: only the app id and settings.
        f.debug_struct("RedisPacing")
            .field("app_id", &self.settings.app_id)
            .field("prefix", &self.settings.prefix)
            .field("local_share", &self.settings.local_share)
            .field("recheck_after", &self.settings.recheck_after)
            .finish_non_exhaustive()
    }
}

/// What the shared window said.
pub(crate) enum Booked {
    /// Go after `wait`; `member` is the booking, to end when the answer
    /// comes, or to give back if the call goes away first.
    Go { wait: Duration, member: String },
    /// A 429 pause is running for every instance.
    Paused(Duration),
    /// The wait would go over the budget; nothing was booked.
    OverBudget(Duration),
    /// Every place is open: ask again after an answer, or after this hint
    /// when a booked permit goes then (zero: none is booked ahead).
    Full(Duration),
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RedisPacing {
    /// Pacing shared through the Redis at `url` (`redis://host:port/`,
    /// `rediss://…`, `redis+unix:///path/to/redis.sock`) for the app
    /// `app_id`. Connects on first use, not here.
    pub fn new(url: &str, app_id: &str) -> Result<RedisPacing, BuildError> {
        let client = crate::redis_connection::open(url, app_id)?;
        Ok(RedisPacing {
            settings: Arc::new(Settings {
                client,
                app_id: app_id.to_owned(),
                prefix: "slack-calls".to_owned(),
                local_share: 0.5,
                recheck_after: Duration::from_secs(1),
                timeout: Duration::from_millis(500),
            }),
            state: Arc::new(State {
                manager: Mutex::new(None),
                down: AtomicBool::new(false),
                probing: AtomicBool::new(false),
                cautious_until: Mutex::new(None),
                epoch: Mutex::new((None, None)),
                member_seed: RandomState::new().hash_one(std::process::id()),
                member_count: AtomicU64::new(0),
                reserve: redis::Script::new(RESERVE),
                end: redis::Script::new(END),
                pause: redis::Script::new(PAUSE),
            }),
        })
    }

    fn with(mut self, change: impl FnOnce(&mut Settings)) -> RedisPacing {
        change(Arc::make_mut(&mut self.settings));
        self
    }

    /// While Redis is down, each instance paces locally at this share of
    /// each rate (at least one request per period). Default 0.5; with N
    /// instances, `1.0 / N` keeps the app under the tier even then.
    /// Values outside `(0, 1]` are refused when the limiter is built.
    pub fn local_share(self, share: f64) -> RedisPacing {
        self.with(|settings| settings.local_share = share)
    }

    /// How often a background probe asks Redis again while it is down
    /// (default 1 s).
    pub fn recheck_after(self, wait: Duration) -> RedisPacing {
        self.with(|settings| settings.recheck_after = wait)
    }

    /// The first part of every key (default `slack-calls`).
    pub fn key_prefix(self, prefix: impl Into<String>) -> RedisPacing {
        let prefix = prefix.into();
        self.with(|settings| settings.prefix = prefix)
    }

    /// How long one Redis command may take before Redis counts as down
    /// (default 500 ms).
    pub fn timeout(self, timeout: Duration) -> RedisPacing {
        self.with(|settings| settings.timeout = timeout)
    }

    /// Whether pacing is shared through Redis now: false from a failed
    /// command until the background probe finds Redis answering again
    /// (for a health check, or a test).
    pub fn is_shared(&self) -> bool {
        !self.state.down.load(Ordering::Acquire)
    }

    /// The app id in the keys.
    pub fn app_id(&self) -> &str {
        &self.settings.app_id
    }

    /// The window's key (the answered permits) for `team` and `method`:
    /// `{prefix}:rl:{{app}:{team}:{method}}`. The braces are a Redis
    /// Cluster hash tag, so a window, its open permits and its pause live
    /// on one node.
    pub fn window_key(&self, team: &str, method: &str) -> String {
        self.key("rl", team, method)
    }

    /// The open permits' key: `{prefix}:open:{{app}:{team}:{method}}`.
    pub fn open_key(&self, team: &str, method: &str) -> String {
        self.key("open", team, method)
    }

    /// The shared 429 pause's key: `{prefix}:pause:{{app}:{team}:{method}}`.
    pub fn pause_key(&self, team: &str, method: &str) -> String {
        self.key("pause", team, method)
    }

    /// The app's epoch key, `{prefix}:epoch:{app}`: set once per Redis
    /// lifetime; gone or new means Redis lost what it held.
    pub fn epoch_key(&self) -> String {
        format!("{}:epoch:{}", self.settings.prefix, self.settings.app_id)
    }

    fn key(&self, kind: &str, team: &str, method: &str) -> String {
        format!(
            "{}:{kind}:{{{}:{team}:{method}}}",
            self.settings.prefix, self.settings.app_id
        )
    }

    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let share = self.settings.local_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(BuildError::InvalidRedis {
                reason: format!("the local share must be in (0, 1], got {share}"),
            });
        }
        Ok(())
    }

    /// The rate to pace at locally while Redis is down.
    pub(crate) fn local_rate(&self, rate: Rate) -> Rate {
        rate.share(self.settings.local_share)
    }

    /// Whether Redis answers a `PING` now, within the timeout (for a
    /// readiness check). The error is Redis's, without the URL.
    pub async fn ping(&self) -> Result<(), String> {
        let mut manager = self.manager().map_err(|err| err.to_string())?;
        crate::redis_connection::ping(&mut manager).await
    }

    fn manager(&self) -> Result<ConnectionManager, redis::RedisError> {
        let mut held = lock(&self.state.manager);
        if let Some(manager) = &*held {
            return Ok(manager.clone());
        }
        let manager =
            crate::redis_connection::manager(&self.settings.client, self.settings.timeout)?;
        *held = Some(manager.clone());
        Ok(manager)
    }

    /// Redis failed: pace locally, warn once, and probe until it answers.
    fn failed(&self, err: &redis::RedisError) {
        if !self.state.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                error = %err,
                local_share = self.settings.local_share,
                "Redis cannot be reached: pacing locally at a share of each rate until it answers"
            );
        }
        self.start_probe();
    }

    /// Asks Redis again every `recheck_after` (real time) on a fresh
    /// connection until it answers, then shares pacing again.
    fn start_probe(&self) {
        if self.state.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            self.state.probing.store(false, Ordering::Release);
            return;
        };
        let this = self.clone();
        handle.spawn(async move {
            loop {
                tokio::time::sleep(this.settings.recheck_after).await;
                let fresh =
                    crate::redis_connection::manager(&this.settings.client, this.settings.timeout);
                let Ok(mut fresh) = fresh else { continue };
                let pong: Result<String, _> = redis::cmd("PING").query_async(&mut fresh).await;
                if pong.is_ok() {
                    *lock(&this.state.manager) = Some(fresh);
                    // Read the epoch before calls go back to Redis.
                    let _ = this.check_epoch(true).await;
                    this.state.down.store(false, Ordering::Release);
                    tracing::warn!("Redis answers again: pacing is shared again");
                    break;
                }
            }
            this.state.probing.store(false, Ordering::Release);
        });
    }

    /// Reads the app's epoch (at most once a second unless `now`), and
    /// if Redis lost it since this instance last saw it, books empty
    /// windows as full for the longest period of a minute.
    async fn check_epoch(&self, now: bool) -> Result<(), redis::RedisError> {
        {
            let epoch = lock(&self.state.epoch);
            if !now
                && epoch
                    .1
                    .is_some_and(|read| read.elapsed() < Duration::from_secs(1))
            {
                return Ok(());
            }
        }
        let mut manager = self.manager()?;
        let key = self.epoch_key();
        // Unique to this attempt: a value set again after a restart must
        // differ from the one set before it.
        let mine = format!(
            "{:x}:{}",
            self.state.member_seed,
            self.state.member_count.fetch_add(1, Ordering::Relaxed)
        );
        // Set it if missing, then read whichever value won.
        let _: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(&mine)
            .arg("NX")
            .query_async(&mut manager)
            .await?;
        let current: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut manager)
            .await?;
        let mut epoch = lock(&self.state.epoch);
        if epoch.0.is_some() && epoch.0 != current {
            tracing::warn!(
                "Redis lost the shared windows (restarted empty): pacing them as full for a minute"
            );
            *lock(&self.state.cautious_until) = Some(Instant::now() + Duration::from_secs(60));
        }
        *epoch = (current, Some(Instant::now()));
        Ok(())
    }

    fn cautious(&self) -> bool {
        lock(&self.state.cautious_until).is_some_and(|until| Instant::now() < until)
    }

    /// Books a permit for (`team`, `method`) in the shared window, or
    /// `None` when Redis cannot be asked (pace locally then).
    pub(crate) async fn book(
        &self,
        team: &str,
        method: &str,
        rate: Rate,
        budget: Duration,
    ) -> Option<Booked> {
        if self.state.down.load(Ordering::Acquire) {
            return None;
        }
        let result = async {
            self.check_epoch(false).await?;
            let mut manager = self.manager()?;
            let member = format!(
                "{:x}:{}",
                self.state.member_seed,
                self.state.member_count.fetch_add(1, Ordering::Relaxed)
            );
            let answer: Vec<redis::Value> = self
                .state
                .reserve
                .key(self.window_key(team, method))
                .key(self.pause_key(team, method))
                .key(self.open_key(team, method))
                .arg(rate.count())
                .arg(millis(rate.period()).max(1))
                .arg(millis(budget))
                .arg(member)
                .arg(millis(LEASE))
                .arg(if self.cautious() { "1" } else { "0" })
                .invoke_async(&mut manager)
                .await?;
            Ok::<_, redis::RedisError>(answer)
        }
        .await;
        match result {
            Ok(answer) => decode(&answer),
            Err(err) => {
                self.failed(&err);
                None
            }
        }
    }

    /// Ends a permit: its answer came. Awaited, so a process that ends
    /// right after its last call still records it; a failure leaves the
    /// permit open until its lease ends (it keeps its place: safe).
    pub(crate) async fn end(&self, team: &str, method: &str, member: &str, period: Duration) {
        let result = async {
            let mut manager = self.manager()?;
            self.state
                .end
                .key(self.window_key(team, method))
                .key(self.open_key(team, method))
                .arg(member)
                .arg(millis(period).max(1))
                .invoke_async::<i64>(&mut manager)
                .await
        }
        .await;
        if let Err(err) = result {
            self.failed(&err);
        }
    }

    /// [`end`](RedisPacing::end) from a place that cannot wait (a dropped
    /// call): in the background.
    pub(crate) fn end_later(&self, team: &str, method: &str, member: String, period: Duration) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        let (team, method) = (team.to_owned(), method.to_owned());
        handle.spawn(async move { this.end(&team, &method, &member, period).await });
    }

    /// Gives back a booking whose call went away before sending.
    pub(crate) fn give_back(&self, team: &str, method: &str, member: String) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        let key = self.open_key(team, method);
        handle.spawn(async move {
            if let Ok(mut manager) = this.manager() {
                let _: Result<i64, _> = redis::cmd("ZREM")
                    .arg(key)
                    .arg(member)
                    .query_async(&mut manager)
                    .await;
            }
        });
    }

    /// Shares a 429's pause with every instance. Awaited, so it is written
    /// before the call goes on (and before a process that stops right
    /// after could cut it off).
    pub(crate) async fn pause(&self, team: &str, method: &str, retry_after: Duration) {
        let result = async {
            let mut manager = self.manager()?;
            self.state
                .pause
                .key(self.pause_key(team, method))
                .arg(millis(retry_after).max(1))
                .invoke_async::<i64>(&mut manager)
                .await
        }
        .await;
        if let Err(err) = result {
            self.failed(&err);
        }
    }
}

fn decode(answer: &[redis::Value]) -> Option<Booked> {
    let int = |value: Option<&redis::Value>| match value {
        Some(redis::Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    };
    let wait = Duration::from_millis(int(answer.get(1))?);
    match int(answer.first())? {
        0 => {
            let member = match answer.get(2) {
                Some(redis::Value::BulkString(bytes)) => String::from_utf8(bytes.clone()).ok()?,
                Some(redis::Value::SimpleString(text)) => text.clone(),
                _ => return None,
            };
            Some(Booked::Go { wait, member })
        }
        1 => Some(Booked::Paused(wait)),
        2 => Some(Booked::OverBudget(wait)),
        3 => Some(Booked::Full(wait)),
        _ => None,
    }
}

/// How long to wait before asking a full shared window again.
pub(crate) fn full_wait(hint: Duration) -> Duration {
    if hint.is_zero() { FULL_POLL } else { hint }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pacing::limiter::RateLimiter;
    use crate::pacing::rate::RateLimits;

    #[test]
    fn bad_settings_are_typed_errors() {
        assert!(matches!(
            RedisPacing::new("not a url", "A1"),
            Err(BuildError::InvalidRedis { .. })
        ));
        assert!(matches!(
            RedisPacing::new("redis://127.0.0.1/", ""),
            Err(BuildError::InvalidRedis { reason }) if reason.contains("app id")
        ));
        for share in [0.0, -1.0, 1.5, f64::NAN] {
            let pacing = RedisPacing::new("redis://127.0.0.1/", "A1")
                .unwrap()
                .local_share(share);
            let err = RateLimiter::shared_through(RateLimits::slack_tiers(), pacing).unwrap_err();
            assert!(err.to_string().contains("local share"), "{err}");
        }
    }

    #[test]
    fn keys_name_app_workspace_and_method_in_one_hash_tag() {
        let pacing = RedisPacing::new("redis://:secret@127.0.0.1/", "A1")
            .unwrap()
            .key_prefix("p");
        assert_eq!(
            pacing.window_key("T1", "calls.add"),
            "p:rl:{A1:T1:calls.add}"
        );
        assert_eq!(
            pacing.pause_key("T1", "calls.add"),
            "p:pause:{A1:T1:calls.add}"
        );
        assert_eq!(
            pacing.open_key("T1", "calls.add"),
            "p:open:{A1:T1:calls.add}"
        );
        assert_eq!(pacing.epoch_key(), "p:epoch:A1");
        assert!(!format!("{pacing:?}").contains("secret"));
    }

    #[test]
    fn an_unexpected_script_answer_is_not_a_booking() {
        use redis::Value;
        assert!(decode(&[]).is_none());
        assert!(decode(&[Value::Int(7), Value::Int(1)]).is_none());
        assert!(decode(&[Value::Int(0), Value::Int(-5)]).is_none());
        assert!(
            decode(&[Value::Int(0), Value::Int(5)]).is_none(),
            "no member"
        );
        assert!(matches!(
            decode(&[Value::Int(3), Value::Int(40)]),
            Some(Booked::Full(hint)) if hint == Duration::from_millis(40)
        ));
        assert!(matches!(
            decode(&[Value::Int(1), Value::Int(1500)]),
            Some(Booked::Paused(wait)) if wait == Duration::from_millis(1500)
        ));
        assert!(matches!(
            decode(&[Value::Int(0), Value::Int(0), Value::BulkString(b"1:x".to_vec())]),
            Some(Booked::Go { member, .. }) if member == "1:x"
        ));
    }
}

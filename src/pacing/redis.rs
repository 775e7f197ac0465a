//! The exact window, kept in Redis for every instance of an app (feature
//! `redis`).
//!
//! One sorted set per (app, workspace, method) holds the send times of the
//! permits still in the window; one Lua script per permit reads Redis's own
//! clock (`TIME`), drops what left the window, honours the shared 429
//! pause, and books the earliest time that keeps every window at the
//! tier's count. The caller sleeps until then and sends. A 429 seen by any
//! instance sets the pause key, which every instance's next script reads.
//! Both keys expire when idle.
//!
//! When Redis cannot be reached the limiter paces locally at a share of
//! the tier ([`RedisPacing::local_share`]), logs one warning per outage,
//! tries Redis again after [`RedisPacing::recheck_after`], and goes back
//! to shared pacing as soon as Redis answers.

use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use crate::error::BuildError;
use crate::pacing::rate::Rate;

/// Books one permit. KEYS: the window log, the pause. ARGV: count,
/// period (ms), the caller's budget (ms), a unique member suffix.
/// Returns `{0, wait_ms, member}` (booked), `{1, wait_ms}` (paused by a
/// 429) or `{2, wait_ms}` (over the budget; nothing booked).
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {1, paused} end
local count = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local n = redis.call('ZCARD', KEYS[1])
local at = now
if n >= count then
  local oldest = redis.call('ZRANGE', KEYS[1], n - count, n - count, 'WITHSCORES')
  local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  at = math.max(tonumber(oldest[2]) + period, tonumber(latest[2]), now)
end
local wait = at - now
if wait > tonumber(ARGV[3]) then return {2, wait} end
local member = at .. ':' .. ARGV[4]
redis.call('ZADD', KEYS[1], at, member)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], tonumber(last[2]) - now + period)
return {0, wait, member}
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
    manager: OnceLock<ConnectionManager>,
    /// Redis failed: pace locally until this (real) time, then ask again.
    down_until: Mutex<Option<Instant>>,
    /// Warned for this outage already.
    warned: AtomicBool,
    member_seed: u64,
    member_count: AtomicU64,
    reserve: redis::Script,
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
    /// Go after `wait`; `member` is the booking, to give back if the call
    /// goes away first.
    Go { wait: Duration, member: String },
    /// A 429 pause is running for every instance.
    Paused(Duration),
    /// The wait would go over the budget; nothing was booked.
    OverBudget(Duration),
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
                manager: OnceLock::new(),
                down_until: Mutex::new(None),
                warned: AtomicBool::new(false),
                member_seed: RandomState::new().hash_one(std::process::id()),
                member_count: AtomicU64::new(0),
                reserve: redis::Script::new(RESERVE),
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

    /// How long to pace locally after Redis failed before asking it again
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

    /// The app id in the keys.
    pub fn app_id(&self) -> &str {
        &self.settings.app_id
    }

    /// The window log's key for `team` and `method`:
    /// `{prefix}:rl:{{app}:{team}:{method}}`. The braces are a Redis
    /// Cluster hash tag, so a key and its pause live on one node.
    pub fn window_key(&self, team: &str, method: &str) -> String {
        format!(
            "{}:rl:{{{}:{team}:{method}}}",
            self.settings.prefix, self.settings.app_id
        )
    }

    /// The shared 429 pause's key: `{prefix}:pause:{{app}:{team}:{method}}`.
    pub fn pause_key(&self, team: &str, method: &str) -> String {
        format!(
            "{}:pause:{{{}:{team}:{method}}}",
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

    /// Whether to skip Redis now (it failed a moment ago).
    fn resting(&self) -> bool {
        let down = self
            .state
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        down.is_some_and(|until| Instant::now() < until)
    }

    fn failed(&self, err: &redis::RedisError) {
        *self
            .state
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(Instant::now() + self.settings.recheck_after);
        if !self.state.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %err,
                local_share = self.settings.local_share,
                "Redis cannot be reached: pacing locally at a share of each rate until it answers"
            );
        }
    }

    fn answered(&self) {
        if self.state.warned.swap(false, Ordering::Relaxed) {
            tracing::warn!("Redis answers again: pacing is shared again");
        }
        *self
            .state
            .down_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    fn manager(&self) -> Result<ConnectionManager, redis::RedisError> {
        crate::redis_connection::connection(
            &self.state.manager,
            &self.settings.client,
            self.settings.timeout,
        )
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
        if self.resting() {
            return None;
        }
        let result = async {
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
                .arg(rate.count())
                .arg(millis(rate.period()).max(1))
                .arg(millis(budget))
                .arg(member)
                .invoke_async(&mut manager)
                .await?;
            Ok::<_, redis::RedisError>(answer)
        }
        .await;
        match result {
            Ok(answer) => {
                self.answered();
                decode(&answer)
            }
            Err(err) => {
                self.failed(&err);
                None
            }
        }
    }

    /// Gives back a booking whose call went away before sending.
    pub(crate) fn give_back(&self, team: &str, method: &str, member: String) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        let key = self.window_key(team, method);
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

    /// Shares a 429's pause with every instance (in the background; the
    /// local pause is set by the caller).
    pub(crate) fn pause(&self, team: &str, method: &str, retry_after: Duration) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        let key = self.pause_key(team, method);
        handle.spawn(async move {
            let result = async {
                let mut manager = this.manager()?;
                this.state
                    .pause
                    .key(key)
                    .arg(millis(retry_after).max(1))
                    .invoke_async::<i64>(&mut manager)
                    .await
            }
            .await;
            if let Err(err) = result {
                this.failed(&err);
            }
        });
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
        _ => None,
    }
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
            decode(&[Value::Int(1), Value::Int(1500)]),
            Some(Booked::Paused(wait)) if wait == Duration::from_millis(1500)
        ));
        assert!(matches!(
            decode(&[Value::Int(0), Value::Int(0), Value::BulkString(b"1:x".to_vec())]),
            Some(Booked::Go { member, .. }) if member == "1:x"
        ));
    }
}

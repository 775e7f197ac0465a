//! A [`DedupStore`] in Redis (features `events` and `redis`), so that a
//! delivery Slack retries onto another instance of the app is still
//! handled once: each claim is one `SET key 1 NX PX ttl`, atomic in Redis,
//! and the key expires after the time to live.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use redis::aio::ConnectionManager;

use super::dedup::{Claim, DedupError, DedupFuture, DedupStore};
use crate::error::BuildError;

/// Claims in Redis, shared by every instance: `SET {prefix}:dedup:{app}:{key} 1 NX PX ttl`.
///
/// When Redis cannot be reached a claim fails with [`DedupError`], and the
/// receiver handles the delivery anyway (a rare duplicate beats a lost
/// event).
///
/// ```no_run
/// use slack_calls::events::RedisDedup;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let dedup = RedisDedup::new("redis://127.0.0.1:6379/", "A0123")?;
/// # let _ = dedup; Ok(()) }
/// ```
pub struct RedisDedup {
    client: redis::Client,
    prefix: String,
    ttl: Duration,
    timeout: Duration,
    manager: OnceLock<ConnectionManager>,
}

impl fmt::Debug for RedisDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password.
        f.debug_struct("RedisDedup")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RedisDedup {
    /// Claims in the Redis at `url` for the app `app_id`, kept for an hour
    /// ([`super::DEFAULT_TTL`]). Connects on first use.
    pub fn new(url: &str, app_id: &str) -> Result<RedisDedup, BuildError> {
        let client = crate::redis_connection::open(url, app_id)?;
        Ok(RedisDedup {
            client,
            prefix: format!("slack-calls:dedup:{app_id}:"),
            ttl: super::DEFAULT_TTL,
            timeout: Duration::from_millis(500),
            manager: OnceLock::new(),
        })
    }

    /// Keeps each claim this long (at least a millisecond).
    pub fn ttl(mut self, ttl: Duration) -> RedisDedup {
        self.ttl = ttl.max(Duration::from_millis(1));
        self
    }

    /// The Redis key of a claim.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn manager(&self) -> Result<ConnectionManager, redis::RedisError> {
        crate::redis_connection::connection(&self.manager, &self.client, self.timeout)
    }
}

impl DedupStore for RedisDedup {
    fn claim<'a>(&'a self, key: &'a str) -> DedupFuture<'a> {
        Box::pin(async move {
            let mut manager = self.manager().map_err(|err| DedupError(Box::new(err)))?;
            let set: Option<String> = redis::cmd("SET")
                .arg(self.key(key))
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX))
                .query_async(&mut manager)
                .await
                .map_err(|err| DedupError(Box::new(err)))?;
            Ok(if set.is_some() {
                Claim::First
            } else {
                Claim::Duplicate
            })
        })
    }
}

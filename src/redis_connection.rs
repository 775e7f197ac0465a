//! The one way this crate opens Redis (feature `redis`): shared pacing
//! ([`RedisPacing`](crate::RedisPacing)) and the events dedup store
//! (`RedisDedup`) both check their settings and connect through here.
//!
//! A connection is lazy (nothing is dialled until the first command), and
//! every command has a deadline, so a Redis that is down or stopped costs
//! a caller at most `timeout` before it falls back.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::BuildError;

/// Checks `url` and `app_id` (the app id keys every entry, so it may not be
/// empty) and returns the client to connect with. The URL is not in the
/// error: it may carry a password.
pub(crate) fn open(url: &str, app_id: &str) -> Result<redis::Client, BuildError> {
    let client = redis::Client::open(url).map_err(|err| BuildError::InvalidRedis {
        reason: err.to_string(),
    })?;
    if app_id.is_empty() {
        return Err(BuildError::InvalidRedis {
            reason: "the app id is empty".to_owned(),
        });
    }
    Ok(client)
}

/// A new lazy connection: a connection manager that reconnects by itself,
/// with `timeout` on connecting and on every answer, and one retry.
pub(crate) fn manager(
    client: &redis::Client,
    timeout: Duration,
) -> Result<ConnectionManager, redis::RedisError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(1);
    ConnectionManager::new_lazy_with_config(client.clone(), config)
}

/// Whether the Redis behind `manager` answers a `PING`, within the
/// connection's timeout.
pub(crate) async fn ping(manager: &mut ConnectionManager) -> Result<(), String> {
    redis::cmd("PING")
        .query_async::<String>(manager)
        .await
        .map(|_| ())
        .map_err(|err| err.to_string())
}

/// The connection kept in `cell`, made on first use ([`manager`]).
#[cfg(feature = "events")]
pub(crate) fn connection(
    cell: &std::sync::OnceLock<ConnectionManager>,
    client: &redis::Client,
    timeout: Duration,
) -> Result<ConnectionManager, redis::RedisError> {
    if let Some(manager) = cell.get() {
        return Ok(manager.clone());
    }
    let manager = manager(client, timeout)?;
    Ok(cell.get_or_init(|| manager).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_url_or_an_empty_app_id_is_refused_without_the_url() {
        let err = open("not a url :pw@", "A1").unwrap_err();
        assert!(matches!(err, BuildError::InvalidRedis { .. }), "{err:?}");
        assert!(!err.to_string().contains(":pw@"), "{err}");
        let err = open("redis://127.0.0.1:1/", "").unwrap_err();
        assert!(err.to_string().contains("app id is empty"), "{err}");
        assert!(open("redis://:secret@127.0.0.1:1/", "A1").is_ok());
    }

    /// What a readiness check logs when Redis is away: never the password
    /// of its URL.
    #[tokio::test]
    async fn a_failed_ping_does_not_repeat_the_password() {
        for url in [
            "redis://:hunter2-pw@127.0.0.1:1/",
            "redis://app:hunter2-pw@127.0.0.1:1/0",
        ] {
            let client = open(url, "A1").unwrap();
            let mut manager = manager(&client, Duration::from_millis(200)).unwrap();
            let err = ping(&mut manager).await.unwrap_err();
            assert!(!err.contains("hunter2"), "{url}: {err}");
        }
    }
}

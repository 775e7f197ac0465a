//! The Redis fallback, against a real `redis-server` and the fake Slack:
//!
//! - Redis stopped (`SIGSTOP`, so connections hang rather than close) and
//!   resumed: calls go on locally, a background probe finds Redis back
//!   with no call made, calls are then paced in Redis again, and no 429
//!   comes of it;
//! - a 429's shared pause is written before the call returns, so a process
//!   that ends right after its last call does not cut it off.
//!
//! Waits are on conditions (bounded), never on a fixed sleep.

use std::ffi::OsString;
use std::time::Duration;

use libtest_mimic::Failed;
use slack_calls::{App, RateLimits, RedisPacing};
use slack_calls_mock::{DEMO_TEAM_ID, Fault};

use crate::redis_pacing::{
    APP_ID, burst_seen_by, check, fake_with_a_call, quick_to_fall_back, runtime,
};
use crate::redis_server::RedisServer;

/// How many entries Redis holds for `key` (a window or open set).
async fn zcard(url: &str, key: &str) -> Result<usize, String> {
    let client = redis::Client::open(url).map_err(|err| err.to_string())?;
    let mut con = client
        .get_multiplexed_async_connection()
        .await
        .map_err(|err| err.to_string())?;
    redis::cmd("ZCARD")
        .arg(key)
        .query_async::<usize>(&mut con)
        .await
        .map_err(|err| err.to_string())
}

pub fn redis_stopped_then_resumed_is_found_by_the_probe(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let rt = runtime();
    rt.block_on(async {
        let (mock, id) = fake_with_a_call().await;
        let (pacing, client) = quick_to_fall_back(&redis, &mock)?;
        let window = pacing.window_key(DEMO_TEAM_ID, "calls.info");
        let wave = |n: usize| {
            let tasks: Vec<_> = (0..n)
                .map(|_| {
                    let client = client.clone();
                    let id = id.clone();
                    tokio::spawn(async move { client.calls().info(id.as_str()).await })
                })
                .collect();
            async move {
                for task in tasks {
                    task.await
                        .map_err(|err| err.to_string())?
                        .map_err(|err| format!("a call failed: {err}"))?;
                }
                Ok::<(), String>(())
            }
        };

        wave(10).await?;
        check(zcard(&redis.url(), &window).await? == 10, || {
            "the first wave was not paced in Redis".to_owned()
        })?;

        // Readiness asks Redis itself: ready now, not while it is stopped.
        #[cfg(feature = "events")]
        let readiness = slack_calls::events::Readiness::new().redis(&pacing);
        #[cfg(feature = "events")]
        check(readiness.report().await.is_ready(), || {
            "not ready with Redis up".to_owned()
        })?;
        redis.signal("STOP")?;
        wave(10).await?;
        check(!pacing.is_shared(), || {
            "pacing still counts as shared with Redis stopped".to_owned()
        })?;
        #[cfg(feature = "events")]
        {
            let report = readiness.report().await;
            check(
                report.failed.len() == 1 && report.failed[0].0 == "redis",
                || format!("ready with Redis stopped: {report:?}"),
            )?;
        }

        redis.signal("CONT")?;
        // No call is made: the probe alone must find Redis back.
        let mut shared = false;
        for _ in 0..500 {
            if pacing.is_shared() {
                shared = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        check(shared, || {
            "the probe did not find Redis back within 5 s".to_owned()
        })?;
        #[cfg(feature = "events")]
        check(readiness.report().await.is_ready(), || {
            "not ready with Redis back".to_owned()
        })?;

        let before = zcard(&redis.url(), &window).await?;
        wave(10).await?;
        let after = zcard(&redis.url(), &window).await?;
        check(after >= before + 10, || {
            format!("the last wave was not paced in Redis: {before} then {after} in the window")
        })?;
        let burst = burst_seen_by(&mock);
        check(burst.ok == 30 && burst.refused == 0, || {
            format!("{} admitted, {} 429s", burst.ok, burst.refused)
        })
    })
}

pub fn a_429_pause_is_written_before_the_call_returns(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let pacing = RedisPacing::new(&redis.url(), APP_ID).map_err(|err| err.to_string())?;
    // The process's last call meets a 429 over its budget, and the runtime
    // is shut down the moment it returns, as a process would exit.
    let rt = runtime();
    let mock = rt.block_on(async {
        let (mock, id) = fake_with_a_call().await;
        mock.fault(
            "calls.info",
            Fault::RateLimited {
                retry_after_secs: 30,
            },
            1,
        );
        let base_url = mock.base_url().to_owned();
        let app = App::builder(APP_ID)
            .rate_limits(RateLimits::off())
            .redis(pacing.clone())
            .clients(move |client| {
                client
                    .base_url(&base_url)
                    .max_rate_limit_wait(Duration::ZERO)
            })
            .build()
            .map_err(|err| err.to_string())?;
        let client = app
            .workspace_with_token(DEMO_TEAM_ID, mock.user_token())
            .map_err(|err| err.to_string())?;
        let err = client.calls().info(id.as_str()).await.unwrap_err();
        check(
            matches!(err, slack_calls::Error::RateLimited { .. }),
            || format!("expected a 429 over the budget, got {err:?}"),
        )?;
        Ok::<_, Failed>(mock)
    })?;
    rt.shutdown_background();
    drop(mock);

    let check_rt = runtime();
    let ttl: i64 = check_rt.block_on(async {
        let client = redis::Client::open(redis.url()).map_err(|err| err.to_string())?;
        let mut con = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|err| err.to_string())?;
        redis::cmd("PTTL")
            .arg(pacing.pause_key(DEMO_TEAM_ID, "calls.info"))
            .query_async::<i64>(&mut con)
            .await
            .map_err(|err| err.to_string())
    })?;
    check(ttl > 0, || {
        format!("the shared pause is not in Redis (PTTL {ttl})")
    })
}

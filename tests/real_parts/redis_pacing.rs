//! Pacing shared through a real `redis-server` (feature `redis`), against
//! the fake Slack, whose minute runs 10 times faster than real time and
//! which counts `calls.info` per workspace across all tokens, as Slack does:
//!
//! - four instances as separate OS processes (this test binary started
//!   again in its instance role), each with its own `App` and no shared
//!   memory, one Redis: a burst for one workspace meets no 429 and ends
//!   within 1.10x of the tier's minimum, on the fake's clock;
//! - the same burst paced locally only meets 429s (the count is printed);
//! - Redis killed in the middle of a run: calls go on locally, none lost or
//!   admitted twice, and shared pacing resumes once Redis is back.
//!
//! Never wall-clock assertions: counts, and the fake's request times.

use std::ffi::OsString;
use std::process::{Command, Stdio};
use std::time::Duration;

use libtest_mimic::Failed;
use slack_calls::{App, RateLimits, RedisPacing};
use slack_calls_mock::{DEMO_TEAM_ID, MockSlack, Verdict};

use crate::part::Part;
use crate::redis_server::RedisServer;

/// `redis-server` (Debian's package; `.ci/run` installs it).
pub static REDIS: Part = Part {
    what: "redis-server",
    env: "SLACK_CALLS_REDIS_SERVER",
    how: "apt-get install redis-server, or the path of a redis-server binary",
    on_path: Some("redis-server"),
    check: None,
};

pub(crate) const APP_ID: &str = "A0TEST";
/// The fake's minute lasts 6 real seconds: slow enough that a loaded CI
/// machine's scheduling delays stay inside the margin below.
const SCALE: f64 = 10.0;
/// A minute at the fake's scale: the client's rates run at the same scale
/// (`RateLimits::time_scale`), so tier 3 is 50 per 6 s, exactly (the
/// limiter counts each request from its answer, so no margin is needed).
const PERIOD: Duration = Duration::from_millis(6000);
const INSTANCES: usize = 4;
const PER_INSTANCE: usize = 50;
/// 200 calls at 50 a minute: the last batch goes 3 minutes after the first.
const TIER_MINIMUM: Duration = Duration::from_secs(180);

/// The environment variable that starts this binary in its instance role.
const ROLE: &str = "SLACK_CALLS_PACING_INSTANCE";

pub(crate) fn limits() -> RateLimits {
    RateLimits::slack_tiers().time_scale(SCALE)
}

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// In the instance role (a child process): send `PER_INSTANCE`
/// `calls.info` for one workspace at once, print `ok <n>`, and exit.
/// Returns `false` when this process is not an instance.
pub fn run_instance_if_asked() -> bool {
    let Ok(spec) = std::env::var(ROLE) else {
        return false;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [base_url, redis_url, token, call_id] = parts[..] else {
        eprintln!("bad {ROLE}: {spec}");
        std::process::exit(2);
    };
    let ok = runtime().block_on(async {
        let base_url = base_url.to_owned();
        let mut builder = App::builder(APP_ID)
            .rate_limits(limits())
            .clients(move |client| {
                client
                    .base_url(&base_url)
                    .max_rate_limit_wait(Duration::from_secs(120))
            });
        if !redis_url.is_empty() {
            builder = builder.redis(RedisPacing::new(redis_url, APP_ID).expect("a Redis URL"));
        }
        let app = builder.build().expect("an app");
        let client = app
            .workspace_with_token(DEMO_TEAM_ID, token)
            .expect("a client");
        let tasks: Vec<_> = (0..PER_INSTANCE)
            .map(|_| {
                let client = client.clone();
                let id = call_id.to_owned();
                tokio::spawn(async move { client.calls().info(id.as_str()).await.is_ok() })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            if task.await.unwrap_or(false) {
                ok += 1;
            }
        }
        ok
    });
    println!("ok {ok}");
    std::process::exit(0);
}

pub(crate) async fn fake_with_a_call() -> (MockSlack, String) {
    let mock = MockSlack::builder()
        .time_scale(SCALE)
        .start()
        .await
        .expect("the fake starts");
    let setup = mock.client(mock.user_token()).expect("a client");
    let id = setup
        .calls()
        .add("redis-burst", "https://example.com/j/1")
        .await
        .expect("calls.add")
        .call
        .id
        .to_string();
    (mock, id)
}

/// Starts the instances (bot and user tokens of the one workspace, in
/// turn) and returns how many calls each says succeeded.
fn run_instances(mock: &MockSlack, redis_url: &str, call_id: &str) -> Result<Vec<usize>, Failed> {
    let me = std::env::current_exe().map_err(|err| err.to_string())?;
    let children: Vec<_> = (0..INSTANCES)
        .map(|i| {
            let token = if i % 2 == 0 {
                mock.bot_token()
            } else {
                mock.user_token()
            };
            Command::new(&me)
                .env(
                    ROLE,
                    format!("{}|{redis_url}|{token}|{call_id}", mock.base_url()),
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
        })
        .collect::<Result<_, _>>()
        .map_err(|err| format!("could not start an instance: {err}"))?;
    let mut oks = Vec::new();
    for child in children {
        let out = child.wait_with_output().map_err(|err| err.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let ok = text
            .trim()
            .strip_prefix("ok ")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("an instance said {text:?} ({})", out.status))?;
        oks.push(ok);
    }
    Ok(oks)
}

pub(crate) struct Burst {
    pub(crate) ok: usize,
    pub(crate) refused: usize,
    /// From the first request to the last admitted one, on the fake's clock.
    pub(crate) span: Duration,
}

pub(crate) fn burst_seen_by(mock: &MockSlack) -> Burst {
    let log = mock.requests_for("calls.info");
    let refused = log
        .iter()
        .filter(|r| matches!(r.outcome, Verdict::RateLimited { .. }))
        .count();
    let admitted: Vec<_> = log.iter().filter(|r| r.outcome.is_ok()).collect();
    let first = log.iter().map(|r| r.at).min().unwrap_or_default();
    let last = admitted.iter().map(|r| r.at).max().unwrap_or_default();
    Burst {
        ok: admitted.len(),
        refused,
        span: last.saturating_sub(first),
    }
}

pub(crate) use crate::part::check;

pub fn four_processes_sharing_redis_meet_no_429(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let rt = runtime();
    let (mock, id) = rt.block_on(fake_with_a_call());
    let oks = run_instances(&mock, &redis.url(), &id)?;
    let burst = burst_seen_by(&mock);
    eprintln!(
        "shared through Redis: {} admitted, {} refused with 429, span {:.1} s of the fake's (minimum {} s, {:.3}x)",
        burst.ok,
        burst.refused,
        burst.span.as_secs_f64(),
        TIER_MINIMUM.as_secs(),
        burst.span.as_secs_f64() / TIER_MINIMUM.as_secs_f64()
    );
    check(oks == [PER_INSTANCE; INSTANCES], || {
        format!("every call succeeds: {oks:?}")
    })?;
    check(burst.refused == 0, || format!("{} 429s", burst.refused))?;
    check(burst.ok == INSTANCES * PER_INSTANCE, || {
        format!("{} admitted", burst.ok)
    })?;
    check(burst.span >= TIER_MINIMUM, || {
        format!("faster than the tier allows: {:?}", burst.span)
    })?;
    check(
        burst.span.as_secs_f64() <= TIER_MINIMUM.as_secs_f64() * 1.05,
        || format!("slower than 1.05x the minimum: {:?}", burst.span),
    )?;

    // The keys: per (app, workspace, method), no token text, expiring.
    rt.block_on(async {
        let client = redis::Client::open(redis.url()).map_err(|err| err.to_string())?;
        let mut con = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|err| err.to_string())?;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*")
            .query_async(&mut con)
            .await
            .map_err(|err| err.to_string())?;
        let pacing = RedisPacing::new(&redis.url(), APP_ID).map_err(|err| err.to_string())?;
        let expected = pacing.window_key(DEMO_TEAM_ID, "calls.info");
        let mut keys = keys;
        keys.sort();
        // Every permit ended: no open one is left, only the window and the
        // app's epoch.
        check(keys == [pacing.epoch_key(), expected.clone()], || {
            format!("keys: {keys:?}")
        })?;
        check(
            expected == "slack-calls:rl:{A0TEST:T0MOCK001:calls.info}",
            || expected.clone(),
        )?;
        check(!keys.iter().any(|k| k.contains("xox")), || {
            "token text in a key".to_owned()
        })?;
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&expected)
            .query_async(&mut con)
            .await
            .map_err(|err| err.to_string())?;
        check(ttl > 0 && ttl <= 2 * PERIOD.as_millis() as i64, || {
            format!("PTTL {ttl}")
        })
    })
}

pub fn the_same_burst_paced_locally_meets_429s() -> Result<(), Failed> {
    let rt = runtime();
    let (mock, id) = rt.block_on(fake_with_a_call());
    let oks = run_instances(&mock, "", &id)?;
    let burst = burst_seen_by(&mock);
    eprintln!(
        "paced locally only: {} admitted, {} refused with 429, span {:.1} s of the fake's",
        burst.ok,
        burst.refused,
        burst.span.as_secs_f64()
    );
    check(oks == [PER_INSTANCE; INSTANCES], || {
        format!("every call still succeeds: {oks:?}")
    })?;
    check(burst.ok == INSTANCES * PER_INSTANCE, || {
        format!("each admitted once: {}", burst.ok)
    })?;
    check(burst.refused > 0, || "no 429 at all".to_owned())
}

/// A client of one `App` paced through `redis` with the fake's demo user
/// token, quick to notice Redis gone and back (200 ms), and the pacing.
pub(crate) fn quick_to_fall_back(
    redis: &RedisServer,
    mock: &MockSlack,
) -> Result<(RedisPacing, slack_calls::Client), Failed> {
    let pacing = RedisPacing::new(&redis.url(), APP_ID)
        .map_err(|err| err.to_string())?
        .recheck_after(Duration::from_millis(200))
        .timeout(Duration::from_millis(200));
    let base_url = mock.base_url().to_owned();
    let app = App::builder(APP_ID)
        .rate_limits(limits())
        .redis(pacing.clone())
        .clients(move |client| {
            client
                .base_url(&base_url)
                .max_rate_limit_wait(Duration::from_secs(120))
        })
        .build()
        .map_err(|err| err.to_string())?;
    let client = app
        .workspace_with_token(DEMO_TEAM_ID, mock.user_token())
        .map_err(|err| err.to_string())?;
    Ok((pacing, client))
}

pub fn redis_killed_mid_run_then_back(program: &OsString) -> Result<(), Failed> {
    let mut redis = RedisServer::start(program)?;
    let rt = runtime();
    rt.block_on(async {
        let (mock, id) = fake_with_a_call().await;
        let (pacing, client) = quick_to_fall_back(&redis, &mock)?;
        let key = pacing.window_key(DEMO_TEAM_ID, "calls.info");
        let zcard = |url: String, key: String| async move {
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
        };

        let mut sent = 0;
        for wave in 0..5 {
            match wave {
                1 => redis.kill(),
                3 => {
                    redis.restart()?;
                    // Past the recheck delay: the next permit asks Redis.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                _ => {}
            }
            let tasks: Vec<_> = (0..30)
                .map(|_| {
                    let client = client.clone();
                    let id = id.clone();
                    tokio::spawn(async move { client.calls().info(id.as_str()).await })
                })
                .collect();
            for task in tasks {
                task.await
                    .map_err(|err| err.to_string())?
                    .map_err(|err| format!("wave {wave}: a call failed: {err}"))?;
                sent += 1;
            }
            // Wave 3 finds the restarted Redis (its first command may still
            // fail while the connection comes back); wave 4 is paced there.
            if wave == 0 || wave == 4 {
                let booked = zcard(redis.url(), key.clone()).await?;
                let stats = client.pacing_stats();
                check(booked >= 30, || {
                    format!("wave {wave} was not paced in Redis: {booked} in the window; {stats:?}")
                })?;
            }
        }
        let burst = burst_seen_by(&mock);
        eprintln!(
            "Redis killed and restarted: {sent} calls, {} admitted, {} refused with 429",
            burst.ok, burst.refused
        );
        check(burst.ok == 150, || {
            format!("each admitted once: {}", burst.ok)
        })?;
        // The fallback starts from a full window and a Redis that came back
        // empty is paced as full for a window: neither sends a 429's worth.
        check(burst.refused == 0, || {
            format!("{} 429s around the outage", burst.refused)
        })
    })
}

/// The events receiver's dedup store in Redis: two instances (two stores,
/// one Redis) claim each key once, even at the same moment; with Redis
/// gone a claim is an error (the receiver then handles the delivery).
#[cfg(feature = "events")]
pub fn dedup_claims_each_key_once_across_instances(program: &OsString) -> Result<(), Failed> {
    use slack_calls::events::{Claim, DedupStore, RedisDedup};
    use std::sync::Arc;

    let mut redis = RedisServer::start(program)?;
    let rt = runtime();
    rt.block_on(async {
        let first = Arc::new(RedisDedup::new(&redis.url(), APP_ID).map_err(|e| e.to_string())?);
        let second = Arc::new(RedisDedup::new(&redis.url(), APP_ID).map_err(|e| e.to_string())?);
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let store = if i % 2 == 0 { &first } else { &second };
                let store = Arc::clone(store);
                tokio::spawn(async move { store.claim("event:Ev0001").await.ok() })
            })
            .collect();
        let mut claims = Vec::new();
        for task in tasks {
            claims.push(task.await.map_err(|e| e.to_string())?);
        }
        let firsts = claims.iter().filter(|c| **c == Some(Claim::First)).count();
        let duplicates = claims
            .iter()
            .filter(|c| **c == Some(Claim::Duplicate))
            .count();
        check((firsts, duplicates) == (1, 19), || format!("{claims:?}"))?;
        check(
            matches!(second.claim("event:Ev0002").await, Ok(Claim::First)),
            || "a new key is first".to_owned(),
        )?;
        redis.kill();
        check(first.claim("event:Ev0003").await.is_err(), || {
            "a claim with Redis gone is an error".to_owned()
        })
    })
}

//! Pacing, side by side in one run: a burst's completion
//! against the tier's minimum, in process and through Redis, with 1 and 4
//! instances; the 429s of local-only pacing against Redis-shared pacing;
//! and what one permit costs through Redis against in process, next to the
//! cost of a whole call and of a raw reqwest request.
//!
//! `cargo bench -p slack-calls-benches --features redis --bench pacing`
//! (needs `redis-server` on PATH or in `SLACK_CALLS_REDIS_SERVER`). The fake's minute lasts 2 real
//! seconds (time scale 30), so burst figures are on the fake's clock; the
//! four instances here are four `App`s in one process that share nothing
//! but Redis (the test in tests/real_parts runs them as separate
//! processes).

use std::time::{Duration, Instant};

use slack_calls::{App, Client, Pacing, Rate, RateLimits, RedisPacing};
use slack_calls_mock::{DEMO_TEAM_ID, MockSlack, Verdict};

#[path = "../tests/real_parts/redis_server.rs"]
mod redis_server;
use redis_server::RedisServer;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const SCALE: f64 = 30.0;
/// Tier 3 at the fake's scale, exactly: the limiter counts each request
/// from its answer, so no margin is added for the trip to the fake.
const PERIOD: Duration = Duration::from_millis(2000);
const BURST: usize = 200;
/// 200 calls at 50 a (fake) minute: the last batch goes 3 minutes in.
const TIER_MINIMUM_SECS: f64 = 180.0;
const APP_ID: &str = "A0BENCH";

async fn fake() -> Res<(MockSlack, String)> {
    let mock = MockSlack::builder().time_scale(SCALE).start().await?;
    let id = mock
        .client(mock.user_token())?
        .calls()
        .add("bench", "https://example.com/j/1")
        .await?
        .call
        .id
        .to_string();
    Ok((mock, id))
}

fn app(mock: &MockSlack, limits: RateLimits, redis: Option<&str>) -> Res<App> {
    let base = mock.base_url().to_owned();
    let mut builder = App::builder(APP_ID).rate_limits(limits).clients(move |c| {
        c.base_url(&base)
            .max_rate_limit_wait(Duration::from_secs(120))
    });
    if let Some(url) = redis {
        builder = builder.redis(RedisPacing::new(url, APP_ID)?);
    }
    Ok(builder.build()?)
}

/// Sends `BURST` calls.info spread over `instances` apps at once; returns
/// (span on the fake's clock / minimum, 429s).
async fn burst(limits: RateLimits, redis: Option<&str>, instances: usize) -> Res<(f64, usize)> {
    let (mock, id) = fake().await?;
    let mut tasks = Vec::new();
    for i in 0..instances {
        let app = app(&mock, limits.clone(), redis)?;
        let token = if i % 2 == 0 {
            mock.bot_token()
        } else {
            mock.user_token()
        };
        let client = app.workspace_with_token(DEMO_TEAM_ID, token)?;
        for _ in 0..BURST / instances {
            let client = client.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                client.calls().info(id.as_str()).await.is_ok()
            }));
        }
    }
    for task in tasks {
        if !task.await? {
            return Err("a call failed".into());
        }
    }
    let log = mock.requests_for("calls.info");
    let refused = log
        .iter()
        .filter(|r| matches!(r.outcome, Verdict::RateLimited { .. }))
        .count();
    let first = log.iter().map(|r| r.at).min().unwrap_or_default();
    let last = log
        .iter()
        .filter(|r| r.outcome.is_ok())
        .map(|r| r.at)
        .max()
        .unwrap_or_default();
    Ok(((last - first).as_secs_f64() / TIER_MINIMUM_SECS, refused))
}

/// Mean time of `n` sequential calls with `client` (after a warm-up).
async fn per_call(client: &Client, id: &str, n: usize) -> Res<Duration> {
    for _ in 0..20 {
        client.calls().info(id).await?;
    }
    let start = Instant::now();
    for _ in 0..n {
        client.calls().info(id).await?;
    }
    Ok(start.elapsed() / u32::try_from(n)?)
}

async fn raw_reqwest(mock: &MockSlack, id: &str, n: usize) -> Res<Duration> {
    let http = reqwest::Client::new();
    let url = format!("{}calls.info", mock.base_url());
    let send = || {
        http.post(&url)
            .bearer_auth(mock.user_token())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("id={id}"))
            .send()
    };
    for _ in 0..20 {
        send().await?.bytes().await?;
    }
    let start = Instant::now();
    for _ in 0..n {
        send().await?.bytes().await?;
    }
    Ok(start.elapsed() / u32::try_from(n)?)
}

fn main() -> Res<()> {
    let program =
        redis_server::program().ok_or("needs redis-server on PATH or SLACK_CALLS_REDIS_SERVER")?;
    let redis = RedisServer::start(&program)?;
    let url = redis.url();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let window = RateLimits::off().method("calls.info", Rate::per(50, PERIOD));
        let spread = RateLimits::off()
            .method("calls.info", Rate::per(50, PERIOD).burst(3))
            .pacing(Pacing::Spread);
        println!("== burst of {BURST} calls.info at tier 3 (minimum {TIER_MINIMUM_SECS} s of the fake's clock)");
        println!("{:<44} {:>12} {:>6}", "case", "x minimum", "429s");
        let cases: [(&str, RateLimits, Option<&str>, usize); 6] = [
            ("in process, window, 1 instance", window.clone(), None, 1),
            ("in process, spread, 1 instance", spread, None, 1),
            ("in process (local only), window, 4 instances", window.clone(), None, 4),
            ("Redis, window, 1 instance", window.clone(), Some(&url), 1),
            ("Redis, window, 4 instances", window.clone(), Some(&url), 4),
            ("Redis, window, 4 instances (again)", window.clone(), Some(&url), 4),
        ];
        for (name, limits, redis, instances) in cases {
            let (ratio, refused) = burst(limits, redis, instances).await?;
            println!("{name:<44} {ratio:>12.3} {refused:>6}");
        }

        println!("\n== cost per call against the fake (sequential, mean of 2000)");
        let (mock, id) = fake().await?;
        let mock = {
            drop(mock);
            // An unlimited fake, so nothing waits.
            let mock = MockSlack::builder()
                .rate_limits(slack_calls_mock::LimitMode::Off)
                .start()
                .await?;
            let _ = id;
            mock
        };
        let id = mock
            .client(mock.user_token())?
            .calls()
            .add("bench-cost", "https://example.com/j/1")
            .await?
            .call
            .id
            .to_string();
        let huge = RateLimits::off().method("calls.info", Rate::per(1_000_000, Duration::from_secs(60)));
        let unpaced = app(&mock, RateLimits::off(), None)?.workspace_with_token(DEMO_TEAM_ID, mock.user_token())?;
        let local = app(&mock, huge.clone(), None)?.workspace_with_token(DEMO_TEAM_ID, mock.user_token())?;
        let shared = app(&mock, huge, Some(&url))?.workspace_with_token(DEMO_TEAM_ID, mock.user_token())?;
        let n = 2000;
        for round in 0..2 {
            let raw = raw_reqwest(&mock, &id, n).await?;
            let off = per_call(&unpaced, &id, n).await?;
            let inproc = per_call(&local, &id, n).await?;
            let redis = per_call(&shared, &id, n).await?;
            println!(
                "round {round}: raw reqwest {:>7.1} us | client unpaced {:>7.1} us | window in process {:>7.1} us | window via Redis {:>7.1} us",
                raw.as_secs_f64() * 1e6,
                off.as_secs_f64() * 1e6,
                inproc.as_secs_f64() * 1e6,
                redis.as_secs_f64() * 1e6
            );
            println!(
                "         permit in process {:>+6.1} us, permit via Redis {:>+6.1} us (vs unpaced); client unpaced vs raw {:.2}x",
                (inproc.as_secs_f64() - off.as_secs_f64()) * 1e6,
                (redis.as_secs_f64() - off.as_secs_f64()) * 1e6,
                off.as_secs_f64() / raw.as_secs_f64()
            );
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    drop(redis);
    Ok(())
}

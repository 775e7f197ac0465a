//! Pacing at Slack's real speed with every default: the `slack-calls-mock`
//! binary at time scale 1 with its tier limits, and apps built with nothing
//! but a base URL (and, for the shared run, `RedisPacing::new`'s defaults).
//!
//! Two bursts of 60 `calls.info` (tier 3: 50 a minute per workspace) run
//! at the same time, each for its own workspace:
//! - one OS process sending all 60;
//! - four OS processes sending 15 each, sharing a real `redis-server`.
//!
//! Each must meet no 429, every call must succeed, and the last call must
//! reach the fake no later than 1.05x the tier's minimum (the 51st call
//! cannot arrive before a minute after the first). The times are the
//! fake's own arrival times, read from its control API as any language
//! would read them. The test takes a little over a minute.

use std::ffi::OsString;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use libtest_mimic::Failed;
use serde_json::Value;
use slack_calls::{App, Client, RedisPacing};
use slack_calls_mock::DEMO_TEAM_ID;

use crate::fake_support::fake_process::MockProcess;
use crate::redis_pacing::{APP_ID, check, runtime};
use crate::redis_server::RedisServer;

/// The environment variable that starts this binary in its instance role.
const ROLE: &str = "SLACK_CALLS_REAL_SPEED_INSTANCE";
const CALLS: usize = 60;
const SHARED_BY: usize = 4;
/// The second workspace, for the run in one process.
const SOLO_TEAM: &str = "T0SOLO001";
const SOLO_TOKEN: &str = "xoxb-solo-real-speed";
const SOLO_USER: &str = "U0SOLO001";
/// 60 calls at 50 a minute: the 51st goes a minute after the first.
const TIER_MINIMUM: Duration = Duration::from_secs(60);

/// In the instance role: send `n` `calls.info` at once with an `App` built
/// with every default, print `ok <successes>`, and exit. Returns `false`
/// when this process is not an instance.
pub fn run_instance_if_asked() -> bool {
    let Ok(spec) = std::env::var(ROLE) else {
        return false;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [base_url, redis_url, team, token, call_id, n] = parts[..] else {
        eprintln!("bad {ROLE}: {spec}");
        std::process::exit(2);
    };
    let n: usize = n.parse().unwrap_or(0);
    let ok = runtime().block_on(async {
        let base_url = base_url.to_owned();
        let mut builder = App::builder(APP_ID).clients(move |client| client.base_url(&base_url));
        if !redis_url.is_empty() {
            builder = builder.redis(RedisPacing::new(redis_url, APP_ID).expect("a Redis URL"));
        }
        let app = builder.build().expect("an app");
        let client = app.workspace_with_token(team, token).expect("a client");
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let client = client.clone();
                let id = call_id.to_owned();
                tokio::spawn(async move { client.calls().info(id.as_str()).await })
            })
            .collect();
        let mut ok = 0;
        for task in tasks {
            match task.await {
                Ok(Ok(_)) => ok += 1,
                Ok(Err(err)) => eprintln!("a call failed: {err}"),
                Err(err) => eprintln!("a task failed: {err}"),
            }
        }
        ok
    });
    println!("ok {ok}");
    std::process::exit(0);
}

fn start_instance(
    base_url: &str,
    redis_url: &str,
    team: &str,
    token: &str,
    call: &str,
    n: usize,
) -> Result<Child, Failed> {
    let me = std::env::current_exe().map_err(|err| err.to_string())?;
    Command::new(me)
        .env(
            ROLE,
            format!("{base_url}|{redis_url}|{team}|{token}|{call}|{n}"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("could not start an instance: {err}").into())
}

fn successes(child: Child) -> Result<usize, Failed> {
    let out = child.wait_with_output().map_err(|err| err.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("ok ")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("an instance said {text:?} ({})", out.status).into())
}

/// One workspace's `calls.info` requests as the fake logged them: how many
/// were admitted, how many met a 429, and the span from the first arrival
/// to the last admitted one, on the fake's clock.
struct Seen {
    ok: usize,
    refused: usize,
    span: Duration,
}

async fn seen_by_the_fake(base_url: &str, team: &str) -> Result<Seen, Failed> {
    let root = base_url.trim_end_matches('/').trim_end_matches("/api");
    let url = format!("{root}/_mock/requests?method=calls.info&team_id={team}");
    let bytes = reqwest::get(&url)
        .await
        .map_err(|err| err.to_string())?
        .bytes()
        .await
        .map_err(|err| err.to_string())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|err| err.to_string())?;
    let requests = body["requests"]
        .as_array()
        .ok_or_else(|| format!("no request list from {url}: {body}"))?;
    let at = |r: &Value| r["at"].as_f64().unwrap_or(f64::NAN);
    let first = requests.iter().map(at).fold(f64::INFINITY, f64::min);
    let admitted: Vec<&Value> = requests.iter().filter(|r| r["outcome"] == "ok").collect();
    let last = admitted
        .iter()
        .map(|r| at(r))
        .fold(f64::NEG_INFINITY, f64::max);
    let refused = requests
        .iter()
        .filter(|r| r["outcome"] == "ratelimited")
        .count();
    Ok(Seen {
        ok: admitted.len(),
        refused,
        span: Duration::try_from_secs_f64(last - first).unwrap_or_default(),
    })
}

fn report(what: &str, oks: &[usize], seen: &Seen) -> Result<(), Failed> {
    let ratio = seen.span.as_secs_f64() / TIER_MINIMUM.as_secs_f64();
    eprintln!(
        "{what}: {} admitted, {} refused with 429, every instance's successes {oks:?}, \
         last arrival {:.2} s after the first (minimum {} s, {ratio:.3}x)",
        seen.ok,
        seen.refused,
        seen.span.as_secs_f64(),
        TIER_MINIMUM.as_secs(),
    );
    check(oks.iter().sum::<usize>() == CALLS, || {
        format!("{what}: every call succeeds: {oks:?}")
    })?;
    check(seen.refused == 0, || {
        format!("{what}: {} 429s", seen.refused)
    })?;
    check(seen.ok == CALLS, || format!("{what}: {} admitted", seen.ok))?;
    check(seen.span >= TIER_MINIMUM, || {
        format!("{what}: faster than the tier allows: {:?}", seen.span)
    })?;
    check(ratio <= 1.05, || {
        format!(
            "{what}: slower than 1.05x the tier's minimum: {:?}",
            seen.span
        )
    })
}

pub fn one_and_four_processes_at_real_speed_meet_no_429(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let fake = MockProcess::start(
        &[
            "--quiet",
            "--workspace",
            &format!("{SOLO_TEAM}:Solo"),
            "--user",
            &format!("{SOLO_TEAM}:{SOLO_USER}"),
            "--workspace-token",
            &format!("{SOLO_TEAM}:{SOLO_TOKEN}:bot:calls:read,calls:write"),
        ],
        Stdio::inherit(),
    );
    let rt = runtime();
    let base_url = fake.url.clone();
    let add_call = |token: String, user: &'static str| {
        let base_url = base_url.clone();
        async move {
            let client = Client::builder(token)
                .base_url(base_url)
                .build()
                .map_err(|err| err.to_string())?;
            let added = client
                .calls()
                .add("real-speed", "https://example.com/j/1")
                .created_by(user)
                .await
                .map_err(|err| err.to_string())?;
            Ok::<String, String>(added.call.id.to_string())
        }
    };
    let shared_call = rt.block_on(add_call(fake.bot_token.clone(), "U0MOCK001"))?;
    let solo_call = rt.block_on(add_call(SOLO_TOKEN.to_owned(), SOLO_USER))?;

    // Every process starts at once: the four sharing Redis (the bot and
    // the user token of one workspace, in turn), and the one alone.
    let shared: Vec<Child> = (0..SHARED_BY)
        .map(|i| {
            let token = if i % 2 == 0 {
                &fake.bot_token
            } else {
                &fake.user_token
            };
            start_instance(
                &fake.url,
                &redis.url(),
                DEMO_TEAM_ID,
                token,
                &shared_call,
                CALLS / SHARED_BY,
            )
        })
        .collect::<Result<_, _>>()?;
    let alone = start_instance(&fake.url, "", SOLO_TEAM, SOLO_TOKEN, &solo_call, CALLS)?;
    let shared_oks: Vec<usize> = shared
        .into_iter()
        .map(successes)
        .collect::<Result<_, _>>()?;
    let alone_ok = successes(alone)?;

    let seen_shared = rt.block_on(seen_by_the_fake(&fake.url, DEMO_TEAM_ID))?;
    let seen_alone = rt.block_on(seen_by_the_fake(&fake.url, SOLO_TEAM))?;
    let one = report("one process", &[alone_ok], &seen_alone);
    let four = report("four processes sharing Redis", &shared_oks, &seen_shared);
    one.and(four)
}

//! Token rotation across OS processes (issue "Tokens that rotate", item 3):
//! four processes share one PostgreSQL (a cluster this test starts) and
//! drive Calls for three days of the fake's clock against one rotating
//! installation, the fake's clock 14,400 times real time so a 12-hour
//! token expires every 3 real seconds. Expected, and checked from the
//! fake's own log: callers meet no `token_expired`, Slack refuses no
//! refresh (`invalid_refresh_token`), one refresh per token lifetime (each
//! refresh at least the lifetime less the window after the one before, not
//! one per process), and the installation works at the end. Then the same
//! with a refresh's answer lost once, and with every process killed
//! (`kill -9`) while a refresh is on the wire, new processes taking over.
//!
//! Each process's clock ([`ScaledClock`]) runs at the fake's speed from a
//! shared origin, so "expires within the window" means the same to all.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use libtest_mimic::Failed;
use slack_calls::{
    App, CallUser, Clock, Installation, InstallationStore, PostgresStore, RateLimits, Sleep,
    TokenKeys,
};
use slack_calls_mock::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, Fault, MockSlack, Verdict,
};

use crate::postgres_server::PostgresServer;
use crate::redis_pacing::{check, runtime};

/// The fake's clock runs this many times real time: a 12-hour token
/// lives 3 real seconds.
const SCALE: f64 = 14_400.0;
/// Three days of the fake's clock.
const RUN: Duration = Duration::from_secs(3 * 24 * 3600);
/// Slack's token lifetime and the app's default window before it.
const LIFETIME: Duration = Duration::from_secs(43_200);
const WINDOW: Duration = Duration::from_secs(2 * 3600);
/// How long a spent refresh token stays good at the fake here: 24 hours
/// of its clock, 6 real seconds, so that processes started again after a
/// crash find it still good (at Slack's speed the fake's default is 10
/// minutes; Slack says only "a short grace period").
const GRACE: Duration = Duration::from_secs(24 * 3600);
const PROCESSES: usize = 4;
const ROLE: &str = "SLACK_CALLS_ROTATION_INSTANCE";

fn keys() -> TokenKeys {
    TokenKeys::new("rot", &[5u8; 32]).expect("a key")
}

/// Real time, with a wall clock that runs `SCALE` times faster from a
/// shared origin (Unix milliseconds), as the fake's clock does.
struct ScaledClock {
    origin: SystemTime,
}

impl Clock for ScaledClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
    fn wall(&self) -> SystemTime {
        let real = SystemTime::now()
            .duration_since(self.origin)
            .unwrap_or_default();
        self.origin + real.mul_f64(SCALE)
    }
}

fn origin_of(millis: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(millis)
}

/// One app instance, in a process of its own: calls `calls.add` and
/// `calls.end` until its clock has run `until` (Unix milliseconds of the
/// scaled wall clock), then prints what it met.
pub fn run_instance_if_asked() -> bool {
    let Ok(spec) = std::env::var(ROLE) else {
        return false;
    };
    let parts: Vec<&str> = spec.split('|').collect();
    let [params, base_url, origin, until] = parts[..] else {
        eprintln!("bad {ROLE}: {spec}");
        std::process::exit(2);
    };
    let (Ok(origin), Ok(until)) = (origin.parse::<u64>(), until.parse::<u64>()) else {
        eprintln!("bad {ROLE}: {spec}");
        std::process::exit(2);
    };
    let summary = runtime().block_on(async {
        let clock = Arc::new(ScaledClock {
            origin: origin_of(origin),
        });
        let store = PostgresStore::connect(params, keys())
            .await
            .expect("the store");
        let base_url = base_url.to_owned();
        let clients_clock = clock.clone();
        let app = App::builder("A0MOCKAPP")
            .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .rate_limits(RateLimits::slack_tiers().time_scale(SCALE))
            .clients(move |client| {
                client
                    .base_url(&base_url)
                    .clock(ScaledHandle(clients_clock.clone()))
            })
            .build_with_store(store)
            .await
            .expect("an app");
        let until = origin_of(until);
        let (mut ok, mut expired, mut other) = (0u64, 0u64, 0u64);
        let mut n = 0u64;
        while clock.wall() < until {
            n += 1;
            let client = match app.workspace(DEMO_TEAM_ID) {
                Ok(client) => client,
                Err(err) => {
                    eprintln!("no client: {err}");
                    other += 1;
                    continue;
                }
            };
            let added = client
                .calls()
                .add(
                    format!("p{}-{n}", std::process::id()),
                    "https://example.com/r",
                )
                .created_by("U0MOCK001")
                .users([CallUser::slack("U0MOCK002")])
                .await;
            let result = match added {
                Ok(added) => client.calls().end(added.call.id.as_str()).await.map(|_| ()),
                Err(err) => {
                    tally(&err.to_string(), &mut expired, &mut other);
                    continue;
                }
            };
            match result {
                Ok(()) => ok += 1,
                Err(err) => tally(&err.to_string(), &mut expired, &mut other),
            }
            // A few calls per fake hour from each process: every window is
            // entered, on two shared cores.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        format!(
            "ok {ok} expired {expired} other {other} refreshes {}",
            app.token_refreshes()
        )
    });
    println!("{summary}");
    std::process::exit(0);
}

fn tally(error: &str, expired: &mut u64, other: &mut u64) {
    eprintln!("a call failed: {error}");
    if error.contains("token_expired") {
        *expired += 1;
    } else {
        *other += 1;
    }
}

/// The scaled clock, shared by the app's clients.
#[derive(Clone)]
struct ScaledHandle(Arc<ScaledClock>);

impl Clock for ScaledHandle {
    fn now(&self) -> Instant {
        self.0.now()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.sleep(duration)
    }
    fn wall(&self) -> SystemTime {
        self.0.wall()
    }
}

fn millis(at: SystemTime) -> u64 {
    u64::try_from(
        at.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(0)
}

/// Starts one instance in process group `group` (0: a new group led by
/// the instance).
fn start_instance(
    params: &str,
    base_url: &str,
    origin: u64,
    until: u64,
    group: i32,
) -> Result<Child, Failed> {
    let me = std::env::current_exe().map_err(|err| err.to_string())?;
    Command::new(me)
        .env(ROLE, format!("{params}|{base_url}|{origin}|{until}"))
        .process_group(group)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("could not start an instance: {err}").into())
}

/// What one instance printed: calls done, `token_expired` met, other
/// failures, refreshes it made.
fn summary(child: Child) -> Result<[u64; 4], Failed> {
    let out = child.wait_with_output().map_err(|err| err.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<u64> = text
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    numbers
        .try_into()
        .map_err(|_| format!("an instance said {text:?} ({})", out.status).into())
}

/// The refreshes the fake logged: (its clock's time, answered ok, lost).
fn refreshes(mock: &MockSlack) -> Vec<(Duration, bool, bool)> {
    mock.requests_for("oauth.v2.access")
        .into_iter()
        .filter(|request| {
            request
                .params
                .iter()
                .any(|(name, value)| name == "grant_type" && value == "refresh_token")
        })
        .map(|request| {
            (
                request.at,
                request.outcome == Verdict::Ok,
                request.injected.is_some(),
            )
        })
        .collect()
}

/// How a run goes wrong on purpose.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Trouble {
    None,
    /// The first refresh's answer is lost (the fake acts, then closes the
    /// connection).
    AnswerLost,
    /// Every process is killed while the first refresh's answer is on the
    /// wire (the fake acted and holds the answer back); four new ones take
    /// over.
    KilledMidRefresh,
}

fn run(bin: &OsString, trouble: Trouble) -> Result<(), Failed> {
    let server = PostgresServer::start(bin)?;
    let params = server.params();
    runtime().block_on(async {
        let origin = SystemTime::now();
        let mock = MockSlack::builder()
            .token_rotation(true)
            .refresh_grace(GRACE)
            .time_scale(SCALE)
            .start()
            .await?;
        let clock = ScaledClock { origin };
        // Installed as the install flow does, its expiry on the shared
        // clock. A code lives 10 minutes of the fake's clock, 42 real ms
        // here: one that expired before its exchange is asked for again.
        let slack = slack_calls::Client::app_builder(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .base_url(mock.base_url())
            .build()?;
        let mut tries = 0;
        let answer = loop {
            tries += 1;
            let code =
                mock.start_install(DEMO_TEAM_ID, ["calls:read", "calls:write"], ["calls:read"])?;
            match slack.oauth().v2().access().code(code).await {
                Ok(answer) => break answer,
                Err(err) if tries < 20 && err.slack_code() == Some("invalid_code") => continue,
                Err(err) => return Err(err.into()),
            }
        };
        let mut installation = Installation::from_access(&answer).ok_or("an installation")?;
        if let Some(bot) = installation.bot.as_mut() {
            bot.grant.expires_at = Some(clock.wall() + LIFETIME);
        }
        PostgresStore::connect(&params, keys())
            .await?
            .save(&installation)
            .await?;
        match trouble {
            Trouble::None => {}
            Trouble::AnswerLost => mock.fault("oauth.v2.access", Fault::DropAfterHandling, 1),
            Trouble::KilledMidRefresh => mock.fault(
                "oauth.v2.access",
                Fault::Delay(Duration::from_secs(600)),
                1,
            ),
        }
        let until = millis(clock.wall() + RUN);
        let origin_ms = millis(origin);
        let base_url = mock.base_url().to_owned();
        // The four share one process group, so that one signal kills them
        // all at once: killed one by one, a process still running after the
        // holder died could take the hold, spend the refresh token again
        // and die before saving, a second refresh the crash (not a race)
        // caused.
        let start = || -> Result<Vec<Child>, Failed> {
            let first = start_instance(&params, &base_url, origin_ms, until, 0)?;
            let group = i32::try_from(first.id()).map_err(|err| err.to_string())?;
            let mut children = vec![first];
            for _ in 1..PROCESSES {
                children.push(start_instance(&params, &base_url, origin_ms, until, group)?);
            }
            Ok(children)
        };
        let mut children = start()?;
        let mut killed = 0;
        if trouble == Trouble::KilledMidRefresh {
            // Wait for the refresh the fake has acted on and holds back.
            while refreshes(&mock).is_empty() {
                if let Some(done) = children.iter_mut().find_map(|c| c.try_wait().ok().flatten()) {
                    return Err(format!("an instance ended before any refresh: {done}").into());
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let group = i32::try_from(children[0].id()).map_err(|err| err.to_string())?;
            // SAFETY: killpg takes plain integers and touches no memory.
            if unsafe { libc::killpg(group, libc::SIGKILL) } != 0 {
                return Err(format!("killpg: {}", std::io::Error::last_os_error()).into());
            }
            for child in &mut children {
                child.wait().map_err(|err| err.to_string())?;
                killed += 1;
            }
            children = start()?;
        }
        let mut totals = [0u64; 4];
        for child in children {
            let numbers = tokio::task::spawn_blocking(move || summary(child))
                .await
                .map_err(|err| err.to_string())??;
            for (total, n) in totals.iter_mut().zip(numbers) {
                *total += n;
            }
        }
        let [ok, expired, other, made] = totals;
        let seen = refreshes(&mock);
        let refused = mock
            .requests_for("oauth.v2.access")
            .into_iter()
            .filter(|r| matches!(&r.outcome, Verdict::Error(code) if code == "invalid_refresh_token"))
            .count();
        let calls_expired = ["calls.add", "calls.end"]
            .iter()
            .flat_map(|method| mock.requests_for(method))
            .filter(|r| r.outcome == Verdict::Error("token_expired".into()))
            .count();
        // One exchange per token lifetime: the ones whose answer came (the
        // lost or held-back one is sent again with the same refresh token).
        let answered: Vec<Duration> = seen
            .iter()
            .filter(|(_, ok, lost)| *ok && !*lost)
            .map(|(at, _, _)| *at)
            .collect();
        let spacing = answered
            .windows(2)
            .map(|pair| pair[1].saturating_sub(pair[0]))
            .min()
            .unwrap_or(LIFETIME);
        let lifetimes = answered.len();
        eprintln!(
            "rotation, {PROCESSES} processes, {trouble:?}: {ok} call pairs done over 3 days of the \
             fake's clock; token_expired met by callers {expired}, seen by the fake {calls_expired}; \
             other failures {other}; invalid_refresh_token {refused}; refresh exchanges {} \
             ({lifetimes} answered, one per token lifetime, closest two {:.1} h apart on the fake's \
             clock), refreshes the processes counted {made}; processes killed {killed}",
            seen.len(),
            spacing.as_secs_f64() / 3600.0,
        );
        check(ok > 0, || "calls were made".into())?;
        check(expired == 0 && calls_expired == 0, || {
            format!("callers met token_expired: {expired} (the fake saw {calls_expired})")
        })?;
        check(refused == 0, || format!("{refused} refreshes refused"))?;
        check(other == 0, || format!("{other} calls failed otherwise"))?;
        // Three days of 12-hour tokens refreshed 2 hours early: about one
        // refresh per 10 hours, never one per process.
        let most = (RUN.as_secs() / (LIFETIME - WINDOW).as_secs()) as usize + 1;
        check((6..=most).contains(&lifetimes), || {
            format!("{lifetimes} answered refreshes in 3 days (expected 6 to {most})")
        })?;
        check(spacing >= (LIFETIME - WINDOW).mul_f64(0.9), || {
            format!("two refreshes only {spacing:?} apart: one token refreshed twice")
        })?;
        if trouble == Trouble::None {
            check(made as usize == lifetimes && seen.len() == lifetimes, || {
                format!("the processes made {made} refreshes, the fake saw {}", seen.len())
            })?;
        } else {
            check(seen.len() == lifetimes + 1, || {
                format!("one refresh sent again: {} exchanges for {lifetimes}", seen.len())
            })?;
        }
        // Still installed and working.
        let store = PostgresStore::connect(&params, keys()).await?;
        let stored = store
            .find_team(DEMO_TEAM_ID)
            .await?
            .ok_or("the installation is still stored")?;
        let token = stored.token().ok_or("a token")?.clone();
        mock.client(token.expose_secret())?.auth().test().await?;
        Ok(())
    })
}

pub fn four_processes_refresh_once_per_expiry(bin: &OsString) -> Result<(), Failed> {
    run(bin, Trouble::None)
}

pub fn a_lost_refresh_answer_loses_nothing(bin: &OsString) -> Result<(), Failed> {
    run(bin, Trouble::AnswerLost)
}

pub fn processes_killed_mid_refresh_lose_nothing(bin: &OsString) -> Result<(), Failed> {
    run(bin, Trouble::KilledMidRefresh)
}

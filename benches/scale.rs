//! Costs that grow with work: one `App` serving 10, 100, 1,000 and 10,000
//! workspaces, each called with several methods (`calls.info`,
//! `calls.update`, `auth.test`), against the fake in this process.
//!
//! For each size it reports, in one run:
//! - **time per call**: rounds of calls spread over random workspaces and
//!   methods, 16 at a time, and the ratio to the smallest size;
//! - **p99 while stats are read**: the same rounds, with another task
//!   reading one client's `pacing_stats()` in a loop (yielding to the
//!   runtime between reads, as any task must), and the ratio to the p99
//!   without it;
//! - **memory per workspace**: live heap bytes (a counting allocator). The
//!   installations alone: an app built with them, then dropped. Beyond
//!   them while active: the growth while every workspace is called with
//!   every method (clients dropped after each call). After an idle window
//!   (the clients' clock moved past the longest pacing period, then a few
//!   calls to one workspace, which sweep idle state): what dropping the
//!   app then gives back, less the installations alone. The rest (the
//!   connection pool) is the same at every size.
//!
//! The fake and the installations are built before the first reading, so
//! the figures are the app's own. Rate limits: the client's defaults (Slack's
//! tiers; the rounds stay under them, and the clients' test clock moves a
//! window between rounds); the fake's are off.
//!
//! `cargo bench --locked -p slack-calls-benches --bench scale` (add
//! `-- --quick` for a smoke run).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use slack_calls::{App, Client, Installation, TestClock, TokenKind};
use slack_calls_mock::{LimitMode, MockSlack, MockWorkspace};

#[global_allocator]
static ALLOCATOR: slack_calls_benches::Counting = slack_calls_benches::Counting;

use slack_calls_benches::live;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const APP_ID: &str = "A0SCALE";
const CONCURRENCY: usize = 16;
/// A window of Slack's minute, and a little more.
const WINDOW: Duration = Duration::from_secs(61);

struct Sizes {
    workspaces: &'static [usize],
    calls_per_round: usize,
    rounds: usize,
}

const FULL: Sizes = Sizes {
    workspaces: &[10, 100, 1_000, 10_000],
    calls_per_round: 600,
    rounds: 9,
};

const QUICK: Sizes = Sizes {
    workspaces: &[10, 100],
    calls_per_round: 120,
    rounds: 1,
};

fn team(n: usize) -> String {
    format!("T{n:07}")
}

fn token(n: usize) -> String {
    format!("xoxb-scale-{n}")
}

fn user(n: usize) -> String {
    format!("U{n:07}")
}

/// One size's figures.
struct Row {
    workspaces: usize,
    per_call: Duration,
    p99: Duration,
    p99_reading: Duration,
    reads: u64,
    active_per_workspace: f64,
    idle_per_workspace: f64,
    installations_per_workspace: f64,
}

/// A small deterministic generator (xorshift), so every run picks the
/// same workspaces.
struct Picks(u64);

impl Picks {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % below as u64).unwrap_or(0)
    }
}

/// One call of the mix: method `which` (0 to 2) for workspace `n`.
async fn one_call(app: &App, calls: &[String], n: usize, which: usize) -> Res<()> {
    let client = app.workspace(&team(n))?;
    match which {
        0 => drop(client.calls().info(calls[n].as_str()).await?),
        1 => drop(
            client
                .calls()
                .update(calls[n].as_str())
                .title("scaled")
                .await?,
        ),
        _ => drop(client.auth().test().await?),
    }
    Ok(())
}

/// One round of `count` calls, `CONCURRENCY` at a time: each call's time.
async fn round(app: &App, calls: &Arc<Vec<String>>, count: usize, seed: u64) -> Res<Vec<Duration>> {
    let mut picks = Picks(seed | 1);
    let jobs: Vec<(usize, usize)> = (0..count)
        .map(|_| (picks.next(calls.len()), picks.next(3)))
        .collect();
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (app, calls, jobs, next) = (app.clone(), calls.clone(), jobs.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let i = usize::try_from(next.fetch_add(1, Ordering::Relaxed)).unwrap_or(usize::MAX);
                let Some(&(n, which)) = jobs.get(i) else {
                    return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(times);
                };
                let start = Instant::now();
                one_call(&app, &calls, n, which).await?;
                times.push(start.elapsed());
            }
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        all.extend(task.await??);
    }
    Ok(all)
}

fn p99(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    let i = (times.len() * 99).div_ceil(100).saturating_sub(1);
    times.get(i).copied().unwrap_or_default()
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// One size, set up: its fake, its Calls, its app, and what was measured
/// before the rounds.
struct Size {
    n: usize,
    mock: MockSlack,
    calls: Arc<Vec<String>>,
    clock: TestClock,
    app: App,
    installations_alone: isize,
    base: isize,
    active: isize,
    per_call: Vec<Duration>,
    quiet: Vec<Duration>,
    reading: Vec<Duration>,
    reads: u64,
}

async fn set_up(n: usize) -> Res<Size> {
    let mut builder = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .log_capacity(0);
    for i in 0..n {
        builder = builder.workspace(
            MockWorkspace::new(team(i), format!("Scale {i}"))
                .users([user(i)])
                .token(token(i), TokenKind::Bot, ["calls:read", "calls:write"]),
        );
    }
    let mock = builder.start().await?;
    // One Call per workspace, added by plain clients before anything is
    // measured.
    let mut calls = Vec::with_capacity(n);
    for i in 0..n {
        let client: Client = mock.client(&token(i))?;
        let added = client
            .calls()
            .add(format!("scale-{i}"), "https://example.com/j/1")
            .created_by(user(i))
            .title("scaled")
            .await?;
        calls.push(added.call.id.to_string());
    }
    let calls = Arc::new(calls);

    // Sleeps end at once (moving the clock), so a pacing wait the mix
    // did not plan for shows as time, never as a hang.
    let clock = TestClock::new();
    let url = mock.base_url().to_owned();
    let new_app = || -> Res<App> {
        let (clock, url) = (clock.clone(), url.clone());
        let app = App::builder(APP_ID)
            .clients(move |client| client.base_url(&url).clock(clock.clone()))
            .build()?;
        for i in 0..n {
            app.install(Installation::new(team(i), [token(i)]));
        }
        Ok(app)
    };
    // What an app with only its installations costs: built, then dropped.
    let before = live();
    let fresh = new_app()?;
    let installations_alone = live() - before;
    drop(fresh);
    let app = new_app()?;
    // Warm the connection pool on one workspace, then let that window go.
    round(&app, &Arc::new(vec![calls[0].clone()]), CONCURRENCY, 7).await?;
    clock.advance(WINDOW);
    round(&app, &Arc::new(vec![calls[0].clone()]), 3, 9).await?;
    let base = live();

    // Every workspace, every method: what the app keeps while they are
    // active (the clients themselves are dropped after each call).
    for i in 0..n {
        for which in 0..3 {
            one_call(&app, &calls, i, which).await?;
        }
    }
    let active = live();
    clock.advance(WINDOW);
    Ok(Size {
        n,
        mock,
        calls,
        clock,
        app,
        installations_alone,
        base,
        active,
        per_call: Vec::new(),
        quiet: Vec::new(),
        reading: Vec::new(),
        reads: 0,
    })
}

/// One round for one size without, then with, a reader of one client's
/// stats; the clock moves a window after each.
async fn rounds(size: &mut Size, calls_per_round: usize, seed: u64) -> Res<()> {
    let (app, calls, clock) = (&size.app, &size.calls, &size.clock);
    let start = Instant::now();
    let mut times = round(app, calls, calls_per_round, seed).await?;
    size.per_call
        .push(start.elapsed() / u32::try_from(calls_per_round)?);
    size.quiet.push(p99(&mut times));
    clock.advance(WINDOW);

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, client) = (stop.clone(), app.workspace(&team(0))?);
        tokio::spawn(async move {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                std::hint::black_box(client.pacing_stats());
                reads += 1;
                tokio::task::yield_now().await;
            }
            reads
        })
    };
    let mut times = round(app, calls, calls_per_round, seed).await?;
    stop.store(true, Ordering::Relaxed);
    size.reads += reader.await?;
    size.reading.push(p99(&mut times));
    clock.advance(WINDOW);
    Ok(())
}

/// After the rounds: an idle window, then what the app keeps.
async fn finish(size: Size) -> Res<Row> {
    let Size {
        n,
        mock,
        calls,
        clock,
        app,
        installations_alone,
        base,
        active,
        per_call,
        quiet,
        reading,
        reads,
    } = size;
    // An idle window has passed since the last round; a few calls to one
    // workspace (each sweeps its own shard of the limiter and one other in
    // turn) sweep what is idle.
    clock.advance(WINDOW);
    for i in 0..96 {
        one_call(&app, &calls, 0, i % 3).await?;
    }
    // The app's own size now: what dropping it gives back (the fake and
    // the runtime keep theirs), against the app with installations alone.
    let idle = live();
    drop(app);
    let app_idle = idle - live();
    let per_workspace = |bytes: isize| bytes as f64 / n as f64;
    let row = Row {
        workspaces: n,
        per_call: median(per_call),
        p99: median(quiet),
        p99_reading: median(reading),
        reads,
        active_per_workspace: per_workspace(active - base),
        idle_per_workspace: per_workspace(app_idle - installations_alone),
        installations_per_workspace: per_workspace(installations_alone),
    };
    drop(mock);
    Ok(row)
}

fn main() -> Res<()> {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let mut sizes = if quick { QUICK } else { FULL };
    if let Some(rounds) = std::env::var("SCALE_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
    {
        sizes.rounds = rounds;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    println!(
        "one App, {} calls a round ({} at a time), {} rounds, methods calls.info, calls.update, auth.test",
        sizes.calls_per_round, CONCURRENCY, sizes.rounds
    );
    // Every size is set up one after another (the memory readings need
    // nothing else running), then the rounds go through the sizes in turn,
    // so the machine's noise falls on all of them alike.
    let mut set = Vec::new();
    for &n in sizes.workspaces {
        set.push(rt.block_on(set_up(n))?);
    }
    for r in 0..sizes.rounds {
        let seed = 0x9E37_79B9_7F4A_7C15 ^ (r as u64);
        for size in &mut set {
            rt.block_on(rounds(size, sizes.calls_per_round, seed))?;
        }
    }
    let mut rows = Vec::new();
    for size in set {
        let row = rt.block_on(finish(size))?;
        let n = row.workspaces;
        println!(
            "  {n} workspaces: {:.1} µs per call; p99 {:.2} ms, {:.2} ms while stats are read ({} reads); \
             installations {:.0} B per workspace; the app's memory beyond them per workspace: \
             {:.0} B active, {:.1} B after an idle window",
            row.per_call.as_secs_f64() * 1e6,
            row.p99.as_secs_f64() * 1e3,
            row.p99_reading.as_secs_f64() * 1e3,
            row.reads,
            row.installations_per_workspace,
            row.active_per_workspace,
            row.idle_per_workspace,
        );
        rows.push(row);
    }
    let first = rows.first().map(|row| row.per_call).unwrap_or_default();
    println!();
    println!(
        "| workspaces | per call | vs {} | p99 | p99 while stats are read | ratio | installations, bytes per workspace | beyond them, active | after an idle window |",
        rows.first().map_or(0, |row| row.workspaces)
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {:.1} µs | {:.2}x | {:.2} ms | {:.2} ms | {:.2}x | {:.0} | {:.0} | {:.1} |",
            row.workspaces,
            row.per_call.as_secs_f64() * 1e6,
            row.per_call.as_secs_f64() / first.as_secs_f64(),
            row.p99.as_secs_f64() * 1e3,
            row.p99_reading.as_secs_f64() * 1e3,
            row.p99_reading.as_secs_f64() / row.p99.as_secs_f64(),
            row.installations_per_workspace,
            row.active_per_workspace,
            row.idle_per_workspace,
        );
    }
    Ok(())
}

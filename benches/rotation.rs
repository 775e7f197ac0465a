//! Token rotation: what the "is it about to expire?" check costs per call,
//! and what one refresh costs through each store, against the fake in this
//! process, each side by side with its floor in one run.
//!
//! - **The check per call.** Two apps against one fake (token rotation on,
//!   its rate limits off), built the same way (the app's credentials, its
//!   pacing off, the system clock), each with the demo workspace
//!   installed: one with the rotating installation `oauth.v2.access`
//!   gives (`xoxe.xoxb-1-…`, 12 hours, far from expiry: no refresh during
//!   the run), one with `Installation::new(team, [token])` of a bot token
//!   the fake installed with rotation off (`xoxb-1-…`; no expiry: its
//!   clients never look; an installed token rather than the fake's
//!   built-in demo token, so the fake's side differs only in the token's
//!   length and its expiry check). A workspace client of each
//!   (`app.workspace(team)`, made once and kept):
//!   - (a) **end to end**: `auth.test` through each on loopback, the two
//!     taking turns call by call (who goes first alternating), each call
//!     timed alone; medians and p99s, their ratio and difference, and the
//!     median of the paired differences.
//!   - (b) **the check in isolation**: `calls.add` without `created_by`,
//!     which a bot token must send, is refused (`Error::InvalidRequest`)
//!     before anything leaves the process and before the limiter, but
//!     after the rotating client has taken its token from the app (cache
//!     lookup, expiry against the clock); the fixed token's client skips
//!     that step, and nothing else differs on the path. Batches of calls,
//!     the two taking turns batch by batch; the median of the batches'
//!     time per call. Beside it `app.workspace(team)` alone (a rotating
//!     installation's client also finds its key).
//!
//!   Beside each, the allocations per call (a counting global allocator,
//!   the whole process's: in (a) the fake's too).
//! - **One refresh through each store**: an app without a store (memory),
//!   one over a `SqliteStore` (a file in a temp dir) and one over a
//!   `PostgresStore` (a cluster this bench starts), each against a fake of
//!   its own with token rotation on, on a `TestClock`. Each repetition
//!   moves the fake's clock and the app's by 11 hours, into the refresh
//!   window (120 minutes before the 12-hour expiry) of the token the last
//!   repetition got, then times an `auth.test` that refreshes first
//!   (`App::token_refreshes` checked to grow by exactly one) and one right
//!   after that does not. The stores are wrapped to time
//!   `hold_for_refresh` and the save under the hold. The stores take turns
//!   (who goes first rotating).
//!
//! `cargo bench --locked -p slack-calls-benches --features sqlite,postgres
//! --bench rotation` (add `-- --quick` for a smoke run). The PostgreSQL row
//! needs the feature `postgres` and `SLACK_CALLS_PG_BIN` naming Debian's
//! PostgreSQL programs (e.g. `/usr/lib/postgresql/15/bin`); without them it
//! is skipped, and the output says why. See BENCHMARKS.md.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[path = "support/timed_store.rs"]
mod timed_store;
use timed_store::{Op, Sink, Timed};

use slack_calls::{
    App, Client, Installation, InstallationStore, RateLimits, SqliteStore, TestClock, TokenKeys,
};
use slack_calls_mock::{
    DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, LimitMode, MockSlack,
};

#[cfg(feature = "postgres")]
#[path = "../tests/real_parts/postgres_server.rs"]
#[allow(dead_code)] // the tests also stop, restart and dump theirs
mod postgres_server;

#[global_allocator]
static ALLOCATOR: slack_calls_benches::Counting = slack_calls_benches::Counting;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Long enough that no app here follows its store during the run.
const NO_POLL: Duration = Duration::from_secs(24 * 60 * 60);
/// Into the default refresh window (120 minutes before a 12-hour token
/// expires) of the token the last refresh got.
const INTO_WINDOW: Duration = Duration::from_secs(11 * 3600);
const BOT_SCOPES: [&str; 2] = ["calls:read", "calls:write"];

#[derive(Clone, Copy)]
struct Sizes {
    /// (a): `auth.test` pairs, one call of each contender per pair.
    pairs: usize,
    /// (b): rounds of batches, and calls per batch.
    rounds: usize,
    batch: usize,
    /// Refreshes per store.
    refreshes: usize,
}

const FULL: Sizes = Sizes {
    pairs: 20_000,
    rounds: 15,
    batch: 50_000,
    refreshes: 1_000,
};

const QUICK: Sizes = Sizes {
    pairs: 500,
    rounds: 3,
    batch: 2_000,
    refreshes: 20,
};

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn p99(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    let i = (values.len() * 99).div_ceil(100).saturating_sub(1);
    values.get(i).copied().unwrap_or_default()
}

/// The median of signed differences, in nanoseconds.
fn median_signed(mut values: Vec<f64>) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn nanos(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn keys() -> Res<TokenKeys> {
    Ok(TokenKeys::new("k1", &[7u8; 32])?)
}

/// A directory of the run's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Res<TempDir> {
        let dir =
            std::env::temp_dir().join(format!("slack-calls-bench-rotation-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn rotating_mock() -> std::io::Result<MockSlack> {
    MockSlack::builder()
        .token_rotation(true)
        .rate_limits(LimitMode::Off)
        .log_capacity(0)
        .start()
        .await
}

/// The app against `mock`, its pacing off (a policy, not a cost), with the
/// credentials a refresh needs; on `clock` when given, else the system
/// clock.
fn app_builder(mock: &MockSlack, clock: Option<&TestClock>) -> slack_calls::AppBuilder {
    let api = mock.base_url().to_owned();
    let clock = clock.cloned();
    App::builder(DEMO_APP_ID)
        .rate_limits(RateLimits::off())
        .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .store_poll(NO_POLL)
        .clients(move |client| {
            let client = client.base_url(api.clone());
            match &clock {
                Some(clock) => client.clock(clock.clone()),
                None => client,
            }
        })
}

/// The demo workspace installed, as the install flow does: the
/// installation `oauth.v2.access` describes, its bot token starting with
/// `prefix` (`xoxe.xoxb-1-` with rotation on, `xoxb-` without).
async fn installed(mock: &MockSlack, prefix: &str) -> Res<Installation> {
    let code = mock.start_install(DEMO_TEAM_ID, BOT_SCOPES, ["calls:read"])?;
    let answer = Client::app_builder(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .base_url(mock.base_url())
        .build()?
        .oauth()
        .v2()
        .access()
        .code(code)
        .await?;
    let installation = Installation::from_access(&answer).ok_or("no installation in the answer")?;
    let token = installation.token().ok_or("no token")?.expose_secret();
    if !token.starts_with(prefix) {
        let shown: String = token.chars().take(8).collect();
        return Err(format!("not a {prefix}… bot token: {shown}…").into());
    }
    Ok(installation)
}

// ---------------------------------------------------------------------
// The check per call.

/// The two clients of (a) and (b), and their apps.
struct Pair {
    /// [rotating, fixed].
    apps: [App; 2],
    clients: [Client; 2],
}

const LABELS: [&str; 2] = [
    "rotating installation (`xoxe.xoxb-1-…`, far from expiry)",
    "fixed installation (`xoxb-1-…`, no expiry; the floor)",
];

/// `calls.add` without `created_by`: refused before sending, after the
/// rotating client took its token.
async fn refused(client: &Client) -> Res<()> {
    match client
        .calls()
        .add("rotation-bench", "https://example.com/calls/rotation-bench")
        .await
    {
        Err(slack_calls::Error::InvalidRequest(_)) => Ok(()),
        Err(err) => Err(format!("calls.add without created_by: {err}").into()),
        Ok(_) => Err("calls.add without created_by was sent".into()),
    }
}

/// (b): `count` refused calls through client `i`: the time per call.
async fn refused_batch(pair: &Pair, i: usize, count: usize) -> Res<Duration> {
    let client = &pair.clients[i];
    let start = Instant::now();
    for _ in 0..count {
        refused(black_box(client)).await?;
    }
    Ok(start.elapsed() / u32::try_from(count.max(1))?)
}

/// (b): `count` clients from app `i`: the time per client.
fn workspace_batch(pair: &Pair, i: usize, count: usize) -> Res<Duration> {
    let app = &pair.apps[i];
    let start = Instant::now();
    for _ in 0..count {
        black_box(app.workspace(black_box(DEMO_TEAM_ID))?);
    }
    Ok(start.elapsed() / u32::try_from(count.max(1))?)
}

struct CheckFigures {
    /// (a) per contender: every call's time.
    calls: [Vec<Duration>; 2],
    /// (a) rotating − fixed, pair by pair, in ns.
    paired: Vec<f64>,
    calls_allocs: [f64; 2],
    /// (b) per contender: each batch's time per call.
    refused: [Vec<Duration>; 2],
    refused_allocs: [f64; 2],
    workspace: [Vec<Duration>; 2],
    workspace_allocs: [f64; 2],
}

async fn check_cost(sizes: Sizes) -> Res<CheckFigures> {
    let mock = rotating_mock().await?;
    let rotating = app_builder(&mock, None).build()?;
    rotating.install(installed(&mock, "xoxe.xoxb-1-").await?);
    // The floor's token: installed by the fake too (so the fake looks it
    // up as it does the rotating one, not as its built-in demo token),
    // with rotation off for that install; kept without an expiry.
    mock.set_token_rotation(false);
    let fixed_token = installed(&mock, "xoxb-")
        .await?
        .token()
        .ok_or("no token")?
        .clone();
    mock.set_token_rotation(true);
    let fixed = app_builder(&mock, None).build()?;
    fixed.install(Installation::new(DEMO_TEAM_ID, [fixed_token]));
    let pair = Pair {
        clients: [
            rotating.workspace(DEMO_TEAM_ID)?,
            fixed.workspace(DEMO_TEAM_ID)?,
        ],
        apps: [rotating, fixed],
    };
    // Both answer, with the token each holds.
    for client in &pair.clients {
        let answer = client.auth().test().await?;
        if answer.team_id != DEMO_TEAM_ID {
            return Err("auth.test did not name the demo workspace".into());
        }
        refused(client).await?;
    }

    // (a) End to end, call by call.
    for _ in 0..(sizes.pairs / 10).max(50) {
        for client in &pair.clients {
            client.auth().test().await?;
        }
    }
    let mut calls: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut paired = Vec::with_capacity(sizes.pairs);
    for n in 0..sizes.pairs {
        let mut took = [Duration::ZERO; 2];
        for k in 0..2 {
            let i = (k + n) % 2;
            let start = Instant::now();
            black_box(pair.clients[i].auth().test().await?);
            took[i] = start.elapsed();
        }
        calls[0].push(took[0]);
        calls[1].push(took[1]);
        paired.push(nanos(took[0]) - nanos(took[1]));
    }
    let mut calls_allocs = [0.0; 2];
    let counted = (sizes.pairs / 10).max(50);
    for (i, client) in pair.clients.iter().enumerate() {
        let before = slack_calls_benches::allocations();
        for _ in 0..counted {
            client.auth().test().await?;
        }
        calls_allocs[i] = (slack_calls_benches::allocations() - before) as f64 / counted as f64;
    }

    // (b) In isolation, batch by batch.
    for i in 0..2 {
        refused_batch(&pair, i, sizes.batch / 4).await?;
        workspace_batch(&pair, i, sizes.batch / 4)?;
    }
    let mut refused_times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    let mut workspace_times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for round in 0..sizes.rounds {
        for k in 0..2 {
            let i = (k + round) % 2;
            refused_times[i].push(refused_batch(&pair, i, sizes.batch).await?);
        }
        for k in 0..2 {
            let i = (k + round + 1) % 2;
            workspace_times[i].push(workspace_batch(&pair, i, sizes.batch)?);
        }
    }
    let mut refused_allocs = [0.0; 2];
    let mut workspace_allocs = [0.0; 2];
    let counted = (sizes.batch / 10).max(100);
    for i in 0..2 {
        let before = slack_calls_benches::allocations();
        refused_batch(&pair, i, counted).await?;
        refused_allocs[i] = (slack_calls_benches::allocations() - before) as f64 / counted as f64;
        let before = slack_calls_benches::allocations();
        workspace_batch(&pair, i, counted)?;
        workspace_allocs[i] = (slack_calls_benches::allocations() - before) as f64 / counted as f64;
    }
    if pair.apps[0].token_refreshes() != 0 {
        return Err("the rotating client refreshed: not far from expiry".into());
    }
    drop(pair);
    drop(mock);
    Ok(CheckFigures {
        calls,
        paired,
        calls_allocs,
        refused: refused_times,
        refused_allocs,
        workspace: workspace_times,
        workspace_allocs,
    })
}

// ---------------------------------------------------------------------
// One refresh through each store.

/// Where a refresh's time went in the store, per repetition.
#[derive(Default)]
struct Marks(Mutex<(Duration, Duration)>);

impl Marks {
    fn lock(&self) -> std::sync::MutexGuard<'_, (Duration, Duration)> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self) -> (Duration, Duration) {
        std::mem::take(&mut *self.lock())
    }
}

impl Sink for Marks {
    fn took(&self, op: Op, took: Duration) {
        match op {
            Op::Hold => self.lock().0 += took,
            Op::HeldSave => self.lock().1 += took,
            Op::Save | Op::PutState | Op::TakeState => {}
        }
    }
}

/// One app refreshing against a fake of its own.
struct Refresher {
    label: &'static str,
    mock: MockSlack,
    clock: TestClock,
    app: App,
    client: Client,
    /// `None` for the app without a store.
    marks: Option<Arc<Marks>>,
    samples: Vec<RefreshSample>,
}

struct RefreshSample {
    refreshing: Duration,
    plain: Duration,
    hold: Duration,
    save: Duration,
}

/// An app without a store, refreshing against a fake of its own.
async fn in_memory(label: &'static str) -> Res<Refresher> {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let app = app_builder(&mock, Some(&clock)).build()?;
    app.install(installed(&mock, "xoxe.xoxb-1-").await?);
    let client = app.workspace(DEMO_TEAM_ID)?;
    Ok(Refresher {
        label,
        mock,
        clock,
        app,
        client,
        marks: None,
        samples: Vec::new(),
    })
}

/// An app over `store` (timed), refreshing against a fake of its own.
async fn stored(label: &'static str, store: impl InstallationStore) -> Res<Refresher> {
    let mock = rotating_mock().await?;
    let clock = TestClock::new();
    let marks = Arc::new(Marks::default());
    let app = app_builder(&mock, Some(&clock))
        .build_with_store(Timed {
            inner: store,
            sink: marks.clone(),
        })
        .await?;
    app.save(installed(&mock, "xoxe.xoxb-1-").await?).await?;
    let client = app.workspace(DEMO_TEAM_ID)?;
    let marks = Some(marks);
    Ok(Refresher {
        label,
        mock,
        clock,
        app,
        client,
        marks,
        samples: Vec::new(),
    })
}

impl Refresher {
    /// Into the window, a call that refreshes, a call that does not.
    async fn once(&self) -> Res<RefreshSample> {
        self.mock.advance(INTO_WINDOW);
        self.clock.advance(INTO_WINDOW);
        if let Some(marks) = &self.marks {
            marks.take();
        }
        let before = self.app.token_refreshes();
        let start = Instant::now();
        black_box(self.client.auth().test().await?);
        let refreshing = start.elapsed();
        if self.app.token_refreshes() != before + 1 {
            return Err(format!(
                "{}: the call into the window made {} refreshes, not 1",
                self.label,
                self.app.token_refreshes() - before
            )
            .into());
        }
        let (hold, save) = self.marks.as_ref().map(|m| m.take()).unwrap_or_default();
        let start = Instant::now();
        black_box(self.client.auth().test().await?);
        let plain = start.elapsed();
        if self.app.token_refreshes() != before + 1 {
            return Err(format!("{}: the call after the refresh refreshed", self.label).into());
        }
        Ok(RefreshSample {
            refreshing,
            plain,
            hold,
            save,
        })
    }
}

/// Starts PostgreSQL and connects a store, or says why not.
#[cfg(feature = "postgres")]
async fn postgres_store()
-> Result<(postgres_server::PostgresServer, slack_calls::PostgresStore), String> {
    let bin = std::env::var("SLACK_CALLS_PG_BIN").map_err(|_| {
        "SLACK_CALLS_PG_BIN is not set (name Debian's PostgreSQL programs, e.g. /usr/lib/postgresql/15/bin)"
            .to_owned()
    })?;
    let server = postgres_server::PostgresServer::start(&bin.clone().into())
        .map_err(|err| format!("PostgreSQL did not start from {bin}: {err}"))?;
    let keys = keys().map_err(|err| err.to_string())?;
    let store = slack_calls::PostgresStore::connect(&server.params(), keys)
        .await
        .map_err(|err| format!("could not connect to PostgreSQL: {err}"))?;
    Ok((server, store))
}

// ---------------------------------------------------------------------

fn main() -> Res<()> {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let sizes = if quick { QUICK } else { FULL };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = TempDir::new()?;
    println!(
        "(a) {} auth.test pairs; (b) {} rounds of {} calls per contender; {} refreshes per store",
        sizes.pairs, sizes.rounds, sizes.batch, sizes.refreshes
    );

    let check = rt.block_on(check_cost(sizes))?;

    #[cfg(feature = "postgres")]
    let (pg_server, postgres) = match rt.block_on(postgres_store()) {
        Ok((server, store)) => (Some(server), Some(store)),
        Err(why) => {
            println!("PostgreSQL row skipped: {why}");
            (None, None)
        }
    };
    #[cfg(not(feature = "postgres"))]
    println!(
        "PostgreSQL row skipped: the bench was built without the feature `postgres` \
         (add `--features sqlite,postgres`)"
    );

    let refreshers = rt.block_on(async {
        let sqlite = SqliteStore::open(dir.0.join("rotation.db"), keys()?).await?;
        #[cfg_attr(not(feature = "postgres"), allow(unused_mut))]
        let mut refreshers = vec![
            in_memory("memory (an App without a store)").await?,
            stored("`SqliteStore` (a file in a temp dir)", sqlite).await?,
        ];
        #[cfg(feature = "postgres")]
        if let Some(store) = postgres {
            refreshers.push(stored("`PostgresStore` (a local cluster, Unix socket)", store).await?);
        }
        // Warm-up: a few refreshes each, not counted.
        for one in &refreshers {
            for _ in 0..3 {
                one.once().await?;
            }
        }
        let count = refreshers.len();
        for n in 0..sizes.refreshes {
            for k in 0..count {
                let one = &mut refreshers[(k + n) % count];
                let sample = one.once().await?;
                one.samples.push(sample);
            }
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(refreshers)
    })?;

    // The figures.
    println!();
    println!(
        "(a) End to end: `auth.test` on loopback through a kept workspace client, \
         {} calls each, taking turns call by call:",
        sizes.pairs
    );
    println!();
    println!("| client | median | p99 | vs fixed (medians) | allocations per call |");
    println!("|---|---:|---:|---:|---:|");
    let floor = median(check.calls[1].clone());
    for ((label, calls), allocs) in LABELS.iter().zip(&check.calls).zip(check.calls_allocs) {
        let med = median(calls.clone());
        println!(
            "| {label} | {:.2} µs | {:.2} µs | {:.3}x | {allocs:.1} |",
            micros(med),
            micros(p99(calls.clone())),
            med.as_secs_f64() / floor.as_secs_f64(),
        );
    }
    println!();
    println!(
        "rotating − fixed: {:+.0} ns per call (difference of the medians); \
         {:+.0} ns (median of the {} paired differences)",
        nanos(median(check.calls[0].clone())) - nanos(floor),
        median_signed(check.paired.clone()),
        check.paired.len()
    );

    println!();
    println!(
        "(b) In isolation: median of {} batches of {} calls, taking turns batch by batch:",
        sizes.rounds, sizes.batch
    );
    println!();
    println!(
        "| what | rotating | fixed (the floor) | rotating − fixed | ratio | allocations per call, rotating / fixed |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (what, times, allocs) in [
        (
            "`calls.add` refused before sending (no `created_by`), kept client",
            &check.refused,
            check.refused_allocs,
        ),
        (
            "`app.workspace(team)` (a client made)",
            &check.workspace,
            check.workspace_allocs,
        ),
    ] {
        let rot = median(times[0].clone());
        let fix = median(times[1].clone());
        println!(
            "| {what} | {:.1} ns | {:.1} ns | {:+.1} ns | {:.3}x | {:.1} / {:.1} |",
            nanos(rot),
            nanos(fix),
            nanos(rot) - nanos(fix),
            rot.as_secs_f64() / fix.as_secs_f64(),
            allocs[0],
            allocs[1]
        );
    }

    println!();
    println!(
        "One refresh through each store: {} repetitions each (median / p99), each \
         11 h further: a call that refreshes first, then one that does not (`auth.test`):",
        sizes.refreshes
    );
    println!();
    println!(
        "| store | call that refreshes | call that does not | the refresh's own (paired difference) | of which `hold_for_refresh` | of which the save under the hold | the rest: `oauth.v2.access` and the app's work |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for one in &refreshers {
        let of = |f: &dyn Fn(&RefreshSample) -> Duration| {
            let values: Vec<Duration> = one.samples.iter().map(f).collect();
            format!(
                "{:.3} / {:.3} ms",
                millis(median(values.clone())),
                millis(p99(values))
            )
        };
        let own = |s: &RefreshSample| s.refreshing.saturating_sub(s.plain);
        let stored = one.marks.is_some();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            one.label,
            of(&|s| s.refreshing),
            of(&|s| s.plain),
            of(&own),
            if stored {
                of(&|s| s.hold)
            } else {
                "—".to_owned()
            },
            if stored {
                of(&|s| s.save)
            } else {
                "—".to_owned()
            },
            of(&|s| own(s).saturating_sub(s.hold + s.save)),
        );
    }
    #[cfg(feature = "postgres")]
    if pg_server.is_none() {
        println!("| `PostgresStore` | skipped (see above) | | | | | |");
    }
    #[cfg(not(feature = "postgres"))]
    println!("| `PostgresStore` | skipped (see above) | | | | | |");
    for one in &refreshers {
        let made = one.app.token_refreshes();
        let expected = u64::try_from(sizes.refreshes + 3)?;
        if made != expected {
            return Err(format!("{}: {made} refreshes, not {expected}", one.label).into());
        }
    }
    drop(refreshers);
    #[cfg(feature = "postgres")]
    drop(pg_server);
    Ok(())
}

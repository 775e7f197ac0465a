//! Installations at 10,000: what finding one costs per incoming event,
//! what the app's cache holds per installation, and what a whole install
//! costs against the fake, each side by side with its floor in one run.
//!
//! - **Lookup per event**, 10,000 full installations (bot token with a
//!   refresh token and expiry, user token, scopes, names, as
//!   `tests/support/installations.rs` builds them, each with its own token
//!   texts), keys picked at random among them (precomputed): a plain
//!   `HashMap<String, Installation>` get + clone (the floor);
//!   `app.workspace_of(&key, team)` (what the receiver does per event) and
//!   `app.installations().get(&key)` on an app built with
//!   `build_with_store` (its cache filled from the store's `all()`); and
//!   `store.find(&key)` straight on a `SqliteStore` (a file in a temp dir)
//!   and a `PostgresStore`, which open (AES-GCM) every token per read. The
//!   contenders take turns in each round, who goes first rotating; each
//!   figure is the median of the rounds. Beside each, the allocations it
//!   makes per lookup (a counting global allocator), steady where times
//!   are noisy.
//! - **Memory per cached installation**: live heap bytes (a counting global
//!   allocator) of an app built over the store with the 10,000, less an
//!   app built the same way over an empty store, divided by 10,000; beside
//!   it the same installations in a `HashMap<String, Installation>`.
//! - **A whole install**, redirect → stored, against the fake in this
//!   process (consent set to allow) and our `InstallFlow` served on
//!   127.0.0.1, as a browser does it: `GET /slack/install`, `GET` the
//!   fake's authorize URL, `GET` our redirect URL with the cookie. Into an
//!   app over an empty `SqliteStore` and over the one with the 10,000,
//!   the two taking turns. Each install is new (a new state, code and
//!   tokens); the fake installs its one demo workspace each time, so each
//!   replaces the row the one before stored. The redirect handler is timed
//!   inside the server (an axum middleware), and the store's calls through
//!   a wrapper, so the install's time splits into the redirect handler
//!   (state taken, code exchanged, `auth.test`, saved) and the rest. The
//!   app's pacing is off (`RateLimits::off()`): pacing is a policy, not a
//!   cost; so are the fake's limits.
//!
//! `cargo bench --locked -p slack-calls-benches --features
//! sqlite,postgres,install --bench installs` (add `-- --quick` for a smoke run; `-- --profile NAME`, NAME one of
//! `hashmap`, `workspace_of`, `get`, `sqlite`, `postgres`, runs only that
//! lookup after the set-up, for `PROFILE_SECONDS` (10), to run under
//! `perf record`). The PostgreSQL rows need the feature
//! `postgres` and `SLACK_CALLS_PG_BIN` naming Debian's PostgreSQL programs
//! (e.g. `/usr/lib/postgresql/15/bin`); without them they are skipped, and
//! the output says why. See BENCHMARKS.md.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
#[path = "support/timed_store.rs"]
mod timed_store;
use timed_store::{Op, Sink, Timed};

use slack_calls::{
    App, Grant, InstallFlow, Installation, InstallationKey, InstallationStore, Installations,
    MemoryInstallations, Named, RateLimits, SqliteStore, TokenKeys,
};
use slack_calls_mock::{
    ConsentAnswer, DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, LimitMode,
    MockSlack,
};

#[cfg(feature = "postgres")]
#[path = "../tests/real_parts/postgres_server.rs"]
#[allow(dead_code)] // the tests also stop, restart and dump theirs
mod postgres_server;

#[global_allocator]
static ALLOCATOR: slack_calls_benches::Counting = slack_calls_benches::Counting;

use slack_calls_benches::live;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const APP_ID: &str = "A0APP";
/// Long enough that no app here follows its store during the run.
const NO_POLL: Duration = Duration::from_secs(24 * 60 * 60);
const REDIRECT_PATH: &str = "/slack/oauth_redirect";
const SCOPES: [&str; 4] = ["calls:read", "calls:write", "links:read", "links:write"];

#[derive(Clone, Copy)]
struct Sizes {
    installations: usize,
    rounds: usize,
    /// Lookups per round for the in-memory contenders.
    cached: usize,
    /// Lookups per round for the stores.
    stored: usize,
    /// Installs per round into each app.
    installs: usize,
}

const FULL: Sizes = Sizes {
    installations: 10_000,
    rounds: 9,
    cached: 200_000,
    stored: 2_000,
    installs: 100,
};

const QUICK: Sizes = Sizes {
    installations: 1_000,
    rounds: 2,
    cached: 10_000,
    stored: 100,
    installs: 10,
};

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn team(n: usize) -> String {
    format!("T{n:08}")
}

/// A whole installation of workspace `n` in organization `E0ORG`, shaped
/// as `tests/support/installations.rs::full()` builds one, with token
/// texts of its own.
fn full(n: usize) -> Installation {
    let bot = format!("xoxe.xoxb-1-{n:08}-BOTSECRETTEXT");
    let user = format!("xoxp-1-{n:08}-USERSECRETTEXT");
    let mut installation = Installation::new(team(n), [bot.as_str(), user.as_str()]);
    installation.app_id = Some(APP_ID.into());
    installation.enterprise = Some(Named::new("E0ORG", "Org"));
    installation.team = Some(Named::new(team(n), "Team"));
    if let Some(held) = installation.bot.as_mut() {
        held.grant = Grant::new(bot, ["calls:read", "calls:write"])
            .expiring(at(1_800_000_000), format!("xoxe-1-{n:08}-BOTREFRESHSECRET"));
        held.user_id = Some("U0BOT".into());
        held.bot_id = Some("B0BOT".into());
    }
    if let Some(installer) = installation.installer.as_mut() {
        installer.user_id = "U0ADMIN".into();
        installer.grant = Some(Grant::new(user, ["users:read"]));
    }
    installation.installed_at = at(1_700_000_000);
    installation
}

fn keys() -> Res<TokenKeys> {
    Ok(TokenKeys::new("k1", &[7u8; 32])?)
}

/// A small deterministic generator (xorshift), so every run picks the
/// same installations.
struct Picks(u64);

impl Picks {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % below as u64).unwrap_or(0)
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn p99(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    let i = (values.len() * 99).div_ceil(100).saturating_sub(1);
    values.get(i).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A directory of the run's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Res<TempDir> {
        let dir =
            std::env::temp_dir().join(format!("slack-calls-bench-installs-{}", std::process::id()));
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

// ---------------------------------------------------------------------
// Lookups.

#[derive(Clone, Copy, PartialEq)]
enum Lookup {
    HashMap,
    WorkspaceOf,
    CacheGet,
    Sqlite,
    Postgres,
}

impl Lookup {
    /// The name `--profile` takes.
    fn name(self) -> &'static str {
        match self {
            Lookup::HashMap => "hashmap",
            Lookup::WorkspaceOf => "workspace_of",
            Lookup::CacheGet => "get",
            Lookup::Sqlite => "sqlite",
            Lookup::Postgres => "postgres",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Lookup::HashMap => "`HashMap<String, Installation>` get + clone (the floor)",
            Lookup::WorkspaceOf => {
                "cached: `app.workspace_of(&key, team)` (the receiver, per event)"
            }
            Lookup::CacheGet => "cached: `app.installations().get(&key)`",
            Lookup::Sqlite => "uncached: `SqliteStore::find(&key)`",
            Lookup::Postgres => "uncached: `PostgresStore::find(&key)`",
        }
    }
}

/// What the lookups run against.
struct Lookups {
    teams: Vec<String>,
    keys: Vec<InstallationKey>,
    picks: Vec<usize>,
    map: HashMap<String, Installation>,
    app: App,
    sqlite: SqliteStore,
    #[cfg(feature = "postgres")]
    postgres: Option<slack_calls::PostgresStore>,
}

impl Lookups {
    /// `count` lookups of `which`, one after another: the time per lookup.
    fn run(&self, rt: &tokio::runtime::Runtime, which: Lookup, count: usize) -> Res<Duration> {
        let pick = |i: usize| self.picks[i % self.picks.len()];
        let start = Instant::now();
        match which {
            Lookup::HashMap => {
                for i in 0..count {
                    let n = pick(i);
                    black_box(self.map.get(self.teams[n].as_str()).cloned());
                }
            }
            Lookup::WorkspaceOf => {
                for i in 0..count {
                    let n = pick(i);
                    black_box(self.app.workspace_of(&self.keys[n], &self.teams[n]).ok());
                }
            }
            Lookup::CacheGet => {
                for i in 0..count {
                    let n = pick(i);
                    black_box(self.app.installations().get(&self.keys[n]));
                }
            }
            Lookup::Sqlite => rt.block_on(async {
                for i in 0..count {
                    black_box(self.sqlite.find(&self.keys[pick(i)]).await?);
                }
                Ok::<_, slack_calls::StoreError>(())
            })?,
            Lookup::Postgres =>
            {
                #[cfg(feature = "postgres")]
                if let Some(store) = &self.postgres {
                    rt.block_on(async {
                        for i in 0..count {
                            black_box(store.find(&self.keys[pick(i)]).await?);
                        }
                        Ok::<_, slack_calls::StoreError>(())
                    })?;
                }
            }
        }
        Ok(start.elapsed() / u32::try_from(count.max(1))?)
    }
}

/// Starts PostgreSQL and fills a store with `installations`, or says why
/// not.
#[cfg(feature = "postgres")]
async fn postgres_store(
    installations: &[Installation],
) -> Result<(postgres_server::PostgresServer, slack_calls::PostgresStore), String> {
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
    for installation in installations {
        store
            .save(installation)
            .await
            .map_err(|err| format!("could not save into PostgreSQL: {err}"))?;
    }
    Ok((server, store))
}

// ---------------------------------------------------------------------
// Installs.

/// Where an install's time went, as the server saw it.
#[derive(Clone, Copy)]
enum Part {
    InstallHandler,
    RedirectHandler,
    PutState,
    TakeState,
    Save,
}

/// The server-side times of the install under way, summed per part.
#[derive(Default)]
struct Marks(Mutex<[Duration; 5]>);

impl Marks {
    fn add(&self, part: Part, took: Duration) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)[part as usize] += took;
    }

    fn take(&self) -> [Duration; 5] {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Sink for Marks {
    fn took(&self, op: Op, took: Duration) {
        match op {
            Op::Save => self.add(Part::Save, took),
            Op::PutState => self.add(Part::PutState, took),
            Op::TakeState => self.add(Part::TakeState, took),
            Op::Hold | Op::HeldSave => {}
        }
    }
}

/// Times each request inside our server: the install path's handler and
/// the redirect's.
async fn timed(State(marks): State<Arc<Marks>>, request: Request, next: Next) -> Response {
    let part = match request.uri().path() == REDIRECT_PATH {
        true => Part::RedirectHandler,
        false => Part::InstallHandler,
    };
    let start = Instant::now();
    let response = next.run(request).await;
    marks.add(part, start.elapsed());
    response
}

/// One app with its install flow, served.
struct Served {
    base: String,
    app: App,
    store: SqliteStore,
    marks: Arc<Marks>,
    samples: Vec<Sample>,
    _task: tokio::task::JoinHandle<()>,
}

async fn serve(
    mock: &MockSlack,
    listener: tokio::net::TcpListener,
    base: String,
    store: SqliteStore,
) -> Res<Served> {
    let marks = Arc::new(Marks::default());
    let url = mock.base_url().to_owned();
    let app = App::builder(DEMO_APP_ID)
        .rate_limits(RateLimits::off())
        .clients(move |client| client.base_url(url.clone()))
        .store_poll(NO_POLL)
        .build_with_store(Timed {
            inner: store.clone(),
            sink: marks.clone(),
        })
        .await?;
    let flow = InstallFlow::builder(app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .bot_scopes(SCOPES)
        .user_scopes(["users:read"])
        .authorize_url(mock.authorize_url())
        .redirect_uri(format!("{base}{REDIRECT_PATH}"))
        .build()?;
    let router = flow
        .router()
        .layer(middleware::from_fn_with_state(marks.clone(), timed));
    let task = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            eprintln!("our install flow's server stopped: {err}");
        }
    });
    Ok(Served {
        base,
        app,
        store,
        marks,
        samples: Vec::new(),
        _task: task,
    })
}

/// One install's times.
struct Sample {
    total: Duration,
    /// Browser side: `GET /slack/install`, the fake's authorize page, our
    /// redirect.
    hops: [Duration; 3],
    /// Server side, per [`Part`].
    parts: [Duration; 5],
}

struct Hop {
    status: u16,
    location: Option<String>,
    cookie: Option<String>,
    body: String,
}

async fn get(browser: &reqwest::Client, url: &str, cookie: Option<&str>) -> Res<Hop> {
    let mut request = browser.get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let location = header("location");
    // `name=value`, as a browser sends it back.
    let cookie = header("set-cookie").and_then(|set| set.split(';').next().map(str::to_owned));
    let body = response.text().await?;
    Ok(Hop {
        status,
        location,
        cookie,
        body,
    })
}

/// One install as a browser makes it, checked at each step.
async fn install(browser: &reqwest::Client, served: &Served) -> Res<Sample> {
    served.marks.take();
    let start = Instant::now();
    let begun = get(browser, &format!("{}/slack/install", served.base), None).await?;
    let first = Instant::now();
    let (Some(authorize), Some(cookie), 302) = (begun.location, begun.cookie, begun.status) else {
        return Err(format!("the install path answered {}: {}", begun.status, begun.body).into());
    };
    let at_slack = get(browser, &authorize, None).await?;
    let second = Instant::now();
    let back = match (at_slack.status, at_slack.location) {
        (302, Some(back)) if back.starts_with(&served.base) => back,
        (status, _) => {
            return Err(format!(
                "the fake's authorize page answered {status}: {}",
                at_slack.body
            )
            .into());
        }
    };
    let done = get(browser, &back, Some(&cookie)).await?;
    let end = Instant::now();
    if done.status != 200 || !done.body.contains("Installed") {
        return Err(format!("the redirect answered {}: {}", done.status, done.body).into());
    }
    Ok(Sample {
        total: end - start,
        hops: [first - start, second - first, end - second],
        parts: served.marks.take(),
    })
}

/// The figures of one app's installs.
struct InstallRow {
    label: String,
    count: usize,
    total_median: Duration,
    total_p99: Duration,
    rows: Vec<(&'static str, Duration, Duration, f64)>,
}

fn install_row(label: String, samples: &[Sample]) -> InstallRow {
    let sum = |of: &dyn Fn(&Sample) -> Duration| samples.iter().map(of).sum::<Duration>();
    let all = sum(&|s| s.total).as_secs_f64();
    let row = |name: &'static str, of: &dyn Fn(&Sample) -> Duration| {
        let values: Vec<Duration> = samples.iter().map(of).collect();
        (
            name,
            median(values.clone()),
            p99(values),
            sum(of).as_secs_f64() / all,
        )
    };
    let handler = |s: &Sample| s.parts[Part::RedirectHandler as usize];
    let store = |s: &Sample| s.parts[Part::TakeState as usize] + s.parts[Part::Save as usize];
    InstallRow {
        label,
        count: samples.len(),
        total_median: median(samples.iter().map(|s| s.total).collect()),
        total_p99: p99(samples.iter().map(|s| s.total).collect()),
        rows: vec![
            row("whole install, 3 GETs (browser side)", &|s| s.total),
            row(
                "redirect handler, server side: state taken + oauth.v2.access + auth.test + saved",
                &handler,
            ),
            row("  of which the store: take_state + save", &store),
            row(
                "  of which oauth.v2.access + auth.test against the fake, and the handler's own work",
                &|s| handler(s).saturating_sub(store(s)),
            ),
            row("the rest (total less the redirect handler)", &|s| {
                s.total.saturating_sub(handler(s))
            }),
            row("  GET /slack/install (browser side)", &|s| s.hops[0]),
            row("    of which the store: put_state", &|s| {
                s.parts[Part::PutState as usize]
            }),
            row("  GET the fake's authorize URL (browser side)", &|s| {
                s.hops[1]
            }),
            row(
                "  GET our redirect URL less its handler: HTTP both ways",
                &|s| s.hops[2].saturating_sub(handler(s)),
            ),
        ],
    }
}

// ---------------------------------------------------------------------

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|arg| arg == "--quick");
    // `--profile NAME`: after the set-up, only NAME's lookups, for
    // PROFILE_SECONDS, under a profiler (`perf record -g`).
    let profile = args
        .iter()
        .position(|arg| arg == "--profile")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let sizes = if quick { QUICK } else { FULL };
    let n = sizes.installations;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = TempDir::new()?;
    println!(
        "installations: {n} (each a full one: bot token with refresh token and expiry, user token, scopes, names); \
         {} rounds; per round {} lookups of each in-memory contender, {} of each store, {} installs into each app",
        sizes.rounds, sizes.cached, sizes.stored, sizes.installs
    );

    // Set-up: the installations, the stores filled with them.
    let installations: Vec<Installation> = (0..n).map(full).collect();
    let teams: Vec<String> = (0..n).map(team).collect();
    let keys_of: Vec<InstallationKey> = installations.iter().map(Installation::key).collect();
    let mut picks = Picks(0x9E37_79B9_7F4A_7C15);
    let picks: Vec<usize> = (0..65_536).map(|_| picks.next(n)).collect();

    let started = Instant::now();
    let sqlite = rt.block_on(async {
        let store = SqliteStore::open(dir.0.join("installs.db"), keys()?).await?;
        for installation in &installations {
            store.save(installation).await?;
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(store)
    })?;
    println!(
        "set-up: {n} installations saved into SQLite in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    #[cfg(feature = "postgres")]
    let (pg_server, postgres) = {
        let started = Instant::now();
        match rt.block_on(postgres_store(&installations)) {
            Ok((server, store)) => {
                println!(
                    "set-up: PostgreSQL started and {n} installations saved into it in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                (Some(server), Some(store))
            }
            Err(why) => {
                println!("PostgreSQL rows skipped: {why}");
                (None, None)
            }
        }
    };
    #[cfg(not(feature = "postgres"))]
    println!(
        "PostgreSQL rows skipped: the bench was built without the feature `postgres` \
         (add `--features sqlite,postgres,install`)"
    );

    // Memory: the floor, then the app's cache (an app over the filled
    // store less one over an empty store, a first empty one built and
    // dropped so one-time set-up falls outside both).
    let before = live();
    let map: HashMap<String, Installation> = teams
        .iter()
        .cloned()
        .zip(installations.iter().cloned())
        .collect();
    let map_bytes = live() - before;
    let (app, cache_bytes, memory_bytes) = rt.block_on(async {
        let empty = SqliteStore::open(dir.0.join("empty.db"), keys()?).await?;
        let build = |store: SqliteStore| {
            App::builder(APP_ID)
                .store_poll(NO_POLL)
                .build_with_store(store)
        };
        drop(build(empty.clone()).await?);
        let before = live();
        let empty_app = build(empty.clone()).await?;
        let empty_bytes = live() - before;
        let before = live();
        let app = build(sqlite.clone()).await?;
        let full_bytes = live() - before;
        drop(empty_app);
        // Cross-check: the same cache filled by hand.
        let before = live();
        let memory = MemoryInstallations::new();
        for installation in &installations {
            memory.put(installation.clone());
        }
        let memory_bytes = live() - before;
        drop(memory);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((
            app,
            full_bytes - empty_bytes,
            memory_bytes,
        ))
    })?;
    let per = |bytes: isize| bytes as f64 / n as f64;
    let found = app.installations().get(&keys_of[n / 2]);
    if found.as_ref() != Some(&installations[n / 2]) {
        return Err("the app's cache does not hold the installation saved".into());
    }
    if map.len() != n {
        return Err("the HashMap does not hold every installation".into());
    }

    let lookups = Lookups {
        teams,
        keys: keys_of,
        picks,
        map,
        app,
        sqlite: sqlite.clone(),
        #[cfg(feature = "postgres")]
        postgres,
    };
    #[cfg(feature = "postgres")]
    let with_postgres = lookups.postgres.is_some();
    #[cfg(not(feature = "postgres"))]
    let with_postgres = false;
    let contenders: Vec<Lookup> = [
        Lookup::HashMap,
        Lookup::WorkspaceOf,
        Lookup::CacheGet,
        Lookup::Sqlite,
    ]
    .into_iter()
    .chain(with_postgres.then_some(Lookup::Postgres))
    .collect();
    // A store lookup must find what was saved.
    let sample = &lookups.keys[n / 3];
    if rt.block_on(lookups.sqlite.find(sample))?.as_ref() != Some(&installations[n / 3]) {
        return Err("SQLite does not give back the installation saved".into());
    }
    #[cfg(feature = "postgres")]
    if let Some(store) = &lookups.postgres
        && rt.block_on(store.find(sample))?.as_ref() != Some(&installations[n / 3])
    {
        return Err("PostgreSQL does not give back the installation saved".into());
    }
    drop(installations);
    let count = |which: Lookup| match which {
        Lookup::Sqlite | Lookup::Postgres => sizes.stored,
        _ => sizes.cached,
    };
    if let Some(name) = profile {
        let Some(&which) = contenders.iter().find(|which| which.name() == name) else {
            return Err(format!(
                "--profile takes one of hashmap, workspace_of, get, sqlite, postgres, not {name}"
            )
            .into());
        };
        let seconds: u64 = std::env::var("PROFILE_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        let started = Instant::now();
        let mut times = Vec::new();
        while started.elapsed() < Duration::from_secs(seconds) {
            times.push(lookups.run(&rt, which, count(which))?);
        }
        let batches = times.len();
        println!(
            "{}: {:.3} µs per lookup (median of {batches} batches)",
            which.label(),
            micros(median(times))
        );
        return Ok(());
    }

    // Warm-up, then the rounds, the contenders taking turns.
    for &which in &contenders {
        lookups.run(&rt, which, count(which) / 4)?;
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); contenders.len()];
    for round in 0..sizes.rounds {
        for k in 0..contenders.len() {
            let i = (k + round) % contenders.len();
            times[i].push(lookups.run(&rt, contenders[i], count(contenders[i]))?);
        }
    }
    // Allocations per lookup (the whole process's, so a store's include
    // its driver's and the runtime's): steady, where times are noisy.
    let mut allocs = Vec::new();
    for &which in &contenders {
        let lookups_made = count(which) / 10;
        let before = slack_calls_benches::allocations();
        lookups.run(&rt, which, lookups_made)?;
        let made = slack_calls_benches::allocations() - before;
        allocs.push(made as f64 / lookups_made as f64);
    }
    let lookup_rows: Vec<(Lookup, Duration, f64)> = contenders
        .iter()
        .zip(times)
        .zip(allocs)
        .map(|((&which, times), allocs)| (which, median(times), allocs))
        .collect();

    // Installs: one fake, our flow served twice (an app over an empty
    // store, one over the store with the installations), taking turns.
    let installed = rt.block_on(async {
        let bind = || tokio::net::TcpListener::bind("127.0.0.1:0");
        let (empty_listener, full_listener) = (bind().await?, bind().await?);
        let empty_base = format!("http://{}", empty_listener.local_addr()?);
        let full_base = format!("http://{}", full_listener.local_addr()?);
        let mock = MockSlack::builder()
            .rate_limits(LimitMode::Off)
            .log_capacity(0)
            .redirect_url(format!("{empty_base}{REDIRECT_PATH}"))
            .redirect_url(format!("{full_base}{REDIRECT_PATH}"))
            .start()
            .await?;
        mock.set_consent(ConsentAnswer::Allow);
        let fresh = SqliteStore::open(dir.0.join("fresh.db"), keys()?).await?;
        let mut served = [
            serve(&mock, empty_listener, empty_base, fresh).await?,
            serve(&mock, full_listener, full_base, sqlite.clone()).await?,
        ];
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()?;
        // Warm-up: a few installs each, not counted.
        for one in &served {
            for _ in 0..3 {
                install(&browser, one).await?;
            }
        }
        for round in 0..sizes.rounds {
            for k in 0..served.len() {
                let one = &mut served[(k + round) % 2];
                for _ in 0..sizes.installs {
                    let sample = install(&browser, one).await?;
                    one.samples.push(sample);
                }
            }
        }
        // Stored, replacing the demo workspace's row each time.
        let mut stored = Vec::new();
        for one in &served {
            let every = one.store.all().await?;
            let demo = every
                .iter()
                .filter(|i| i.team_id() == Some(DEMO_TEAM_ID))
                .count();
            if demo != 1 || one.app.installations().for_team(DEMO_TEAM_ID).is_none() {
                return Err("the demo workspace is not stored once and cached".into());
            }
            stored.push(every.len());
        }
        let rows = [
            install_row(
                format!("into an empty SqliteStore (it holds {} row at the end)", stored[0]),
                &served[0].samples,
            ),
            install_row(
                format!(
                    "into the SqliteStore with the {n} installations (and the app's cache of them; {} rows at the end)",
                    stored[1]
                ),
                &served[1].samples,
            ),
        ];
        drop(mock);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(rows)
    })?;

    // The figures.
    println!();
    println!(
        "Lookup per incoming event, {n} installations, keys picked at random (median of {} rounds):",
        sizes.rounds
    );
    println!();
    println!("| lookup | per lookup | vs HashMap | allocations per lookup |");
    println!("|---|---:|---:|---:|");
    let floor = lookup_rows
        .iter()
        .find(|(which, _, _)| *which == Lookup::HashMap)
        .map(|(_, time, _)| *time)
        .unwrap_or_default();
    for (which, time, allocs) in &lookup_rows {
        println!(
            "| {} | {:.3} µs | {:.2}x | {allocs:.1} |",
            which.label(),
            micros(*time),
            time.as_secs_f64() / floor.as_secs_f64()
        );
    }
    #[cfg(feature = "postgres")]
    if lookups.postgres.is_none() {
        println!("| uncached: `PostgresStore::find(&key)` | skipped (see above) | | |");
    }
    #[cfg(not(feature = "postgres"))]
    println!("| uncached: `PostgresStore::find(&key)` | skipped (see above) | | |");
    let ratio = |which: Lookup| {
        lookup_rows
            .iter()
            .find(|(w, _, _)| *w == which)
            .map_or(0.0, |(_, time, _)| time.as_secs_f64() / floor.as_secs_f64())
    };
    let verdict = |r: f64| if r <= 2.0 { "holds" } else { "does NOT hold" };
    println!();
    println!(
        "goal, cached lookup ≤ 2x the HashMap: workspace_of {:.2}x ({}); installations().get {:.2}x ({})",
        ratio(Lookup::WorkspaceOf),
        verdict(ratio(Lookup::WorkspaceOf)),
        ratio(Lookup::CacheGet),
        verdict(ratio(Lookup::CacheGet)),
    );

    println!();
    println!("Memory, live heap bytes per installation ({n} installations):");
    println!();
    println!("| what | bytes per installation | vs HashMap |");
    println!("|---|---:|---:|");
    println!(
        "| `HashMap<String, Installation>` of the same installations (the floor) | {:.0} | 1.00x |",
        per(map_bytes)
    );
    println!(
        "| the app's cache: an app built over the store with them, less one over an empty store | {:.0} | {:.2}x |",
        per(cache_bytes),
        cache_bytes as f64 / map_bytes as f64
    );
    println!(
        "| cross-check: a `MemoryInstallations` filled with `put` | {:.0} | {:.2}x |",
        per(memory_bytes),
        memory_bytes as f64 / map_bytes as f64
    );

    for row in &installed {
        println!();
        println!(
            "A whole install against the fake, {}: {} installs, median {:.2} ms, p99 {:.2} ms per install",
            row.label,
            row.count,
            millis(row.total_median),
            millis(row.total_p99)
        );
        println!();
        println!("| part | median | p99 | share of all install time |");
        println!("|---|---:|---:|---:|");
        for (name, med, high, share) in &row.rows {
            println!(
                "| {name} | {:.3} ms | {:.3} ms | {:.1}% |",
                millis(*med),
                millis(*high),
                share * 100.0
            );
        }
    }
    drop(lookups);
    #[cfg(feature = "postgres")]
    drop(pg_server);
    Ok(())
}

//! The side-by-side benchmark suite: every contender and its
//! floor run in the same process, interleaved, and the figures are
//! reported as ratios, because the machine is shared and noisy.
//!
//! Run it with `cargo bench -p slack-calls-benches --bench compare`. Pass
//! `--quick` (after `--`) for a smoke run with tiny sizes, and `--only 1,5`
//! to run some sections
//! (1 generator, 3 per call, 4 Python and Node, 5 pacing, 6 the fake; 2,
//! build cost, is `benches/build_cost.sh`). See BENCHMARKS.md.
//!
//! Section 4 compares **CPU time per call**, not wall time (which the
//! loopback round trip bounds alike for every client): sequential
//! `calls.info` by our client, the official Python SDK and the official
//! Node SDK, each measuring its own process's CPU time (user + system) over
//! the same number of calls after a warm-up, with the wall time beside it.
//! All three talk to one `slack-calls-mock` started as a process of its
//! own, so the fake's CPU is in no one's figure; ours runs on a
//! current-thread runtime in this process with nothing else left running
//! in it. It needs the `slack-calls-mock` binary (`cargo build --release
//! --locked -p slack-calls-mock`, or `SLACK_CALLS_MOCK_BIN`), `SLACK_CALLS_PY`
//! set to a Python with `slack_sdk` for the Python row, and the Node SDK
//! installed with `npm ci --prefix benches/node` for the Node row
//! (`SLACK_CALLS_NODE` names the node binary, default `node`).

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use slack_calls::{Client, Clock, RateLimits, Sleep};
use slack_calls_codegen::{Mode, Options, SourceFile};
use slack_calls_mock::{LimitMode, MockSlack, Verdict};

#[path = "support/codec.rs"]
mod codec;
use codec::{BoxError, encode_decode, encode_untyped, fake_exchanges};

type Res<T> = Result<T, BoxError>;

/// Sizes of one run: the full run, or `--quick` for a smoke test.
#[derive(Clone, Copy)]
struct Sizes {
    rounds: usize,
    calls: usize,
    concurrency: usize,
    codec_iters: usize,
    gen_rounds: usize,
    synth_families: usize,
    burst: usize,
    time_scale: f64,
    server_requests: usize,
    /// (4): rounds, and warm-up and timed calls per loop, the same for ours
    /// and each peer.
    peer_rounds: usize,
    peer_warmup: usize,
    peer_calls: usize,
}

const FULL: Sizes = Sizes {
    rounds: 5,
    calls: 1000,
    concurrency: 16,
    codec_iters: 20_000,
    gen_rounds: 5,
    synth_families: 50,
    burst: 150,
    time_scale: 30.0,
    server_requests: 8000,
    peer_rounds: 3,
    // Node's JIT needs thousands of calls to settle: after 50 its CPU per
    // call is 2 to 3 times its steady state (see BENCHMARKS.md).
    peer_warmup: 2000,
    peer_calls: 1000,
};

const QUICK: Sizes = Sizes {
    rounds: 1,
    calls: 50,
    concurrency: 4,
    codec_iters: 200,
    gen_rounds: 1,
    synth_families: 50,
    burst: 60,
    time_scale: 60.0,
    server_requests: 200,
    peer_rounds: 1,
    peer_warmup: 5,
    peer_calls: 20,
};

/// One line of the summary table.
struct Row {
    section: &'static str,
    what: String,
    ours: String,
    floor: String,
    ratio: f64,
    note: String,
}

#[derive(Default)]
struct Summary {
    rows: Vec<Row>,
}

impl Summary {
    fn add(
        &mut self,
        section: &'static str,
        what: impl Into<String>,
        ours: impl Into<String>,
        floor: impl Into<String>,
        ratio: f64,
        note: impl Into<String>,
    ) {
        let row = Row {
            section,
            what: what.into(),
            ours: ours.into(),
            floor: floor.into(),
            ratio,
            note: note.into(),
        };
        println!(
            "  {:<46} {:>14} vs {:>14}  x{:.2}  {}",
            row.what, row.ours, row.floor, row.ratio, row.note
        );
        self.rows.push(row);
    }

    fn print(&self) {
        println!("\n## Summary (ratio = ours / floor; > 1.20 is named in BENCHMARKS.md)\n");
        println!("| # | figure | ours | floor / peer | ratio | note |");
        println!("|---|---|---:|---:|---:|---|");
        for r in &self.rows {
            println!(
                "| {} | {} | {} | {} | {:.2} | {} |",
                r.section, r.what, r.ours, r.floor, r.ratio, r.note
            );
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn us(d: f64) -> String {
    format!("{d:.1} µs")
}

fn ms(d: f64) -> String {
    format!("{d:.2} ms")
}

/// The sections `--only 1,3` asks for (all of them by default).
fn wanted() -> Res<Vec<u8>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--only") {
        None => Ok(vec![1, 3, 4, 5, 6]),
        Some(i) => {
            let list = args
                .get(i + 1)
                .ok_or("--only needs a list, like --only 1,3")?;
            list.split(',')
                .map(|n| match n.trim().parse::<u8>() {
                    Ok(n @ (1 | 3 | 4 | 5 | 6)) => Ok(n),
                    _ => Err(format!(
                        "--only: no section `{n}` (1, 3, 4, 5, 6; 2 is benches/build_cost.sh)"
                    )
                    .into()),
                })
                .collect()
        }
    }
}

fn main() -> Res<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick { QUICK } else { FULL };
    let only = wanted()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut summary = Summary::default();
    println!(
        "slack-calls benchmarks ({} run; {} cores)",
        if quick { "quick" } else { "full" },
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    runtime.block_on(async {
        if only.contains(&3) {
            per_call(&sizes, &mut summary).await?;
            codec(&sizes, &mut summary).await?;
        }
        if only.contains(&5) {
            pacing(&sizes, &mut summary).await?;
        }
        Ok::<(), BoxError>(())
    })?;
    if only.contains(&1) {
        generator(&sizes, &mut summary)?;
    }
    runtime.block_on(async {
        if only.contains(&6) {
            server(&sizes, &mut summary).await?;
        }
        Ok::<(), BoxError>(())
    })?;
    // (4) reads this process's CPU time: no other runtime may be left in it.
    drop(runtime);
    if only.contains(&4) {
        cpu_per_call(&sizes, &mut summary)?;
    }
    summary.print();
    Ok(())
}

// ---------------------------------------------------------------- (3) per call

/// A fake with no rate limits and no request log, and one Call in it.
async fn unlimited_fake() -> Res<(MockSlack, String)> {
    let (mock, call) = codec::unlimited_fake().await?;
    Ok((mock, call.id.to_string()))
}

fn our_client(mock: &MockSlack) -> Res<Client> {
    Ok(mock
        .client_builder(mock.user_token())
        .rate_limits(RateLimits::off())
        .build()?)
}

/// The floor: the same form POST by hand with reqwest, reading the body and
/// checking `"ok": true` (untyped JSON).
async fn raw_info(http: &reqwest::Client, url: &str, token: &str, id: &str) -> Res<()> {
    let body = http
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("id={id}"))
        .send()
        .await?
        .bytes()
        .await?;
    let value: serde_json::Value = serde_json::from_slice(&body)?;
    if value.get("ok") != Some(&serde_json::Value::Bool(true)) {
        return Err(format!("raw calls.info failed: {value}").into());
    }
    Ok(())
}

/// Runs `n` calls of `one` with `concurrency` tasks; returns µs per call.
async fn run_calls<F, Fut>(n: usize, concurrency: usize, one: F) -> Res<f64>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Res<()>> + Send,
{
    let one = Arc::new(one);
    let start = Instant::now();
    if concurrency <= 1 {
        for _ in 0..n {
            one().await?;
        }
    } else {
        let mut tasks = tokio::task::JoinSet::new();
        for t in 0..concurrency {
            let one = Arc::clone(&one);
            let share = n / concurrency + usize::from(t < n % concurrency);
            tasks.spawn(async move {
                for _ in 0..share {
                    one().await?;
                }
                Ok::<(), BoxError>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done??;
        }
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / n as f64)
}

async fn per_call(s: &Sizes, summary: &mut Summary) -> Res<()> {
    println!("\n(3) per-call overhead: calls.info against the fake on loopback, pacing off");
    let (mock, id) = unlimited_fake().await?;
    let client = our_client(&mock)?;
    // The same transport settings the client uses by default.
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()?;
    let url = format!("{}calls.info", mock.base_url());
    let token = mock.user_token().to_owned();

    let ours = {
        let (client, id) = (client.clone(), id.clone());
        move || {
            let (client, id) = (client.clone(), id.clone());
            async move {
                client.calls().info(id.as_str()).await?;
                Ok(())
            }
        }
    };
    let raw = {
        let (http, url, token, id) = (http.clone(), url.clone(), token.clone(), id.clone());
        move || {
            let (http, url, token, id) = (http.clone(), url.clone(), token.clone(), id.clone());
            async move { raw_info(&http, &url, &token, &id).await }
        }
    };
    // Warm up both connection pools.
    run_calls(20, 1, ours.clone()).await?;
    run_calls(20, 1, raw.clone()).await?;
    for (label, concurrency) in [("sequential", 1), ("concurrent", s.concurrency)] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..s.rounds {
            // Alternate who goes first, so drift in the machine's load hits both.
            if round % 2 == 0 {
                a.push(run_calls(s.calls, concurrency, ours.clone()).await?);
                b.push(run_calls(s.calls, concurrency, raw.clone()).await?);
            } else {
                b.push(run_calls(s.calls, concurrency, raw.clone()).await?);
                a.push(run_calls(s.calls, concurrency, ours.clone()).await?);
            }
        }
        let (a, b) = (median(a), median(b));
        summary.add(
            "3",
            format!("calls.info {label} (x{concurrency}), per call"),
            us(a),
            us(b),
            a / b,
            format!("raw reqwest floor; overhead {:+.1} µs/call", a - b),
        );
    }
    Ok(())
}

// ----------------------------------------------------- (3) encode + decode

async fn codec(s: &Sizes, summary: &mut Summary) -> Res<()> {
    println!("\n(3) encode + decode per method, no network (bodies: the fake's real answers)");
    for (method, form, body) in fake_exchanges().await? {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..s.rounds {
            let start = Instant::now();
            let mut sink = 0usize;
            for _ in 0..s.codec_iters {
                sink = sink.wrapping_add(encode_decode(method, &form, &body)?);
            }
            a.push(start.elapsed().as_secs_f64() * 1e6 / s.codec_iters as f64);
            std::hint::black_box(sink);
            let start = Instant::now();
            for _ in 0..s.codec_iters {
                sink = sink.wrapping_add(encode_untyped(&form, &body)?);
            }
            b.push(start.elapsed().as_secs_f64() * 1e6 / s.codec_iters as f64);
            std::hint::black_box(sink);
        }
        let (a, b) = (median(a), median(b));
        summary.add(
            "3",
            format!("{method} encode+decode ({} B body)", body.len()),
            format!("{a:.2} µs"),
            format!("{b:.2} µs"),
            a / b,
            "floor: same encode + untyped serde_json::Value",
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- (5) pacing

/// Time running `scale` times faster than real time, like the fake's
/// `time_scale`: the client's pacing and `Retry-After` waits shrink with it.
#[derive(Clone, Copy)]
struct ScaledClock {
    start: Instant,
    scale: f64,
}

impl Clock for ScaledClock {
    fn now(&self) -> Instant {
        let real = self.start.elapsed().as_secs_f64() * self.scale;
        self.start + Duration::from_secs_f64(real)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration.div_f64(self.scale)))
    }
}

/// A naive client: send; on 429 sleep `Retry-After` and send again.
async fn naive_info(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
    scale: f64,
) -> Res<u64> {
    let mut rejected = 0;
    loop {
        let response = http
            .post(url)
            .bearer_auth(token)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("id={id}"))
            .send()
            .await?;
        if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            rejected += 1;
            let secs: f64 = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(1.0);
            tokio::time::sleep(Duration::from_secs_f64(secs.max(1.0) / scale)).await;
            continue;
        }
        let value: serde_json::Value = serde_json::from_slice(&response.bytes().await?)?;
        if value.get("ok") != Some(&serde_json::Value::Bool(true)) {
            return Err(format!("naive calls.info failed: {value}").into());
        }
        return Ok(rejected);
    }
}

/// The fake's tier limits, time-scaled, with one Call in it (windows are
/// per method, so the `calls.info` window starts empty).
async fn limited_fake(scale: f64) -> Res<(MockSlack, String)> {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Tiers)
        .time_scale(scale)
        .start()
        .await?;
    let client = mock.client(mock.user_token())?;
    let call = client
        .calls()
        .add("bench-pacing", "https://example.com/j/p")
        .await?
        .call;
    Ok((mock, call.id.to_string()))
}

fn count_429(mock: &MockSlack) -> usize {
    mock.requests_for("calls.info")
        .iter()
        .filter(|r| matches!(r.outcome, Verdict::RateLimited { .. }))
        .count()
}

async fn pacing(s: &Sizes, summary: &mut Summary) -> Res<()> {
    let (m, scale) = (s.burst, s.time_scale);
    println!(
        "\n(5) pacing: a burst of {m} calls.info (tier 3: 50/min) against the fake's tier limits, time x{scale}"
    );
    // Slack's window holds 50 per minute: 50 at once, the next 50 a minute later...
    let floor_secs = ((m.saturating_sub(1)) / 50) as f64 * 60.0;
    // The same rate with no burst at all: one every 1.2 s.
    let sustained_secs = m.saturating_sub(1) as f64 * 60.0 / 50.0;
    for concurrency in [1usize, 8] {
        // Ours: the default pacing, on a clock as fast as the fake's.
        let (mock, id) = limited_fake(scale).await?;
        let clock = ScaledClock {
            start: Instant::now(),
            scale,
        };
        let client = mock
            .client_builder(mock.user_token())
            .clock(clock)
            .max_rate_limit_wait(Duration::from_secs(3600))
            .build()?;
        let ours = {
            let id = id.clone();
            move || {
                let (client, id) = (client.clone(), id.clone());
                async move {
                    client.calls().info(id.as_str()).await?;
                    Ok(())
                }
            }
        };
        let start = Instant::now();
        run_calls(m, concurrency, ours).await?;
        let ours_secs = start.elapsed().as_secs_f64() * scale;
        let ours_429 = count_429(&mock);
        drop(mock);

        // Naive: retry on 429 after Retry-After.
        let (mock, id) = limited_fake(scale).await?;
        let http = reqwest::Client::new();
        let url = format!("{}calls.info", mock.base_url());
        let token = mock.user_token().to_owned();
        let naive = move || {
            let (http, url, token, id) = (http.clone(), url.clone(), token.clone(), id.clone());
            async move {
                naive_info(&http, &url, &token, &id, scale).await?;
                Ok(())
            }
        };
        let start = Instant::now();
        run_calls(m, concurrency, naive).await?;
        let naive_secs = start.elapsed().as_secs_f64() * scale;
        let naive_429 = count_429(&mock);
        drop(mock);

        summary.add(
            "5",
            format!("burst of {m}, x{concurrency}: ours (fake s)"),
            format!("{ours_secs:.1} s"),
            format!("{floor_secs:.1} s"),
            ours_secs / floor_secs,
            format!("{ours_429} x 429; floor = tier minimum (full 50 burst)"),
        );
        summary.add(
            "5",
            format!("burst of {m}, x{concurrency}: ours vs sustained floor"),
            format!("{ours_secs:.1} s"),
            format!("{sustained_secs:.1} s"),
            ours_secs / sustained_secs,
            "floor = the tier's 50/min spread evenly, no burst",
        );
        summary.add(
            "5",
            format!("burst of {m}, x{concurrency}: naive retry-on-429"),
            format!("{naive_secs:.1} s"),
            format!("{floor_secs:.1} s"),
            naive_secs / floor_secs,
            format!("{naive_429} x 429"),
        );
    }
    Ok(())
}

// ------------------------------------------------------------- (1) generator

/// `spec/`, and a synthetic spec: `calls.yaml` copied into `families`
/// method families (`bench0.add`, ...), so every method has a real shape.
fn spec_sets(families: usize) -> Res<Vec<(String, Vec<SourceFile>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let real = slack_calls_codegen::load_dir(&dir, "spec")?;
    let calls = real
        .iter()
        .find(|f| f.name.ends_with("calls.yaml"))
        .ok_or("spec/calls.yaml is missing")?;
    let text = std::str::from_utf8(&calls.bytes)?;
    let mut synthetic: Vec<SourceFile> = real
        .iter()
        .filter(|f| !f.name.ends_with("calls.yaml"))
        .cloned()
        .collect();
    for k in 0..families {
        let renamed = text.replace("\n  calls.", &format!("\n  bench{k}."));
        synthetic.push(SourceFile::new(format!("synthetic/bench{k}.yaml"), renamed));
    }
    Ok(vec![
        ("spec/".to_owned(), real),
        (format!("synthetic ({families} families)"), synthetic),
    ])
}

fn generator(s: &Sizes, summary: &mut Summary) -> Res<()> {
    println!("\n(1) generator: parse+validate, emit, syn parse, prettyplease");
    let options = Options::default();
    for (label, files) in spec_sets(s.synth_families)? {
        let mut stages: [Vec<f64>; 5] = Default::default();
        let mut methods = 0;
        for _ in 0..s.gen_rounds {
            let t = Instant::now();
            let (api, diags) = slack_calls_codegen::check(&files, &options);
            let api = api.ok_or_else(|| {
                let lines: Vec<String> = diags.iter().map(|d| d.one_line()).collect();
                format!("{label} does not validate:\n{}", lines.join("\n"))
            })?;
            let t_check = t.elapsed();
            let t = Instant::now();
            let tokens = slack_calls_codegen::__emit_tokens(&api, &Mode::Core);
            let t_emit = t.elapsed();
            let t = Instant::now();
            let file: syn::File = syn::parse2(tokens)?;
            let t_syn = t.elapsed();
            let t = Instant::now();
            let text = prettyplease::unparse(&file);
            let t_pretty = t.elapsed();
            let t = Instant::now();
            let out = slack_calls_codegen::generate(&files, &options)
                .map_err(|_| format!("{label}: generate failed"))?;
            let t_total = t.elapsed();
            // generate() lays the tables out one row per line, so its text
            // differs from the staged prettyplease text; both must have run.
            if out.files.is_empty() || text.is_empty() {
                return Err(format!("{label}: generate() or the stages gave nothing").into());
            }
            methods = out.method_count;
            for (v, d) in stages
                .iter_mut()
                .zip([t_check, t_emit, t_syn, t_pretty, t_total])
            {
                v.push(d.as_secs_f64() * 1e3);
            }
        }
        let [check, emit, syn_parse, pretty, total] = stages.map(median);
        let own = check + emit;
        let format = syn_parse + pretty;
        println!(
            "  {label}: {methods} methods; parse+validate {check:.2} ms, emit {emit:.2} ms, \
             syn::parse2 {syn_parse:.2} ms, prettyplease {pretty:.2} ms; generate() {total:.2} ms"
        );
        summary.add(
            "1",
            format!("generator's own work, {label} ({methods} methods)"),
            ms(own),
            ms(format),
            own / format,
            format!(
                "parse+validate+emit vs formatting (syn::parse2 {syn_parse:.2} + prettyplease {pretty:.2} ms); generate() {total:.2} ms, prettyplease {:.0}% of it",
                100.0 * pretty / total
            ),
        );
    }
    Ok(())
}

// ------------------------------------------------------------ (6) the fake

/// Requests per second with `concurrency` tasks sending `n` calls.info.
async fn hammer(url: &str, token: &str, id: &str, n: usize, concurrency: usize) -> Res<f64> {
    let http = reqwest::Client::new();
    let (url, token, id) = (url.to_owned(), token.to_owned(), id.to_owned());
    let per_call = run_calls(n, concurrency, move || {
        let (http, url, token, id) = (http.clone(), url.clone(), token.clone(), id.clone());
        async move { raw_info(&http, &url, &token, &id).await }
    })
    .await?;
    Ok(1e6 / per_call)
}

async fn server(s: &Sizes, summary: &mut Summary) -> Res<()> {
    println!("\n(6) the fake: requests/s with concurrent clients vs a minimal axum handler");
    let (mock, id) = unlimited_fake().await?;
    let url = format!("{}calls.info", mock.base_url());
    let token = mock.user_token().to_owned();
    // The floor answers the same bytes the fake does, doing nothing else.
    let body = reqwest::Client::new()
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("id={id}"))
        .send()
        .await?
        .bytes()
        .await?;
    let app = axum::Router::new().route(
        "/api/calls.info",
        axum::routing::post(move || {
            let body = body.clone();
            async move { ([("content-type", "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let floor_url = format!("http://{}/api/calls.info", listener.local_addr()?);
    let floor = tokio::spawn(async move { axum::serve(listener, app).await });

    hammer(&url, &token, &id, 100, s.concurrency).await?;
    hammer(&floor_url, &token, &id, 100, s.concurrency).await?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..s.rounds {
        a.push(hammer(&url, &token, &id, s.server_requests, s.concurrency).await?);
        b.push(hammer(&floor_url, &token, &id, s.server_requests, s.concurrency).await?);
    }
    floor.abort();
    let (a, b) = (median(a), median(b));
    summary.add(
        "6",
        format!("fake calls.info, {} clients (req/s)", s.concurrency),
        format!("{a:.0}/s"),
        format!("{b:.0}/s"),
        b / a,
        "ratio = time per request, fake / minimal axum (same body, same load generator)",
    );
    Ok(())
}

// ------------------------------------------------------ (4) Python and Node

/// The Python peer: `slack_sdk`'s `WebClient`, `calls_info` in a loop. It
/// reads its own process's CPU time (`time.process_time()`: user + system,
/// every thread) and the wall clock around the `BENCH_N` calls that follow
/// `BENCH_WARMUP` warm-up calls, and prints both per call as one JSON line.
const PY_LOOP: &str = r#"
import json, os, time
from slack_sdk import WebClient
web = WebClient(token=os.environ["BENCH_TOKEN"], base_url=os.environ["BENCH_URL"])
call_id, n = os.environ["BENCH_CALL"], int(os.environ["BENCH_N"])
def info():
    if not web.calls_info(id=call_id)["ok"]:
        raise SystemExit("calls.info failed")
for _ in range(int(os.environ["BENCH_WARMUP"])):
    info()
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(n):
    info()
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu_us_per_call": cpu * 1e6 / n, "wall_us_per_call": wall * 1e6 / n}))
"#;

/// A peer SDK run as a child process: the command that runs its loop.
struct Peer {
    name: &'static str,
    program: std::ffi::OsString,
    args: Vec<std::ffi::OsString>,
    note: &'static str,
}

/// The peers that are installed; a message for each one that is not.
fn peers() -> Vec<Peer> {
    let mut peers = Vec::new();
    match std::env::var_os("SLACK_CALLS_PY") {
        Some(python) => peers.push(Peer {
            name: "Python",
            program: python,
            args: vec!["-c".into(), PY_LOOP.into()],
            note: "slack_sdk WebClient (urllib: a new connection per call)",
        }),
        None => println!(
            "  Python skipped: set SLACK_CALLS_PY to a python that has slack_sdk \
             (python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt)"
        ),
    }
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node");
    if node_dir.join("node_modules/@slack/web-api").is_dir() {
        peers.push(Peer {
            name: "Node",
            program: std::env::var_os("SLACK_CALLS_NODE").unwrap_or_else(|| "node".into()),
            args: vec![node_dir.join("info_loop.js").into_os_string()],
            note: "@slack/web-api WebClient (fetch: one kept-alive connection)",
        });
    } else {
        println!("  Node skipped: install its SDK with `npm ci --prefix benches/node`");
    }
    peers
}

/// One loop's figures: CPU time (user + system) and wall time, µs per call.
#[derive(Clone, Copy)]
struct PerCall {
    cpu: f64,
    wall: f64,
}

/// The `slack-calls-mock` program: `SLACK_CALLS_MOCK_BIN`, or the one beside
/// this bench (`target/<profile>/`, as the tests find it). `cargo bench`
/// does not build it. When there is none, where it was looked for.
fn mock_binary() -> Result<std::path::PathBuf, String> {
    let binary: std::path::PathBuf = match std::env::var_os("SLACK_CALLS_MOCK_BIN") {
        Some(path) => path.into(),
        None => {
            let exe = std::env::current_exe().map_err(|err| format!("the bench's path: {err}"))?;
            // The bench runs from target/<profile>/deps/.
            let profile_dir = exe
                .parent()
                .and_then(Path::parent)
                .ok_or("the bench does not run from target/<profile>/deps/")?;
            profile_dir.join(format!("slack-calls-mock{}", std::env::consts::EXE_SUFFIX))
        }
    };
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!("{} is missing", binary.display()))
    }
}

/// The fake as a process of its own (so its CPU is in no one's figure),
/// killed when dropped.
struct FakeProcess {
    child: std::process::Child,
    url: String,
    user_token: String,
    /// Kept open, so the fake never writes to a closed pipe.
    stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl FakeProcess {
    /// Starts `binary` with rate limits off and reads the lines it prints
    /// first: the base URL and the demo tokens.
    fn start(binary: &Path) -> Res<FakeProcess> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(binary)
            .args(["--no-rate-limit", "--quiet"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|err| format!("could not start {}: {err}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut fake = FakeProcess {
            child,
            url: String::new(),
            user_token: String::new(),
            stdout: std::io::BufReader::new(stdout).lines(),
        };
        let mut value = |key: &str| -> Res<String> {
            let line = fake.stdout.next().ok_or_else(|| {
                format!(
                    "slack-calls-mock ended before printing {key}; run `{} --no-rate-limit` \
                     to see why",
                    binary.display()
                )
            })??;
            line.strip_prefix(&format!("{key}="))
                .map(str::to_owned)
                .ok_or_else(|| format!("slack-calls-mock: expected {key}=..., got {line:?}").into())
        };
        let url = value("SLACK_CALLS_MOCK_URL")?;
        value("SLACK_CALLS_MOCK_BOT_TOKEN")?;
        let user_token = value("SLACK_CALLS_MOCK_USER_TOKEN")?;
        fake.url = url;
        fake.user_token = user_token;
        Ok(fake)
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// This process's CPU time so far, user + system, every thread.
#[cfg(unix)]
fn cpu_time() -> Res<Duration> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage only writes the struct it is given a pointer to.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()).into());
    }
    // SAFETY: getrusage succeeded, so it filled the struct (which was
    // zeroed, and is plain integers, anyway).
    let usage = unsafe { usage.assume_init() };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ok(time(usage.ru_utime) + time(usage.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time() -> Res<Duration> {
    Err("the process's CPU time is read with getrusage, on Unix only".into())
}

/// Our loop, in this process on `runtime` (current-thread, so the client,
/// its connection and the timing all run on this one thread, and nothing
/// else runs in the process): `warmup` calls, then `n` timed ones.
fn run_ours(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    id: &str,
    warmup: usize,
    n: usize,
) -> Res<PerCall> {
    runtime.block_on(async {
        for _ in 0..warmup {
            client.calls().info(id).await?;
        }
        let (cpu, wall) = (cpu_time()?, Instant::now());
        for _ in 0..n {
            client.calls().info(id).await?;
        }
        let (cpu, wall) = (cpu_time()? - cpu, wall.elapsed());
        Ok(PerCall {
            cpu: cpu.as_secs_f64() * 1e6 / n as f64,
            wall: wall.as_secs_f64() * 1e6 / n as f64,
        })
    })
}

/// One run of a peer's loop, a child process of its own: its figures.
fn run_peer(peer: &Peer, fake: &FakeProcess, id: &str, warmup: usize, n: usize) -> Res<PerCall> {
    let out = std::process::Command::new(&peer.program)
        .args(&peer.args)
        .env("BENCH_TOKEN", &fake.user_token)
        .env("BENCH_URL", &fake.url)
        .env("BENCH_CALL", id)
        .env("BENCH_WARMUP", warmup.to_string())
        .env("BENCH_N", n.to_string())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "the {} loop failed: {}",
            peer.name,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let field = |key: &str| {
        line.get(key)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("the {} loop printed no {key}", peer.name))
    };
    Ok(PerCall {
        cpu: field("cpu_us_per_call")?,
        wall: field("wall_us_per_call")?,
    })
}

/// `calls.info` outcomes in the fake's request log other than `ok` (a 429
/// would be `ratelimited`), and how many entries the log holds.
async fn fake_log_check(fake: &FakeProcess) -> Res<(usize, usize)> {
    let url = url::Url::parse(&fake.url)?.join("/_mock/requests?method=calls.info")?;
    let body = reqwest::get(url).await?.error_for_status()?.bytes().await?;
    let log: serde_json::Value = serde_json::from_slice(&body)?;
    let entries = log
        .get("requests")
        .and_then(serde_json::Value::as_array)
        .ok_or("the fake's log has no `requests`")?;
    let not_ok = entries
        .iter()
        .filter(|e| e.get("outcome").and_then(serde_json::Value::as_str) != Some("ok"))
        .count();
    Ok((not_ok, entries.len()))
}

/// CPU time per sequential `calls.info`: ours, the Python SDK's and the
/// Node SDK's, each read by the client's own process, all against one fake
/// in a process of its own. Runs with no other runtime in this process.
fn cpu_per_call(s: &Sizes, summary: &mut Summary) -> Res<()> {
    println!(
        "\n(4) the official Python and Node SDKs: CPU time per sequential calls.info, \
         each client's own process, against one fake in a process of its own"
    );
    let peers = peers();
    if peers.is_empty() {
        return Ok(());
    }
    if cfg!(not(unix)) {
        println!("  skipped: the bench reads its CPU time with getrusage (Unix only)");
        return Ok(());
    }
    let binary = match mock_binary() {
        Ok(binary) => binary,
        Err(missing) => {
            println!(
                "  skipped: the fake's program is needed, and {missing}. Build it with \
                 `cargo build --release --locked -p slack-calls-mock` (into the same target \
                 directory as the bench), or name one in SLACK_CALLS_MOCK_BIN"
            );
            return Ok(());
        }
    };
    let fake = FakeProcess::start(&binary)?;
    println!(
        "  the fake: {} --no-rate-limit, at {}",
        binary.display(),
        fake.url
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // No pacing, and no waiting on a 429 either: one would fail the run.
    let client = Client::builder(fake.user_token.as_str())
        .base_url(&fake.url)
        .rate_limits(RateLimits::off())
        .max_rate_limit_wait(Duration::ZERO)
        .build()?;
    let id = runtime.block_on(async {
        let call = client
            .calls()
            .add("bench-cpu", "https://example.com/j/cpu")
            .users([slack_calls::CallUser::slack("U0MOCK002")])
            .await?
            .call;
        Ok::<String, BoxError>(call.id.to_string())
    })?;
    let (warmup, n) = (s.peer_warmup, s.peer_calls);
    let mut ours = Vec::new();
    let mut theirs: Vec<Vec<PerCall>> = vec![Vec::new(); peers.len()];
    for _ in 0..s.peer_rounds {
        ours.push(run_ours(&runtime, &client, &id, warmup, n)?);
        for (peer, figures) in peers.iter().zip(theirs.iter_mut()) {
            figures.push(run_peer(peer, &fake, &id, warmup, n)?);
        }
    }
    let (not_ok, logged) = runtime.block_on(fake_log_check(&fake))?;
    if not_ok > 0 {
        return Err(format!("the fake answered {not_ok} calls.info with other than ok").into());
    }
    drop(fake);
    let medians = |figures: &[PerCall]| PerCall {
        cpu: median(figures.iter().map(|f| f.cpu).collect()),
        wall: median(figures.iter().map(|f| f.wall).collect()),
    };
    let show = |name: &str, figures: &[PerCall]| {
        let m = medians(figures);
        let rounds: Vec<String> = figures.iter().map(|f| format!("{:.1}", f.cpu)).collect();
        println!(
            "  {name:<7} CPU {:>7.1} µs/call (rounds: {}), wall {:>7.1} µs/call",
            m.cpu,
            rounds.join(", "),
            m.wall
        );
    };
    println!(
        "  {n} calls per loop after {warmup} warm-up calls, {} rounds (ours, then each peer), \
         medians; no 429 (every client fails on one, and the fake's log, its last {logged} \
         calls.info, holds only ok answers)",
        s.peer_rounds
    );
    show("ours", &ours);
    for (peer, figures) in peers.iter().zip(&theirs) {
        show(peer.name, figures);
    }
    let a = medians(&ours);
    for (peer, figures) in peers.iter().zip(&theirs) {
        let b = medians(figures);
        summary.add(
            "4",
            format!("calls.info sequential, CPU per call, vs {}", peer.name),
            us(a.cpu),
            us(b.cpu),
            a.cpu / b.cpu,
            format!(
                "peer: {} ({:.1}x less CPU is ours); wall {:.1} vs {:.1} µs/call",
                peer.note,
                b.cpu / a.cpu,
                a.wall,
                b.wall
            ),
        );
    }
    Ok(())
}

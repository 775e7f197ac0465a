//! What the metrics (feature `metrics`, `slack_calls::telemetry`) cost on
//! a call, side by side in one run: the same client's `auth.test` against
//! the fake in this process (its rate limits off, the app's pacing off),
//! in batches that take turns (who goes first alternating), each batch
//! under one recorder for the thread:
//!
//! - **no-op**: `metrics::NoopRecorder`, what every update meets when the
//!   app installs no exporter;
//! - **Prometheus**: `metrics-exporter-prometheus`'s recorder, what an app
//!   exporting to Prometheus pays (each call updates a counter and a
//!   histogram, with the method and outcome labels).
//!
//! Per contender: (a) the median of the batches' time per call; then their
//! ratio and difference, and the difference as a share of a call (the
//! goal is at most 2 %); (b) the updates one such call makes (a pacing
//! wait into the histogram, a count of the call), alone, in batches taking
//! turns, as a share of a call from (a): the loopback's noise in (a) is
//! larger than the cost. At the end the Prometheus recorder's own page is
//! read back: it must hold every update it was given.
//!
//! `cargo bench --locked -p slack-calls-benches --features metrics --bench
//! metrics` (add `-- --quick` for a smoke run). See BENCHMARKS.md.

use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusBuilder;
use slack_calls::{App, Client, Installation, RateLimits};
use slack_calls_mock::{DEMO_APP_ID, DEMO_TEAM_ID, LimitMode, MockSlack};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Sizes {
    rounds: usize,
    batch: usize,
}

const FULL: Sizes = Sizes {
    rounds: 21,
    batch: 4_000,
};
const QUICK: Sizes = Sizes {
    rounds: 3,
    batch: 300,
};

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

async fn setup() -> Res<(MockSlack, Client)> {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .log_capacity(0)
        .start()
        .await?;
    let api = mock.base_url().to_owned();
    let app = App::builder(DEMO_APP_ID)
        .rate_limits(RateLimits::off())
        .clients(move |client| client.base_url(api.clone()))
        .build()?;
    app.install(Installation::new(DEMO_TEAM_ID, [mock.bot_token()]));
    let client = app.workspace(DEMO_TEAM_ID)?;
    Ok((mock, client))
}

fn main() -> Res<()> {
    let sizes = if std::env::args().any(|arg| arg == "--quick") {
        QUICK
    } else {
        FULL
    };
    // One thread: the recorder set for it is the one every update of the
    // batch meets (the fake, in the same runtime, records nothing).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (_mock, client) = runtime.block_on(setup())?;
    let noop = metrics::NoopRecorder;
    let prometheus = PrometheusBuilder::new().build_recorder();
    let page = prometheus.handle();
    let recorders: [(&str, &dyn metrics::Recorder); 2] =
        [("no-op", &noop), ("Prometheus", &prometheus)];

    let batch = |client: &Client, n: usize| -> Res<Duration> {
        let start = Instant::now();
        runtime.block_on(async {
            for _ in 0..n {
                client.auth().test().await?;
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })?;
        Ok(start.elapsed() / u32::try_from(n)?)
    };
    // Warm up the connection pool and both recorders' maps.
    for (_, recorder) in recorders {
        let _guard = metrics::set_default_local_recorder(recorder);
        batch(&client, sizes.batch / 10 + 1)?;
    }
    let mut per_call: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for round in 0..sizes.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let _guard = metrics::set_default_local_recorder(recorders[k].1);
            per_call[k].push(batch(&client, sizes.batch)?);
        }
    }
    let [noop_call, prom_call] = per_call.map(median);
    let diff_ns = prom_call.as_secs_f64() * 1e9 - noop_call.as_secs_f64() * 1e9;
    println!(
        "metrics on a call (auth.test against the fake on loopback, {} rounds of {} calls each, \
         batches taking turns; median time per call):",
        sizes.rounds, sizes.batch
    );
    for ((name, _), call) in recorders.iter().zip([noop_call, prom_call]) {
        println!("  {name:<10} {:>9.2} µs per call", call.as_secs_f64() * 1e6);
    }
    println!(
        "  Prometheus / no-op: {:.3}x, {:+.0} ns per call ({:+.2} % of a call)",
        prom_call.as_secs_f64() / noop_call.as_secs_f64(),
        diff_ns,
        diff_ns / (noop_call.as_secs_f64() * 1e9) * 100.0
    );
    // (b) The updates one call makes, alone: what `send` records for an
    // `auth.test` that needed no wait and answered ok (a pacing wait into
    // the histogram, one count of the call), repeated, the two recorders
    // taking turns batch by batch. The difference in (a) is below the
    // loopback's noise; this is the cost itself.
    let updates = |n: usize| -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            metrics::histogram!("slack_calls_pacing_wait_seconds", "method" => "auth.test")
                .record(std::hint::black_box(0.0));
            metrics::counter!(
                "slack_calls_api_calls_total",
                "method" => "auth.test",
                "outcome" => "ok"
            )
            .increment(1);
        }
        start.elapsed() / u32::try_from(n).unwrap_or(u32::MAX)
    };
    let alone_batch = sizes.batch * 50;
    let mut alone: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for round in 0..sizes.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let _guard = metrics::set_default_local_recorder(recorders[k].1);
            alone[k].push(updates(alone_batch));
        }
    }
    let [noop_alone, prom_alone] = alone.map(median);
    println!(
        "the updates one call makes, alone ({} rounds of {alone_batch}):",
        sizes.rounds
    );
    for ((name, _), took) in recorders.iter().zip([noop_alone, prom_alone]) {
        println!(
            "  {name:<10} {:>9.1} ns per call ({:.3} % of a no-op call above)",
            took.as_secs_f64() * 1e9,
            took.as_secs_f64() / noop_call.as_secs_f64() * 100.0
        );
    }
    // The Prometheus recorder saw every call it was given.
    let rendered = page.render();
    let expected = sizes.rounds * sizes.batch + sizes.batch / 10 + 1 + sizes.rounds * alone_batch;
    let line =
        format!(r#"slack_calls_api_calls_total{{method="auth.test",outcome="ok"}} {expected}"#);
    if !rendered.lines().any(|l| l == line) {
        return Err(format!("the Prometheus page lacks {line:?}:\n{rendered}").into());
    }
    println!("  the Prometheus page counts all {expected} of its calls");
    Ok(())
}

//! Receiving events: what verify + parse + dedup + dispatch costs per
//! delivery, side by side with a bare axum handler that answers 200, in one
//! process and one run, reported as a ratio (goal: at most 1.3x). Two more
//! contenders split the difference: the receiver without a handler (nothing
//! spawned) and a bare handler that reads the body; the core rows split
//! `receive()` into its signature check, decode and dedup claim.
//!
//! `cargo bench -p slack-calls-benches --features events --bench events`
//! (add `-- --quick` for a smoke run). Set `SLACK_CALLS_PY` to a Python with `slack_sdk` for the
//! peer row: the official `SignatureVerifier` (what Bolt for Python runs)
//! verifying the same request. See BENCHMARKS.md.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::post;
use slack_calls::events::{Claim, DedupStore, MemoryDedup, Receiver};
use slack_calls::signing::SigningSecret;

#[path = "support/deliveries.rs"]
mod deliveries;
use deliveries::{BenchEvent, Request, SECRET, requests, serve};

#[derive(Clone, Copy)]
struct Sizes {
    rounds: usize,
    requests: usize,
    concurrency: usize,
    core_iters: usize,
    python_iters: usize,
}

const FULL: Sizes = Sizes {
    rounds: 5,
    requests: 8000,
    concurrency: 16,
    core_iters: 50_000,
    python_iters: 20_000,
};

const QUICK: Sizes = Sizes {
    rounds: 1,
    requests: 200,
    concurrency: 4,
    core_iters: 500,
    python_iters: 200,
};

/// Sends every request with `concurrency` tasks; the elapsed time.
async fn load(
    http: &reqwest::Client,
    url: &str,
    requests: Vec<Request>,
    concurrency: usize,
) -> Duration {
    let start = Instant::now();
    deliveries::post_all(http, url, requests, concurrency).await;
    start.elapsed()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes = if args.iter().any(|arg| arg == "--quick") {
        QUICK
    } else {
        FULL
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(sizes));
}

async fn run(sizes: Sizes) {
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&handled);
    let receiver = Receiver::<BenchEvent>::builder(SECRET)
        .on_event(move |event, _| {
            let counter = Arc::clone(&counter);
            async move {
                if matches!(event.event, BenchEvent::LinkShared { .. }) {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
        .build()
        .expect("a valid secret");
    // Without a handler: the same verify, decode and dedup, nothing spawned.
    let no_handler = Receiver::<BenchEvent>::builder(SECRET)
        .build()
        .expect("a valid secret");
    let ours = serve(axum::Router::new().route("/slack/events", receiver.method_router())).await;
    let quiet = serve(axum::Router::new().route("/slack/events", no_handler.method_router())).await;
    let bare =
        serve(axum::Router::new().route("/slack/events", post(|| async { StatusCode::OK }))).await;
    // A bare handler that also reads the body, as the receiver must.
    let reads = serve(axum::Router::new().route(
        "/slack/events",
        post(|body: axum::body::Bytes| async move {
            std::hint::black_box(body);
            StatusCode::OK
        }),
    ))
    .await;
    let contenders = [
        ("receiver router", ours.as_str()),
        ("  without a handler", quiet.as_str()),
        ("bare axum, reads body", reads.as_str()),
        ("bare axum 200", bare.as_str()),
    ];
    let http = reqwest::Client::new();
    // Warm each up (connections, allocator).
    let mut next_id = 0;
    for (_, url) in contenders {
        load(
            &http,
            url,
            requests(next_id, 200, receiver.verifier().unix_now()),
            sizes.concurrency,
        )
        .await;
        next_id += 200;
    }

    println!("== events: verify + parse + dedup + dispatch per delivery, over HTTP on 127.0.0.1");
    println!(
        "   {} deliveries per round, {} concurrent, {} rounds, median per delivery",
        sizes.requests, sizes.concurrency, sizes.rounds
    );
    // Each round runs every contender once, starting one further along, so
    // none always goes first.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 0..sizes.rounds {
        for k in 0..contenders.len() {
            let i = (round + k) % contenders.len();
            let batch = requests(next_id, sizes.requests, receiver.verifier().unix_now());
            next_id += sizes.requests;
            let elapsed = load(&http, contenders[i].1, batch, sizes.concurrency).await;
            times[i].push(elapsed.as_secs_f64() * 1e6 / sizes.requests as f64);
        }
    }
    let medians: Vec<f64> = times.iter().map(|t| median(t.clone())).collect();
    let bare_med = medians[contenders.len() - 1];
    for ((name, _), (med, rounds)) in contenders.iter().zip(medians.iter().zip(&times)) {
        println!(
            "   {name:<22} {med:8.2} µs/delivery  {:5.2}x bare   rounds {rounds:.1?}",
            med / bare_med
        );
    }
    println!(
        "   ratio             {:8.2}x  (receiver router / bare axum 200; goal <= 1.30x)",
        medians[0] / bare_med
    );
    // The handlers ran on spawned tasks; they should all have by now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    println!(
        "   handled           {} of {} link_shared deliveries",
        handled.load(Ordering::Relaxed),
        200 + sizes.rounds * sizes.requests
    );

    println!("\n== the core alone (Receiver::receive, no HTTP), one task");
    let batch = requests(next_id, sizes.core_iters, receiver.verifier().unix_now());
    let start = Instant::now();
    for (headers, body) in &batch {
        let reply = receiver.receive(headers, body).await;
        assert_eq!(reply.status, 200);
    }
    let core = start.elapsed().as_secs_f64() * 1e6 / sizes.core_iters as f64;
    let batch_quiet = requests(
        next_id + sizes.core_iters,
        sizes.core_iters,
        receiver.verifier().unix_now(),
    );
    let start = Instant::now();
    for (headers, body) in &batch_quiet {
        let reply = no_handler.receive(headers, body).await;
        assert_eq!(reply.status, 200);
    }
    let core_quiet = start.elapsed().as_secs_f64() * 1e6 / sizes.core_iters as f64;
    let secret = SigningSecret::new(SECRET).expect("long enough");
    let (headers0, body0) = &batch[0];
    let timestamp = headers0["x-slack-request-timestamp"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let start = Instant::now();
    for (headers, body) in &batch {
        let ok = slack_calls::signing::verify(
            &secret,
            &timestamp,
            headers["x-slack-signature"].as_bytes(),
            body,
        );
        assert!(ok);
    }
    let verify_only = start.elapsed().as_secs_f64() * 1e6 / sizes.core_iters as f64;
    let start = Instant::now();
    for (_, body) in &batch {
        let decoded: slack_calls::events::EventCallback<BenchEvent> =
            serde_json::from_slice(body).expect("a valid delivery");
        std::hint::black_box(decoded);
    }
    let decode_only = start.elapsed().as_secs_f64() * 1e6 / sizes.core_iters as f64;
    let dedup = MemoryDedup::new();
    let keys: Vec<String> = (0..sizes.core_iters)
        .map(|n| format!("event\nEv{n:012}"))
        .collect();
    let start = Instant::now();
    for key in &keys {
        let claim = dedup.claim(key).await.expect("in memory");
        assert_eq!(claim, Claim::First);
    }
    let dedup_only = start.elapsed().as_secs_f64() * 1e6 / sizes.core_iters as f64;
    println!("   receive()         {core:8.2} µs/delivery (verify, decode, dedup, spawn)");
    println!("     no handler      {core_quiet:8.2} µs/delivery (verify, decode, dedup)");
    println!("   decode alone      {decode_only:8.2} µs/delivery");
    println!("   signature alone   {verify_only:8.2} µs/delivery");
    println!("   dedup claim alone {dedup_only:8.2} µs/key (MemoryDedup, new keys)");

    if let Some(python) = std::env::var_os("SLACK_CALLS_PY") {
        let script = format!(
            "import time\nfrom slack_sdk.signature import SignatureVerifier\n\
             v = SignatureVerifier(signing_secret={SECRET:?})\n\
             body = {body:?}\nts = {timestamp:?}\nsig = {sig:?}\n\
             n = {n}\nstart = time.perf_counter()\n\
             for _ in range(n):\n    assert v.is_valid(body=body, timestamp=ts, signature=sig)\n\
             print((time.perf_counter() - start) * 1e6 / n)\n",
            body = String::from_utf8_lossy(body0),
            sig = headers0["x-slack-signature"].to_str().expect("ascii"),
            n = sizes.python_iters,
        );
        let out = std::process::Command::new(Path::new(&python))
            .arg("-c")
            .arg(script)
            .output();
        match out {
            Ok(out) if out.status.success() => println!(
                "   slack_sdk SignatureVerifier.is_valid (Bolt for Python's check) {:>8} µs/delivery",
                String::from_utf8_lossy(&out.stdout)
                    .trim()
                    .parse::<f64>()
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_default()
            ),
            Ok(out) => println!(
                "   python peer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(err) => println!("   python peer could not run: {err}"),
        }
    } else {
        println!("   (set SLACK_CALLS_PY for the slack_sdk SignatureVerifier row)");
    }
}

//! The acknowledgement time of an event delivery with and without the
//! durable handoff ([`EventStream`], issue "A deploy or a crash", item 2),
//! side by side in one process and one run. Slack gives an app 3 s to
//! answer; the stream adds the `XADD` the receiver waits for before it
//! answers `200`.
//!
//! Contenders, each a `Receiver` whose handler only counts its events:
//!
//! - **memory**: no stream; `200` after the in-memory dedup claim, the
//!   handler spawned;
//! - **stream, unix**: an `EventStream` on a `redis-server` of the bench's
//!   own, on a Unix socket, `--save "" --appendonly no`;
//! - **stream, TCP**: the same Redis through 127.0.0.1;
//! - **stream, AOF always**: a second Redis on a Unix socket with
//!   `--appendonly yes --appendfsync always` (what the docs recommend for
//!   durability: each `XADD` is on disk before Redis answers);
//! - **stream, no workers**: the first Redis's socket again, with no
//!   workers running: the `XADD` alone, without the workers' reads and
//!   scripts competing for the cores and for Redis.
//!
//! The other stream receivers' workers run (`run_workers`), so the stream
//! stays short, as in production; they share the machine with the
//! receiver.
//!
//! 1. **core**: `Receiver::receive(headers, body)`, one delivery after the
//!    other on one task, each timed; p50 and p99 per batch.
//! 2. **HTTP**: an axum server on 127.0.0.1 per contender
//!    (`method_router`), a reqwest client posting signed deliveries with
//!    some in flight at once; each timed from send to the `200` read
//!    whole: the acknowledgement time Slack would see, less its network.
//! 3. **what the difference is made of**: the token strip alone (the
//!    envelope parsed into a JSON map and written again, as the stream
//!    does before the `XADD`), and a bare `XADD` round trip on each
//!    socket (hand-written RESP, no client library), in batches that take
//!    turns with those of 1.
//!
//! Batches take turns, the first one further along each round; each
//! figure is the median over the rounds.
//!
//! `cargo bench --locked -p slack-calls-benches --features events,redis
//! --bench stream` (add `-- --quick` for a smoke run). Needs `redis-server`
//! on PATH or in `SLACK_CALLS_REDIS_SERVER`; without one, the stream rows
//! are skipped (said so). See BENCHMARKS.md.

use std::ffi::OsString;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use slack_calls::events::{EventStream, Receiver};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[path = "support/deliveries.rs"]
mod deliveries;
use deliveries::{BenchEvent, Request, SECRET, requests, serve};

#[path = "../tests/real_parts/redis_server.rs"]
mod redis_server;
use redis_server::RedisServer;

/// Slack's deadline for an acknowledgement.
const SLACK_DEADLINE: Duration = Duration::from_secs(3);

#[derive(Clone, Copy)]
struct Sizes {
    rounds: usize,
    /// Deliveries per contender per round through `receive()`.
    core: usize,
    /// Deliveries per contender per round over HTTP.
    http: usize,
    concurrency: usize,
    /// Token strips and bare `XADD`s per round.
    parts: usize,
}

const FULL: Sizes = Sizes {
    rounds: 9,
    core: 2000,
    http: 4000,
    concurrency: 16,
    parts: 2000,
};

const QUICK: Sizes = Sizes {
    rounds: 2,
    core: 100,
    http: 200,
    concurrency: 4,
    parts: 100,
};

/// One receiver and what its handler counted.
struct Contender {
    name: &'static str,
    receiver: Receiver<BenchEvent>,
    /// The outcome its deliveries get: `event` or `queued`.
    outcome: &'static str,
    handled: Arc<AtomicUsize>,
    delivered: usize,
    /// The most events acknowledged but not yet handled at a batch's end.
    most_behind: usize,
    /// For the bare `XADD`: the Redis' address.
    redis: Option<Address>,
    /// Whether its stream workers run.
    workers: bool,
}

#[derive(Clone)]
enum Address {
    Unix(std::path::PathBuf),
    Tcp(String),
}

impl Contender {
    fn new(name: &'static str, stream: Option<(EventStream, Address)>, workers: bool) -> Contender {
        let handled = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&handled);
        let mut builder = Receiver::<BenchEvent>::builder(SECRET);
        let mut redis = None;
        let outcome = match stream {
            Some((stream, address)) => {
                builder = builder.stream(stream);
                redis = Some(address);
                "queued"
            }
            None => "event",
        };
        let receiver = builder
            .on_event(move |_, _| {
                let counter = Arc::clone(&counter);
                async move {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
            .build()
            .expect("a valid receiver");
        Contender {
            name,
            receiver,
            outcome,
            handled,
            delivered: 0,
            most_behind: 0,
            redis,
            workers,
        }
    }

    fn after_batch(&mut self, count: usize) {
        self.delivered += count;
        let behind = self
            .delivered
            .saturating_sub(self.handled.load(Ordering::Relaxed));
        self.most_behind = self.most_behind.max(behind);
    }
}

/// The p50 and p99 of one batch's times.
#[derive(Clone, Copy, Default)]
struct Spread {
    p50: Duration,
    p99: Duration,
}

fn spread(mut times: Vec<Duration>) -> Spread {
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).saturating_sub(1);
        times.get(i).copied().unwrap_or_default()
    };
    Spread {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// The median over the rounds of each batch's p50 and p99.
fn medians(rounds: &[Spread]) -> Spread {
    Spread {
        p50: median(rounds.iter().map(|s| s.p50).collect()),
        p99: median(rounds.iter().map(|s| s.p99).collect()),
    }
}

/// Seconds since the epoch, for the deliveries' signed timestamp.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Each delivery through `receive()`, one after the other, each timed.
async fn core_batch(contender: &Contender, batch: &[Request]) -> Vec<Duration> {
    let mut times = Vec::with_capacity(batch.len());
    for (headers, body) in batch {
        let start = Instant::now();
        let reply = contender.receiver.receive(headers, body).await;
        times.push(start.elapsed());
        assert_eq!(
            (reply.status, reply.outcome.label()),
            (200, contender.outcome),
            "{}",
            contender.name
        );
    }
    times
}

/// The envelope without its `token`, as the stream stores it: parsed into a
/// JSON map and written again.
fn strip_token(body: &[u8]) -> Vec<u8> {
    let mut envelope: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).expect("an object");
    envelope.remove("token");
    serde_json::to_vec(&envelope).expect("serializes")
}

/// One `XADD key MAXLEN ~ 1000 * body <body>` in RESP, and its answer (the
/// new entry's id, a bulk string), read whole.
async fn bare_xadd<S>(connection: &mut S, key: &str, body: &[u8], buffer: &mut Vec<u8>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    buffer.clear();
    buffer.extend_from_slice(b"*8\r\n$4\r\nXADD\r\n");
    for arg in [
        key.as_bytes(),
        b"MAXLEN",
        b"~",
        b"1000",
        b"*",
        b"body",
        body,
    ] {
        buffer.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        buffer.extend_from_slice(arg);
        buffer.extend_from_slice(b"\r\n");
    }
    connection.write_all(buffer).await.expect("write to Redis");
    buffer.clear();
    let mut chunk = [0u8; 256];
    loop {
        let n = connection.read(&mut chunk).await.expect("read from Redis");
        assert!(n > 0, "Redis closed the connection");
        buffer.extend_from_slice(&chunk[..n]);
        let Some(line) = buffer.windows(2).position(|w| w == b"\r\n") else {
            continue;
        };
        assert_eq!(buffer[0], b'$', "XADD: {}", String::from_utf8_lossy(buffer));
        let len: usize = std::str::from_utf8(&buffer[1..line])
            .ok()
            .and_then(|len| len.parse().ok())
            .expect("a bulk length");
        if buffer.len() >= line + 2 + len + 2 {
            return;
        }
    }
}

/// `count` bare `XADD`s of `body` on a connection of its own, each timed.
async fn bare_xadds(address: &Address, key: &str, body: &[u8], count: usize) -> Vec<Duration> {
    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        mut connection: S,
        key: &str,
        body: &[u8],
        count: usize,
    ) -> Vec<Duration> {
        let mut buffer = Vec::new();
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            let start = Instant::now();
            bare_xadd(&mut connection, key, body, &mut buffer).await;
            times.push(start.elapsed());
        }
        times
    }
    match address {
        Address::Unix(path) => {
            let connection = tokio::net::UnixStream::connect(path)
                .await
                .expect("the Redis socket");
            run(connection, key, body, count).await
        }
        Address::Tcp(addr) => {
            let connection = tokio::net::TcpStream::connect(addr)
                .await
                .expect("the Redis port");
            connection.set_nodelay(true).expect("nodelay");
            run(connection, key, body, count).await
        }
    }
}

/// A port free on 127.0.0.1 now (for Redis to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// The Redis servers and the stream contenders on them; none without a
/// `redis-server`.
fn stream_contenders(program: Option<OsString>) -> (Vec<RedisServer>, Vec<Contender>) {
    let Some(program) = program else {
        println!(
            "!! no redis-server on PATH or in SLACK_CALLS_REDIS_SERVER: the stream rows are skipped"
        );
        return (Vec::new(), Vec::new());
    };
    let port = free_port().to_string();
    let started =
        RedisServer::start_with(&program, false, &["--port", &port, "--bind", "127.0.0.1"])
            .and_then(|plain| {
                RedisServer::start_persistent(&program).map(|durable| (plain, durable))
            });
    let (plain, durable) = match started {
        Ok(servers) => servers,
        Err(err) => {
            println!("!! {err}: the stream rows are skipped");
            return (Vec::new(), Vec::new());
        }
    };
    let socket = |server: &RedisServer| {
        let url = server.url();
        let path = url.trim_start_matches("redis+unix://").to_owned();
        (url, Address::Unix(path.into()))
    };
    let stream = |url: &str, app_id: &str| EventStream::new(url, app_id).expect("a stream");
    let (plain_url, plain_socket) = socket(&plain);
    let (durable_url, durable_socket) = socket(&durable);
    let tcp_url = format!("redis://127.0.0.1:{port}/");
    let contenders = vec![
        Contender::new(
            "stream, unix",
            Some((stream(&plain_url, "A0UNIX"), plain_socket.clone())),
            true,
        ),
        Contender::new(
            "stream, TCP",
            Some((
                stream(&tcp_url, "A0TCP"),
                Address::Tcp(format!("127.0.0.1:{port}")),
            )),
            true,
        ),
        Contender::new(
            "stream, AOF always",
            Some((stream(&durable_url, "A0AOF"), durable_socket)),
            true,
        ),
        Contender::new(
            "stream, no workers",
            Some((stream(&plain_url, "A0IDLE"), plain_socket)),
            false,
        ),
    ];
    (vec![plain, durable], contenders)
}

fn main() {
    let sizes = if std::env::args().any(|arg| arg == "--quick") {
        QUICK
    } else {
        FULL
    };
    let (servers, streams) = stream_contenders(redis_server::program());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(sizes, streams));
    drop(runtime);
    drop(servers);
}

async fn run(sizes: Sizes, streams: Vec<Contender>) {
    let mut contenders = vec![Contender::new("memory (no stream)", None, true)];
    contenders.extend(streams);
    for contender in contenders.iter().filter(|c| c.workers) {
        let receiver = contender.receiver.clone();
        tokio::spawn(async move { receiver.run_workers().await });
    }
    let mut next_id = 0;
    let mut fresh = |count: usize, now: i64| {
        let batch = requests(next_id, count, now);
        next_id += count;
        batch
    };
    let n = contenders.len();

    // 1. The core, and its parts alone (the token strip, a bare XADD on
    // each Redis socket) taking turns with it, so that both meet the same
    // load.
    let body = fresh(1, now()).remove(0).1;
    let stored = strip_token(&body);
    let addresses: Vec<(&str, Address)> = contenders
        .iter()
        .filter(|c| c.workers)
        .filter_map(|c| c.redis.clone().map(|a| (c.name, a)))
        .collect();
    for contender in &mut contenders {
        let batch = fresh(200, now());
        core_batch(contender, &batch).await;
        contender.after_batch(200);
    }
    let mut core: Vec<Vec<Spread>> = vec![Vec::new(); n];
    let mut strip: Vec<Duration> = Vec::new();
    let mut xadd: Vec<Vec<Spread>> = vec![Vec::new(); addresses.len()];
    let jobs = n + 1 + addresses.len();
    for round in 0..sizes.rounds {
        for k in 0..jobs {
            let i = (round + k) % jobs;
            if i < n {
                let batch = fresh(sizes.core, now());
                core[i].push(spread(core_batch(&contenders[i], &batch).await));
                contenders[i].after_batch(sizes.core);
            } else if i == n {
                let start = Instant::now();
                for _ in 0..sizes.parts {
                    std::hint::black_box(strip_token(std::hint::black_box(&body)));
                }
                strip.push(start.elapsed() / u32::try_from(sizes.parts).unwrap_or(u32::MAX));
            } else {
                let (_, address) = &addresses[i - n - 1];
                let times = bare_xadds(address, "bench:bare", &stored, sizes.parts).await;
                xadd[i - n - 1].push(spread(times));
            }
        }
    }

    // 2. Over HTTP.
    let mut urls = Vec::new();
    for contender in &contenders {
        urls.push(
            serve(axum::Router::new().route("/slack/events", contender.receiver.method_router()))
                .await,
        );
    }
    let http = reqwest::Client::new();
    for (contender, url) in contenders.iter_mut().zip(&urls) {
        let batch = fresh(200, now());
        deliveries::post_all(&http, url, batch, sizes.concurrency).await;
        contender.after_batch(200);
    }
    let mut over_http: Vec<Vec<Spread>> = vec![Vec::new(); n];
    for round in 0..sizes.rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let batch = fresh(sizes.http, now());
            let times = deliveries::post_all(&http, &urls[i], batch, sizes.concurrency).await;
            over_http[i].push(spread(times));
            contenders[i].after_batch(sizes.http);
        }
    }

    // Every acknowledged event was handled (the workers kept up).
    let waited = Instant::now();
    while contenders
        .iter()
        .any(|c| c.workers && c.handled.load(Ordering::Relaxed) < c.delivered)
        && waited.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    println!(
        "== acknowledgement time with and without the event stream: {} rounds, batches taking turns, \
         median over the rounds of each batch's p50 and p99",
        sizes.rounds
    );
    println!(
        "   deliveries: {} per batch through receive(), {} per batch over HTTP ({} in flight); \
         a {}-byte link_shared envelope ({} bytes stored)",
        sizes.core,
        sizes.http,
        sizes.concurrency,
        body.len(),
        stored.len()
    );
    let table = |title: &str, rows: &[Vec<Spread>]| {
        println!("\n-- {title}");
        println!(
            "   {:<20} {:>10} {:>10} {:>12} {:>12} {:>8} {:>8}",
            "contender", "p50 µs", "p99 µs", "Δp50 µs", "Δp99 µs", "p50 x", "p99 x"
        );
        let base = medians(&rows[0]);
        for (contender, rounds) in contenders.iter().zip(rows) {
            let m = medians(rounds);
            println!(
                "   {:<20} {:>10.1} {:>10.1} {:>+12.1} {:>+12.1} {:>8.2} {:>8.2}",
                contender.name,
                us(m.p50),
                us(m.p99),
                us(m.p50) - us(base.p50),
                us(m.p99) - us(base.p99),
                m.p50.as_secs_f64() / base.p50.as_secs_f64(),
                m.p99.as_secs_f64() / base.p99.as_secs_f64(),
            );
        }
        rows.iter()
            .map(|rounds| medians(rounds).p99)
            .max()
            .unwrap_or_default()
    };
    let core_worst = table(
        "1. Receiver::receive(), one delivery after the other (Δ and x: against memory)",
        &core,
    );
    let http_worst = table(
        "2. over HTTP on 127.0.0.1, send to 200 (the ack Slack would see, less its network)",
        &over_http,
    );
    println!("\n-- 3. what the stream adds is made of (taking turns with 1.)");
    println!(
        "   token strip (parse the envelope, drop `token`, write it again): {:.1} µs",
        us(median(strip))
    );
    for ((name, _), rounds) in addresses.iter().zip(&xadd) {
        let m = medians(rounds);
        println!(
            "   bare XADD round trip, {:<20} p50 {:>8.1} µs  p99 {:>8.1} µs",
            format!("{name}:"),
            us(m.p50),
            us(m.p99)
        );
    }
    println!("\n-- against Slack's 3 s");
    for (what, worst) in [("receive()", core_worst), ("over HTTP", http_worst)] {
        println!(
            "   worst p99 {what:<10} {:>10.1} µs = {:.4} % of 3 s (1/{:.0})",
            us(worst),
            worst.as_secs_f64() / SLACK_DEADLINE.as_secs_f64() * 100.0,
            SLACK_DEADLINE.as_secs_f64() / worst.as_secs_f64()
        );
    }
    println!("\n-- the handlers (each counts its event)");
    for contender in &contenders {
        if !contender.workers {
            println!(
                "   {:<20} handled {} of {} acknowledged: no workers, left in the stream",
                contender.name,
                contender.handled.load(Ordering::Relaxed),
                contender.delivered
            );
            continue;
        }
        println!(
            "   {:<20} handled {} of {} acknowledged; at most {} behind at a batch's end",
            contender.name,
            contender.handled.load(Ordering::Relaxed),
            contender.delivered,
            contender.most_behind
        );
    }
    for contender in &contenders {
        contender.receiver.shutdown().stop();
    }
}

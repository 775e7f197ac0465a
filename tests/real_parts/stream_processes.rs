//! A crash loses nothing (issue "A deploy or a crash", item 2): four
//! receiver processes, each with the durable handoff (`EventStream`, its
//! defaults) on one real `redis-server`, behind a round-robin TCP load
//! balancer that the fake delivers to. Fake users post 1,000 links; the
//! fake sends 1,000 signed `link_shared` events, with Slack's retries. The
//! handlers take 50 to 450 ms and log when they start and finish.
//!
//! - `kill -9` of one process after 400 posts: every event the fake saw
//!   acknowledged is handled (0 lost), and none twice, but for the one case
//!   the handoff allows (a handler that finished in the killed process
//!   whose done mark had not reached Redis, found by freezing the process
//!   with `SIGSTOP` and reading its marks before the `SIGKILL`). The time
//!   from the kill until another process has run the last of its events is
//!   the time to recover (the claim idle time, 15 s by default, plus a
//!   handler).
//! - Redis killed (`SIGKILL`; it runs with `appendfsync always`) after 400
//!   posts and started again 1.5 s later: meanwhile the receivers answer
//!   `503`, the fake retries (at once, after 1 and 5 minutes, on a clock
//!   60 times faster), and every event is handled once.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use libtest_mimic::Failed;
use slack_calls::events::{EventStream, Receiver, link_shared_domain_key};
use slack_calls_mock::{DeliveryRecord, MockSlack};

use crate::graceful_stop::serve_printing_the_port;
use crate::link_unfurl::{SECRET, post, register};
use crate::part::check;
use crate::redis_pacing::runtime;
use crate::redis_server::RedisServer;

const ROLE: &str = "SLACK_CALLS_STREAM_INSTANCE";
const REDIS_URL: &str = "SLACK_CALLS_STREAM_REDIS";
const NAME: &str = "SLACK_CALLS_STREAM_NAME";
const APP_ID: &str = "A0STREAM";
const PROCESSES: usize = 4;
const EVENTS: usize = 1000;
/// The crash (or the Redis restart) comes after this many posts.
const CRASH_AT: usize = 400;
/// Fake users post one link this often (about 80 a second).
const POST_EVERY: Duration = Duration::from_millis(12);

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// 50 to 450 ms, by event id: each process has several handlers running
/// when one is killed.
fn slowness(event_id: &str) -> Duration {
    let n = event_id
        .bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    Duration::from_millis(50 + n % 400)
}

/// In the child: a receiver with the stream on the Redis at `REDIS_URL`
/// (every default but the consumer name, `NAME`), served with the defaults;
/// its handler appends `{unix ms} start {event id}` and `... done ...` to
/// the file named by `ROLE`, one write per line. Prints its port.
pub fn run_instance_if_asked() -> bool {
    let Ok(log) = std::env::var(ROLE) else {
        return false;
    };
    let url = std::env::var(REDIS_URL).expect("the Redis URL");
    let name = std::env::var(NAME).expect("the consumer name");
    // The library's warnings (Redis away, entries taken over) to the
    // test's output.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .try_init();
    runtime().block_on(async move {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the handled log");
        let file = Arc::new(std::sync::Mutex::new(file));
        let line = move |file: &std::sync::Mutex<std::fs::File>, what: &str, id: &str| {
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(format!("{} {what} {id}\n", unix_ms()).as_bytes())
                .expect("write the handled log");
        };
        let stream = EventStream::new(&url, APP_ID)
            .expect("a stream")
            .consumer(name);
        let receiver = Receiver::<slack_calls::Event>::builder(SECRET)
            .stream(stream)
            .domain_key(link_shared_domain_key)
            .on_event(move |event, _| {
                let file = Arc::clone(&file);
                async move {
                    line(&file, "start", &event.event_id);
                    tokio::time::sleep(slowness(&event.event_id)).await;
                    line(&file, "done", &event.event_id);
                }
            })
            .build()
            .expect("a receiver");
        serve_printing_the_port(&receiver).await;
    });
    std::process::exit(0);
}

/// The receiver processes; killed on every path out of the test.
struct Instances {
    children: Vec<Child>,
    logs: Vec<PathBuf>,
    ports: Vec<u16>,
}

impl Drop for Instances {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The receiver processes, their logs in a fresh directory named `name`.
fn start_instances(name: &str, redis_url: &str) -> Result<Instances, Failed> {
    let dir = crate::part::scratch_dir(name)?;
    let me = std::env::current_exe().map_err(|err| err.to_string())?;
    let mut instances = Instances {
        children: Vec::new(),
        logs: Vec::new(),
        ports: Vec::new(),
    };
    for n in 0..PROCESSES {
        let log = dir.join(format!("instance-{n}.log"));
        let mut child = Command::new(&me)
            .env(ROLE, &log)
            .env(REDIS_URL, redis_url)
            .env(NAME, format!("instance-{n}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|err| format!("could not start a receiver process: {err}"))?;
        let out = child.stdout.take().ok_or("its stdout")?;
        instances.children.push(child);
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .map_err(|err| err.to_string())?;
        let port: u16 = line
            .trim()
            .parse()
            .map_err(|_| format!("instance {n} said {line:?}, not its port"))?;
        instances.logs.push(log);
        instances.ports.push(port);
    }
    Ok(instances)
}

/// A load balancer: each connection goes to the next backend in turn, or
/// the one after when it refuses (a dead process's port), and is relayed
/// byte for byte.
async fn balance(ports: Vec<u16>) -> std::io::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                continue;
            };
            let ports = ports.clone();
            let first = next.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                for k in 0..ports.len() {
                    let port = ports[(first + k) % ports.len()];
                    if let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    Ok(port)
}

/// The balancer in front of `instances`, the fake delivering to it, and
/// the posts before the crash; the fake, and when the posting began.
async fn first_posts(instances: &Instances) -> Result<(MockSlack, Instant), Failed> {
    let balancer = balance(instances.ports.clone())
        .await
        .map_err(|err| err.to_string())?;
    let mock = fake_and_app(balancer).await?;
    let started = Instant::now();
    post_range(&mock, 0..CRASH_AT).await?;
    Ok((mock, started))
}

/// One line of a handled log.
struct Line {
    at_ms: u128,
    done: bool,
    event_id: String,
}

fn read_log(path: &Path) -> Result<Vec<Line>, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|line| {
            let mut words = line.split(' ');
            match (words.next(), words.next(), words.next()) {
                (Some(at), Some(what @ ("start" | "done")), Some(id)) => Ok(Line {
                    at_ms: at.parse().map_err(|_| format!("a bad line: {line:?}"))?,
                    done: what == "done",
                    event_id: id.to_owned(),
                }),
                _ => Err(format!("a bad line in {}: {line:?}", path.display())),
            }
        })
        .collect()
}

/// The fake with the app registered at the balancer; Slack's retry
/// delays (1 and 5 minutes) pass 60 times faster.
async fn fake_and_app(balancer: u16) -> Result<MockSlack, Failed> {
    let mock = MockSlack::builder()
        .time_scale(60.0)
        .start()
        .await
        .map_err(|err| err.to_string())?;
    register(&mock, &balancer.to_string(), SECRET).await?;
    Ok(mock)
}

/// Posts links `range` (one per [`POST_EVERY`]).
async fn post_range(mock: &MockSlack, range: std::ops::Range<usize>) -> Result<(), Failed> {
    let mut tick = tokio::time::interval(POST_EVERY);
    for n in range {
        tick.tick().await;
        post(mock, &format!("https://calls.example.com/j/{n}"))?;
    }
    Ok(())
}

/// What the run came to, from the fake's log and the handlers' logs.
struct Tally {
    /// Event ids the fake sent.
    sent: HashSet<String>,
    /// Event ids the fake saw acknowledged (a 2xx in time).
    acked: HashSet<String>,
    /// Attempts answered 503.
    answered_503: usize,
    /// Attempts that found no answer (connection refused or reset).
    no_answer: usize,
    /// Retries sent.
    retries: usize,
    /// Per event id: the (instance, time) of each finished run.
    done: HashMap<String, Vec<(usize, u128)>>,
}

fn tally(deliveries: &[DeliveryRecord], instances: &Instances) -> Result<Tally, String> {
    let mut tally = Tally {
        sent: HashSet::new(),
        acked: HashSet::new(),
        answered_503: 0,
        no_answer: 0,
        retries: 0,
        done: HashMap::new(),
    };
    for record in deliveries.iter().filter(|r| r.kind == "link_shared") {
        let Some(id) = &record.event_id else { continue };
        tally.sent.insert(id.clone());
        if record.acked_in_time {
            tally.acked.insert(id.clone());
        }
        if record.status == Some(503) {
            tally.answered_503 += 1;
        }
        if record.status.is_none() {
            tally.no_answer += 1;
        }
        if record.attempt > 0 {
            tally.retries += 1;
        }
    }
    for (n, path) in instances.logs.iter().enumerate() {
        for line in read_log(path)? {
            if line.done {
                tally
                    .done
                    .entry(line.event_id)
                    .or_default()
                    .push((n, line.at_ms));
            }
        }
    }
    Ok(tally)
}

/// Waits until the fake has sent all [`EVENTS`] and every acknowledged one
/// is done somewhere, for at most `limit`.
async fn until_all_done(
    mock: &MockSlack,
    instances: &Instances,
    limit: Duration,
) -> Result<Tally, Failed> {
    let started = Instant::now();
    loop {
        let tally = tally(&mock.deliveries(), instances)?;
        let settled = tally.sent.len() == EVENTS
            && tally.acked.len() == EVENTS
            && tally.acked.iter().all(|id| tally.done.contains_key(id));
        if settled || started.elapsed() > limit {
            return Ok(tally);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn redis_connection(url: &str) -> Result<redis::aio::MultiplexedConnection, String> {
    redis::Client::open(url)
        .map_err(|err| err.to_string())?
        .get_multiplexed_async_connection()
        .await
        .map_err(|err| format!("connect to Redis: {err}"))
}

fn signal(child: &Child, signal: i32) -> Result<(), Failed> {
    let pid = i32::try_from(child.id()).map_err(|err| err.to_string())?;
    // SAFETY: kill takes plain integers and touches no memory.
    let sent = unsafe { libc::kill(pid, signal) };
    check(sent == 0, || format!("kill({pid}, {signal}) failed"))
}

/// What a frozen process leaves: the events it finished whose done mark
/// is not in Redis (they may run again), and the events of the entries
/// pending at it (another process must run them).
struct Frozen {
    unsettled: HashSet<String>,
    pending: HashSet<String>,
    started_unfinished: usize,
}

async fn inspect_frozen(redis: &str, log: &Path, consumer: &str) -> Result<Frozen, Failed> {
    let mut conn = redis_connection(redis).await?;
    let lines = read_log(log)?;
    let started: HashSet<&str> = lines
        .iter()
        .filter(|l| !l.done)
        .map(|l| l.event_id.as_str())
        .collect();
    let finished: HashSet<&str> = lines
        .iter()
        .filter(|l| l.done)
        .map(|l| l.event_id.as_str())
        .collect();
    let mut unsettled = HashSet::new();
    for id in &finished {
        let mark: Option<String> = redis::cmd("GET")
            .arg(format!("slack-calls:dedup:{APP_ID}:event\n{id}"))
            .query_async(&mut conn)
            .await
            .map_err(|err| format!("GET a mark: {err}"))?;
        if mark.as_deref() != Some("done") {
            unsettled.insert((*id).to_owned());
        }
    }
    let key = format!("slack-calls:events:{APP_ID}");
    let pending: Vec<(String, String, u64, u64)> = redis::cmd("XPENDING")
        .arg(&key)
        .arg("slack-calls")
        .arg("-")
        .arg("+")
        .arg(100_000)
        .arg(consumer)
        .query_async(&mut conn)
        .await
        .map_err(|err| format!("XPENDING: {err}"))?;
    let mut pending_events = HashSet::new();
    for (entry, ..) in pending {
        let found: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(&key)
            .arg(&entry)
            .arg(&entry)
            .query_async(&mut conn)
            .await
            .map_err(|err| format!("XRANGE: {err}"))?;
        for stored in found.ids {
            let body: Vec<u8> = stored.get("body").ok_or("an entry without a body")?;
            let envelope: serde_json::Value =
                serde_json::from_slice(&body).map_err(|err| err.to_string())?;
            if let Some(id) = envelope["event_id"].as_str() {
                pending_events.insert(id.to_owned());
            }
        }
    }
    Ok(Frozen {
        unsettled,
        pending: pending_events,
        started_unfinished: started.difference(&finished).count(),
    })
}

/// Every acknowledged event done; the ones done twice, but for `allowed`.
fn lost_and_twice(tally: &Tally, allowed: &HashSet<String>) -> (Vec<String>, Vec<String>, usize) {
    let mut lost: Vec<String> = tally
        .acked
        .iter()
        .filter(|id| !tally.done.contains_key(*id))
        .cloned()
        .collect();
    lost.sort();
    let mut twice = Vec::new();
    let mut allowed_twice = 0;
    for (id, runs) in &tally.done {
        if runs.len() > 1 {
            if allowed.contains(id) && runs.len() == 2 {
                allowed_twice += 1;
            } else {
                twice.push(format!("{id} ×{}", runs.len()));
            }
        }
    }
    twice.sort();
    (lost, twice, allowed_twice)
}

pub fn a_process_killed_mid_run_loses_nothing(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start_persistent(program)?;
    let url = redis.url();
    let mut instances = start_instances("stream-kill", &url)?;
    runtime().block_on(async {
        let (mock, run_started) = first_posts(&instances).await?;

        // The crash: frozen first, so that what it leaves can be read
        // exactly, then killed; it never runs another instruction. Frozen
        // at a moment when it runs handlers (let go and frozen again when
        // it happened to run none), so that the kill cuts some off.
        let mut tries = 0;
        let frozen = loop {
            signal(&instances.children[0], libc::SIGSTOP)?;
            let frozen = inspect_frozen(&url, &instances.logs[0], "instance-0").await?;
            tries += 1;
            if frozen.started_unfinished > 0 || tries == 50 {
                break frozen;
            }
            signal(&instances.children[0], libc::SIGCONT)?;
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        signal(&instances.children[0], libc::SIGKILL)?;
        let killed_ms = unix_ms();
        let _ = instances.children[0].wait();

        post_range(&mock, CRASH_AT..EVENTS).await?;
        let tally = until_all_done(&mock, &instances, Duration::from_secs(120)).await?;
        let took = run_started.elapsed();

        let (lost, twice, rerun) = lost_and_twice(&tally, &frozen.unsettled);
        // The time to recover: from the kill until the last event pending
        // at the dead process was done by another.
        let recovered_ms = frozen
            .pending
            .iter()
            .filter_map(|id| {
                tally
                    .done
                    .get(id)?
                    .iter()
                    .filter(|(n, _)| *n != 0)
                    .map(|(_, at)| *at)
                    .min()
            })
            .max()
            .map(|at| at.saturating_sub(killed_ms));
        let recovered_all = frozen.pending.iter().all(|id| {
            tally
                .done
                .get(id)
                .is_some_and(|runs| runs.iter().any(|(n, _)| *n != 0))
        });
        let per_instance: Vec<usize> = (0..PROCESSES)
            .map(|n| {
                tally
                    .done
                    .values()
                    .flatten()
                    .filter(|(i, _)| *i == n)
                    .count()
            })
            .collect();
        eprintln!(
            "stream kill -9: {} events sent, {} acknowledged, {} handled ({} lost, {} twice); \
             handled per process {per_instance:?}; the killed process left {} entries pending \
             ({} handlers cut off mid-run, {} finished without their done mark: {rerun} of \
             those ran again); {} retries, {} attempts without an answer; recovered {} ms after \
             the kill; the run took {:.1} s",
            tally.sent.len(),
            tally.acked.len(),
            tally.done.len(),
            lost.len(),
            twice.len(),
            frozen.pending.len(),
            frozen.started_unfinished,
            frozen.unsettled.len(),
            tally.retries,
            tally.no_answer,
            recovered_ms.map_or("-".to_owned(), |ms| ms.to_string()),
            took.as_secs_f64(),
        );
        check(tally.sent.len() == EVENTS, || {
            format!("{} sent", tally.sent.len())
        })?;
        check(tally.acked.len() == EVENTS, || {
            format!("{} of {EVENTS} acknowledged in the end", tally.acked.len())
        })?;
        check(lost.is_empty(), || {
            format!("acknowledged, never handled: {lost:?}")
        })?;
        check(twice.is_empty(), || format!("handled twice: {twice:?}"))?;
        check(
            frozen.started_unfinished > 0 && !frozen.pending.is_empty(),
            || "the kill cut off no handler".into(),
        )?;
        check(recovered_all, || {
            format!(
                "some of the dead process's entries were not run elsewhere: {:?}",
                frozen.pending
            )
        })?;
        check(
            per_instance[0] > 0 && per_instance[1..].iter().all(|n| *n > 0),
            || format!("every process handled some: {per_instance:?}"),
        )?;
        Ok(())
    })
}

pub fn redis_killed_mid_run_and_restarted_loses_nothing(program: &OsString) -> Result<(), Failed> {
    let mut redis = RedisServer::start_persistent(program)?;
    let url = redis.url();
    let instances = start_instances("stream-redis-restart", &url)?;
    runtime().block_on(async {
        let (mock, run_started) = first_posts(&instances).await?;
        redis.kill();
        // Posts go on while Redis is away: their deliveries are refused
        // with 503, and retried.
        let away = Instant::now();
        post_range(&mock, CRASH_AT..CRASH_AT + 120).await?;
        let outage = away.elapsed();
        tokio::task::block_in_place(|| redis.restart())?;
        let back = Instant::now();
        post_range(&mock, CRASH_AT + 120..EVENTS).await?;
        let tally = until_all_done(&mock, &instances, Duration::from_secs(120)).await?;
        let took = run_started.elapsed();
        let (lost, twice, _) = lost_and_twice(&tally, &HashSet::new());
        let last_done = tally.done.values().flatten().map(|(_, at)| *at).max().unwrap_or(0);
        eprintln!(
            "stream Redis restart: {} events sent, {} acknowledged, {} handled ({} lost, {} twice); \
             Redis away {:.2} s (SIGKILL, then started again on its append-only file): {} \
             attempts answered 503, {} retries; everything handled {:.1} s after Redis came back; \
             the run took {:.1} s",
            tally.sent.len(),
            tally.acked.len(),
            tally.done.len(),
            lost.len(),
            twice.len(),
            outage.as_secs_f64(),
            tally.answered_503,
            tally.retries,
            (last_done.saturating_sub(unix_ms() - back.elapsed().as_millis())) as f64 / 1000.0,
            took.as_secs_f64(),
        );
        check(tally.sent.len() == EVENTS, || format!("{} sent", tally.sent.len()))?;
        check(tally.acked.len() == EVENTS, || {
            format!("{} of {EVENTS} acknowledged in the end", tally.acked.len())
        })?;
        check(tally.answered_503 > 0, || "no delivery met Redis away".into())?;
        check(lost.is_empty(), || format!("acknowledged, never handled: {lost:?}"))?;
        check(twice.is_empty(), || format!("handled twice: {twice:?}"))?;
        Ok(())
    })
}

//! The durable handoff in one process, against a real `redis-server`
//! (issue "A deploy or a crash", item 2): what goes into the stream, what
//! the receiver answers when Redis is away, and what "once" means when a
//! worker dies. The crash of whole processes is in `stream_processes`.

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use slack_calls::Shutdown;
use slack_calls::events::{EventStream, Outcome, Receiver, link_shared_key};

use crate::part::check;
use crate::redis_pacing::{APP_ID, runtime};
use crate::redis_server::RedisServer;
use crate::support::signed_events::{
    SECRET, TestEvent, call_rejected, callback, link_shared, signed_json,
};

type Handled = Arc<Mutex<Vec<(String, Option<u32>)>>>;

/// A receiver on the stream of `url` whose handler records each event id
/// (and its retry number); `claim_idle` short, so tests need not wait 15 s.
fn receiver(url: &str, shutdown: &Shutdown, handled: &Handled) -> Receiver<TestEvent> {
    let handled = Arc::clone(handled);
    Receiver::<TestEvent>::builder(SECRET)
        .stream(
            EventStream::new(url, APP_ID)
                .expect("a stream")
                .claim_idle(Duration::from_millis(300)),
        )
        .domain_key(|event| match &event.event {
            TestEvent::LinkShared { channel, links, .. } => Some(link_shared_key(
                "T0001",
                channel,
                "1700000000.000100",
                links.iter().map(|link| link.url.as_str()),
            )),
            _ => None,
        })
        .shutdown(shutdown)
        .on_event(move |event, context| {
            let handled = Arc::clone(&handled);
            async move {
                if event.event_id == "EvPANIC" {
                    panic!("a handler bug");
                }
                handled
                    .lock()
                    .unwrap()
                    .push((event.event_id.clone(), context.retry_num()));
            }
        })
        .build()
        .expect("a receiver")
}

async fn deliver(receiver: &Receiver<TestEvent>, body: &[u8], retry: Option<u32>) -> Outcome {
    let mut headers = signed_json(SECRET, receiver.verifier().unix_now(), body);
    if let Some(num) = retry {
        headers.insert("x-slack-retry-num", num.to_string().parse().unwrap());
        headers.insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
    }
    let reply = receiver.receive(&headers, body).await;
    match reply.status {
        200 | 503 => {}
        other => panic!("unexpected status {other}"),
    }
    assert!(!reply.no_retry, "{reply:?}");
    reply.outcome
}

async fn connection(url: &str) -> Result<redis::aio::MultiplexedConnection, String> {
    let client = redis::Client::open(url).map_err(|err| err.to_string())?;
    client
        .get_multiplexed_async_connection()
        .await
        .map_err(|err| err.to_string())
}

async fn stream_len(url: &str) -> Result<usize, String> {
    let mut redis = connection(url).await?;
    redis::cmd("XLEN")
        .arg(format!("slack-calls:events:{APP_ID}"))
        .query_async(&mut redis)
        .await
        .map_err(|err| err.to_string())
}

async fn pending(url: &str) -> Result<usize, String> {
    let mut redis = connection(url).await?;
    let summary: redis::Value = redis::cmd("XPENDING")
        .arg(format!("slack-calls:events:{APP_ID}"))
        .arg("slack-calls")
        .query_async(&mut redis)
        .await
        .map_err(|err| err.to_string())?;
    match summary {
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::Int(n)) => Ok(*n as usize),
            other => Err(format!("XPENDING: {other:?}")),
        },
        other => Err(format!("XPENDING: {other:?}")),
    }
}

/// Waits (up to 20 s) until `done` holds.
async fn until<F, Fut>(what: &str, mut done: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, String>>,
{
    let started = Instant::now();
    loop {
        if done().await? {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("not within 20 s: {what}"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn spawn_workers(receiver: &Receiver<TestEvent>) {
    let receiver = receiver.clone();
    tokio::spawn(async move { receiver.run_workers().await });
}

/// Waits until nothing is in the stream or pending.
async fn until_empty(url: &str) -> Result<(), String> {
    until("the stream is empty", || async move {
        Ok(stream_len(url).await? == 0 && pending(url).await? == 0)
    })
    .await
}

fn counts(handled: &Handled) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for (id, _) in handled.lock().unwrap().iter() {
        *counts.entry(id.clone()).or_default() += 1;
    }
    counts
}

/// Five deliveries of three events (a retry of one, and one link shared
/// twice under new event ids) are queued and acknowledged; the stream holds
/// no verification token or secret; the workers run each event once and
/// leave the stream empty.
pub fn queues_without_secrets_and_runs_each_event_once(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let url = redis.url();
    runtime().block_on(async {
        let shutdown = Shutdown::new();
        let handled: Handled = Arc::default();
        let receiver = receiver(&url, &shutdown, &handled);
        let link = "https://calls.example.com/j/1";
        let deliveries: [(&str, serde_json::Value, Option<u32>); 5] = [
            ("Ev1", call_rejected(), None),
            ("Ev2", call_rejected(), None),
            ("Ev1", call_rejected(), Some(1)),
            ("EvL1", link_shared(link), None),
            ("EvL2", link_shared(link), None),
        ];
        for (id, event, retry) in deliveries {
            let outcome = deliver(&receiver, &callback(id, event), retry).await;
            check(outcome == Outcome::Queued, || format!("{id}: {outcome:?}"))?;
        }
        // Before any worker runs: what Redis holds.
        let mut redis = connection(&url).await?;
        let entries: redis::Value = redis::cmd("XRANGE")
            .arg(format!("slack-calls:events:{APP_ID}"))
            .arg("-")
            .arg("+")
            .query_async(&mut redis)
            .await
            .map_err(|err| err.to_string())?;
        let dump = format!("{entries:?}");
        check(stream_len(&url).await? == 5, || dump.clone())?;
        for secret in ["deprecated-verification-token", SECRET, "\\\"token\\\""] {
            check(!dump.contains(secret), || {
                format!("the stream holds {secret:?}: {dump}")
            })?;
        }
        check(dump.contains("http_timeout"), || {
            format!("the retry's headers are kept: {dump}")
        })?;

        spawn_workers(&receiver);
        until_empty(&url).await?;
        let counts = counts(&handled);
        eprintln!("stream handoff: handled {counts:?}");
        check(counts.len() == 3, || format!("three events: {counts:?}"))?;
        check(counts.values().all(|n| *n == 1), || {
            format!("each once: {counts:?}")
        })?;
        check(
            counts.contains_key("Ev1") && counts.contains_key("Ev2"),
            || format!("{counts:?}"),
        )?;
        // Slack's late retry of an event already handled: queued, dropped.
        let outcome = deliver(&receiver, &callback("Ev2", call_rejected()), Some(2)).await;
        check(outcome == Outcome::Queued, || format!("{outcome:?}"))?;
        until("the retry is dropped", || {
            let url = url.clone();
            async move { Ok(stream_len(&url).await? == 0) }
        })
        .await?;
        check(counts_of(&handled, "Ev2") == 1, || "Ev2 once".into())?;
        let report = shutdown.finish().await;
        check(report.unfinished == 0, || format!("{report}"))?;
        Ok(())
    })
}

fn counts_of(handled: &Handled, id: &str) -> usize {
    counts(handled).get(id).copied().unwrap_or(0)
}

/// With Redis gone the receiver answers 503 (retried by Slack, no
/// `x-slack-no-retry`) and acknowledges nothing; Redis back (empty), the
/// next delivery is queued and run, the workers having made the group
/// again.
pub fn redis_away_is_503_then_the_retry_is_run(program: &OsString) -> Result<(), Failed> {
    let mut redis = RedisServer::start(program)?;
    let url = redis.url();
    runtime().block_on(async {
        let shutdown = Shutdown::new();
        let handled: Handled = Arc::default();
        let receiver = receiver(&url, &shutdown, &handled);
        spawn_workers(&receiver);
        let outcome = deliver(&receiver, &callback("EvA", call_rejected()), None).await;
        check(outcome == Outcome::Queued, || format!("{outcome:?}"))?;
        until("EvA is handled", || async {
            Ok(counts_of(&handled, "EvA") == 1)
        })
        .await?;

        redis.kill();
        let started = Instant::now();
        let outcome = deliver(&receiver, &callback("EvB", call_rejected()), None).await;
        let took = started.elapsed();
        eprintln!("stream handoff: with Redis gone, answered {outcome:?} in {took:?}");
        check(outcome == Outcome::QueueUnavailable, || {
            format!("{outcome:?}")
        })?;

        redis.restart()?;
        let outcome = deliver(&receiver, &callback("EvB", call_rejected()), Some(1)).await;
        check(outcome == Outcome::Queued, || format!("{outcome:?}"))?;
        until("EvB is handled after Redis came back", || async {
            Ok(counts_of(&handled, "EvB") == 1)
        })
        .await?;
        shutdown.finish().await;
        Ok(())
    })
}

/// A worker that took two entries and died (one mid-handler: its run mark
/// is set; one before starting) leaves them pending; a live worker takes
/// both over after the claim idle time and runs each once. A handler that
/// panics is acknowledged, not run again.
pub fn a_dead_workers_entries_are_taken_over(program: &OsString) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let url = redis.url();
    runtime().block_on(async {
        let shutdown = Shutdown::new();
        let handled: Handled = Arc::default();
        let receiver = receiver(&url, &shutdown, &handled);
        let key = format!("slack-calls:events:{APP_ID}");
        let mut raw = connection(&url).await?;
        let _: String = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&key)
            .arg("slack-calls")
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        for id in ["EvD1", "EvD2", "EvPANIC"] {
            let outcome = deliver(&receiver, &callback(id, call_rejected()), None).await;
            check(outcome == Outcome::Queued, || format!("{outcome:?}"))?;
        }
        // The worker that dies: reads the three, marks the first running.
        // Their idle time counts from this read.
        let started = Instant::now();
        let taken: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("slack-calls")
            .arg("dead-worker")
            .arg("COUNT")
            .arg(3)
            .arg("STREAMS")
            .arg(&key)
            .arg(">")
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        let ids: Vec<String> = taken
            .keys
            .iter()
            .flat_map(|key| key.ids.iter().map(|id| id.id.clone()))
            .collect();
        check(ids.len() == 3, || format!("{ids:?}"))?;
        let _: () = redis::cmd("SET")
            .arg(format!("slack-calls:dedup:{APP_ID}:event\nEvD1"))
            .arg(format!("run:{}", ids[0]))
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        check(pending(&url).await? == 3, || "three pending".into())?;

        spawn_workers(&receiver);
        until("both are taken over and run", || async {
            Ok(counts_of(&handled, "EvD1") == 1 && counts_of(&handled, "EvD2") == 1)
        })
        .await?;
        let recovered = started.elapsed();
        until("nothing pending, the stream empty", || {
            let url = url.clone();
            async move { Ok(pending(&url).await? == 0 && stream_len(&url).await? == 0) }
        })
        .await?;
        eprintln!(
            "stream handoff: a dead worker's 3 entries taken over {recovered:?} after its read"
        );
        check(recovered >= Duration::from_millis(300), || {
            format!("taken over only after the idle time, not {recovered:?}")
        })?;
        let counts = counts(&handled);
        check(
            counts.len() == 2 && counts.values().all(|n| *n == 1),
            || format!("{counts:?}"),
        )?;
        shutdown.finish().await;
        Ok(())
    })
}

/// Consumers of processes long gone are removed from the group, but only
/// those that hold no entry: removing one drops its pending entries.
pub fn consumers_long_gone_are_forgotten_unless_they_hold_entries(
    program: &OsString,
) -> Result<(), Failed> {
    let redis = RedisServer::start(program)?;
    let url = redis.url();
    runtime().block_on(async {
        let shutdown = Shutdown::new();
        let handled: Handled = Arc::default();
        let key = format!("slack-calls:events:{APP_ID}");
        let mut raw = connection(&url).await?;
        let command = |args: &[&str]| {
            let mut command = redis::cmd(args[0]);
            for arg in &args[1..] {
                command.arg(*arg);
            }
            command
        };
        let _: String = command(&["XGROUP", "CREATE", &key, "slack-calls", "0", "MKSTREAM"])
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        let _: String = command(&["XADD", &key, "*", "body", "{}"])
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        let _: redis::Value = command(&[
            "XREADGROUP",
            "GROUP",
            "slack-calls",
            "gone-busy",
            "COUNT",
            "1",
            "STREAMS",
            &key,
            ">",
        ])
        .query_async(&mut raw)
        .await
        .map_err(|err| err.to_string())?;
        let _: i64 = command(&["XGROUP", "CREATECONSUMER", &key, "slack-calls", "gone-idle"])
            .query_async(&mut raw)
            .await
            .map_err(|err| err.to_string())?;
        // Idle longer than the shortest window there is (5 s; the dedup
        // window set below is shorter), as Redis counts it.
        until("both consumers idle past 5 s", || {
            let (url, key) = (url.clone(), key.clone());
            async move {
                let mut raw = connection(&url).await?;
                let info: redis::streams::StreamInfoConsumersReply = redis::cmd("XINFO")
                    .arg("CONSUMERS")
                    .arg(&key)
                    .arg("slack-calls")
                    .query_async(&mut raw)
                    .await
                    .map_err(|err| err.to_string())?;
                Ok(info.consumers.len() == 2 && info.consumers.iter().all(|c| c.idle > 5_100))
            }
        })
        .await?;
        // The workers' first round looks for consumers long gone; the
        // claim idle time is long so that the busy one keeps its entry.
        let receiver = Receiver::<TestEvent>::builder(SECRET)
            .stream(
                EventStream::new(&url, APP_ID)
                    .expect("a stream")
                    .dedup_ttl(Duration::from_millis(50))
                    .claim_idle(Duration::from_secs(600)),
            )
            .shutdown(&shutdown)
            .on_event({
                let handled = Arc::clone(&handled);
                move |event, _| {
                    let handled = Arc::clone(&handled);
                    async move { handled.lock().unwrap().push((event.event_id, None)) }
                }
            })
            .build()
            .expect("a receiver");
        spawn_workers(&receiver);
        let names = || {
            let url = url.clone();
            let key = key.clone();
            async move {
                let mut raw = connection(&url).await?;
                let info: redis::streams::StreamInfoConsumersReply = redis::cmd("XINFO")
                    .arg("CONSUMERS")
                    .arg(&key)
                    .arg("slack-calls")
                    .query_async(&mut raw)
                    .await
                    .map_err(|err| err.to_string())?;
                Ok::<Vec<String>, String>(info.consumers.into_iter().map(|c| c.name).collect())
            }
        };
        until("the idle consumer is forgotten", || async {
            Ok(!names().await?.iter().any(|name| name == "gone-idle"))
        })
        .await?;
        let left = names().await?;
        check(left.iter().any(|name| name == "gone-busy"), || {
            format!("the consumer holding an entry is kept: {left:?}")
        })?;
        check(pending(&url).await? == 1, || {
            "its entry is still pending".into()
        })?;
        shutdown.finish().await;
        Ok(())
    })
}

/// The stream in the metrics: deliveries `queued` by event type, entries
/// the workers finished by outcome. Recorded with a recorder local to the
/// test's thread (a current-thread runtime), so other tests cannot add to
/// the counts.
#[cfg(feature = "metrics")]
pub fn the_stream_is_counted(program: &OsString) -> Result<(), Failed> {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};

    let redis = RedisServer::start(program)?;
    let url = redis.url();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| err.to_string())?;
    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let shutdown = Shutdown::new();
            let handled: Handled = Arc::default();
            let receiver = receiver(&url, &shutdown, &handled);
            for (id, retry) in [("EvM1", None), ("EvM2", None), ("EvM1", Some(1))] {
                let outcome = deliver(&receiver, &callback(id, call_rejected()), retry).await;
                check(outcome == Outcome::Queued, || format!("{outcome:?}"))?;
            }
            spawn_workers(&receiver);
            until_empty(&url).await?;
            shutdown.finish().await;
            Ok::<(), Failed>(())
        })
    })?;
    let mut counts: HashMap<String, u64> = HashMap::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        if let DebugValue::Counter(n) = value {
            let (_, key) = key.into_parts();
            let mut labels: Vec<String> = key
                .labels()
                .map(|label| format!("{}={}", label.key(), label.value()))
                .collect();
            labels.sort();
            counts.insert(format!("{}{{{}}}", key.name(), labels.join(",")), n);
        }
    }
    let get = |name: &str| counts.get(name).copied().unwrap_or(0);
    eprintln!("stream metrics: {counts:?}");
    check(
        get("slack_calls_deliveries_total{outcome=queued,type=call_rejected}") == 3,
        || format!("{counts:?}"),
    )?;
    check(
        get("slack_calls_stream_entries_total{outcome=handled}") == 2,
        || format!("{counts:?}"),
    )?;
    check(
        get("slack_calls_stream_entries_total{outcome=duplicate}") == 1,
        || format!("{counts:?}"),
    )?;
    check(get("slack_calls_dedup_hits_total{}") == 1, || {
        format!("{counts:?}")
    })?;
    Ok(())
}

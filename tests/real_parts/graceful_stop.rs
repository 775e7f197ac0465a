//! A deploy loses nothing (issue "A deploy or a crash", item 1): a receiver
//! process (`Server`, its defaults) gets a burst of 200 signed deliveries
//! whose handlers are slow (100 to 600 ms, every tenth 2 s more), and
//! `SIGTERM` halfway through.
//! Expected: every delivery it acknowledged with `200` was handled, once
//! (0 lost), and the deliveries after the stop were refused so that Slack
//! retries them (`503`, or no connection), never `200` and dropped. The
//! process exits by itself with nothing unfinished.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use slack_calls::events::{Receiver, Server};

use crate::part::check;
use crate::support::signed_events::{SECRET, TestEvent, call_rejected, callback, signed_json};

const ROLE: &str = "SLACK_CALLS_GRACEFUL_INSTANCE";
const DELIVERIES: usize = 200;
/// How many deliveries at once, as Slack's own concurrency to one app.
const AT_ONCE: usize = 8;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// How long the handler of delivery `n` takes: 100 to 600 ms, and 2 s
/// more for every tenth, so that the stop always has handlers to wait for
/// however late it begins on a loaded machine.
fn slowness(event_id: &str) -> Duration {
    let n: u64 = event_id.trim_start_matches("Ev").parse().unwrap_or(0);
    let long = if n % 10 == 9 { 2_000 } else { 0 };
    Duration::from_millis(100 + (n * 37) % 500 + long)
}

/// In the child: a receiver served with the defaults (stops on SIGTERM),
/// whose handlers append each event id to the file named by `ROLE` after
/// their slow work. Prints its port, then the stop's report.
pub fn run_instance_if_asked() -> bool {
    let Ok(log) = std::env::var(ROLE) else {
        return false;
    };
    let report = runtime().block_on(async move {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("the handled log");
        let file = Arc::new(std::sync::Mutex::new(file));
        let receiver = Receiver::<TestEvent>::builder(SECRET)
            .on_event(move |event, _| {
                let file = file.clone();
                async move {
                    tokio::time::sleep(slowness(&event.event_id)).await;
                    let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                    // One write per line on an O_APPEND file.
                    file.write_all(format!("{}\n", event.event_id).as_bytes())
                        .expect("write the handled log");
                }
            })
            .build()
            .expect("a receiver");
        serve_printing_the_port(&receiver).await
    });
    println!(
        "stopped {} {} {}",
        report.in_flight,
        report.unfinished,
        report.took.as_millis()
    );
    std::process::exit(0);
}

/// In a child process: serves `receiver` at `/slack/events` with the
/// defaults (stops on `SIGTERM`) on a port the system picks, printed first
/// on its own line for the test to read.
pub async fn serve_printing_the_port<E>(receiver: &Receiver<E>) -> slack_calls::ShutdownReport
where
    E: serde::de::DeserializeOwned + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    println!("{}", listener.local_addr().expect("addr").port());
    std::io::stdout().flush().expect("stdout");
    Server::new()
        .events("/slack/events", receiver)
        .serve_on(listener)
        .await
        .expect("serve")
}

/// Kills the child on every path out of the test.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Status(u16),
    NoConnection,
}

pub fn sigterm_mid_burst_loses_no_acknowledged_event() -> Result<(), Failed> {
    let log = crate::part::scratch_dir("graceful-stop")?.join("handled.txt");
    let me = std::env::current_exe().map_err(|err| err.to_string())?;
    let child = Command::new(me)
        .env(ROLE, &log)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| format!("could not start the receiver process: {err}"))?;
    let mut child = Killed(child);
    let pid = i32::try_from(child.0.id()).map_err(|err| err.to_string())?;
    let mut out = BufReader::new(child.0.stdout.take().ok_or("its stdout")?);
    let mut line = String::new();
    out.read_line(&mut line).map_err(|err| err.to_string())?;
    let port: u16 = line
        .trim()
        .parse()
        .map_err(|_| format!("the process said {line:?}, not its port"))?;
    let url = format!("http://127.0.0.1:{port}/slack/events");

    let (answers, signalled_at) = runtime().block_on(async move {
        let http = reqwest::Client::new();
        let next = Arc::new(AtomicUsize::new(0));
        let acked = Arc::new(AtomicUsize::new(0));
        let signalled = Arc::new(AtomicBool::new(false));
        let mut senders = tokio::task::JoinSet::new();
        for _ in 0..AT_ONCE {
            let (http, url, next, acked, signalled) = (
                http.clone(),
                url.clone(),
                next.clone(),
                acked.clone(),
                signalled.clone(),
            );
            senders.spawn(async move {
                let mut answers = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= DELIVERIES {
                        return answers;
                    }
                    let id = format!("Ev{n:03}");
                    let body = callback(&id, call_rejected());
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64);
                    let after_signal = signalled.load(Ordering::SeqCst);
                    let answer = match http
                        .post(&url)
                        .headers(signed_json(SECRET, now, &body))
                        .body(body)
                        .send()
                        .await
                    {
                        Ok(response) => Answer::Status(response.status().as_u16()),
                        Err(_) => Answer::NoConnection,
                    };
                    if answer == Answer::Status(200)
                        && acked.fetch_add(1, Ordering::SeqCst) + 1 == DELIVERIES / 2
                    {
                        // Halfway: the deploy's SIGTERM.
                        // SAFETY: kill takes plain integers and touches no memory.
                        unsafe { libc::kill(pid, libc::SIGTERM) };
                        signalled.store(true, Ordering::SeqCst);
                    }
                    answers.push((id, answer, after_signal));
                }
            });
        }
        let mut answers = Vec::new();
        while let Some(done) = senders.join_next().await {
            answers.extend(done.expect("a sender"));
        }
        (answers, Instant::now())
    });

    // The process ends by itself once its handlers are done.
    let status = loop {
        if let Some(status) = child.0.try_wait().map_err(|err| err.to_string())? {
            break status;
        }
        if signalled_at.elapsed() > Duration::from_secs(120) {
            return Err("the receiver process did not stop within 2 minutes of SIGTERM".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).map_err(|err| err.to_string())?;
    let report: Vec<u64> = rest
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    let [in_flight, unfinished, took_ms] = report[..] else {
        return Err(format!("the process's report: {rest:?} ({status})").into());
    };

    let text = std::fs::read_to_string(&log).map_err(|err| err.to_string())?;
    let mut handled: HashMap<&str, usize> = HashMap::new();
    for id in text.lines() {
        *handled.entry(id).or_default() += 1;
    }
    let acked: Vec<&str> = answers
        .iter()
        .filter(|(_, answer, _)| *answer == Answer::Status(200))
        .map(|(id, _, _)| id.as_str())
        .collect();
    let lost: Vec<&&str> = acked
        .iter()
        .filter(|id| !handled.contains_key(**id))
        .collect();
    let twice: Vec<(&&str, &usize)> = handled.iter().filter(|(_, n)| **n > 1).collect();
    let unacked_handled: Vec<&&str> = handled.keys().filter(|id| !acked.contains(*id)).collect();
    let after: Vec<Answer> = answers
        .iter()
        .filter(|(_, _, after)| *after)
        .map(|(_, answer, _)| *answer)
        .collect();
    let count = |wanted: fn(&Answer) -> bool| after.iter().filter(|a| wanted(a)).count();
    let refused_503 = count(|a| *a == Answer::Status(503));
    let no_connection = count(|a| *a == Answer::NoConnection);
    let ok_after = count(|a| *a == Answer::Status(200));
    let other: Vec<&Answer> = answers
        .iter()
        .map(|(_, answer, _)| answer)
        .filter(|a| !matches!(a, Answer::Status(200 | 503) | Answer::NoConnection))
        .collect();
    eprintln!(
        "graceful stop: {} deliveries, {} acknowledged and {} handled ({} lost, {} twice); \
         SIGTERM after {}; sent after it: {} refused 503, {} no connection, {} acknowledged \
         before the stop took hold; {in_flight} in flight at the stop, {unfinished} \
         unfinished, the stop took {took_ms} ms; {status}",
        answers.len(),
        acked.len(),
        handled.len(),
        lost.len(),
        twice.len(),
        DELIVERIES / 2,
        refused_503,
        no_connection,
        ok_after,
    );
    check(answers.len() == DELIVERIES, || {
        "every delivery was sent".into()
    })?;
    check(lost.is_empty(), || {
        format!("acknowledged, never handled: {lost:?}")
    })?;
    check(twice.is_empty(), || format!("handled twice: {twice:?}"))?;
    check(unacked_handled.is_empty(), || {
        format!("handled, not acknowledged: {unacked_handled:?}")
    })?;
    check(other.is_empty(), || format!("other answers: {other:?}"))?;
    check(refused_503 + no_connection > 0, || {
        "nothing sent after SIGTERM was refused".into()
    })?;
    check(in_flight > 0, || "the stop had handlers to wait for".into())?;
    check(unfinished == 0 && status.success(), || {
        format!("{unfinished} unfinished, exit {status}")
    })?;
    Ok(())
}

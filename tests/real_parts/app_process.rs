//! A Slack app under test, run as its own process (Bolt for Python, Bolt
//! for JavaScript): started, waited for until it says on stdout that it
//! listens, its stdout and stderr kept for the test's checks and failure
//! messages, and killed on every path, the test's failures and panics
//! included (when dropped).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use libtest_mimic::Failed;

/// How long an app may take to print its ready line: it starts an
/// interpreter and its SDK, and its first `auth.test` on the fake.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The app's process, killed when dropped.
pub struct AppProcess {
    child: Child,
    /// Its stdout, a line at a time, as it prints them.
    stdout: mpsc::Receiver<String>,
    /// The stdout lines received so far.
    seen: Vec<String>,
    /// Its whole stderr, once it has ended.
    stderr: Option<JoinHandle<String>>,
}

impl AppProcess {
    /// Starts `command` (`what` names it in errors) with stdout and stderr
    /// piped, both read to the end so it never writes into a full or closed
    /// pipe.
    pub fn spawn(what: &str, command: &mut Command) -> Result<AppProcess, Failed> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("could not start {what}: {err}"))?;
        // Piped above, so both are there.
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{what} has no stdout or stderr pipe").into());
        };
        let (lines_tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let stderr = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
                .join("\n")
        });
        Ok(AppProcess {
            child,
            stdout: lines,
            seen: Vec::new(),
            stderr: Some(stderr),
        })
    }

    /// Waits for a stdout line that starts with `prefix` (for at most
    /// `timeout`, or until stdout closes); the rest of that line.
    pub fn wait_for_line(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => {
                    let rest = line.strip_prefix(prefix).map(str::to_owned);
                    self.seen.push(line);
                    if let Some(rest) = rest {
                        return Ok(rest);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    return Err(format!("no line {prefix:?} within {timeout:?}"));
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(format!("it ended without printing {prefix:?}"));
                }
            }
        }
    }

    /// Kills the app and waits for it; every line it printed on stdout,
    /// and its stderr.
    pub fn end(mut self) -> (Vec<String>, String) {
        self.kill();
        // Its stdout closed with it: the reader sends what was left, then
        // hangs up.
        let mut lines = std::mem::take(&mut self.seen);
        while let Ok(line) = self.stdout.recv_timeout(Duration::from_secs(10)) {
            lines.push(line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|log| log.join().ok())
            .unwrap_or_default();
        (lines, stderr)
    }

    /// `what` as a test failure, with the app's output: the app is killed
    /// first.
    pub fn failed(self, what: impl std::fmt::Display) -> Failed {
        let (stdout, stderr) = self.end();
        format!(
            "{what}\nthe app's stdout:\n{}\nits stderr:\n{stderr}",
            stdout.join("\n")
        )
        .into()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

//! A `redis-server` of a test's own: on a Unix socket in a fresh directory,
//! no TCP port, no persistence unless [`RedisServer::start_persistent`];
//! stopped (and the directory removed) when dropped. [`RedisServer::kill`]
//! and [`RedisServer::restart`] take it away and bring it back on the same
//! socket: empty, or with every write it acknowledged when persistent.
//! The benches that need a Redis (`pacing`, `stream`) start theirs with
//! this file too.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

pub struct RedisServer {
    program: OsString,
    dir: PathBuf,
    child: Option<Child>,
    /// `appendonly yes`, `appendfsync always`: a write acknowledged is on
    /// disk, so a `kill -9` loses none.
    persistent: bool,
    /// Given after the defaults, so they win over them.
    extra: Vec<String>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// `redis-server` from `SLACK_CALLS_REDIS_SERVER`, else the first on
/// `PATH`. (The tests find theirs through their `Part`.)
#[allow(dead_code)]
pub fn program() -> Option<OsString> {
    if let Some(path) = std::env::var_os("SLACK_CALLS_REDIS_SERVER") {
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
        .map(Into::into)
}

impl RedisServer {
    /// (The stream bench starts its servers with the two below.)
    #[allow(dead_code)]
    pub fn start(program: &OsString) -> Result<RedisServer, String> {
        RedisServer::start_with(program, false, &[])
    }

    /// A server that writes every command to its append-only file before
    /// answering, as the event stream's durability needs: restarted after
    /// a kill, it has everything it acknowledged.
    #[allow(dead_code)]
    pub fn start_persistent(program: &OsString) -> Result<RedisServer, String> {
        RedisServer::start_with(program, true, &[])
    }

    /// A server with `extra` arguments after the defaults (the later win):
    /// the stream bench's TCP port.
    pub fn start_with(
        program: &OsString,
        persistent: bool,
        extra: &[&str],
    ) -> Result<RedisServer, String> {
        let dir = std::env::temp_dir().join(format!(
            "slack-calls-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let mut server = RedisServer {
            program: program.clone(),
            dir,
            child: None,
            persistent,
            extra: extra.iter().map(|arg| (*arg).to_owned()).collect(),
        };
        server.restart()?;
        Ok(server)
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("r.sock")
    }

    /// The URL clients connect to.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.socket().display())
    }

    /// Stops the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Sends it a signal (`STOP`, `CONT`): a Redis that stops answering
    /// without closing its connections, then comes back. (The pacing bench
    /// shares this file and sends none.)
    #[allow(dead_code)]
    pub fn signal(&self, signal: &str) -> Result<(), String> {
        let child = self.child.as_ref().ok_or("redis-server is not running")?;
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .map_err(|err| format!("kill -{signal}: {err}"))?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("kill -{signal} failed: {status}"))
    }

    /// Starts it (again), empty unless persistent, and waits until it
    /// answers PING.
    pub fn restart(&mut self) -> Result<(), String> {
        self.kill();
        let child = Command::new(&self.program)
            .arg("--port")
            .arg("0")
            .arg("--unixsocket")
            .arg(self.socket())
            .arg("--unixsocketperm")
            .arg("700")
            .args(if self.persistent {
                [
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "always",
                ]
            } else {
                [
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--appendfsync",
                    "everysec",
                ]
            })
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("could not start {:?}: {err}", self.program))?;
        self.child = Some(child);
        for _ in 0..500 {
            if self.ping() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err("redis-server did not answer PING within 5 s".to_owned())
    }

    fn ping(&self) -> bool {
        let Ok(mut stream) = UnixStream::connect(self.socket()) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut answer = [0u8; 7];
        stream.read_exact(&mut answer).is_ok() && &answer == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! A PostgreSQL cluster of a test's own: `initdb` in a fresh directory,
//! served on a Unix socket in it (no TCP), stopped and removed when
//! dropped. PostgreSQL refuses to run as root, so when the test runs as
//! root (as CI does) the cluster runs as the `postgres` user Debian's
//! package creates, through `runuser`. The benches start theirs with this
//! file too (`benches/installs.rs`), so it uses nothing of the tests'.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

const PORT: u16 = 5432;
static NEXT: AtomicU32 = AtomicU32::new(0);

pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn checked(what: &str, out: std::io::Result<Output>) -> Result<Output, String> {
    let out = out.map_err(|err| format!("{what}: {err}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl PostgresServer {
    /// Makes and starts a cluster with PostgreSQL's programs in `bin` (or
    /// beside the `pg_ctl` that `bin` names).
    pub fn start(bin: &OsString) -> Result<PostgresServer, String> {
        let mut bin = std::fs::canonicalize(bin).map_err(|err| format!("{bin:?}: {err}"))?;
        if bin.is_file() {
            bin.pop();
        }
        let dir = std::env::temp_dir().join(format!(
            "slack-calls-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let as_postgres = is_root();
        if as_postgres {
            checked(
                "chown postgres",
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&dir)
                    .output(),
            )?;
        }
        let server = PostgresServer {
            bin,
            dir,
            as_postgres,
        };
        server.run(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        server.start_again()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs one of PostgreSQL's programs, as `postgres` when this is root.
    fn run(&self, program: &str, args: &[&str]) -> Result<Output, String> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        command.args(args).stdin(Stdio::null());
        checked(program, command.output())
    }

    /// Connection settings for tokio-postgres.
    pub fn params(&self) -> String {
        format!(
            "host={} port={PORT} user=postgres dbname=postgres",
            self.dir.display()
        )
    }

    /// `pg_dump` of the whole database, as text.
    pub fn dump(&self) -> Result<String, String> {
        let out = self.run(
            "pg_dump",
            &[
                "-h",
                &self.dir.display().to_string(),
                "-p",
                &PORT.to_string(),
                "-U",
                "postgres",
                "postgres",
            ],
        )?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Stops the server (fast shutdown), as a database going down would.
    pub fn stop(&self) -> Result<(), String> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
        .map(|_| ())
    }

    /// Starts it again after [`stop`](PostgresServer::stop).
    pub fn start_again(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT} -c fsync=off",
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-o",
                &options,
                "-l",
                &self.dir.join("log").display().to_string(),
                "-w",
                "start",
            ],
        )
        .map(|_| ())
    }

    #[allow(dead_code)]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

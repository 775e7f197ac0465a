//! A PostgreSQL cluster of the bench's own, as the tests start one
//! (`tests/real_parts/postgres_server.rs`): `initdb` in a fresh directory,
//! served on a Unix socket in it (no TCP), stopped and removed when
//! dropped. PostgreSQL refuses to run as root, so as root the cluster runs
//! as the `postgres` user Debian's package creates, through `runuser`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const PORT: u16 = 5432;

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
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl PostgresServer {
    /// Makes and starts a cluster with PostgreSQL's programs in `bin` (or
    /// beside the `pg_ctl` that `bin` names).
    pub fn start(bin: &str) -> Result<PostgresServer, String> {
        let mut bin = std::fs::canonicalize(bin).map_err(|err| format!("{bin}: {err}"))?;
        if bin.is_file() {
            bin.pop();
        }
        let dir = std::env::temp_dir().join(format!("slack-calls-bench-pg-{}", std::process::id()));
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
        // Made before the first program runs, so a failed start is
        // cleaned up by its drop.
        let server = PostgresServer {
            bin,
            dir,
            as_postgres,
        };
        let data = server.dir.join("data").display().to_string();
        server.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT} -c fsync=off",
            server.dir.display()
        );
        let log = server.dir.join("log").display().to_string();
        server.run(
            "pg_ctl",
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )?;
        Ok(server)
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
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let data = self.dir.join("data").display().to_string();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

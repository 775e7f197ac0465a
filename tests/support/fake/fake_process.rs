//! The `slack-calls-mock` program, started for a test as its own process.

use std::path::PathBuf;

/// The `slack-calls-mock` binary: `SLACK_CALLS_MOCK_BIN`, or the one cargo
/// built beside this test (`target/<profile>/`; `cargo test --workspace`
/// builds it, since its package has integration tests of its own).
pub fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("SLACK_CALLS_MOCK_BIN") {
        return path.into();
    }
    let exe = std::env::current_exe().expect("the test's own path");
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("the test runs from target/<profile>/deps");
    let binary = profile_dir.join(format!("slack-calls-mock{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p slack-calls-mock` \
         (`cargo test --workspace` does), or name one in SLACK_CALLS_MOCK_BIN",
        binary.display()
    );
    binary
}

/// The `slack-calls-mock` program, started for a test and killed when
/// dropped.
pub struct MockProcess {
    pub child: std::process::Child,
    pub url: String,
    pub bot_token: String,
    pub user_token: String,
}

impl MockProcess {
    /// Starts the binary with `args` and reads its first three lines.
    pub fn start(args: &[&str], stderr: std::process::Stdio) -> MockProcess {
        MockProcess::start_with_env(args, &[], stderr)
    }

    /// Like [`MockProcess::start`], with these environment variables set.
    pub fn start_with_env(
        args: &[&str],
        env: &[(&str, &str)],
        stderr: std::process::Stdio,
    ) -> MockProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(binary())
            .args(args)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start slack-calls-mock");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let mut value = |key: &str| -> String {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("slack-calls-mock ended before printing {key}"))
                .expect("read a line");
            line.strip_prefix(&format!("{key}="))
                .unwrap_or_else(|| panic!("expected {key}=..., got {line:?}"))
                .to_owned()
        };
        let url = value("SLACK_CALLS_MOCK_URL");
        let bot_token = value("SLACK_CALLS_MOCK_BOT_TOKEN");
        let user_token = value("SLACK_CALLS_MOCK_USER_TOKEN");
        MockProcess {
            child,
            url,
            bot_token,
            user_token,
        }
    }

    /// Sends SIGTERM (by the child's own pid) and waits, boundedly, for
    /// the exit status.
    #[cfg(unix)]
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("slack-calls-mock did not stop on SIGTERM");
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Proof against a client nobody here wrote: the official Python
//! `slack_sdk` runs a whole Calls lifecycle against `slack-calls-mock`.
//!
//! Needs a Python with `slack_sdk` installed, named by `SLACK_CALLS_PY`
//! (`.ci/run` creates one in `.venv`; see the README). Without it the test says
//! so and passes; with it set, any failure fails the test.

#![cfg(feature = "mock")]

mod mock_support;

use std::path::Path;
use std::process::{Command, Stdio};

use mock_support::MockProcess;

#[test]
fn the_official_python_sdk_runs_a_calls_lifecycle_against_the_binary() {
    let Some(python) = std::env::var_os("SLACK_CALLS_PY") else {
        eprintln!(
            "skipped: set SLACK_CALLS_PY to a python that has slack_sdk \
             (see the README; .ci/run sets it up) to run the Python SDK conformance test"
        );
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/calls_lifecycle.py");
    let mock = MockProcess::start(
        &["--quiet", "--token", "xoxb-readonly:bot:calls:read"],
        Stdio::null(),
    );
    let out = Command::new(&python)
        .arg(&script)
        .env("SLACK_CALLS_MOCK_URL", &mock.url)
        .env("SLACK_CALLS_MOCK_BOT_TOKEN", &mock.bot_token)
        .env("SLACK_CALLS_MOCK_USER_TOKEN", &mock.user_token)
        .env("SLACK_CALLS_MOCK_READONLY_TOKEN", "xoxb-readonly")
        .output()
        .unwrap_or_else(|err| panic!("could not run {python:?}: {err}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "the Python SDK test failed ({:?}):\n{}\n{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    // unittest's summary: every test ran and passed.
    assert!(stderr.contains("\nOK"), "{stderr}");
    assert!(stderr.contains("test_lifecycle"), "{stderr}");
}

//! Proof against clients nobody here wrote: the official Python
//! `slack_sdk` runs a whole Calls lifecycle (`tests/python/calls_lifecycle.py`)
//! against the `slack-calls-mock` binary, with its fault and rate-limit
//! cases steered through the control API; Bolt for Python starts an `App`
//! against it and calls through `app.client` (`tests/python/bolt_app.py`),
//! and installs the app into it with its own OAuth flow
//! (`tests/python/bolt_oauth.py`).

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use libtest_mimic::Failed;

use crate::fake_support::fake_process::MockProcess;
use crate::part::Part;

/// A Python that has `slack_sdk` and `slack_bolt` (`.ci/run` makes one in
/// `.venv`).
pub static PYTHON: Part = Part {
    what: "a Python with slack_sdk and slack_bolt",
    env: "SLACK_CALLS_PY",
    how: "python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt, \
          then SLACK_CALLS_PY=$PWD/.venv/bin/python",
    on_path: None,
    check: None,
};

pub fn calls_lifecycle_against_the_binary(python: &OsString) -> Result<(), Failed> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/calls_lifecycle.py");
    let mock = MockProcess::start(
        &["--quiet", "--token", "xoxb-readonly:bot:calls:read"],
        Stdio::null(),
    );
    let out = Command::new(python)
        .arg(&script)
        .env("SLACK_CALLS_MOCK_URL", &mock.url)
        .env("SLACK_CALLS_MOCK_BOT_TOKEN", &mock.bot_token)
        .env("SLACK_CALLS_MOCK_USER_TOKEN", &mock.user_token)
        .env("SLACK_CALLS_MOCK_READONLY_TOKEN", "xoxb-readonly")
        .output()
        .map_err(|err| format!("could not run {python:?}: {err}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "the Python SDK test failed ({}):\n{}\n{stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    // unittest's summary: every test ran and passed.
    if !stderr.contains("\nOK") || !stderr.contains("test_lifecycle") {
        return Err(format!("unittest did not report test_lifecycle and OK:\n{stderr}").into());
    }
    Ok(())
}

pub fn bolt_app_against_the_binary(python: &OsString) -> Result<(), Failed> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/bolt_app.py");
    let mock = MockProcess::start(&["--quiet"], Stdio::null());
    let out = Command::new(python)
        .arg(&script)
        .env("SLACK_CALLS_MOCK_URL", &mock.url)
        .env("SLACK_CALLS_MOCK_BOT_TOKEN", &mock.bot_token)
        .output()
        .map_err(|err| format!("could not run {python:?}: {err}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "the Bolt for Python test failed ({}):\n{}\n{stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    if !stderr.contains("\nOK") || !stderr.contains("test_app_starts_and_calls") {
        return Err(
            format!("unittest did not report test_app_starts_and_calls and OK:\n{stderr}").into(),
        );
    }
    Ok(())
}

/// The tests `tests/python/bolt_oauth.py` must report.
const BOLT_OAUTH_TESTS: [&str; 5] = [
    "test_install_with_consent_allowed",
    "test_install_through_the_consent_page",
    "test_org_wide_install_is_stored_for_the_whole_organization",
    "test_denied_consent_is_bolts_failure_and_nothing_is_stored",
    "test_the_same_callback_twice_is_refused_and_the_code_is_spent",
];

/// Bolt for Python's own OAuth flow (its install page, state store and
/// callback, served by its built-in HTTP server) installs the app into the
/// binary, the script playing the browser; a denied consent and a replayed
/// callback fail as Bolt means them to.
pub fn bolt_oauth_installs_against_the_binary(python: &OsString) -> Result<(), Failed> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/bolt_oauth.py");
    let mock = MockProcess::start(&["--quiet"], Stdio::null());
    let out = Command::new(python)
        .arg(&script)
        .env("SLACK_CALLS_MOCK_URL", &mock.url)
        .env("SLACK_CALLS_MOCK_BOT_TOKEN", &mock.bot_token)
        .env("SLACK_CALLS_MOCK_USER_TOKEN", &mock.user_token)
        .env("SLACK_CALLS_MOCK_APP_ID", slack_calls_mock::DEMO_APP_ID)
        .env(
            "SLACK_CALLS_MOCK_CLIENT_ID",
            slack_calls_mock::DEMO_CLIENT_ID,
        )
        .env(
            "SLACK_CALLS_MOCK_CLIENT_SECRET",
            slack_calls_mock::DEMO_CLIENT_SECRET,
        )
        .output()
        .map_err(|err| format!("could not run {python:?}: {err}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!(
            "the Bolt OAuth test failed ({}):\n{}\n{stderr}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    // unittest -v: a line `name (module.Class...) ... ok` for each test.
    let missing: Vec<&str> = BOLT_OAUTH_TESTS
        .into_iter()
        .filter(|name| {
            !stderr
                .lines()
                .any(|line| line.starts_with(&format!("{name} (")) && line.ends_with("... ok"))
        })
        .collect();
    if !stderr.contains("\nOK") || !missing.is_empty() {
        return Err(
            format!("unittest did not report OK and each of {missing:?} ok:\n{stderr}").into(),
        );
    }
    Ok(())
}

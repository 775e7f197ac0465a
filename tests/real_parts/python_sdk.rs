//! Proof against clients nobody here wrote: the official Python
//! `slack_sdk` runs a whole Calls lifecycle (`tests/python/calls_lifecycle.py`)
//! against the `slack-calls-mock` binary, with its fault and rate-limit
//! cases steered through the control API; Bolt for Python starts an `App`
//! against it and calls through `app.client` (`tests/python/bolt_app.py`),
//! and installs the app into it with its own OAuth flow
//! (`tests/python/bolt_oauth.py`).
//!
//! Every Python test runs once per pinned `slack_sdk` ([`PYTHONS`]): the
//! current one and 3.47.0, which sends its argument-less calls as a JSON
//! POST with an empty body. Each Python is a part of its own, and the
//! version is in the test's name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libtest_mimic::{Failed, Trial};

use crate::fake_support::fake_process::MockProcess;
use crate::part::{self, Part};

/// The pinned current `slack_sdk` and `slack_bolt`.
const CURRENT: &str = "requirements.txt";
/// `slack_sdk` 3.47.0, with the same `slack_bolt`.
const SDK_3_47: &str = "requirements-slack_sdk-3.47.txt";

/// A Python with `tests/python/requirements.txt` installed (`.ci/run`
/// makes one in `.venv`).
pub static PYTHON: Part = Part {
    what: "a Python with tests/python/requirements.txt",
    env: "SLACK_CALLS_PY",
    how: "python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt, \
          then SLACK_CALLS_PY=$PWD/.venv/bin/python",
    on_path: None,
    check: Some(|python| has_the_pins(python, CURRENT)),
};

/// A Python with `tests/python/requirements-slack_sdk-3.47.txt` installed
/// (`.ci/run` makes one in `.venv-slack_sdk-3.47`).
pub static PYTHON_SDK_3_47: Part = Part {
    what: "a Python with tests/python/requirements-slack_sdk-3.47.txt",
    env: "SLACK_CALLS_PY_SDK_3_47",
    how: "python3 -m venv .venv-slack_sdk-3.47 && .venv-slack_sdk-3.47/bin/pip install \
          -r tests/python/requirements-slack_sdk-3.47.txt, \
          then SLACK_CALLS_PY_SDK_3_47=$PWD/.venv-slack_sdk-3.47/bin/python",
    on_path: None,
    check: Some(|python| has_the_pins(python, SDK_3_47)),
};

/// Each Python the tests run on, and the requirements file it has.
pub static PYTHONS: [(&Part, &str); 2] = [(&PYTHON, CURRENT), (&PYTHON_SDK_3_47, SDK_3_47)];

/// A test that gets the Python to run.
pub type PythonTest = fn(&OsString) -> Result<(), Failed>;

/// Each test once per Python of [`PYTHONS`], named `{name}::slack_sdk_{version}`
/// with the version its requirements file pins.
///
/// # Panics
///
/// When a requirements file cannot be read or pins no `slack_sdk`: the
/// files are in this repository.
pub fn on_each_pinned_python(tests: &[(&str, PythonTest)]) -> Vec<Trial> {
    let mut trials = Vec::new();
    for (python, requirements) in &PYTHONS {
        let pins = pins(requirements).unwrap_or_else(|err| panic!("{err}"));
        let (_, sdk) = pins
            .iter()
            .find(|(name, _)| name == "slack_sdk")
            .unwrap_or_else(|| panic!("tests/python/{requirements} pins no slack_sdk"));
        for (name, test) in tests {
            trials.push(part::needs(
                &format!("{name}::slack_sdk_{sdk}"),
                python,
                *test,
            ));
        }
    }
    trials
}

fn requirements_path(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(file)
}

/// The `name==version` lines of a requirements file in `tests/python`.
fn pins(file: &str) -> Result<Vec<(String, String)>, String> {
    let path = requirements_path(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once("==")
                .map(|(name, version)| (name.trim().to_owned(), version.trim().to_owned()))
                .ok_or_else(|| format!("{}: {line:?} is not name==version", path.display()))
        })
        .collect()
}

/// Whether `python` has every package of `requirements` at its pinned
/// version, or what it has instead.
fn has_the_pins(python: &OsString, requirements: &str) -> Result<(), String> {
    let pins = pins(requirements)?;
    // Installed versions from the packages' metadata, without importing them.
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m, sys\n\
             for name in sys.argv[1:]:\n\
             \x20   try: print(m.version(name))\n\
             \x20   except m.PackageNotFoundError: print('none')",
        ])
        .args(pins.iter().map(|(name, _)| name))
        .output()
        .map_err(|err| format!("does not run: {err}"))?;
    if !out.status.success() {
        return Err(format!(
            "fails to list its packages ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let installed = String::from_utf8_lossy(&out.stdout);
    let installed: Vec<&str> = installed.lines().collect();
    if installed.len() != pins.len() {
        return Err(format!("listed {installed:?} for {pins:?}"));
    }
    let wrong: Vec<String> = pins
        .iter()
        .zip(installed)
        .filter(|((_, pinned), has)| pinned != has)
        .map(|((name, pinned), has)| {
            format!("{name} {has} where tests/python/{requirements} pins {pinned}")
        })
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("has {}", wrong.join(", ")))
    }
}

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

//! Proof against the official Node SDK: `@slack/web-api` (pinned in
//! `tests/node/package.json` and its lock, installed by
//! `npm ci --prefix tests/node`) runs a Calls lifecycle, its errors and its
//! own 429 and 5xx handling (`tests/node/calls_lifecycle.mjs`) against the
//! `slack-calls-mock` binary, with faults injected through the control API.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use libtest_mimic::Failed;

use crate::fake_support::fake_process::MockProcess;
use crate::part::Part;

/// A Node.js 20 or later with `tests/node` installed (`.ci/run` runs
/// `npm ci --prefix tests/node`): every dependency of its `package.json`,
/// at the version pinned there.
pub static NODE: Part = Part {
    what: "Node.js 20+ with tests/node installed",
    env: "SLACK_CALLS_NODE",
    how: "npm ci --prefix tests/node, then SLACK_CALLS_NODE=$(command -v node)",
    on_path: None,
    check: Some(has_tests_node_installed),
};

/// The folder of the Node scripts, its `package.json` and `node_modules`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node")
}

/// Whether `node` is 20 or later, and `tests/node/node_modules` has each
/// dependency of `tests/node/package.json` at its pinned version.
fn has_tests_node_installed(node: &OsString) -> Result<(), String> {
    let out = Command::new(node)
        .args(["-p", "process.versions.node"])
        .output()
        .map_err(|err| format!("does not run: {err}"))?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let major = version
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    if !out.status.success() || major.is_none_or(|major| major < 20) {
        return Err(format!("is Node.js {version:?}, not 20 or later"));
    }
    let read = |path: PathBuf| -> Result<serde_json::Value, String> {
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))
    };
    let package = read(dir().join("package.json"))?;
    let dependencies = package["dependencies"]
        .as_object()
        .ok_or("tests/node/package.json has no dependencies")?;
    let mut wrong = Vec::new();
    for (name, pinned) in dependencies {
        let installed = read(dir().join("node_modules").join(name).join("package.json"))
            .map(|installed| {
                installed["version"]
                    .as_str()
                    .unwrap_or("no version")
                    .to_owned()
            })
            .unwrap_or_else(|_| "not installed".to_owned());
        let pinned = pinned.as_str().unwrap_or("no version");
        if pinned != installed {
            wrong.push(format!("{name} {installed} where {pinned} is pinned"));
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "is there, but tests/node/node_modules has {}",
            wrong.join(", ")
        ))
    }
}

pub fn calls_lifecycle_against_the_binary(node: &OsString) -> Result<(), Failed> {
    let mock = MockProcess::start(
        &["--quiet", "--token", "xoxb-readonly:bot:calls:read"],
        Stdio::null(),
    );
    let out = Command::new(node)
        .args(["--test", "--test-reporter=spec", "calls_lifecycle.mjs"])
        .current_dir(dir())
        .env("SLACK_CALLS_MOCK_URL", &mock.url)
        .env("SLACK_CALLS_MOCK_BOT_TOKEN", &mock.bot_token)
        .env("SLACK_CALLS_MOCK_USER_TOKEN", &mock.user_token)
        .env("SLACK_CALLS_MOCK_READONLY_TOKEN", "xoxb-readonly")
        .output()
        .map_err(|err| format!("could not run {node:?}: {err}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "the Node SDK test failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    // node:test's summary: the lifecycle ran, nothing failed.
    if !stdout.contains("lifecycle") || !stdout.contains("fail 0") {
        return Err(
            format!("node --test did not report the lifecycle and fail 0:\n{stdout}").into(),
        );
    }
    Ok(())
}

//! Proof against the official Node SDK: `@slack/web-api` (pinned in
//! `tests/node/package.json` and its lock, installed by
//! `npm ci --prefix tests/node`) runs a Calls lifecycle, its errors and its
//! own 429 and 5xx handling (`tests/node/calls_lifecycle.mjs`) against the
//! `slack-calls-mock` binary, with faults injected through the control API.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use libtest_mimic::Failed;

use crate::fake_support::fake_process::MockProcess;
use crate::part::Part;

/// A Node.js 20 or later (`.ci/run` runs `npm ci --prefix tests/node`).
pub static NODE: Part = Part {
    what: "Node.js 20+ with tests/node installed",
    env: "SLACK_CALLS_NODE",
    how: "npm ci --prefix tests/node, then SLACK_CALLS_NODE=$(command -v node)",
    on_path: None,
};

pub fn calls_lifecycle_against_the_binary(node: &OsString) -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    if !dir
        .join("node_modules/@slack/web-api/package.json")
        .is_file()
    {
        return Err(format!(
            "SLACK_CALLS_NODE is set but {} has no @slack/web-api: run npm ci --prefix tests/node",
            dir.display()
        )
        .into());
    }
    let mock = MockProcess::start(
        &["--quiet", "--token", "xoxb-readonly:bot:calls:read"],
        Stdio::null(),
    );
    let out = Command::new(node)
        .args(["--test", "--test-reporter=spec", "calls_lifecycle.mjs"])
        .current_dir(&dir)
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

//! Proof with a peer: the official Python SDK's `SignatureVerifier` accepts
//! the signatures our code makes (the fake will sign events with it), and our
//! verifier accepts requests signed by its algorithm.
//!
//! Needs a Python with `slack_sdk` installed, named by `SLACK_CALLS_PY`
//! (`.ci/run` creates one in `.venv`; see the README). Without it the test says
//! so and passes; with it set, any failure fails the test.

#![cfg(feature = "events")]

mod events_support;

use std::path::Path;
use std::process::Command;

use events_support::{SECRET, TestEvent, call_rejected, callback, secret, signed_json};
use slack_calls::events::{Outcome, Receiver};
use slack_calls::signing::sign;

#[tokio::test]
async fn slack_sdks_signature_verifier_and_ours_agree_both_ways() {
    let Some(python) = std::env::var_os("SLACK_CALLS_PY") else {
        eprintln!(
            "skipped: set SLACK_CALLS_PY to a python that has slack_sdk \
             (see the README; .ci/run sets it up) to run the signature interop test"
        );
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/signature_interop.py");
    let receiver = Receiver::<TestEvent>::builder(SECRET).build().unwrap();
    let now = receiver.verifier().unix_now().to_string();
    let body = String::from_utf8(callback("EvRust", call_rejected())).unwrap();
    let ours = sign(&secret(), &now, body.as_bytes());

    let out = Command::new(&python)
        .arg(&script)
        .env("SLACK_CALLS_SIGNING_SECRET", SECRET)
        .env("SLACK_CALLS_TIMESTAMP", &now)
        .env("SLACK_CALLS_BODY", &body)
        .env("SLACK_CALLS_SIGNATURE", &ours)
        .output()
        .unwrap_or_else(|err| panic!("could not run {python:?}: {err}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the script failed ({:?}):\n{stderr}",
        out.status
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "bad output ({err}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    assert_eq!(
        result["ours_valid"], true,
        "slack_sdk refused our signature"
    );
    assert_eq!(
        result["tampered_valid"], false,
        "slack_sdk accepted a changed body"
    );

    let theirs = &result["theirs"];
    let timestamp: i64 = theirs["timestamp"].as_str().unwrap().parse().unwrap();
    let their_body = theirs["body"].as_str().unwrap().as_bytes();
    let mut headers = signed_json(SECRET, timestamp, their_body);
    headers.insert(
        "x-slack-signature",
        theirs["signature"].as_str().unwrap().parse().unwrap(),
    );
    let reply = receiver.receive(&headers, their_body).await;
    assert_eq!(reply.outcome, Outcome::Event, "{reply:?}");

    // And a one-byte change to their body is refused.
    let mut changed = their_body.to_vec();
    changed.push(b' ');
    let reply = receiver.receive(&headers, &changed).await;
    assert_eq!(reply.status, 401);
}

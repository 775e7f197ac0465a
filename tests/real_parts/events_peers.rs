//! Proof with peers for the inbound half (feature `events`):
//!
//! - the official Python `slack_sdk.signature.SignatureVerifier` accepts
//!   the signatures our code (and so the fake, which signs with it) makes,
//!   and our verifier accepts requests signed by its algorithm
//!   (`tests/python/signature_interop.py`);
//! - **Bolt for Python, as the app** (`tests/python/bolt_unfurl_app.py`), on its
//!   own port, receives the fake's `link_shared` and unfurls the link as a
//!   Call on the fake; the fake's state shows the result.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use libtest_mimic::Failed;
use slack_calls::Event;
use slack_calls::events::{Outcome, Receiver};
use slack_calls::signing::{SigningSecret, sign};

use crate::app_process::{AppProcess, START_TIMEOUT};
use crate::link_unfurl;

const SECRET: &str = "peer-test-signing-secret-7c0d92e1";

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| format!("no tokio runtime: {err}").into())
}

pub fn slack_sdk_signatures_and_ours_agree(python: &OsString) -> Result<(), Failed> {
    runtime()?.block_on(async {
        let receiver = Receiver::<Event>::builder(SECRET).build()?;
        let now = receiver.verifier().unix_now().to_string();
        let body = serde_json::json!({
            "type": "event_callback", "team_id": "T0RUST", "api_app_id": "A0RUST",
            "event_id": "EvRust", "event_time": 1_700_000_000,
            "event": {"type": "call_rejected", "call_id": "R0RUST", "user_id": "U0RUST",
                      "channel_id": "D0RUST", "external_unique_id": "rust-1"}
        })
        .to_string();
        let ours = sign(&SigningSecret::new(SECRET)?, &now, body.as_bytes());
        let out = Command::new(python)
            .arg(script("signature_interop.py"))
            .env("SLACK_CALLS_SIGNING_SECRET", SECRET)
            .env("SLACK_CALLS_TIMESTAMP", &now)
            .env("SLACK_CALLS_BODY", &body)
            .env("SLACK_CALLS_SIGNATURE", &ours)
            .output()
            .map_err(|err| format!("could not run {python:?}: {err}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("the script failed ({}):\n{stderr}", out.status).into());
        }
        let result: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|err| format!("bad output ({err}):\n{stderr}"))?;
        if result["ours_valid"] != true {
            return Err("slack_sdk refused our signature".into());
        }
        if result["tampered_valid"] != false {
            return Err("slack_sdk accepted a changed body".into());
        }

        let theirs = &result["theirs"];
        let text = |name: &str| theirs[name].as_str().unwrap_or_default().to_owned();
        let their_body = text("body");
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "application/json".parse()?);
        headers.insert("x-slack-request-timestamp", text("timestamp").parse()?);
        headers.insert("x-slack-signature", text("signature").parse()?);
        let reply = receiver.receive(&headers, their_body.as_bytes()).await;
        if reply.outcome != Outcome::Event {
            return Err(format!("our verifier refused slack_sdk's request: {reply:?}").into());
        }
        // And a one-byte change to their body is refused.
        let changed = format!("{their_body} ");
        let reply = receiver.receive(&headers, changed.as_bytes()).await;
        if reply.status != 401 {
            return Err(format!("a changed body was not refused: {reply:?}").into());
        }
        Ok(())
    })
}

pub fn bolt_app_unfurls_the_fakes_link_shared(python: &OsString) -> Result<(), Failed> {
    runtime()?.block_on(async {
        let mock = link_unfurl::fake().await?;
        // A port that was free a moment ago, for Bolt's own server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port()
            .to_string();
        let mut bolt = AppProcess::spawn(
            "Bolt for Python",
            Command::new(python)
                .arg(script("bolt_unfurl_app.py"))
                .env("SLACK_CALLS_APP_PORT", &port)
                .env("SLACK_CALLS_SIGNING_SECRET", link_unfurl::SECRET)
                .env("SLACK_CALLS_MOCK_URL", mock.base_url())
                .env("SLACK_CALLS_MOCK_BOT_TOKEN", link_unfurl::BOT_TOKEN),
        )?;
        if let Err(why) = bolt.wait_for_line("ready", START_TIMEOUT) {
            return Err(bolt.failed(format!("Bolt did not start: {why}")));
        }
        let link = "https://example.com/calls/bolt";
        let message = link_unfurl::post_link(&mock, &port, link).await?;
        // Bolt acks, then its listener calls calls.add and chat.unfurl.
        match link_unfurl::unfurled_as_a_call(&mock, &message, link).await {
            Ok(_) => Ok(()),
            Err(why) => Err(bolt.failed(why)),
        }
    })
}

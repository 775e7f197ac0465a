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
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use libtest_mimic::Failed;
use slack_calls::events::{Outcome, Receiver};
use slack_calls::signing::{SigningSecret, sign};
use slack_calls::{Event, TokenKind};
use slack_calls_mock::{MockApp, MockSlack};

use crate::fake_support::delivery_log::deliveries_until;

const SECRET: &str = "peer-test-signing-secret-7c0d92e1";
const APP_TOKEN: &str = "xoxb-bolt-app";

fn script(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

fn runtime() -> Result<tokio::runtime::Runtime, Failed> {
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

/// Kills the child process (this test's own) when the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn bolt_app_unfurls_the_fakes_link_shared(python: &OsString) -> Result<(), Failed> {
    runtime()?.block_on(async {
        let mock = MockSlack::builder()
            .token(
                APP_TOKEN,
                TokenKind::Bot,
                ["calls:read", "calls:write", "links:write"],
            )
            .time_scale(600.0)
            .start()
            .await?;
        // A port that was free a moment ago, for Bolt's own server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut child = Command::new(python)
            .arg(script("bolt_unfurl_app.py"))
            .env("SLACK_CALLS_APP_PORT", port.to_string())
            .env("SLACK_CALLS_SIGNING_SECRET", SECRET)
            .env("SLACK_CALLS_MOCK_URL", mock.base_url())
            .env("SLACK_CALLS_MOCK_BOT_TOKEN", APP_TOKEN)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| format!("could not run {python:?}: {err}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let bolt = Killed(child);
        let (ready_tx, ready) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end, so Bolt never writes into a closed pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim() == "ready" {
                    let _ = ready_tx.send(true);
                }
            }
            let _ = ready_tx.send(false);
        });
        let bolt_log = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
                .join("\n")
        });
        let failed = |what: String, bolt: Killed| -> Failed {
            drop(bolt);
            let log = bolt_log.join().unwrap_or_default();
            format!("{what}\nBolt's stderr:\n{log}").into()
        };
        if ready.recv_timeout(Duration::from_secs(60)) != Ok(true) {
            return Err(failed("Bolt did not start".into(), bolt));
        }

        let secret = SigningSecret::new(SECRET)?;
        let url = format!("http://127.0.0.1:{port}/slack/events");
        mock.register_app(MockApp::new(url, secret)?.unfurl_domains(["example.com"]))
            .await?;
        let link = "https://example.com/calls/bolt";
        let message = mock.user_posts("U0MOCK001", "C0MOCK002", &format!("join <{link}>"))?;

        // Bolt acks, then its listener calls calls.add and chat.unfurl.
        let mut unfurled = None;
        for _ in 0..1_500 {
            let stored = mock.messages().into_iter().find(|m| m.ts == message.ts);
            if let Some(unfurl) = stored.and_then(|m| m.unfurls.get(link).cloned()) {
                unfurled = Some(unfurl);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let Some(unfurl) = unfurled else {
            let what = format!(
                "no unfurl on the message; deliveries {:?}",
                mock.deliveries()
            );
            return Err(failed(what, bolt));
        };
        let call_id = unfurl["blocks"][0]["call_id"].as_str().unwrap_or_default();
        let call = mock
            .call(call_id)
            .ok_or_else(|| format!("the unfurl names no Call of the fake: {unfurl}"))?;
        if call.channels != ["C0MOCK002"] || call.join_url != link {
            return Err(format!("the Call is not attached to the message: {call:?}").into());
        }
        // Logged when Bolt's answer is back, in the background.
        let log = deliveries_until(&mock, |log| !log.is_empty()).await?;
        let first = log.into_iter().next().ok_or("no delivery")?;
        if !(first.kind == "link_shared" && first.acked_in_time && first.status == Some(200)) {
            return Err(format!("Bolt did not ack the delivery in time: {first:?}").into());
        }
        drop(bolt);
        Ok(())
    })
}

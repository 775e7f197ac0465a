//! **Bolt for JavaScript, as the app** (`tests/node/bolt_unfurl_app.mjs`;
//! `@slack/bolt` pinned in `tests/node/package.json` and its lock): its own
//! `HTTPReceiver` on 127.0.0.1 verifies the fake's signed `link_shared`,
//! and its listener unfurls the link as a Call through its client, whose
//! `slackApiUrl` is the fake. The fake's state shows the result. With a
//! signing secret that is not the fake app's (regenerated on Slack's side
//! after Bolt passed the URL's verification), Bolt refuses every delivery
//! (401) and no listener runs.

use std::ffi::OsString;
use std::process::Command;
use std::time::Duration;

use libtest_mimic::Failed;
use slack_calls_mock::{DeliveryRecord, MessageRecord, MockSlack, RETRY_DELAYS, Verdict};

use crate::app_process::{AppProcess, START_TIMEOUT};
use crate::events_peers::runtime;
use crate::fake_support::delivery_log::deliveries_until;
use crate::link_unfurl;
use crate::node_sdk;

const LINK: &str = "https://example.com/calls/bolt-js";
/// How long Bolt may take, from the post, to say it unfurled.
const UNFURL_TIMEOUT: Duration = Duration::from_secs(30);

/// The fake, Bolt for JavaScript listening with `bolt_secret`, and the
/// fake user's message with [`LINK`], posted once Bolt's Request URL is
/// registered with the fake (the fake app's secret is
/// [`link_unfurl::SECRET`]).
struct LinkPosted {
    mock: MockSlack,
    bolt: AppProcess,
    message: MessageRecord,
}

async fn bolt_gets_a_link(node: &OsString, bolt_secret: &str) -> Result<LinkPosted, Failed> {
    let mock = link_unfurl::fake().await?;
    let mut bolt = AppProcess::spawn(
        "Bolt for JavaScript",
        Command::new(node)
            .arg("bolt_unfurl_app.mjs")
            .current_dir(node_sdk::dir())
            .env("SLACK_CALLS_MOCK_URL", mock.base_url())
            .env("SLACK_CALLS_MOCK_BOT_TOKEN", link_unfurl::BOT_TOKEN)
            .env("SLACK_CALLS_SIGNING_SECRET", bolt_secret),
    )?;
    let port = match bolt.wait_for_line("ready ", START_TIMEOUT) {
        Ok(port) => port,
        Err(why) => return Err(bolt.failed(format!("Bolt did not start: {why}"))),
    };
    // Bolt answers Slack's url_verification with the secret it holds;
    // then, for the wrong-secret case, the fake app's secret is regenerated
    // on Slack's side, and Bolt holds a secret that no longer signs.
    link_unfurl::register(&mock, &port, bolt_secret).await?;
    if bolt_secret != link_unfurl::SECRET {
        mock.regenerate_signing_secret(link_unfurl::SECRET)?;
    }
    let message = link_unfurl::post(&mock, LINK)?;
    Ok(LinkPosted {
        mock,
        bolt,
        message,
    })
}

/// How the fake answered each `calls.add`, then each `chat.unfurl`.
fn unfurl_calls(mock: &MockSlack) -> (Vec<Verdict>, Vec<Verdict>) {
    let outcomes = |method| {
        mock.requests_for(method)
            .into_iter()
            .map(|request| request.outcome)
            .collect()
    };
    (outcomes("calls.add"), outcomes("chat.unfurl"))
}

pub fn unfurls_the_fakes_link_shared_as_a_call(node: &OsString) -> Result<(), Failed> {
    runtime()?.block_on(async {
        let LinkPosted {
            mock,
            mut bolt,
            message,
        } = bolt_gets_a_link(node, link_unfurl::SECRET).await?;
        // Printed once its chat.unfurl is answered.
        let unfurled = match bolt.wait_for_line("unfurled ", UNFURL_TIMEOUT) {
            Ok(unfurled) => unfurled,
            Err(why) => {
                let what = format!(
                    "Bolt did not unfurl: {why}; deliveries {:?}",
                    mock.deliveries()
                );
                return Err(bolt.failed(what));
            }
        };
        let call = match link_unfurl::unfurled_as_a_call(&mock, &message, LINK).await {
            Ok(call) => call,
            Err(why) => return Err(bolt.failed(why)),
        };
        if unfurled != format!("{LINK} {}", call.id) {
            return Err(bolt.failed(format!(
                "Bolt unfurled {unfurled}, the fake has {}",
                call.id
            )));
        }
        let (adds, unfurls) = unfurl_calls(&mock);
        if adds != [Verdict::Ok] || unfurls != [Verdict::Ok] {
            return Err(
                format!("not one ok calls.add and chat.unfurl: {adds:?}, {unfurls:?}").into(),
            );
        }
        Ok(())
    })
}

pub fn refuses_a_wrong_signing_secret_and_no_listener_runs(node: &OsString) -> Result<(), Failed> {
    runtime()?.block_on(async {
        let LinkPosted {
            mock,
            bolt,
            message,
        } = bolt_gets_a_link(node, "not-the-fake-apps-signing-secret").await?;
        // The first attempt and Slack's three retries, each logged when
        // Bolt's answer is back (an ack ends them sooner).
        let attempts = 1 + RETRY_DELAYS.len();
        let over = |log: &[DeliveryRecord]| {
            log.len() >= attempts || log.iter().any(|delivery| delivery.acked_in_time)
        };
        let log = match deliveries_until(&mock, over).await {
            Ok(log) => log,
            Err(why) => return Err(bolt.failed(why)),
        };
        let refused = |d: &DeliveryRecord| {
            d.kind == "link_shared" && d.status == Some(401) && !d.acked_in_time
        };
        if log.len() != attempts || !log.iter().all(refused) {
            return Err(bolt.failed(format!(
                "not {attempts} deliveries refused with 401: {log:?}"
            )));
        }
        let (adds, unfurls) = unfurl_calls(&mock);
        if !(adds.is_empty() && unfurls.is_empty()) {
            return Err(bolt.failed(format!(
                "a listener ran: calls.add {adds:?}, chat.unfurl {unfurls:?}"
            )));
        }
        let stored = mock.messages().into_iter().find(|m| m.ts == message.ts);
        if stored.is_none_or(|m| !m.unfurls.is_empty()) {
            return Err(bolt.failed("the message is gone or was unfurled"));
        }
        // Bolt says why, once per attempt, and printed nothing unfurled.
        let (stdout, stderr) = bolt.end();
        let mismatches = stderr.matches("signature mismatch").count();
        if mismatches != attempts || stdout.iter().any(|line| line.starts_with("unfurled ")) {
            return Err(format!(
                "Bolt logged {mismatches} signature mismatches, not {attempts}, or unfurled:\n\
                 stdout:\n{}\nstderr:\n{stderr}",
                stdout.join("\n")
            )
            .into());
        }
        Ok(())
    })
}

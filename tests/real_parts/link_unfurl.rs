//! The story a real app acts in when it unfurls links as Calls (Bolt for
//! Python in `events_peers`, Bolt for JavaScript in `bolt_js`): the fake,
//! the app's Request URL registered with it, a fake user's message with a
//! link, and the checks, on the fake's state, that the app unfurled the
//! link as a Call.

use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use slack_calls::TokenKind;
use slack_calls::signing::SigningSecret;
use slack_calls_mock::{CallRecord, MessageRecord, MockApp, MockSlack};

use crate::fake_support::delivery_log::deliveries_until;

/// The fake app's signing secret.
pub const SECRET: &str = "peer-test-signing-secret-7c0d92e1";
/// The app's bot token on the fake.
pub const BOT_TOKEN: &str = "xoxb-bolt-app";
/// The fake user who posts the link, and where.
pub const USER: &str = "U0MOCK001";
pub const CHANNEL: &str = "C0MOCK002";
/// How long the app may take, from the post, to unfurl.
const UNFURL_TIMEOUT: Duration = Duration::from_secs(30);

/// The fake, with the app's bot token; Slack's retries (1 and 5 minutes
/// on) come within half a second.
pub async fn fake() -> std::io::Result<MockSlack> {
    MockSlack::builder()
        .token(
            BOT_TOKEN,
            TokenKind::Bot,
            ["calls:read", "calls:write", "links:write"],
        )
        .time_scale(600.0)
        .start()
        .await
}

/// Registers the app listening on 127.0.0.1:`port` (at `/slack/events`,
/// signing with [`SECRET`], unfurling `example.com`; the app answers the
/// `url_verification` handshake first), then [`USER`] posts `link` in
/// [`CHANNEL`]: the fake sends the app `link_shared`.
pub async fn post_link(mock: &MockSlack, port: &str, link: &str) -> Result<MessageRecord, Failed> {
    register(mock, port, SECRET).await?;
    post(mock, link)
}

/// [`USER`] posts `link` in [`CHANNEL`].
pub fn post(mock: &MockSlack, link: &str) -> Result<MessageRecord, Failed> {
    Ok(mock.user_posts(USER, CHANNEL, &format!("join <{link}>"))?)
}

/// Registers the app listening on 127.0.0.1:`port` with `secret`, once it
/// passed the `url_verification` handshake.
pub async fn register(mock: &MockSlack, port: &str, secret: &str) -> Result<(), Failed> {
    let url = format!("http://127.0.0.1:{port}/slack/events");
    let app = MockApp::new(url, SigningSecret::new(secret)?)?.unfurl_domains(["example.com"]);
    mock.register_app(app).await?;
    Ok(())
}

/// Waits for the app's unfurl of `link` on `message`, then checks it is a
/// `call` block naming a Call of the fake, on [`CHANNEL`], joined at
/// `link` and created by [`USER`], and that the app acked the
/// `link_shared` in time; the Call.
pub async fn unfurled_as_a_call(
    mock: &MockSlack,
    message: &MessageRecord,
    link: &str,
) -> Result<CallRecord, String> {
    let deadline = Instant::now() + UNFURL_TIMEOUT;
    let unfurl = loop {
        let stored = mock.messages().into_iter().find(|m| m.ts == message.ts);
        if let Some(unfurl) = stored.and_then(|m| m.unfurls.get(link).cloned()) {
            break unfurl;
        }
        if Instant::now() > deadline {
            return Err(format!(
                "no unfurl on the message; deliveries {:?}",
                mock.deliveries()
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let block = &unfurl["blocks"][0];
    let call = block["call_id"]
        .as_str()
        .filter(|_| block["type"] == "call")
        .and_then(|id| mock.call(id))
        .ok_or_else(|| format!("the unfurl is not a call block of the fake's: {unfurl}"))?;
    if call.channels != [CHANNEL] || call.join_url != link || call.created_by != USER {
        return Err(format!("the Call is not the message's: {call:?}"));
    }
    // Logged when the app's answer is back, in the background.
    let log = deliveries_until(mock, |log| !log.is_empty()).await?;
    let first = &log[0];
    if !(first.kind == "link_shared" && first.acked_in_time && first.status == Some(200)) {
        return Err(format!(
            "the app did not ack the delivery in time: {first:?}"
        ));
    }
    Ok(call)
}

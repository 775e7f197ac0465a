//! Sending to the app as Slack does: each request signed with
//! [`slack_calls::signing`] (`v0` HMAC-SHA256 of `v0:{timestamp}:{body}`), and an
//! event delivery retried when no 2xx came within the ack timeout (3 s):
//! at once, after 1 minute, after 5 minutes, on the fake's scaled clock,
//! with `x-slack-retry-num` and `x-slack-retry-reason`. An answer carrying
//! `x-slack-no-retry: 1` stops the retries. Every attempt is logged
//! ([`DeliveryRecord`], from [`MockSlack::deliveries`](crate::MockSlack::deliveries)).
//! The Call button's press, which sends once, is in
//! [`user_actions`](crate::talk_back::user_actions).

use std::sync::Arc;
use std::time::Duration;

use slack_calls::signing::sign;

use crate::state::fake::FakeSlack;
use crate::talk_back::events::{DeliveryRecord, FailureReason, MockApp, UserActionError, unix_now};

/// The waits before Slack's three retries, on the fake's clock.
pub const RETRY_DELAYS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(60),
    Duration::from_secs(300),
];

/// What is sent: a JSON event envelope.
pub(crate) struct Outgoing {
    event_id: String,
    kind: String,
    body: Vec<u8>,
}

impl Outgoing {
    pub fn event(event_id: String, kind: &str, body: Vec<u8>) -> Outgoing {
        Outgoing {
            event_id,
            kind: kind.to_owned(),
            body,
        }
    }
}

/// How one attempt went.
pub(crate) struct Attempt {
    pub status: Option<u16>,
    pub failure: Option<FailureReason>,
    pub no_retry: bool,
    pub body: Vec<u8>,
}

/// The most HTTP redirects Slack follows for one request to the app
/// (Slack's Events API page, "Error handling": more than 2 is a failure,
/// retried with `too_many_redirects`). Counted as redirect answers
/// followed: the app's URL may redirect twice; a third redirect fails the
/// attempt (the fake's reading of "more than 2").
pub const MAX_REDIRECTS: usize = 2;

pub(crate) fn http_client() -> reqwest::Client {
    // The app is on loopback: never through a proxy.
    let builder = || {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
    };
    slack_calls::tls::http_client(builder())
        .or_else(|_| builder().build())
        .unwrap_or_default()
}

/// Sends one signed request to the app and waits up to its ack timeout.
pub(crate) async fn attempt(
    http: &reqwest::Client,
    app: &MockApp,
    content_type: &str,
    body: &[u8],
    retry: Option<(u32, FailureReason)>,
) -> Attempt {
    let timestamp = unix_now().to_string();
    let mut request = http
        .post(&app.request_url)
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", &timestamp)
        .header("x-slack-signature", sign(&app.secret, &timestamp, body))
        .body(body.to_vec());
    if let Some((num, reason)) = retry {
        request = request
            .header("x-slack-retry-num", num.to_string())
            .header("x-slack-retry-reason", reason.as_str());
    }
    let exchange = async {
        let response = request.send().await?;
        let status = response.status();
        let no_retry = response
            .headers()
            .get("x-slack-no-retry")
            .is_some_and(|value| value.as_bytes() == b"1");
        let body = response.bytes().await?;
        Ok::<_, reqwest::Error>((status, no_retry, body))
    };
    match tokio::time::timeout(app.ack_timeout, exchange).await {
        Err(_) => Attempt {
            status: None,
            failure: Some(FailureReason::HttpTimeout),
            no_retry: false,
            body: Vec::new(),
        },
        Ok(Err(err)) => Attempt {
            status: None,
            failure: Some(if err.is_timeout() {
                FailureReason::HttpTimeout
            } else if err.is_redirect() {
                FailureReason::TooManyRedirects
            } else if err.is_connect() {
                FailureReason::ConnectionFailed
            } else {
                FailureReason::HttpError
            }),
            no_retry: false,
            body: Vec::new(),
        },
        Ok(Ok((status, no_retry, body))) => Attempt {
            status: Some(status.as_u16()),
            failure: (!status.is_success()).then_some(FailureReason::HttpError),
            no_retry,
            body: body.to_vec(),
        },
    }
}

/// Delivers `outgoing` in the background, with Slack's retries.
pub(crate) fn spawn(fake: Arc<FakeSlack>, app: MockApp, outgoing: Outgoing) {
    let task = tokio::spawn(deliver(Arc::clone(&fake), app, outgoing));
    let mut state = fake.lock();
    state.events.running.retain(|task| !task.is_finished());
    state.events.running.push(task.abort_handle());
}

async fn deliver(fake: Arc<FakeSlack>, app: MockApp, outgoing: Outgoing) {
    let http = fake.app_http();
    let mut retry: Option<(u32, FailureReason)> = None;
    loop {
        let result = attempt(&http, &app, "application/json", &outgoing.body, retry).await;
        let num = retry.map_or(0, |(num, _)| num);
        fake.lock().events.deliveries.push(DeliveryRecord {
            event_id: Some(outgoing.event_id.clone()),
            kind: outgoing.kind.clone(),
            attempt: num,
            retry_reason: retry.map(|(_, reason)| reason),
            status: result.status,
            acked_in_time: result.failure.is_none(),
            failure: result.failure,
            no_retry: result.no_retry,
        });
        let Some(failure) = result.failure else {
            return;
        };
        let Some(delay) = RETRY_DELAYS.get(num as usize) else {
            return;
        };
        if result.no_retry {
            return;
        }
        wait_fake_time(&fake, *delay).await;
        retry = Some((num + 1, failure));
    }
}

/// Sleeps until `wait` has passed on the fake's clock (scaled, and moved
/// on by [`MockSlack::advance`](crate::MockSlack::advance)).
async fn wait_fake_time(fake: &FakeSlack, wait: Duration) {
    let now = || {
        let advanced = fake.lock().advanced;
        fake.clock.now(advanced)
    };
    let due = now().saturating_add(wait);
    loop {
        let current = now();
        if current >= due {
            return;
        }
        let real = fake.clock.real_duration(due - current);
        // Wake at least every 50 ms to notice `advance`.
        tokio::time::sleep(real.min(Duration::from_millis(50))).await;
    }
}

/// Why a press of the Call button did not start a Call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InitiationError {
    /// The fake user could not press it (unknown user or channel, no app).
    #[error(transparent)]
    Action(#[from] UserActionError),
    /// The app did not answer 2xx within the ack timeout.
    #[error("the app did not answer 2xx in time ({})", .0.as_str())]
    NoAnswer(FailureReason),
    /// The app answered, but not `response_type: call` with a
    /// `call_initiation_url`.
    #[error("the app's answer does not start a call: {0}")]
    NotACall(String),
}

/// Slack's `url_verification` handshake with the app's Request URL, sent
/// when the app is registered (Slack's "Using the Events API over HTTP",
/// "URL verification handshake"): a signed JSON POST of `token`,
/// `challenge` and `type`; the app must answer 2xx within its ack
/// timeout with the challenge, as plain text, as
/// `application/x-www-form-urlencoded` (`challenge=…`) or as JSON
/// (`{"challenge": …}`).
pub(crate) async fn verify_url(app: &MockApp) -> Result<(), UrlVerificationError> {
    let challenge = new_challenge();
    let body = serde_json::json!({
        "token": app.verification_token,
        "challenge": challenge,
        "type": "url_verification",
    });
    let body = serde_json::to_vec(&body).unwrap_or_default();
    let result = attempt(&http_client(), app, "application/json", &body, None).await;
    if let Some(failure) = result.failure {
        return Err(match (failure, result.status) {
            (FailureReason::HttpError, Some(status)) => UrlVerificationError::Status(status),
            _ => UrlVerificationError::NoAnswer(failure),
        });
    }
    if answers_challenge(&result.body, &challenge) {
        Ok(())
    } else {
        Err(UrlVerificationError::WrongChallenge)
    }
}

/// A fresh challenge: unguessable enough for a test (time and a count).
fn new_challenge() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("{nanos:x}{count:04x}mockchallenge")
}

/// Whether `body` gives back `challenge`: as the whole text, as a form's
/// `challenge` field, or as a JSON object's.
fn answers_challenge(body: &[u8], challenge: &str) -> bool {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text == challenge {
        return true;
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(text) {
        return map.get("challenge").and_then(serde_json::Value::as_str) == Some(challenge);
    }
    form_urlencoded::parse(text.as_bytes())
        .any(|(name, value)| name == "challenge" && value == challenge)
}

/// Why the app's Request URL failed Slack's `url_verification` handshake;
/// the app is not registered then. The messages follow Slack's app
/// settings page where its wording is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlVerificationError {
    /// No 2xx within the ack timeout: no answer, no connection, or too
    /// many redirects.
    #[error("Your URL didn't respond to the url_verification request in time ({})", .0.as_str())]
    NoAnswer(FailureReason),
    /// The app answered with this non-2xx status.
    #[error("Your URL responded with an HTTP error: status {0}")]
    Status(u16),
    /// The app answered 2xx without the challenge.
    #[error("Your URL didn't respond with the value of the challenge parameter.")]
    WrongChallenge,
}

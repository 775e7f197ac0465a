//! The receiving core, free of any web framework: one request's headers and
//! raw body in, one [`Reply`] out. The axum adapter only moves bytes.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use serde::de::DeserializeOwned;

use super::dedup::{Claim, DedupStore};
use super::initiation::{CallInitiation, InitiationAnswer, answer_late, is_ssl_check};
use super::verify::{Rejection, Verifier};
use crate::events::envelope::{AppRateLimited, EventCallback, EventEnvelope};
use crate::{Client, Clock, Event, InstallationKey, Shutdown, TeamId};

/// The retry count header Slack adds to re-deliveries (1 to 3).
pub const RETRY_NUM_HEADER: &str = "x-slack-retry-num";
/// Why Slack re-delivers (`http_timeout`, `http_error`, ...).
pub const RETRY_REASON_HEADER: &str = "x-slack-retry-reason";
/// Sent on permanent rejections so Slack does not retry them.
pub const NO_RETRY_HEADER: &str = "x-slack-no-retry";
/// How long a Call-initiation handler may take before the receiver answers
/// without it: under Slack's 3 s, leaving room for the network.
pub const DEFAULT_INITIATION_DEADLINE: Duration = Duration::from_millis(2500);

pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;
pub(super) type EventHandler<E> = dyn Fn(EventCallback<E>, Context) -> BoxFuture<()> + Send + Sync;
pub(super) type RateLimitedHandler = dyn Fn(AppRateLimited, Context) -> BoxFuture<()> + Send + Sync;
pub(super) type InitiationHandler =
    dyn Fn(CallInitiation, Context) -> BoxFuture<InitiationAnswer> + Send + Sync;
pub(super) type DomainKey<E> = dyn Fn(&EventCallback<E>) -> Option<String> + Send + Sync;

/// Gives a [`Client`] for a workspace: the app's installation lookup.
/// Closures `Fn(&str) -> Option<Client>` implement it, and so does
/// [`App`](crate::App), which also stops a workspace's work when Slack says
/// the app lost it.
pub trait Workspaces: Send + Sync + 'static {
    /// The client for `team_id`, or `None` when the app is not installed
    /// there.
    fn client(&self, team_id: &str) -> Option<Client>;

    /// Slack said the app lost `team_id`: `event_type` is
    /// `app_uninstalled` or `tokens_revoked`. Called once per delivery
    /// (duplicates are dropped first), before the event's handler runs.
    /// The default does nothing.
    fn lost(&self, team_id: &str, event_type: &str) {
        let _ = (team_id, event_type);
    }

    /// The client for workspace `team_id` with the installation the
    /// request names (`installation`, from an event's `authorizations[0]`
    /// or a Call button's fields; an org-wide install serves every
    /// workspace of its organization). The default asks
    /// [`client`](Workspaces::client).
    fn client_for(&self, installation: Option<&InstallationKey>, team_id: &str) -> Option<Client> {
        let _ = installation;
        self.client(team_id)
    }

    /// Like [`lost`](Workspaces::lost), with the installation the delivery
    /// names (an org-wide uninstall loses the whole organization). The
    /// default calls [`lost`](Workspaces::lost).
    fn lost_installation(
        &self,
        installation: Option<&InstallationKey>,
        team_id: &str,
        event_type: &str,
    ) {
        let _ = installation;
        self.lost(team_id, event_type);
    }

    /// `tokens_revoked`, with whose tokens went (`revoked`: user ids under
    /// `oauth` for user tokens, bot user ids under `bot`). Called once per
    /// delivery, before the event's handler runs. The default treats it as
    /// losing the installation ([`lost_installation`](Workspaces::lost_installation));
    /// [`App`](crate::App) drops just the tokens named.
    fn tokens_revoked(
        &self,
        installation: Option<&InstallationKey>,
        team_id: &str,
        revoked: &crate::RevokedTokens,
    ) {
        let _ = revoked;
        self.lost_installation(installation, team_id, "tokens_revoked");
    }
}

impl<F> Workspaces for F
where
    F: Fn(&str) -> Option<Client> + Send + Sync + 'static,
{
    fn client(&self, team_id: &str) -> Option<Client> {
        self(team_id)
    }
}

/// A delivery that costs the app tokens.
enum Lost {
    /// `app_uninstalled`.
    Uninstalled,
    /// `tokens_revoked`, with whose.
    Revoked(crate::RevokedTokens),
}

/// `app_uninstalled` or `tokens_revoked` when the delivery's inner event is
/// one of them (read from the already verified body, whatever the app's
/// event type `E` is).
fn lost_workspace_event(body: &[u8]) -> Option<Lost> {
    #[derive(serde::Deserialize)]
    struct Outer {
        event: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        #[serde(rename = "type")]
        kind: String,
        #[serde(default)]
        tokens: Option<crate::RevokedTokens>,
    }
    let outer: Outer = serde_json::from_slice(body).ok()?;
    match outer.event.kind.as_str() {
        "app_uninstalled" => Some(Lost::Uninstalled),
        "tokens_revoked" => Some(Lost::Revoked(outer.event.tokens.unwrap_or_default())),
        _ => None,
    }
}

/// What a handler knows about the delivery besides the payload.
#[derive(Clone)]
pub struct Context {
    team_id: TeamId,
    installation: Option<InstallationKey>,
    retry_num: Option<u32>,
    retry_reason: Option<String>,
    workspaces: Option<Arc<dyn Workspaces>>,
}

impl Context {
    /// The workspace the request is for.
    pub fn team_id(&self) -> &TeamId {
        &self.team_id
    }

    /// The installation the request names, as Slack keys it: an event's
    /// `authorizations[0]`, a Call button's `enterprise_id`, `team_id` and
    /// `is_enterprise_install`.
    pub fn installation(&self) -> Option<&InstallationKey> {
        self.installation.as_ref()
    }

    /// `X-Slack-Retry-Num`: `None` on a first delivery.
    pub fn retry_num(&self) -> Option<u32> {
        self.retry_num
    }

    /// `X-Slack-Retry-Reason` (`http_timeout`, `http_error`, ...), on
    /// re-deliveries.
    pub fn retry_reason(&self) -> Option<&str> {
        self.retry_reason.as_deref()
    }

    /// A client for this workspace, from the app's
    /// [`workspaces`](super::ReceiverBuilder::workspaces) lookup; `None` when there
    /// is none or the app is not installed there.
    pub fn client(&self) -> Option<Client> {
        self.workspaces
            .as_ref()?
            .client_for(self.installation.as_ref(), self.team_id.as_str())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("team_id", &self.team_id)
            .field("installation", &self.installation)
            .field("retry_num", &self.retry_num)
            .field("retry_reason", &self.retry_reason)
            .finish_non_exhaustive()
    }
}

/// The answer to one request, for any web framework to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body (empty for a plain ack).
    pub body: Vec<u8>,
    /// Whether to send `x-slack-no-retry: 1` (permanent rejections).
    pub no_retry: bool,
    /// What the request turned out to be.
    pub outcome: Outcome,
}

/// What the receiver did with a request (for logs, metrics and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Refused.
    Rejected(Rejection),
    /// `url_verification`, answered with its challenge.
    UrlVerification,
    /// `ssl_check=1`, acknowledged unsigned and unread.
    SslCheck,
    /// An event handed to the handler (or acknowledged when there is none).
    Event,
    /// An event already handled (same `event_id` or domain key): acknowledged
    /// and dropped.
    Duplicate,
    /// `app_rate_limited`, handed to its handler.
    AppRateLimited,
    /// An envelope type this receiver does not know: acknowledged.
    UnknownEnvelope,
    /// A Call initiation answered by the handler.
    CallInitiation,
    /// A Call initiation whose handler missed the deadline (or none is set):
    /// acknowledged with an empty 200.
    CallInitiationTimedOut,
    /// Refused with `503` because the receiver's [`Shutdown`] stopped:
    /// Slack retries it (on an instance still running).
    Stopping,
    /// An event (or `app_rate_limited`) written to the receiver's
    /// [`EventStream`](super::EventStream) and acknowledged: a worker runs
    /// its handler (feature `redis`).
    Queued,
    /// Refused with `503` because the receiver's
    /// [`EventStream`](super::EventStream) could not take the event (Redis
    /// did not answer in time): Slack retries it (feature `redis`).
    QueueUnavailable,
}

impl Outcome {
    /// A fixed name for the outcome, for logs and metrics: `rejected`,
    /// `url_verification`, `ssl_check`, `event`, `duplicate`,
    /// `app_rate_limited`, `unknown_envelope`, `call_initiation`,
    /// `call_initiation_timed_out`, `stopping`, `queued`,
    /// `queue_unavailable`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Rejected(_) => "rejected",
            Outcome::UrlVerification => "url_verification",
            Outcome::SslCheck => "ssl_check",
            Outcome::Event => "event",
            Outcome::Duplicate => "duplicate",
            Outcome::AppRateLimited => "app_rate_limited",
            Outcome::UnknownEnvelope => "unknown_envelope",
            Outcome::CallInitiation => "call_initiation",
            Outcome::CallInitiationTimedOut => "call_initiation_timed_out",
            Outcome::Stopping => "stopping",
            Outcome::Queued => "queued",
            Outcome::QueueUnavailable => "queue_unavailable",
        }
    }
}

impl Reply {
    fn ack(outcome: Outcome) -> Reply {
        Reply {
            status: 200,
            content_type: None,
            body: Vec::new(),
            no_retry: false,
            outcome,
        }
    }

    fn stopping() -> Reply {
        Reply::unavailable(b"stopping", Outcome::Stopping)
    }

    /// `503`, which Slack retries.
    fn unavailable(body: &[u8], outcome: Outcome) -> Reply {
        Reply {
            status: 503,
            content_type: Some("text/plain; charset=utf-8"),
            body: body.to_vec(),
            no_retry: false,
            outcome,
        }
    }

    pub(crate) fn rejected(rejection: Rejection) -> Reply {
        tracing::debug!(%rejection, "slack request refused");
        Reply {
            status: rejection.status(),
            content_type: Some("text/plain; charset=utf-8"),
            // As little as needed: the status says the class of failure.
            body: b"invalid request".to_vec(),
            no_retry: true,
            outcome: Outcome::Rejected(rejection),
        }
    }
}

/// Receives Slack's requests for one app: verifies, decodes, dedups,
/// acknowledges, and runs the app's handlers. Cheap to clone.
///
/// `E` is the inner event type: by default the generated [`Event`] enum,
/// or a downstream crate's own (generated from its own spec, or written by
/// hand). Give it a catch-all variant so that event types it does not name
/// still decode (they are acknowledged either way, but an `E` that fails to
/// decode is a [`Rejection::BadPayload`]).
pub struct Receiver<E = Event> {
    pub(super) inner: Arc<Inner<E>>,
}

impl<E> Clone for Receiver<E> {
    fn clone(&self) -> Self {
        Receiver {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<E> fmt::Debug for Receiver<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("verifier", &self.inner.verifier)
            .finish_non_exhaustive()
    }
}

pub(super) struct Inner<E> {
    pub(super) verifier: Verifier,
    pub(super) dedup: Arc<dyn DedupStore>,
    pub(super) domain_key: Option<Box<DomainKey<E>>>,
    pub(super) on_event: Option<Box<EventHandler<E>>>,
    pub(super) on_rate_limited: Option<Box<RateLimitedHandler>>,
    pub(super) on_initiation: Option<Box<InitiationHandler>>,
    pub(super) workspaces: Option<Arc<dyn Workspaces>>,
    pub(super) initiation_deadline: Duration,
    pub(super) clock: Arc<dyn Clock>,
    /// Posts late Call-initiation answers to their `response_url`.
    pub(super) http: Option<reqwest::Client>,
    /// Tracks the handlers; refuses requests once stopped.
    pub(super) shutdown: Shutdown,
    /// Where events go before they are acknowledged, when durable.
    #[cfg(feature = "redis")]
    pub(super) stream: Option<super::stream::EventStream>,
}

impl<E> Receiver<E>
where
    E: DeserializeOwned + Send + 'static,
{
    /// The verifier this receiver checks requests with.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The shutdown that tracks this receiver's handlers: the one given to
    /// [`ReceiverBuilder::shutdown`](super::ReceiverBuilder::shutdown), or
    /// the receiver's own.
    pub fn shutdown(&self) -> &Shutdown {
        &self.inner.shutdown
    }

    /// Handles one request from its headers and raw body. Event handlers
    /// are spawned on the current tokio runtime and run after this returns,
    /// so the ack never waits for them; a Call-initiation handler is awaited
    /// up to the initiation deadline.
    ///
    /// Once the receiver's [`Shutdown`] stops, every request is answered
    /// `503` ([`Outcome::Stopping`]), which Slack retries. A request already
    /// past that check is waited for by the stop, with the handlers it
    /// starts.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let reply = self.answer(headers, body).await;
        count(&reply, body);
        reply
    }

    async fn answer(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let inner = &*self.inner;
        // Counted as work in flight from here, so that a stop that begins
        // now waits for this request and what it spawns; taken before the
        // check so that no request slips between the check and the wait.
        let _in_flight = inner.shutdown.request();
        if inner.shutdown.is_stopping() {
            return Reply::stopping();
        }
        let content = content_kind(headers);
        if body.len() > inner.verifier.body_limit() {
            return Reply::rejected(Rejection::BodyTooLarge {
                limit: inner.verifier.body_limit(),
            });
        }
        // Slack's `ssl_check` probe is the one unsigned request; answer it
        // without reading anything else from it.
        if content == Content::Form && is_ssl_check(body) {
            return Reply::ack(Outcome::SslCheck);
        }
        if let Err(rejection) = inner.verifier.verify_headers(headers, body) {
            return Reply::rejected(rejection);
        }
        match content {
            Content::Json => self.receive_envelope(headers, body).await,
            Content::Form => self.receive_initiation(headers, body).await,
            Content::Other => Reply::rejected(Rejection::UnsupportedContentType),
        }
    }

    async fn receive_envelope(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let inner = &*self.inner;
        let envelope = match EventEnvelope::<E>::from_slice(body) {
            Ok(envelope) => envelope,
            Err(err) => return Reply::rejected(bad_payload(&err)),
        };
        #[cfg(feature = "redis")]
        if let Some(stream) = &inner.stream
            && matches!(
                envelope,
                EventEnvelope::EventCallback(_) | EventEnvelope::AppRateLimited(_)
            )
        {
            // Re-encoded without Slack's verification token: nothing in
            // Redis is a secret.
            let Some(stored) = super::stream::without_token(body) else {
                return Reply::rejected(Rejection::BadPayload {
                    reason: "the envelope does not re-encode as a JSON object".to_owned(),
                });
            };
            let (retry_num, retry_reason) = retry_headers(headers);
            return match stream
                .enqueue(stored, retry_num, retry_reason.as_deref())
                .await
            {
                Ok(()) => Reply::ack(Outcome::Queued),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot queue the event in Redis; answered 503 so that Slack retries");
                    Reply::unavailable(b"unavailable", Outcome::QueueUnavailable)
                }
            };
        }
        match envelope {
            EventEnvelope::EventCallback(callback) => {
                let keys = self.dedup_keys(&callback);
                if self.is_duplicate(&keys).await {
                    tracing::debug!(event_id = %callback.event_id, "duplicate slack event dropped");
                    return Reply::ack(Outcome::Duplicate);
                }
                let (retry_num, retry_reason) = retry_headers(headers);
                if let Some((handler, context)) =
                    self.prepare(&callback, body, retry_num, retry_reason)
                {
                    inner.shutdown.spawn(handler(callback, context));
                }
                Reply::ack(Outcome::Event)
            }
            EventEnvelope::UrlVerification(verification) => Reply {
                status: 200,
                content_type: Some("text/plain; charset=utf-8"),
                body: verification.challenge.into_bytes(),
                no_retry: false,
                outcome: Outcome::UrlVerification,
            },
            EventEnvelope::AppRateLimited(limited) => {
                tracing::warn!(
                    team_id = %limited.team_id,
                    minute = %limited.minute_rate_limited,
                    "slack is dropping this app's events for the workspace (app_rate_limited)"
                );
                if let Some(handler) = &inner.on_rate_limited {
                    let (retry_num, retry_reason) = retry_headers(headers);
                    let context =
                        self.context(limited.team_id.clone(), None, retry_num, retry_reason);
                    inner.shutdown.spawn(handler(limited, context));
                }
                Reply::ack(Outcome::AppRateLimited)
            }
            EventEnvelope::Other(value) => match misfit::<E>(value) {
                Some(rejection) => Reply::rejected(rejection),
                None => Reply::ack(Outcome::UnknownEnvelope),
            },
        }
    }

    /// The delivery's `event_id` key, then its domain key if any.
    fn dedup_keys(&self, callback: &EventCallback<E>) -> Vec<String> {
        let mut keys = vec![format!("event\n{}", callback.event_id)];
        if let Some(domain_key) = &self.inner.domain_key
            && let Some(key) = domain_key(callback)
        {
            keys.push(format!("domain\n{key}"));
        }
        keys
    }

    /// Claims every key, in order; a store failure lets the delivery
    /// through.
    async fn is_duplicate(&self, keys: &[String]) -> bool {
        let inner = &*self.inner;
        for key in keys {
            match inner.dedup.claim(key).await {
                Ok(Claim::First) => {}
                Ok(Claim::Duplicate) => return true,
                Err(err) => {
                    tracing::warn!(error = %err, "dedup store failed; handling the event anyway");
                }
            }
        }
        false
    }

    async fn receive_initiation(&self, headers: &HeaderMap, body: &[u8]) -> Reply {
        let inner = &*self.inner;
        let form: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(body)
            .map(|(name, value)| (name.into_owned(), value.into_owned().into()))
            .collect();
        let initiation: CallInitiation =
            match serde_json::from_value(serde_json::Value::Object(form)) {
                Ok(initiation) => initiation,
                Err(err) => return Reply::rejected(bad_payload(&err)),
            };
        let Some(handler) = &inner.on_initiation else {
            return Reply::ack(Outcome::CallInitiationTimedOut);
        };
        let (retry_num, retry_reason) = retry_headers(headers);
        let context = self.context(
            TeamId::from(&initiation.team_id),
            initiation.installation(),
            retry_num,
            retry_reason,
        );
        let response_url = initiation.response_url.clone();
        let mut answer = handler(initiation, context);
        let deadline = inner.clock.sleep(inner.initiation_deadline);
        match crate::clock::first_of(&mut answer, deadline).await {
            Some(answer) => match serde_json::to_vec(&answer) {
                Ok(body) => Reply {
                    status: 200,
                    content_type: Some("application/json"),
                    body,
                    no_retry: false,
                    outcome: Outcome::CallInitiation,
                },
                // Serializing strings and enums cannot fail; ack if it does.
                Err(_) => Reply::ack(Outcome::CallInitiationTimedOut),
            },
            None => {
                tracing::warn!(
                    "call initiation handler missed its deadline; acknowledged empty, \
                     its answer goes to the response_url"
                );
                inner
                    .shutdown
                    .spawn(answer_late(inner.http.clone(), response_url, answer));
                Reply::ack(Outcome::CallInitiationTimedOut)
            }
        }
    }

    fn context(
        &self,
        team_id: TeamId,
        installation: Option<InstallationKey>,
        retry_num: Option<u32>,
        retry_reason: Option<String>,
    ) -> Context {
        Context {
            team_id,
            installation,
            retry_num,
            retry_reason,
            workspaces: self.inner.workspaces.clone(),
        }
    }

    /// What every first delivery of an event does before its handler: tells
    /// the workspace lookup when the app lost the workspace (or tokens),
    /// and returns the handler with its context, when there is one.
    fn prepare(
        &self,
        callback: &EventCallback<E>,
        body: &[u8],
        retry_num: Option<u32>,
        retry_reason: Option<String>,
    ) -> Option<(&EventHandler<E>, Context)> {
        let inner = &*self.inner;
        let installation = callback.authorizations.first().and_then(|first| {
            InstallationKey::find(
                first.enterprise_id.as_deref(),
                first
                    .team_id
                    .as_ref()
                    .or(Some(&callback.team_id))
                    .map(TeamId::as_str),
                first.is_enterprise_install,
            )
        });
        if let Some(workspaces) = &inner.workspaces {
            let team = callback.team_id.as_str();
            match lost_workspace_event(body) {
                Some(Lost::Uninstalled) => {
                    workspaces.lost_installation(installation.as_ref(), team, "app_uninstalled");
                }
                Some(Lost::Revoked(revoked)) => {
                    workspaces.tokens_revoked(installation.as_ref(), team, &revoked);
                }
                None => {}
            }
        }
        let handler = inner.on_event.as_deref()?;
        let context = self.context(
            callback.team_id.clone(),
            installation,
            retry_num,
            retry_reason,
        );
        Some((handler, context))
    }
}

/// `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, when present.
fn retry_headers(headers: &HeaderMap) -> (Option<u32>, Option<String>) {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    (
        header(RETRY_NUM_HEADER).and_then(|value| value.parse().ok()),
        header(RETRY_REASON_HEADER).map(str::to_owned),
    )
}

#[cfg(feature = "redis")]
impl<E> Receiver<E>
where
    E: DeserializeOwned + Send + 'static,
{
    /// Runs this receiver's stream workers until its [`Shutdown`] stops:
    /// they take the events the receiver queued in its
    /// [`EventStream`](super::EventStream) (from every instance of the
    /// app), run the handlers, and take over the entries of workers that
    /// died. Returns at once when the receiver has no stream.
    /// [`Server`](super::Server) runs this by itself; an app that serves
    /// with its own framework spawns it once per process.
    pub async fn run_workers(&self) {
        super::stream::work(self.clone()).await;
    }

    /// Runs one stream entry's event: once per event (see
    /// [`EventStream`](super::EventStream)), then marks it done and
    /// removes the entry.
    pub(super) async fn handle_stored(
        &self,
        id: &str,
        body: Option<&[u8]>,
        retry_num: Option<u32>,
        retry_reason: Option<String>,
    ) {
        use super::stream::{Begin, persist};
        let inner = &*self.inner;
        let Some(stream) = &inner.stream else {
            return;
        };
        let shutdown = &inner.shutdown;
        let envelope = body.map(EventEnvelope::<E>::from_slice);
        let keys = match envelope {
            Some(Ok(EventEnvelope::EventCallback(callback))) => {
                let keys = self.dedup_keys(&callback);
                let Some(begin) = persist(shutdown, "mark the event running", || {
                    stream.begin(id, &keys)
                })
                .await
                else {
                    return;
                };
                if begin != Begin::Run {
                    tracing::debug!(event_id = %callback.event_id, entry = id, "duplicate slack event dropped from the stream");
                    crate::telemetry::dedup_hit();
                    crate::telemetry::stream_handled("duplicate");
                    let _ = persist(shutdown, "drop a duplicate", || stream.settle(id, &[])).await;
                    return;
                }
                let body = body.unwrap_or_default();
                if let Some((handler, context)) =
                    self.prepare(&callback, body, retry_num, retry_reason)
                {
                    let event_id = callback.event_id.clone();
                    let ran = tokio::spawn(handler(callback, context)).await;
                    if let Err(err) = ran {
                        tracing::error!(%event_id, error = %err, "the event handler panicked; its entry is acknowledged, not run again");
                        crate::telemetry::stream_handled("panicked");
                    } else {
                        crate::telemetry::stream_handled("handled");
                    }
                } else {
                    crate::telemetry::stream_handled("handled");
                }
                keys
            }
            Some(Ok(EventEnvelope::AppRateLimited(limited))) => {
                if let Some(handler) = &inner.on_rate_limited {
                    let context =
                        self.context(limited.team_id.clone(), None, retry_num, retry_reason);
                    if tokio::spawn(handler(limited, context)).await.is_err() {
                        tracing::error!("the app_rate_limited handler panicked");
                    }
                }
                crate::telemetry::stream_handled("handled");
                Vec::new()
            }
            Some(Ok(_)) => Vec::new(),
            Some(Err(err)) => {
                tracing::error!(entry = id, error = %err, "a stream entry does not decode (written by another version of the app?); dropped");
                crate::telemetry::stream_handled("undecodable");
                Vec::new()
            }
            None => {
                tracing::error!(entry = id, "a stream entry has no body; dropped");
                crate::telemetry::stream_handled("undecodable");
                Vec::new()
            }
        };
        let _ = persist(shutdown, "mark the event done", || stream.settle(id, &keys)).await;
    }
}

/// The request in the metrics ([`crate::telemetry`]): what it was, how it
/// was answered, and why it was refused.
fn count(reply: &Reply, body: &[u8]) {
    use crate::telemetry;
    match &reply.outcome {
        Outcome::Rejected(rejection) => telemetry::refused(rejection.label()),
        Outcome::Duplicate => telemetry::dedup_hit(),
        _ => {}
    }
    #[cfg(feature = "metrics")]
    {
        let kind = match &reply.outcome {
            Outcome::Event | Outcome::Duplicate | Outcome::Queued => inner_event_type(body),
            Outcome::UrlVerification => "url_verification".to_owned(),
            Outcome::AppRateLimited => "app_rate_limited".to_owned(),
            Outcome::CallInitiation | Outcome::CallInitiationTimedOut => {
                "call_initiation".to_owned()
            }
            Outcome::SslCheck => "ssl_check".to_owned(),
            Outcome::UnknownEnvelope => "unknown".to_owned(),
            // Not read (refused, or the receiver is stopping): its type is
            // not to be trusted or not known.
            _ => "unread".to_owned(),
        };
        telemetry::delivery(&kind, reply.outcome.label());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = body;
}

/// The `type` of a verified `event_callback`'s inner event, for its label
/// (`app_rate_limited` for that envelope, which has no inner event).
#[cfg(feature = "metrics")]
fn inner_event_type(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Outer<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
        #[serde(borrow, default)]
        event: Option<Inner<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Inner<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    match serde_json::from_slice::<Outer<'_>>(body) {
        Ok(Outer {
            event: Some(inner), ..
        }) => inner.kind.into_owned(),
        Ok(outer) if outer.kind == "app_rate_limited" => "app_rate_limited".to_owned(),
        _ => "other".to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Json,
    Form,
    Other,
}

fn content_kind(headers: &HeaderMap) -> Content {
    let Some(value) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return Content::Other;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Content::Json
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Content::Form
    } else {
        Content::Other
    }
}

/// What to do with a delivery the [`EventEnvelope`] kept whole: an
/// envelope type this code does not know is acknowledged (`None`); a known
/// type that does not fit its shape, or a body without a `type`, is
/// refused with serde's reason.
fn misfit<E: DeserializeOwned>(value: serde_json::Value) -> Option<Rejection> {
    use crate::events::envelope::UrlVerification;
    use serde_json::from_value;
    let error = match crate::__private::union::tag(&value, "type") {
        Some("event_callback") => from_value::<EventCallback<E>>(value).err(),
        Some("url_verification") => from_value::<UrlVerification>(value).err(),
        Some("app_rate_limited") => from_value::<AppRateLimited>(value).err(),
        Some(other) => {
            tracing::debug!(envelope = other, "unknown slack envelope acknowledged");
            return None;
        }
        None => {
            return Some(Rejection::BadPayload {
                reason: "the body is not a JSON object with a text `type`".to_owned(),
            });
        }
    };
    // Decoding the value alone cannot succeed where the envelope failed;
    // if it does, the delivery is acknowledged like an unknown one.
    error.map(|err| bad_payload(&err))
}

fn bad_payload(err: &serde_json::Error) -> Rejection {
    Rejection::BadPayload {
        reason: err.to_string(),
    }
}

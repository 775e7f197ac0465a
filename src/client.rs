//! The client: configuration, and the one send path every generated method
//! goes through.
//!
//! [`send`] is where a call meets Slack: it checks the request before
//! anything leaves, waits for a permit from the rate limiter, sends, and on
//! failure decides with the [`RetryPolicy`] whether the call may go again.
//! A 429 pauses the method (for this token or workspace) for `Retry-After`
//! and the call goes again, as long as the caller's wait budget lasts.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;
use tracing::field::Empty;

use crate::clock::{Clock, SystemClock};
use crate::error::{
    ApiError, Error, ErrorCode, InvalidRequest, ResponseMeta, TransportKind, snippet,
};
use crate::form::Form;
use crate::method::{HttpMethod, MethodInfo, ParamKind, Required};
use crate::ratelimit::{Key, PacingStats, RateLimiter, RateLimits, Scope};
use crate::retry::{RetryPolicy, transient};
use crate::token::{Token, TokenKind};

/// Slack's Web API base URL.
pub const SLACK_API_BASE: &str = "https://slack.com/api/";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// The wait after a 429 whose `Retry-After` is missing, zero or unreadable.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Token texts shorter than this are not searched for in bodies and
/// messages: they would match ordinary text, and are not real Slack tokens.
const MIN_SECRET_LEN: usize = 8;
/// The longest `Retry-After` taken as given.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// A typed response of a generated method; the runtime hands it the
/// envelope's warnings after decoding.
pub trait Response: DeserializeOwned + Send + 'static {
    /// Stores Slack's warnings and messages on the response.
    fn set_meta(&mut self, meta: ResponseMeta);
}

/// A Slack Web API client for one token.
///
/// Cheap to clone: clones share the connection pool, the configuration and
/// the rate limiter, so calls made through any clone are paced together.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = slack_calls::Client::new("xoxb-your-token");
/// let info = client.calls().info("R0E69JAIF").await?;
/// println!("{:?}", info.call.title);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    token: Token,
    limiter: RateLimiter,
    scope: Scope,
    max_rate_limit_wait: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &self.inner.token)
            .field("limiter", &self.inner.limiter)
            .field("max_rate_limit_wait", &self.inner.max_rate_limit_wait)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for Slack's API with default settings.
    ///
    /// # Panics
    ///
    /// Like `reqwest::Client::new`, when the TLS backend cannot be
    /// initialised; use [`Client::builder`] to get that as an error.
    pub fn new(token: impl Into<Token>) -> Client {
        match Client::builder(token).build() {
            Ok(client) => client,
            Err(err) => panic!("slack_calls::Client::new: {err}"),
        }
    }

    /// A builder to set the base URL, timeouts, pacing, retries, or an
    /// HTTP client of your own.
    pub fn builder(token: impl Into<Token>) -> ClientBuilder {
        ClientBuilder {
            token: token.into(),
            base_url: SLACK_API_BASE.to_owned(),
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            limiter: LimiterChoice::Own(RateLimits::slack_tiers()),
            workspace: None,
            max_rate_limit_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
            retry: RetryPolicy::new(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The base URL requests go to (ends with `/`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The kind of token this client sends.
    pub fn token_kind(&self) -> TokenKind {
        self.inner.token.kind()
    }

    /// The rate limiter this client (and its clones) use.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// What pacing has done for this client's token or workspace, per
    /// method: permits, waits, 429s.
    pub fn pacing_stats(&self) -> Vec<PacingStats> {
        self.inner.limiter.stats_for(&self.inner.scope)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
}

enum LimiterChoice {
    Own(RateLimits),
    Shared(RateLimiter),
}

/// Configures a [`Client`].
///
/// ```
/// use slack_calls::{Client, RateLimits, RetryPolicy};
/// use std::time::Duration;
///
/// # fn run() -> Result<(), slack_calls::BuildError> {
/// let client = Client::builder("xoxb-your-token")
///     .timeout(Duration::from_secs(10))
///     .rate_limits(RateLimits::slack_tiers())
///     .max_rate_limit_wait(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::new().max_attempts(3))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub struct ClientBuilder {
    token: Token,
    base_url: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    limiter: LimiterChoice,
    workspace: Option<String>,
    max_rate_limit_wait: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ClientBuilder");
        out.field("token", &self.token)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout);
        match &self.limiter {
            LimiterChoice::Own(limits) => out.field("rate_limits", limits),
            LimiterChoice::Shared(limiter) => out.field("rate_limiter", limiter),
        };
        out.field("workspace", &self.workspace)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Why a [`ClientBuilder`] could not build a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not a URL.
    #[error("base URL `{url}` is not a valid URL: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A base URL other than loopback must use https, so the token is
    /// never sent in clear text.
    #[error(
        "base URL `{url}` must use https (plain http is only allowed for 127.0.0.1, ::1 and localhost)"
    )]
    InsecureBaseUrl {
        /// The URL given.
        url: String,
    },
    /// reqwest could not build its client (TLS backend).
    #[error("could not build the HTTP client: {0}")]
    Http(String),
    /// A [`Rate`](crate::Rate) in the [`RateLimits`] cannot be applied.
    #[error("invalid rate for {target}: {reason}")]
    InvalidRate {
        /// The tier or method it was set for.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The [`RetryPolicy`] cannot be applied.
    #[error("invalid retry policy: {reason}")]
    InvalidRetryPolicy {
        /// What is wrong with it.
        reason: String,
    },
}

impl ClientBuilder {
    /// Sends requests to `url` instead of `https://slack.com/api/`, such as
    /// the fake server's [`base_url`](crate::mock::MockSlack::base_url)
    /// (with feature `mock`). Must be https unless it is loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.base_url = url.into();
        self
    }

    /// Uses your own `reqwest::Client` (proxy, TLS roots, pool settings).
    /// The timeouts set on this builder then do not apply: set them on your
    /// client.
    pub fn http_client(mut self, http: reqwest::Client) -> ClientBuilder {
        self.http = Some(http);
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take, end to end (default 30 s). A call
    /// that times out is retried only for idempotent methods.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Which rate each method is paced at (default: every method at its
    /// spec tier's floor, [`RateLimits::slack_tiers`]). Use
    /// [`RateLimits::off`] to send without pacing. Replaces a limiter set
    /// with [`rate_limiter`](ClientBuilder::rate_limiter).
    pub fn rate_limits(mut self, limits: RateLimits) -> ClientBuilder {
        self.limiter = LimiterChoice::Own(limits);
        self
    }

    /// Paces this client with a limiter shared with other clients.
    /// Replaces limits set with [`rate_limits`](ClientBuilder::rate_limits).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> ClientBuilder {
        self.limiter = LimiterChoice::Shared(limiter);
        self
    }

    /// Counts this client's requests under a workspace (team) id instead of
    /// its token, so that clients with different tokens for the same
    /// workspace that share a [`RateLimiter`] are paced together, as Slack
    /// counts them.
    pub fn workspace(mut self, team_id: impl Into<String>) -> ClientBuilder {
        self.workspace = Some(team_id.into());
        self
    }

    /// The most one call may wait for rate limits in total: pacing and
    /// Slack's `Retry-After` (default 60 s). When a wait would go beyond
    /// it, the call fails at once with [`Error::RateLimited`], whose
    /// `retry_after` says how long the wait would have been. Zero: never
    /// wait.
    pub fn max_rate_limit_wait(mut self, budget: Duration) -> ClientBuilder {
        self.max_rate_limit_wait = budget;
        self
    }

    /// How failed calls are retried (default [`RetryPolicy::new`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// The clock that pacing, `Retry-After` and backoff waits use (default
    /// real time). Tests pass a [`TestClock`](crate::TestClock) to check
    /// waits exactly without taking them. HTTP timeouts always use real
    /// time.
    pub fn clock(mut self, clock: impl Clock) -> ClientBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = parse_base_url(&self.base_url)?;
        self.retry
            .validate()
            .map_err(|reason| BuildError::InvalidRetryPolicy { reason })?;
        let limiter = match self.limiter {
            LimiterChoice::Own(limits) => RateLimiter::new(limits)?,
            LimiterChoice::Shared(limiter) => limiter,
        };
        let scope = match self.workspace {
            Some(team) => Scope::Workspace(team.into()),
            None => limiter.token_scope(&self.token),
        };
        let http = match self.http {
            Some(http) => http,
            None => {
                if let Some(reason) = crate::tls::missing(&base_url, crate::tls::BUILT_IN) {
                    return Err(BuildError::Http(reason));
                }
                crate::tls::prepare();
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .timeout(self.timeout)
                    .build()
                    .map_err(|err| BuildError::Http(err.to_string()))?
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token: self.token,
                limiter,
                scope,
                max_rate_limit_wait: self.max_rate_limit_wait,
                retry: self.retry,
                clock: self.clock,
            }),
        })
    }
}

fn parse_base_url(text: &str) -> Result<Url, BuildError> {
    let mut with_slash = text.to_owned();
    if !with_slash.ends_with('/') {
        with_slash.push('/');
    }
    let url = Url::parse(&with_slash).map_err(|err| BuildError::InvalidBaseUrl {
        url: text.to_owned(),
        reason: err.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(BuildError::InsecureBaseUrl {
            url: text.to_owned(),
        }),
        other => Err(BuildError::InvalidBaseUrl {
            url: text.to_owned(),
            reason: format!("scheme `{other}` is not http or https"),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks a filled-in form against the method's rules, before sending.
pub(crate) fn check_request(
    method: &'static MethodInfo,
    form: &Form,
    token: TokenKind,
) -> Result<(), InvalidRequest> {
    let invalid = |param: &'static str, reason: String| InvalidRequest {
        method: method.name,
        param: Some(param),
        reason,
    };
    if let Some((param, reason)) = form.problems().first() {
        return Err(invalid(param, reason.clone()));
    }
    for param in method.params {
        let value = form.get(param.name);
        match (param.required, value) {
            (Required::Yes, None) => {
                return Err(invalid(param.name, "is required".to_owned()));
            }
            (Required::WithBotToken, None) if token == TokenKind::Bot => {
                return Err(invalid(
                    param.name,
                    "is required when calling with a bot token (xoxb-); set it to the user who started the call".to_owned(),
                ));
            }
            _ => {}
        }
        let Some(value) = value else { continue };
        if value.trim().is_empty() && !matches!(param.kind, ParamKind::String) {
            return Err(invalid(param.name, "is empty".to_owned()));
        }
        if value.is_empty() && param.required == Required::Yes {
            return Err(invalid(
                param.name,
                "is required and cannot be empty".to_owned(),
            ));
        }
        if param.kind == ParamKind::Url {
            check_url(value).map_err(|reason| invalid(param.name, reason))?;
        }
        if let Some(len) = form.list_len(param.name)
            && len < param.min_items
        {
            return Err(invalid(
                param.name,
                format!(
                    "needs at least {} item{}, got {len}",
                    param.min_items,
                    if param.min_items == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    Ok(())
}

/// A `url` param must be an absolute URL (any scheme: a desktop app's
/// join link may use its own, such as `zoommtg://`).
fn check_url(value: &str) -> Result<(), String> {
    Url::parse(value).map(drop).map_err(|err| {
        format!(
            "is not an absolute URL ({err}): `{}`",
            snippet(value.as_bytes())
        )
    })
}

/// Sends one call and decodes the answer. Every generated method ends here.
///
/// In order: the request is checked ([`Error::InvalidRequest`], nothing
/// sent); a permit is taken from the rate limiter; the request goes out;
/// a 429 pauses the method for `Retry-After` and the call goes again while
/// the wait budget lasts; a transient failure is retried when the
/// [`RetryPolicy`] allows and it is safe for the method.
pub async fn send<R: Response, E: ErrorCode>(
    client: &Client,
    method: &'static MethodInfo,
    form: Form,
) -> Result<R, Error<E>> {
    let inner = &client.inner;
    let span = tracing::debug_span!(
        "slack_call",
        method = method.name,
        tier = %method.rate_tier,
        idempotent = method.idempotent,
        attempt = Empty,
        permit_wait_ms = Empty,
        retry_reason = Empty,
        outcome = Empty,
    );
    let result = send_with_retries(inner, method, form)
        .instrument(span.clone())
        .await
        .map_err(|err| scrub(err, &inner.token));
    let outcome = match &result {
        Ok(_) => "ok",
        Err(err) => outcome_label(err),
    };
    span.record("outcome", outcome);
    match &result {
        Ok(_) => tracing::debug!(parent: &span, outcome, "call done"),
        Err(err) => tracing::debug!(parent: &span, outcome, error = %err, "call failed"),
    }
    result
}

/// The request, ready to be sent as many times as the retry rules allow.
struct Prepared {
    url: Url,
    auth: HeaderValue,
    body: String,
}

fn prepare<E: ErrorCode>(
    inner: &Inner,
    method: &'static MethodInfo,
    form: &Form,
) -> Result<Prepared, Error<E>> {
    check_request(method, form, inner.token.kind()).map_err(Error::InvalidRequest)?;
    let url = inner.base_url.join(method.name).map_err(|err| {
        Error::InvalidRequest(InvalidRequest {
            method: method.name,
            param: None,
            reason: format!("method name does not form a URL: {err}"),
        })
    })?;
    let mut auth = HeaderValue::from_str(&format!("Bearer {}", inner.token.expose_secret()))
        .map_err(|_| {
            Error::InvalidRequest(InvalidRequest {
                method: method.name,
                param: None,
                reason: "the token contains characters that cannot go in an HTTP header".to_owned(),
            })
        })?;
    auth.set_sensitive(true);
    Ok(Prepared {
        url,
        auth,
        body: form.encode(),
    })
}

async fn send_with_retries<R: Response, E: ErrorCode>(
    inner: &Inner,
    method: &'static MethodInfo,
    form: Form,
) -> Result<R, Error<E>> {
    let prepared = prepare(inner, method, &form)?;
    let span = tracing::Span::current();
    let key = Key::new(&inner.scope, method);
    let budget = inner.max_rate_limit_wait;
    let mut waited = Duration::ZERO;
    let mut attempt: u32 = 0;
    let mut failures: u32 = 0;
    loop {
        let remaining = budget.saturating_sub(waited);
        match inner
            .limiter
            .acquire(&key, method, &*inner.clock, remaining)
            .await
        {
            Ok(wait) => waited = waited.saturating_add(wait),
            Err(needed) => {
                tracing::info!(
                    needed_ms = millis(needed),
                    budget_ms = millis(budget),
                    waited_ms = millis(waited),
                    "giving up: the wait for a permit goes beyond the rate-limit budget"
                );
                return Err(Error::RateLimited {
                    method: method.name,
                    retry_after: needed,
                });
            }
        }
        attempt = attempt.saturating_add(1);
        span.record("attempt", attempt);
        span.record("permit_wait_ms", millis(waited));
        tracing::debug!(attempt, "sending");
        let err = match send_once::<R, E>(inner, method, &prepared).await {
            Ok(response) => return Ok(response),
            Err(err) => err,
        };
        if let Error::RateLimited { retry_after, .. } = err {
            inner.limiter.block(&key, inner.clock.now(), retry_after);
            span.record("retry_reason", "rate_limited");
            tracing::info!(
                attempt,
                retry_after_ms = millis(retry_after),
                "Slack answered 429; pausing the method for Retry-After"
            );
            continue;
        }
        let Some(reason) = transient(&err) else {
            return Err(err);
        };
        failures += 1;
        if !reason.is_safe_for_any_method() && !method.idempotent {
            tracing::info!(
                attempt,
                reason = %reason,
                "not retried: the method is not idempotent and the request may have reached Slack"
            );
            return Err(err);
        }
        if failures >= inner.retry.attempts() {
            tracing::info!(attempt, reason = %reason, "giving up: no attempts left");
            return Err(err);
        }
        let backoff = inner.retry.delay(failures);
        span.record("retry_reason", reason.label());
        tracing::info!(
            attempt,
            reason = %reason,
            backoff_ms = millis(backoff),
            "retrying after a transient failure"
        );
        inner.clock.sleep(backoff).await;
    }
}

/// One HTTP exchange. A 429 comes back as [`Error::RateLimited`] carrying
/// `Retry-After`, for the caller to wait out.
async fn send_once<R: Response, E: ErrorCode>(
    inner: &Inner,
    method: &'static MethodInfo,
    prepared: &Prepared,
) -> Result<R, Error<E>> {
    let request = match method.http {
        HttpMethod::Post => inner
            .http
            .post(prepared.url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(prepared.body.clone()),
        HttpMethod::Get => {
            let mut url = prepared.url.clone();
            if !prepared.body.is_empty() {
                url.set_query(Some(&prepared.body));
            }
            inner.http.get(url)
        }
    }
    .header(AUTHORIZATION, prepared.auth.clone());

    let response = request
        .send()
        .await
        .map_err(|err| transport_error(method, &err))?;
    let status = response.status();
    if status.as_u16() == 429 {
        return Err(Error::RateLimited {
            method: method.name,
            retry_after: parse_retry_after(response.headers().get(RETRY_AFTER)),
        });
    }
    let body = response
        .bytes()
        .await
        .map_err(|err| transport_error(method, &err))?;
    let body = redact_body(&body, &inner.token);
    if status.as_u16() != 200 {
        return Err(Error::Status {
            method: method.name,
            status: status.as_u16(),
            body_snippet: snippet(&body),
        });
    }
    decode(method, &body)
}

/// Slack's `Retry-After` is whole seconds. A missing, zero or unreadable
/// value counts as one second, so a misbehaving server cannot make the
/// client spin.
fn parse_retry_after(value: Option<&HeaderValue>) -> Duration {
    value
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .filter(|secs| *secs > 0)
        .map_or(DEFAULT_RETRY_AFTER, |secs| {
            Duration::from_secs(secs).min(MAX_RETRY_AFTER)
        })
}

/// The body with every copy of the token text replaced by its redacted
/// label, so that a server echoing the token cannot put it into a response
/// or an error (a snippet cut in the middle of it would escape a later
/// search).
fn redact_body<'a>(body: &'a [u8], token: &Token) -> Cow<'a, [u8]> {
    let secret = token.expose_secret().as_bytes();
    if secret.len() < MIN_SECRET_LEN || !body.windows(secret.len()).any(|w| w == secret) {
        return Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(secret) {
            out.extend_from_slice(token.redacted().as_bytes());
            rest = &rest[secret.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    Cow::Owned(out)
}

fn outcome_label<E: ErrorCode>(err: &Error<E>) -> &'static str {
    match err {
        Error::Api { .. } => "api_error",
        Error::RateLimited { .. } => "rate_limited",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Transport { .. } => "transport_error",
        Error::Status { .. } => "status_error",
        Error::Decode { .. } => "decode_error",
    }
}

/// Removes the token text from an error's free-text parts, in case a
/// server (or a proxy) echoed it back in a body.
fn scrub<E: ErrorCode>(err: Error<E>, token: &Token) -> Error<E> {
    let secret = token.expose_secret();
    if secret.len() < MIN_SECRET_LEN {
        return err;
    }
    let clean = |text: String| {
        if text.contains(secret) {
            text.replace(secret, token.redacted())
        } else {
            text
        }
    };
    match err {
        Error::Api { method, mut error } => {
            error.meta.messages = error.meta.messages.into_iter().map(clean).collect();
            error.meta.warnings = error.meta.warnings.into_iter().map(clean).collect();
            error.needed = error.needed.map(clean);
            error.provided = error
                .provided
                .map(|provided| provided.into_iter().map(clean).collect());
            Error::Api { method, error }
        }
        Error::Transport {
            method,
            kind,
            may_have_been_sent,
            message,
        } => Error::Transport {
            method,
            kind,
            may_have_been_sent,
            message: clean(message),
        },
        Error::Status {
            method,
            status,
            body_snippet,
        } => Error::Status {
            method,
            status,
            body_snippet: clean(body_snippet),
        },
        Error::Decode {
            method,
            message,
            body_snippet,
        } => Error::Decode {
            method,
            message: clean(message),
            body_snippet: clean(body_snippet),
        },
        Error::InvalidRequest(mut invalid) => {
            invalid.reason = clean(invalid.reason);
            Error::InvalidRequest(invalid)
        }
        other => other,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Transport failures, classified by whether Slack may have seen the request.
pub(crate) fn transport_error<E: ErrorCode>(
    method: &'static MethodInfo,
    err: &reqwest::Error,
) -> Error<E> {
    let (kind, may_have_been_sent) = if err.is_connect() {
        (TransportKind::Connect, false)
    } else if err.is_timeout() {
        (TransportKind::Timeout, true)
    } else if err.is_request() || err.is_body() || err.is_decode() {
        (TransportKind::Connection, true)
    } else {
        (TransportKind::Other, true)
    };
    Error::Transport {
        method: method.name,
        kind,
        may_have_been_sent,
        message: describe(err),
    }
}

/// The causes reqwest reports, without the URL: the URL never holds the
/// token, but messages are kept to what helps.
fn describe(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(if err.is_timeout() {
            "operation timed out".to_owned()
        } else {
            "request failed".to_owned()
        });
    }
    parts.join(": ")
}

#[derive(Deserialize)]
struct Envelope {
    ok: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warning: Option<String>,
    #[serde(default)]
    needed: Option<String>,
    #[serde(default)]
    provided: Option<String>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// Decodes Slack's envelope, then the method's typed body.
pub fn decode<R: Response, E: ErrorCode>(
    method: &'static MethodInfo,
    body: &[u8],
) -> Result<R, Error<E>> {
    let decode_error = |message: String| Error::Decode {
        method: method.name,
        message,
        body_snippet: snippet(body),
    };
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
    let metadata = envelope.response_metadata.unwrap_or_default();
    let mut warnings: Vec<String> = Vec::new();
    for code in envelope
        .warning
        .iter()
        .flat_map(|w| w.split(','))
        .chain(metadata.warnings.iter().map(String::as_str))
    {
        let code = code.trim();
        if !code.is_empty() && !warnings.iter().any(|w| w == code) {
            warnings.push(code.to_owned());
        }
    }
    let meta = ResponseMeta {
        warnings,
        messages: metadata.messages,
        next_cursor: metadata.next_cursor.filter(|c| !c.is_empty()),
    };
    match envelope.ok {
        Some(true) => {
            let mut response: R =
                serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
            response.set_meta(meta);
            Ok(response)
        }
        Some(false) => {
            let code = envelope.error.unwrap_or_default();
            Err(Error::Api {
                method: method.name,
                error: Box::new(ApiError {
                    code: E::from_code(&code),
                    needed: envelope.needed.filter(|n| !n.is_empty()),
                    provided: envelope
                        .provided
                        .filter(|p| !p.is_empty())
                        .map(|p| p.split(',').map(|s| s.trim().to_owned()).collect()),
                    meta,
                }),
            })
        }
        None => Err(decode_error(
            "the answer has no boolean `ok` field".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(parse_base_url("https://slack.com/api").is_ok());
        assert!(parse_base_url("http://127.0.0.1:3000/api/").is_ok());
        assert!(parse_base_url("http://[::1]:3000/").is_ok());
        assert!(parse_base_url("http://localhost:3000").is_ok());
        assert!(matches!(
            parse_base_url("http://example.com/api/"),
            Err(BuildError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            parse_base_url("ftp://example.com/"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            parse_base_url("not a url"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert_eq!(
            parse_base_url("http://127.0.0.1:1/api")
                .unwrap()
                .join("calls.add")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:1/api/calls.add"
        );
    }

    #[test]
    fn defaults_are_the_documented_ones() {
        let builder = Client::builder("xoxb-1-2-abc");
        assert_eq!(builder.connect_timeout, Duration::from_secs(10));
        assert_eq!(builder.timeout, Duration::from_secs(30));
        assert_eq!(builder.max_rate_limit_wait, Duration::from_secs(60));
        assert_eq!(builder.retry, RetryPolicy::new());
        assert!(
            matches!(&builder.limiter, LimiterChoice::Own(limits) if *limits == RateLimits::slack_tiers())
        );
        let client = builder.build().unwrap();
        assert_eq!(client.retry_policy().attempts(), 4);
        assert_eq!(client.rate_limiter().limits(), &RateLimits::slack_tiers());
    }

    #[test]
    fn retry_after_is_whole_seconds_with_a_floor_and_a_ceiling() {
        let parse = |text: &str| parse_retry_after(Some(&HeaderValue::from_str(text).unwrap()));
        assert_eq!(parse("7"), Duration::from_secs(7));
        assert_eq!(parse(" 30 "), Duration::from_secs(30));
        assert_eq!(parse("0"), DEFAULT_RETRY_AFTER);
        assert_eq!(parse("1.5"), DEFAULT_RETRY_AFTER);
        assert_eq!(parse("99999999999999999999"), DEFAULT_RETRY_AFTER);
        assert_eq!(parse("9999999"), MAX_RETRY_AFTER);
        assert_eq!(parse_retry_after(None), DEFAULT_RETRY_AFTER);
    }

    #[test]
    fn redaction_replaces_every_copy_and_leaves_other_bodies_alone() {
        let token = Token::new("xoxb-1-2-SECRET");
        assert_eq!(
            redact_body(
                b"a xoxb-1-2-SECRET b xoxb-1-2-SECRETxoxb-1-2-SECRET",
                &token
            )
            .as_ref(),
            "a xoxb-… b xoxb-…xoxb-…".as_bytes()
        );
        assert!(matches!(
            redact_body(b"{\"ok\":true}", &token),
            Cow::Borrowed(_)
        ));
        // Too short to be a real token: not searched for.
        assert!(matches!(
            redact_body(b"abc", &Token::new("abc")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn client_debug_hides_the_token() {
        let client = Client::new("xoxb-1-2-TOPSECRET");
        let text = format!("{client:?}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}

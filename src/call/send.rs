//! The send path every generated method ends in: check, pace, send,
//! retry.
//!
//! [`send`] is where a call meets Slack: it checks the request before
//! anything leaves, waits for a permit from the rate limiter, sends, and on
//! failure asks the classifier ([`crate::classify`]) whether the call may
//! go again, and the [`RetryPolicy`](crate::RetryPolicy) how long to wait first. A 429 pauses
//! the method (for this token or workspace) for `Retry-After` and the call
//! goes again, as long as the caller's wait budget lasts.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use tracing::Instrument;
use tracing::field::Empty;

use crate::call::classify::{Failure, Resend, transport_kind};
use crate::call::client::{Client, Inner};
use crate::call::decode::{Response, Waits, decode_after};
use crate::call::form::Form;
use crate::call::method::{Auth, HttpMethod, MethodInfo, check_request};
use crate::error::{Error, ErrorCode, InvalidRequest, snippet};
use crate::install::rotation::RefreshError;
use crate::pacing::bucket::Scope;
use crate::pacing::limiter::BucketKey;
use crate::telemetry;
use crate::token::{Token, redact_body, scrub};

/// The wait after a 429 whose `Retry-After` is missing, zero or unreadable.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// The longest `Retry-After` taken as given.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Sends one call and decodes the answer. Every generated method ends here.
///
/// In order: the request is checked ([`Error::InvalidRequest`], nothing
/// sent); a permit is taken from the rate limiter; the request goes out;
/// a 429 pauses the method for `Retry-After` and the call goes again while
/// the wait budget lasts; a transient failure is retried when the
/// [`RetryPolicy`](crate::RetryPolicy) allows and it is safe for the method.
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
    let result = send_with_token(inner, method, form)
        .instrument(span.clone())
        .await
        .map_err(|err| match &inner.credentials {
            Some(credentials) => scrub(err, &credentials.secret),
            None => err,
        });
    let outcome = match &result {
        Ok(_) => "ok",
        Err(err) => outcome_label(err),
    };
    span.record("outcome", outcome);
    telemetry::call_done(method.name, outcome, team_of(inner));
    match &result {
        Ok(_) => tracing::debug!(parent: &span, outcome, "call done"),
        Err(err) => tracing::debug!(parent: &span, outcome, error = %err, "call failed"),
    }
    result
}

/// Sends with the client's token; a client whose token rotates (an
/// [`App`](crate::App)'s, for a rotating installation) first takes the
/// token from the app, refreshed when it expires soon, and after a
/// `token_expired` refreshes it and sends once more: Slack refused the call
/// before acting on it, so this is safe for every method. Errors never
/// hold the token used.
async fn send_with_token<R: Response, E: ErrorCode>(
    inner: &Inner,
    method: &'static MethodInfo,
    form: Form,
) -> Result<R, Error<E>> {
    let Some(rotating) = &inner.rotating else {
        return send_with_retries(inner, &inner.token, method, &form)
            .await
            .map_err(|err| scrub(err, &inner.token));
    };
    let refreshed = |source| match source {
        // Uninstalled meanwhile: the same answer as a fixed token's client
        // of a lost workspace gets.
        RefreshError::NotInstalled { key } => Error::WorkspaceGone {
            method: method.name,
            team_id: inner
                .gone
                .as_ref()
                .map_or(key, |gone| gone.team_id.to_string()),
        },
        source => Error::TokenRefresh {
            method: method.name,
            source,
        },
    };
    let token = rotating
        .rotation
        .token(&rotating.key, inner.clock.as_ref())
        .await
        .map_err(refreshed)?;
    let first = send_with_retries(inner, &token, method, &form)
        .await
        .map_err(|err| scrub(err, &token));
    match first {
        Err(err) if Failure::of(&err).resend() == Resend::AfterRefresh => {
            telemetry::retried(method.name, Failure::TokenExpired.label());
            tracing::info!(
                "Slack answered token_expired; refreshing the token and sending once more"
            );
            let token = rotating
                .rotation
                .refresh(&rotating.key, &token, inner.clock.as_ref())
                .await
                .map_err(refreshed)?;
            send_with_retries(inner, &token, method, &form)
                .await
                .map_err(|err| scrub(err, &token))
        }
        other => other,
    }
}

/// The request, ready to be sent as many times as the retry rules allow.
struct Prepared {
    url: Url,
    auth: HeaderValue,
    body: String,
}

fn prepare<E: ErrorCode>(
    inner: &Inner,
    token: &Token,
    method: &'static MethodInfo,
    form: &Form,
) -> Result<Prepared, Error<E>> {
    check_request(method, form, token.kind()).map_err(Error::InvalidRequest)?;
    let url = inner.base_url.join(method.name).map_err(|err| {
        Error::InvalidRequest(InvalidRequest {
            method: method.name,
            param: None,
            reason: format!("method name does not form a URL: {err}"),
        })
    })?;
    let refuse = |reason: &str| {
        Error::InvalidRequest(InvalidRequest {
            method: method.name,
            param: None,
            reason: reason.to_owned(),
        })
    };
    let credentials = match method.auth {
        Auth::Token | Auth::AnyToken | Auth::AppToken => None,
        Auth::ClientCredentials | Auth::TokenAndClientCredentials => {
            Some(inner.credentials.as_ref().ok_or_else(|| {
                refuse("needs the app's client id and secret; set them with ClientBuilder::client_credentials")
            })?)
        }
    };
    let mut body = form.encode();
    let header = match (method.auth, credentials) {
        (Auth::ClientCredentials, Some(credentials)) => {
            // Slack prefers HTTP Basic to form fields for these.
            let pair = format!("{}:{}", credentials.id, credentials.secret.expose_secret());
            format!("Basic {}", base64(pair.as_bytes()))
        }
        _ => {
            if token.expose_secret().is_empty() {
                return Err(refuse(
                    "needs a token; this client has only the app's client id and secret",
                ));
            }
            format!("Bearer {}", token.expose_secret())
        }
    };
    if let (Auth::TokenAndClientCredentials, Some(credentials)) = (method.auth, credentials) {
        let mut fields = form_urlencoded::Serializer::new(String::new());
        fields.append_pair("client_id", &credentials.id);
        fields.append_pair("client_secret", credentials.secret.expose_secret());
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&fields.finish());
    }
    let mut auth = HeaderValue::from_str(&header).map_err(|_| {
        refuse(
            "the token or client credentials contain characters that cannot go in an HTTP header",
        )
    })?;
    auth.set_sensitive(true);
    Ok(Prepared { url, auth, body })
}

/// Standard base64 with padding (RFC 4648), for HTTP Basic.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn send_with_retries<R: Response, E: ErrorCode>(
    inner: &Inner,
    token: &Token,
    method: &'static MethodInfo,
    form: &Form,
) -> Result<R, Error<E>> {
    let prepared = prepare(inner, token, method, form)?;
    let span = tracing::Span::current();
    let key = BucketKey::new(&inner.scope, method);
    let budget = inner.max_rate_limit_wait;
    // A 429 on a method the limiter paces is the limiter's own miss (or a
    // sender it cannot see): the call waits out that first Retry-After even
    // past its budget, so pacing never fails a call it let through.
    let paced = inner.limiter.limits().rate_for(method).is_some();
    let mut grace = Duration::ZERO;
    let mut grace_used = false;
    let mut waited = Duration::ZERO;
    let mut rate_limited: u32 = 0;
    let mut attempt: u32 = 0;
    let mut failures: u32 = 0;
    // Whether an earlier attempt failed in a way Slack may have acted on.
    let mut earlier_may_have_acted = false;
    loop {
        let remaining = budget.saturating_sub(waited).max(grace);
        let permit = inner.limiter.acquire(&key, method, &inner.clock, remaining);
        let permit = match &inner.gone {
            None => permit.await,
            Some(gone) => match gone.unless_gone(permit).await {
                Some(permit) if !gone.now() => permit,
                _ => {
                    tracing::info!(
                        team_id = &*gone.team_id,
                        "not sent: the app lost the workspace"
                    );
                    return Err(Error::WorkspaceGone {
                        method: method.name,
                        team_id: gone.team_id.to_string(),
                    });
                }
            },
        };
        let permit = match permit {
            Ok(permit) => {
                telemetry::pacing_waited(method.name, permit.waited(), team_of(inner));
                waited = waited.saturating_add(permit.waited());
                grace = Duration::ZERO;
                permit
            }
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
        };
        attempt = attempt.saturating_add(1);
        span.record("attempt", attempt);
        span.record("permit_wait_ms", millis(waited));
        tracing::debug!(attempt, "sending");
        let waits = Waits {
            rate_limited,
            waited,
        };
        let sent = send_once::<R, E>(inner, token, method, &prepared, waits).await;
        // The answer (or the failure) is in: the permit's place in the
        // window counts from now, no earlier than Slack counted it.
        permit.answered().await;
        let err = match sent {
            Ok(response) => return Ok(response),
            Err(AttemptError::TooManyRequests(retry_after)) => {
                telemetry::rate_limited(method.name, team_of(inner));
                rate_limited = rate_limited.saturating_add(1);
                if !Failure::RateLimited.may_resend(method.idempotent) {
                    return Err(Error::RateLimited {
                        method: method.name,
                        retry_after,
                    });
                }
                inner
                    .limiter
                    .block(&key, inner.clock.now(), retry_after)
                    .await;
                if paced && !grace_used {
                    grace = retry_after;
                    grace_used = true;
                }
                span.record("retry_reason", Failure::RateLimited.label());
                telemetry::retried(method.name, Failure::RateLimited.label());
                tracing::info!(
                    attempt,
                    retry_after_ms = millis(retry_after),
                    "Slack answered 429; pausing the method for Retry-After"
                );
                continue;
            }
            Err(AttemptError::Failed(err)) => err,
        };
        let reason = Failure::of(&err);
        if reason.done_by_earlier_attempt(method, earlier_may_have_acted)
            && let Some(done) = done_without_answer::<R, E>(&err)
        {
            span.record("retry_reason", reason.label());
            tracing::info!(
                attempt,
                reason = %reason,
                "done: an earlier attempt, whose answer was lost, did the work"
            );
            return Ok(done);
        }
        earlier_may_have_acted |= reason.slack_may_have_acted();
        if !reason.may_resend(method.idempotent) {
            if reason.resend() == Resend::IfIdempotent {
                tracing::info!(
                    attempt,
                    reason = %reason,
                    "not retried: the method is not idempotent and the request may have reached Slack"
                );
            }
            return Err(err);
        }
        failures += 1;
        if failures >= inner.retry.attempts() {
            tracing::info!(attempt, reason = %reason, "giving up: no attempts left");
            return Err(err);
        }
        let backoff = inner.retry.delay(failures);
        span.record("retry_reason", reason.label());
        telemetry::retried(method.name, reason.label());
        tracing::info!(
            attempt,
            reason = %reason,
            backoff_ms = millis(backoff),
            "retrying after a transient failure"
        );
        inner.clock.sleep(backoff).await;
    }
}

/// The success of a call whose work an earlier attempt did, when the
/// resend met `err` (a code of the method's `on_resend`): the method's
/// response with no fields, its `meta` saying why. `None` when the
/// response cannot be empty (the generator refuses `on_resend` for such a
/// method; a hand-built [`MethodInfo`] could still ask for it), and the
/// caller then gets `err`.
fn done_without_answer<R: Response, E: ErrorCode>(err: &Error<E>) -> Option<R> {
    let Error::Api { error, .. } = err else {
        return None;
    };
    let mut response: R = serde_json::from_slice(b"{\"ok\":true}").ok()?;
    let mut meta = error.meta.clone();
    meta.done_before_resend = Some(error.code.code().to_owned());
    response.set_meta(meta);
    Some(response)
}

/// How one HTTP exchange failed.
enum AttemptError<E: ErrorCode> {
    /// HTTP 429, with Slack's `Retry-After`, for the caller to wait out.
    TooManyRequests(Duration),
    /// Any other failure.
    Failed(Error<E>),
}

impl<E: ErrorCode> From<Error<E>> for AttemptError<E> {
    fn from(err: Error<E>) -> AttemptError<E> {
        AttemptError::Failed(err)
    }
}

/// One HTTP exchange.
async fn send_once<R: Response, E: ErrorCode>(
    inner: &Inner,
    token: &Token,
    method: &'static MethodInfo,
    prepared: &Prepared,
    waits: Waits,
) -> Result<R, AttemptError<E>> {
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
        return Err(AttemptError::TooManyRequests(parse_retry_after(
            response.headers().get(RETRY_AFTER),
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|err| transport_error(method, &err))?;
    let body = redact_body(&body, token);
    let body = match &inner.credentials {
        Some(credentials) => redact_body(&body, &credentials.secret).into_owned().into(),
        None => body,
    };
    if status.as_u16() != 200 {
        return Err(AttemptError::Failed(Error::Status {
            method: method.name,
            status: status.as_u16(),
            body_snippet: snippet(&body),
        }));
    }
    Ok(decode_after(method, &body, waits)?)
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

/// The workspace a client calls for, for the metrics' `team_id` label:
/// only when the client was told it (an app's clients always are) and
/// asked for the label.
fn team_of(inner: &Inner) -> Option<&str> {
    match &inner.scope {
        Scope::Workspace(team) if inner.team_ids_in_metrics => Some(team),
        _ => None,
    }
}

fn outcome_label<E: ErrorCode>(err: &Error<E>) -> &'static str {
    match err {
        Error::Api { .. } => "api_error",
        Error::RateLimited { .. } => "rate_limited",
        Error::InvalidRequest(_) => "invalid_request",
        Error::WorkspaceGone { .. } => "workspace_gone",
        Error::TokenRefresh { .. } => "token_refresh_failed",
        Error::Transport { .. } => "transport_error",
        Error::Status { .. } => "status_error",
        Error::Decode { .. } => "decode_error",
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A transport failure, with whether Slack may have seen the request as
/// the classifier says.
fn transport_error<E: ErrorCode>(method: &'static MethodInfo, err: &reqwest::Error) -> Error<E> {
    let kind = transport_kind(err);
    Error::Transport {
        method: method.name,
        kind,
        may_have_been_sent: Failure::of_transport(kind).slack_may_have_acted(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
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
}

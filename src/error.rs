//! The error model: one `Error<E>` for every method, where `E` is the
//! method's generated error-code enum.
//!
//! The variants say what a caller can do next: [`Error::Api`] is Slack's
//! answer (fix the request or the token), [`Error::RateLimited`] means the
//! wait budget ran out, [`Error::InvalidRequest`] was caught before anything
//! was sent, and [`Error::Transport`] tells whether the request may have
//! reached Slack, which matters for methods that are not safe to resend.
//! [`Error::may_have_been_sent`] answers that question for every variant;
//! the answer comes from the one failure classifier (`classify.rs`).
//! No variant's `Debug` or `Display` ever contains the token.

use std::fmt;
use std::time::Duration;

/// An error code enum generated for one method: its declared errors, then the
/// common errors, then `Unknown(String)`.
pub trait ErrorCode: fmt::Debug + Send + Sync + 'static {
    /// Maps Slack's `error` string to the typed code (never fails: an
    /// unknown code becomes `Unknown`).
    fn from_code(code: &str) -> Self;
    /// Slack's `error` string for this code.
    fn code(&self) -> &str;
    /// What the spec says the code means, when it says.
    fn description(&self) -> Option<&'static str>;
}

/// The result of every generated method.
pub type Result<T, E> = std::result::Result<T, Error<E>>;

/// Slack's `response_metadata` and top-level warnings, kept on every
/// response and every API error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseMeta {
    /// Warning codes: the top-level `warning` (comma-separated in Slack's
    /// JSON) and `response_metadata.warnings`, without repeats.
    pub warnings: Vec<String>,
    /// `response_metadata.messages`: human-readable lines starting with
    /// `[WARN]` or `[ERROR]`.
    pub messages: Vec<String>,
    /// `response_metadata.next_cursor` on paginated methods (absent or
    /// empty: no more pages).
    pub next_cursor: Option<String>,
    /// Set when this success is not Slack's answer: the answer to an
    /// earlier attempt was lost, and Slack answered the resend with this
    /// error code, which for this method (the spec's `on_resend`) means the
    /// earlier attempt did what was asked. A `calls.end` whose answer was
    /// lost and whose resend met `inactive_call` gives `Some("inactive_call")`.
    /// The response's fields are then empty: Slack's body for the attempt
    /// that did the work never arrived.
    pub done_before_resend: Option<String>,
    /// How many times Slack answered this call with HTTP 429 before this
    /// answer (each one waited out, then the call went again). 0 when the
    /// call never met a 429: the pacing kept it under the tier.
    pub rate_limited: u32,
    /// How long the call waited for its turn before the attempt that got
    /// this answer: the limiter's pacing plus any `Retry-After` of a 429.
    pub rate_limit_wait: Duration,
}

impl ResponseMeta {
    /// True when Slack sent no warnings and no messages.
    pub fn is_empty(&self) -> bool {
        self.warnings.is_empty() && self.messages.is_empty() && self.next_cursor.is_none()
    }
}

/// Slack answered `"ok": false`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError<E> {
    /// The typed error code.
    pub code: E,
    /// With `missing_scope`: the scope the method needs.
    pub needed: Option<String>,
    /// With `missing_scope`: the scopes the token has (comma-separated by
    /// Slack, split here).
    pub provided: Option<Vec<String>>,
    /// Warnings and messages that came with the error.
    pub meta: ResponseMeta,
}

impl<E: ErrorCode> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slack answered `{}`", self.code.code())?;
        if let Some(about) = self.code.description() {
            write!(f, " ({about})")?;
        }
        if let Some(needed) = &self.needed {
            write!(f, "; the method needs scope `{needed}`")?;
            if let Some(provided) = &self.provided {
                write!(f, ", the token has [{}]", provided.join(", "))?;
            }
        }
        for message in &self.meta.messages {
            write!(f, "; {message}")?;
        }
        Ok(())
    }
}

/// A request that was refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidRequest {
    /// The method the request was for.
    pub method: &'static str,
    /// The param at fault, when one is.
    pub param: Option<&'static str>,
    /// What is wrong and what to do instead.
    pub reason: String,
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.param {
            Some(param) => write!(f, "{} `{param}`: {}", self.method, self.reason),
            None => write!(f, "{}: {}", self.method, self.reason),
        }
    }
}

/// Why the HTTP exchange itself failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made (refused, DNS, TLS handshake).
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// The connection broke while the request or the answer was in flight.
    Connection,
    /// Anything else reqwest reported.
    Other,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Connection => "the connection broke",
            TransportKind::Other => "HTTP error",
        })
    }
}

/// Everything that can go wrong with a call to method whose error codes are `E`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E: ErrorCode> {
    /// Slack answered `"ok": false`.
    #[error("{method}: {error}")]
    Api {
        /// The method called.
        method: &'static str,
        /// Slack's answer, typed (boxed: errors are rare, results stay small).
        error: Box<ApiError<E>>,
    },
    /// Waiting out the rate limit would go beyond the caller's wait budget
    /// ([`ClientBuilder::max_rate_limit_wait`](crate::ClientBuilder::max_rate_limit_wait)):
    /// Slack kept answering 429, or the method's pacing queue is longer
    /// than the budget. Slack acted on none of this call's requests.
    #[error(
        "{method}: rate limited; retry after {retry_after:?} (longer than this call's wait budget)"
    )]
    RateLimited {
        /// The method called.
        method: &'static str,
        /// How long until the method may be called again: what is left of
        /// Slack's `Retry-After`, or the wait for the next pacing slot.
        retry_after: Duration,
    },
    /// The request was refused before sending; nothing went on the wire.
    #[error("invalid request: {0}")]
    InvalidRequest(InvalidRequest),
    /// The [`App`](crate::App) this client came from lost the workspace
    /// (`app_uninstalled` or `tokens_revoked`): the call was stopped
    /// before it went on the wire, while it waited for a permit or before.
    #[error(
        "{method}: not sent: the app was uninstalled from workspace {team_id} or its tokens were revoked"
    )]
    WorkspaceGone {
        /// The method called.
        method: &'static str,
        /// The workspace.
        team_id: String,
    },
    /// The client's token rotates and expires now or soon, and could not
    /// be refreshed: the call was not sent. The next call tries again.
    #[error("{method}: not sent: the token could not be refreshed: {source}")]
    TokenRefresh {
        /// The method called.
        method: &'static str,
        /// Why.
        #[source]
        source: crate::install::rotation::RefreshError,
    },
    /// The HTTP exchange failed.
    #[error("{method}: {kind}{}: {message}", if *may_have_been_sent { " (the request may have reached Slack)" } else { " (the request was not sent)" })]
    Transport {
        /// The method called.
        method: &'static str,
        /// What kind of failure.
        kind: TransportKind,
        /// Whether Slack may have received and acted on the request. When
        /// true, a method that is not idempotent (such as `calls.add`) was
        /// not resent; check Slack's state before trying again.
        may_have_been_sent: bool,
        /// The transport's own description (never contains the token).
        message: String,
    },
    /// Slack answered with an HTTP status the API does not use for answers.
    #[error("{method}: unexpected HTTP status {status}: {body_snippet}")]
    Status {
        /// The method called.
        method: &'static str,
        /// The HTTP status code.
        status: u16,
        /// The start of the body, for diagnosis.
        body_snippet: String,
    },
    /// The body was not the JSON the method answers with.
    #[error("{method}: could not decode the answer: {message}; body starts: {body_snippet}")]
    Decode {
        /// The method called.
        method: &'static str,
        /// What did not fit.
        message: String,
        /// The start of the body, for diagnosis.
        body_snippet: String,
    },
}

impl<E: ErrorCode> Error<E> {
    /// The typed Slack error code, when Slack answered `"ok": false`.
    pub fn api_code(&self) -> Option<&E> {
        match self {
            Error::Api { error, .. } => Some(&error.code),
            _ => None,
        }
    }

    /// Slack's error string, when Slack answered `"ok": false`.
    pub fn slack_code(&self) -> Option<&str> {
        self.api_code().map(ErrorCode::code)
    }
}

// `Error::may_have_been_sent` is defined in `classify.rs`, beside the rules
// that answer it.

/// Why a builder could not build: a [`ClientBuilder`](crate::ClientBuilder),
/// an [`AppBuilder`](crate::AppBuilder), a Redis-backed store, or (feature
/// `events`) a receiver.
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
    /// A [`Rate`](crate::Rate) in the [`RateLimits`](crate::RateLimits) cannot be applied.
    #[error("invalid rate for {target}: {reason}")]
    InvalidRate {
        /// The tier or method it was set for.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The Redis settings cannot be applied (feature `redis`): the URL or
    /// the app id of shared pacing or of the events dedup store.
    #[error("invalid Redis settings: {reason}")]
    InvalidRedis {
        /// What is wrong with them.
        reason: String,
    },
    /// The signing secret is empty or too short (feature `signing`: the
    /// events receiver).
    #[cfg(feature = "signing")]
    #[error(transparent)]
    SigningSecret(#[from] crate::signing::SecretError),
    /// The [`RetryPolicy`](crate::RetryPolicy) cannot be applied.
    #[error("invalid retry policy: {reason}")]
    InvalidRetryPolicy {
        /// What is wrong with it.
        reason: String,
    },
    /// The install flow's settings cannot be used (feature `install`).
    #[error("invalid install flow: {reason}")]
    InvalidInstallFlow {
        /// What is wrong with them.
        reason: String,
    },
}

/// Cuts a body to a short, printable snippet for error messages.
/// `text` with the secret part of every Slack token in it (`xoxb-…`,
/// `xoxp-…`, `xoxe.xoxb-1-…`, `xoxe-1-…`, any `xox?-`) replaced, before a
/// body is quoted in an error: a body that did not decode may hold tokens
/// the client never sent (a refresh's new pair).
pub(crate) fn mask_tokens(text: &str) -> String {
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("xox") {
        out.push_str(&rest[..at]);
        let candidate = &rest[at..];
        let end = candidate
            .find(|c: char| !is_token_char(c))
            .unwrap_or(candidate.len());
        let word = &candidate[..end];
        // A token has its kind, a dash, then the secret: `xoxb-…`.
        let dash = word[3..].find('-').map(|dash| dash + 3);
        let is_token = dash.is_some_and(|dash| dash <= 10 && dash + 1 < word.len());
        if is_token {
            let kind = word.find('-').map_or(word, |dash| &word[..dash]);
            out.push_str(kind);
            out.push_str("-<redacted>");
        } else {
            out.push_str(word);
        }
        rest = &candidate[end..];
        if end == 0 {
            // Not reached ("xox" is token characters), but never loop.
            out.push_str(&rest[..3.min(rest.len())]);
            rest = &rest[3.min(rest.len())..];
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = mask_tokens(&String::from_utf8_lossy(body));
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_bodies_never_show_a_token() {
        let body = br#"{"ok":true,"access_token":"xoxe.xoxb-1-MTIzNDU2Nzg5MA-abc","refresh_token":"xoxe-1-My0xLTEyMzQ1Ni0wLTE", "bot":"xoxb-123-456-abcdef", "user":"xoxp-1-2-3", "app":"xapp-1-A1-2-ab", "word":"xoxo", "id":"U0XOX"#;
        let quoted = snippet(body);
        for secret in [
            "MTIzNDU2Nzg5MA",
            "My0xLTEyMzQ1Ni0wLTE",
            "123-456-abcdef",
            "xoxp-1-2-3",
        ] {
            assert!(!quoted.contains(secret), "{quoted}");
        }
        assert!(quoted.contains("\"xoxe.xoxb-<redacted>\""), "{quoted}");
        assert!(quoted.contains("\"xoxe-<redacted>\""), "{quoted}");
        assert!(quoted.contains("\"xoxb-<redacted>\""), "{quoted}");
        assert!(quoted.contains("\"xoxo\""), "not a token: {quoted}");
        // Cut after masking: a long body never shows the start of a token.
        let long = format!("{}xoxb-{}", "a".repeat(195), "9".repeat(40));
        assert!(!snippet(long.as_bytes()).contains("99"));
        assert_eq!(mask_tokens("xox"), "xox");
        assert_eq!(mask_tokens("é xoxb-1 ü"), "é xoxb-<redacted> ü");
    }
}

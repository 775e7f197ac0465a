//! The first gate: is this request from Slack, fresh, and small enough?
//! Checked on the headers and the raw body bytes, before anything parses
//! the body.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

use crate::signing::{self, SecretError, SigningSecret};
use crate::{Clock, SystemClock};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-slack-signature";
/// The signed timestamp header (Unix seconds).
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";
/// How far a request's timestamp may be from now, either way: Slack's
/// five minutes.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(5 * 60);
/// The default cap on a request body: 1 MiB. Slack's events and slash
/// commands are a few KiB; a larger body is refused before it is read whole.
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// Why a request was refused. Every variant is permanent: Slack sending the
/// same request again cannot change the answer, so the receiver answers with
/// `x-slack-no-retry: 1`.
///
/// Neither `Display` nor `Debug` ever contains the signing secret, the
/// signature that was sent, or the one that was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// A required header is absent (or not visible ASCII).
    #[error("the request has no valid `{header}` header")]
    MissingHeader {
        /// The header's name, lowercase.
        header: &'static str,
    },
    /// A header Slack sends once came more than once (two signatures or two
    /// timestamps): refused whichever of them is valid, as Slack's SDKs
    /// refuse it.
    #[error("the request has more than one `{header}` header")]
    DuplicateHeader {
        /// The header's name, lowercase.
        header: &'static str,
    },
    /// `X-Slack-Request-Timestamp` is not a Unix time in seconds.
    #[error("the `x-slack-request-timestamp` header is not a Unix time in seconds")]
    MalformedTimestamp,
    /// The timestamp is older than the window allows: a replay, or this
    /// host's clock is ahead.
    #[error(
        "the request timestamp is {age_secs} s old, outside the {window_secs} s window \
         (a replay, or this host's clock is wrong)"
    )]
    Stale {
        /// How old the timestamp is, by this host's clock.
        age_secs: u64,
        /// The window, in seconds.
        window_secs: u64,
    },
    /// The timestamp is further ahead than the window allows: forged, or this
    /// host's clock is behind.
    #[error(
        "the request timestamp is {ahead_secs} s in the future, outside the {window_secs} s \
         window (forged, or this host's clock is wrong)"
    )]
    FromTheFuture {
        /// How far ahead the timestamp is, by this host's clock.
        ahead_secs: u64,
        /// The window, in seconds.
        window_secs: u64,
    },
    /// The signature does not match the body, timestamp and signing secret.
    #[error("the request signature does not match (wrong signing secret, or an altered body)")]
    BadSignature,
    /// The body is larger than the receiver's cap.
    #[error("the request body is larger than the {limit} bytes accepted")]
    BodyTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The body is signed correctly but is not the JSON or form payload
    /// expected.
    #[error("the signed request body is not a valid payload: {reason}")]
    BadPayload {
        /// What the decoder said.
        reason: String,
    },
    /// The content type is neither JSON (events) nor a form (slash commands,
    /// the Call button).
    #[error("the request's content type is neither JSON nor a form")]
    UnsupportedContentType,
}

impl Rejection {
    /// A fixed name for the kind of refusal, for logs and metrics (never
    /// any of the request's text): `missing_header`, `duplicate_header`,
    /// `malformed_timestamp`, `stale`, `from_the_future`, `bad_signature`,
    /// `body_too_large`, `bad_payload`, `unsupported_content_type`.
    pub fn label(&self) -> &'static str {
        match self {
            Rejection::MissingHeader { .. } => "missing_header",
            Rejection::DuplicateHeader { .. } => "duplicate_header",
            Rejection::MalformedTimestamp => "malformed_timestamp",
            Rejection::Stale { .. } => "stale",
            Rejection::FromTheFuture { .. } => "from_the_future",
            Rejection::BadSignature => "bad_signature",
            Rejection::BodyTooLarge { .. } => "body_too_large",
            Rejection::BadPayload { .. } => "bad_payload",
            Rejection::UnsupportedContentType => "unsupported_content_type",
        }
    }

    /// The HTTP status the receiver answers with. Every authentication
    /// failure (missing header, bad or stale signature) gets the same 401,
    /// so an attacker learns nothing about which check failed.
    pub fn status(&self) -> u16 {
        match self {
            Rejection::MissingHeader { .. }
            | Rejection::DuplicateHeader { .. }
            | Rejection::MalformedTimestamp
            | Rejection::Stale { .. }
            | Rejection::FromTheFuture { .. }
            | Rejection::BadSignature => 401,
            Rejection::BodyTooLarge { .. } => 413,
            Rejection::BadPayload { .. } => 400,
            Rejection::UnsupportedContentType => 415,
        }
    }
}

/// Checks Slack's signature, the timestamp window and the body size. Cheap
/// to clone.
///
/// ```
/// use slack_calls::events::Verifier;
/// use slack_calls::signing::{sign, SigningSecret};
///
/// let secret = "8f742231b10e8888abcd99yyyzzz85a5";
/// let verifier = Verifier::new(secret).unwrap();
/// let now = verifier.unix_now().to_string();
/// let body = br#"{"type":"url_verification","challenge":"abc"}"#;
/// let signature = sign(&SigningSecret::new(secret).unwrap(), &now, body);
/// assert!(verifier.verify(Some(now.as_bytes()), Some(signature.as_bytes()), body).is_ok());
/// assert!(verifier.verify(Some(now.as_bytes()), Some(b"v0=00"), body).is_err());
/// ```
#[derive(Clone)]
pub struct Verifier {
    secret: SigningSecret,
    window: Duration,
    max_body: usize,
    clock: Arc<dyn Clock>,
    /// The clock's instant that corresponds to `anchor_unix`.
    anchor: Instant,
    anchor_unix: i64,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &self.secret)
            .field("window", &self.window)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier with Slack's five-minute window, the default body cap and
    /// real time. Refuses an empty or short secret.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Verifier, SecretError> {
        Ok(Verifier::with_secret(SigningSecret::new(secret)?))
    }

    /// As [`new`](Verifier::new), from a checked secret.
    pub fn with_secret(secret: SigningSecret) -> Verifier {
        Verifier {
            secret,
            window: DEFAULT_TIMESTAMP_WINDOW,
            max_body: DEFAULT_MAX_BODY,
            clock: Arc::new(SystemClock),
            anchor: SystemClock.now(),
            anchor_unix: system_unix_now(),
        }
    }

    /// Sets the body cap in bytes (default [`DEFAULT_MAX_BODY`]).
    pub fn max_body(mut self, bytes: usize) -> Verifier {
        self.max_body = bytes;
        self
    }

    /// Sets the timestamp window (default [`DEFAULT_TIMESTAMP_WINDOW`], Slack's five
    /// minutes); it applies to the past and the future alike.
    pub fn window(mut self, window: Duration) -> Verifier {
        self.window = window;
        self
    }

    /// Reads the time from `clock`. Its current instant is taken to be the
    /// system's current Unix time; later readings move on from there, so a
    /// [`TestClock`](crate::TestClock) moves the verifier's "now" exactly.
    pub fn clock(mut self, clock: impl Clock) -> Verifier {
        self.anchor = clock.now();
        self.anchor_unix = system_unix_now();
        self.clock = Arc::new(clock);
        self
    }

    /// Sets the verifier's "now" to `unix_secs` (Unix time in seconds), its
    /// clock moving on from there: to check a request signed at a known
    /// instant, such as the worked example on Slack's "Verifying requests
    /// from Slack" page, as it is.
    ///
    /// ```
    /// use slack_calls::events::Verifier;
    ///
    /// let verifier = Verifier::new("8f742231b10e8888abcd99yyyzzz85a5")
    ///     .unwrap()
    ///     .now_at(1531420618);
    /// assert_eq!(verifier.unix_now(), 1531420618);
    /// ```
    pub fn now_at(mut self, unix_secs: i64) -> Verifier {
        self.anchor = self.clock.now();
        self.anchor_unix = unix_secs;
        self
    }

    /// The body cap, in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body
    }

    /// The current Unix time, in seconds, as this verifier sees it.
    pub fn unix_now(&self) -> i64 {
        let since = self.clock.now().saturating_duration_since(self.anchor);
        let since = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
        self.anchor_unix.saturating_add(since)
    }

    /// Checks a request from its raw header values and its raw body:
    /// size, headers, timestamp window (both directions), then the
    /// signature in constant time.
    pub fn verify(
        &self,
        timestamp: Option<&[u8]>,
        signature: Option<&[u8]>,
        body: &[u8],
    ) -> Result<(), Rejection> {
        if body.len() > self.max_body {
            return Err(Rejection::BodyTooLarge {
                limit: self.max_body,
            });
        }
        let timestamp = timestamp
            .and_then(|value| std::str::from_utf8(value).ok())
            .ok_or(Rejection::MissingHeader {
                header: TIMESTAMP_HEADER,
            })?;
        let signature = signature.ok_or(Rejection::MissingHeader {
            header: SIGNATURE_HEADER,
        })?;
        self.check_window(timestamp)?;
        if signing::verify(&self.secret, timestamp, signature, body) {
            Ok(())
        } else {
            Err(Rejection::BadSignature)
        }
    }

    /// [`verify`](Verifier::verify) with the values taken from `headers`.
    /// A second `X-Slack-Signature` or `X-Slack-Request-Timestamp` is
    /// refused, whichever comes first and whether or not one is valid.
    pub fn verify_headers(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
        for header in [SIGNATURE_HEADER, TIMESTAMP_HEADER] {
            if headers.get_all(header).iter().nth(1).is_some() {
                return Err(Rejection::DuplicateHeader { header });
            }
        }
        self.verify(
            headers.get(TIMESTAMP_HEADER).map(|value| value.as_bytes()),
            headers.get(SIGNATURE_HEADER).map(|value| value.as_bytes()),
            body,
        )
    }

    fn check_window(&self, timestamp: &str) -> Result<(), Rejection> {
        // Digits only: no sign, no spaces, no fractions; at most 18 digits so
        // the parse cannot overflow.
        if timestamp.is_empty()
            || timestamp.len() > 18
            || !timestamp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Rejection::MalformedTimestamp);
        }
        let sent: i64 = timestamp
            .parse()
            .map_err(|_| Rejection::MalformedTimestamp)?;
        let now = self.unix_now();
        let window_secs = self.window.as_secs();
        let skew = now.abs_diff(sent);
        if skew <= window_secs {
            Ok(())
        } else if sent < now {
            Err(Rejection::Stale {
                age_secs: skew,
                window_secs,
            })
        } else {
            Err(Rejection::FromTheFuture {
                ahead_secs: skew,
                window_secs,
            })
        }
    }
}

fn system_unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

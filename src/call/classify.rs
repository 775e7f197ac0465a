//! The one answer to "may Slack have acted on this request, and may it be
//! sent again?".
//!
//! Every failure of a call is one [`Failure`] kind. For each kind this file
//! decides two things, and nothing else in the crate decides them:
//!
//! - [`Failure::slack_may_have_acted`]: whether Slack may have done what the
//!   request asked, although the caller got an error. This is what
//!   [`Error::may_have_been_sent`] reports, what the roster reads to decide
//!   whether it must re-read Slack's list, and what a caller must check
//!   before trying a call that is not idempotent again.
//! - [`Failure::resend`]: whether the client sends the request again by
//!   itself, and under which condition ([`Resend`]).
//!
//! The rule behind both: a request Slack cannot have seen (it never left,
//! or Slack answered 429) may always go again. A request Slack may have
//! acted on (no answer, a broken answer, a 5xx, or one of Slack's "went
//! wrong on our side" codes) goes again only for methods the spec marks
//! `idempotent: true`. Anything else Slack answered would fail the same way
//! again, so it is never resent.
//!
//! | failure | Slack may have acted | resent |
//! |---|---|---|
//! | connect refused, DNS, TLS, connect timeout | no | always |
//! | HTTP 429 | no | after `Retry-After`, within the wait budget |
//! | wait budget used up ([`Error::RateLimited`]) | no | no |
//! | request timeout after sending | maybe | idempotent methods only |
//! | connection reset after sending, body cut short, other transport | maybe | idempotent methods only |
//! | HTTP 5xx | maybe | idempotent methods only |
//! | `internal_error`, `fatal_error`, `service_unavailable` | maybe | idempotent methods only |
//! | other HTTP status | maybe | no |
//! | a body that does not decode | maybe | no |
//! | `token_expired` | no | once, with a refreshed token, when the client's token rotates |
//! | any other Slack error code | no | no |
//! | invalid request (refused before sending), workspace gone, a token that could not be refreshed | no | no |
//!
//! One more question is answered here: [`Failure::done_by_earlier_attempt`].
//! A resend of an idempotent method can meet an error that only says the
//! work is already done (`calls.end` answered `inactive_call`): the spec
//! lists such codes under the method's `on_resend`. When one of them answers
//! a resend, and an earlier attempt failed in a way Slack may have acted on,
//! that earlier attempt did the work, and the call succeeds. The same code
//! after a first attempt, or after attempts Slack cannot have seen, is the
//! error it says.
//!
//! An unexpected status or an undecodable body is an answer the client
//! cannot read: Slack may have acted before it (a `calls.add` whose answer
//! is cut off did register the call), so the answer is "maybe", but sending
//! the same request again would most likely meet the same answer.

use std::fmt;

use crate::call::method::MethodInfo;
use crate::error::{Error, ErrorCode, TransportKind};

/// Slack's answer to a call made with an expired token. Slack checks the
/// token before anything else, so it refused the call before acting on it.
const TOKEN_EXPIRED: &str = "token_expired";

/// Slack error codes that mean "something went wrong on Slack's side",
/// possibly after it acted.
const SLACK_SERVER_ERRORS: [&str; 3] = ["internal_error", "fatal_error", "service_unavailable"];

/// One kind of failed call: every [`Error`] is exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure<'a> {
    /// The connection could not be made: refused, DNS, TLS, connect
    /// timeout. The request never left.
    NotSent,
    /// The request went out and no answer came in time.
    TimedOut,
    /// The connection broke after the request went out (reset, body cut
    /// short), or another transport failure after connecting.
    ConnectionLost,
    /// HTTP 429: Slack did not act and says when to come back.
    RateLimited,
    /// The wait for rate limits would outlast the caller's budget: given
    /// up before sending (or after 429s, on which Slack did not act).
    BudgetExhausted,
    /// An HTTP 5xx.
    ServerStatus(u16),
    /// Any other HTTP status than 200, 429 and 5xx.
    OtherStatus(u16),
    /// `internal_error`, `fatal_error` or `service_unavailable`.
    SlackServerError(&'a str),
    /// `token_expired`: Slack refused the call before acting on it.
    TokenExpired,
    /// Any other Slack error code: Slack refused the request.
    SlackRefused(&'a str),
    /// The body was not the answer the method gives.
    Undecodable,
    /// Refused before sending; nothing went on the wire.
    InvalidRequest,
}

/// Whether, and when, the client sends a failed request again by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// For every method: Slack cannot have seen it.
    Always,
    /// For every method, once Slack's `Retry-After` has passed and while
    /// the caller's wait budget lasts.
    AfterRetryAfter,
    /// Only for methods the spec marks `idempotent: true`: Slack may have
    /// acted.
    IfIdempotent,
    /// For every method, once, with a refreshed token: only a client whose
    /// token rotates can (the send path does it, not the retry loop).
    AfterRefresh,
    /// Never: it would fail the same way, or the caller decides.
    Never,
}

impl<'a> Failure<'a> {
    /// The kind of `err`.
    pub(crate) fn of<E: ErrorCode>(err: &'a Error<E>) -> Failure<'a> {
        match err {
            Error::Transport {
                may_have_been_sent: false,
                ..
            } => Failure::NotSent,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            } => Failure::TimedOut,
            Error::Transport { .. } => Failure::ConnectionLost,
            Error::RateLimited { .. } => Failure::BudgetExhausted,
            Error::Status { status: 429, .. } => Failure::RateLimited,
            Error::Status { status, .. } if (500..600).contains(status) => {
                Failure::ServerStatus(*status)
            }
            Error::Status { status, .. } => Failure::OtherStatus(*status),
            Error::Api { error, .. } => {
                let code = error.code.code();
                if SLACK_SERVER_ERRORS.contains(&code) {
                    Failure::SlackServerError(code)
                } else if code == TOKEN_EXPIRED {
                    Failure::TokenExpired
                } else {
                    Failure::SlackRefused(code)
                }
            }
            Error::Decode { .. } => Failure::Undecodable,
            // Stopped before sending, like a request refused before sending.
            Error::InvalidRequest(_) | Error::WorkspaceGone { .. } | Error::TokenRefresh { .. } => {
                Failure::InvalidRequest
            }
        }
    }

    /// The kind of a transport failure of kind `kind`.
    pub(crate) fn of_transport(kind: TransportKind) -> Failure<'static> {
        match kind {
            TransportKind::Connect => Failure::NotSent,
            TransportKind::Timeout => Failure::TimedOut,
            TransportKind::Connection | TransportKind::Other => Failure::ConnectionLost,
        }
    }

    /// Whether Slack may have acted on the request although the call failed.
    pub(crate) fn slack_may_have_acted(self) -> bool {
        match self {
            Failure::TimedOut
            | Failure::ConnectionLost
            | Failure::ServerStatus(_)
            | Failure::OtherStatus(_)
            | Failure::SlackServerError(_)
            | Failure::Undecodable => true,
            Failure::NotSent
            | Failure::RateLimited
            | Failure::BudgetExhausted
            | Failure::TokenExpired
            | Failure::SlackRefused(_)
            | Failure::InvalidRequest => false,
        }
    }

    /// Whether the client sends the request again by itself.
    pub(crate) fn resend(self) -> Resend {
        match self {
            Failure::NotSent => Resend::Always,
            Failure::RateLimited => Resend::AfterRetryAfter,
            Failure::TokenExpired => Resend::AfterRefresh,
            Failure::TimedOut
            | Failure::ConnectionLost
            | Failure::ServerStatus(_)
            | Failure::SlackServerError(_) => Resend::IfIdempotent,
            Failure::BudgetExhausted
            | Failure::OtherStatus(_)
            | Failure::SlackRefused(_)
            | Failure::Undecodable
            | Failure::InvalidRequest => Resend::Never,
        }
    }

    /// Whether a method with this idempotency is sent again after this
    /// failure (429s included).
    pub(crate) fn may_resend(self, idempotent: bool) -> bool {
        match self.resend() {
            Resend::Always | Resend::AfterRetryAfter => true,
            Resend::IfIdempotent => idempotent,
            Resend::AfterRefresh | Resend::Never => false,
        }
    }

    /// Whether this failure of a resend means an earlier attempt did what
    /// was asked: Slack answered a code the method lists under `on_resend`,
    /// and `earlier_may_have_acted` (an earlier attempt of the same call
    /// failed in a way Slack may have acted on).
    pub(crate) fn done_by_earlier_attempt(
        self,
        method: &MethodInfo,
        earlier_may_have_acted: bool,
    ) -> bool {
        match self {
            Failure::SlackRefused(code) => {
                earlier_may_have_acted && method.done_on_resend.contains(&code)
            }
            _ => false,
        }
    }

    /// A short label for tracing.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Failure::NotSent => "not_sent",
            Failure::TimedOut => "timeout",
            Failure::ConnectionLost => "connection_lost",
            Failure::RateLimited => "rate_limited",
            Failure::BudgetExhausted => "budget_exhausted",
            Failure::ServerStatus(_) => "server_status",
            Failure::OtherStatus(_) => "status",
            Failure::SlackServerError(_) => "slack_error",
            Failure::TokenExpired => "token_expired",
            Failure::SlackRefused(_) => "api_error",
            Failure::Undecodable => "decode_error",
            Failure::InvalidRequest => "invalid_request",
        }
    }
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NotSent => f.write_str("the request could not be sent"),
            Failure::TimedOut => f.write_str("no answer in time"),
            Failure::ConnectionLost => f.write_str("the connection broke"),
            Failure::RateLimited => f.write_str("HTTP 429"),
            Failure::BudgetExhausted => f.write_str("the rate-limit wait budget ran out"),
            Failure::ServerStatus(status) | Failure::OtherStatus(status) => {
                write!(f, "HTTP {status}")
            }
            Failure::SlackServerError(code) | Failure::SlackRefused(code) => {
                write!(f, "Slack answered `{code}`")
            }
            Failure::TokenExpired => write!(f, "Slack answered `{TOKEN_EXPIRED}`"),
            Failure::Undecodable => f.write_str("the answer did not decode"),
            Failure::InvalidRequest => f.write_str("the request was refused before sending"),
        }
    }
}

impl<E: ErrorCode> Error<E> {
    /// True when Slack may have acted on the request although the call
    /// failed: no answer came (a timeout or a connection lost after
    /// sending), the answer could not be read (an unexpected HTTP status, a
    /// body that does not decode), or Slack answered `internal_error`,
    /// `fatal_error` or `service_unavailable`.
    ///
    /// When it is true, check Slack's state (for example with `calls.info`)
    /// before sending a method that is not idempotent, such as `calls.add`,
    /// again: the client did not resend it. False means Slack did not act
    /// (it refused the request, answered 429, or the request never left).
    pub fn may_have_been_sent(&self) -> bool {
        Failure::of(self).slack_may_have_acted()
    }
}

/// The transport failure kind of a reqwest error: [`TransportKind::Connect`]
/// only when no connection was made, so the request cannot have left.
pub(crate) fn transport_kind(err: &reqwest::Error) -> TransportKind {
    if err.is_connect() {
        TransportKind::Connect
    } else if err.is_timeout() {
        TransportKind::Timeout
    } else if err.is_request() || err.is_body() || err.is_decode() {
        TransportKind::Connection
    } else {
        TransportKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::AddError;
    use crate::error::{ApiError, InvalidRequest, ResponseMeta};
    use std::time::Duration;

    fn transport(kind: TransportKind) -> Error<AddError> {
        Error::Transport {
            method: "calls.add",
            kind,
            may_have_been_sent: Failure::of_transport(kind).slack_may_have_acted(),
            message: "test".to_owned(),
        }
    }

    fn status(status: u16) -> Error<AddError> {
        Error::Status {
            method: "calls.add",
            status,
            body_snippet: String::new(),
        }
    }

    fn api(code: &str) -> Error<AddError> {
        Error::Api {
            method: "calls.add",
            error: Box::new(ApiError {
                code: AddError::from_code(code),
                needed: None,
                provided: None,
                meta: ResponseMeta::default(),
            }),
        }
    }

    /// Every failure kind, pinned to: may Slack have acted (what
    /// `Error::may_have_been_sent` says), is it resent for an idempotent
    /// method (`calls.info`), is it resent for one that is not
    /// (`calls.add`).
    /// `token_expired`: Slack checks the token before anything else
    /// ("Authentication token has expired", its common errors), so it did
    /// not act, and any method may go again once, with a refreshed token.
    #[test]
    fn an_expired_token_is_resent_once_refreshed_for_every_method() {
        let expired = api("token_expired");
        let failure = Failure::of(&expired);
        assert_eq!(failure, Failure::TokenExpired);
        assert!(!failure.slack_may_have_acted());
        assert!(!expired.may_have_been_sent());
        assert_eq!(failure.resend(), Resend::AfterRefresh);
        assert_eq!(failure.label(), "token_expired");
        assert_eq!(failure.to_string(), "Slack answered `token_expired`");
    }

    #[test]
    fn every_failure_kind_has_one_answer() {
        let table: Vec<(&str, Error<AddError>, bool, bool, bool)> = vec![
            // (what, error, Slack may have acted, resent if idempotent, resent otherwise)
            (
                "connect refused / DNS / connect timeout",
                transport(TransportKind::Connect),
                false,
                true,
                true,
            ),
            (
                "request timeout after sending",
                transport(TransportKind::Timeout),
                true,
                true,
                false,
            ),
            (
                "reset after sending, body cut short",
                transport(TransportKind::Connection),
                true,
                true,
                false,
            ),
            (
                "other transport failure",
                transport(TransportKind::Other),
                true,
                true,
                false,
            ),
            ("HTTP 429", status(429), false, true, true),
            (
                "wait budget used up",
                Error::RateLimited {
                    method: "calls.add",
                    retry_after: Duration::from_secs(3),
                },
                false,
                false,
                false,
            ),
            ("HTTP 500", status(500), true, true, false),
            ("HTTP 503", status(503), true, true, false),
            ("HTTP 599", status(599), true, true, false),
            ("HTTP 400", status(400), true, false, false),
            ("HTTP 404", status(404), true, false, false),
            ("HTTP 302", status(302), true, false, false),
            ("internal_error", api("internal_error"), true, true, false),
            ("fatal_error", api("fatal_error"), true, true, false),
            (
                "service_unavailable",
                api("service_unavailable"),
                true,
                true,
                false,
            ),
            (
                "a declared error",
                api("invalid_created_by"),
                false,
                false,
                false,
            ),
            ("a common error", api("invalid_auth"), false, false, false),
            // Resent by the send path after a refresh, not by the retry
            // loop (see the test below).
            ("token_expired", api("token_expired"), false, false, false),
            (
                "an unknown error",
                api("something_new"),
                false,
                false,
                false,
            ),
            (
                "undecodable body",
                Error::Decode {
                    method: "calls.add",
                    message: "x".to_owned(),
                    body_snippet: String::new(),
                },
                true,
                false,
                false,
            ),
            (
                "invalid request",
                Error::InvalidRequest(InvalidRequest {
                    method: "calls.add",
                    param: None,
                    reason: "x".to_owned(),
                }),
                false,
                false,
                false,
            ),
        ];
        for (what, err, acted, idempotent, not_idempotent) in &table {
            let failure = Failure::of(err);
            assert_eq!(
                failure.slack_may_have_acted(),
                *acted,
                "{what}: may Slack have acted"
            );
            assert_eq!(
                err.may_have_been_sent(),
                *acted,
                "{what}: Error::may_have_been_sent"
            );
            assert_eq!(
                failure.may_resend(true),
                *idempotent,
                "{what}: resent if idempotent"
            );
            assert_eq!(
                failure.may_resend(false),
                *not_idempotent,
                "{what}: resent otherwise"
            );
            // Never resend blindly what Slack may have acted on.
            if *acted {
                assert_ne!(failure.resend(), Resend::Always, "{what}");
                assert_ne!(failure.resend(), Resend::AfterRetryAfter, "{what}");
            }
        }
    }

    #[test]
    fn an_on_resend_code_means_done_only_after_an_ambiguous_attempt() {
        static END: MethodInfo = MethodInfo {
            name: "calls.end",
            idempotent: true,
            errors: &["inactive_call", "invalid_call_id"],
            done_on_resend: &["inactive_call"],
            ..MethodInfo::BLANK
        };
        let inactive = api("inactive_call");
        assert!(Failure::of(&inactive).done_by_earlier_attempt(&END, true));
        assert!(!Failure::of(&inactive).done_by_earlier_attempt(&END, false));
        let other = api("invalid_call_id");
        assert!(!Failure::of(&other).done_by_earlier_attempt(&END, true));
        assert!(!Failure::of(&status(500)).done_by_earlier_attempt(&END, true));
        assert!(!Failure::of(&inactive).done_by_earlier_attempt(&crate::calls::ADD, true));
    }

    #[test]
    fn transport_kinds_map_to_failures() {
        assert_eq!(
            Failure::of_transport(TransportKind::Connect),
            Failure::NotSent
        );
        assert_eq!(
            Failure::of_transport(TransportKind::Timeout),
            Failure::TimedOut
        );
        assert_eq!(
            Failure::of_transport(TransportKind::Connection),
            Failure::ConnectionLost
        );
        assert_eq!(
            Failure::of_transport(TransportKind::Other),
            Failure::ConnectionLost
        );
        for kind in [
            TransportKind::Connect,
            TransportKind::Timeout,
            TransportKind::Connection,
            TransportKind::Other,
        ] {
            assert_eq!(Failure::of(&transport(kind)), Failure::of_transport(kind));
        }
    }

    #[test]
    fn labels_and_messages_name_the_failure() {
        assert_eq!(
            Failure::of(&api("fatal_error")).to_string(),
            "Slack answered `fatal_error`"
        );
        assert_eq!(Failure::of(&status(502)).to_string(), "HTTP 502");
        assert_eq!(Failure::of(&status(502)).label(), "server_status");
        assert_eq!(Failure::of(&api("internal_error")).label(), "slack_error");
        assert_eq!(
            Failure::of(&transport(TransportKind::Timeout)).label(),
            "timeout"
        );
    }
}

//! The request log: one entry per request that reached an `/api/` path, so
//! tests can assert what a client sent and what the fake did with it.
//!
//! The log never holds a token's text: only the kind of the token that was
//! recognised and where it came from.

use std::fmt;

use slack_calls::TokenKind;

use crate::state::faults::Injected;
use crate::wire::answer::Verdict;

/// How many requests the log keeps by default (older ones are dropped).
pub const DEFAULT_LOG_CAPACITY: usize = 10_000;

/// Where a request carried its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// `Authorization: Bearer …`.
    Bearer,
    /// A `token` field in a form body.
    FormField,
    /// A `token` param in the query string (refused, as Slack refuses it for
    /// apps made after 2021-02-24).
    Query,
}

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Position in arrival order, from 0 for the server's first request.
    /// Keeps counting when old entries are dropped from a full log.
    pub seq: u64,
    /// The method name from the path (`calls.add`), known or not.
    pub method: String,
    /// The HTTP verb (`POST`, `GET`, ...).
    pub http_method: String,
    /// The `Content-Type` header, verbatim, if any.
    pub content_type: Option<String>,
    /// The params, in the order sent: query string first, then the body.
    /// Form values are decoded text; JSON-body values are their text, or
    /// compact JSON for lists and objects. The `token` param is never kept.
    pub params: Vec<(String, String)>,
    /// The kind of the token the request carried, when the fake knows the
    /// token (`None`: no token, or one it was not started with).
    pub token_kind: Option<TokenKind>,
    /// Where the token came from, when there was one.
    pub token_source: Option<TokenSource>,
    /// The team id of the workspace whose token the request carried (the
    /// workspace whose rate limits it counts against); `None` when the fake
    /// did not know the token.
    pub team_id: Option<String>,
    /// What the fake's logic decided.
    pub outcome: Verdict,
    /// The scripted answer or fault this request met, if any.
    pub injected: Option<Injected>,
    /// When it arrived, on the fake's rate-limit clock (time since start,
    /// scaled by the time scale, plus what [`MockSlack::advance`](crate::MockSlack::advance) added).
    pub at: std::time::Duration,
}

impl LoggedRequest {
    /// The last value sent for param `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

impl fmt::Display for LoggedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} {}", self.seq, self.http_method, self.method)?;
        match (self.token_kind, self.token_source) {
            (Some(kind), _) => write!(f, " [{kind} token]")?,
            (None, Some(TokenSource::Query)) => f.write_str(" [token in query string]")?,
            (None, Some(_)) => f.write_str(" [unknown token]")?,
            (None, None) => f.write_str(" [no token]")?,
        }
        write!(f, " -> {}", self.outcome)?;
        match &self.injected {
            Some(Injected::Fault(fault)) => write!(f, " (fault {fault:?})")?,
            Some(Injected::Scripted(script)) => match script.error_code() {
                Some(code) => write!(f, " (scripted error {code})")?,
                None => write!(f, " (scripted HTTP {})", script.status())?,
            },
            None => {}
        }
        Ok(())
    }
}

//! What a test can make the fake do instead of answering like Slack:
//! scripted answers ([`Scripted`]) and transport faults ([`Fault`]).
//!
//! Both are queued per method name with [`MockSlack::script`] and
//! [`MockSlack::fault`] and consumed in order, one per request to that
//! method (whatever its token or body). A request that meets a queued entry
//! is still logged, with the entry in [`LoggedRequest::injected`].
//!
//! [`MockSlack::script`]: crate::MockSlack::script
//! [`MockSlack::fault`]: crate::MockSlack::fault
//! [`LoggedRequest::injected`]: crate::LoggedRequest::injected

use std::time::Duration;

use serde_json::{Map, Value};

/// A transport-level failure to inject on the next requests of a method.
///
/// Each variant says whether the fake's Slack logic still runs (so whether
/// a `calls.add` still creates a call, and whether the request counts
/// against the rate limit). Where it does not run, the request is neither
/// checked (auth, scopes, params) nor counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and a short `text/plain` body, like a
    /// load balancer in trouble (`500`, `502`, `503`...). The logic does not
    /// run. A code outside 100..=999 is sent as 500. No `Retry-After` header
    /// is sent, even for 429: use [`Fault::RateLimited`] for Slack's 429.
    Status(u16),
    /// Answer exactly like Slack's rate limiter: HTTP 429, a `Retry-After`
    /// header with these seconds and `{"ok":false,"error":"ratelimited"}`.
    /// The logic does not run.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Run the logic as usual (state changes happen at once), then wait this
    /// long in real time before sending the answer. For client timeouts: a
    /// client that gives up has still had its request applied.
    Delay(Duration),
    /// Read the whole request, then close the connection without sending a
    /// byte. The logic does not run: nothing changes.
    Drop,
    /// Run the logic (state changes happen), then close the connection
    /// without answering: the ambiguous case where Slack acted but the client
    /// never heard.
    DropAfterHandling,
    /// Run the logic, then send HTTP 200 with the first half of the JSON
    /// answer as a complete HTTP message (its `Content-Length` matches): the
    /// client reads a body that is cut-off JSON.
    Truncated,
    /// Run the logic, then announce the full answer's `Content-Length`, send
    /// half of it and close the connection: the client's body read fails
    /// midway.
    BrokenBody,
    /// Answer HTTP 200 with an HTML page instead of JSON, like a proxy's error
    /// page. The logic does not run.
    NotJson,
}

impl Fault {
    /// True when the fake's Slack logic runs for a request that meets this
    /// fault (the request is checked, counted and may change state).
    pub const fn runs_logic(self) -> bool {
        matches!(
            self,
            Fault::Delay(_) | Fault::DropAfterHandling | Fault::Truncated | Fault::BrokenBody
        )
    }
}

/// One scripted answer for the next request of a method, sent instead of
/// what the fake would answer. The logic does not run for that request:
/// nothing is checked, counted or changed.
///
/// ```
/// use slack_calls_mock::Scripted;
///
/// let answer = Scripted::error("missing_scope")
///     .needed("calls:write")
///     .provided("calls:read")
///     .message("[ERROR] token lacks calls:write");
/// # let _ = answer;
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Scripted {
    pub(crate) status: u16,
    pub(crate) body: ScriptedBody,
    pub(crate) warnings: Vec<String>,
    pub(crate) messages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScriptedBody {
    Error {
        code: String,
        needed: Option<String>,
        provided: Option<String>,
    },
    Json(Value),
    Example,
}

impl Scripted {
    /// `HTTP 200 {"ok":false,"error":code}`: Slack refusing the request
    /// with `code`, which may be any string, declared or not.
    pub fn error(code: impl Into<String>) -> Scripted {
        Scripted::with_body(
            200,
            ScriptedBody::Error {
                code: code.into(),
                needed: None,
                provided: None,
            },
        )
    }

    /// This exact JSON body with this HTTP status (a code outside
    /// 100..=999 is sent as 500). Nothing is added to the body except the
    /// warnings and messages set on this value, and no header but the
    /// content type: for Slack's 429 with `Retry-After`, use
    /// [`Fault::RateLimited`].
    pub fn json(status: u16, body: Value) -> Scripted {
        Scripted::with_body(status, ScriptedBody::Json(body))
    }

    /// The method's `example_response` from the spec, as HTTP 200
    /// (an unknown method answers `{"ok":true}`).
    pub fn example() -> Scripted {
        Scripted::with_body(200, ScriptedBody::Example)
    }

    fn with_body(status: u16, body: ScriptedBody) -> Scripted {
        Scripted {
            status,
            body,
            warnings: Vec::new(),
            messages: Vec::new(),
        }
    }

    /// With [`Scripted::error`]: the `needed` field (the scope the method
    /// needs), as Slack sends with `missing_scope`.
    pub fn needed(mut self, scope: impl Into<String>) -> Scripted {
        if let ScriptedBody::Error { needed, .. } = &mut self.body {
            *needed = Some(scope.into());
        }
        self
    }

    /// With [`Scripted::error`]: the `provided` field (the token's scopes,
    /// comma-separated), as Slack sends with `missing_scope`.
    pub fn provided(mut self, scopes: impl Into<String>) -> Scripted {
        if let ScriptedBody::Error { provided, .. } = &mut self.body {
            *provided = Some(scopes.into());
        }
        self
    }

    /// Adds a warning code: to the top-level `warning` (comma-separated)
    /// and to `response_metadata.warnings`, as Slack does.
    pub fn warning(mut self, code: impl Into<String>) -> Scripted {
        self.warnings.push(code.into());
        self
    }

    /// Adds a line to `response_metadata.messages` (Slack's lines start with
    /// `[WARN]` or `[ERROR]`).
    pub fn message(mut self, text: impl Into<String>) -> Scripted {
        self.messages.push(text.into());
        self
    }

    /// The HTTP status this answer is sent with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The error code, for an answer made with [`Scripted::error`].
    pub fn error_code(&self) -> Option<&str> {
        match &self.body {
            ScriptedBody::Error { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The body to send, given the method's example response.
    pub(crate) fn body_json(&self, example: Option<&Value>) -> Value {
        let mut body = match &self.body {
            ScriptedBody::Error {
                code,
                needed,
                provided,
            } => {
                let mut map = Map::new();
                map.insert("ok".into(), Value::Bool(false));
                map.insert("error".into(), Value::String(code.clone()));
                if let Some(needed) = needed {
                    map.insert("needed".into(), Value::String(needed.clone()));
                }
                if let Some(provided) = provided {
                    map.insert("provided".into(), Value::String(provided.clone()));
                }
                Value::Object(map)
            }
            ScriptedBody::Json(value) => value.clone(),
            ScriptedBody::Example => example
                .cloned()
                .unwrap_or_else(|| serde_json::json!({ "ok": true })),
        };
        crate::wire::answer::add_metadata(&mut body, &self.warnings, &self.messages);
        body
    }
}

/// A queued entry: a script or a fault.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    Script(Scripted),
    Fault(Fault),
}

/// What was injected into a logged request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Injected {
    /// A scripted answer replaced the fake's own.
    Scripted(Scripted),
    /// A transport fault.
    Fault(Fault),
}

impl From<Plan> for Injected {
    fn from(plan: Plan) -> Injected {
        match plan {
            Plan::Script(script) => Injected::Scripted(script),
            Plan::Fault(fault) => Injected::Fault(fault),
        }
    }
}

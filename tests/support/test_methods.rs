//! Hand-written method tables and types shaped like the generated ones, and
//! calls through them: what the runtime tests send to the
//! [`scripted_server`](super::scripted_server).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use slack_calls::method::{HttpMethod, ParamInfo, ParamKind, RateTier, Required};
use slack_calls::{
    Check, Client, ClientBuilder, Error, ErrorCode, Form, MethodInfo, ResponseMeta, TestClock,
};

use super::scripted_server::Server;

const ID: ParamInfo = ParamInfo {
    name: "id",
    kind: ParamKind::Id("CallId"),
    required: Required::Yes,
    min_items: 0,
};

/// `calls.info`: tier 3, idempotent.
pub static INFO: MethodInfo = MethodInfo {
    name: "calls.info",
    summary: "Returns information about a Call.",
    docs_url: "https://api.slack.com/methods/calls.info",
    idempotent: true,
    bot_scopes: &["calls:read"],
    user_scopes: &["calls:read"],
    params: &[ID],
    errors: &["not_implemented"],
    ..MethodInfo::BLANK
};

/// `calls.end`: tier 3, idempotent.
pub static END: MethodInfo = MethodInfo {
    name: "calls.end",
    summary: "Ends a Call.",
    docs_url: "https://api.slack.com/methods/calls.end",
    idempotent: true,
    bot_scopes: &["calls:write"],
    user_scopes: &["calls:write"],
    params: &[
        ID,
        ParamInfo {
            name: "duration",
            kind: ParamKind::Duration,
            required: Required::No,
            min_items: 0,
        },
    ],
    errors: &["inactive_call", "invalid_call_id", "not_implemented"],
    ..MethodInfo::BLANK
};

const USERS: ParamKind = ParamKind::List(&ParamKind::Object("CallUser"));

/// `calls.add`: tier 3, not idempotent.
pub static ADD: MethodInfo = MethodInfo {
    name: "calls.add",
    summary: "Registers a new Call.",
    docs_url: "https://api.slack.com/methods/calls.add",
    bot_scopes: &["calls:write"],
    user_scopes: &["calls:write"],
    params: &[
        ParamInfo {
            name: "external_unique_id",
            kind: ParamKind::String,
            required: Required::Yes,
            min_items: 0,
        },
        ParamInfo {
            name: "join_url",
            kind: ParamKind::Url,
            required: Required::Yes,
            min_items: 0,
        },
        ParamInfo {
            name: "created_by",
            kind: ParamKind::Id("UserId"),
            required: Required::WithBotToken,
            min_items: 0,
        },
        ParamInfo {
            name: "desktop_app_join_url",
            kind: ParamKind::Url,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "users",
            kind: USERS,
            required: Required::No,
            min_items: 0,
        },
    ],
    errors: &["invalid_created_by", "not_authorized"],
    ..MethodInfo::BLANK
};

/// `calls.participants.add`: tier 3, not idempotent, at least one user.
pub static PARTICIPANTS_ADD: MethodInfo = MethodInfo {
    name: "calls.participants.add",
    summary: "Registers new participants added to a Call.",
    docs_url: "https://api.slack.com/methods/calls.participants.add",
    bot_scopes: &["calls:write"],
    user_scopes: &["calls:write"],
    params: &[
        ID,
        ParamInfo {
            name: "users",
            kind: USERS,
            required: Required::Yes,
            min_items: 1,
        },
    ],
    errors: &["bad_users", "inactive_call"],
    ..MethodInfo::BLANK
};

/// A tier-2 method sent as GET, to check tiers and query strings.
pub static TIER2_GET: MethodInfo = MethodInfo {
    name: "calls.tier2",
    summary: "A tier-2 GET method for tests.",
    docs_url: "https://example.invalid/",
    http: HttpMethod::Get,
    rate_tier: RateTier::Tier2,
    idempotent: true,
    params: &[ID],
    ..MethodInfo::BLANK
};

/// The answer of every test method.
#[derive(Debug, Deserialize)]
pub struct CallResponse {
    /// The call, when the answer has one.
    #[serde(default)]
    pub call: Option<serde_json::Value>,
    /// Warnings.
    #[serde(skip)]
    pub meta: ResponseMeta,
}

impl slack_calls::Response for CallResponse {
    fn set_meta(&mut self, meta: ResponseMeta) {
        self.meta = meta;
    }
}

/// The error codes of every test method: any string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code(pub String);

impl ErrorCode for Code {
    fn from_code(code: &str) -> Code {
        Code(code.to_owned())
    }
    fn code(&self) -> &str {
        &self.0
    }
    fn description(&self) -> Option<&'static str> {
        None
    }
}

/// A participant, with the generated type's rule.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Participant {
    /// A Slack user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_id: Option<String>,
    /// The app's own id for the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The name shown for an external user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl Participant {
    /// A Slack user.
    pub fn slack(id: &str) -> Participant {
        Participant {
            slack_id: Some(id.to_owned()),
            ..Participant::default()
        }
    }
}

impl Check for Participant {
    fn check(&self) -> Result<(), String> {
        if self.slack_id.is_some() || (self.external_id.is_some() && self.display_name.is_some()) {
            Ok(())
        } else {
            Err("needs a slack_id, or an external_id with a display_name".to_owned())
        }
    }
}

/// The result every test call returns.
pub type CallResult = Result<CallResponse, Error<Code>>;

/// Sends `method` with `form`.
pub async fn call(client: &Client, method: &'static MethodInfo, form: Form) -> CallResult {
    slack_calls::__private::send(client, method, form).await
}

/// `calls.info` for `id`.
pub async fn info(client: &Client, id: &str) -> CallResult {
    let mut form = Form::new();
    form.push("id", id);
    call(client, &INFO, form).await
}

/// `calls.end` for `id`.
pub async fn end(client: &Client, id: &str) -> CallResult {
    let mut form = Form::new();
    form.push("id", id);
    call(client, &END, form).await
}

/// `calls.add` with a created_by, as a bot token needs.
pub async fn add(client: &Client, unique_id: &str) -> CallResult {
    let mut form = Form::new();
    form.push("external_unique_id", unique_id);
    form.push("join_url", "https://example.com/call/1");
    form.push("created_by", "U1");
    call(client, &ADD, form).await
}

/// The test token.
pub const TOKEN: &str = "xoxb-4242-1717-TOKENSECRETTEXT";

/// A builder pointed at `server`, with `clock`, no pacing and no jitter,
/// so that every wait is exact and is a retry's (pacing tests set their
/// rates).
pub fn builder(server: &Server, clock: &TestClock) -> ClientBuilder {
    Client::builder(TOKEN)
        .base_url(server.base_url())
        .clock(clock.clone())
        .rate_limits(slack_calls::RateLimits::off())
        .retry_policy(
            slack_calls::RetryPolicy::new()
                .jitter(false)
                .initial_backoff(Duration::from_millis(100))
                .max_backoff(Duration::from_secs(1)),
        )
}

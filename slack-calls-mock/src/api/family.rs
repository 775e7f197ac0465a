//! What a stateful method family gives the fake: the methods it answers,
//! its own error codes for params the generic checks refuse, and the
//! function that answers a request once those checks passed.
//!
//! Each family lives in its own file (`calls.rs`, `chat.rs`, `users.rs`)
//! as one `FAMILY` constant, and is registered by one line in the table in
//! [`dispatch`](crate::api::dispatch). A method no family claims gets the
//! generic behaviour: auth, scopes, rate tier, required and typed params,
//! then its spec's `example_response`.

use slack_calls::TokenKind;
use slack_calls::method::MethodInfo;

use crate::state::directory::{Directory, WorkspaceConfig};
use crate::state::fake::{Config, MockState};
use crate::wire::answer::{Reply, SlackError};
use crate::wire::params::{ParamProblem, Params};
use crate::wire::request::ParsedRequest;

/// One method family of the fake.
pub(crate) struct Family {
    /// The Slack methods it answers (`calls.add`, ...).
    pub methods: &'static [&'static str],
    /// False for methods Slack documents no JSON input for: the params of
    /// a JSON body are not read (the fake's choice; Slack does not say).
    pub reads_json: bool,
    /// The family's own code for a param the generic checks refused, where
    /// Slack has a more precise one; `None` keeps the generic
    /// `invalid_arguments` or `missing_argument`.
    pub param_error: fn(&MethodInfo, &ParamProblem) -> Option<SlackError>,
    /// Answers a request that passed auth, scopes, the rate limit and the
    /// param checks: the body of `"ok": true` (a JSON tree, or bytes
    /// on the hot paths), or Slack's error. A request
    /// that fails changes nothing.
    pub answer: fn(Exchange<'_>) -> Result<Reply, SlackError>,
}

impl Family {
    /// True when this family answers `method`.
    pub fn answers(&self, method: &str) -> bool {
        self.methods.contains(&method)
    }
}

/// A family's own code for no param: the generic rules apply.
pub(crate) fn no_param_error(_: &MethodInfo, _: &ParamProblem) -> Option<SlackError> {
    None
}

/// One checked request, as a family's `answer` sees it.
pub(crate) struct Exchange<'a> {
    pub method: &'static MethodInfo,
    /// The params, checked against the method's spec.
    pub params: &'a Params,
    pub caller: Caller<'a>,
    /// The workspace of the token.
    pub workspace: &'a WorkspaceConfig,
    /// Its index in [`Config::workspaces`].
    pub workspace_index: usize,
    /// What the fake was started with.
    pub config: &'a Config,
    /// The workspaces and tokens as they are now (they grow at run time).
    pub directory: &'a Directory,
    /// The fake's state, locked for the whole answer.
    pub state: &'a mut MockState,
    /// Unix seconds now (real time, not the rate-limit clock).
    pub now: i64,
    /// Now on the fake's rate-limit clock (scaled, moved by `advance`).
    pub limit_now: std::time::Duration,
    /// The request as read (for credentials outside the params, such as
    /// HTTP Basic).
    pub parsed: &'a ParsedRequest,
}

/// Who is asking.
pub(crate) struct Caller<'a> {
    /// The token's text (empty for a method that takes no token).
    pub token: &'a str,
    pub kind: TokenKind,
    /// The user a user token acts for.
    pub user: Option<&'a str>,
    /// The organization, for a token of an org-wide install.
    pub org_wide: Option<&'a str>,
}

//! What Slack would answer to one request: the checks every method gets
//! (method, body, token, scopes, rate limit, params), then the answer of
//! the method's family, or the spec's `example_response` for a method no
//! family claims.
//!
//! A new stateful family is one new file with a `FAMILY` constant (see
//! [`Family`]) and one line in [`FAMILIES`].

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use slack_calls::TokenKind;
use slack_calls::method::{Auth, MethodInfo};

use crate::api::family::{Caller, Exchange, Family};
use crate::state::auth_state::AuthState;
use crate::state::directory::{Directory, TokenEntry};
use crate::state::fake::FakeSlack;
use crate::wire::answer::{Answer, SlackError};
use crate::wire::params::{self, Problem};
use crate::wire::request::ParsedRequest;
use crate::{
    api::auth, api::authorizations, api::calls, api::chat, api::chat_update, api::conversations,
    api::oauth, api::unfurl, api::users,
};

/// Every stateful family of the fake, one line each.
pub(crate) const FAMILIES: &[&Family] = &[
    &calls::FAMILY,
    &chat::FAMILY,
    &users::FAMILY,
    &auth::FAMILY,
    &oauth::FAMILY,
    &unfurl::FAMILY,
    &conversations::FAMILY,
    &chat_update::FAMILY,
    &authorizations::FAMILY,
];

/// The methods a family answers with state of its own, in table order.
pub(crate) fn stateful_methods() -> Vec<&'static str> {
    FAMILIES
        .iter()
        .flat_map(|family| family.methods.iter().copied())
        .collect()
}

/// Unix seconds now.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What Slack would answer: method, body, auth, scopes, rate limit, params,
/// then the method's own logic.
pub(crate) fn slack_logic(
    fake: &FakeSlack,
    directory: &Directory,
    name: &str,
    parsed: &ParsedRequest,
    token: Option<(&str, &TokenEntry)>,
) -> Answer {
    // A token the fake issued while running (`oauth.v2.access`).
    let issued = match (token, parsed.token.as_deref()) {
        (None, Some(text)) => fake.lock().auth.issued.get(text).cloned(),
        _ => None,
    };
    let token = token.or_else(|| Some((parsed.token.as_deref()?, issued.as_ref()?)));
    let mut answer = slack_logic_inner(fake, directory, name, parsed, token);
    answer.add_warnings(&parsed.warnings);
    if let Some(method) = fake.config.methods.get(name) {
        let kind = token.map(|(_, token)| token.kind);
        answer.accepted_scopes = Some(accepted_scopes(method, kind));
        answer.oauth_scopes = token.map(|(_, token)| token.scopes.join(","));
    }
    answer
}

/// The scopes `method` accepts from a token of `kind`; with no known token,
/// those of every token type.
fn accepted_scopes(method: &MethodInfo, kind: Option<TokenKind>) -> String {
    let scopes: Vec<&str> = match kind {
        Some(TokenKind::Bot) => method.bot_scopes.to_vec(),
        Some(TokenKind::User) => method.user_scopes.to_vec(),
        Some(_) => Vec::new(),
        None => {
            let mut all = method.bot_scopes.to_vec();
            for scope in method.user_scopes {
                if !all.contains(scope) {
                    all.push(scope);
                }
            }
            all
        }
    };
    scopes.join(",")
}

fn slack_logic_inner(
    fake: &FakeSlack,
    directory: &Directory,
    name: &str,
    parsed: &ParsedRequest,
    token: Option<(&str, &TokenEntry)>,
) -> Answer {
    let Some(&method) = fake.config.methods.get(name) else {
        // Exactly Slack's body: no response_metadata.
        return Answer::error(
            &SlackError::new("unknown_method").field("req_method", Value::String(name.to_owned())),
        );
    };
    if let Some(problem) = &parsed.problem {
        return Answer::error(problem);
    }
    if method.auth == Auth::ClientCredentials {
        return client_credentials(fake, directory, method, parsed);
    }
    let Some((token_text, token)) = token else {
        if parsed.token.is_some() {
            // Exactly Slack's body: no response_metadata.
            return Answer::error(&SlackError::new("invalid_auth"));
        }
        let mut error = SlackError::new("not_authed");
        if let Some(hint) = parsed.token_hint {
            error = error.because(hint);
        }
        return Answer::error(&error);
    };
    let from_start = directory.tokens.contains_key(token_text);
    {
        let state = fake.lock();
        if state.auth.is_revoked(token_text, token, from_start) {
            return Answer::error(&SlackError::new("token_revoked"));
        }
        // A token of token rotation past its 12 hours, on the fake's
        // clock: refused before anything is done or counted.
        if AuthState::is_expired(token, fake.clock.now(state.advanced)) {
            return Answer::error(&SlackError::new("token_expired"));
        }
    }
    let needed = match token.kind {
        _ if method.auth == Auth::AppToken => &[],
        TokenKind::Bot => method.bot_scopes,
        TokenKind::User => method.user_scopes,
        _ => &[],
    };
    let any_token = match method.auth {
        Auth::AnyToken | Auth::TokenAndClientCredentials => {
            matches!(token.kind, TokenKind::Bot | TokenKind::User)
        }
        // An app-level token, by its prefix (the fake's tokens of kind
        // `Other`).
        Auth::AppToken => crate::state::directory::is_app_level(token_text),
        _ => false,
    };
    if needed.is_empty() && !any_token {
        return Answer::error(&SlackError::new("not_allowed_token_type").because(format!(
            "{} does not accept {} tokens",
            method.name, token.kind
        )));
    }
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|scope| !token.scopes.iter().any(|have| have == scope))
        .collect();
    if !missing.is_empty() {
        let mut error = SlackError::new("missing_scope");
        error.needed = Some(missing.join(","));
        error.provided = Some(token.scopes.join(","));
        return Answer::error(&error);
    }

    let index = match workspace_of_token(directory, parsed, token) {
        Ok(index) => index,
        Err(error) => return Answer::error(&error),
    };
    // `install` gives every token the index of a workspace it keeps.
    let Some(workspace) = directory.workspaces.get(index) else {
        return Answer::error(
            &SlackError::new("internal_error").because("the token's workspace is gone"),
        );
    };
    let caller = Caller {
        token: token_text,
        kind: token.kind,
        user: workspace.acting_user.as_deref(),
        org_wide: token.org_wide.as_deref(),
    };
    answer_checked(
        fake,
        directory,
        method,
        parsed,
        &workspace.team_id,
        caller,
        index,
    )
}

/// The workspace a request acts in: the token's, or, for a token of an
/// org-wide install, the workspace of the organization a `team_id` param
/// names (Slack: "always pass `team_id`"; it is ignored with a
/// workspace-level token). A `team_id` outside the organization is
/// `team_access_not_granted`.
fn workspace_of_token(
    directory: &Directory,
    parsed: &ParsedRequest,
    token: &TokenEntry,
) -> Result<usize, SlackError> {
    let Some(org) = token.org_wide.as_deref() else {
        return Ok(token.workspace);
    };
    let named = parsed
        .params
        .iter()
        .rev()
        .find(|(name, _)| name == "team_id")
        .and_then(|(_, value)| match value {
            crate::wire::request::RawValue::Text(text) if !text.trim().is_empty() => {
                Some(text.trim())
            }
            _ => None,
        });
    let Some(team) = named else {
        return Ok(token.workspace);
    };
    match directory.workspace_index(team) {
        Some(index) if directory.workspaces[index].enterprise.as_deref() == Some(org) => Ok(index),
        _ => Err(SlackError::new("team_access_not_granted").because(format!(
            "the org-wide token works in the workspaces of {org}; {team} is not one of them"
        ))),
    }
}

/// A method that takes the app's client id and secret, not a token
/// (`oauth.v2.access`): no token or scope checks; its rate limit is
/// counted for the app as a whole (the fake's choice), and its family
/// checks the credentials.
fn client_credentials(
    fake: &FakeSlack,
    directory: &Directory,
    method: &'static MethodInfo,
    parsed: &ParsedRequest,
) -> Answer {
    let caller = Caller {
        token: "",
        kind: TokenKind::Other,
        user: None,
        org_wide: None,
    };
    // The workspace is that of the code; the default one stands in here.
    answer_checked(fake, directory, method, parsed, APP_LIMIT_KEY, caller, 0)
}

/// The rate-limit key of methods counted for the app, not a workspace.
const APP_LIMIT_KEY: &str = "(app)";

/// The rate limit, the params, then the family's answer (or the spec's
/// `example_response`), for a request whose caller was checked.
fn answer_checked(
    fake: &FakeSlack,
    directory: &Directory,
    method: &'static MethodInfo,
    parsed: &ParsedRequest,
    limit_key: &str,
    caller: Caller<'_>,
    workspace_index: usize,
) -> Answer {
    let Some(workspace) = directory.workspaces.get(workspace_index) else {
        return Answer::error(
            &SlackError::new("internal_error").because("the fake has no such workspace"),
        );
    };
    let mut state = fake.lock();
    let now = fake.clock.now(state.advanced);
    if let Err(wait) = state
        .limiter
        .admit(fake.config.limit_mode, limit_key, method, now)
    {
        // Retry-After is in real seconds, whatever the fake's time scale.
        return Answer::rate_limited(fake.clock.real_secs(wait));
    }

    let family = FAMILIES
        .iter()
        .copied()
        .find(|family| family.answers(method.name));
    let read_json = family.is_none_or(|family| family.reads_json);
    let params = match params::check(method, parsed.params_read(read_json), caller.kind) {
        Ok(params) => params,
        Err(problem) => {
            // A JSON null gets Slack's generic answer, whatever the family.
            let error = family
                .filter(|_| !matches!(problem.problem, Problem::Null(_)))
                .and_then(|family| (family.param_error)(method, &problem))
                .unwrap_or_else(|| problem.default_error(method));
            return Answer::error(&error);
        }
    };

    if let Some(family) = family {
        let exchange = Exchange {
            method,
            params: &params,
            caller,
            workspace,
            workspace_index,
            config: &fake.config,
            directory,
            state: &mut state,
            now: unix_now(),
            limit_now: now,
            parsed,
        };
        return match (family.answer)(exchange) {
            Ok(body) => Answer::ok(body),
            Err(error) => Answer::error(&error),
        };
    }
    drop(state);

    if method.example_response.trim().is_empty() {
        return Answer::ok(serde_json::json!({ "ok": true }));
    }
    match serde_json::from_str::<Value>(method.example_response) {
        Ok(body) => match &method.pagination {
            Some(pages) => match crate::wire::cursor::example_page(method, pages, &params, body) {
                Ok(body) => Answer::ok(body),
                Err(error) => Answer::error(&error),
            },
            None => Answer::from_body(body),
        },
        Err(err) => Answer::error(&SlackError::new("internal_error").because(format!(
            "the spec's example_response for {} is not JSON: {err}",
            method.name
        ))),
    }
}

//! What Slack would answer to one request: the checks every method gets
//! (method, body, token, scopes, rate limit, params), then the answer of
//! the method's family, or the spec's `example_response` for a method no
//! family claims.
//!
//! A new stateful family is one new file with a `FAMILY` constant (see
//! [`Family`]) and one line in [`FAMILIES`].

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::answer::{Answer, SlackError, add_metadata};
use super::family::{Caller, Exchange, Family};
use super::params::{self, Problem};
use super::request::ParsedRequest;
use super::state::{FakeSlack, TokenEntry};
use super::{calls, chat, unfurl, users};

/// Every stateful family of the fake, one line each.
pub(crate) const FAMILIES: &[&Family] = &[
    &calls::FAMILY,
    &chat::FAMILY,
    &users::FAMILY,
    &unfurl::FAMILY,
];

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
    name: &str,
    parsed: &ParsedRequest,
    token: Option<(&str, &TokenEntry)>,
) -> Answer {
    let mut answer = slack_logic_inner(fake, name, parsed, token);
    add_metadata::<&str, &str>(&mut answer.body, &parsed.warnings, &[]);
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
    let Some((_, token)) = token else {
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
    let needed = match token.kind {
        TokenKind::Bot => method.bot_scopes,
        TokenKind::User => method.user_scopes,
        _ => &[],
    };
    if needed.is_empty() {
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

    // `install` gives every token the index of a workspace it keeps.
    let Some(workspace) = fake.config.workspaces.get(token.workspace) else {
        return Answer::error(
            &SlackError::new("internal_error").because("the token's workspace is gone"),
        );
    };
    let mut state = fake.lock();
    let now = fake.clock.now(state.advanced);
    if let Err(wait) = state
        .limiter
        .admit(fake.config.limit_mode, &workspace.team_id, method, now)
    {
        // Retry-After is in real seconds, whatever the fake's time scale.
        return Answer::rate_limited(fake.clock.real_secs(wait));
    }

    let family = FAMILIES
        .iter()
        .copied()
        .find(|family| family.answers(method.name));
    let read_json = family.is_none_or(|family| family.reads_json);
    let params = match params::check(method, parsed.params_read(read_json), token.kind) {
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
            caller: Caller {
                kind: token.kind,
                user: workspace.acting_user.as_deref(),
            },
            workspace,
            state: &mut state,
            now: unix_now(),
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
        Ok(body) => Answer::from_body(body),
        Err(err) => Answer::error(&SlackError::new("internal_error").because(format!(
            "the spec's example_response for {} is not JSON: {err}",
            method.name
        ))),
    }
}

//! The app the fake talks back to, and what fake users do: `GET` and
//! `POST /_mock/app`, `POST /_mock/messages`, `POST /_mock/composer`,
//! `POST /_mock/calls/{id}/reject`,
//! `POST /_mock/call_button` and `GET /_mock/deliveries`. Each runs the same
//! code as its [`MockSlack`](crate::MockSlack) method.
//!
//! The app's signing secret is taken, never given back: no answer, no
//! refusal and no log line holds it, and a body that does not parse is
//! refused without quoting it.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::fake::FakeSlack;
use crate::state::state_json::{delivery_json, message_json};
use crate::state::workspace::is_slack_id;
use crate::talk_back::delivery::{InitiationError, verify_url};
use crate::talk_back::events::{MockApp, UserActionError};

use super::reply::{Answered, Refusal, ok, parse};

/// `POST /_mock/app`. No `Debug`: it holds the secret.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AppBody {
    request_url: String,
    signing_secret: String,
    #[serde(default)]
    unfurl_domains: Vec<String>,
    app_id: Option<String>,
    verification_token: Option<String>,
    ack_timeout_ms: Option<u64>,
}

/// The body of `POST /_mock/app` into [`AppBody`], or a 400 that names the
/// place of the problem but quotes nothing of the body.
pub(super) fn parse_app(body: &[u8]) -> Result<AppBody, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::bad("this endpoint wants a JSON object body"));
    }
    serde_json::from_slice(body).map_err(|err| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!(
                "the body is not the JSON this endpoint wants (line {}, column {}): \
                 request_url, signing_secret and verification_token are strings, \
                 unfurl_domains a list of strings, app_id a Slack id, ack_timeout_ms \
                 a number; no other field",
                err.line(),
                err.column()
            ),
        )
    })
}

/// The app as JSON: everything but the secret.
fn app_json(app: &MockApp) -> Value {
    json!({
        "app_id": app.app_id,
        "request_url": app.request_url,
        "unfurl_domains": app.unfurl_domains,
        "ack_timeout_ms": u64::try_from(app.ack_timeout.as_millis()).unwrap_or(u64::MAX),
    })
}

/// `POST /_mock/app`: the app is registered once its Request URL answers
/// Slack's `url_verification` handshake; a 502 `url_verification_failed`
/// with Slack's words otherwise (the app being the upstream), and the app
/// registered before stays.
pub(super) async fn register_app(fake: &FakeSlack, body: AppBody) -> Answered {
    let url_ok = reqwest::Url::parse(&body.request_url)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if !url_ok {
        return Err(Refusal::bad(format!(
            "request_url `{}` is not an http(s) URL like http://127.0.0.1:3000/slack/events",
            body.request_url
        )));
    }
    for domain in &body.unfurl_domains {
        if domain.is_empty() || domain.contains(['/', ':']) || domain.contains(char::is_whitespace)
        {
            return Err(Refusal::bad(format!(
                "unfurl domain `{domain}` is not a host name like example.com"
            )));
        }
    }
    // The error names the length, never the secret.
    let mut app = MockApp::new(body.request_url, &body.signing_secret)
        .map_err(|e| Refusal::bad(e.to_string()))?
        .unfurl_domains(body.unfurl_domains);
    if let Some(id) = body.app_id {
        if !is_slack_id(&id) {
            return Err(Refusal::bad(format!(
                "app_id `{id}` is not a Slack id (uppercase letters and digits)"
            )));
        }
        app = app.app_id(id);
    }
    if let Some(token) = body.verification_token {
        if token.trim().is_empty() {
            return Err(Refusal::bad("`verification_token` must not be empty"));
        }
        app = app.verification_token(token);
    }
    match body.ack_timeout_ms {
        Some(0) => return Err(Refusal::bad("`ack_timeout_ms` must be at least 1")),
        Some(ms) => app = app.ack_timeout(Duration::from_millis(ms)),
        None => {}
    }
    let answer = app_json(&app);
    verify_url(&app).await.map_err(|error| {
        Refusal::new(
            StatusCode::BAD_GATEWAY,
            "url_verification_failed",
            format!("{error} (the app is not registered)"),
        )
    })?;
    fake.lock().events.app = Some(app);
    Ok((StatusCode::CREATED, json!({ "app": answer })))
}

/// `GET /_mock/app`.
pub(super) fn app(fake: &FakeSlack) -> Answered {
    match &fake.lock().events.app {
        Some(app) => Ok(ok(json!({ "app": app_json(app) }))),
        None => Err(no_app()),
    }
}

fn no_app() -> Refusal {
    Refusal::not_found(
        "no_app",
        "no app is registered with the fake; register one with POST /_mock/app \
         (or the binary's --app-url)",
    )
}

/// A fake user's failed action as a 4xx.
fn refused(error: UserActionError) -> Refusal {
    let message = error.to_string();
    match error {
        UserActionError::NoApp => no_app(),
        UserActionError::UnknownPlace { .. } => Refusal::not_found(
            "unknown_place",
            format!("{message}; add them with POST /_mock/users and /_mock/channels"),
        ),
        UserActionError::UnknownCall(_) => Refusal::not_found("call_not_found", message),
        UserActionError::UnknownTeam(_) => Refusal::not_found("team_not_found", message),
        UserActionError::NotInstalledOrgWide(_) => Refusal::conflict(message),
    }
}

/// `POST /_mock/messages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PostBody {
    user: String,
    channel: String,
    text: String,
}

pub(super) fn user_posts(fake: &Arc<FakeSlack>, body: PostBody) -> Answered {
    let message = fake
        .user_posts(&body.user, &body.channel, &body.text)
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        json!({ "message": message_json(&message) }),
    ))
}

/// `POST /_mock/composer` (the body of `POST /_mock/messages`): a fake
/// user types a message without posting it; `link_shared` with `source:
/// composer` for links on the app's domains. The answer is the draft.
pub(super) fn user_types(fake: &Arc<FakeSlack>, body: PostBody) -> Answered {
    let draft = fake
        .user_types(&body.user, &body.channel, &body.text)
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        json!({ "draft": message_json(&draft) }),
    ))
}

/// `POST /_mock/calls/{id}/reject` and `POST /_mock/call_button`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlaceBody {
    user: String,
    channel: String,
}

pub(super) fn user_rejects_call(fake: &Arc<FakeSlack>, call_id: &str, body: PlaceBody) -> Answered {
    let event_id = fake
        .user_rejects_call(&body.user, call_id, &body.channel)
        .map_err(refused)?;
    Ok(ok(json!({ "event_id": event_id })))
}

/// `POST /_mock/call_button`: the app's answer, or why it did not start a
/// Call (502, the app being the upstream here).
pub(super) async fn call_button(fake: &Arc<FakeSlack>, body: PlaceBody) -> Answered {
    match fake
        .user_presses_call_button(&body.user, &body.channel)
        .await
    {
        Ok(call) => {
            let mut answer = serde_json::to_value(&call).unwrap_or_else(|_| json!({}));
            if let Value::Object(map) = &mut answer {
                map.insert("response_type".into(), json!("call"));
            }
            Ok(ok(json!({ "answer": answer })))
        }
        Err(InitiationError::Action(error)) => Err(refused(error)),
        Err(error @ InitiationError::NoAnswer(_)) => Err(Refusal::new(
            StatusCode::BAD_GATEWAY,
            "app_did_not_answer",
            error.to_string(),
        )),
        Err(error) => Err(Refusal::new(
            StatusCode::BAD_GATEWAY,
            "app_answer_not_a_call",
            error.to_string(),
        )),
    }
}

/// `POST /_mock/response/{n}`: the app answers Call-button press `n` at
/// the `response_url` the fake handed out with it: a JSON object, as
/// Slack's response URLs take (`response_type: call` with a
/// `call_initiation_url` starts the Call). Every post is kept.
pub(super) fn response_url(fake: &FakeSlack, press: &str, body: &[u8]) -> Answered {
    let unknown = || {
        Refusal::not_found(
            "unknown_response_url",
            format!("the fake handed out no response_url /_mock/response/{press}"),
        )
    };
    let press: u64 = press.parse().map_err(|_| unknown())?;
    let _: serde_json::Map<String, Value> = parse(body)?;
    if fake.post_to_response_url(press, body) {
        Ok(ok(json!({})))
    } else {
        Err(unknown())
    }
}

/// `GET /_mock/deliveries`: every attempt to send the app something.
pub(super) fn deliveries(fake: &FakeSlack) -> Value {
    let list: Vec<Value> = fake
        .lock()
        .events
        .deliveries
        .iter()
        .map(delivery_json)
        .collect();
    json!({ "deliveries": list })
}

//! The control API: what a Rust test steers through [`MockSlack`], served
//! as JSON over HTTP under `/_mock/` on the fake's own port, so tests in
//! any language can script answers, inject faults, add workspaces, users,
//! channels, tokens and Enterprise Grid organizations, install and
//! uninstall the app (and set the app's Redirect URLs, the fake user's
//! answer to the consent page and token rotation), register the app
//! the fake sends events to, make fake users act, and read the fake's
//! state. `/_mock/` cannot clash with Slack's `/api/<method>`.
//!
//! Every answer is JSON with `ok` first. A bad control request gets a 4xx
//! with `{"ok":false,"error":<code>,"message":<what to fix>}`. No answer
//! and no log line ever holds a token's text. Control requests do not go
//! into the request log, which records `/api/` requests only.
//!
//! The README lists every endpoint with a curl example.
//!
//! [`MockSlack`]: crate::MockSlack

mod app;
mod directory;
mod injections;
mod oauth;
mod reads;
mod reply;

use std::sync::Arc;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::state::fake::FakeSlack;
use crate::wire::answer::{body_bytes, json_response};

use app::{
    PlaceBody, call_button, deliveries, parse_app, register_app, response_url, user_posts,
    user_rejects_call, user_types,
};
use directory::{add_channel, add_token, add_user, add_workspace, install, uninstall, workspaces};
use injections::{fault, injections, script};
use reads::{advance, messages, requests};
use reply::{Answered, Refusal, ok, parse, wrong_verb};

/// The largest control body read.
const MAX_CONTROL_BODY: usize = 256 * 1024;

/// Every `/_mock` and `/_mock/...` request ends here.
pub(crate) async fn handle(State(fake): State<Arc<FakeSlack>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_CONTROL_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a control body is at most {MAX_CONTROL_BODY} bytes"),
            )
            .into_response();
        }
    };
    let path = parts.uri.path().trim_end_matches('/');
    let path = path.strip_prefix("/_mock").unwrap_or(path);
    let query = parts.uri.query().unwrap_or("");
    // The endpoints that wait on the app's answer: the Call button, and
    // registering the app (Slack's `url_verification` handshake).
    let answered = match (parts.method == Method::POST, path) {
        (true, "/call_button") => match parse::<PlaceBody>(&bytes) {
            Ok(body) => call_button(&fake, body).await,
            Err(refusal) => Err(refusal),
        },
        (true, "/app") => match parse_app(&bytes) {
            Ok(body) => register_app(&fake, body).await,
            Err(refusal) => Err(refusal),
        },
        _ => route(&fake, &parts.method, path, query, &bytes),
    };
    match answered {
        Ok((status, mut body)) => {
            if let Value::Object(map) = &mut body {
                map.insert("ok".into(), Value::Bool(true));
            }
            json_response(status, body_bytes(&body), None)
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// The endpoints, by path and verb.
fn route(fake: &Arc<FakeSlack>, verb: &Method, path: &str, query: &str, body: &[u8]) -> Answered {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let get = verb == Method::GET;
    let post = verb == Method::POST;
    let delete = verb == Method::DELETE;
    match segments.as_slice() {
        [] if get => Ok(ok(index())),
        [] => wrong_verb("GET"),
        ["script"] if post => script(fake, parse(body)?),
        ["script"] => wrong_verb("POST"),
        ["fault"] if post => fault(fake, parse(body)?),
        ["fault"] => wrong_verb("POST"),
        ["injections"] if get => Ok(ok(injections(fake))),
        ["injections"] if delete => {
            fake.lock().plans.clear();
            Ok(ok(json!({})))
        }
        ["injections"] => wrong_verb("GET, DELETE"),
        ["workspaces"] if get => Ok(ok(workspaces(fake))),
        ["workspaces"] if post => add_workspace(fake, parse(body)?),
        ["workspaces"] => wrong_verb("GET, POST"),
        ["users"] if post => add_user(fake, parse(body)?),
        ["users"] => wrong_verb("POST"),
        ["channels"] if post => add_channel(fake, parse(body)?),
        ["channels"] => wrong_verb("POST"),
        ["tokens"] if post => add_token(fake, parse(body)?),
        ["tokens"] => wrong_verb("POST"),
        ["uninstall"] if post => uninstall(fake, parse(body)?),
        ["uninstall"] => wrong_verb("POST"),
        ["install"] if post => install(fake, parse(body)?),
        ["install"] => wrong_verb("POST"),
        ["oauth"] if get => Ok(ok(oauth::oauth(fake))),
        ["oauth"] if post => oauth::set_oauth(fake, parse(body)?),
        ["oauth"] => wrong_verb("GET, POST"),
        ["enterprises"] if post => oauth::add_enterprise(fake, parse(body)?),
        ["enterprises"] => wrong_verb("POST"),
        ["app"] if get => app::app(fake),
        ["app"] => wrong_verb("GET, POST"),
        ["call_button"] => wrong_verb("POST"),
        ["response", press] if post => response_url(fake, press, body),
        ["response", _] => wrong_verb("POST"),
        ["deliveries"] if get => Ok(ok(deliveries(fake))),
        ["deliveries"] => wrong_verb("GET"),
        ["calls"] if get => {
            let calls: Vec<Value> = fake.lock().calls.all().map(|c| c.to_json()).collect();
            Ok(ok(json!({ "calls": calls })))
        }
        ["calls"] => wrong_verb("GET"),
        ["calls", id] if get => match fake.lock().calls.get(id) {
            Some(call) => Ok(ok(json!({ "call": call.to_json() }))),
            None => Err(Refusal::not_found(
                "call_not_found",
                format!("the fake has no call with id `{id}`"),
            )),
        },
        ["calls", _] => wrong_verb("GET"),
        ["calls", id, "reject"] if post => user_rejects_call(fake, id, parse(body)?),
        ["calls", _, "reject"] => wrong_verb("POST"),
        ["messages"] if get => Ok(ok(messages(fake))),
        ["messages"] if post => user_posts(fake, parse(body)?),
        ["messages"] => wrong_verb("GET, POST"),
        ["composer"] if post => user_types(fake, parse(body)?),
        ["composer"] => wrong_verb("POST"),
        ["requests"] if get => Ok(ok(requests(fake, query)?)),
        ["requests"] if delete => {
            fake.lock().log.clear();
            Ok(ok(json!({})))
        }
        ["requests"] => wrong_verb("GET, DELETE"),
        ["advance"] if post => advance(fake, parse(body)?),
        ["advance"] => wrong_verb("POST"),
        _ => Err(Refusal::not_found(
            "unknown_endpoint",
            format!("no control endpoint /_mock{path}; GET /_mock/ lists them"),
        )),
    }
}

/// The endpoints, for `GET /_mock/`.
fn index() -> Value {
    json!({ "endpoints": [
        "GET /_mock/",
        "POST /_mock/script",
        "POST /_mock/fault",
        "GET /_mock/injections",
        "DELETE /_mock/injections",
        "GET /_mock/workspaces",
        "POST /_mock/workspaces",
        "POST /_mock/users",
        "POST /_mock/channels",
        "POST /_mock/tokens",
        "POST /_mock/uninstall",
        "POST /_mock/install",
        "GET /_mock/oauth",
        "POST /_mock/oauth",
        "POST /_mock/enterprises",
        "GET /_mock/app",
        "POST /_mock/app",
        "GET /_mock/calls",
        "GET /_mock/calls/{id}",
        "POST /_mock/calls/{id}/reject",
        "GET /_mock/messages",
        "POST /_mock/messages",
        "POST /_mock/composer",
        "POST /_mock/call_button",
        "POST /_mock/response/{n}",
        "GET /_mock/deliveries",
        "GET /_mock/requests",
        "DELETE /_mock/requests",
        "POST /_mock/advance",
        "GET /_mock/page/snapshot",
        "GET /_mock/page/fragment",
    ] })
}

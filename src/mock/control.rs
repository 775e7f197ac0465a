//! The control API: what a Rust test steers through [`MockSlack`], served
//! as JSON over HTTP under `/_mock/` on the fake's own port, so tests in
//! any language can script answers, inject faults, add workspaces, users,
//! channels and tokens, revoke a workspace's tokens and read the fake's
//! state. `/_mock/` cannot clash with Slack's `/api/<method>`.
//!
//! Every answer is JSON with `ok` first. A bad control request gets a 4xx
//! with `{"ok":false,"error":<code>,"message":<what to fix>}`. No answer
//! and no log line ever holds a token's text. Control requests do not go
//! into the request log, which records `/api/` requests only.
//!
//! The README lists every endpoint with a curl example.
//!
//! [`MockSlack`]: super::MockSlack

use std::sync::Arc;
use std::time::Duration;

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header::ALLOW};
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::token::TokenKind;

use super::answer::{body_bytes, json_response};
use super::faults::{Fault, Injected, Plan, Scripted};
use super::log::{LoggedRequest, TokenSource};
use super::state::{FakeSlack, TokenEntry, WorkspaceConfig};
use super::workspace::{check_team_id, check_token, is_slack_id};

/// The largest control body read.
const MAX_CONTROL_BODY: usize = 256 * 1024;

/// A refused control request.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The verbs the endpoint takes, for a 405's `Allow`.
    allow: Option<&'static str>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    fn bad(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    fn not_found(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, code, message)
    }

    fn conflict(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::CONFLICT, "conflict", message)
    }

    fn into_response(self) -> Response {
        let body = json!({ "ok": false, "error": self.code, "message": self.message });
        let mut response = json_response(self.status, body_bytes(&body), None);
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

type Answered = Result<(StatusCode, Value), Refusal>;

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
    match route(&fake, &parts.method, path, query, &bytes) {
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
fn route(fake: &FakeSlack, verb: &Method, path: &str, query: &str, body: &[u8]) -> Answered {
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
        ["messages"] if get => Ok(ok(messages(fake))),
        ["messages"] => wrong_verb("GET"),
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

fn ok(body: Value) -> (StatusCode, Value) {
    (StatusCode::OK, body)
}

fn wrong_verb(allowed: &'static str) -> Answered {
    let mut refusal = Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("this endpoint takes {allowed}"),
    );
    refusal.allow = Some(allowed);
    Err(refusal)
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
        "GET /_mock/calls",
        "GET /_mock/calls/{id}",
        "GET /_mock/messages",
        "GET /_mock/requests",
        "DELETE /_mock/requests",
        "POST /_mock/advance",
    ] })
}

/// A JSON body into `T`, or a 400 that says what is wrong.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::bad("this endpoint wants a JSON object body"));
    }
    serde_json::from_slice(body).map_err(|err| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not the JSON this endpoint wants: {err}"),
        )
    })
}

fn check_method(method: &str) -> Result<(), Refusal> {
    if method.is_empty() || method.contains(['/', '?', '#']) || method.contains(char::is_whitespace)
    {
        return Err(Refusal::bad(format!(
            "`{method}` is not a method name like calls.add"
        )));
    }
    Ok(())
}

fn check_times(times: usize) -> Result<(), Refusal> {
    if times == 0 {
        return Err(Refusal::bad("`times` must be at least 1"));
    }
    Ok(())
}

fn queue(fake: &FakeSlack, method: &str, plan: Plan, times: usize) -> Value {
    let mut state = fake.lock();
    let queue = state.plans.entry(method.to_owned()).or_default();
    queue.push_back((plan, times));
    let pending: usize = queue.iter().map(|(_, n)| *n).sum();
    json!({ "method": method, "pending": pending })
}

/// `POST /_mock/script`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptBody {
    method: String,
    error: Option<String>,
    needed: Option<String>,
    provided: Option<String>,
    body: Option<Value>,
    status: Option<u16>,
    #[serde(default)]
    example: bool,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default = "one")]
    times: usize,
}

fn one() -> usize {
    1
}

fn script(fake: &FakeSlack, body: ScriptBody) -> Answered {
    check_method(&body.method)?;
    check_times(body.times)?;
    let chosen = usize::from(body.error.is_some())
        + usize::from(body.body.is_some())
        + usize::from(body.example);
    if chosen != 1 {
        return Err(Refusal::bad(
            "give exactly one of `error` (a Slack error code), `body` (a JSON body) or `example: true`",
        ));
    }
    if body.error.is_none() && (body.needed.is_some() || body.provided.is_some()) {
        return Err(Refusal::bad("`needed` and `provided` go with `error`"));
    }
    if body.body.is_none() && body.status.is_some() {
        return Err(Refusal::bad(
            "`status` goes with `body`; an `error` or the example is sent as HTTP 200",
        ));
    }
    let mut scripted = if let Some(code) = body.error {
        if code.is_empty() {
            return Err(Refusal::bad("`error` is empty"));
        }
        let mut scripted = Scripted::error(code);
        if let Some(needed) = body.needed {
            scripted = scripted.needed(needed);
        }
        if let Some(provided) = body.provided {
            scripted = scripted.provided(provided);
        }
        scripted
    } else if let Some(json) = body.body {
        let status = body.status.unwrap_or(200);
        if !(100..=999).contains(&status) {
            return Err(Refusal::bad(format!(
                "`status` {status} is not an HTTP status (100 to 999)"
            )));
        }
        Scripted::json(status, json)
    } else {
        Scripted::example()
    };
    for warning in body.warnings {
        scripted = scripted.warning(warning);
    }
    for message in body.messages {
        scripted = scripted.message(message);
    }
    Ok(ok(queue(
        fake,
        &body.method,
        Plan::Script(scripted),
        body.times,
    )))
}

/// `POST /_mock/fault`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    method: String,
    fault: String,
    status: Option<u16>,
    retry_after: Option<u64>,
    delay_ms: Option<u64>,
    #[serde(default = "one")]
    times: usize,
}

/// The fault names, as `POST /_mock/fault` takes them.
const FAULTS: &str = "status, rate_limited, delay, drop, drop_after_handling, truncated, \
                      broken_body, not_json";

fn fault(fake: &FakeSlack, body: FaultBody) -> Answered {
    check_method(&body.method)?;
    check_times(body.times)?;
    let name = body.fault.as_str();
    let extra = |field: &str, allowed: &str| {
        Refusal::bad(format!(
            "`{field}` does not go with fault `{name}`{allowed}"
        ))
    };
    if body.status.is_some() && name != "status" {
        return Err(extra("status", ""));
    }
    if body.retry_after.is_some() && name != "rate_limited" {
        return Err(extra("retry_after", ""));
    }
    if body.delay_ms.is_some() && name != "delay" {
        return Err(extra("delay_ms", ""));
    }
    let fault = match name {
        "status" => {
            let status = body
                .status
                .ok_or_else(|| Refusal::bad("fault `status` needs `status`, such as 503"))?;
            if !(100..=999).contains(&status) {
                return Err(Refusal::bad(format!(
                    "`status` {status} is not an HTTP status (100 to 999)"
                )));
            }
            Fault::Status(status)
        }
        "rate_limited" => Fault::RateLimited {
            retry_after_secs: body.retry_after.unwrap_or(1),
        },
        "delay" => Fault::Delay(Duration::from_millis(body.delay_ms.ok_or_else(|| {
            Refusal::bad("fault `delay` needs `delay_ms`, the wait in milliseconds")
        })?)),
        "drop" => Fault::Drop,
        "drop_after_handling" => Fault::DropAfterHandling,
        "truncated" => Fault::Truncated,
        "broken_body" => Fault::BrokenBody,
        "not_json" => Fault::NotJson,
        other => {
            return Err(Refusal::bad(format!(
                "`{other}` is not a fault; the faults are: {FAULTS}"
            )));
        }
    };
    Ok(ok(queue(
        fake,
        &body.method,
        Plan::Fault(fault),
        body.times,
    )))
}

/// `GET /_mock/injections`: what is still queued, per method.
fn injections(fake: &FakeSlack) -> Value {
    let state = fake.lock();
    let mut pending: Vec<(&String, usize)> = state
        .plans
        .iter()
        .map(|(method, queue)| (method, queue.iter().map(|(_, n)| *n).sum()))
        .collect();
    pending.sort();
    let map: Map<String, Value> = pending
        .into_iter()
        .map(|(method, n)| (method.clone(), Value::from(n)))
        .collect();
    json!({ "pending": map })
}

/// `GET /_mock/workspaces`: each workspace with its users, channels and
/// tokens (kind and scopes only, never the text).
fn workspaces(fake: &FakeSlack) -> Value {
    let directory = fake.directory();
    let mut tokens: Vec<Vec<&TokenEntry>> = vec![Vec::new(); directory.workspaces.len()];
    let mut entries: Vec<(&String, &TokenEntry)> = directory.tokens.iter().collect();
    // Sorted by text so the order is stable; the text itself is not sent.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (_, entry) in entries {
        if let Some(list) = tokens.get_mut(entry.workspace) {
            list.push(entry);
        }
    }
    let list: Vec<Value> = directory
        .workspaces
        .iter()
        .zip(tokens)
        .map(|(workspace, tokens)| {
            let users: Vec<Value> = workspace
                .directory
                .iter()
                .map(|id| {
                    let email = workspace
                        .emails
                        .values()
                        .find(|(user, _)| user == id)
                        .map(|(_, email)| email.clone());
                    json!({ "id": id, "email": email })
                })
                .collect();
            let tokens: Vec<Value> = tokens
                .into_iter()
                .map(|t| json!({ "kind": t.kind.to_string(), "scopes": t.scopes }))
                .collect();
            json!({
                "team_id": workspace.team_id,
                "name": workspace.name,
                "users": users,
                "channels": workspace.channels,
                "tokens": tokens,
            })
        })
        .collect();
    json!({ "workspaces": list })
}

/// `POST /_mock/workspaces`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkspaceBody {
    team_id: String,
    name: String,
}

fn add_workspace(fake: &FakeSlack, body: WorkspaceBody) -> Answered {
    check_team_id(&body.team_id).map_err(Refusal::bad)?;
    let mut directory = fake.directory_mut();
    if directory.workspace_index(&body.team_id).is_some() {
        return Err(Refusal::conflict(format!(
            "workspace {} is already there",
            body.team_id
        )));
    }
    directory
        .workspaces
        .push(WorkspaceConfig::empty(&body.team_id, &body.name));
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": body.team_id, "name": body.name }),
    ))
}

/// The workspace a body names, or the default one (the first).
fn workspace_of(
    directory: &super::state::Directory,
    team_id: Option<&str>,
) -> Result<usize, Refusal> {
    match team_id {
        None if !directory.workspaces.is_empty() => Ok(0),
        None => Err(Refusal::not_found(
            "team_not_found",
            "the fake has no workspace",
        )),
        Some(team) => directory.workspace_index(team).ok_or_else(|| {
            Refusal::not_found(
                "team_not_found",
                format!("the fake has no workspace {team}; add it with POST /_mock/workspaces"),
            )
        }),
    }
}

/// `POST /_mock/users`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    team_id: Option<String>,
    id: String,
    email: Option<String>,
}

fn add_user(fake: &FakeSlack, body: UserBody) -> Answered {
    if !is_slack_id(&body.id) {
        return Err(Refusal::bad(format!(
            "`{}` is not a Slack user id (uppercase letters and digits, like U0HRJ1GNB)",
            body.id
        )));
    }
    if let Some(email) = &body.email
        && (email.trim().is_empty() || !email.contains('@'))
    {
        return Err(Refusal::bad(format!("`{email}` is not an email address")));
    }
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    let workspace = &mut directory.workspaces[index];
    if let Some(email) = &body.email
        && let Some((owner, _)) = workspace.emails.get(&email.trim().to_lowercase())
        && *owner != body.id
    {
        return Err(Refusal::conflict(format!(
            "{email} is already the address of {owner}"
        )));
    }
    workspace.add_user(&body.id, body.email.as_deref());
    let email = workspace
        .emails
        .values()
        .find(|(user, _)| *user == body.id)
        .map(|(_, email)| email.clone());
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": workspace.team_id, "id": body.id, "email": email }),
    ))
}

/// `POST /_mock/channels`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelBody {
    team_id: Option<String>,
    id: String,
}

fn add_channel(fake: &FakeSlack, body: ChannelBody) -> Answered {
    if !is_slack_id(&body.id) {
        return Err(Refusal::bad(format!(
            "`{}` is not a Slack channel id (uppercase letters and digits, like C0123ABCD)",
            body.id
        )));
    }
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    let workspace = &mut directory.workspaces[index];
    workspace.channels.insert(body.id.clone());
    Ok((
        StatusCode::CREATED,
        json!({ "team_id": workspace.team_id, "id": body.id }),
    ))
}

/// `POST /_mock/tokens`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    team_id: Option<String>,
    token: String,
    kind: String,
    #[serde(default)]
    scopes: Vec<String>,
}

fn add_token(fake: &FakeSlack, body: TokenBody) -> Answered {
    check_token(&body.token).map_err(Refusal::bad)?;
    let kind = match body.kind.as_str() {
        "bot" => TokenKind::Bot,
        "user" => TokenKind::User,
        "other" => TokenKind::Other,
        other => {
            return Err(Refusal::bad(format!(
                "kind `{other}` is not bot, user or other"
            )));
        }
    };
    let scopes: Vec<String> = body
        .scopes
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let mut directory = fake.directory_mut();
    let index = workspace_of(&directory, body.team_id.as_deref())?;
    if let Some(existing) = directory.tokens.get(&body.token)
        && existing.workspace != index
    {
        // The message does not show the token.
        return Err(Refusal::conflict(
            "this token is a token of another workspace",
        ));
    }
    directory.tokens.insert(
        body.token,
        TokenEntry {
            kind,
            scopes: scopes.clone(),
            workspace: index,
        },
    );
    Ok((
        StatusCode::CREATED,
        json!({
            "team_id": directory.workspaces[index].team_id,
            "kind": kind.to_string(),
            "scopes": scopes,
        }),
    ))
}

/// `POST /_mock/uninstall`: the app leaves the workspace, and every token
/// it held there answers `token_revoked` from then on, exactly as after
/// `apps.uninstall` (one implementation: `AuthState::uninstall`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UninstallBody {
    team_id: String,
}

fn uninstall(fake: &FakeSlack, body: UninstallBody) -> Answered {
    let directory = fake.directory();
    let index = workspace_of(&directory, Some(&body.team_id))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let revoked = fake.lock().auth.uninstall(&directory, index, now);
    Ok(ok(
        json!({ "team_id": body.team_id, "tokens_revoked": revoked }),
    ))
}

/// `GET /_mock/messages`: the messages `chat.postMessage` posted, read
/// from the request log (so within its capacity), oldest first.
fn messages(fake: &FakeSlack) -> Value {
    let state = fake.lock();
    let list: Vec<Value> = state
        .log
        .iter()
        .filter(|entry| entry.method == "chat.postMessage" && entry.outcome.is_ok())
        .map(|entry| {
            let mut message = Map::new();
            message.insert("seq".into(), Value::from(entry.seq));
            for name in ["channel", "text", "blocks", "thread_ts"] {
                if let Some(value) = entry.param(name) {
                    message.insert(name.into(), Value::String(value.to_owned()));
                }
            }
            Value::Object(message)
        })
        .collect();
    json!({ "messages": list })
}

/// `GET /_mock/requests[?method=calls.add]`: the request log.
fn requests(fake: &FakeSlack, query: &str) -> Result<Value, Refusal> {
    let mut method = None;
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "method" => method = Some(value.into_owned()),
            other => {
                return Err(Refusal::bad(format!(
                    "unknown query parameter `{other}`; this endpoint takes `method`"
                )));
            }
        }
    }
    let state = fake.lock();
    let list: Vec<Value> = state
        .log
        .iter()
        .filter(|entry| method.as_deref().is_none_or(|m| entry.method == m))
        .map(logged_json)
        .collect();
    Ok(json!({ "requests": list }))
}

/// One log entry as JSON. The log never holds a token's text.
fn logged_json(entry: &LoggedRequest) -> Value {
    let params: Vec<Value> = entry
        .params
        .iter()
        .map(|(name, value)| json!([name, value]))
        .collect();
    let token_source = entry.token_source.map(|source| match source {
        TokenSource::Bearer => "bearer",
        TokenSource::FormField => "form_field",
        TokenSource::Query => "query",
    });
    let injected = entry.injected.as_ref().map(|injected| match injected {
        Injected::Fault(fault) => json!({ "fault": format!("{fault:?}") }),
        Injected::Scripted(script) => {
            json!({ "script": { "status": script.status(), "error": script.error_code() } })
        }
    });
    let (outcome, error, retry_after, status) = match &entry.outcome {
        super::Outcome::Ok => ("ok", None, None, None),
        super::Outcome::Error(code) => ("error", Some(code.clone()), None, None),
        super::Outcome::RateLimited { retry_after_secs } => {
            ("ratelimited", None, Some(*retry_after_secs), None)
        }
        super::Outcome::Skipped => ("skipped", None, None, None),
        super::Outcome::Refused(status) => ("refused", None, None, Some(*status)),
    };
    json!({
        "seq": entry.seq,
        "method": entry.method,
        "http_method": entry.http_method,
        "content_type": entry.content_type,
        "params": params,
        "token_kind": entry.token_kind.map(|kind| kind.to_string()),
        "token_source": token_source,
        "outcome": outcome,
        "error": error,
        "retry_after": retry_after,
        "status": status,
        "injected": injected,
    })
}

/// `POST /_mock/advance`: moves the rate-limit clock.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvanceBody {
    seconds: f64,
}

fn advance(fake: &FakeSlack, body: AdvanceBody) -> Answered {
    let by = Duration::try_from_secs_f64(body.seconds)
        .map_err(|_| Refusal::bad("`seconds` must be a finite number, zero or more"))?;
    let mut state = fake.lock();
    state.advanced = state.advanced.saturating_add(by);
    Ok(ok(json!({ "advanced_secs": state.advanced.as_secs_f64() })))
}

//! The HTTP side: the accept loop, one hyper connection per socket (so a
//! fault can close it without answering), and the handler that runs a
//! request through scripts, faults and the Slack logic.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header::ALLOW};
use axum::response::Response;
use axum::routing::any;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower_service::Service;

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::answer::{
    Answer, SlackError, add_metadata, broken_body_response, json_response, status_from,
    text_response, truncated_response,
};
use super::calls::{CallStore, Caller, STATEFUL, param_error};
use super::{chat, users};

/// Methods the fake answers from its channel and user directories.
const WORKSPACE: &[&str] = &["chat.postMessage", "users.lookupByEmail"];
use super::faults::{Fault, Injected, Plan};
use super::log::{LoggedRequest, Outcome};
use super::params;
use super::ratelimit::{Clock, Limiter, RateLimits};
use super::request::{self, ParsedRequest};

/// The largest body the fake reads (Slack's own limits are of this order).
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;

/// A token the fake accepts.
#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    pub kind: TokenKind,
    pub scopes: Vec<String>,
}

/// What the fake was started with; fixed for its lifetime.
#[derive(Debug)]
pub(crate) struct Config {
    pub tokens: HashMap<String, TokenEntry>,
    pub directory: BTreeSet<String>,
    /// Lowercased email → (user id, email as given).
    pub emails: BTreeMap<String, (String, String)>,
    /// The conversations `chat.postMessage` can post in.
    pub channels: BTreeSet<String>,
    /// The user every user token acts for: the first of the directory.
    pub acting_user: Option<String>,
    pub methods: BTreeMap<&'static str, &'static MethodInfo>,
    pub rate_limits: RateLimits,
    pub log_capacity: usize,
    pub log_to_stderr: bool,
}

/// What changes while the fake runs.
#[derive(Debug)]
pub(crate) struct MockState {
    pub calls: CallStore,
    pub plans: HashMap<String, VecDeque<(Plan, usize)>>,
    pub log: VecDeque<LoggedRequest>,
    pub next_seq: u64,
    /// Messages `chat.postMessage` posted, for their `ts`.
    pub messages_posted: u64,
    pub limiter: Limiter,
    pub advanced: Duration,
}

/// Everything a handler needs.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    pub clock: Clock,
    pub state: Mutex<MockState>,
}

impl Shared {
    /// The state, even if a thread panicked while holding it (the fake's
    /// own code does not panic; a poisoned lock only means a test's
    /// assertion failed elsewhere).
    pub fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take_plan(&self, method: &str) -> Option<Plan> {
        let mut state = self.lock();
        let queue = state.plans.get_mut(method)?;
        let (plan, remaining) = queue.front_mut()?;
        let plan = plan.clone();
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            queue.pop_front();
        }
        if queue.is_empty() {
            state.plans.remove(method);
        }
        Some(plan)
    }

    fn record(&self, mut entry: LoggedRequest) {
        {
            let mut state = self.lock();
            entry.seq = state.next_seq;
            state.next_seq += 1;
            if self.config.log_capacity > 0 {
                while state.log.len() >= self.config.log_capacity {
                    state.log.pop_front();
                }
                state.log.push_back(entry.clone());
            }
        }
        if self.config.log_to_stderr {
            eprintln!("{entry}");
        }
    }
}

/// Per-connection switch a handler pulls to close its connection without
/// answering.
#[derive(Clone)]
struct ConnectionKill(Arc<Notify>);

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/{method}", any(handle))
        .fallback(not_found)
        .with_state(shared)
}

async fn not_found() -> Response {
    text_response(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "slack-calls-mock serves the Web API under /api/<method>\n".to_owned(),
    )
}

/// Accepts connections until the task is aborted; dropping the task drops
/// every connection with it.
pub(crate) async fn serve(listener: TcpListener, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                // Out of file descriptors and the like: wait, then go on.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let switch = ConnectionKill(kill.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(switch.clone());
        let mut router = router.clone();
        async move {
            let response: Result<Response, Infallible> = router.call(request).await;
            response
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = kill.notified() => {}
    }
}

/// Every `/api/<method>` request ends here.
async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let kill = parts.extensions.get::<ConnectionKill>().cloned();
    let mut entry = LoggedRequest {
        seq: 0,
        method: method.clone(),
        http_method: parts.method.as_str().to_owned(),
        content_type: None,
        params: Vec::new(),
        token_kind: None,
        token_source: None,
        outcome: Outcome::Skipped,
        injected: None,
    };

    if parts.method != Method::POST && parts.method != Method::GET {
        entry.outcome = Outcome::Refused(405);
        shared.record(entry);
        let mut response = text_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "use GET or POST\n".to_owned(),
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(err) => {
            let too_large = std::error::Error::source(&err)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            let (status, text) = if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is over {MAX_BODY} bytes\n"),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    "the body could not be read (cut short or badly framed)\n".to_owned(),
                )
            };
            entry.outcome = Outcome::Refused(status.as_u16());
            shared.record(entry);
            return text_response(status, "text/plain; charset=utf-8", text);
        }
    };

    let parsed = request::parse(&parts.method, parts.uri.query(), &parts.headers, &bytes);
    entry.content_type = parsed.content_type.clone();
    entry.params = parsed
        .params
        .iter()
        .map(|(name, value)| (name.clone(), value.display()))
        .collect();
    entry.token_source = parsed.token_source;
    let token = parsed
        .token
        .as_deref()
        .and_then(|text| shared.config.tokens.get(text).map(|entry| (text, entry)));
    entry.token_kind = token.map(|(_, t)| t.kind);

    let plan = shared.take_plan(&method);
    entry.injected = plan.clone().map(Injected::from);
    let example = || {
        shared
            .config
            .methods
            .get(method.as_str())
            .and_then(|info| serde_json::from_str::<Value>(info.example_response).ok())
    };

    let fault = match plan {
        Some(Plan::Script(script)) => {
            shared.record(entry);
            let body = script.body_json(example().as_ref());
            let bytes = serde_json::to_vec(&body).unwrap_or_default();
            return json_response(status_from(script.status), bytes, None);
        }
        Some(Plan::Fault(fault)) if !fault.runs_logic() => {
            shared.record(entry);
            return skipped_fault(fault, kill).await;
        }
        Some(Plan::Fault(fault)) => Some(fault),
        None => None,
    };

    let answer = slack_logic(&shared, &method, &parsed, token);
    entry.outcome = answer.outcome.clone();
    shared.record(entry);
    match fault {
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            answer.into_response()
        }
        Some(Fault::Truncated) => truncated_response(answer.body_bytes()),
        Some(Fault::BrokenBody) => broken_body_response(answer.body_bytes()),
        Some(Fault::DropAfterHandling) => close_without_answer(kill).await,
        _ => answer.into_response(),
    }
}

/// Faults that replace the whole exchange.
async fn skipped_fault(fault: Fault, kill: Option<ConnectionKill>) -> Response {
    match fault {
        Fault::Status(code) => {
            let status = status_from(code);
            text_response(
                status,
                "text/plain; charset=utf-8",
                format!(
                    "{} {} (fault injected by slack-calls-mock)\n",
                    status.as_u16(),
                    status.canonical_reason().unwrap_or("")
                ),
            )
        }
        Fault::RateLimited { retry_after_secs } => {
            Answer::rate_limited(retry_after_secs).into_response()
        }
        Fault::NotJson => text_response(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Slack is having trouble</title></head>\
             <body><h1>Something went wrong</h1><p>fault injected by slack-calls-mock</p></body></html>\n"
                .to_owned(),
        ),
        _ => close_without_answer(kill).await,
    }
}

/// Closes the connection this request came on; the response is never sent.
async fn close_without_answer(kill: Option<ConnectionKill>) -> Response {
    if let Some(ConnectionKill(notify)) = kill {
        notify.notify_one();
        // The connection task drops this future with the connection.
        std::future::pending::<()>().await;
    }
    // Without a connection switch (not served by `serve`), the closest
    // thing: an empty 500.
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}

/// Unix seconds now.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// What Slack would answer: method, body, auth, scopes, rate limit, params,
/// then the method's own logic.
fn slack_logic(
    shared: &Shared,
    name: &str,
    parsed: &ParsedRequest,
    token: Option<(&str, &TokenEntry)>,
) -> Answer {
    let mut answer = slack_logic_inner(shared, name, parsed, token);
    add_metadata::<&str, &str>(&mut answer.body, &parsed.warnings, &[]);
    answer
}

fn slack_logic_inner(
    shared: &Shared,
    name: &str,
    parsed: &ParsedRequest,
    token: Option<(&str, &TokenEntry)>,
) -> Answer {
    let Some(&method) = shared.config.methods.get(name) else {
        return Answer::error(
            &SlackError::new("unknown_method")
                .because(format!("the fake serves no method `{name}`"))
                .field("req_method", Value::String(name.to_owned())),
        );
    };
    if let Some(problem) = &parsed.problem {
        return Answer::error(problem);
    }
    let Some((token_text, token)) = token else {
        if parsed.token.is_some() {
            return Answer::error(
                &SlackError::new("invalid_auth")
                    .because("the fake was not started with this token"),
            );
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

    let mut state = shared.lock();
    let now = shared.clock.now(state.advanced);
    if let Err(retry_after) =
        state
            .limiter
            .admit(shared.config.rate_limits, token_text, method, now)
    {
        return Answer::rate_limited(retry_after);
    }

    let workspace = WORKSPACE.contains(&method.name);
    let stateful = STATEFUL.contains(&method.name);
    let params = match params::check(method, &parsed.params, token.kind) {
        Ok(params) => params,
        Err(problem) => {
            let error = stateful
                .then(|| param_error(method, &problem))
                .flatten()
                .or_else(|| {
                    workspace
                        .then(|| chat::param_error(method.name, &problem))
                        .flatten()
                })
                .unwrap_or_else(|| problem.default_error(method));
            return Answer::error(&error);
        }
    };

    if workspace {
        let caller = Caller {
            kind: token.kind,
            user: shared.config.acting_user.as_deref(),
        };
        let state = &mut *state;
        let result = if method.name == "chat.postMessage" {
            chat::post_message(
                &params,
                &caller,
                &shared.config.channels,
                &mut state.calls,
                &mut state.messages_posted,
                unix_now(),
            )
        } else {
            users::lookup_by_email(&params, &shared.config.emails)
        };
        return match result {
            Ok(body) => Answer::ok(body),
            Err(error) => Answer::error(&error),
        };
    }
    if stateful {
        let caller = Caller {
            kind: token.kind,
            user: shared.config.acting_user.as_deref(),
        };
        return match state.calls.handle(
            method,
            &params,
            &caller,
            &shared.config.directory,
            unix_now(),
        ) {
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

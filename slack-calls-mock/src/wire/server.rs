//! The HTTP side: the accept loop, one hyper connection per socket (so a
//! fault can close it without answering), and the handler that runs a
//! request through scripts, faults and the Slack logic
//! ([`dispatch`](crate::api::dispatch)).

use std::collections::hash_map::RandomState;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header::ALLOW};
use axum::response::Response;
use axum::routing::{any, get, post};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tower_service::Service;

use crate::api::dispatch::slack_logic;
use crate::authorize;
use crate::control;
use crate::page;
use crate::state::fake::FakeSlack;
use crate::state::faults::{Fault, Injected, Plan, Scripted};
use crate::state::log::LoggedRequest;
use crate::wire::answer::{
    Answer, Verdict, broken_body_response, slack_response, status_from, text_response,
    truncated_response,
};
use crate::wire::request;

/// The largest body the fake reads (Slack's own limits are of this order).
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;

/// The id Slack gives every answer, for support requests.
const X_SLACK_REQ_ID: HeaderName = HeaderName::from_static("x-slack-req-id");

/// A fresh `x-slack-req-id`: 32 hex digits, unique within the process.
fn next_request_id() -> HeaderValue {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: OnceLock<u64> = OnceLock::new();
    let seed = *SEED.get_or_init(|| RandomState::new().hash_one("x-slack-req-id"));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let text = format!(
        "{seed:016x}{:016x}",
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed
    );
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static("0"))
}

/// Per-connection switch a handler pulls to close its connection without
/// answering.
#[derive(Clone)]
struct ConnectionKill(Arc<Notify>);

pub(crate) fn router(fake: Arc<FakeSlack>) -> Router {
    Router::new()
        .route("/api/{method}", any(handle))
        .route("/oauth/v2/authorize", get(authorize::authorize))
        .route(authorize::DECIDE_PATH, post(authorize::decide))
        .route("/", get(page::index))
        .route("/page.css", get(page::css))
        .route("/page.js", get(page::js))
        .route("/_mock/page/snapshot", get(page::snapshot))
        .route("/_mock/page/fragment", get(page::fragment))
        .route("/_mock", any(control::handle))
        .route("/_mock/", any(control::handle))
        .route("/_mock/{*path}", any(control::handle))
        .fallback(not_found)
        .with_state(fake)
}

async fn not_found() -> Response {
    text_response(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "slack-calls-mock serves the Web API under /api/<method>, installs at /oauth/v2/authorize \
         and its controls under /_mock/\n"
            .to_owned(),
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
            response.map(|mut response| {
                response
                    .headers_mut()
                    .insert(X_SLACK_REQ_ID, next_request_id());
                response
            })
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
    State(fake): State<Arc<FakeSlack>>,
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
        team_id: None,
        outcome: Verdict::Skipped,
        injected: None,
        at: fake.now(),
    };

    if parts.method != Method::POST && parts.method != Method::GET {
        entry.outcome = Verdict::Refused(405);
        fake.record(entry);
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
            entry.outcome = Verdict::Refused(status.as_u16());
            fake.record(entry);
            return text_response(status, "text/plain; charset=utf-8", text);
        }
    };

    let parsed = request::parse(&parts.method, parts.uri.query(), &parts.headers, &bytes);
    entry.content_type = parsed.content_type.clone();
    // Only a log someone reads needs the params (a copy of each).
    if fake.config.log_capacity > 0 || fake.config.log_to_stderr {
        // An OAuth code or refresh token is as secret as a token: the log
        // keeps only that one was sent.
        let secret =
            |name: &str| method.starts_with("oauth.") && matches!(name, "code" | "refresh_token");
        entry.params = parsed
            .params
            .iter()
            .map(|(name, value)| {
                let shown = if secret(name) {
                    "<redacted>".to_owned()
                } else {
                    value.display()
                };
                (name.clone(), shown)
            })
            .collect();
    }
    entry.token_source = parsed.token_source;

    // The directory's read lock is held while the logic runs; the block
    // has no await, so the lock is never held across one.
    let step = {
        let directory = fake.directory();
        let token = parsed
            .token
            .as_deref()
            .and_then(|text| directory.tokens.get(text).map(|entry| (text, entry)));
        entry.token_kind = token.map(|(_, t)| t.kind);
        entry.team_id = token
            .and_then(|(_, t)| directory.workspaces.get(t.workspace))
            .map(|workspace| workspace.team_id.clone());
        let plan = fake.take_plan(&method);
        entry.injected = plan.clone().map(Injected::from);
        match plan {
            Some(Plan::Script(script)) => Step::Script(script),
            Some(Plan::Fault(fault)) if !fault.runs_logic() => Step::Skip(fault),
            fault => Step::Answer(
                slack_logic(&fake, &directory, &method, &parsed, token),
                match fault {
                    Some(Plan::Fault(fault)) => Some(fault),
                    _ => None,
                },
            ),
        }
    };
    let (answer, fault) = match step {
        Step::Script(script) => {
            fake.record(entry);
            let example = fake
                .config
                .methods
                .get(method.as_str())
                .and_then(|info| serde_json::from_str::<Value>(info.example_response).ok());
            let body = script.body_json(example.as_ref());
            return slack_response(status_from(script.status), &body, None);
        }
        Step::Skip(fault) => {
            fake.record(entry);
            return skipped_fault(fault, kill).await;
        }
        Step::Answer(answer, fault) => (answer, fault),
    };
    entry.outcome = answer.outcome.clone();
    fake.record(entry);
    if method == "apps.uninstall" || method == "auth.revoke" {
        // The family revoked under the state lock and queued the events;
        // they go now that the lock is free (sent in the background).
        fake.send_uninstall_events();
    }
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

/// What a request meets once its token and queued injection are known.
enum Step {
    /// A scripted answer, sent as it is.
    Script(Scripted),
    /// A fault that replaces the whole exchange.
    Skip(Fault),
    /// The fake's own answer, and a fault that reshapes it.
    Answer(Answer, Option<Fault>),
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

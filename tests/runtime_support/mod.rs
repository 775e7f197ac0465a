//! A small scripted HTTP/1.1 server on 127.0.0.1 for the runtime tests, and
//! hand-written method tables shaped like the generated ones.
//!
//! The server answers each request with the next scripted [`Reply`] for its
//! path (or the default), can enforce "at most N requests in any window" on
//! a [`TestClock`]'s virtual time, and logs every request it read, stamped
//! with that virtual time. Every connection serves one request and closes,
//! so the transport never reuses a connection behind the test's back.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use slack_calls::method::{HttpMethod, ParamInfo, ParamKind, RateTier, Required};
use slack_calls::{
    Check, Client, ClientBuilder, Error, ErrorCode, Form, MethodInfo, ResponseMeta, TestClock,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// HTTP 200 with this JSON body.
    Json(String),
    /// This status, body and extra headers.
    Status(u16, String, Vec<(String, String)>),
    /// HTTP 429 with this `Retry-After` header (none when `None`).
    RateLimited(Option<String>),
    /// Reads the request, then closes the connection without answering.
    Drop,
    /// Reads the request, then never answers.
    Hang,
    /// Sends headers announcing a longer body than it sends, then closes.
    Truncated(String),
    /// Echoes the request's `Authorization` header in a JSON body with this
    /// status (a misbehaving server or proxy).
    EchoAuth(u16),
    /// Echoes it in a text body with this status, after `pad` characters
    /// (to place it across the cut of an error's body snippet).
    EchoAuthText(u16, usize),
    /// Echoes it as the title of the call in a successful answer.
    EchoAuthOk,
    /// Waits this long (real time), then answers `{"ok":true,...}`.
    Delayed(Duration),
}

impl Reply {
    /// `{"ok":true,"call":{...}}` with a complete call `R1`.
    pub fn ok() -> Reply {
        Reply::Json(OK_BODY.to_owned())
    }

    /// `{"ok":false,"error":code}`
    pub fn error(code: &str) -> Reply {
        Reply::Json(format!(r#"{{"ok":false,"error":"{code}"}}"#))
    }

    /// A 429 with `Retry-After: secs`.
    pub fn retry_after(secs: u64) -> Reply {
        Reply::RateLimited(Some(secs.to_string()))
    }

    /// A bare status with a short body.
    pub fn status(status: u16) -> Reply {
        Reply::Status(status, "upstream trouble".to_owned(), Vec::new())
    }
}

/// A successful answer carrying a complete call (what the generated
/// responses need).
pub const OK_BODY: &str = r#"{"ok":true,"call":{"id":"R1","date_start":1600000000,"external_unique_id":"ext-1","join_url":"https://example.com/1"}}"#;

/// One request the server read.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`, `GET`.
    pub verb: String,
    /// The path without the leading `/`, e.g. `api/calls.add`.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// Virtual time of arrival (zero without a clock).
    pub at: Duration,
    /// Whether the server answered it with a 429.
    pub rate_limited: bool,
}

impl Recorded {
    /// The header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The method name, the last path segment.
    pub fn method(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or("")
    }

    /// The form field `name`.
    pub fn field(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.body.as_bytes())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
    }
}

struct Limit {
    per_window: usize,
    window: Duration,
}

struct State {
    log: Vec<Recorded>,
    scripts: HashMap<String, VecDeque<Reply>>,
    default: Reply,
    /// Accepted arrival times per method, for the window limit.
    accepted: HashMap<String, Vec<Duration>>,
}

struct Shared {
    state: Mutex<State>,
    clock: Option<TestClock>,
    limit: Option<Limit>,
}

/// The scripted server. Dropping it stops accepting connections.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Server {
    /// A server answering `{"ok":true,...}` unless scripted otherwise.
    pub async fn start() -> Server {
        Server::build(None, None).await
    }

    /// A server that stamps requests with `clock`'s virtual time.
    pub async fn with_clock(clock: &TestClock) -> Server {
        Server::build(Some(clock.clone()), None).await
    }

    /// A server that, like Slack, answers 429 when a method gets more than
    /// `per_window` requests in any `window` of `clock`'s virtual time.
    pub async fn with_limit(clock: &TestClock, per_window: usize, window: Duration) -> Server {
        Server::build(Some(clock.clone()), Some(Limit { per_window, window })).await
    }

    /// Listens on `addr` (to bring a refused port back to life).
    pub async fn start_on(addr: SocketAddr, clock: Option<&TestClock>) -> Server {
        let listener = TcpListener::bind(addr).await.expect("bind the same port");
        Server::serve(listener, clock.cloned(), None)
    }

    async fn build(clock: Option<TestClock>, limit: Option<Limit>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        Server::serve(listener, clock, limit)
    }

    fn serve(listener: TcpListener, clock: Option<TestClock>, limit: Option<Limit>) -> Server {
        let addr = listener.local_addr().expect("local addr");
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                log: Vec::new(),
                scripts: HashMap::new(),
                default: Reply::ok(),
                accepted: HashMap::new(),
            }),
            clock,
            limit,
        });
        let for_task = Arc::clone(&shared);
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(handle(stream, Arc::clone(&for_task)));
            }
        });
        Server {
            addr,
            shared,
            accept,
        }
    }

    /// The base URL to give the client (`http://127.0.0.1:port/api/`).
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues `replies` for the next requests to `method`.
    pub fn script(&self, method: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut state = self.shared.state.lock().unwrap();
        state
            .scripts
            .entry(method.to_owned())
            .or_default()
            .extend(replies);
    }

    /// The reply when nothing is scripted.
    pub fn set_default(&self, reply: Reply) {
        self.shared.state.lock().unwrap().default = reply;
    }

    /// Every request read so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.state.lock().unwrap().log.clone()
    }

    /// How many requests for `method` were read.
    pub fn count(&self, method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method() == method)
            .count()
    }

    /// Arrival times of the requests for `method`.
    pub fn times(&self, method: &str) -> Vec<Duration> {
        self.requests()
            .iter()
            .filter(|r| r.method() == method)
            .map(|r| r.at)
            .collect()
    }

    /// Waits (real time, bounded) until `n` requests have been read.
    pub async fn wait_for_requests(&self, n: usize) {
        for _ in 0..2_000 {
            if self.requests().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!(
            "expected {n} requests, the server read {}",
            self.requests().len()
        );
    }
}

/// Awaits a spawned call, failing the test instead of hanging when it never
/// finishes (real time, bounded).
pub async fn join<T>(task: tokio::task::JoinHandle<T>) -> T {
    match tokio::time::timeout(Duration::from_secs(10), task).await {
        Ok(Ok(value)) => value,
        Ok(Err(err)) => panic!("the task failed: {err}"),
        Err(_) => panic!("the call did not finish: is it waiting for a later time?"),
    }
}

/// Waits (real time, bounded) until `clock` has been asked for `n` sleeps.
pub async fn wait_for_sleep_count(clock: &TestClock, n: usize) {
    for _ in 0..2_000 {
        if clock.sleeps().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("expected {n} sleeps, found {:?}", clock.sleeps());
}

/// Waits (real time, bounded) until `n` sleeps are pending on `clock`.
pub async fn wait_for_sleepers(clock: &TestClock, n: usize) {
    for _ in 0..2_000 {
        if clock.pending_sleeps() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "expected {n} pending sleeps, found {}",
        clock.pending_sleeps()
    );
}

async fn handle(mut stream: TcpStream, shared: Arc<Shared>) {
    let Some(mut request) = read_request(&mut stream).await else {
        return;
    };
    request.at = shared
        .clock
        .as_ref()
        .map_or(Duration::ZERO, TestClock::elapsed);
    let method = request.method().to_owned();
    let reply = {
        let mut state = shared.state.lock().unwrap();
        let over_limit = shared.limit.as_ref().and_then(|limit| {
            let accepted = state.accepted.entry(method.clone()).or_default();
            let recent: Vec<Duration> = accepted
                .iter()
                .copied()
                .filter(|t| request.at.saturating_sub(*t) < limit.window)
                .collect();
            if recent.len() >= limit.per_window {
                let oldest = recent.iter().min().copied().unwrap_or(request.at);
                let free_at = oldest + limit.window;
                Some(free_at.saturating_sub(request.at).as_secs_f64().ceil() as u64)
            } else {
                accepted.push(request.at);
                None
            }
        });
        match over_limit {
            Some(secs) => Reply::retry_after(secs.max(1)),
            None => {
                let default = state.default.clone();
                state
                    .scripts
                    .get_mut(&method)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or(default)
            }
        }
    };
    request.rate_limited = matches!(reply, Reply::RateLimited(_));
    let auth = request.header("authorization").unwrap_or("").to_owned();
    shared.state.lock().unwrap().log.push(request);
    let response = match reply {
        Reply::Json(body) => response(200, &body, &[]),
        Reply::Status(status, body, headers) => response(status, &body, &headers),
        Reply::RateLimited(retry_after) => {
            let headers: Vec<(String, String)> = retry_after
                .map(|value| vec![("Retry-After".to_owned(), value)])
                .unwrap_or_default();
            response(429, r#"{"ok":false,"error":"ratelimited"}"#, &headers)
        }
        Reply::Drop => return,
        Reply::Delayed(delay) => {
            tokio::time::sleep(delay).await;
            response(200, OK_BODY, &[])
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3_600)).await;
            return;
        }
        Reply::Truncated(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len() + 100
            );
            format!("{head}{body}")
        }
        Reply::EchoAuth(status) => response(
            status,
            &format!(r#"{{"ok":false,"error":"invalid_auth","echo":"you sent {auth}"}}"#),
            &[],
        ),
        Reply::EchoAuthText(status, pad) => {
            response(status, &format!("{}you sent {auth}", "x".repeat(pad)), &[])
        }
        Reply::EchoAuthOk => response(
            200,
            &OK_BODY.replace(r#""id":"R1""#, &format!(r#""id":"R1","title":"{auth}""#)),
            &[],
        ),
    };
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn response(status: u16, body: &str, headers: &[(String, String)]) -> String {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    format!("{head}\r\n{body}")
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let verb = first.next()?.to_owned();
    let target = first.next()?.trim_start_matches('/').to_owned();
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target, None),
    };
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        verb,
        path,
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Duration::ZERO,
        rate_limited: false,
    })
}

// ---------------------------------------------------------------------------
// Method tables and types shaped like the generated ones.

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
    http: HttpMethod::Post,
    rate_tier: RateTier::Tier3,
    idempotent: true,
    bot_scopes: &["calls:read"],
    user_scopes: &["calls:read"],
    params: &[ID],
    errors: &["not_implemented"],
    done_on_resend: &[],
    example_response: "{}",
};

/// `calls.end`: tier 3, idempotent.
pub static END: MethodInfo = MethodInfo {
    name: "calls.end",
    summary: "Ends a Call.",
    docs_url: "https://api.slack.com/methods/calls.end",
    http: HttpMethod::Post,
    rate_tier: RateTier::Tier3,
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
    done_on_resend: &["inactive_call"],
    example_response: "{}",
};

const USERS: ParamKind = ParamKind::List(&ParamKind::Object("CallUser"));

/// `calls.add`: tier 3, not idempotent.
pub static ADD: MethodInfo = MethodInfo {
    name: "calls.add",
    summary: "Registers a new Call.",
    docs_url: "https://api.slack.com/methods/calls.add",
    http: HttpMethod::Post,
    rate_tier: RateTier::Tier3,
    idempotent: false,
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
    done_on_resend: &[],
    example_response: "{}",
};

/// `calls.participants.add`: tier 3, not idempotent, at least one user.
pub static PARTICIPANTS_ADD: MethodInfo = MethodInfo {
    name: "calls.participants.add",
    summary: "Registers new participants added to a Call.",
    docs_url: "https://api.slack.com/methods/calls.participants.add",
    http: HttpMethod::Post,
    rate_tier: RateTier::Tier3,
    idempotent: false,
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
    done_on_resend: &[],
    example_response: "{}",
};

/// A tier-2 method sent as GET, to check tiers and query strings.
pub static TIER2_GET: MethodInfo = MethodInfo {
    name: "calls.tier2",
    summary: "A tier-2 GET method for tests.",
    docs_url: "https://example.invalid/",
    http: HttpMethod::Get,
    rate_tier: RateTier::Tier2,
    idempotent: true,
    bot_scopes: &[],
    user_scopes: &[],
    params: &[ID],
    errors: &[],
    done_on_resend: &[],
    example_response: "{}",
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

//! Slack's answers as the fake builds them: the JSON envelope, errors with
//! their metadata, the outcome the request log records, and the HTTP
//! response around them.

use std::fmt;

use axum::body::Body;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

/// Slack's `{"ok": false, "error": ...}` with what goes with it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SlackError {
    pub code: String,
    pub messages: Vec<String>,
    pub needed: Option<String>,
    pub provided: Option<String>,
    /// Extra top-level fields (such as `req_method` for `unknown_method`).
    pub extra: Vec<(&'static str, Value)>,
}

impl SlackError {
    pub fn new(code: impl Into<String>) -> SlackError {
        SlackError {
            code: code.into(),
            messages: Vec::new(),
            needed: None,
            provided: None,
            extra: Vec::new(),
        }
    }

    /// Adds a `response_metadata.messages` line, prefixed `[ERROR] `.
    pub fn because(mut self, text: impl AsRef<str>) -> SlackError {
        self.messages.push(format!("[ERROR] {}", text.as_ref()));
        self
    }

    pub fn field(mut self, name: &'static str, value: Value) -> SlackError {
        self.extra.push((name, value));
        self
    }

    /// The body as JSON (for tests and rare paths); the same text as
    /// [`SlackError::to_bytes`].
    #[cfg(test)]
    pub fn to_json(&self) -> Value {
        serde_json::from_slice(&self.to_bytes()).unwrap_or(Value::Null)
    }

    /// The body, written straight to bytes: `ok` first, then the other
    /// fields in the order a JSON object of them would print (by name).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut fields: Vec<(&str, Field<'_>)> = Vec::with_capacity(4 + self.extra.len());
        fields.push(("error", Field::Str(&self.code)));
        if let Some(needed) = &self.needed {
            fields.push(("needed", Field::Str(needed)));
        }
        if let Some(provided) = &self.provided {
            fields.push(("provided", Field::Str(provided)));
        }
        for (name, value) in &self.extra {
            fields.retain(|(key, _)| key != name);
            fields.push((name, Field::Json(value)));
        }
        if !self.messages.is_empty() {
            fields.retain(|(key, _)| *key != "response_metadata");
            fields.push(("response_metadata", Field::Messages(&self.messages)));
        }
        fields.sort_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(b"{\"ok\":false");
        for (name, field) in fields {
            out.push(b',');
            write_str(&mut out, name);
            out.push(b':');
            match field {
                Field::Str(text) => write_str(&mut out, text),
                Field::Json(value) => write_value(&mut out, value),
                Field::Messages(messages) => {
                    out.extend_from_slice(b"{\"messages\":[");
                    for (i, message) in messages.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        write_str(&mut out, message);
                    }
                    out.extend_from_slice(b"]}");
                }
            }
        }
        out.push(b'}');
        out
    }
}

/// One field of an error body.
enum Field<'a> {
    Str(&'a str),
    Json(&'a Value),
    Messages(&'a [String]),
}

/// Appends `text` as a JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing to a Vec cannot fail, and a str always serialises.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// Appends `value` as compact JSON.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    // Writing to a Vec cannot fail, and a Value always serialises.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A successful family answer: a JSON tree, or a body already written
/// straight to bytes (`{"ok":true,...}`, `ok` first), the fast way for
/// the hot paths.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Json(Value),
    Bytes(Vec<u8>),
}

impl From<Value> for Reply {
    fn from(value: Value) -> Reply {
        Reply::Json(value)
    }
}

/// A JSON object body written straight to bytes, `ok` first; fields go
/// in the order they are written (callers write them by name, as a
/// `serde_json` map would print them).
pub(crate) struct OkBody {
    out: Vec<u8>,
}

impl OkBody {
    /// `{"ok":true`.
    pub fn new() -> OkBody {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"ok\":true");
        OkBody { out }
    }

    /// Starts the field `name`; the caller writes its value to the buffer.
    pub fn field(&mut self, name: &str) -> &mut Vec<u8> {
        self.out.push(b',');
        write_str(&mut self.out, name);
        self.out.push(b':');
        &mut self.out
    }

    pub fn finish(mut self) -> Reply {
        self.out.push(b'}');
        Reply::Bytes(self.out)
    }
}

/// What the fake's Slack logic decided for a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// Answered `"ok": true`; for a stateful method the change was applied.
    Ok,
    /// Answered HTTP 200 with `"ok": false` and this error code; nothing
    /// changed.
    Error(String),
    /// Refused by the fake's rate limiter (HTTP 429); nothing changed.
    RateLimited {
        /// The `Retry-After` sent, in real seconds even when the fake's
        /// clock runs faster (see
        /// [`MockSlackBuilder::time_scale`](crate::MockSlackBuilder::time_scale)).
        retry_after_secs: u64,
    },
    /// A scripted answer or a fault that does not run the logic took the
    /// request: nothing was checked or changed.
    Skipped,
    /// Refused at the HTTP level with this status before any Slack logic
    /// (405 for a verb other than GET and POST, 413 for a body over the
    /// size limit, 400 for a body cut short or badly framed).
    Refused(u16),
}

impl Verdict {
    /// True for [`Verdict::Ok`].
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Ok)
    }

    /// The Slack error code, for [`Verdict::Error`].
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Verdict::Error(code) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Ok => f.write_str("ok"),
            Verdict::Error(code) => write!(f, "error {code}"),
            Verdict::RateLimited { retry_after_secs } => {
                write!(f, "ratelimited (retry after {retry_after_secs}s)")
            }
            Verdict::Skipped => f.write_str("skipped"),
            Verdict::Refused(status) => write!(f, "refused with HTTP {status}"),
        }
    }
}

/// What the fake's Slack logic answers, before any fault reshapes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Reply,
    pub retry_after: Option<u64>,
    pub outcome: Verdict,
    /// `x-oauth-scopes`: the scopes of the token the request carried.
    pub oauth_scopes: Option<String>,
    /// `x-accepted-oauth-scopes`: the scopes the method accepts.
    pub accepted_scopes: Option<String>,
}

impl Answer {
    fn new(status: StatusCode, body: Reply, outcome: Verdict) -> Answer {
        Answer {
            status,
            body,
            retry_after: None,
            oauth_scopes: None,
            accepted_scopes: None,
            outcome,
        }
    }

    /// `HTTP 200` with `"ok": true` and the given fields.
    pub fn ok(body: impl Into<Reply>) -> Answer {
        Answer::new(StatusCode::OK, body.into(), Verdict::Ok)
    }

    /// HTTP 200 with a body taken as is (an `example_response`); the
    /// outcome follows its `ok` field.
    pub fn from_body(body: Value) -> Answer {
        let outcome = match body.get("ok") {
            Some(Value::Bool(false)) => Verdict::Error(
                body.get("error")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            ),
            _ => Verdict::Ok,
        };
        Answer::new(StatusCode::OK, Reply::Json(body), outcome)
    }

    pub fn error(error: &SlackError) -> Answer {
        Answer::new(
            StatusCode::OK,
            Reply::Bytes(error.to_bytes()),
            Verdict::Error(error.code.clone()),
        )
    }

    pub fn rate_limited(retry_after_secs: u64) -> Answer {
        let mut answer = Answer::new(
            StatusCode::TOO_MANY_REQUESTS,
            Reply::Bytes(br#"{"ok":false,"error":"ratelimited"}"#.to_vec()),
            Verdict::RateLimited { retry_after_secs },
        );
        answer.retry_after = Some(retry_after_secs);
        answer
    }

    /// Adds warnings (see [`add_metadata`]); a body already in bytes is
    /// read back first (warnings are rare: a charset the fake remarks on).
    pub fn add_warnings<W: AsRef<str>>(&mut self, warnings: &[W]) {
        if warnings.is_empty() {
            return;
        }
        let mut body = match &mut self.body {
            Reply::Json(value) => std::mem::take(value),
            Reply::Bytes(bytes) => match serde_json::from_slice::<Value>(bytes) {
                Ok(value) => value,
                // The fake's own bytes are JSON; leave anything else alone.
                Err(_) => return,
            },
        };
        add_metadata::<W, &str>(&mut body, warnings, &[]);
        self.body = Reply::Json(body);
    }

    /// The JSON text of the body, `ok` first.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Reply::Json(value) => body_bytes(value),
            Reply::Bytes(bytes) => bytes.clone(),
        }
    }

    pub fn into_response(self) -> Response {
        let failure = match &self.outcome {
            Verdict::Error(code) => Some(code.as_str()),
            Verdict::RateLimited { .. } => Some("ratelimited"),
            _ => None,
        }
        .and_then(|code| HeaderValue::from_str(code).ok());
        let bytes = match self.body {
            Reply::Json(value) => body_bytes(&value),
            Reply::Bytes(bytes) => bytes,
        };
        let mut response = json_response(self.status, bytes, self.retry_after);
        let headers = response.headers_mut();
        if let Some(failure) = failure {
            headers.insert(X_SLACK_FAILURE, failure);
        }
        for (name, value) in [
            (X_OAUTH_SCOPES, self.oauth_scopes),
            (X_ACCEPTED_OAUTH_SCOPES, self.accepted_scopes),
        ] {
            if let Some(value) = value
                && let Ok(value) = HeaderValue::from_str(&value)
            {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// The scopes of the token a request carried.
pub(crate) const X_OAUTH_SCOPES: HeaderName = HeaderName::from_static("x-oauth-scopes");
/// The scopes the method accepts.
pub(crate) const X_ACCEPTED_OAUTH_SCOPES: HeaderName =
    HeaderName::from_static("x-accepted-oauth-scopes");
/// The error code of an `"ok": false` answer.
pub(crate) const X_SLACK_FAILURE: HeaderName = HeaderName::from_static("x-slack-failure");

/// The JSON text of a body, with `ok` first as in every body Slack was
/// seen to send (serde_json's map would put it in alphabetical order).
pub(crate) fn body_bytes(body: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let Value::Object(map) = body else {
        write_value(&mut out, body);
        return out;
    };
    let Some(ok) = map.get("ok") else {
        write_value(&mut out, body);
        return out;
    };
    out.extend_from_slice(b"{\"ok\":");
    write_value(&mut out, ok);
    for (key, value) in map.iter().filter(|(key, _)| *key != "ok") {
        out.push(b',');
        write_str(&mut out, key);
        out.push(b':');
        write_value(&mut out, value);
    }
    out.push(b'}');
    out
}

/// A JSON answer as Slack sends it: `ok` first, and `x-slack-failure` with
/// the code when `ok` is false.
pub(crate) fn slack_response(
    status: StatusCode,
    body: &Value,
    retry_after: Option<u64>,
) -> Response {
    let mut response = json_response(status, body_bytes(body), retry_after);
    add_failure_header(response.headers_mut(), body);
    response
}

fn add_failure_header(headers: &mut HeaderMap, body: &Value) {
    if body.get("ok") == Some(&Value::Bool(false))
        && let Some(code) = body.get("error").and_then(Value::as_str)
        && let Ok(value) = HeaderValue::from_str(code)
    {
        headers.insert(X_SLACK_FAILURE, value);
    }
}

/// Adds warnings (top-level `warning`, comma-separated, and
/// `response_metadata.warnings`) and messages to a JSON object body.
pub(crate) fn add_metadata<W: AsRef<str>, M: AsRef<str>>(
    body: &mut Value,
    warnings: &[W],
    messages: &[M],
) {
    if warnings.is_empty() && messages.is_empty() {
        return;
    }
    let Value::Object(map) = body else {
        return;
    };
    if !warnings.is_empty() {
        let joined: Vec<&str> = warnings.iter().map(AsRef::as_ref).collect();
        let text = match map.get("warning").and_then(Value::as_str) {
            Some(existing) if !existing.is_empty() => format!("{existing},{}", joined.join(",")),
            _ => joined.join(","),
        };
        map.insert("warning".into(), Value::String(text));
    }
    let meta = map
        .entry("response_metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    if let Value::Object(meta) = meta {
        for (key, items) in [
            (
                "warnings",
                warnings.iter().map(|w| w.as_ref()).collect::<Vec<_>>(),
            ),
            (
                "messages",
                messages.iter().map(|m| m.as_ref()).collect::<Vec<_>>(),
            ),
        ] {
            if items.is_empty() {
                continue;
            }
            let list = meta.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            if let Value::Array(list) = list {
                list.extend(items.into_iter().map(|s| Value::String(s.to_owned())));
            }
        }
    }
}

/// A status code from a number, with anything out of range sent as 500.
pub(crate) fn status_from(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub(crate) fn json_response(
    status: StatusCode,
    body: Vec<u8>,
    retry_after: Option<u64>,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(secs) = retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

pub(crate) fn text_response(
    status: StatusCode,
    content_type: &'static str,
    text: String,
) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A 200 whose body is the first half of `full`, as a complete HTTP message.
pub(crate) fn truncated_response(full: Vec<u8>) -> Response {
    let mut cut = full;
    cut.truncate(cut.len() / 2);
    json_response(StatusCode::OK, cut, None)
}

/// A 200 that announces `full.len()` bytes, sends half and then fails.
pub(crate) fn broken_body_response(full: Vec<u8>) -> Response {
    let announced = full.len();
    let mut half = full;
    half.truncate(announced / 2);
    let mut response = Response::new(Body::new(BrokenBody { first: Some(half) }));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(announced));
    response
}

/// A body that yields one chunk, then an error, which makes hyper close the
/// connection before the announced length was sent.
struct BrokenBody {
    first: Option<Vec<u8>>,
}

impl http_body::Body for BrokenBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.first.take() {
            Some(chunk) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk.into())))),
            None => std::task::Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "slack-calls-mock: broken body fault",
            )))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_goes_in_both_warning_fields() {
        let mut body = json!({ "ok": true, "warning": "superfluous_charset" });
        add_metadata(&mut body, &["missing_charset"], &["[WARN] look"]);
        assert_eq!(
            body,
            json!({
                "ok": true,
                "warning": "superfluous_charset,missing_charset",
                "response_metadata": { "warnings": ["missing_charset"], "messages": ["[WARN] look"] }
            })
        );
    }

    #[test]
    fn metadata_leaves_non_objects_alone() {
        let mut body = json!([1, 2]);
        add_metadata(&mut body, &["w"], &["m"]);
        assert_eq!(body, json!([1, 2]));
        let mut body = json!({ "ok": true, "response_metadata": 5 });
        add_metadata::<&str, &str>(&mut body, &[], &["m"]);
        assert_eq!(body["response_metadata"]["messages"], json!(["m"]));
    }

    #[test]
    fn errors_carry_scope_fields_and_messages() {
        let mut error = SlackError::new("missing_scope").because("needs calls:write");
        error.needed = Some("calls:write".into());
        error.provided = Some("calls:read".into());
        assert_eq!(
            error.to_json(),
            json!({
                "ok": false, "error": "missing_scope", "needed": "calls:write", "provided": "calls:read",
                "response_metadata": { "messages": ["[ERROR] needs calls:write"] }
            })
        );
    }

    #[test]
    fn bodies_put_ok_first() {
        let body = json!({ "call": { "id": "R1" }, "ok": true, "error": "x" });
        assert_eq!(
            String::from_utf8(body_bytes(&body)).unwrap(),
            r#"{"ok":true,"call":{"id":"R1"},"error":"x"}"#
        );
        assert_eq!(body_bytes(&json!([1])), b"[1]");
        assert_eq!(body_bytes(&json!({ "a": 1 })), br#"{"a":1}"#);
        let round: Value = serde_json::from_slice(&body_bytes(&body)).unwrap();
        assert_eq!(round, body);
    }

    #[test]
    fn failures_name_their_code_in_a_header() {
        let response = Answer::error(&SlackError::new("invalid_auth")).into_response();
        assert_eq!(response.headers()[X_SLACK_FAILURE], "invalid_auth");
        let response = Answer::ok(json!({ "ok": true })).into_response();
        assert!(response.headers().get(X_SLACK_FAILURE).is_none());
        let response = Answer::from_body(json!({ "ok": false, "error": "x" })).into_response();
        assert_eq!(response.headers()[X_SLACK_FAILURE], "x");
        let response = Answer::ok(OkBody::new().finish()).into_response();
        assert!(response.headers().get(X_SLACK_FAILURE).is_none());
        let response = Answer::rate_limited(3).into_response();
        assert_eq!(response.headers()[X_SLACK_FAILURE], "ratelimited");
    }

    #[test]
    fn error_bytes_match_the_json_tree_they_replace() {
        // The bytes are exactly what serialising a serde_json map (keys by
        // name) with `ok` moved first gave before.
        let mut error = SlackError::new("missing_scope")
            .because("one")
            .because("two \"quoted\"")
            .field("req_method", json!("calls.add"))
            .field("a_first", json!({ "z": 1, "b": [true] }));
        error.needed = Some("calls:write".into());
        error.provided = Some("calls:read".into());
        let mut map = serde_json::Map::new();
        map.insert("ok".into(), json!(false));
        map.insert("error".into(), json!("missing_scope"));
        map.insert("needed".into(), json!("calls:write"));
        map.insert("provided".into(), json!("calls:read"));
        map.insert("req_method".into(), json!("calls.add"));
        map.insert("a_first".into(), json!({ "z": 1, "b": [true] }));
        map.insert(
            "response_metadata".into(),
            json!({ "messages": ["[ERROR] one", "[ERROR] two \"quoted\""] }),
        );
        assert_eq!(
            String::from_utf8(error.to_bytes()).unwrap(),
            String::from_utf8(body_bytes(&Value::Object(map))).unwrap()
        );
        assert_eq!(
            SlackError::new("invalid_auth").to_bytes(),
            br#"{"ok":false,"error":"invalid_auth"}"#
        );
        assert_eq!(
            Answer::rate_limited(1).body_bytes(),
            body_bytes(&json!({ "ok": false, "error": "ratelimited" }))
        );
    }

    #[test]
    fn warnings_reach_bodies_already_in_bytes() {
        let mut answer = Answer::error(&SlackError::new("no_text"));
        answer.add_warnings(&["missing_charset"]);
        assert_eq!(
            serde_json::from_slice::<Value>(&answer.body_bytes()).unwrap(),
            json!({ "ok": false, "error": "no_text", "warning": "missing_charset",
                    "response_metadata": { "warnings": ["missing_charset"] } })
        );
        let mut body = OkBody::new();
        write_str(body.field("a"), "b");
        let mut answer = Answer::ok(body.finish());
        assert_eq!(answer.body_bytes(), br#"{"ok":true,"a":"b"}"#);
        answer.add_warnings::<&str>(&[]);
        assert_eq!(answer.body_bytes(), br#"{"ok":true,"a":"b"}"#);
    }

    #[test]
    fn out_of_range_status_becomes_500() {
        assert_eq!(status_from(42), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(status_from(503), StatusCode::SERVICE_UNAVAILABLE);
    }
}

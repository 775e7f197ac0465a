//! What every control endpoint answers with: a refusal with its status,
//! code and message, or a status and a JSON body; and the checks the
//! endpoints share.

use axum::http::{HeaderValue, StatusCode, header::ALLOW};
use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::wire::answer::{body_bytes, json_response};

/// A refused control request.
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The verbs the endpoint takes, for a 405's `Allow`.
    allow: Option<&'static str>,
}

impl Refusal {
    pub(super) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }

    pub(super) fn bad(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub(super) fn not_found(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::NOT_FOUND, code, message)
    }

    pub(super) fn conflict(message: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub(super) fn into_response(self) -> Response {
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

pub(super) type Answered = Result<(StatusCode, Value), Refusal>;

pub(super) fn ok(body: Value) -> (StatusCode, Value) {
    (StatusCode::OK, body)
}

pub(super) fn wrong_verb(allowed: &'static str) -> Answered {
    let mut refusal = Refusal::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("this endpoint takes {allowed}"),
    );
    refusal.allow = Some(allowed);
    Err(refusal)
}

/// A JSON body into `T`, or a 400 that says what is wrong.
pub(super) fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
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

pub(super) fn check_method(method: &str) -> Result<(), Refusal> {
    if method.is_empty() || method.contains(['/', '?', '#']) || method.contains(char::is_whitespace)
    {
        return Err(Refusal::bad(format!(
            "`{method}` is not a method name like calls.add"
        )));
    }
    Ok(())
}

pub(super) fn check_times(times: usize) -> Result<(), Refusal> {
    if times == 0 {
        return Err(Refusal::bad("`times` must be at least 1"));
    }
    Ok(())
}

//! Raw HTTP helpers for the fake-server tests: requests built by hand, so
//! the tests control every header and byte the fake sees.

use reqwest::Method;
use serde_json::Value;
use slack_calls_mock::MockSlack;

/// An answer, read whole.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    /// The body as JSON; fails the test when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!(
                "body is not JSON ({err}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// `error` of a JSON answer.
    pub fn error(&self) -> Option<String> {
        self.json()["error"].as_str().map(str::to_owned)
    }

    /// `ok` of a JSON answer.
    pub fn ok(&self) -> bool {
        self.json()["ok"] == Value::Bool(true)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        out.append_pair(name, value);
    }
    out.finish()
}

/// Sends anything to `<base_url><path>`.
pub async fn send(
    mock: &MockSlack,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Raw {
    send_with(&http(), mock, method, path, headers, body)
        .await
        .expect("the fake answers")
}

pub async fn send_with(
    client: &reqwest::Client,
    mock: &MockSlack,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> Result<Raw, reqwest::Error> {
    let mut request = client
        .request(method, format!("{}{path}", mock.base_url()))
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    Ok(Raw {
        status,
        headers,
        body,
    })
}

/// One request to the control API (`/_mock{path}`), with a JSON body
/// when given, read whole.
pub async fn control(mock: &MockSlack, method: Method, path: &str, body: Option<String>) -> Raw {
    let url = format!("http://{}/_mock{path}", mock.addr());
    let mut request = http().request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("control request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("control body").to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

/// POSTs a form with the token as Bearer (when given).
pub async fn post_form(
    mock: &MockSlack,
    method: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
) -> Raw {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if let Some(auth) = &auth {
        headers.push(("authorization", auth.as_str()));
    }
    send(mock, Method::POST, method, &headers, form_body(fields)).await
}

/// POSTs a JSON body with the token as Bearer.
pub async fn post_json(mock: &MockSlack, method: &str, token: &str, body: &Value) -> Raw {
    let auth = format!("Bearer {token}");
    send(
        mock,
        Method::POST,
        method,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("authorization", &auth),
        ],
        body.to_string(),
    )
    .await
}

/// Registers a call with the demo user token and returns its id.
pub async fn add_call(mock: &MockSlack, fields: &[(&str, &str)]) -> String {
    let mut all = vec![
        ("external_unique_id", "ext-1"),
        ("join_url", "https://example.com/join/1"),
    ];
    all.extend_from_slice(fields);
    let answer = post_form(mock, "calls.add", Some(mock.user_token()), &all).await;
    assert!(answer.ok(), "calls.add failed: {:?}", answer.json());
    answer.json()["call"]["id"]
        .as_str()
        .expect("a call id")
        .to_owned()
}

//! The client: configuration, and the one send path every generated method
//! goes through.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{
    ApiError, Error, ErrorCode, InvalidRequest, ResponseMeta, TransportKind, snippet,
};
use crate::form::Form;
use crate::method::{HttpMethod, MethodInfo, Required};
use crate::token::{Token, TokenKind};

/// Slack's Web API base URL.
pub const SLACK_API_BASE: &str = "https://slack.com/api/";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A typed response of a generated method; the runtime hands it the
/// envelope's warnings after decoding.
pub trait Response: DeserializeOwned + Send + 'static {
    /// Stores Slack's warnings and messages on the response.
    fn set_meta(&mut self, meta: ResponseMeta);
}

/// A Slack Web API client for one token.
///
/// Cheap to clone: clones share the connection pool and configuration.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = slack_calls::Client::new("xoxb-your-token");
/// let info = client.calls().info("R0E69JAIF").await?;
/// println!("{:?}", info.call.title);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    token: Token,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &self.inner.token)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for Slack's API with default settings.
    ///
    /// # Panics
    ///
    /// Like `reqwest::Client::new`, when the TLS backend cannot be
    /// initialised; use [`Client::builder`] to get that as an error.
    pub fn new(token: impl Into<Token>) -> Client {
        match Client::builder(token).build() {
            Ok(client) => client,
            Err(err) => panic!("slack_calls::Client::new: {err}"),
        }
    }

    /// A builder to set the base URL, timeouts or an HTTP client of your own.
    pub fn builder(token: impl Into<Token>) -> ClientBuilder {
        ClientBuilder {
            token: token.into(),
            base_url: SLACK_API_BASE.to_owned(),
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The base URL requests go to (ends with `/`).
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The kind of token this client sends.
    pub fn token_kind(&self) -> TokenKind {
        self.inner.token.kind()
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    token: Token,
    base_url: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a [`ClientBuilder`] could not build a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL is not a URL.
    #[error("base URL `{url}` is not a valid URL: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// A base URL other than loopback must use https, so the token is
    /// never sent in clear text.
    #[error(
        "base URL `{url}` must use https (plain http is only allowed for 127.0.0.1, ::1 and localhost)"
    )]
    InsecureBaseUrl {
        /// The URL given.
        url: String,
    },
    /// reqwest could not build its client (TLS backend).
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

impl ClientBuilder {
    /// Sends requests to `url` instead of `https://slack.com/api/`, such as
    /// the fake server's [`base_url`](crate::mock::MockSlack::base_url)
    /// (with feature `mock`). Must be https unless it is loopback.
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.base_url = url.into();
        self
    }

    /// Uses your own `reqwest::Client` (proxy, TLS roots, pool settings).
    /// The timeouts set on this builder then do not apply: set them on your
    /// client.
    pub fn http_client(mut self, http: reqwest::Client) -> ClientBuilder {
        self.http = Some(http);
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take, end to end (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let base_url = parse_base_url(&self.base_url)?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout)
                .build()
                .map_err(|err| BuildError::Http(err.to_string()))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token: self.token,
            }),
        })
    }
}

fn parse_base_url(text: &str) -> Result<Url, BuildError> {
    let mut with_slash = text.to_owned();
    if !with_slash.ends_with('/') {
        with_slash.push('/');
    }
    let url = Url::parse(&with_slash).map_err(|err| BuildError::InvalidBaseUrl {
        url: text.to_owned(),
        reason: err.to_string(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(BuildError::InsecureBaseUrl {
            url: text.to_owned(),
        }),
        other => Err(BuildError::InvalidBaseUrl {
            url: text.to_owned(),
            reason: format!("scheme `{other}` is not http or https"),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Checks a filled-in form against the method's rules, before sending.
pub(crate) fn check_request(
    method: &'static MethodInfo,
    form: &Form,
    token: TokenKind,
) -> Result<(), InvalidRequest> {
    if let Some((param, reason)) = form.problems().first() {
        return Err(InvalidRequest {
            method: method.name,
            param: Some(param),
            reason: reason.clone(),
        });
    }
    for param in method.params {
        let present = form.get(param.name).is_some();
        if param.required == Required::WithBotToken && token == TokenKind::Bot && !present {
            return Err(InvalidRequest {
                method: method.name,
                param: Some(param.name),
                reason: "is required when calling with a bot token (xoxb-); set it to the user who started the call".to_owned(),
            });
        }
        if let Some(len) = form.list_len(param.name)
            && len < param.min_items
        {
            return Err(InvalidRequest {
                method: method.name,
                param: Some(param.name),
                reason: format!(
                    "needs at least {} item{}, got {len}",
                    param.min_items,
                    if param.min_items == 1 { "" } else { "s" }
                ),
            });
        }
    }
    Ok(())
}

/// Sends one request and decodes the answer. Every generated method ends here.
pub async fn send<R: Response, E: ErrorCode>(
    client: &Client,
    method: &'static MethodInfo,
    form: Form,
) -> Result<R, Error<E>> {
    let inner = &client.inner;
    check_request(method, &form, inner.token.kind()).map_err(Error::InvalidRequest)?;
    let span = tracing::debug_span!("slack_call", method = method.name, tier = %method.rate_tier);
    let _enter = span.enter();

    let url = inner.base_url.join(method.name).map_err(|err| {
        Error::InvalidRequest(InvalidRequest {
            method: method.name,
            param: None,
            reason: format!("method name does not form a URL: {err}"),
        })
    })?;
    let mut auth = HeaderValue::from_str(&format!("Bearer {}", inner.token.expose_secret()))
        .map_err(|_| {
            Error::InvalidRequest(InvalidRequest {
                method: method.name,
                param: None,
                reason: "the token contains characters that cannot go in an HTTP header".to_owned(),
            })
        })?;
    auth.set_sensitive(true);
    let request = match method.http {
        HttpMethod::Post => inner
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.encode()),
        HttpMethod::Get => {
            let mut url = url;
            url.set_query(Some(&form.encode()));
            inner.http.get(url)
        }
    }
    .header(AUTHORIZATION, auth);

    let response = request
        .send()
        .await
        .map_err(|err| transport_error(method, &err))?;
    let status = response.status();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let body = response
        .bytes()
        .await
        .map_err(|err| transport_error(method, &err))?;
    if status.as_u16() == 429 {
        return Err(Error::RateLimited {
            method: method.name,
            retry_after: Duration::from_secs(retry_after.unwrap_or(1)),
        });
    }
    if status.as_u16() != 200 {
        return Err(Error::Status {
            method: method.name,
            status: status.as_u16(),
            body_snippet: snippet(&body),
        });
    }
    decode(method, &body)
}

/// Transport failures, classified by whether Slack may have seen the request.
pub(crate) fn transport_error<E: ErrorCode>(
    method: &'static MethodInfo,
    err: &reqwest::Error,
) -> Error<E> {
    let (kind, may_have_been_sent) = if err.is_connect() {
        (TransportKind::Connect, false)
    } else if err.is_timeout() {
        (TransportKind::Timeout, true)
    } else if err.is_request() || err.is_body() || err.is_decode() {
        (TransportKind::Connection, true)
    } else {
        (TransportKind::Other, true)
    };
    Error::Transport {
        method: method.name,
        kind,
        may_have_been_sent,
        message: describe(err),
    }
}

/// The causes reqwest reports, without the URL: the URL never holds the
/// token, but messages are kept to what helps.
fn describe(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(if err.is_timeout() {
            "operation timed out".to_owned()
        } else {
            "request failed".to_owned()
        });
    }
    parts.join(": ")
}

#[derive(Deserialize)]
struct Envelope {
    ok: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warning: Option<String>,
    #[serde(default)]
    needed: Option<String>,
    #[serde(default)]
    provided: Option<String>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// Decodes Slack's envelope, then the method's typed body.
pub fn decode<R: Response, E: ErrorCode>(
    method: &'static MethodInfo,
    body: &[u8],
) -> Result<R, Error<E>> {
    let decode_error = |message: String| Error::Decode {
        method: method.name,
        message,
        body_snippet: snippet(body),
    };
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
    let metadata = envelope.response_metadata.unwrap_or_default();
    let mut warnings: Vec<String> = Vec::new();
    for code in envelope
        .warning
        .iter()
        .flat_map(|w| w.split(','))
        .chain(metadata.warnings.iter().map(String::as_str))
    {
        let code = code.trim();
        if !code.is_empty() && !warnings.iter().any(|w| w == code) {
            warnings.push(code.to_owned());
        }
    }
    let meta = ResponseMeta {
        warnings,
        messages: metadata.messages,
        next_cursor: metadata.next_cursor.filter(|c| !c.is_empty()),
    };
    match envelope.ok {
        Some(true) => {
            let mut response: R =
                serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
            response.set_meta(meta);
            Ok(response)
        }
        Some(false) => {
            let code = envelope.error.unwrap_or_default();
            Err(Error::Api {
                method: method.name,
                error: Box::new(ApiError {
                    code: E::from_code(&code),
                    needed: envelope.needed.filter(|n| !n.is_empty()),
                    provided: envelope
                        .provided
                        .filter(|p| !p.is_empty())
                        .map(|p| p.split(',').map(|s| s.trim().to_owned()).collect()),
                    meta,
                }),
            })
        }
        None => Err(decode_error(
            "the answer has no boolean `ok` field".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_must_be_https_unless_loopback() {
        assert!(parse_base_url("https://slack.com/api").is_ok());
        assert!(parse_base_url("http://127.0.0.1:3000/api/").is_ok());
        assert!(parse_base_url("http://[::1]:3000/").is_ok());
        assert!(parse_base_url("http://localhost:3000").is_ok());
        assert!(matches!(
            parse_base_url("http://example.com/api/"),
            Err(BuildError::InsecureBaseUrl { .. })
        ));
        assert!(matches!(
            parse_base_url("ftp://example.com/"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert!(matches!(
            parse_base_url("not a url"),
            Err(BuildError::InvalidBaseUrl { .. })
        ));
        assert_eq!(
            parse_base_url("http://127.0.0.1:1/api")
                .unwrap()
                .join("calls.add")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:1/api/calls.add"
        );
    }

    #[test]
    fn client_debug_hides_the_token() {
        let client = Client::new("xoxb-1-2-TOPSECRET");
        let text = format!("{client:?}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}

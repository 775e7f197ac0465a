//! The install flow (feature `install`): [`InstallFlow`], an axum
//! [`Router`] with the two pages an app serves to be installed.
//!
//! - The install path sends the browser to Slack's authorize URL with the
//!   app's `client_id`, scopes, `redirect_uri` and a fresh `state`: 256
//!   random bits, kept (as a digest) in the app's store where every
//!   instance can check it, and set in an `HttpOnly`, `SameSite=Lax` cookie
//!   (`Secure` unless the redirect URI is loopback) that binds it to the
//!   browser.
//! - The redirect path checks the state before anything else: it must be
//!   in the query, equal the browser's cookie, and be taken out of the
//!   store (so it works once) before its expiry. Only then does it read
//!   Slack's `error` or exchange the `code` through the generated
//!   `oauth.v2.access` (the client secret by HTTP Basic, the same
//!   `redirect_uri`), ask `auth.test` for the bot's id, and save the
//!   installation through [`App::save`]. It ends on a plain page, at a URL
//!   the app sets, or in the app's own hook.
//!
//! No state, code, token or client secret reaches a page, a log line or
//! an error's text.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::__private::escape_html as escape;
use crate::app::App;
use crate::error::{BuildError, Error};
use crate::install::installation::Installation;
use crate::install::store::{InstallationStore, StoreError};
use crate::token::Token;

/// Slack's authorize page.
pub const SLACK_AUTHORIZE_URL: &str = "https://slack.com/oauth/v2/authorize";

/// How long an install may take from the install path to the redirect,
/// by default: 10 minutes, as long as Slack's code lives.
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(600);

/// The cookie that binds a state to the browser that started the install.
const COOKIE: &str = "slack_calls_install_state";

/// What an app's hook returns.
type HookFuture = Pin<Box<dyn Future<Output = Response> + Send>>;
type Hook = dyn Fn(Result<Installation, InstallFailure>) -> HookFuture + Send + Sync;

/// Why an install did not complete. Its text names what went wrong and
/// never holds a state, a code, a token or the client secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallFailure {
    /// The redirect carried no `state`.
    #[error("the install link carries no state: start the install again")]
    MissingState,
    /// The browser holds no install cookie, or another install's: it did
    /// not start this install (or blocks cookies).
    #[error("this browser did not start this install: start the install again from this browser")]
    ForeignBrowser,
    /// The state is not one the app issued and has not used: used already,
    /// swept after expiring, or forged.
    #[error("the install link was used already or has expired: start the install again")]
    UnknownState,
    /// The state expired before the browser came back.
    #[error("the install link has expired: start the install again")]
    ExpiredState,
    /// The user declined to install the app (`error=access_denied`).
    #[error("the app was not installed: the install was cancelled on Slack")]
    Denied,
    /// Slack sent back another error.
    #[error("Slack did not install the app: {code}")]
    Refused {
        /// Slack's error code (only letters, digits and `_` kept).
        code: String,
    },
    /// The redirect carried neither a code nor an error.
    #[error("Slack's redirect carries no code")]
    MissingCode,
    /// `oauth.v2.access` failed (a used or expired code, a wrong
    /// `redirect_uri`, wrong credentials, Slack unreachable).
    #[error("exchanging the code failed: {0}")]
    Exchange(Box<Error<crate::oauth::v2::AccessError>>),
    /// Slack's answer names neither a workspace nor an organization.
    #[error("Slack's answer names no workspace or organization to install into")]
    NoTeam,
    /// `auth.test` with the new bot token failed.
    #[error("checking the new bot token failed: {0}")]
    AuthTest(Box<Error<crate::auth::TestError>>),
    /// The installation (or the state) could not be stored.
    #[error("the installation store failed: {0}")]
    Store(#[from] StoreError),
    /// The system gave no random numbers for a state.
    #[error("no random numbers for the install state: {0}")]
    Random(String),
    /// A client for the exchange could not be built (TLS backend).
    #[error("could not build the client for the exchange: {0}")]
    Client(#[from] BuildError),
}

impl InstallFailure {
    /// The HTTP status of the failure page: 400 for what the browser
    /// brought, 502 when Slack failed, 503 when the store did.
    pub fn status(&self) -> StatusCode {
        match self {
            InstallFailure::Exchange(_) | InstallFailure::AuthTest(_) | InstallFailure::NoTeam => {
                StatusCode::BAD_GATEWAY
            }
            InstallFailure::Store(_) | InstallFailure::Random(_) | InstallFailure::Client(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Where an install ends.
enum Finish {
    /// Plain pages.
    Pages,
    /// Redirects to the app's URLs.
    Urls { success: String, failure: String },
    /// The app's hook answers.
    Hook(Arc<Hook>),
}

/// The install flow: an install path and a redirect path, as an axum
/// [`Router`] to mount beside the events receiver.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use slack_calls::{App, InstallFlow, SqliteStore, TokenKeys};
///
/// let keys = TokenKeys::new("k1", &[7u8; 32])?; // from your secret store
/// let app = App::builder("A0123")
///     .build_with_store(SqliteStore::open("installs.db", keys).await?)
///     .await?;
/// let flow = InstallFlow::builder(app, "1234.5678", "the-client-secret")
///     .bot_scopes(["calls:read", "calls:write", "links:read", "links:write"])
///     .redirect_uri("https://calls.example.com/slack/oauth_redirect")
///     .build()?;
/// let router = flow.router(); // GET /slack/install, GET /slack/oauth_redirect
/// # let _ = router; Ok(()) }
/// ```
#[derive(Clone)]
pub struct InstallFlow {
    inner: Arc<Flow>,
}

struct Flow {
    app: App,
    client_id: String,
    client_secret: Token,
    bot_scopes: String,
    user_scopes: String,
    redirect_uri: String,
    authorize_url: url::Url,
    install_path: String,
    redirect_path: String,
    state_ttl: Duration,
    secure_cookie: bool,
    states: Arc<dyn InstallationStore>,
    finish: Finish,
}

impl fmt::Debug for InstallFlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The client secret is not shown.
        f.debug_struct("InstallFlow")
            .field("client_id", &self.inner.client_id)
            .field("redirect_uri", &self.inner.redirect_uri)
            .field("install_path", &self.inner.install_path)
            .field("redirect_path", &self.inner.redirect_path)
            .finish_non_exhaustive()
    }
}

/// Builds an [`InstallFlow`].
pub struct InstallFlowBuilder {
    app: App,
    client_id: String,
    client_secret: Token,
    bot_scopes: Vec<String>,
    user_scopes: Vec<String>,
    redirect_uri: Option<String>,
    authorize_url: String,
    install_path: String,
    redirect_path: Option<String>,
    state_ttl: Duration,
    finish: Finish,
}

impl fmt::Debug for InstallFlowBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallFlowBuilder")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl InstallFlow {
    /// A flow that installs `app` with its Slack client id and secret
    /// (the app's Basic Information page).
    pub fn builder(
        app: App,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> InstallFlowBuilder {
        InstallFlowBuilder {
            app,
            client_id: client_id.into(),
            client_secret: Token::new(client_secret.into()),
            bot_scopes: Vec::new(),
            user_scopes: Vec::new(),
            redirect_uri: None,
            authorize_url: SLACK_AUTHORIZE_URL.to_owned(),
            install_path: "/slack/install".to_owned(),
            redirect_path: None,
            state_ttl: DEFAULT_STATE_TTL,
            finish: Finish::Pages,
        }
    }

    /// The routes: `GET` on the install path and on the redirect path.
    pub fn router(&self) -> Router {
        Router::new()
            .route(&self.inner.install_path, get(start))
            .route(&self.inner.redirect_path, get(finish))
            .with_state(self.inner.clone())
    }

    /// The path that starts an install (default `/slack/install`): link
    /// "Add to Slack" here.
    pub fn install_path(&self) -> &str {
        &self.inner.install_path
    }

    /// The path Slack sends the browser back to (the redirect URI's path).
    pub fn redirect_path(&self) -> &str {
        &self.inner.redirect_path
    }
}

impl InstallFlowBuilder {
    /// The bot scopes to ask for (`scope`).
    pub fn bot_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.bot_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The user scopes to ask for (`user_scope`), for a token of the
    /// installing user.
    pub fn user_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.user_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The redirect URI, one of the app's Redirect URLs (required): https,
    /// or http on loopback for local work. Its path is the redirect path
    /// the router serves unless [`redirect_path`](Self::redirect_path) says
    /// otherwise (behind a proxy that rewrites paths).
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Slack's authorize page (default [`SLACK_AUTHORIZE_URL`]; the fake's
    /// `MockSlack::authorize_url` in tests).
    pub fn authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// The path that starts an install (default `/slack/install`).
    pub fn install_path(mut self, path: impl Into<String>) -> Self {
        self.install_path = path.into();
        self
    }

    /// The path the router serves the redirect on (default: the redirect
    /// URI's path).
    pub fn redirect_path(mut self, path: impl Into<String>) -> Self {
        self.redirect_path = Some(path.into());
        self
    }

    /// How long a state lives (default [`DEFAULT_STATE_TTL`], 10 minutes).
    pub fn state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }

    /// Ends at these URLs instead of the plain pages: `success` after an
    /// install, `failure` (with no detail in the URL) otherwise.
    pub fn finish_at(mut self, success: impl Into<String>, failure: impl Into<String>) -> Self {
        self.finish = Finish::Urls {
            success: success.into(),
            failure: failure.into(),
        };
        self
    }

    /// Ends in the app's hook, which gets the stored installation or why
    /// there is none and answers the browser.
    pub fn on_finish<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Result<Installation, InstallFailure>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + Send + 'static,
    {
        self.finish = Finish::Hook(Arc::new(move |outcome| Box::pin(hook(outcome))));
        self
    }

    /// Builds the flow. States live in the app's store (built with
    /// [`build_with_store`](crate::AppBuilder::build_with_store)), where
    /// every instance sees them; an app without a store keeps them in
    /// memory (shared by its flows), for one instance.
    pub fn build(self) -> Result<InstallFlow, BuildError> {
        let invalid = |reason: String| BuildError::InvalidInstallFlow { reason };
        let redirect_uri = self
            .redirect_uri
            .ok_or_else(|| invalid("a redirect_uri is required".into()))?;
        let parsed = url::Url::parse(&redirect_uri)
            .map_err(|err| invalid(format!("the redirect_uri is not a URL: {err}")))?;
        if !crate::call::client::is_secure_or_loopback(&parsed) {
            return Err(invalid(
                "the redirect_uri must be https (http only on loopback)".into(),
            ));
        }
        let authorize_url = url::Url::parse(&self.authorize_url)
            .map_err(|err| invalid(format!("the authorize URL is not a URL: {err}")))?;
        if self.bot_scopes.is_empty() && self.user_scopes.is_empty() {
            return Err(invalid("ask for at least one bot or user scope".into()));
        }
        if self.client_id.is_empty() || self.client_secret.expose_secret().is_empty() {
            return Err(invalid("the client id and secret are required".into()));
        }
        let redirect_path = self
            .redirect_path
            .unwrap_or_else(|| parsed.path().to_owned());
        for path in [&self.install_path, &redirect_path] {
            if !path.starts_with('/') {
                return Err(invalid(format!("the path `{path}` must start with /")));
            }
        }
        if self.install_path == redirect_path {
            return Err(invalid(
                "the install path and the redirect path must differ".into(),
            ));
        }
        let states = self.app.state_store();
        Ok(InstallFlow {
            inner: Arc::new(Flow {
                secure_cookie: !crate::call::client::is_loopback(&parsed),
                app: self.app,
                client_id: self.client_id,
                client_secret: self.client_secret,
                bot_scopes: self.bot_scopes.join(","),
                user_scopes: self.user_scopes.join(","),
                redirect_uri,
                authorize_url,
                install_path: self.install_path,
                redirect_path,
                state_ttl: self.state_ttl,
                states,
                finish: self.finish,
            }),
        })
    }
}

/// The store's name for a state: its SHA-256, so a dump of the store
/// shows no state a browser could bring back.
fn digest(state: &str) -> String {
    let hash = Sha256::digest(state.as_bytes());
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// 256 random bits, as 64 hex digits.
fn new_state() -> Result<String, InstallFailure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| InstallFailure::Random(err.to_string()))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// `GET` on the install path: a state, its cookie, and off to Slack.
async fn start(State(flow): State<Arc<Flow>>) -> Response {
    match begin(&flow).await {
        Ok(response) => response,
        Err(failure) => {
            tracing::warn!(error = %failure, "could not start an install");
            flow.ended(Err(failure)).await
        }
    }
}

async fn begin(flow: &Flow) -> Result<Response, InstallFailure> {
    let state = new_state()?;
    flow.states
        .put_state(&digest(&state), SystemTime::now() + flow.state_ttl)
        .await?;
    let mut to = flow.authorize_url.clone();
    {
        let mut query = to.query_pairs_mut();
        query.append_pair("client_id", &flow.client_id);
        query.append_pair("scope", &flow.bot_scopes);
        if !flow.user_scopes.is_empty() {
            query.append_pair("user_scope", &flow.user_scopes);
        }
        query.append_pair("redirect_uri", &flow.redirect_uri);
        query.append_pair("state", &state);
    }
    let cookie = format!(
        "{COOKIE}={state}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax{}",
        flow.redirect_path,
        flow.state_ttl.as_secs(),
        if flow.secure_cookie { "; Secure" } else { "" }
    );
    let mut response = redirect(to.as_str());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET` on the redirect path.
async fn finish(
    State(flow): State<Arc<Flow>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let outcome = complete(&flow, &headers, query.as_deref().unwrap_or("")).await;
    match &outcome {
        Ok(installation) => {
            tracing::info!(installation = %installation.key(), "installed");
        }
        Err(failure) => tracing::warn!(error = %failure, "an install did not complete"),
    }
    let mut response = flow.ended(outcome).await;
    // The state is spent either way: the cookie goes.
    let spent = format!(
        "{COOKIE}=; Path={}; Max-Age=0; HttpOnly; SameSite=Lax{}",
        flow.redirect_path,
        if flow.secure_cookie { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&spent) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The browser's install cookie, if it sent one.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE).then(|| value.to_owned())
        })
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

async fn complete(
    flow: &Flow,
    headers: &HeaderMap,
    query: &str,
) -> Result<Installation, InstallFailure> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    // The state first: nothing else is read for a browser that did not
    // start this install.
    let state = param("state")
        .filter(|state| !state.is_empty())
        .ok_or(InstallFailure::MissingState)?;
    match cookie(headers) {
        Some(held) if same(&held, state) => {}
        _ => return Err(InstallFailure::ForeignBrowser),
    }
    let expires = flow
        .states
        .take_state(&digest(state))
        .await?
        .ok_or(InstallFailure::UnknownState)?;
    if expires <= SystemTime::now() {
        return Err(InstallFailure::ExpiredState);
    }
    if let Some(error) = param("error") {
        return Err(match error {
            "access_denied" => InstallFailure::Denied,
            other => InstallFailure::Refused {
                code: other
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(64)
                    .collect(),
            },
        });
    }
    let code = param("code")
        .filter(|code| !code.is_empty())
        .ok_or(InstallFailure::MissingCode)?;
    let exchange = flow
        .app
        .credentials_client(&flow.client_id, &flow.client_secret)?;
    let answer = exchange
        .oauth()
        .v2()
        .access()
        .code(code)
        .redirect_uri(flow.redirect_uri.clone())
        .await
        .map_err(|err| InstallFailure::Exchange(Box::new(err)))?;
    let mut installation = Installation::from_access(&answer).ok_or(InstallFailure::NoTeam)?;
    if let Some(bot) = installation.bot.as_mut() {
        let workspace = answer
            .team
            .as_ref()
            .or(answer.enterprise.as_ref())
            .map(|team| team.id.clone())
            .unwrap_or_default();
        let checked = flow
            .app
            .bot_client(&workspace, bot.grant.token.clone())
            .auth()
            .test()
            .await
            .map_err(|err| InstallFailure::AuthTest(Box::new(err)))?;
        bot.bot_id = checked.bot_id.clone();
    }
    flow.app.save(installation.clone()).await?;
    Ok(installation)
}

impl Flow {
    /// How the install ends: the app's hook, its URLs, or a plain page.
    async fn ended(&self, outcome: Result<Installation, InstallFailure>) -> Response {
        let mut response = match (&self.finish, outcome) {
            (Finish::Hook(hook), outcome) => hook(outcome).await,
            (Finish::Urls { success, .. }, Ok(_)) => redirect(success),
            (Finish::Urls { failure, .. }, Err(_)) => redirect(failure),
            (Finish::Pages, Ok(installation)) => {
                let place = installation
                    .team
                    .as_ref()
                    .or(installation.enterprise.as_ref())
                    .map(|named| match named.name.is_empty() {
                        true => named.id.clone(),
                        false => named.name.clone(),
                    })
                    .unwrap_or_default();
                page(
                    StatusCode::OK,
                    "Installed",
                    &format!("The app is installed in {place}. You can close this page."),
                    None,
                )
            }
            (Finish::Pages, Err(failure)) => page(
                failure.status(),
                "Not installed",
                &failure.to_string(),
                Some(&self.install_path),
            ),
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // The redirect's URL held a code: no page of ours passes it on.
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        response
    }
}

fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn page(status: StatusCode, title: &str, message: &str, again: Option<&str>) -> Response {
    let again = again
        .map(|path| {
            format!(
                "<p><a id=\"again\" href=\"{}\">Start the install again</a></p>",
                escape(path)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1 id=\"title\">{title}</h1><p id=\"message\">{message}</p>{again}</body></html>",
        title = escape(title),
        message = escape(message),
    );
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_256_random_bits_and_stored_as_digests() {
        let one = new_state().unwrap();
        let two = new_state().unwrap();
        assert_eq!(one.len(), 64);
        assert_ne!(one, two);
        assert_ne!(digest(&one), one);
        assert_eq!(digest(&one), digest(&one));
    }

    #[test]
    fn the_cookie_is_read_among_others_and_compared_whole() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; slack_calls_install_state=abc; b=2"),
        );
        assert_eq!(cookie(&headers).as_deref(), Some("abc"));
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert_eq!(cookie(&HeaderMap::new()), None);
    }

    #[test]
    fn pages_escape_what_they_show() {
        let failure = InstallFailure::Refused {
            code: "<script>"
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect(),
        };
        assert_eq!(failure.to_string(), "Slack did not install the app: script");
        assert_eq!(escape("<a href='x'>&"), "&lt;a href=&#39;x&#39;&gt;&amp;");
    }
}

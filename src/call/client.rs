//! The client and its builder: one token, one base URL, one connection
//! pool, a rate limiter and a retry policy, shared by every clone.
//!
//! A call goes through [`crate::send`]: checked against its method
//! ([`crate::method`]), paced ([`crate::ratelimit`]), sent, classified
//! ([`crate::classify`]) and decoded ([`crate::decode`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

use crate::clock::{Clock, SystemClock};
// `crate::call::client::BuildError` is still named by the fake server's module;
// the type itself lives in `error.rs`.
use crate::call::retry::RetryPolicy;
use crate::call::workspace_gone::Gone;
pub(crate) use crate::error::BuildError;
use crate::install::installation::InstallationKey;
use crate::install::rotation::Rotation;
use crate::pacing::limiter::{PacingStats, RateLimiter, Scope};
use crate::pacing::rate::RateLimits;
use crate::token::{Token, TokenKind};

/// Slack's Web API base URL.
pub const SLACK_API_BASE: &str = "https://slack.com/api/";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Two windows of Slack's minute: a call that finds its method's window
/// full waits a minute after the answer that filled it, which is a little
/// over a minute, so a one-minute budget would fail the first call over
/// the tier's count.
const DEFAULT_MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(120);

/// A Slack Web API client for one token.
///
/// Cheap to clone: clones share the connection pool, the configuration and
/// the rate limiter, so calls made through any clone are paced together.
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
    pub(crate) inner: Arc<Inner>,
}

/// What every clone of a [`Client`] shares; read by the send path.
pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) token: Token,
    /// The app's client id and secret, for the methods that take them.
    pub(crate) credentials: Option<ClientCredentials>,
    pub(crate) limiter: RateLimiter,
    pub(crate) scope: Scope,
    pub(crate) max_rate_limit_wait: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    /// Whether the per-call metrics carry the workspace's `team_id`.
    pub(crate) team_ids_in_metrics: bool,
    /// Set for clients of an [`App`](crate::App): the app lost the workspace.
    pub(crate) gone: Option<Gone>,
    /// Set for an [`App`](crate::App)'s client of a rotating installation:
    /// the token is taken from the app before each call (`token` above is
    /// the one it had when made, for its kind).
    pub(crate) rotating: Option<Rotating>,
    /// Set for clients of an [`App`](crate::App) built with a shutdown:
    /// their rosters flush at the stop.
    pub(crate) shutdown: Option<crate::Shutdown>,
}

/// Where a client of a rotating installation finds its token.
pub(crate) struct Rotating {
    pub(crate) rotation: Arc<Rotation>,
    pub(crate) key: InstallationKey,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("token", &self.inner.token)
            .field("credentials", &self.inner.credentials)
            .field("limiter", &self.inner.limiter)
            .field("max_rate_limit_wait", &self.inner.max_rate_limit_wait)
            .field("retry", &self.inner.retry)
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

    /// A builder to set the base URL, timeouts, pacing, retries, or an
    /// HTTP client of your own.
    pub fn builder(token: impl Into<Token>) -> ClientBuilder {
        ClientBuilder {
            token: token.into(),
            credentials: None,
            base_url: SLACK_API_BASE.to_owned(),
            http: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            limiter: LimiterChoice::Own(RateLimits::slack_tiers()),
            workspace: None,
            max_rate_limit_wait: DEFAULT_MAX_RATE_LIMIT_WAIT,
            retry: RetryPolicy::new(),
            clock: Arc::new(SystemClock),
            team_ids_in_metrics: false,
        }
    }

    /// A builder for an app that has no token yet: only the methods that
    /// take the app's client id and secret (`oauth.v2.access`) can be
    /// called; the others are refused before sending.
    ///
    /// ```
    /// # fn run() -> Result<(), slack_calls::BuildError> {
    /// let app = slack_calls::Client::app_builder("1234.5678", "the-client-secret").build()?;
    /// assert!(!format!("{app:?}").contains("the-client-secret"));
    /// # Ok(()) }
    /// ```
    pub fn app_builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientBuilder {
        Client::builder(Token::new("")).client_credentials(client_id, client_secret)
    }

    /// A client set up as this one is (connection pool, base URL, limiter,
    /// retries, clock, wait budget) for `token` in workspace `team_id`,
    /// stopped by `gone`: what an [`App`](crate::App) hands out, without
    /// running its set-up and parsing its base URL again per client.
    pub(crate) fn for_workspace(
        &self,
        token: Token,
        team_id: &str,
        gone: Gone,
        rotating: Option<Rotating>,
        shutdown: Option<crate::Shutdown>,
    ) -> Client {
        let this = &self.inner;
        Client {
            inner: Arc::new(Inner {
                http: this.http.clone(),
                base_url: this.base_url.clone(),
                token,
                credentials: None,
                limiter: this.limiter.clone(),
                scope: Scope::Workspace(team_id.into()),
                max_rate_limit_wait: this.max_rate_limit_wait,
                retry: this.retry.clone(),
                clock: this.clock.clone(),
                team_ids_in_metrics: this.team_ids_in_metrics,
                gone: Some(gone),
                rotating,
                shutdown,
            }),
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

    /// The rate limiter this client (and its clones) use.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// What pacing has done for this client's token or workspace, per
    /// method: permits, waits, 429s.
    pub fn pacing_stats(&self) -> Vec<PacingStats> {
        self.inner.limiter.stats_for(&self.inner.scope)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }
}

/// An app's client id and secret. `Debug` shows the id, never the secret.
#[derive(Clone)]
pub(crate) struct ClientCredentials {
    pub(crate) id: String,
    /// Kept as a [`Token`] so that it is redacted like one.
    pub(crate) secret: Token,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("id", &self.id)
            .field("secret", &"…")
            .finish()
    }
}

enum LimiterChoice {
    Own(RateLimits),
    Shared(RateLimiter),
}

/// Configures a [`Client`].
///
/// ```
/// use slack_calls::{Client, RateLimits, RetryPolicy};
/// use std::time::Duration;
///
/// # fn run() -> Result<(), slack_calls::BuildError> {
/// let client = Client::builder("xoxb-your-token")
///     .timeout(Duration::from_secs(10))
///     .rate_limits(RateLimits::slack_tiers())
///     .max_rate_limit_wait(Duration::from_secs(20))
///     .retry_policy(RetryPolicy::new().max_attempts(3))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
pub struct ClientBuilder {
    token: Token,
    credentials: Option<ClientCredentials>,
    base_url: String,
    http: Option<reqwest::Client>,
    connect_timeout: Duration,
    timeout: Duration,
    limiter: LimiterChoice,
    workspace: Option<String>,
    max_rate_limit_wait: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    team_ids_in_metrics: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ClientBuilder");
        out.field("token", &self.token)
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout);
        match &self.limiter {
            LimiterChoice::Own(limits) => out.field("rate_limits", limits),
            LimiterChoice::Shared(limiter) => out.field("rate_limiter", limiter),
        };
        out.field("workspace", &self.workspace)
            .field("max_rate_limit_wait", &self.max_rate_limit_wait)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The app's client id and secret, for the methods that take them:
    /// `oauth.v2.access` (sent by HTTP Basic, as Slack prefers) and
    /// `apps.uninstall` (as the form fields Slack asks for). The secret
    /// never shows in `Debug`, logs or errors.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> ClientBuilder {
        self.credentials = Some(ClientCredentials {
            id: client_id.into(),
            secret: Token::new(client_secret.into()),
        });
        self
    }

    /// Sends requests to `url` instead of `https://slack.com/api/`, such as
    /// the fake server's `base_url` (`slack_calls_mock::MockSlack::base_url`)
    /// (from the `slack-calls-mock` crate). Must be https unless it is loopback.
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

    /// How long one request may take, end to end (default 30 s). A call
    /// that times out is retried only for idempotent methods.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Which rate each method is paced at (default: every method at its
    /// spec tier's floor, [`RateLimits::slack_tiers`]). Use
    /// [`RateLimits::off`] to send without pacing. Replaces a limiter set
    /// with [`rate_limiter`](ClientBuilder::rate_limiter).
    pub fn rate_limits(mut self, limits: RateLimits) -> ClientBuilder {
        self.limiter = LimiterChoice::Own(limits);
        self
    }

    /// Paces this client with a limiter shared with other clients.
    /// Replaces limits set with [`rate_limits`](ClientBuilder::rate_limits).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> ClientBuilder {
        self.limiter = LimiterChoice::Shared(limiter);
        self
    }

    /// Counts this client's requests under a workspace (team) id instead of
    /// its token, so that clients with different tokens for the same
    /// workspace that share a [`RateLimiter`] are paced together, as Slack
    /// counts them.
    pub fn workspace(mut self, team_id: impl Into<String>) -> ClientBuilder {
        self.workspace = Some(team_id.into());
        self
    }

    /// The most one call may wait for rate limits in total: pacing and
    /// Slack's `Retry-After` (default 2 minutes: a burst of up to twice a
    /// method's per-minute count completes). When a wait would go beyond
    /// it, the call fails at once with [`Error::RateLimited`](crate::Error::RateLimited), whose
    /// `retry_after` says how long the wait would have been. Zero: never
    /// wait.
    pub fn max_rate_limit_wait(mut self, budget: Duration) -> ClientBuilder {
        self.max_rate_limit_wait = budget;
        self
    }

    /// How failed calls are retried (default [`RetryPolicy::new`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.retry = policy;
        self
    }

    /// Adds the workspace's `team_id` label to this client's per-call
    /// metrics (feature `metrics`: calls, pacing waits, 429s; see
    /// [`telemetry`](crate::telemetry)). Off by default: each workspace
    /// multiplies those series. For an [`App`](crate::App)'s clients, set
    /// it in [`AppBuilder::clients`](crate::AppBuilder::clients).
    pub fn team_ids_in_metrics(mut self, on: bool) -> ClientBuilder {
        self.team_ids_in_metrics = on;
        self
    }

    /// The clock that pacing, `Retry-After` and backoff waits use (default
    /// real time). Tests pass a [`TestClock`](crate::TestClock) to check
    /// waits exactly without taking them. HTTP timeouts always use real
    /// time.
    pub fn clock(mut self, clock: impl Clock) -> ClientBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// The `reqwest::Client` this builder makes when it is given none: its
    /// connect and request timeouts, built once the TLS provider is ready.
    /// An [`App`](crate::App) makes the one pool its clients share here, so
    /// that the timeouts its [`clients`](crate::AppBuilder::clients) set hold.
    pub(crate) fn own_http_client(&self) -> Result<reqwest::Client, BuildError> {
        crate::tls::http_client(
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.timeout),
        )
        .map_err(|err| BuildError::Http(err.to_string()))
    }

    /// Builds the client.
    pub fn build(mut self) -> Result<Client, BuildError> {
        let base_url = parse_base_url(&self.base_url)?;
        self.retry
            .validate()
            .map_err(|reason| BuildError::InvalidRetryPolicy { reason })?;
        let http = match self.http.take() {
            Some(http) => http,
            None => {
                if let Some(reason) = crate::tls::missing(&base_url, crate::tls::BUILT_IN) {
                    return Err(BuildError::Http(reason));
                }
                self.own_http_client()?
            }
        };
        let limiter = match self.limiter {
            LimiterChoice::Own(limits) => RateLimiter::new(limits)?,
            LimiterChoice::Shared(limiter) => limiter,
        };
        let scope = match self.workspace {
            Some(team) => Scope::Workspace(team.into()),
            None => limiter.token_scope(&self.token),
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                token: self.token,
                credentials: self.credentials,
                limiter,
                scope,
                max_rate_limit_wait: self.max_rate_limit_wait,
                retry: self.retry,
                clock: self.clock,
                team_ids_in_metrics: self.team_ids_in_metrics,
                gone: None,
                rotating: None,
                shutdown: None,
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
        _ if is_secure_or_loopback(&url) => Ok(url),
        "http" => Err(BuildError::InsecureBaseUrl {
            url: text.to_owned(),
        }),
        other => Err(BuildError::InvalidBaseUrl {
            url: text.to_owned(),
            reason: format!("scheme `{other}` is not http or https"),
        }),
    }
}

/// Whether `url` may carry a credential (a token, a `response_url`'s
/// power to answer): https, or plain http to this machine only.
pub(crate) fn is_secure_or_loopback(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(url),
        _ => false,
    }
}

/// Whether `url` names this machine (`localhost` or a loopback address).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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
    fn defaults_are_the_documented_ones() {
        let builder = Client::builder("xoxb-1-2-abc");
        assert_eq!(builder.connect_timeout, Duration::from_secs(10));
        assert_eq!(builder.timeout, Duration::from_secs(30));
        assert_eq!(builder.max_rate_limit_wait, Duration::from_secs(120));
        assert_eq!(builder.retry, RetryPolicy::new());
        assert!(
            matches!(&builder.limiter, LimiterChoice::Own(limits) if *limits == RateLimits::slack_tiers())
        );
        let client = builder.build().unwrap();
        assert_eq!(client.retry_policy().attempts(), 4);
        assert_eq!(client.rate_limiter().limits(), &RateLimits::slack_tiers());
    }

    #[test]
    fn client_debug_hides_the_token() {
        let client = Client::new("xoxb-1-2-TOPSECRET");
        let text = format!("{client:?}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}

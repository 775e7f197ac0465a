//! [`MockSlackBuilder`]: what a fake starts with (workspaces, tokens,
//! users, channels, extra methods, rate limits, address, log, the app).
//! Starting it ([`MockSlackBuilder::start`]) lives beside [`MockSlack`],
//! whose fields it fills.
//!
//! [`MockSlack`]: crate::MockSlack

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use slack_calls::TokenKind;
use slack_calls::method::MethodInfo;

use crate::state::auth_state::{AppConfig, DEFAULT_REFRESH_GRACE};
use crate::state::demo::{DEMO_BOT_TOKEN, DEMO_CHANNELS, DEMO_SCOPES, DEMO_USER_TOKEN, DEMO_USERS};
use crate::state::log::DEFAULT_LOG_CAPACITY;
use crate::state::ratelimit::LimitMode;
use crate::state::workspace::{DEMO_TEAM_ID, DEMO_TEAM_NAME, MockWorkspace};
use crate::talk_back::events::MockApp;

/// Configures a [`MockSlack`] before it starts.
///
/// ```
/// use slack_calls::TokenKind;
/// use slack_calls_mock::{LimitMode, MockSlack};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mock = MockSlack::builder()
///     .token("xoxb-read-only", TokenKind::Bot, ["calls:read"])
///     .users(["U111", "U222"])
///     .rate_limits(LimitMode::PerMinute(5))
///     .time_scale(600.0) // a fake minute lasts 100 ms
///     .start()
///     .await?;
/// # drop(mock);
/// # Ok(()) }
/// ```
///
/// [`MockSlack`]: crate::MockSlack
#[derive(Debug, Clone)]
pub struct MockSlackBuilder {
    /// The default workspace ([`DEMO_TEAM_ID`]) first, then those added
    /// with [`MockSlackBuilder::workspace`].
    pub(super) workspaces: Vec<MockWorkspace>,
    pub(super) methods: Vec<&'static MethodInfo>,
    pub(super) time_scale: f64,
    pub(super) rate_limits: LimitMode,
    pub(super) addr: SocketAddr,
    pub(super) log_capacity: usize,
    pub(super) log_to_stderr: bool,
    pub(super) app: AppConfig,
    pub(super) registered_app: Option<MockApp>,
    pub(super) redirect_urls: Vec<String>,
    /// Organizations: id, name, team ids.
    pub(super) enterprises: Vec<(String, String, Vec<String>)>,
    pub(super) token_rotation: bool,
    pub(super) refresh_grace: Duration,
}

impl Default for MockSlackBuilder {
    fn default() -> MockSlackBuilder {
        let demo = MockWorkspace::new(DEMO_TEAM_ID, DEMO_TEAM_NAME)
            .users(DEMO_USERS.iter().copied())
            .channels(DEMO_CHANNELS.iter().copied())
            .channel_named(DEMO_CHANNELS[0], "general")
            .channel_named(DEMO_CHANNELS[1], "random")
            .token(DEMO_BOT_TOKEN, TokenKind::Bot, DEMO_SCOPES.iter().copied())
            .token(
                DEMO_USER_TOKEN,
                TokenKind::User,
                DEMO_SCOPES.iter().copied(),
            );
        MockSlackBuilder {
            workspaces: vec![demo],
            methods: Vec::new(),
            time_scale: 1.0,
            rate_limits: LimitMode::Tiers,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            log_capacity: DEFAULT_LOG_CAPACITY,
            log_to_stderr: false,
            app: AppConfig::default(),
            registered_app: None,
            redirect_urls: Vec::new(),
            enterprises: Vec::new(),
            token_rotation: false,
            refresh_grace: DEFAULT_REFRESH_GRACE,
        }
    }
}

impl MockSlackBuilder {
    /// Accepts `token` in the default workspace as a token of `kind` with
    /// these scopes (in addition to the demo tokens; giving a demo token's
    /// text replaces its scopes). A user token acts for the first user of
    /// the directory.
    pub fn token<S: Into<String>>(
        mut self,
        token: impl Into<String>,
        kind: TokenKind,
        scopes: impl IntoIterator<Item = S>,
    ) -> MockSlackBuilder {
        let token = token.into();
        for workspace in &mut self.workspaces {
            workspace.remove_token(&token);
        }
        let scopes = scopes.into_iter().map(Into::into).collect();
        self.default_workspace().set_token(token, kind, scopes);
        self
    }

    /// Adds a workspace (or replaces the one with the same team id, the
    /// default [`DEMO_TEAM_ID`] included), with its users, channels and the
    /// app's tokens in it. Rate limits are counted per (workspace, method)
    /// across all of a workspace's tokens, as Slack counts them.
    pub fn workspace(mut self, workspace: MockWorkspace) -> MockSlackBuilder {
        match self
            .workspaces
            .iter_mut()
            .find(|w| w.team_id() == workspace.team_id())
        {
            Some(existing) => *existing = workspace,
            None => self.workspaces.push(workspace),
        }
        self
    }

    fn default_workspace(&mut self) -> &mut MockWorkspace {
        if self.workspaces.is_empty() {
            self.workspaces
                .push(MockWorkspace::new(DEMO_TEAM_ID, DEMO_TEAM_NAME));
        }
        &mut self.workspaces[0]
    }

    /// Replaces the user directory: the Slack user ids `calls.add`
    /// (`created_by`, `users`) and the participants methods accept. The
    /// first one is the user every user token acts for.
    pub fn users<S: Into<String>>(
        mut self,
        users: impl IntoIterator<Item = S>,
    ) -> MockSlackBuilder {
        let users = users.into_iter().map(Into::into).collect();
        self.default_workspace().set_users(users);
        self
    }

    /// Adds a user with this email address to the directory (or gives a
    /// user already there this address), for `users.lookupByEmail`. Users
    /// without one have [`default_email`] (`u0mock001@example.com`).
    ///
    /// [`default_email`]: crate::default_email
    pub fn user_with_email(
        mut self,
        user: impl Into<String>,
        email: impl Into<String>,
    ) -> MockSlackBuilder {
        self.default_workspace()
            .set_email(user.into(), email.into());
        self
    }

    /// Replaces the channel directory (default [`DEMO_CHANNELS`]): the
    /// conversations `chat.postMessage` can post in; any other answers
    /// `channel_not_found`.
    pub fn channels<S: Into<String>>(
        mut self,
        channels: impl IntoIterator<Item = S>,
    ) -> MockSlackBuilder {
        let channels = channels.into_iter().map(Into::into).collect();
        self.default_workspace().set_channels(channels);
        self
    }

    /// Adds a channel with this name to the default workspace (or names a
    /// channel already there), so that `chat.postMessage` takes `#name`
    /// for it. The demo channels are `#general` ([`DEMO_CHANNELS`]`[0]`)
    /// and `#random`.
    pub fn channel_named(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
    ) -> MockSlackBuilder {
        self.default_workspace()
            .set_channel_name(id.into(), name.into());
        self
    }

    /// Serves these methods too, for crates that generate more methods
    /// with `slack-calls-codegen`. A method with the name of one in
    /// [`slack_calls::METHODS`] replaces it.
    pub fn methods(mut self, extra: &'static [&'static MethodInfo]) -> MockSlackBuilder {
        self.methods.extend_from_slice(extra);
        self
    }

    /// Runs the rate-limit clock `scale` times faster than real time:
    /// with `60.0` a fake minute lasts one real second. `Retry-After` is in
    /// real seconds (the fake wait divided by `scale`, rounded up, at least
    /// 1), as clients that sleep it expect. Must be finite
    /// and above zero; [`MockSlackBuilder::start`] refuses anything else.
    pub fn time_scale(mut self, scale: f64) -> MockSlackBuilder {
        self.time_scale = scale;
        self
    }

    /// Which rate limits apply (default: each method's tier).
    pub fn rate_limits(mut self, limits: LimitMode) -> MockSlackBuilder {
        self.rate_limits = limits;
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> MockSlackBuilder {
        self.addr = addr;
        self
    }

    /// Keeps the last `capacity` requests in the log (0 keeps none).
    pub fn log_capacity(mut self, capacity: usize) -> MockSlackBuilder {
        self.log_capacity = capacity;
        self
    }

    /// Prints one line per request to stderr (method, token kind, outcome;
    /// never a token).
    pub fn log_to_stderr(mut self, on: bool) -> MockSlackBuilder {
        self.log_to_stderr = on;
        self
    }

    /// The app's client id and secret, which `oauth.v2.access` and
    /// `apps.uninstall` check (default [`DEMO_CLIENT_ID`] and
    /// [`DEMO_CLIENT_SECRET`]).
    ///
    /// [`DEMO_CLIENT_ID`]: crate::DEMO_CLIENT_ID
    /// [`DEMO_CLIENT_SECRET`]: crate::DEMO_CLIENT_SECRET
    pub fn app_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> MockSlackBuilder {
        self.app.client_id = client_id.into();
        self.app.client_secret = client_secret.into();
        self
    }

    /// Registers the Slack app the fake sends events and Call initiations
    /// to (see [`MockApp`]; also [`MockSlack::register_app`]).
    ///
    /// [`MockSlack::register_app`]: crate::MockSlack::register_app
    pub fn app(mut self, app: MockApp) -> MockSlackBuilder {
        self.registered_app = Some(app);
        self
    }

    /// Adds a Redirect URL of the app, where `GET /oauth/v2/authorize`
    /// sends the user back (the first one added is the default). A
    /// `redirect_uri` must be one of them or under one (same scheme, host
    /// and port; the same path or a subdirectory of it), as Slack's rule
    /// is. Slack takes only HTTPS URLs; the fake also takes `http://` on
    /// `127.0.0.1`, `localhost` and `[::1]`, and refuses anything else
    /// (and any URL with a `#`) at [`MockSlackBuilder::start`].
    pub fn redirect_url(mut self, url: impl Into<String>) -> MockSlackBuilder {
        self.redirect_urls.push(url.into());
        self
    }

    /// Turns the app's token rotation on (default off), as
    /// `settings.token_rotation_enabled` does for a Slack app:
    /// `oauth.v2.access` then issues access tokens that expire after
    /// 43,200 s of the fake's clock (`xoxe.xoxb-1-…`, `xoxe.xoxp-1-…`),
    /// each with a refresh token (`xoxe-1-…`), and takes
    /// `grant_type=refresh_token`. The tokens the fake starts with never
    /// expire. Also [`MockSlack::set_token_rotation`].
    ///
    /// [`MockSlack::set_token_rotation`]: crate::MockSlack::set_token_rotation
    pub fn token_rotation(mut self, on: bool) -> MockSlackBuilder {
        self.token_rotation = on;
        self
    }

    /// How long a refresh token stays usable after its first exchange, on
    /// the fake's clock (default [`DEFAULT_REFRESH_GRACE`], 10 minutes;
    /// Slack says only "a short grace period"). Also
    /// [`MockSlack::set_refresh_grace`].
    ///
    /// [`DEFAULT_REFRESH_GRACE`]: crate::DEFAULT_REFRESH_GRACE
    /// [`MockSlack::set_refresh_grace`]: crate::MockSlack::set_refresh_grace
    pub fn refresh_grace(mut self, grace: Duration) -> MockSlackBuilder {
        self.refresh_grace = grace;
        self
    }

    /// Makes an Enterprise Grid organization `id` (`E…`) named `name`
    /// of these workspaces (the default [`DEMO_TEAM_ID`] and ones added with
    /// [`MockSlackBuilder::workspace`]). Events from its workspaces, the
    /// Call button's requests, `auth.test` and `oauth.v2.access` name it;
    /// [`MockSlack::set_org_wide_install`] makes installs org-wide.
    /// [`MockSlackBuilder::start`] refuses an id that is not a Slack id, a
    /// team id no workspace has, and a workspace in two organizations.
    ///
    /// [`MockSlack::set_org_wide_install`]: crate::MockSlack::set_org_wide_install
    pub fn enterprise<S: Into<String>>(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
        team_ids: impl IntoIterator<Item = S>,
    ) -> MockSlackBuilder {
        self.enterprises.push((
            id.into(),
            name.into(),
            team_ids.into_iter().map(Into::into).collect(),
        ));
        self
    }
}

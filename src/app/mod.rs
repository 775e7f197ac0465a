//! One Slack app, installed in many workspaces: the [`App`] handle.
//!
//! Slack counts each method's limit per app, per workspace, per method,
//! across every token the app holds for that workspace, and a 429 pauses
//! the method for all of them. So pacing must be keyed by workspace, and
//! every client of a workspace must share it. [`App`] holds the one
//! [`RateLimiter`] and the [`Installations`] (which tokens each workspace
//! gave the app) and hands out per-workspace [`Client`]s that are paced
//! together. The events receiver uses the same handle: on `app_uninstalled`
//! or `tokens_revoked` it calls [`App::uninstalled`] or
//! [`App::tokens_revoked`], and the workspace's queued calls stop with
//! [`Error::WorkspaceGone`](crate::Error::WorkspaceGone).
//!
//! Beside it, what a Calls app builds on the generated API, calling Slack
//! only through the generated methods and reading only public types, as an
//! application would:
//! - `roster/`: [`Roster`](crate::Roster), which keeps one call's participant
//!   list in step with join and leave events, in few requests;
//! - `call_user.rs`: constructors for the participant type, [`CallUser`](crate::CallUser).

pub(crate) mod call_user;
pub(crate) mod roster;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::call::client::{Client, ClientBuilder, Rotating};
use crate::call::workspace_gone::Flags;
use crate::error::{BuildError, Error};
use crate::install::installation::{Installation, InstallationKey};
use crate::install::memory::{Installations, MemoryInstallations};
use crate::install::rotation::{DEFAULT_REFRESH_BEFORE, Rotation, WorkspaceToken};
use crate::install::store::{InstallationStore, StoreError};
use crate::pacing::limiter::{RateLimiter, Scope};
use crate::pacing::rate::RateLimits;
use crate::telemetry;
use crate::token::Token;

/// Why an [`App`] could not hand out a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The app holds no installation for this workspace (never installed,
    /// uninstalled, or its tokens were revoked).
    #[error(
        "the app is not installed in workspace {team_id} (record it with App::install, or it was uninstalled)"
    )]
    NotInstalled {
        /// The workspace asked for.
        team_id: String,
    },
    /// The client could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// `auth.test`, sent to learn a token's workspace, failed.
    #[error("could not learn the token's workspace: {0}")]
    AuthTest(Box<Error<crate::auth::TestError>>),
    /// The installation store failed (loading the installations when the
    /// app starts).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How often an app with a store follows the changes other instances made,
/// by default: an uninstall, a revocation or an install seen by one
/// instance reaches the others' caches within this, plus one query.
pub const DEFAULT_STORE_POLL: Duration = Duration::from_secs(1);

/// Sets up every client an [`App`] hands out (base URL, clock, retries,
/// timeouts); the app then sets the limiter and the workspace.
type Configure = dyn Fn(ClientBuilder) -> ClientBuilder + Send + Sync;

/// One Slack app: the shared [`RateLimiter`], the [`Installations`], and
/// per-workspace [`Client`]s paced together.
///
/// Every client from one `App` for one workspace, whatever its token (bot
/// or user) and however many clones, draws on the same pacing per method,
/// as Slack counts it. Clients of other workspaces are paced apart.
///
/// ```
/// use slack_calls::{App, Installation};
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let app = App::builder("A0123").build()?;
/// app.install(Installation::new("T0123", ["xoxb-bot-token", "xoxp-user-token"]));
/// let bot = app.workspace("T0123")?; // paced with every other client of T0123
/// let user = app.workspace_with_token("T0123", "xoxp-user-token")?;
/// # let _ = (bot, user); Ok(()) }
/// ```
#[derive(Clone)]
pub struct App {
    inner: Arc<AppInner>,
}

struct AppInner {
    app_id: String,
    limiter: RateLimiter,
    installations: Arc<dyn Installations>,
    /// Refreshes rotating tokens, for every client of the app.
    rotation: Arc<Rotation>,
    http: reqwest::Client,
    configure: Arc<Configure>,
    /// A client set up once as the app's clients are; each workspace's
    /// client is made from it with its token and workspace.
    prototype: Client,
    /// Workspaces learned with `auth.test`, by the limiter's keyed hash of
    /// the token (never the token text), with when each was last used.
    learned: Mutex<Bounded<Scope, (String, Instant)>>,
    /// Per workspace with live clients: flips to true when the app loses it.
    gone: Arc<Flags>,
    /// The workspaces each organization's org-wide install has served
    /// clients for, so that losing the install stops them.
    org_teams: Mutex<HashMap<String, HashSet<String>>>,
    /// Where installations live across restarts and instances; the
    /// `installations` above are then its cache.
    store: Option<Arc<dyn InstallationStore>>,
    /// Where the cache stands in the store's change feed.
    revision: AtomicU64,
    /// How many times the cache has followed the store's changes.
    syncs: AtomicU64,
    /// Keys this instance is deleting from the store: a sync that runs
    /// before the delete lands must not bring them back into the cache.
    deleting: Mutex<HashSet<InstallationKey>>,
    /// One sync at a time.
    syncing: tokio::sync::Mutex<()>,
    /// The install flows' states when there is no store.
    #[cfg(feature = "install")]
    memory_states: Arc<MemoryInstallations>,
    /// The rosters of the app's clients flush when it stops.
    shutdown: Option<crate::Shutdown>,
}

/// A map swept of entries that no longer matter each time it has doubled
/// since the last sweep, so it holds about what is in use, not every key
/// ever seen.
struct Bounded<K, V> {
    map: HashMap<K, V>,
    sweep_at: usize,
}

/// The size a [`Bounded`] map may reach before its first sweep.
const SWEEP_FLOOR: usize = 1024;

/// How long a token's learned workspace is kept after its last use.
const LEARNED_FOR: Duration = Duration::from_secs(60 * 60);

impl<K: std::hash::Hash + Eq, V> Bounded<K, V> {
    fn new() -> Bounded<K, V> {
        Bounded {
            map: HashMap::new(),
            sweep_at: SWEEP_FLOOR,
        }
    }

    /// Before an insert: keeps only what `keep` says matters, once the
    /// map has grown to its sweep size.
    fn sweep_if_grown(&mut self, keep: impl FnMut(&K, &mut V) -> bool) {
        if self.map.len() >= self.sweep_at {
            self.map.retain(keep);
            self.sweep_at = (self.map.len() * 2).max(SWEEP_FLOOR);
        }
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("app_id", &self.inner.app_id)
            .field("limiter", &self.inner.limiter)
            .finish_non_exhaustive()
    }
}

/// Builds an [`App`].
pub struct AppBuilder {
    app_id: String,
    limits: RateLimits,
    limiter: Option<RateLimiter>,
    installations: Option<Arc<dyn Installations>>,
    configure: Arc<Configure>,
    store_poll: Duration,
    #[cfg(feature = "redis")]
    redis: Option<crate::RedisPacing>,
    /// The app's client id and secret, for refreshing rotating tokens.
    credentials: Option<(String, Token)>,
    refresh_before: Duration,
    shutdown: Option<crate::Shutdown>,
}

impl fmt::Debug for AppBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppBuilder")
            .field("app_id", &self.app_id)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl AppBuilder {
    /// Paces with `limits` (default: [`RateLimits::slack_tiers`]).
    pub fn rate_limits(mut self, limits: RateLimits) -> AppBuilder {
        self.limits = limits;
        self
    }

    /// Paces with this limiter (to share it with clients built elsewhere).
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> AppBuilder {
        self.limiter = Some(limiter);
        self
    }

    /// Shares pacing with the app's other instances through Redis
    /// (feature `redis`; see [`RateLimiter::shared_through`]). Ignored
    /// when a limiter is given with [`rate_limiter`](AppBuilder::rate_limiter).
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(mut self, redis: crate::RedisPacing) -> AppBuilder {
        self.redis = Some(redis);
        self
    }

    /// Keeps installations here (default: a new [`MemoryInstallations`]).
    /// With [`build_with_store`](AppBuilder::build_with_store), this is the
    /// store's cache.
    pub fn installations(mut self, installations: impl Installations) -> AppBuilder {
        self.installations = Some(Arc::new(installations));
        self
    }

    /// Sets up every client the app hands out: base URL, clock, retry
    /// policy, timeouts, wait budget. The app sets the limiter and the
    /// workspace afterwards, so those set here are replaced. The clients
    /// share one connection pool, built with the connect and request
    /// timeouts set here (unless this gives them an
    /// [`http_client`](ClientBuilder::http_client) of its own).
    pub fn clients(
        mut self,
        configure: impl Fn(ClientBuilder) -> ClientBuilder + Send + Sync + 'static,
    ) -> AppBuilder {
        self.configure = Arc::new(configure);
        self
    }

    /// The app's client id and secret (from its settings page, **Basic
    /// Information**): with token rotation on, the app refreshes its
    /// installations' tokens with them (`oauth.v2.access`,
    /// `grant_type=refresh_token`). An app whose tokens do not rotate needs
    /// none.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Token>,
    ) -> AppBuilder {
        self.credentials = Some((client_id.into(), client_secret.into()));
        self
    }

    /// How long before a rotating token expires its clients refresh it
    /// (default [`DEFAULT_REFRESH_BEFORE`], 120 minutes, as Bolt for
    /// Python; tokens live 12 hours). Every call a workspace client makes
    /// inside this window refreshes first (one refresh per installation
    /// across every instance sharing the store, see
    /// [`InstallationStore::hold_for_refresh`]).
    pub fn refresh_before(mut self, window: Duration) -> AppBuilder {
        self.refresh_before = window;
        self
    }

    /// Gives the app's workspace clients `shutdown`: a
    /// [`Roster`](crate::Roster) started with one of them flushes when the
    /// shutdown stops, after the handlers in flight finish. Give the same
    /// shutdown to the receiver ([`ReceiverBuilder::shutdown`](crate::events::ReceiverBuilder::shutdown)).
    pub fn shutdown(mut self, shutdown: &crate::Shutdown) -> AppBuilder {
        self.shutdown = Some(shutdown.clone());
        self
    }

    /// How often an app built with a store follows the changes other
    /// instances made (default [`DEFAULT_STORE_POLL`], 1 s).
    pub fn store_poll(mut self, every: Duration) -> AppBuilder {
        self.store_poll = every.max(Duration::from_millis(10));
        self
    }

    /// Builds the app over an [`InstallationStore`]: every installation is
    /// read into a cache when it starts, so a lookup on the hot path
    /// ([`App::workspace`], each incoming event) never waits on the store;
    /// [`App::save`] stores an install before caching it, and an uninstall
    /// or revocation deletes it from the store. A task follows what other
    /// instances change through the store's change feed every
    /// [`store_poll`](AppBuilder::store_poll): an uninstall, a revocation or
    /// an install seen by one instance reaches every other within that
    /// interval plus one query, and stops the lost workspace's queued work
    /// there too. The task ends when the last handle to the app is dropped.
    ///
    /// Call it inside a tokio runtime.
    pub async fn build_with_store(self, store: impl InstallationStore) -> Result<App, AppError> {
        let poll = self.store_poll;
        let store: Arc<dyn InstallationStore> = Arc::new(store);
        let mut app = self.build()?;
        // Read where the feed stands before reading everything, so a change
        // made between the two is followed again, never missed.
        let revision = store.revision().await?;
        let every = store.all().await?;
        let inner = Arc::get_mut(&mut app.inner).expect("a new app has one handle");
        inner.rotation = Arc::new(inner.rotation.with_store(store.clone()));
        inner.store = Some(store);
        inner.revision = AtomicU64::new(revision);
        for installation in every {
            inner.installations.put(installation);
        }
        let weak = Arc::downgrade(&app.inner);
        tokio::spawn(follow_store(weak, poll));
        Ok(app)
    }

    /// Builds the app.
    pub fn build(self) -> Result<App, BuildError> {
        #[cfg(feature = "redis")]
        let limiter = match (self.limiter, self.redis) {
            (Some(limiter), _) => limiter,
            (None, Some(redis)) => RateLimiter::shared_through(self.limits, redis)?,
            (None, None) => RateLimiter::new(self.limits)?,
        };
        #[cfg(not(feature = "redis"))]
        let limiter = match self.limiter {
            Some(limiter) => limiter,
            None => RateLimiter::new(self.limits)?,
        };
        // One connection pool for every client of the app, with the
        // timeouts its clients are set up with (the same for each).
        let http = (self.configure)(Client::builder("")).own_http_client()?;
        let prototype = (self.configure)(Client::builder("").http_client(http.clone()))
            .rate_limiter(limiter.clone())
            .build()?;
        let installations = self
            .installations
            .unwrap_or_else(|| Arc::new(MemoryInstallations::new()));
        let refresher = match &self.credentials {
            Some((id, secret)) => Some(
                (self.configure)(
                    Client::app_builder(id.clone(), secret.expose_secret())
                        .http_client(http.clone()),
                )
                .rate_limiter(limiter.clone())
                .build()?,
            ),
            None => None,
        };
        let rotation = Arc::new(Rotation::new(
            installations.clone(),
            None,
            refresher,
            self.refresh_before,
        ));
        Ok(App {
            inner: Arc::new(AppInner {
                app_id: self.app_id,
                limiter,
                installations,
                rotation,
                http,
                configure: self.configure,
                prototype,
                learned: Mutex::new(Bounded::new()),
                gone: Arc::default(),
                org_teams: Mutex::default(),
                store: None,
                revision: AtomicU64::new(0),
                syncs: AtomicU64::new(0),
                deleting: Mutex::default(),
                syncing: tokio::sync::Mutex::new(()),
                #[cfg(feature = "install")]
                memory_states: Arc::default(),
                shutdown: self.shutdown,
            }),
        })
    }
}

/// Follows the store's changes every `poll` while the app lives.
async fn follow_store(app: Weak<AppInner>, poll: Duration) {
    loop {
        tokio::time::sleep(poll).await;
        let Some(inner) = app.upgrade() else { return };
        if let Err(err) = (App { inner }).sync().await {
            tracing::warn!(error = %err, "could not follow the installation store's changes; trying again");
        }
    }
}

impl App {
    /// A builder for the app with this id (Slack's `A…` app id).
    pub fn builder(app_id: impl Into<String>) -> AppBuilder {
        AppBuilder {
            app_id: app_id.into(),
            limits: RateLimits::slack_tiers(),
            limiter: None,
            installations: None,
            configure: Arc::new(|builder| builder),
            store_poll: DEFAULT_STORE_POLL,
            #[cfg(feature = "redis")]
            redis: None,
            credentials: None,
            refresh_before: DEFAULT_REFRESH_BEFORE,
            shutdown: None,
        }
    }

    /// The app's id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The limiter every client of the app shares.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// The installations.
    pub fn installations(&self) -> &dyn Installations {
        &*self.inner.installations
    }

    /// Records that a workspace installed the app, in the app's memory
    /// only (its cache, for an app with a store: use [`save`](App::save)
    /// there). A workspace that had uninstalled it may install it again.
    pub fn install(&self, installation: Installation) {
        let team = installation.team_id().map(str::to_owned);
        self.inner.installations.put(installation);
        if let Some(team) = team {
            self.inner.gone.installed(&team);
        }
    }

    /// Records an install: in the store first (for an app built with
    /// [`build_with_store`](AppBuilder::build_with_store)), then in the
    /// app's cache. When the store fails nothing is cached, and the error
    /// says why.
    pub async fn save(&self, installation: Installation) -> Result<(), StoreError> {
        let installation = installation.at_stored_precision();
        if let Some(store) = &self.inner.store {
            store.save(&installation).await?;
        }
        self.install(installation);
        Ok(())
    }

    /// The store the app was built with, if any.
    pub fn store(&self) -> Option<&dyn InstallationStore> {
        self.inner.store.as_deref()
    }

    /// Where the install flows of this app keep their states: the store,
    /// where every instance sees them; without one, the app's memory,
    /// shared by its flows.
    #[cfg(feature = "install")]
    pub(crate) fn state_store(&self) -> Arc<dyn InstallationStore> {
        match &self.inner.store {
            Some(store) => store.clone(),
            None => self.inner.memory_states.clone(),
        }
    }

    /// A client for `team_id` with `token`, as
    /// [`workspace_with_token`](App::workspace_with_token) gives.
    #[cfg(feature = "install")]
    pub(crate) fn bot_client(&self, team_id: &str, token: Token) -> Client {
        let signal = self.inner.gone.signal(team_id);
        self.inner.prototype.for_workspace(
            token,
            team_id,
            signal,
            None,
            self.inner.shutdown.clone(),
        )
    }

    /// A client that calls with the app's credentials (`oauth.v2.access`),
    /// set up as the app's clients are and paced with them.
    #[cfg(feature = "install")]
    pub(crate) fn credentials_client(
        &self,
        client_id: &str,
        client_secret: &Token,
    ) -> Result<Client, BuildError> {
        (self.inner.configure)(
            Client::app_builder(client_id, client_secret.expose_secret())
                .http_client(self.inner.http.clone()),
        )
        .rate_limiter(self.inner.limiter.clone())
        .build()
    }

    /// How many times the app has followed its store's changes (each pass
    /// of the task [`build_with_store`](AppBuilder::build_with_store)
    /// starts, and each [`sync`](App::sync)).
    pub fn store_syncs(&self) -> u64 {
        self.inner.syncs.load(Ordering::Acquire)
    }

    /// Follows the store's changes now, as the app's task does every
    /// [`store_poll`](AppBuilder::store_poll): each installation another
    /// instance saved is cached, each one it deleted is forgotten and its
    /// workspaces' queued work stops. Returns how many installations
    /// changed. Without a store, does nothing.
    pub async fn sync(&self) -> Result<usize, StoreError> {
        let Some(store) = &self.inner.store else {
            return Ok(0);
        };
        let _one = self.inner.syncing.lock().await;
        let since = self.inner.revision.load(Ordering::Acquire);
        let changes = store.changes_since(since).await?;
        let mut changed = 0;
        for key in changes.keys {
            // Read every key before moving on, so a failed read retries the
            // whole pass from the same revision.
            let now = store.find(&key).await?;
            if lock(&self.inner.deleting).contains(&key) {
                continue;
            }
            changed += usize::from(self.follow(&key, now));
        }
        self.inner
            .revision
            .store(changes.revision, Ordering::Release);
        self.inner.syncs.fetch_add(1, Ordering::AcqRel);
        Ok(changed)
    }

    /// Brings the cache's entry for `key` to what the store holds; whether
    /// it changed.
    fn follow(&self, key: &InstallationKey, now: Option<Installation>) -> bool {
        let cached = self.inner.installations.get(key);
        match now {
            Some(installation) if cached.as_ref() == Some(&installation) => false,
            Some(installation) => {
                let team = installation.team_id().map(str::to_owned);
                let had_token = cached.as_ref().and_then(Installation::token).is_some();
                self.inner.installations.put(installation);
                // Installed (again) elsewhere: clients made from now on work.
                if let (Some(team), false) = (team, had_token) {
                    self.inner.gone.installed(&team);
                }
                true
            }
            None if cached.is_none() => false,
            None => {
                tracing::info!(installation = %key, "installation deleted by another instance; stopping its queued calls");
                self.forget_cached(key, cached.as_ref());
                true
            }
        }
    }

    /// Forgets the cached installation under `key` and stops what it
    /// served: its workspace, or every workspace of its organization.
    fn forget_cached(&self, key: &InstallationKey, installation: Option<&Installation>) {
        self.inner.installations.remove(key);
        let teams: Vec<String> = match (&key.team_id, &key.enterprise_id) {
            (Some(team), _) => vec![team.clone()],
            (None, Some(org)) => lock(&self.inner.org_teams)
                .remove(org)
                .map(|teams| teams.into_iter().collect())
                .unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        if let Some(installation) = installation {
            lock(&self.inner.learned)
                .map
                .retain(|_, (team, _)| installation.team_id() != Some(team.as_str()));
        }
        for team in teams {
            self.inner.limiter.forget_workspace(&team);
            self.inner.gone.lose(&team);
        }
    }

    /// Deletes the installation under `key` from the store, in the
    /// background (the cache has forgotten it already).
    fn delete_stored(&self, key: InstallationKey) {
        let Some(store) = self.inner.store.clone() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(installation = %key, "no tokio runtime to delete the installation from the store");
            return;
        };
        lock(&self.inner.deleting).insert(key.clone());
        let app = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            let mut wait = Duration::from_millis(100);
            for attempt in 1..=5 {
                match store.delete(&key).await {
                    Ok(_) => break,
                    Err(err) if attempt == 5 => {
                        tracing::error!(installation = %key, error = %err, "could not delete the lost installation from the store");
                    }
                    Err(err) => {
                        tracing::warn!(installation = %key, error = %err, "could not delete the lost installation from the store; trying again");
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                }
            }
            if let Some(inner) = app.upgrade() {
                lock(&inner.deleting).remove(&key);
                // A sync that ran meanwhile skipped the key: read it again,
                // in case another instance installed it anew since.
                if let Ok(now) = store.find(&key).await {
                    App { inner }.follow(&key, now);
                }
            }
        });
    }

    /// Saves a changed installation to the store, in the background (the
    /// cache holds it already).
    fn save_stored(&self, installation: Installation) {
        let Some(store) = self.inner.store.clone() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(installation = %installation.key(), "no tokio runtime to save the installation to the store");
            return;
        };
        runtime.spawn(async move {
            if let Err(err) = store.save(&installation).await {
                tracing::error!(installation = %installation.key(), error = %err, "could not save the installation's revoked tokens to the store");
            }
        });
    }

    /// A client for `team_id` with its installation's token (the bot
    /// token if there is one), paced with every other client of the
    /// workspace.
    pub fn workspace(&self, team_id: &str) -> Result<Client, AppError> {
        let token = self.inner.installations.team_token(team_id);
        telemetry::installation_lookup("team", hit_or_miss(&token));
        // A rotating token's client finds it again by key before each call.
        let rotating = match &token {
            // Found by the token's index: no copy of the installation.
            Some(token) if token.expires_at.is_some() => {
                self.inner.installations.key_of(&token.token)
            }
            _ => None,
        };
        self.client_of(token, team_id, rotating, || team_id.to_owned())
    }

    /// A client for workspace `team_id` with the token of the installation
    /// under `key`: an org-wide install (`InstallationKey::org_wide`)
    /// serves every workspace of its organization, each paced as its own
    /// workspace. For a request from Slack, the key comes from
    /// [`InstallationKey::find`] (an event's `authorizations[0]`, a Call
    /// button's form fields).
    pub fn workspace_of(&self, key: &InstallationKey, team_id: &str) -> Result<Client, AppError> {
        let token = self.inner.installations.token(key);
        telemetry::installation_lookup("installation", hit_or_miss(&token));
        if token.is_some() && key.is_org_wide() {
            // Installed now: a flag raised when an earlier org-wide install
            // was lost (held by its old clients) is not this one's.
            self.inner.gone.installed(team_id);
        }
        let rotating = match &token {
            Some(token) if token.expires_at.is_some() => Some(key.clone()),
            _ => None,
        };
        let client = self.client_of(token, team_id, rotating, || key.to_string())?;
        if let (true, Some(org)) = (key.is_org_wide(), &key.enterprise_id) {
            lock(&self.inner.org_teams)
                .entry(org.clone())
                .or_default()
                .insert(team_id.to_owned());
        }
        Ok(client)
    }

    /// The app lost an org-wide install (`app_uninstalled` or
    /// `tokens_revoked` naming it): its installation is forgotten, and
    /// every workspace it served stops as [`uninstalled`](App::uninstalled)
    /// stops one.
    pub fn org_uninstalled(&self, key: &InstallationKey) {
        self.lose_org(key, "app_uninstalled");
    }

    fn lose_org(&self, key: &InstallationKey, why: &str) {
        tracing::info!(installation = %key, why, "org-wide install lost; stopping its workspaces' queued calls");
        let cached = self.inner.installations.get(key);
        self.forget_cached(key, cached.as_ref());
        self.delete_stored(key.clone());
    }

    fn client_of(
        &self,
        token: Option<WorkspaceToken>,
        team_id: &str,
        rotating: Option<InstallationKey>,
        named: impl Fn() -> String,
    ) -> Result<Client, AppError> {
        let token = token.ok_or_else(|| AppError::NotInstalled { team_id: named() })?;
        let signal = self.inner.gone.signal(team_id);
        let rotating = rotating.map(|key| Rotating {
            rotation: self.inner.rotation.clone(),
            key,
        });
        Ok(self.inner.prototype.for_workspace(
            token.token,
            team_id,
            signal,
            rotating,
            self.inner.shutdown.clone(),
        ))
    }

    /// How many times this instance refreshed a rotating token at Slack
    /// (refreshes another instance made, which this one took from the
    /// store, are not counted).
    pub fn token_refreshes(&self) -> u64 {
        self.inner.rotation.refreshes()
    }

    /// A client for `team_id` with `token` (such as a user's token), paced
    /// with every other client of the workspace. The app does not check
    /// that the token belongs to the workspace: say the right one.
    pub fn workspace_with_token(
        &self,
        team_id: &str,
        token: impl Into<Token>,
    ) -> Result<Client, AppError> {
        self.client(token.into(), team_id)
    }

    /// A client for `token`, paced with every other client of the token's
    /// workspace, without being told the workspace.
    ///
    /// The workspace comes from the installations when they hold the token;
    /// else the app sends one `auth.test` with the token (a request to
    /// Slack, paced at its special tier, about 100 a minute) and remembers
    /// the answer for as long as the app lives. So each unknown token costs
    /// one round-trip to Slack, once.
    pub async fn client_for_token(&self, token: impl Into<Token>) -> Result<Client, AppError> {
        let token = token.into();
        let key = self.inner.limiter.token_scope(&token);
        let known = lock(&self.inner.learned)
            .map
            .get_mut(&key)
            .map(|(team, used)| {
                *used = Instant::now();
                team.clone()
            });
        if let Some(team) = known {
            telemetry::installation_lookup("token", "hit");
            return self.client(token, &team);
        }
        if let Some(team) = self
            .inner
            .installations
            .key_of(&token)
            .and_then(|key| key.team_id)
        {
            telemetry::installation_lookup("token", "hit");
            return self.client(token, &team);
        }
        let probe = (self.inner.configure)(
            Client::builder(token.clone()).http_client(self.inner.http.clone()),
        )
        .rate_limiter(self.inner.limiter.clone())
        .build()?;
        let answer = probe
            .auth()
            .test()
            .await
            .map_err(|err| AppError::AuthTest(Box::new(err)))?;
        let mut learned = lock(&self.inner.learned);
        let now = Instant::now();
        learned.sweep_if_grown(|_, (_, used)| now.saturating_duration_since(*used) < LEARNED_FOR);
        learned.map.insert(key, (answer.team_id.clone(), now));
        drop(learned);
        telemetry::installation_lookup("token", "learned");
        self.client(token, &answer.team_id)
    }

    /// The app was uninstalled from `team_id` (the `app_uninstalled`
    /// event): its installation is forgotten, and every call of its
    /// clients that waits for a permit, and every later one, fails with
    /// [`Error::WorkspaceGone`](crate::Error::WorkspaceGone). A call
    /// already on the wire finishes.
    pub fn uninstalled(&self, team_id: &str) {
        self.lose(team_id, "the app was uninstalled");
    }

    /// The workspace revoked all the app's tokens: the same as
    /// [`uninstalled`](App::uninstalled) for `team_id`, since its clients'
    /// tokens no longer work. For the `tokens_revoked` event, which names
    /// whose tokens went, [`revoke`](App::revoke) drops just those.
    pub fn tokens_revoked(&self, team_id: &str) {
        self.lose(team_id, "the app's tokens were revoked");
    }

    /// The `tokens_revoked` event: drops just the tokens it names from the
    /// installation under `key` (the bot's, when its bot user is listed
    /// under `bot`; the installing user's, when listed under `oauth`), in
    /// the cache and the store (an app has one bot user per workspace, so
    /// any bot listed is its bot). An installation left with no token is lost
    /// as [`uninstalled`](App::uninstalled) loses one; one that keeps a
    /// token goes on serving with it. Returns whether the installation
    /// changed.
    pub fn revoke(&self, key: &InstallationKey, revoked: &crate::RevokedTokens) -> bool {
        let Some(mut installation) = self.inner.installations.get(key) else {
            return false;
        };
        let listed = |list: &[crate::UserId], user: &str| {
            user.is_empty() || list.iter().any(|id| id.as_str() == user)
        };
        let mut changed = false;
        // An app has one bot user per workspace: a bot listed is its bot.
        if installation.bot.is_some() && !revoked.bot.is_empty() {
            installation.bot = None;
            changed = true;
        }
        // A user token is the installer's when its user is listed (or was
        // never known).
        if let Some(installer) = &mut installation.installer
            && installer.grant.is_some()
            && !revoked.oauth.is_empty()
            && listed(&revoked.oauth, &installer.user_id)
        {
            installer.grant = None;
            changed = true;
        }
        if !changed {
            return false;
        }
        if installation.token().is_none() {
            tracing::info!(installation = %key, "every token of the installation was revoked; stopping its queued calls");
            self.forget_cached(key, Some(&installation));
            self.delete_stored(key.clone());
        } else {
            tracing::info!(installation = %key, "some of the installation's tokens were revoked; it keeps the rest");
            lock(&self.inner.learned).map.clear();
            self.inner.installations.put(installation.clone());
            self.save_stored(installation);
        }
        true
    }

    fn lose(&self, team_id: &str, why: &'static str) {
        tracing::info!(team_id, why, "workspace lost; stopping its queued calls");
        if let Some(installation) = self.inner.installations.for_team(team_id) {
            let key = installation.key();
            self.inner.installations.remove(&key);
            self.delete_stored(key);
        }
        lock(&self.inner.learned)
            .map
            .retain(|_, (team, _)| team != team_id);
        self.inner.limiter.forget_workspace(team_id);
        // Stop the clients there are; keep nothing for a workspace that has
        // none (no client of it can exist until the next install).
        self.inner.gone.lose(team_id);
    }

    fn client(&self, token: Token, team_id: &str) -> Result<Client, AppError> {
        let signal = self.inner.gone.signal(team_id);
        Ok(self.inner.prototype.for_workspace(
            token,
            team_id,
            signal,
            None,
            self.inner.shutdown.clone(),
        ))
    }
}

fn hit_or_miss<T>(found: &Option<T>) -> &'static str {
    if found.is_some() { "hit" } else { "miss" }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An [`App`] is the receiver's workspace lookup: a handler's
/// [`Context::client`](crate::events::Context::client) is the app's client
/// for the delivery's workspace, and `app_uninstalled` / `tokens_revoked`
/// stop that workspace's work ([`App::uninstalled`], [`App::tokens_revoked`])
/// before the app's own handler runs.
#[cfg(feature = "events")]
impl crate::events::Workspaces for App {
    fn client(&self, team_id: &str) -> Option<Client> {
        self.workspace(team_id).ok()
    }

    fn lost(&self, team_id: &str, event_type: &str) {
        match event_type {
            "app_uninstalled" => self.uninstalled(team_id),
            _ => self.tokens_revoked(team_id),
        }
    }

    fn client_for(&self, installation: Option<&InstallationKey>, team_id: &str) -> Option<Client> {
        match installation {
            Some(key) => self.workspace_of(key, team_id).ok(),
            None => self.workspace(team_id).ok(),
        }
    }

    fn lost_installation(
        &self,
        installation: Option<&InstallationKey>,
        team_id: &str,
        event_type: &str,
    ) {
        match installation {
            Some(key) if key.is_org_wide() => self.lose_org(key, event_type),
            _ => self.lost(team_id, event_type),
        }
    }

    fn tokens_revoked(
        &self,
        installation: Option<&InstallationKey>,
        team_id: &str,
        revoked: &crate::RevokedTokens,
    ) {
        let key = match installation {
            Some(key) => Some(key.clone()),
            None => self
                .inner
                .installations
                .for_team(team_id)
                .map(|found| found.key()),
        };
        if let Some(key) = key {
            self.revoke(&key, revoked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_flag_lives_only_while_a_client_holds_it() {
        let app = App::builder("A0BOUND").build().unwrap();
        for n in 0..20_000 {
            let client = app
                .workspace_with_token(&format!("T{n}"), "xoxb-bound")
                .unwrap();
            drop(client);
        }
        assert_eq!(app.inner.gone.len(), 0, "no client, no flag");
        // A flag some client (or a clone of it) still holds is kept, and
        // still stops it.
        let kept = app.workspace_with_token("TKEPT", "xoxb-bound").unwrap();
        let clone = kept.clone();
        let other = app.workspace_with_token("TKEPT", "xoxp-bound").unwrap();
        drop(other);
        assert_eq!(app.inner.gone.state("TKEPT"), Some(false));
        app.uninstalled("TKEPT");
        assert_eq!(app.inner.gone.state("TKEPT"), Some(true));
        // Installed again: new clients get a new flag, down; the old
        // clients keep theirs, up.
        app.install(Installation::new("TKEPT", ["xoxb-again"]));
        let fresh = app.workspace("TKEPT").unwrap();
        assert_eq!(app.inner.gone.state("TKEPT"), Some(false));
        // The old clients going does not take the new flag with them.
        drop(kept);
        drop(clone);
        assert_eq!(app.inner.gone.state("TKEPT"), Some(false));
        drop(fresh);
        assert_eq!(app.inner.gone.len(), 0);
        // A lost workspace with no client leaves nothing.
        app.uninstalled("TNOCLIENT");
        assert_eq!(app.inner.gone.state("TNOCLIENT"), None);
    }
}

//! Token rotation: an [`App`](crate::App)'s workspace clients refresh a
//! rotating token (`xoxe.xoxb-1-…`, `xoxe.xoxp-1-…`, 12 hours) before it
//! expires, on every path that sends one, exactly once per expiry across
//! every instance sharing the app's store.
//!
//! How:
//!
//! - **Before each call**, the client reads the token from the app's cache
//!   with its expiry. Within [`DEFAULT_REFRESH_BEFORE`] (or what
//!   [`AppBuilder::refresh_before`](crate::AppBuilder::refresh_before) sets)
//!   of the expiry, it refreshes first.
//! - **One refresh per installation in a process**: the callers that find
//!   the token expiring at once wait on one refresh and take its token.
//! - **One across processes**: the refresher holds the installation in the
//!   store ([`InstallationStore::hold_for_refresh`]: a row lock in
//!   PostgreSQL, a write transaction in SQLite), then reads it. When another
//!   instance refreshed meanwhile, the stored token is new and fresh: it is
//!   taken, and the old refresh token is never spent twice. Else the
//!   refresher spends the stored refresh token, saves the new pair under the
//!   hold and lets go. Other instances' caches follow through the store's
//!   change feed.
//! - **A lost answer** (the connection broke after Slack may have acted):
//!   the same refresh token is sent again at once, up to
//!   [`EXCHANGE_ATTEMPTS`] times. Slack keeps a spent refresh token usable
//!   for a short grace period, so the resend gets a pair as good as the one
//!   lost; a refresh whose answer never came leaves the stored pair as it
//!   was, and the next caller starts over from it. A process killed
//!   mid-refresh lets go of its hold with its connection; the next holder
//!   spends the same refresh token, within the grace period.
//! - **`token_expired`** (a token that expired anyway, a clock far off):
//!   Slack refuses such a call before acting on it, so the client refreshes
//!   and sends the call once more, whatever the method.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::call::client::Client;
use crate::clock::Clock;
use crate::install::installation::{Grant, Installation, InstallationKey};
use crate::install::keyed_locks::KeyedLocks;
use crate::install::memory::Installations;
use crate::install::store::{InstallationStore, StoreError};
use crate::token::{Token, TokenKind};

/// How long before its expiry a rotating token is refreshed by default:
/// 120 minutes, as Bolt for Python does. Tokens live 12 hours.
pub const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_secs(120 * 60);

/// How many times one refresh sends its refresh token when answers are
/// lost (the connection broke, a 5xx): each resend is safe within Slack's
/// grace period for a spent refresh token.
pub(crate) const EXCHANGE_ATTEMPTS: u32 = 3;

/// Why a rotating token could not be refreshed. The call that needed it
/// was not sent ([`Error::TokenRefresh`](crate::Error::TokenRefresh)); the
/// next call tries again. No variant carries a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    /// The app was built without its client id and secret, which a refresh
    /// needs ([`AppBuilder::client_credentials`](crate::AppBuilder::client_credentials)).
    #[error(
        "the app has no client id and secret to refresh tokens with; set AppBuilder::client_credentials"
    )]
    NoCredentials,
    /// The installation is gone (uninstalled meanwhile).
    #[error("the installation {key} is not installed any more")]
    NotInstalled {
        /// The installation's key.
        key: String,
    },
    /// The installation's token expires but holds no refresh token.
    #[error("the installation {key}'s {kind:?} token expires and has no refresh token")]
    NoRefreshToken {
        /// The installation's key.
        key: String,
        /// Which token.
        kind: TokenKind,
    },
    /// The store could not hold, read or save the installation. Nothing
    /// was spent when the hold failed.
    #[error("the installation store: {0}")]
    Store(#[from] StoreError),
    /// Slack refused the refresh (`invalid_refresh_token`: the refresh
    /// token is revoked or was spent long ago; the installation needs to
    /// be installed again).
    #[error("Slack refused the refresh: {code}")]
    Refused {
        /// Slack's error code.
        code: String,
    },
    /// No answer came, after every resend.
    #[error("the refresh got no answer: {message}")]
    NoAnswer {
        /// The last failure (never a token).
        message: String,
    },
}

impl RefreshError {
    /// A fixed name for the failure, for logs and metrics: `no_credentials`,
    /// `not_installed`, `no_refresh_token`, `store_error`, `refused`,
    /// `no_answer`.
    pub fn label(&self) -> &'static str {
        match self {
            RefreshError::NoCredentials => "no_credentials",
            RefreshError::NotInstalled { .. } => "not_installed",
            RefreshError::NoRefreshToken { .. } => "no_refresh_token",
            RefreshError::Store(_) => "store_error",
            RefreshError::Refused { .. } => "refused",
            RefreshError::NoAnswer { .. } => "no_answer",
        }
    }
}

/// The token a workspace client of an installation sends, with its expiry
/// when it rotates.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkspaceToken {
    /// The token (the bot's, else the installer's).
    pub token: Token,
    /// When it expires (token rotation only).
    pub expires_at: Option<SystemTime>,
}

impl WorkspaceToken {
    /// `token`, expiring at `expires_at` when it rotates.
    pub fn new(token: Token, expires_at: Option<SystemTime>) -> WorkspaceToken {
        WorkspaceToken { token, expires_at }
    }

    /// The token a workspace client of `installation` sends.
    pub fn of(installation: &Installation) -> Option<WorkspaceToken> {
        let grant = workspace_grant(installation)?;
        Some(WorkspaceToken::new(grant.token.clone(), grant.expires_at))
    }
}

impl std::fmt::Debug for WorkspaceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceToken")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The grant a workspace client uses: the bot's, else the installer's.
fn workspace_grant(installation: &Installation) -> Option<&Grant> {
    installation
        .bot
        .as_ref()
        .map(|bot| &bot.grant)
        .or_else(|| installation.installer.as_ref()?.grant.as_ref())
}

fn workspace_grant_mut(installation: &mut Installation) -> Option<&mut Grant> {
    match installation.bot.as_mut() {
        Some(bot) => Some(&mut bot.grant),
        None => installation.installer.as_mut()?.grant.as_mut(),
    }
}

/// What an [`App`](crate::App) refreshes with: its cache, its store, its
/// credentials, and one refresh per installation at a time.
pub(crate) struct Rotation {
    installations: Arc<dyn Installations>,
    store: Option<Arc<dyn InstallationStore>>,
    /// Calls `oauth.v2.access` with the app's client id and secret.
    credentials: Option<Client>,
    before: Duration,
    flights: KeyedLocks,
    /// Refreshes this process made at Slack (not the ones it took from the
    /// store).
    refreshes: AtomicU64,
}

impl Rotation {
    pub(crate) fn new(
        installations: Arc<dyn Installations>,
        store: Option<Arc<dyn InstallationStore>>,
        credentials: Option<Client>,
        before: Duration,
    ) -> Rotation {
        Rotation {
            installations,
            store,
            credentials,
            before,
            flights: KeyedLocks::default(),
            refreshes: AtomicU64::new(0),
        }
    }

    /// The same rotation, refreshing under `store`'s holds.
    pub(crate) fn with_store(&self, store: Arc<dyn InstallationStore>) -> Rotation {
        Rotation::new(
            self.installations.clone(),
            Some(store),
            self.credentials.clone(),
            self.before,
        )
    }

    /// How many refreshes this process made at Slack.
    pub(crate) fn refreshes(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    fn expiring(&self, expires_at: Option<SystemTime>, now: SystemTime) -> bool {
        expires_at.is_some_and(|at| at <= now + self.before)
    }

    /// The token to send now for the installation under `key`: the cached
    /// one, or a refreshed one when it expires within the window. What a
    /// rotating client asks before each call.
    pub(crate) async fn token(
        &self,
        key: &InstallationKey,
        clock: &dyn Clock,
    ) -> Result<Token, RefreshError> {
        let current = self
            .installations
            .token(key)
            .ok_or_else(|| RefreshError::NotInstalled {
                key: key.to_string(),
            })?;
        if !self.expiring(current.expires_at, clock.wall()) {
            return Ok(current.token);
        }
        self.refresh(key, &current.token, clock).await
    }

    /// Refreshes the token `stale` of the installation under `key`, unless
    /// someone (in this process or another) already did: then their token.
    pub(crate) async fn refresh(
        &self,
        key: &InstallationKey,
        stale: &Token,
        clock: &dyn Clock,
    ) -> Result<Token, RefreshError> {
        let _one = self.flights.lock(key).await;
        // The refresh this one waited for may have done it.
        if let Some(current) = self.installations.token(key)
            && current.token != *stale
            && !self.expiring(current.expires_at, clock.wall())
        {
            return Ok(current.token);
        }
        let refreshed = self.refresh_now(key, stale, clock).await;
        if let Err(err) = &refreshed {
            crate::telemetry::token_refresh(err.label());
        }
        refreshed
    }

    /// The refresh itself, under the process's flight for `key`.
    async fn refresh_now(
        &self,
        key: &InstallationKey,
        stale: &Token,
        clock: &dyn Clock,
    ) -> Result<Token, RefreshError> {
        match &self.store {
            Some(store) => self.refresh_held(store.as_ref(), key, stale, clock).await,
            None => {
                let installation =
                    self.installations
                        .get(key)
                        .ok_or_else(|| RefreshError::NotInstalled {
                            key: key.to_string(),
                        })?;
                let refreshed = self.exchange(key, installation, clock).await?;
                let token = workspace_token(&refreshed, key)?;
                self.installations.put(refreshed);
                Ok(token)
            }
        }
    }

    /// The refresh under the store's hold: another instance's fresh token
    /// if it refreshed first, else a new pair from Slack, saved before the
    /// hold is let go.
    async fn refresh_held(
        &self,
        store: &dyn InstallationStore,
        key: &InstallationKey,
        stale: &Token,
        clock: &dyn Clock,
    ) -> Result<Token, RefreshError> {
        let held = store.hold_for_refresh(key).await?;
        let Some(stored) = held.installation().cloned() else {
            return Err(RefreshError::NotInstalled {
                key: key.to_string(),
            });
        };
        let grant = workspace_grant(&stored).ok_or_else(|| RefreshError::NotInstalled {
            key: key.to_string(),
        })?;
        if grant.token != *stale && !self.expiring(grant.expires_at, clock.wall()) {
            // Another instance refreshed: take its pair, spend nothing.
            drop(held);
            crate::telemetry::token_refresh("taken_from_store");
            let token = grant.token.clone();
            self.installations.put(stored);
            return Ok(token);
        }
        let refreshed = self.exchange(key, stored, clock).await?;
        let token = workspace_token(&refreshed, key)?;
        match held.save(&refreshed).await {
            Ok(()) => {}
            Err(err) => {
                // Slack has spent the stored refresh token: this process
                // keeps the new pair in its cache and goes on with it; the
                // store still holds the old pair, which the next holder
                // spends again (within Slack's grace period).
                tracing::warn!(installation = %key, error = %err, "a refreshed token could not be saved; this process uses it, the store keeps the old pair");
                self.installations.put(refreshed);
                return Err(RefreshError::Store(err));
            }
        }
        self.installations.put(refreshed);
        Ok(token)
    }

    /// Spends the workspace grant's refresh token of `installation` at
    /// Slack and returns the installation with the new pair.
    async fn exchange(
        &self,
        key: &InstallationKey,
        mut installation: Installation,
        clock: &dyn Clock,
    ) -> Result<Installation, RefreshError> {
        let credentials = self
            .credentials
            .as_ref()
            .ok_or(RefreshError::NoCredentials)?;
        let grant =
            workspace_grant_mut(&mut installation).ok_or_else(|| RefreshError::NotInstalled {
                key: key.to_string(),
            })?;
        let kind = grant.token.kind();
        let refresh_token =
            grant
                .refresh_token
                .clone()
                .ok_or_else(|| RefreshError::NoRefreshToken {
                    key: key.to_string(),
                    kind,
                })?;
        let mut last = String::new();
        for attempt in 1..=EXCHANGE_ATTEMPTS {
            let sent = credentials
                .oauth()
                .v2()
                .access()
                .grant_type("refresh_token")
                .refresh_token(refresh_token.clone())
                .await;
            match sent {
                Ok(answer) => {
                    let (Some(token), Some(next), Some(seconds)) =
                        (answer.access_token, answer.refresh_token, answer.expires_in)
                    else {
                        return Err(RefreshError::NoAnswer {
                            message:
                                "the refresh answer holds no access token, refresh token or expiry"
                                    .to_owned(),
                        });
                    };
                    let lifetime = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
                    grant.token = token;
                    grant.refresh_token = Some(next);
                    grant.expires_at = Some(clock.wall() + lifetime);
                    self.refreshes.fetch_add(1, Ordering::Relaxed);
                    crate::telemetry::token_refresh("refreshed");
                    tracing::info!(installation = %key, ?kind, attempt, "rotating token refreshed");
                    return Ok(installation.at_stored_precision());
                }
                Err(crate::Error::Api { error, .. }) => {
                    return Err(RefreshError::Refused {
                        code: crate::ErrorCode::code(&error.code).to_owned(),
                    });
                }
                Err(err) => {
                    // No answer (or a 5xx): Slack may have spent the refresh
                    // token. The same one again is safe within the grace
                    // period; one that was not spent is still good.
                    last = crate::token::scrub(err, &refresh_token).to_string();
                    tracing::warn!(installation = %key, attempt, error = %last, "a refresh got no answer; sending it again");
                }
            }
        }
        Err(RefreshError::NoAnswer { message: last })
    }
}

fn workspace_token(
    installation: &Installation,
    key: &InstallationKey,
) -> Result<Token, RefreshError> {
    workspace_grant(installation)
        .map(|grant| grant.token.clone())
        .ok_or_else(|| RefreshError::NotInstalled {
            key: key.to_string(),
        })
}

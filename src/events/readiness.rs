//! Readiness for a load balancer: [`Readiness`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;

use crate::Shutdown;

type Check = dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync;

/// How long one readiness check may take by default before it counts as
/// failed: a load balancer probes every few seconds.
pub const DEFAULT_READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether this instance can do its work: each check it is given answers
/// in time (the app's installation store, the Redis its pacing shares, a
/// check of the app's own), and it is not stopping. Served as a `GET`
/// route ([`Server::readiness`](super::Server::readiness) or
/// [`router`](Readiness::router)) that answers `200 ready` or
/// `503 not ready`, and nothing else: which check failed, and why, goes to
/// the log (`WARN`), never to whoever asked. Cheap to clone.
///
/// ```no_run
/// use slack_calls::events::{Readiness, Receiver, Server};
///
/// # async fn run(app: slack_calls::App, receiver: Receiver) -> std::io::Result<()> {
/// Server::new()
///     .events("/slack/events", &receiver)
///     .readiness("/ready", Readiness::new().app(&app))
///     .serve("0.0.0.0:3000")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<(&'static str, Arc<Check>)>,
    shutdowns: Vec<Shutdown>,
    timeout: Option<Duration>,
}

impl fmt::Debug for Readiness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Readiness")
            .field("checks", &names)
            .field("shutdowns", &self.shutdowns.len())
            .field("timeout", &self.timeout())
            .finish()
    }
}

/// What a readiness check found: ready, or the checks that failed, by
/// name, with their reasons (for the app's own logs and tests; the HTTP
/// answer carries none of it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadinessReport {
    /// The checks that failed or took too long, with why.
    pub failed: Vec<(&'static str, String)>,
    /// The instance is stopping ([`Shutdown::stop`]).
    pub stopping: bool,
}

impl ReadinessReport {
    /// Every check answered and the instance is not stopping.
    pub fn is_ready(&self) -> bool {
        self.failed.is_empty() && !self.stopping
    }
}

impl Readiness {
    /// No check yet: ready until stopped.
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// Checks the installation store of `app` (when it has one) with
    /// [`InstallationStore::ping`](crate::InstallationStore::ping).
    pub fn app(self, app: &crate::App) -> Readiness {
        let app = app.clone();
        self.check("installation_store", move || {
            let app = app.clone();
            async move {
                match app.store() {
                    Some(store) => store.ping().await.map_err(|err| err.to_string()),
                    None => Ok(()),
                }
            }
        })
    }

    /// Checks that the Redis `pacing` shares answers a `PING`.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn redis(self, pacing: &crate::RedisPacing) -> Readiness {
        let pacing = pacing.clone();
        self.check("redis", move || {
            let pacing = pacing.clone();
            async move { pacing.ping().await }
        })
    }

    /// Checks that the Redis of `receiver`'s
    /// [`EventStream`](super::EventStream) answers a `PING`: without it the
    /// receiver acknowledges nothing (it answers `503`). Adds nothing for a
    /// receiver without a stream.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn stream<E>(self, receiver: &super::Receiver<E>) -> Readiness
    where
        E: serde::de::DeserializeOwned + Send + 'static,
    {
        if receiver.inner.stream.is_none() {
            return self;
        }
        let receiver = receiver.clone();
        self.check("event_stream", move || {
            let receiver = receiver.clone();
            async move {
                match &receiver.inner.stream {
                    Some(stream) => stream.ping().await,
                    None => Ok(()),
                }
            }
        })
    }

    /// A check of the app's own, under `name` (for the log): ready when
    /// the future it makes gives `Ok` in time.
    pub fn check<F, Fut>(mut self, name: &'static str, check: F) -> Readiness
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), String>> + Send + 'static,
    {
        self.checks
            .push((name, Arc::new(move || Box::pin(check()))));
        self
    }

    /// Not ready once `shutdown` stops, so the load balancer sends no more
    /// traffic while the work in flight finishes. A [`Server`](super::Server)
    /// adds its own shutdowns.
    pub fn shutdown(mut self, shutdown: &Shutdown) -> Readiness {
        if !self.shutdowns.iter().any(|known| known.same(shutdown)) {
            self.shutdowns.push(shutdown.clone());
        }
        self
    }

    /// How long each check may take (default
    /// [`DEFAULT_READINESS_TIMEOUT`]).
    pub fn timeout(&self) -> Duration {
        self.timeout.unwrap_or(DEFAULT_READINESS_TIMEOUT)
    }

    /// Sets how long each check may take.
    pub fn with_timeout(mut self, timeout: Duration) -> Readiness {
        self.timeout = Some(timeout);
        self
    }

    /// Runs every check at once, each bounded by the timeout.
    pub async fn report(&self) -> ReadinessReport {
        let stopping = self.shutdowns.iter().any(Shutdown::is_stopping);
        let timeout = self.timeout();
        let mut running = tokio::task::JoinSet::new();
        for (name, check) in &self.checks {
            let (name, future) = (*name, check());
            running.spawn(async move {
                match tokio::time::timeout(timeout, future).await {
                    Ok(Ok(())) => (name, None),
                    Ok(Err(why)) => (name, Some(why)),
                    Err(_) => (name, Some(format!("no answer within {timeout:?}"))),
                }
            });
        }
        let mut failed = Vec::new();
        while let Some(done) = running.join_next().await {
            match done {
                Ok((_, None)) => {}
                Ok((name, Some(why))) => failed.push((name, why)),
                Err(err) => failed.push(("check", format!("the check panicked: {err}"))),
            }
        }
        failed.sort();
        ReadinessReport { failed, stopping }
    }

    /// A `GET` route at `path`: `200 ready`, or `503 not ready` with the
    /// reasons logged and not sent.
    pub fn router(self, path: &str) -> Router {
        Router::new().route(
            path,
            get(move || {
                let readiness = self.clone();
                async move {
                    let report = readiness.report().await;
                    if report.is_ready() {
                        (StatusCode::OK, "ready")
                    } else {
                        for (name, why) in &report.failed {
                            tracing::warn!(check = name, reason = %why, "not ready");
                        }
                        if report.stopping {
                            tracing::info!("not ready: stopping");
                        }
                        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
                    }
                }
            }),
        )
    }
}

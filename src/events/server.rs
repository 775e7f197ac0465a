//! Serving without a framework: [`Server`], the receiver (and, with
//! feature `install`, the install flow) on one address in one call.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;

use axum::Router;
use serde::de::DeserializeOwned;

use super::readiness::Readiness;
use super::receiver::Receiver;
use crate::{Shutdown, ShutdownReport};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The app's HTTP endpoints on one address, for an app that wants no web
/// framework of its own: the receiver at its Request URL path and, with
/// feature `install`, the install flow's two paths. It serves until
/// `SIGTERM` or Ctrl-C (or the future given to [`stop_on`](Server::stop_on)),
/// then stops gracefully ([`Shutdown`]): it stops accepting, lets the
/// requests in progress end, waits for the handlers in flight and the late
/// Call-initiation answers up to the deadline, flushes the open rosters,
/// and returns what it did.
///
/// ```no_run
/// use slack_calls::events::{Receiver, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::<slack_calls::Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
///     .on_event(|event, _| async move { println!("{}", event.event_id) })
///     .build()?;
/// let report = Server::new()
///     .events("/slack/events", &receiver)
///     .serve("0.0.0.0:3000")
///     .await?;
/// println!("stopped: {report}");
/// # Ok(()) }
/// ```
///
/// An app that has an axum `Router` already mounts
/// [`Receiver::method_router`] (and `InstallFlow::router`) in it instead,
/// with the axum this crate re-exports ([`axum`](crate::events::axum)), and
/// stops as [`Shutdown`] describes.
#[derive(Default)]
pub struct Server {
    router: Router,
    /// The shutdowns of the receivers served and the one given: each stops
    /// and finishes at the stop.
    shutdowns: Vec<Shutdown>,
    stop_on: Option<BoxFuture<'static, ()>>,
    /// Readiness routes, given the server's shutdowns when it serves.
    readiness: Vec<(String, Readiness)>,
    /// The stream workers of the receivers served (feature `redis`),
    /// started when the server serves: one set per receiver, keyed by it.
    workers: Vec<(usize, BoxFuture<'static, ()>)>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("shutdowns", &self.shutdowns.len())
            .field("stop_on", &self.stop_on.is_some())
            .field("readiness", &self.readiness.len())
            .finish_non_exhaustive()
    }
}

impl Server {
    /// No endpoint yet.
    pub fn new() -> Server {
        Server::default()
    }

    /// Receives Slack's requests (events, and the Call button's and slash
    /// commands') at `path`, such as `/slack/events`. The receiver's
    /// [`Shutdown`] stops with the server. A receiver with an
    /// [`EventStream`](super::EventStream) (feature `redis`) has its
    /// workers run from the start of [`serve`](Server::serve) to the stop.
    pub fn events<E>(mut self, path: &str, receiver: &Receiver<E>) -> Server
    where
        E: DeserializeOwned + Send + 'static,
    {
        self.router = self.router.route(path, receiver.method_router());
        self.add_shutdown(receiver.shutdown());
        // One set of workers per receiver, however many paths serve it.
        #[cfg(feature = "redis")]
        if receiver.inner.stream.is_some() {
            let key = std::sync::Arc::as_ptr(&receiver.inner) as *const () as usize;
            if !self.workers.iter().any(|(known, _)| *known == key) {
                let receiver = receiver.clone();
                self.workers
                    .push((key, Box::pin(async move { receiver.run_workers().await })));
            }
        }
        self
    }

    /// Serves the install flow's paths (feature `install`).
    #[cfg(feature = "install")]
    #[cfg_attr(docsrs, doc(cfg(feature = "install")))]
    pub fn install(mut self, flow: &crate::InstallFlow) -> Server {
        self.router = self.router.merge(flow.router());
        self
    }

    /// Serves the app's own routes too (a `/metrics` page for its
    /// exporter, a health check, ...), stopped with the rest.
    pub fn routes(mut self, routes: Router) -> Server {
        self.router = self.router.merge(routes);
        self
    }

    /// Answers a load balancer's readiness probe at `path` (`GET`): `200
    /// ready` while every check of `readiness` answers and the server is
    /// not stopping, else `503 not ready`, with no detail ([`Readiness`]).
    /// It turns not ready the moment the server's stop begins.
    pub fn readiness(mut self, path: &str, readiness: Readiness) -> Server {
        self.readiness.push((path.to_owned(), readiness));
        self
    }

    /// Stops and finishes `shutdown` with the server: the one given to the
    /// app ([`AppBuilder::shutdown`](crate::AppBuilder::shutdown)) for its
    /// rosters, when the receivers were given another or none.
    pub fn shutdown(mut self, shutdown: &Shutdown) -> Server {
        self.add_shutdown(shutdown);
        self
    }

    /// Stops when `signal` resolves, instead of on `SIGTERM` or Ctrl-C.
    /// A [`Shutdown::stop`] of any of the server's shutdowns stops it too.
    pub fn stop_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Server {
        self.stop_on = Some(Box::pin(signal));
        self
    }

    fn add_shutdown(&mut self, shutdown: &Shutdown) {
        if !self.shutdowns.iter().any(|known| known.same(shutdown)) {
            self.shutdowns.push(shutdown.clone());
        }
    }

    /// The routes, to serve some other way. Stream workers (feature
    /// `redis`) are not started then: spawn
    /// [`Receiver::run_workers`] once per process yourself.
    pub fn router(self) -> Router {
        self.router
    }

    /// Binds `addr` and serves until the stop; see [`Server`].
    pub async fn serve(self, addr: impl tokio::net::ToSocketAddrs) -> io::Result<ShutdownReport> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_on(listener).await
    }

    /// Serves on a listener already bound (a port chosen by the system,
    /// say) until the stop; see [`Server`]. The report sums the
    /// shutdowns' reports.
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> io::Result<ShutdownReport> {
        let Server {
            mut router,
            mut shutdowns,
            stop_on,
            readiness,
            workers,
        } = self;
        for (_, worker) in workers {
            tokio::spawn(worker);
        }
        if shutdowns.is_empty() {
            shutdowns.push(Shutdown::new());
        }
        for (path, mut readiness) in readiness {
            for shutdown in &shutdowns {
                readiness = readiness.shutdown(shutdown);
            }
            router = router.merge(readiness.router(&path));
        }
        let signal = match stop_on {
            Some(signal) => signal,
            None => Box::pin(terminate()),
        };
        let watched = shutdowns.clone();
        let stopped = async move {
            let mut waits: Vec<BoxFuture<'_, ()>> = watched
                .iter()
                .map(|shutdown| Box::pin(shutdown.stopped()) as BoxFuture<'_, ()>)
                .collect();
            let any_stopped = std::future::poll_fn(|cx| {
                if waits
                    .iter_mut()
                    .any(|wait| wait.as_mut().poll(cx).is_ready())
                {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            });
            tokio::select! {
                () = signal => {}
                () = any_stopped => {}
            }
            // From here every receiver answers 503, before the listener
            // closes and while requests in progress end.
            for shutdown in &watched {
                shutdown.stop();
            }
        };
        // The requests in progress may end until the first shutdown's
        // deadline; any still open then (a client that never finishes its
        // request) are dropped, so that the rest of the stop has its turn.
        let deadline_of = shutdowns.clone();
        let past_deadline = async move {
            for shutdown in &deadline_of {
                shutdown.stopped().await;
            }
            let at = deadline_of
                .iter()
                .map(Shutdown::deadline_at)
                .min()
                .unwrap_or_else(tokio::time::Instant::now);
            tokio::time::sleep_until(at).await;
        };
        let serving = axum::serve(listener, router).with_graceful_shutdown(stopped);
        tokio::select! {
            served = serving => served?,
            () = past_deadline => {
                tracing::warn!("requests still in progress at the shutdown deadline were dropped");
            }
        }
        let mut report = ShutdownReport::default();
        for shutdown in &shutdowns {
            report.add(&shutdown.finish().await);
        }
        Ok(report)
    }
}

/// Resolves on `SIGTERM` (Unix) or Ctrl-C; never if neither can be
/// listened for (the failure is logged).
async fn terminate() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: stopping"),
        () = term => tracing::info!("SIGTERM: stopping"),
    }
}

//! Serving without a framework: [`Server`], the receiver (and, with
//! feature `install`, the install flow) on one address in one call.

use std::io;

use axum::Router;
use serde::de::DeserializeOwned;

use super::receiver::Receiver;

/// The app's HTTP endpoints on one address, for an app that wants no web
/// framework of its own: the receiver at its Request URL path and, with
/// feature `install`, the install flow's two paths.
///
/// ```no_run
/// use slack_calls::events::{Receiver, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::<slack_calls::Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
///     .on_event(|event, _| async move { println!("{}", event.event_id) })
///     .build()?;
/// Server::new()
///     .events("/slack/events", &receiver)
///     .serve("0.0.0.0:3000")
///     .await?;
/// # Ok(()) }
/// ```
///
/// An app that has an axum `Router` already mounts
/// [`Receiver::method_router`] (and `InstallFlow::router`) in it instead,
/// with the axum this crate re-exports ([`axum`](crate::events::axum)).
#[derive(Debug, Default)]
pub struct Server {
    router: Router,
}

impl Server {
    /// No endpoint yet.
    pub fn new() -> Server {
        Server::default()
    }

    /// Receives Slack's requests (events, and the Call button's and slash
    /// commands') at `path`, such as `/slack/events`.
    pub fn events<E>(mut self, path: &str, receiver: &Receiver<E>) -> Server
    where
        E: DeserializeOwned + Send + 'static,
    {
        self.router = self.router.route(path, receiver.method_router());
        self
    }

    /// Serves the install flow's paths (feature `install`).
    #[cfg(feature = "install")]
    #[cfg_attr(docsrs, doc(cfg(feature = "install")))]
    pub fn install(mut self, flow: &crate::InstallFlow) -> Server {
        self.router = self.router.merge(flow.router());
        self
    }

    /// The routes, to serve some other way.
    pub fn router(self) -> Router {
        self.router
    }

    /// Binds `addr` and serves until the process ends or the listener
    /// fails.
    pub async fn serve(self, addr: impl tokio::net::ToSocketAddrs) -> io::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_on(listener).await
    }

    /// Serves on a listener already bound (a port chosen by the system,
    /// say).
    pub async fn serve_on(self, listener: tokio::net::TcpListener) -> io::Result<()> {
        axum::serve(listener, self.router).await
    }
}

//! Building a [`Receiver`]: the signing secret, the handlers, the dedup
//! store, the workspace lookup and the limits, checked once in
//! [`ReceiverBuilder::build`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::dedup::{DedupStore, MemoryDedup};
use super::initiation::{CallInitiation, InitiationAnswer, default_http_client};
use super::receiver::{
    Context, DEFAULT_INITIATION_DEADLINE, DomainKey, EventHandler, InitiationHandler, Inner,
    RateLimitedHandler, Receiver, Workspaces,
};
use super::verify::Verifier;
use crate::error::BuildError;
use crate::events::envelope::{AppRateLimited, EventCallback};
use crate::signing::{IntoSigningSecret, SigningSecret};
use crate::{Clock, Event, Shutdown, SystemClock};

/// Builds a [`Receiver`]; see [`Receiver::builder`].
pub struct ReceiverBuilder<E = Event> {
    secret: Result<SigningSecret, crate::signing::SecretError>,
    max_body: Option<usize>,
    window: Option<Duration>,
    clock: Option<Arc<dyn Clock>>,
    dedup: Option<Arc<dyn DedupStore>>,
    domain_key: Option<Box<DomainKey<E>>>,
    on_event: Option<Box<EventHandler<E>>>,
    on_rate_limited: Option<Box<RateLimitedHandler>>,
    on_initiation: Option<Box<InitiationHandler>>,
    workspaces: Option<Arc<dyn Workspaces>>,
    initiation_deadline: Duration,
    http: Option<reqwest::Client>,
    shutdown: Option<Shutdown>,
    #[cfg(feature = "redis")]
    stream: Option<super::stream::EventStream>,
}

impl<E> fmt::Debug for ReceiverBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverBuilder")
            .field("secret", &"<redacted>")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl<E> Receiver<E>
where
    E: DeserializeOwned + Send + 'static,
{
    /// Starts a receiver for the app with this signing secret: a
    /// [`SigningSecret`], or its text or bytes (checked when the receiver
    /// is built), the same way the fake's `MockApp::new` takes it.
    pub fn builder(signing_secret: impl IntoSigningSecret) -> ReceiverBuilder<E> {
        ReceiverBuilder {
            secret: signing_secret.into_signing_secret(),
            max_body: None,
            window: None,
            clock: None,
            dedup: None,
            domain_key: None,
            on_event: None,
            on_rate_limited: None,
            on_initiation: None,
            workspaces: None,
            initiation_deadline: DEFAULT_INITIATION_DEADLINE,
            http: None,
            shutdown: None,
            #[cfg(feature = "redis")]
            stream: None,
        }
    }
}

impl<E> ReceiverBuilder<E>
where
    E: DeserializeOwned + Send + 'static,
{
    /// Caps request bodies at `bytes` (default
    /// [`DEFAULT_MAX_BODY`](super::DEFAULT_MAX_BODY), 1 MiB).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = Some(bytes);
        self
    }

    /// The timestamp window, both directions (default 5 minutes).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = Some(window);
        self
    }

    /// Reads time (the timestamp window, the initiation deadline) from
    /// `clock` instead of real time.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Where deliveries are remembered (default: a [`MemoryDedup`] on the
    /// receiver's clock).
    pub fn dedup(mut self, store: impl DedupStore) -> Self {
        self.dedup = Some(Arc::new(store));
        self
    }

    /// A key for deduplicating events beyond `event_id`: Slack sends some
    /// events (`link_shared`) again with new ids. Return `None` for events
    /// that need none; see [`link_shared_key`](super::link_shared_key).
    pub fn domain_key(
        mut self,
        key: impl Fn(&EventCallback<E>) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.domain_key = Some(Box::new(key));
        self
    }

    /// The event handler. It runs on its own task after the ack is sent, so
    /// it may take as long as it needs; it runs once per event.
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(EventCallback<E>, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_event = Some(Box::new(move |event, context| {
            Box::pin(handler(event, context))
        }));
        self
    }

    /// The `app_rate_limited` handler (it is logged at WARN either way).
    pub fn on_app_rate_limited<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(AppRateLimited, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_rate_limited = Some(Box::new(move |limited, context| {
            Box::pin(handler(limited, context))
        }));
        self
    }

    /// The Call-button / slash-command handler. Its answer is the HTTP
    /// response; if it takes longer than the
    /// [`initiation_deadline`](ReceiverBuilder::initiation_deadline), the
    /// receiver answers an empty 200 at the deadline and posts the answer
    /// to the request's `response_url` when the handler finishes (https
    /// only, or http on loopback; the URL is never logged).
    pub fn on_call_initiation<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(CallInitiation, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = InitiationAnswer> + Send + 'static,
    {
        self.on_initiation = Some(Box::new(move |initiation, context| {
            Box::pin(handler(initiation, context))
        }));
        self
    }

    /// The HTTP client that posts late Call-initiation answers to their
    /// `response_url` (default: one built with this crate's TLS feature,
    /// with a 10 s timeout).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How long a Call-initiation handler may take (default
    /// [`DEFAULT_INITIATION_DEADLINE`], 2.5 s).
    pub fn initiation_deadline(mut self, deadline: Duration) -> Self {
        self.initiation_deadline = deadline;
        self
    }

    /// Tracks the handlers and late Call-initiation answers with
    /// `shutdown`, and refuses requests with `503` once it stops, so that
    /// a stop waits for the work this receiver acknowledged ([`Shutdown`]).
    /// Without one the receiver has its own
    /// ([`Receiver::shutdown`](super::Receiver::shutdown)).
    pub fn shutdown(mut self, shutdown: &Shutdown) -> Self {
        self.shutdown = Some(shutdown.clone());
        self
    }

    /// Acknowledges events only once they are in `stream`, a Redis Stream,
    /// and runs their handlers from it, in this process's workers or any
    /// other instance's ([`EventStream`](super::EventStream), feature
    /// `redis`): a crash or a `kill -9` loses no acknowledged event. When
    /// Redis does not answer, deliveries are answered `503` so that Slack
    /// retries them. The stream keeps its own dedup marks in Redis (the
    /// [`RedisDedup`](super::RedisDedup) keys), so the
    /// [`dedup`](ReceiverBuilder::dedup) store is not used for events.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn stream(mut self, stream: super::stream::EventStream) -> Self {
        self.stream = Some(stream);
        self
    }

    /// The app's workspace → [`Client`](crate::Client) lookup, for [`Context::client`].
    pub fn workspaces(mut self, workspaces: impl Workspaces) -> Self {
        self.workspaces = Some(Arc::new(workspaces));
        self
    }

    /// Builds the receiver; refuses an empty or short signing secret
    /// ([`BuildError::SigningSecret`]).
    pub fn build(self) -> Result<Receiver<E>, BuildError> {
        let secret = self.secret?;
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let mut verifier = Verifier::with_secret(secret).clock(SharedClock(Arc::clone(&clock)));
        if let Some(bytes) = self.max_body {
            verifier = verifier.max_body(bytes);
        }
        if let Some(window) = self.window {
            verifier = verifier.window(window);
        }
        let dedup = self
            .dedup
            .unwrap_or_else(|| Arc::new(MemoryDedup::new().clock(SharedClock(Arc::clone(&clock)))));
        // Only a Call-initiation handler can answer late.
        let http = match (self.http, &self.on_initiation) {
            (Some(http), _) => Some(http),
            (None, Some(_)) => default_http_client(),
            (None, None) => None,
        };
        Ok(Receiver {
            inner: Arc::new(Inner {
                verifier,
                dedup,
                domain_key: self.domain_key,
                on_event: self.on_event,
                on_rate_limited: self.on_rate_limited,
                on_initiation: self.on_initiation,
                workspaces: self.workspaces,
                initiation_deadline: self.initiation_deadline,
                clock,
                http,
                shutdown: self.shutdown.unwrap_or_default(),
                #[cfg(feature = "redis")]
                stream: self.stream,
            }),
        })
    }
}
/// One clock shared by the verifier, the dedup store and the deadline.
struct SharedClock(Arc<dyn Clock>);

impl Clock for SharedClock {
    fn now(&self) -> std::time::Instant {
        self.0.now()
    }
    fn sleep(&self, duration: Duration) -> crate::Sleep {
        self.0.sleep(duration)
    }
}

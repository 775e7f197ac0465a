//! Handling each event once: Slack re-sends an event when it missed the ack
//! (same `event_id`) and now and then sends one event several times with new
//! `event_id`s, so deliveries are claimed by `event_id` and by a domain key.
//! The store is a small trait so several instances of an app can share one
//! (`RedisDedup`, with the `redis` feature); [`MemoryDedup`] keeps a bounded
//! set in process.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::events::envelope::EventCallback;
use crate::{Clock, Event, SystemClock};

/// The future a [`DedupStore`] returns.
pub type DedupFuture<'a> = Pin<Box<dyn Future<Output = Result<Claim, DedupError>> + Send + 'a>>;

/// Whether a key was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// First seen now: handle the delivery.
    First,
    /// Already claimed within the store's time to live: skip it.
    Duplicate,
}

/// A store failed (a shared store's connection, for instance). The receiver
/// then handles the delivery anyway: a rare duplicate beats a lost event.
#[derive(Debug, thiserror::Error)]
#[error("the dedup store failed: {0}")]
pub struct DedupError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Remembers which deliveries were handled. Keys never contain secrets:
/// they are built from event ids, team ids, channels, timestamps and URLs.
pub trait DedupStore: Send + Sync + 'static {
    /// Claims `key` atomically: [`Claim::First`] exactly once per key within
    /// the store's time to live, even for concurrent claims.
    fn claim<'a>(&'a self, key: &'a str) -> DedupFuture<'a>;
}

/// The default number of keys [`MemoryDedup`] keeps.
pub const DEFAULT_CAPACITY: usize = 100_000;
/// The default time [`MemoryDedup`] keeps a key: an hour, well past Slack's
/// last retry (5 minutes after the second).
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

/// An in-process [`DedupStore`]: at most `capacity` keys, each kept for
/// `ttl`; when full, the oldest key goes first.
#[derive(Clone)]
pub struct MemoryDedup {
    inner: Arc<Mutex<Seen>>,
    capacity: usize,
    ttl: Duration,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
struct Seen {
    keys: HashMap<Box<str>, Instant>,
    /// Keys in claim order, for expiry and eviction.
    order: VecDeque<(Box<str>, Instant)>,
}

impl Seen {
    /// Forgets the oldest key; `false` when there is none. `order` and
    /// `keys` hold the same keys, since keys are only added together and
    /// only removed here.
    fn evict_oldest(&mut self) -> bool {
        match self.order.pop_front() {
            Some((old, _)) => {
                self.keys.remove(&old);
                true
            }
            None => false,
        }
    }
}

impl MemoryDedup {
    /// A store with [`DEFAULT_CAPACITY`] and [`DEFAULT_TTL`] on real time.
    pub fn new() -> MemoryDedup {
        MemoryDedup::with_limits(DEFAULT_CAPACITY, DEFAULT_TTL)
    }

    /// A store keeping at most `capacity` keys (at least 1), each for `ttl`.
    pub fn with_limits(capacity: usize, ttl: Duration) -> MemoryDedup {
        MemoryDedup {
            inner: Arc::default(),
            capacity: capacity.max(1),
            ttl,
            clock: Arc::new(SystemClock),
        }
    }

    /// Reads time from `clock` (for tests).
    pub fn clock(mut self, clock: impl Clock) -> MemoryDedup {
        self.clock = Arc::new(clock);
        self
    }

    /// How many keys are held now.
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, key: &str) -> Claim {
        let now = self.clock.now();
        let mut seen = self.lock();
        // Drop expired keys from the front (claim order is time order).
        while seen
            .order
            .front()
            .is_some_and(|(_, at)| now.saturating_duration_since(*at) >= self.ttl)
        {
            seen.evict_oldest();
        }
        if seen.keys.contains_key(key) {
            return Claim::Duplicate;
        }
        while seen.keys.len() >= self.capacity && seen.evict_oldest() {}
        let key: Box<str> = key.into();
        seen.keys.insert(key.clone(), now);
        seen.order.push_back((key, now));
        Claim::First
    }
}

impl Default for MemoryDedup {
    fn default() -> MemoryDedup {
        MemoryDedup::new()
    }
}

impl fmt::Debug for MemoryDedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDedup")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl DedupStore for MemoryDedup {
    fn claim<'a>(&'a self, key: &'a str) -> DedupFuture<'a> {
        let claim = self.claim_now(key);
        Box::pin(std::future::ready(Ok(claim)))
    }
}

/// The domain key of a `link_shared` delivery of the generated [`Event`]
/// enum ([`link_shared_key`] of its team, channel, message (or unfurl id)
/// and URLs); `None` for every other event. Give it to
/// [`ReceiverBuilder::domain_key`](super::ReceiverBuilder::domain_key).
pub fn link_shared_domain_key(callback: &EventCallback<Event>) -> Option<String> {
    let Event::LinkShared(shared) = &callback.event else {
        return None;
    };
    let message = shared.unfurl_id.as_deref().unwrap_or(&shared.message_ts);
    Some(link_shared_key(
        callback.team_id.as_str(),
        shared.channel.as_str(),
        message,
        shared.links.iter().map(|link| link.url.as_str()),
    ))
}

/// The domain key for a `link_shared` event: Slack sometimes sends one
/// shared link several times with different `event_id`s, so an app that
/// creates a Call per link dedups on what was shared. The message is named
/// by `unfurl_id` when Slack gives one (composer previews), else by
/// `message_ts`; the URLs are sorted so their order does not matter.
///
/// ```
/// use slack_calls::events::link_shared_key;
///
/// let a = link_shared_key("T1", "C1", "1700000000.000100", ["https://x.example/b", "https://x.example/a"]);
/// let b = link_shared_key("T1", "C1", "1700000000.000100", ["https://x.example/a", "https://x.example/b"]);
/// assert_eq!(a, b);
/// ```
pub fn link_shared_key<'a>(
    team_id: &str,
    channel: &str,
    message_ts_or_unfurl_id: &str,
    urls: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut urls: Vec<&str> = urls.into_iter().collect();
    urls.sort_unstable();
    urls.dedup();
    // Newlines cannot occur in ids or URLs, so the parts cannot run together.
    let mut key = format!("link_shared\n{team_id}\n{channel}\n{message_ts_or_unfurl_id}");
    for url in urls {
        key.push('\n');
        key.push_str(url);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TestClock;

    #[test]
    fn claims_once_then_forgets_after_the_ttl() {
        let clock = TestClock::manual();
        let store = MemoryDedup::with_limits(10, Duration::from_secs(60)).clock(clock.clone());
        assert_eq!(store.claim_now("a"), Claim::First);
        assert_eq!(store.claim_now("a"), Claim::Duplicate);
        clock.advance(Duration::from_secs(59));
        assert_eq!(store.claim_now("a"), Claim::Duplicate);
        clock.advance(Duration::from_secs(1));
        assert_eq!(store.claim_now("a"), Claim::First);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn stays_within_capacity_evicting_the_oldest() {
        let store = MemoryDedup::with_limits(2, DEFAULT_TTL).clock(TestClock::manual());
        assert_eq!(store.claim_now("a"), Claim::First);
        assert_eq!(store.claim_now("b"), Claim::First);
        assert_eq!(store.claim_now("c"), Claim::First);
        assert_eq!(store.len(), 2);
        assert_eq!(store.claim_now("c"), Claim::Duplicate);
        assert_eq!(store.claim_now("b"), Claim::Duplicate);
        assert_eq!(store.claim_now("a"), Claim::First);
        assert_eq!(store.len(), 2);
    }
}

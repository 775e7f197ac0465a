//! The durable handoff (features `events` and `redis`): [`EventStream`].
//! The whole flow, and what "once" means, are in its documentation.

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::receiver::Receiver;
use crate::error::BuildError;

/// How long an entry may stay pending with no sign of life from its worker
/// before another worker takes it over: 15 seconds. Live workers refresh
/// their entries every third of it.
pub const DEFAULT_CLAIM_IDLE: Duration = Duration::from_secs(15);

/// How many handlers one process runs at once by default.
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The consumer group every instance of the app joins by default.
pub const DEFAULT_GROUP: &str = "slack-calls";

/// Each Redis command's deadline (connecting, and each answer) by default:
/// the acknowledgement waits at most about this long for Redis before it
/// answers `503`.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// How long one `XREADGROUP` blocks waiting for new entries.
const READ_BLOCK: Duration = Duration::from_millis(1000);

/// The longest `X-Slack-Retry-Reason` kept with an entry.
const MAX_REASON: usize = 64;

/// Marks the event's keys as running in this entry, unless another entry
/// runs it or it is done. `KEYS`: the marks. `ARGV[1]`: `run:` and the
/// entry id; `ARGV[2]`: the marks' time to live in ms. Returns 0 (run it),
/// 1 (done already) or 2 (running in another entry).
const BEGIN: &str = r"
for i = 1, #KEYS do
  local held = redis.call('GET', KEYS[i])
  if held and held ~= ARGV[1] then
    if string.sub(held, 1, 4) == 'run:' then return 2 end
    return 1
  end
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return 0
";

/// Marks the event done and removes its entry. `KEYS[1]`: the stream;
/// `KEYS[2..]`: the marks. `ARGV`: the group, the entry id, the marks' time
/// to live in ms.
const SETTLE: &str = r"
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], 'done', 'PX', ARGV[3])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
";

/// Removes a consumer from the group only if it holds no pending entry.
/// `KEYS[1]`: the stream. `ARGV`: the group, the consumer.
const FORGET: &str = r"
local held = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #held > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
";

/// A Redis Stream the receiver hands events to before it acknowledges
/// them, and the consumer group its workers run them from.
///
/// Slack never sends an acknowledged event again, so an event that is
/// acknowledged and then held only in a process's memory is lost when that
/// process dies. With an [`EventStream`] the receiver acknowledges an event
/// only once it is in a Redis Stream, and workers (in this process and every
/// other instance of the app) take it from there:
///
/// 1. **Receive.** The receiver verifies and decodes the delivery as always,
///    then `XADD`s it to the stream and answers `200` only after Redis said
///    yes ([`Outcome::Queued`](super::Outcome::Queued)). The envelope goes in
///    without its `token` field (Slack's verification token): nothing in the
///    stream is a secret. When Redis does not answer (down, restarting, out
///    of memory, past the command timeout) the receiver answers
///    `503 Service Unavailable` without `x-slack-no-retry`
///    ([`Outcome::QueueUnavailable`](super::Outcome::QueueUnavailable)), so
///    Slack retries the delivery (at once, after 1 minute, after 5 minutes)
///    instead of dropping it.
/// 2. **Work.** Each process runs a worker in the stream's consumer group
///    (`XREADGROUP`, up to [`concurrency`](EventStream::concurrency)
///    handlers at once). A worker runs the handler, then, in one Redis
///    script, marks the event done and `XACK`s and `XDEL`s its entry. The
///    stream holds only events not handled yet, so it is trimmed exactly:
///    its length is the backlog, and no trimming policy can drop an event
///    that was never handled.
/// 3. **Recover.** A worker keeps the entries it is running fresh (`XCLAIM
///    … JUSTID` every third of the claim idle time). An entry left pending
///    longer than [`claim_idle`](EventStream::claim_idle) belongs to a worker
///    that died (`kill -9`, a lost host, a stop past its deadline): another
///    worker takes it over (`XAUTOCLAIM`) and runs it.
///
/// # Once
///
/// Slack re-delivers an event whose acknowledgement it missed, so one event
/// can be in the stream more than once. Before a handler runs, the worker
/// marks the event's keys (its `event_id`, and its domain key when the
/// receiver has one) as running in this entry, with the same keys and time
/// to live as [`RedisDedup`](super::RedisDedup) (one hour by default):
///
/// - an entry whose event is done, or running in another entry, is
///   dropped (`XACK`, `XDEL`) without running its handler;
/// - when the handler returns, the keys are marked done in the same script
///   that acknowledges the entry.
///
/// So, within the dedup window: **a handler that returns runs once per
/// event**. A handler whose worker dies *before it returns* is run again,
/// from the start, by the worker that claims the entry (at least once for
/// handlers cut off by a crash); so is one whose worker died after it
/// returned but before the done mark reached Redis (a window of one Redis
/// round trip; longer when Redis is away as the handler returns and the
/// process stops before Redis is back: the worker retries the mark until
/// the stop, then leaves the entry to another worker). Handlers that must not repeat a side effect on a crash make
/// it idempotent (Slack's `calls.add` takes the app's own `external_unique_id`
/// for that). A handler that panics counts as returned: its entry is
/// acknowledged and the panic logged, so a poison event cannot loop.
///
/// A worker that cannot reach Redis for longer than the claim idle time is
/// indistinguishable from a dead one: another worker may then run its
/// entries while it still runs them. Keep the claim idle time well above
/// the longest Redis outage a live worker should survive.
///
/// # Redis
///
/// One Redis, not Redis Cluster: the scripts touch the stream and the marks
/// together. For no acknowledged event to be lost when *Redis itself*
/// crashes, run it with `appendonly yes` and `appendfsync always` (with
/// `everysec`, up to a second of writes) and `maxmemory-policy noeviction`
/// (an evicted stream loses events; evicted marks run handlers twice); the
/// worker logs a warning at start when either is not so. Replication is
/// asynchronous: a failover to a replica can lose the last writes the
/// primary acknowledged, whatever `appendfsync` says. A Redis restarted
/// with its data keeps the stream, the group and every pending entry.
///
/// An entry this version of the app cannot decode (written by a version
/// whose event type differs) is logged at `ERROR` and dropped; give the
/// event type a catch-all variant so that new event types still decode.
///
/// # Use
///
/// Give it to [`ReceiverBuilder::stream`](super::ReceiverBuilder::stream);
/// [`Server`](super::Server) then runs the receiver's workers, or the app
/// runs [`Receiver::run_workers`](super::Receiver::run_workers) itself.
///
/// ```no_run
/// use slack_calls::events::{EventStream, Receiver, Server};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let receiver = Receiver::<slack_calls::Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
///     .stream(EventStream::new("redis://127.0.0.1:6379/", "A0123")?)
///     .on_event(|event, _| async move { println!("{}", event.event_id) })
///     .build()?;
/// // Acknowledges once each event is in Redis; runs handlers from the stream.
/// Server::new().events("/slack/events", &receiver).serve("0.0.0.0:3000").await?;
/// # Ok(()) }
/// ```
pub struct EventStream {
    client: redis::Client,
    key: String,
    marks: String,
    group: String,
    consumer: String,
    mark_ttl: Duration,
    claim_idle: Duration,
    concurrency: usize,
    timeout: Duration,
    manager: OnceLock<ConnectionManager>,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password.
        f.debug_struct("EventStream")
            .field("key", &self.key)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .field("claim_idle", &self.claim_idle)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// The stream `slack-calls:events:{app_id}` in the Redis at `url`, with
    /// the group [`DEFAULT_GROUP`], a consumer name unique to this process,
    /// [`DEFAULT_CLAIM_IDLE`], [`DEFAULT_CONCURRENCY`] and marks kept for
    /// [`DEFAULT_TTL`](super::DEFAULT_TTL). Connects on first use.
    pub fn new(url: &str, app_id: &str) -> Result<EventStream, BuildError> {
        let client = crate::redis_connection::open(url, app_id)?;
        Ok(EventStream {
            client,
            key: format!("slack-calls:events:{app_id}"),
            marks: format!("slack-calls:dedup:{app_id}:"),
            group: DEFAULT_GROUP.to_owned(),
            consumer: default_consumer(),
            mark_ttl: super::DEFAULT_TTL,
            claim_idle: DEFAULT_CLAIM_IDLE,
            concurrency: DEFAULT_CONCURRENCY,
            timeout: DEFAULT_TIMEOUT,
            manager: OnceLock::new(),
        })
    }

    /// Joins the consumer group `group` (default [`DEFAULT_GROUP`]). Every
    /// instance of one app shares one group.
    pub fn group(mut self, group: impl Into<String>) -> EventStream {
        self.group = group.into();
        self
    }

    /// Names this process's consumer in the group (default: the host name,
    /// the process id and a number unique to this start). Each live
    /// process needs its own name.
    pub fn consumer(mut self, consumer: impl Into<String>) -> EventStream {
        self.consumer = consumer.into();
        self
    }

    /// How long an entry may stay pending without a sign of life before
    /// another worker takes it over (default [`DEFAULT_CLAIM_IDLE`]; at
    /// least 300 ms, at most a day). Shorter recovers sooner after a
    /// crash; longer lets a live worker ride out a longer Redis outage.
    pub fn claim_idle(mut self, idle: Duration) -> EventStream {
        self.claim_idle = idle.clamp(Duration::from_millis(300), Duration::from_secs(24 * 3600));
        self
    }

    /// How many handlers this process runs at once (default
    /// [`DEFAULT_CONCURRENCY`]; at least 1). A worker takes no more
    /// entries than it has room for, so the rest wait in the stream for
    /// any instance.
    pub fn concurrency(mut self, handlers: usize) -> EventStream {
        self.concurrency = handlers.max(1);
        self
    }

    /// How long an event's marks are kept: the dedup window (default
    /// [`DEFAULT_TTL`](super::DEFAULT_TTL), an hour; at least 1 ms, at
    /// most 30 days).
    pub fn dedup_ttl(mut self, ttl: Duration) -> EventStream {
        self.mark_ttl = ttl.clamp(
            Duration::from_millis(1),
            Duration::from_secs(30 * 24 * 3600),
        );
        self
    }

    /// Each Redis command's deadline (default 500 ms; at least 10 ms, at
    /// most 2 s): the longest an acknowledgement waits on a Redis that does
    /// not answer before the receiver answers `503`, well inside Slack's
    /// 3 s.
    pub fn timeout(mut self, timeout: Duration) -> EventStream {
        self.timeout = timeout.clamp(Duration::from_millis(10), Duration::from_secs(2));
        self
    }

    /// The stream's Redis key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// This process's consumer name.
    pub fn consumer_name(&self) -> &str {
        &self.consumer
    }

    /// Whether Redis answers a `PING` (for a [`Readiness`](super::Readiness)
    /// check: the receiver cannot acknowledge anything without it). The
    /// error says why, for the app's log.
    pub async fn ping(&self) -> Result<(), String> {
        let mut manager = self.manager().map_err(|err| err.to_string())?;
        crate::redis_connection::ping(&mut manager).await
    }

    fn manager(&self) -> Result<ConnectionManager, redis::RedisError> {
        crate::redis_connection::connection(&self.manager, &self.client, self.timeout)
    }

    fn mark_ttl_ms(&self) -> u64 {
        u64::try_from(self.mark_ttl.as_millis()).unwrap_or(u64::MAX)
    }

    /// The Redis keys of a delivery's dedup keys.
    pub(super) fn mark_keys(&self, keys: &[String]) -> Vec<String> {
        keys.iter()
            .map(|key| format!("{}{key}", self.marks))
            .collect()
    }

    /// Adds a verified envelope, already without its verification token
    /// ([`without_token`]), to the stream, with the delivery's retry
    /// headers; gives up after the command timeout, whatever the
    /// connection's own retries.
    pub(super) async fn enqueue(
        &self,
        stored: Vec<u8>,
        retry_num: Option<u32>,
        retry_reason: Option<&str>,
    ) -> Result<(), redis::RedisError> {
        let mut command = redis::cmd("XADD");
        command.arg(&self.key).arg("*").arg("body").arg(stored);
        if let Some(num) = retry_num {
            command.arg("retry_num").arg(num);
        }
        if let Some(reason) = retry_reason {
            let reason: String = reason.chars().take(MAX_REASON).collect();
            command.arg("retry_reason").arg(reason);
        }
        let mut manager = self.manager()?;
        match tokio::time::timeout(self.timeout, command.query_async::<String>(&mut manager)).await
        {
            Ok(added) => added.map(drop),
            Err(_) => Err(redis::RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "Redis did not answer the XADD in time",
            ))),
        }
    }

    /// Marks `keys` running in entry `id`: see [`BEGIN`].
    pub(super) async fn begin(
        &self,
        id: &str,
        keys: &[String],
    ) -> Result<Begin, redis::RedisError> {
        if keys.is_empty() {
            return Ok(Begin::Run);
        }
        static SCRIPT: OnceLock<redis::Script> = OnceLock::new();
        let script = SCRIPT.get_or_init(|| redis::Script::new(BEGIN));
        let mut invocation = script.prepare_invoke();
        for key in self.mark_keys(keys) {
            invocation.key(key);
        }
        invocation.arg(format!("run:{id}")).arg(self.mark_ttl_ms());
        let mut manager = self.manager()?;
        let answer: i64 = invocation.invoke_async(&mut manager).await?;
        Ok(match answer {
            0 => Begin::Run,
            1 => Begin::Done,
            _ => Begin::Running,
        })
    }

    /// Marks `keys` done (none for a dropped duplicate) and removes entry
    /// `id`: see [`SETTLE`].
    pub(super) async fn settle(&self, id: &str, keys: &[String]) -> Result<(), redis::RedisError> {
        static SCRIPT: OnceLock<redis::Script> = OnceLock::new();
        let script = SCRIPT.get_or_init(|| redis::Script::new(SETTLE));
        let mut invocation = script.prepare_invoke();
        invocation.key(&self.key);
        for key in self.mark_keys(keys) {
            invocation.key(key);
        }
        invocation.arg(&self.group).arg(id).arg(self.mark_ttl_ms());
        let mut manager = self.manager()?;
        let _: i64 = invocation.invoke_async(&mut manager).await?;
        Ok(())
    }

    /// Creates the group (reading from the stream's start, so that what was
    /// queued before any worker ran is handled), unless it exists.
    async fn create_group(&self) -> Result<(), redis::RedisError> {
        let mut manager = self.manager()?;
        let created: Result<String, redis::RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(&self.key)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut manager)
            .await;
        match created {
            Ok(_) => {}
            Err(err) if err.code() == Some("BUSYGROUP") => {}
            Err(err) => return Err(err),
        }
        let appendonly: Result<Vec<String>, _> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("appendonly")
            .query_async(&mut manager)
            .await;
        // CONFIG may be disabled (managed Redis); then nothing is said.
        if let Ok(answer) = appendonly
            && answer.get(1).is_some_and(|value| value == "no")
        {
            tracing::warn!(
                stream = %self.key,
                "Redis runs without appendonly: if Redis itself crashes, events it acknowledged are lost"
            );
        }
        let policy: Result<Vec<String>, _> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxmemory-policy")
            .query_async(&mut manager)
            .await;
        if let Ok(answer) = policy
            && let Some(policy) = answer.get(1)
            && policy != "noeviction"
        {
            tracing::warn!(
                stream = %self.key,
                %policy,
                "Redis may evict keys (maxmemory-policy is not noeviction): an evicted stream loses events, evicted marks run handlers twice"
            );
        }
        Ok(())
    }

    /// Takes up to `count` new entries for this consumer, waiting up to
    /// `block` (at most [`READ_BLOCK`]) for one.
    async fn read(
        &self,
        reader: &mut ConnectionManager,
        count: usize,
        block: Duration,
    ) -> Result<Vec<StreamId>, redis::RedisError> {
        // BLOCK 0 would wait for ever.
        let block = block.clamp(Duration::from_millis(1), READ_BLOCK);
        let reply: Option<StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(count)
            .arg("BLOCK")
            .arg(u64::try_from(block.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(&self.key)
            .arg(">")
            .query_async(reader)
            .await?;
        Ok(reply
            .map(|reply| reply.keys.into_iter().flat_map(|key| key.ids).collect())
            .unwrap_or_default())
    }

    /// Takes over up to `count` entries pending longer than the claim idle
    /// time (their workers died), looking from `cursor`; also gives the
    /// cursor to go on from (`0-0` once the whole list was seen).
    async fn claim_abandoned(
        &self,
        cursor: &str,
        count: usize,
    ) -> Result<(String, Vec<StreamId>), redis::RedisError> {
        let mut manager = self.manager()?;
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(&self.key)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(u64::try_from(self.claim_idle.as_millis()).unwrap_or(u64::MAX))
            .arg(cursor)
            .arg("COUNT")
            .arg(count.max(1))
            .query_async(&mut manager)
            .await?;
        Ok((reply.next_stream_id, reply.claimed))
    }

    /// Resets the idle time of the entries this worker runs, so no other
    /// worker takes them over.
    async fn keep_fresh(&self, ids: &[String]) -> Result<(), redis::RedisError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut manager = self.manager()?;
        let mut command = redis::cmd("XCLAIM");
        command
            .arg(&self.key)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(0);
        for id in ids {
            command.arg(id);
        }
        command.arg("JUSTID");
        let _: Vec<String> = command.query_async(&mut manager).await?;
        Ok(())
    }

    /// Removes consumers of the group that hold nothing and were idle
    /// longer than the dedup window (processes long gone). Each removal
    /// checks, in the same script, that the consumer still holds nothing:
    /// removing a consumer drops its pending entries.
    async fn forget_gone_consumers(&self) -> Result<(), redis::RedisError> {
        static SCRIPT: OnceLock<redis::Script> = OnceLock::new();
        let script = SCRIPT.get_or_init(|| redis::Script::new(FORGET));
        let mut manager = self.manager()?;
        let info: redis::streams::StreamInfoConsumersReply = redis::cmd("XINFO")
            .arg("CONSUMERS")
            .arg(&self.key)
            .arg(&self.group)
            .query_async(&mut manager)
            .await?;
        // Well past what a live worker with nothing pending is ever idle:
        // it reads again at least every second (a worker waiting for room
        // has entries pending, and is never removed).
        let window = self.mark_ttl.max(Duration::from_secs(5)).as_millis();
        for consumer in info.consumers {
            if consumer.name != self.consumer
                && consumer.pending == 0
                && consumer.idle as u128 > window
            {
                let _: i64 = script
                    .key(&self.key)
                    .arg(&self.group)
                    .arg(&consumer.name)
                    .invoke_async(&mut manager)
                    .await?;
            }
        }
        Ok(())
    }
}

/// What [`EventStream::begin`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Begin {
    /// Run the handler (first time, or this entry's own run cut off).
    Run,
    /// Handled already: drop the entry.
    Done,
    /// Running in another entry (a re-delivery): drop this one.
    Running,
}

/// The envelope without its top-level `token` (Slack's verification
/// token); `None` when it is not a JSON object.
pub(super) fn without_token(body: &[u8]) -> Option<Vec<u8>> {
    let mut envelope: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(body).ok()?;
    envelope.remove("token");
    serde_json::to_vec(&envelope).ok()
}

/// `{host}-{pid}-{n}`: unique among live processes, and across restarts of
/// one process id.
fn default_consumer() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|host| host.trim().to_owned())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{host}-{}-{started:x}", std::process::id())
}

/// Waits `delay` or until the stop, whichever is first; `true` if stopped.
async fn pause(shutdown: &crate::Shutdown, delay: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => shutdown.is_stopping(),
        () = shutdown.stopped() => true,
    }
}

/// Retries waits: 50 ms doubling to 2 s.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(Duration::from_millis(50))
    }
    fn next(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Duration::from_secs(2));
        wait
    }
    fn reset(&mut self) {
        self.0 = Duration::from_millis(50);
    }
}

/// The entries this process runs now, refreshed by the keeper.
type Running = Arc<Mutex<HashSet<String>>>;

fn lock(running: &Running) -> std::sync::MutexGuard<'_, HashSet<String>> {
    running.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `receiver`'s workers until its shutdown stops: takes over
/// abandoned entries every third of the claim idle time, reads new ones,
/// and (through the keeper) keeps its own fresh. Returns at once when the
/// receiver has no stream.
pub(super) async fn work<E>(receiver: Receiver<E>)
where
    E: DeserializeOwned + Send + 'static,
{
    let Some(stream) = receiver.inner.stream.as_ref() else {
        return;
    };
    let shutdown = receiver.shutdown().clone();
    // The stop waits for this loop (at most one read or claim) and what it
    // starts.
    let _tracked = shutdown.request();
    let permits = Arc::new(Semaphore::new(stream.concurrency));
    let running: Running = Arc::default();
    tokio::spawn(keep(receiver.clone(), Arc::clone(&running)));
    let mut backoff = Backoff::new();
    let mut ready = false;
    let mut reader: Option<ConnectionManager> = None;
    let mut next_claim = tokio::time::Instant::now();
    let mut cursor = String::from("0-0");
    let mut rounds: u64 = 0;
    loop {
        if shutdown.is_stopping() {
            return;
        }
        if !ready {
            match stream.create_group().await {
                Ok(()) => ready = true,
                Err(err) => {
                    tracing::warn!(error = %err, stream = %stream.key, "cannot create the consumer group; retrying");
                    if pause(&shutdown, backoff.next()).await {
                        return;
                    }
                    continue;
                }
            }
        }
        // Room for at least one handler: held while reading, so that this
        // worker takes no more entries than it can run.
        let mut batch = tokio::select! {
            batch = take_permits(&permits, stream.concurrency) => batch,
            () = shutdown.stopped() => return,
        };
        if tokio::time::Instant::now() >= next_claim {
            next_claim = tokio::time::Instant::now() + stream.claim_idle / 3;
            rounds += 1;
            match claim_round(stream, &mut cursor, batch.len()).await {
                Ok(entries) => start(&receiver, entries, &mut batch, &running, true),
                Err(err) if err.code() == Some("NOGROUP") => ready = false,
                Err(err) => tracing::warn!(error = %err, "cannot claim abandoned events"),
            }
            // About once an hour at the default idle time.
            if rounds % 720 == 1
                && let Err(err) = stream.forget_gone_consumers().await
                && err.code() != Some("NOGROUP")
            {
                tracing::debug!(error = %err, "cannot list the group's consumers");
            }
            if batch.is_empty() || !ready {
                continue;
            }
        }
        let connection = match &mut reader {
            Some(connection) => connection,
            None => {
                match crate::redis_connection::manager(&stream.client, READ_BLOCK + stream.timeout)
                {
                    Ok(connection) => reader.insert(connection),
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot open the stream reader's connection; retrying");
                        drop(batch);
                        if pause(&shutdown, backoff.next()).await {
                            return;
                        }
                        continue;
                    }
                }
            }
        };
        // Not cancelled by the stop: entries it returns are this
        // consumer's, and are run.
        // Back in time for the next claim round.
        let block = next_claim.saturating_duration_since(tokio::time::Instant::now());
        match stream.read(connection, batch.len(), block).await {
            Ok(entries) => {
                backoff.reset();
                start(&receiver, entries, &mut batch, &running, false);
            }
            Err(err) => {
                if err.code() == Some("NOGROUP") {
                    // Redis lost the stream (restarted empty): make it again.
                    ready = false;
                } else {
                    tracing::warn!(error = %err, stream = %stream.key, "cannot read the event stream; retrying");
                }
                drop(batch);
                if pause(&shutdown, backoff.next()).await {
                    return;
                }
            }
        }
    }
}

/// One claim round: pages through the group's pending entries from
/// `cursor` (kept between rounds; Redis looks at ten times `count` per
/// page) and takes over up to `count` abandoned ones.
async fn claim_round(
    stream: &EventStream,
    cursor: &mut String,
    count: usize,
) -> Result<Vec<StreamId>, redis::RedisError> {
    let mut claimed = Vec::new();
    // A bounded number of pages per round, so reading goes on meanwhile.
    for _ in 0..8 {
        let (next, entries) = stream
            .claim_abandoned(cursor, count - claimed.len())
            .await?;
        claimed.extend(entries);
        let wrapped = next == "0-0";
        *cursor = next;
        if wrapped || claimed.len() >= count {
            break;
        }
    }
    Ok(claimed)
}

/// At least one permit (waiting for it), and as many more as are free, up
/// to `most`.
async fn take_permits(permits: &Arc<Semaphore>, most: usize) -> Vec<OwnedSemaphorePermit> {
    let Ok(first) = Arc::clone(permits).acquire_owned().await else {
        return Vec::new();
    };
    let mut batch = vec![first];
    while batch.len() < most {
        match Arc::clone(permits).try_acquire_owned() {
            Ok(permit) => batch.push(permit),
            Err(_) => break,
        }
    }
    batch
}

/// Removes an entry from the running set when its task ends, however it
/// ends.
struct Finished {
    running: Running,
    id: String,
}

impl Drop for Finished {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.id);
    }
}

/// Runs each entry on its own tracked task with one of `permits` (Redis
/// gives no more entries than asked for, so there is one for each). An
/// entry this process runs already (taken over from itself after its
/// refreshes failed) is not started twice.
fn start<E>(
    receiver: &Receiver<E>,
    entries: Vec<StreamId>,
    permits: &mut Vec<OwnedSemaphorePermit>,
    running: &Running,
    reclaimed: bool,
) where
    E: DeserializeOwned + Send + 'static,
{
    for entry in entries {
        if !lock(running).insert(entry.id.clone()) {
            continue;
        }
        let finished = Finished {
            running: Arc::clone(running),
            id: entry.id.clone(),
        };
        let Some(permit) = permits.pop() else {
            // Cannot happen (COUNT bounds the reply); the entry stays
            // pending and is refreshed no more, so it is taken over.
            drop(finished);
            break;
        };
        if reclaimed {
            crate::telemetry::stream_reclaimed();
            tracing::info!(entry = %entry.id, "took over an event whose worker stopped answering");
        }
        let receiver = receiver.clone();
        receiver.shutdown().clone().spawn(async move {
            let _finished = finished;
            let _permit = permit;
            let body: Option<Vec<u8>> = entry.get("body");
            let retry_num: Option<u32> = entry.get("retry_num");
            let retry_reason: Option<String> = entry.get("retry_reason");
            // Everything of the app's (its domain key, its workspace
            // hooks, the handler) runs in a task of its own, so that a
            // panic anywhere in it still settles the entry.
            let id = entry.id.clone();
            let run = tokio::spawn({
                let receiver = receiver.clone();
                async move {
                    receiver
                        .handle_stored(&id, body.as_deref(), retry_num, retry_reason)
                        .await;
                }
            });
            if let Err(err) = run.await {
                tracing::error!(entry = %entry.id, error = %err, "an event's processing panicked; its entry is acknowledged, not run again");
                crate::telemetry::stream_handled("panicked");
                if let Some(stream) = &receiver.inner.stream {
                    let _ = persist(receiver.shutdown(), "drop a panicked entry", || {
                        stream.settle(&entry.id, &[])
                    })
                    .await;
                }
            }
        });
    }
}

/// The keeper: every third of the claim idle time, refreshes the entries
/// this process runs, so that no other worker takes them over. Ends once
/// the stop came and nothing runs.
async fn keep<E>(receiver: Receiver<E>, running: Running)
where
    E: DeserializeOwned + Send + 'static,
{
    let Some(stream) = receiver.inner.stream.as_ref() else {
        return;
    };
    let shutdown = receiver.shutdown().clone();
    let every = stream.claim_idle / 3;
    loop {
        let stopping = shutdown.is_stopping();
        if stopping && lock(&running).is_empty() {
            return;
        }
        let ids: Vec<String> = lock(&running).iter().cloned().collect();
        if let Err(err) = stream.keep_fresh(&ids).await {
            tracing::warn!(error = %err, entries = ids.len(), "cannot refresh the running entries");
        }
        // Short naps while stopping, to end soon after the last handler.
        let nap = if stopping {
            Duration::from_millis(100).min(every)
        } else {
            every
        };
        let mut waited = Duration::ZERO;
        while waited < nap {
            let step = (nap - waited).min(Duration::from_millis(100));
            tokio::select! {
                () = tokio::time::sleep(step) => {}
                () = shutdown.stopped(), if !stopping => {}
            }
            waited += step;
            if lock(&running).is_empty() && shutdown.is_stopping() {
                return;
            }
        }
    }
}

/// Retries `step` with [`Backoff`] until it succeeds, or gives up once the
/// stop came and it still fails (the entry then stays pending, for another
/// worker).
pub(super) async fn persist<T, F, Fut>(
    shutdown: &crate::Shutdown,
    what: &str,
    mut step: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, redis::RedisError>>,
{
    let mut backoff = Backoff::new();
    loop {
        match step().await {
            Ok(value) => return Some(value),
            Err(err) => {
                tracing::warn!(error = %err, "cannot {what} in the event stream; retrying");
                if shutdown.is_stopping() && backoff.0 >= Duration::from_secs(2) {
                    return None;
                }
                tokio::time::sleep(backoff.next()).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_envelope_has_no_verification_token() {
        let body =
            br#"{"token":"XXYYZZ","team_id":"T1","type":"event_callback","event":{"type":"x"}}"#;
        let stored = without_token(body).expect("an object");
        let text = String::from_utf8(stored).expect("utf-8");
        assert!(!text.contains("XXYYZZ"), "{text}");
        assert!(!text.contains("\"token\""), "{text}");
        assert!(text.contains("\"team_id\":\"T1\""), "{text}");
        assert_eq!(without_token(b"[1,2]"), None);
    }

    #[test]
    fn consumer_names_differ_between_starts() {
        let a = default_consumer();
        std::thread::sleep(Duration::from_millis(1));
        let b = default_consumer();
        assert_ne!(a, b);
        assert!(a.contains(&std::process::id().to_string()));
    }

    #[test]
    fn the_debug_output_has_no_url() {
        let stream = EventStream::new("redis://:hunter2@127.0.0.1:1/", "A1").expect("a stream");
        let debug = format!("{stream:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(stream.key(), "slack-calls:events:A1");
    }
}

//! What a running fake holds: the configuration it was started with, its
//! rate-limit clock, and the state that changes while it runs (calls,
//! queued injections, the request log, rate-limit windows).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use slack_calls::method::MethodInfo;

use crate::state::auth_state::{AppConfig, AuthState};
use crate::state::call_store::CallStore;
use crate::state::directory::Directory;
use crate::state::faults::Plan;
use crate::state::log::LoggedRequest;
use crate::state::ratelimit::{LimitMode, Limiter, ScaledClock};
use crate::talk_back::events::EventState;

/// What the fake was started with; fixed for its lifetime.
#[derive(Debug)]
pub(crate) struct Config {
    pub methods: BTreeMap<&'static str, &'static MethodInfo>,
    pub limit_mode: LimitMode,
    /// The app the fake plays (`oauth.v2.access`, `apps.uninstall`).
    pub app: AppConfig,
    pub log_capacity: usize,
    pub log_to_stderr: bool,
    /// Where the fake listens (for the `response_url`s it hands out).
    pub addr: SocketAddr,
}

/// What changes while the fake runs.
#[derive(Debug)]
pub(crate) struct MockState {
    pub calls: CallStore,
    pub plans: HashMap<String, VecDeque<(Plan, usize)>>,
    pub log: VecDeque<LoggedRequest>,
    pub next_seq: u64,
    /// Messages `chat.postMessage` posted, for their `ts`.
    pub messages_posted: u64,
    /// When each (workspace, channel) was last posted in, on the
    /// rate-limit clock, for `chat.postMessage`'s per-channel pacing.
    pub channel_posts: HashMap<(usize, String), VecDeque<Duration>>,
    /// The messages `chat.postMessage` posted, by (workspace, channel,
    /// ts), as `chat.update` changes them.
    pub messages: HashMap<(usize, String, String), serde_json::Value>,
    pub limiter: Limiter,
    pub advanced: Duration,
    /// Tokens issued while the fake runs, revoked tokens, codes, and
    /// uninstalls (`auth.revoke`, `oauth.v2.access`, `apps.uninstall`).
    pub auth: AuthState,
    /// The app, the messages fake users posted, the delivery log.
    pub events: EventState,
}

/// One running fake: everything its handlers read and change.
#[derive(Debug)]
pub(crate) struct FakeSlack {
    pub config: Config,
    pub clock: ScaledClock,
    /// Taken before `state` when both are needed, never the other way.
    pub directory: RwLock<Directory>,
    pub state: Mutex<MockState>,
    /// The one HTTP client every request to the app goes through, made on
    /// first use: building one (its TLS roots) costs milliseconds, too much
    /// per delivery in a burst, and its pool keeps connections warm.
    pub app_http: std::sync::OnceLock<reqwest::Client>,
}

impl FakeSlack {
    /// The client for requests to the app ([`FakeSlack::app_http`]).
    pub fn app_http(&self) -> reqwest::Client {
        self.app_http
            .get_or_init(crate::talk_back::delivery::http_client)
            .clone()
    }

    /// The state, even if a thread panicked while holding it (the fake's
    /// own code does not panic; a poisoned lock only means a test's
    /// assertion failed elsewhere).
    pub fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The workspaces and tokens, for reading (see [`FakeSlack::lock`]
    /// on poisoning).
    pub fn directory(&self) -> RwLockReadGuard<'_, Directory> {
        self.directory
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The workspaces and tokens, for changing.
    pub fn directory_mut(&self) -> RwLockWriteGuard<'_, Directory> {
        self.directory
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The time on the fake's rate-limit clock.
    pub fn now(&self) -> Duration {
        let advanced = self.lock().advanced;
        self.clock.now(advanced)
    }

    /// The next queued script or fault for `method`, if any.
    pub fn take_plan(&self, method: &str) -> Option<Plan> {
        let mut state = self.lock();
        let queue = state.plans.get_mut(method)?;
        let (plan, remaining) = queue.front_mut()?;
        let plan = plan.clone();
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            queue.pop_front();
        }
        if queue.is_empty() {
            state.plans.remove(method);
        }
        Some(plan)
    }

    /// Adds a request to the log (and to stderr when asked).
    pub fn record(&self, mut entry: LoggedRequest) {
        if self.config.log_capacity == 0 && !self.config.log_to_stderr {
            // No one reads it: skip the lock.
            return;
        }
        {
            let mut state = self.lock();
            entry.seq = state.next_seq;
            state.next_seq += 1;
            if self.config.log_capacity > 0 {
                while state.log.len() >= self.config.log_capacity {
                    state.log.pop_front();
                }
                state.log.push_back(entry.clone());
            }
        }
        if self.config.log_to_stderr {
            eprintln!("{entry}");
        }
    }
}

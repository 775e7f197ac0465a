//! What a running fake holds: the configuration it was started with, its
//! rate-limit clock, and the state that changes while it runs (calls,
//! queued injections, the request log, rate-limit windows).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::call_store::CallStore;
use super::faults::Plan;
use super::log::LoggedRequest;
use super::ratelimit::{LimitMode, Limiter, ScaledClock};

/// A token the fake accepts.
#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    /// Its workspace, an index into [`Config::workspaces`].
    pub workspace: usize,
}

/// One workspace as the running fake keeps it.
#[derive(Debug)]
pub(crate) struct WorkspaceConfig {
    pub team_id: String,
    pub directory: BTreeSet<String>,
    /// Lowercased email → (user id, email as given).
    pub emails: BTreeMap<String, (String, String)>,
    /// The conversations `chat.postMessage` can post in.
    pub channels: BTreeSet<String>,
    /// The user every user token acts for: the first of the directory.
    pub acting_user: Option<String>,
}

/// What the fake was started with; fixed for its lifetime.
#[derive(Debug)]
pub(crate) struct Config {
    pub tokens: HashMap<String, TokenEntry>,
    /// The workspaces, the default one first.
    pub workspaces: Vec<WorkspaceConfig>,
    pub methods: BTreeMap<&'static str, &'static MethodInfo>,
    pub limit_mode: LimitMode,
    pub log_capacity: usize,
    pub log_to_stderr: bool,
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
    pub limiter: Limiter,
    pub advanced: Duration,
    /// The app, the messages fake users posted, the delivery log.
    pub events: super::events::EventState,
}

/// One running fake: everything its handlers read and change.
#[derive(Debug)]
pub(crate) struct FakeSlack {
    pub config: Config,
    pub clock: ScaledClock,
    pub state: Mutex<MockState>,
}

impl FakeSlack {
    /// The state, even if a thread panicked while holding it (the fake's
    /// own code does not panic; a poisoned lock only means a test's
    /// assertion failed elsewhere).
    pub fn lock(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
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

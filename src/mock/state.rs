//! What a running fake holds: the configuration it was started with, its
//! rate-limit clock, and the state that changes while it runs (calls,
//! queued injections, the request log, rate-limit windows).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use crate::method::MethodInfo;
use crate::token::TokenKind;

use super::auth::AuthState;
use super::call_store::CallStore;
use super::faults::Plan;
use super::log::LoggedRequest;
use super::oauth::AppConfig;
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
    /// The workspace's name (`auth.test`'s `team`).
    pub name: String,
    pub directory: BTreeSet<String>,
    /// Lowercased email → (user id, email as given).
    pub emails: BTreeMap<String, (String, String)>,
    /// The conversations `chat.postMessage` can post in.
    pub channels: BTreeSet<String>,
    /// Channel name (without `#`) → channel ID.
    pub channel_names: BTreeMap<String, String>,
    /// The user every user token acts for: the first of the directory.
    pub acting_user: Option<String>,
}

impl WorkspaceConfig {
    /// The app's bot in this workspace: `B` and the team id without its
    /// `T` (`B0MOCK001` in `T0MOCK001`; the fake's choice).
    pub fn bot_id(&self) -> String {
        format!("B{}", self.team_id.get(1..).unwrap_or_default())
    }

    /// The bot's user: `UB` and the team id without its `T`
    /// (`UB0MOCK001`), so it never clashes with a directory user.
    pub fn bot_user_id(&self) -> String {
        format!("UB{}", self.team_id.get(1..).unwrap_or_default())
    }

    /// The workspace's URL: `https://<team id in lowercase>.slack.com/`
    /// (the fake's choice; Slack's is the workspace's own domain).
    pub fn url(&self) -> String {
        format!("https://{}.slack.com/", self.team_id.to_lowercase())
    }
}

/// The workspaces and the tokens the fake accepts: set when it starts,
/// grown (or a workspace's tokens revoked) through the control API.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub tokens: HashMap<String, TokenEntry>,
    /// The workspaces, the default one first. Never shrinks, so a token's
    /// index stays valid.
    pub workspaces: Vec<WorkspaceConfig>,
}

impl Directory {
    /// The index of the workspace with this team id.
    pub fn workspace_index(&self, team_id: &str) -> Option<usize> {
        self.workspaces.iter().position(|w| w.team_id == team_id)
    }
}

/// What the fake was started with; fixed for its lifetime.
#[derive(Debug)]
pub(crate) struct Config {
    pub methods: BTreeMap<&'static str, &'static MethodInfo>,
    pub limit_mode: LimitMode,
    /// The app the fake plays (`oauth.v2.access`, `apps.uninstall`).
    pub app: AppConfig,
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
    /// When each (workspace, channel) was last posted in, on the
    /// rate-limit clock, for `chat.postMessage`'s per-channel pacing.
    pub channel_posts: HashMap<(usize, String), VecDeque<Duration>>,
    pub limiter: Limiter,
    pub advanced: Duration,
    /// Tokens issued while the fake runs, revoked tokens, codes, and
    /// uninstalls (`auth.revoke`, `oauth.v2.access`, `apps.uninstall`).
    pub auth: AuthState,
    /// The app, the messages fake users posted, the delivery log.
    pub events: super::events::EventState,
}

/// One running fake: everything its handlers read and change.
#[derive(Debug)]
pub(crate) struct FakeSlack {
    pub config: Config,
    pub clock: ScaledClock,
    /// Taken before `state` when both are needed, never the other way.
    pub directory: RwLock<Directory>,
    pub state: Mutex<MockState>,
}

impl FakeSlack {
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

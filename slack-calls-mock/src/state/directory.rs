//! The workspaces the fake serves and the tokens it accepts: set when it
//! starts, grown (or a workspace's tokens revoked) while it runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use slack_calls::TokenKind;

/// A token the fake accepts.
#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    /// Its workspace, an index into [`Directory::workspaces`].
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
    /// Channels given their own members; the others have every user.
    pub channel_members: BTreeMap<String, Vec<String>>,
}

impl WorkspaceConfig {
    /// The members of a channel of this workspace, in order: its own
    /// members, or every user of the workspace.
    pub fn members_of(&self, channel: &str) -> Vec<String> {
        match self.channel_members.get(channel) {
            Some(members) => members.clone(),
            None => self.directory.iter().cloned().collect(),
        }
    }

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

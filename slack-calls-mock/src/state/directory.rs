//! The workspaces the fake serves and the tokens it accepts: set when it
//! starts, grown (or a workspace's tokens revoked) while it runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use slack_calls::TokenKind;

/// A token the fake accepts.
#[derive(Debug, Clone)]
pub(crate) struct TokenEntry {
    pub kind: TokenKind,
    pub scopes: Vec<String>,
    /// Its workspace, an index into [`Directory::workspaces`] (for an
    /// org-wide token, the workspace it acts in unless a request names
    /// another of the organization with `team_id`).
    pub workspace: usize,
    /// The organization, for a token of an org-wide install: it works in
    /// every workspace of the organization.
    pub org_wide: Option<String>,
    /// When it expires, on the fake's clock: only tokens `oauth.v2.access`
    /// issued with token rotation on. `None`: it never expires (the tokens
    /// the fake starts with or is given, and tokens without rotation).
    pub expires_at: Option<std::time::Duration>,
}

/// True for an app-level token (`xapp-…`): the app's own, across every
/// workspace it is installed in (Slack's token types page), so no
/// workspace's uninstall revokes it.
pub(crate) fn is_app_level(token: &str) -> bool {
    token.starts_with("xapp-")
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
    /// The Enterprise Grid organization the workspace belongs to.
    pub enterprise: Option<String>,
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

    /// The workspace's domain: its team id in lowercase (the fake's
    /// choice; Slack's is the name the workspace picked).
    pub fn domain(&self) -> String {
        self.team_id.to_lowercase()
    }

    /// The workspace's URL: `https://<domain>.slack.com/`.
    pub fn url(&self) -> String {
        format!("https://{}.slack.com/", self.domain())
    }

    /// A channel's name: the one it was given, else its id in lowercase;
    /// `directmessage` for a direct message, as slash commands name one
    /// (the fake's choice).
    pub fn channel_name(&self, id: &str) -> String {
        if id.starts_with('D') {
            return "directmessage".to_owned();
        }
        self.channel_names
            .iter()
            .find(|(_, channel)| *channel == id)
            .map_or_else(|| id.to_lowercase(), |(name, _)| name.clone())
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
    /// Enterprise Grid organizations: id → name.
    pub enterprises: BTreeMap<String, String>,
}

impl Directory {
    /// The index of the workspace with this team id.
    pub fn workspace_index(&self, team_id: &str) -> Option<usize> {
        self.workspaces.iter().position(|w| w.team_id == team_id)
    }

    /// The organization of workspace `index`, as `{id, name}` JSON, or
    /// `null`.
    pub fn enterprise_json(&self, index: usize) -> serde_json::Value {
        self.workspaces
            .get(index)
            .and_then(|w| w.enterprise.as_deref())
            .map_or(serde_json::Value::Null, |id| {
                serde_json::json!({
                    "id": id,
                    "name": self.enterprises.get(id).cloned().unwrap_or_default(),
                })
            })
    }

    /// Puts workspaces into organization `id` (named `name`), creating it
    /// or renaming it. Fails, changing nothing, when a team id names no
    /// workspace or a workspace of another organization.
    pub fn set_enterprise(
        &mut self,
        id: &str,
        name: &str,
        team_ids: &[String],
    ) -> Result<(), String> {
        let mut indexes = Vec::with_capacity(team_ids.len());
        for team in team_ids {
            let index = self
                .workspace_index(team)
                .ok_or_else(|| format!("the fake has no workspace {team}"))?;
            if let Some(other) = &self.workspaces[index].enterprise
                && other != id
            {
                return Err(format!(
                    "workspace {team} already belongs to organization {other}"
                ));
            }
            indexes.push(index);
        }
        self.enterprises.insert(id.to_owned(), name.to_owned());
        for index in indexes {
            self.workspaces[index].enterprise = Some(id.to_owned());
        }
        Ok(())
    }
}

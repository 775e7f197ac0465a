//! Workspaces (Slack's teams): each has its own users, channels and
//! tokens, from the one app the fake plays installed in it. Rate limits are
//! counted per (workspace, method) across all of a workspace's tokens, as
//! Slack counts them per (app, workspace, method).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;

use slack_calls::TokenKind;

use crate::api::users::default_email;
use crate::state::directory::{TokenEntry, WorkspaceConfig};

/// The team id of the workspace every fake starts with.
pub const DEMO_TEAM_ID: &str = "T0MOCK001";
/// The name of the workspace every fake starts with.
pub const DEMO_TEAM_NAME: &str = "Mock Workspace";

/// One workspace of the fake, to add with
/// [`MockSlackBuilder::workspace`](crate::MockSlackBuilder::workspace):
/// its team id and name, its users and channels, and the tokens the app
/// holds in it (a bot token and user tokens). It starts empty.
///
/// ```
/// use slack_calls::TokenKind;
/// use slack_calls_mock::{MockSlack, MockWorkspace};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mock = MockSlack::builder()
///     .workspace(
///         MockWorkspace::new("T0OTHER01", "Other Workspace")
///             .users(["U0OTHER01"])
///             .channels(["C0OTHER01"])
///             .token("xoxb-other", TokenKind::Bot, ["calls:read", "calls:write"]),
///     )
///     .start()
///     .await?;
/// # drop(mock);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockWorkspace {
    team_id: String,
    name: String,
    tokens: Vec<(String, TokenKind, Vec<String>)>,
    users: Vec<String>,
    emails: Vec<(String, String)>,
    channels: Vec<String>,
    /// (channel ID, name) pairs.
    channel_names: Vec<(String, String)>,
    /// (channel ID, members) for channels given their own members.
    channel_members: Vec<(String, Vec<String>)>,
}

impl MockWorkspace {
    /// A workspace with this team id (`T…`) and name, no users, no
    /// channels and no tokens.
    pub fn new(team_id: impl Into<String>, name: impl Into<String>) -> MockWorkspace {
        MockWorkspace {
            team_id: team_id.into(),
            name: name.into(),
            tokens: Vec::new(),
            users: Vec::new(),
            emails: Vec::new(),
            channels: Vec::new(),
            channel_names: Vec::new(),
            channel_members: Vec::new(),
        }
    }

    /// The team id.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The workspace's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Accepts `token` in this workspace as a token of `kind` with these
    /// scopes; the same text given again replaces the earlier scopes. A
    /// user token acts for the first user of the workspace.
    pub fn token<S: Into<String>>(
        mut self,
        token: impl Into<String>,
        kind: TokenKind,
        scopes: impl IntoIterator<Item = S>,
    ) -> MockWorkspace {
        self.set_token(
            token.into(),
            kind,
            scopes.into_iter().map(Into::into).collect(),
        );
        self
    }

    /// Replaces the users: the Slack user ids this workspace knows. The
    /// first is the user every user token of the workspace acts for.
    pub fn users<S: Into<String>>(mut self, users: impl IntoIterator<Item = S>) -> MockWorkspace {
        self.users = users.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a user with this email address (or gives a user already there
    /// this address), for `users.lookupByEmail`. Users without one have
    /// [`default_email`].
    pub fn user_with_email(
        mut self,
        user: impl Into<String>,
        email: impl Into<String>,
    ) -> MockWorkspace {
        self.set_email(user.into(), email.into());
        self
    }

    /// Replaces the channels: the conversations `chat.postMessage` can
    /// post in.
    pub fn channels<S: Into<String>>(
        mut self,
        channels: impl IntoIterator<Item = S>,
    ) -> MockWorkspace {
        self.channels = channels.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a channel with this name (or names a channel already there),
    /// so that `chat.postMessage` takes `#name` (or `name`) for it.
    pub fn channel_named(
        mut self,
        id: impl Into<String>,
        name: impl Into<String>,
    ) -> MockWorkspace {
        self.set_channel_name(id.into(), name.into());
        self
    }

    pub(crate) fn set_channel_name(&mut self, id: String, name: String) {
        let name = name.trim_start_matches('#').to_owned();
        if !self.channels.contains(&id) {
            self.channels.push(id.clone());
        }
        self.channel_names.retain(|(other, _)| *other != id);
        self.channel_names.push((id, name));
    }

    pub(crate) fn set_token(&mut self, token: String, kind: TokenKind, scopes: Vec<String>) {
        self.tokens.retain(|(text, _, _)| *text != token);
        self.tokens.push((token, kind, scopes));
    }

    pub(crate) fn remove_token(&mut self, token: &str) {
        self.tokens.retain(|(text, _, _)| text != token);
    }

    pub(crate) fn set_users(&mut self, users: Vec<String>) {
        self.users = users;
    }

    pub(crate) fn set_email(&mut self, user: String, email: String) {
        if !self.users.contains(&user) {
            self.users.push(user.clone());
        }
        self.emails.retain(|(id, _)| *id != user);
        self.emails.push((user, email));
    }

    pub(crate) fn set_channels(&mut self, channels: Vec<String>) {
        self.channels = channels;
    }

    /// Adds a channel (or takes one already there) with these members, in
    /// this order, as `conversations.members` lists them. A channel not
    /// given members has every user of the workspace (the fake's choice).
    pub fn channel_members<S: Into<String>>(
        mut self,
        id: impl Into<String>,
        members: impl IntoIterator<Item = S>,
    ) -> MockWorkspace {
        let id = id.into();
        if !self.channels.contains(&id) {
            self.channels.push(id.clone());
        }
        let members = members.into_iter().map(Into::into).collect();
        self.channel_members.retain(|(channel, _)| *channel != id);
        self.channel_members.push((id, members));
        self
    }

    /// What the running fake keeps of this workspace.
    fn config(&self) -> WorkspaceConfig {
        let mut emails: BTreeMap<String, (String, String)> = BTreeMap::new();
        for user in &self.users {
            let address = self
                .emails
                .iter()
                .find(|(id, _)| id == user)
                .map(|(_, email)| email.clone())
                .unwrap_or_else(|| default_email(user));
            emails
                .entry(address.trim().to_lowercase())
                .or_insert_with(|| (user.clone(), address));
        }
        WorkspaceConfig {
            team_id: self.team_id.clone(),
            name: self.name.clone(),
            directory: self.users.iter().cloned().collect::<BTreeSet<_>>(),
            emails,
            channels: self.channels.iter().cloned().collect(),
            // Names of channels that were replaced since are dropped.
            channel_names: self
                .channel_names
                .iter()
                .filter(|(id, _)| self.channels.contains(id))
                .map(|(id, name)| (name.clone(), id.clone()))
                .collect(),
            acting_user: self.users.first().cloned(),
            channel_members: self
                .channel_members
                .iter()
                .filter(|(id, _)| self.channels.contains(id))
                .cloned()
                .collect(),
            enterprise: None,
        }
    }
}

/// Checks the workspaces and turns them into what the fake keeps: the
/// workspaces, and every token with the index of its workspace.
pub(crate) fn install(
    workspaces: &[MockWorkspace],
) -> io::Result<(Vec<WorkspaceConfig>, HashMap<String, TokenEntry>)> {
    let invalid = |text: String| io::Error::new(io::ErrorKind::InvalidInput, text);
    let mut configs = Vec::with_capacity(workspaces.len());
    let mut tokens = HashMap::new();
    for (index, workspace) in workspaces.iter().enumerate() {
        check_team_id(&workspace.team_id).map_err(invalid)?;
        if workspaces[..index]
            .iter()
            .any(|other| other.team_id == workspace.team_id)
        {
            return Err(invalid(format!(
                "two workspaces have the team id {}",
                workspace.team_id
            )));
        }
        for (text, kind, scopes) in &workspace.tokens {
            check_token(text).map_err(invalid)?;
            let entry = TokenEntry {
                kind: *kind,
                scopes: scopes.clone(),
                workspace: index,
                org_wide: None,
                expires_at: None,
            };
            // The token's text is a secret: the message does not show it.
            if tokens.insert(text.clone(), entry).is_some() {
                return Err(invalid(format!(
                    "a token of workspace {} is also a token of another workspace",
                    workspace.team_id
                )));
            }
        }
        configs.push(workspace.config());
    }
    Ok((configs, tokens))
}

/// A Slack team id: uppercase letters and digits.
pub(crate) fn check_team_id(team_id: &str) -> Result<(), String> {
    if is_slack_id(team_id) {
        Ok(())
    } else {
        Err(format!(
            "team id `{team_id}` is not a Slack team id (uppercase letters and digits, like T0MOCK001)"
        ))
    }
}

/// An Enterprise Grid organization id: a Slack id (`E0MOCK001`).
pub(crate) fn check_enterprise_id(id: &str) -> Result<(), String> {
    if is_slack_id(id) {
        Ok(())
    } else {
        Err(format!(
            "enterprise id `{id}` is not a Slack id (uppercase letters and digits, like E0MOCK001)"
        ))
    }
}

/// True for a non-empty string of uppercase letters and digits, the shape
/// of Slack's team, user and channel ids.
pub(crate) fn is_slack_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A token's text must be non-empty and free of whitespace. The message
/// never shows the text (it is a secret).
pub(crate) fn check_token(text: &str) -> Result<(), String> {
    if text.is_empty() || text.chars().any(char::is_whitespace) {
        Err("a token is empty or contains whitespace".to_owned())
    } else {
        Ok(())
    }
}

impl WorkspaceConfig {
    /// An empty workspace, as the control API adds it.
    pub(crate) fn empty(team_id: &str, name: &str) -> WorkspaceConfig {
        MockWorkspace::new(team_id, name).config()
    }

    /// Adds a user (or keeps the one there), with this email address or,
    /// without one, its [`default_email`]. A user who already has an
    /// address and gets a new one loses the old. The first user becomes
    /// the one user tokens act for.
    pub(crate) fn add_user(&mut self, id: &str, email: Option<&str>) {
        let has_address = self.emails.values().any(|(user, _)| user == id);
        if self.directory.insert(id.to_owned()) && self.acting_user.is_none() {
            self.acting_user = Some(id.to_owned());
        }
        if email.is_none() && has_address {
            return;
        }
        self.emails.retain(|_, (user, _)| user != id);
        let address = email.map_or_else(|| default_email(id), str::to_owned);
        self.emails
            .entry(address.trim().to_lowercase())
            .or_insert_with(|| (id.to_owned(), address));
    }
}

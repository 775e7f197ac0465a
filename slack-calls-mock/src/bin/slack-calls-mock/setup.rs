//! The fake the [`Options`] ask for: its builder, and the app it sends
//! events to (the signing secret read from the environment).

use slack_calls_mock::{DEMO_TEAM_ID, MockApp, MockSlack, MockSlackBuilder, MockWorkspace};

use crate::args::Options;

/// The app `--app-url` asks for, its secret read from the environment
/// through `env` (a name to a value). Errors never show the secret.
pub(crate) fn app_from(
    options: &Options,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<MockApp>, String> {
    let (Some(url), Some(name)) = (&options.app_url, &options.signing_secret_env) else {
        return Ok(None);
    };
    let Some(text) = env(name) else {
        return Err(format!(
            "--signing-secret-env {name}: the environment variable {name} is not set"
        ));
    };
    let app = MockApp::new(url.clone(), text.trim_end_matches(['\r', '\n']))
        .map_err(|err| format!("--signing-secret-env {name}: {err}"))?;
    Ok(Some(
        app.unfurl_domains(options.unfurl_domains.iter().cloned()),
    ))
}

pub(crate) fn builder(options: &Options) -> MockSlackBuilder {
    let mut builder = MockSlack::builder()
        .rate_limits(options.rate_limits)
        .time_scale(options.time_scale)
        // The control API reads the log (GET /_mock/requests); the
        // default capacity bounds it.
        .log_to_stderr(!options.quiet);
    if let Some(addr) = options.addr {
        builder = builder.addr(addr);
    }
    let is_default = |team: &Option<String>| team.as_deref().is_none_or(|t| t == DEMO_TEAM_ID);
    let default_users: Vec<&(Option<String>, String, Option<String>)> = options
        .users
        .iter()
        .filter(|(team, _, _)| is_default(team))
        .collect();
    if !default_users.is_empty() {
        builder = builder.users(default_users.iter().map(|(_, id, _)| id.clone()));
        for (_, id, email) in &default_users {
            if let Some(email) = email {
                builder = builder.user_with_email(id.clone(), email.clone());
            }
        }
    }
    let default_channels: Vec<&String> = options
        .channels
        .iter()
        .filter(|(team, _)| is_default(team))
        .map(|(_, id)| id)
        .collect();
    if !default_channels.is_empty() {
        builder = builder.channels(default_channels.into_iter().cloned());
    }
    for (token, kind, scopes) in &options.tokens {
        builder = builder.token(token.clone(), *kind, scopes.iter().cloned());
    }
    for (team, (token, kind, scopes)) in &options.workspace_tokens {
        if team == DEMO_TEAM_ID {
            builder = builder.token(token.clone(), *kind, scopes.iter().cloned());
        }
    }
    for (team, name) in &options.workspaces {
        let mut workspace = MockWorkspace::new(team.clone(), name.clone());
        let users: Vec<&(Option<String>, String, Option<String>)> = options
            .users
            .iter()
            .filter(|(t, _, _)| t.as_deref() == Some(team))
            .collect();
        workspace = workspace.users(users.iter().map(|(_, id, _)| id.clone()));
        for (_, id, email) in &users {
            if let Some(email) = email {
                workspace = workspace.user_with_email(id.clone(), email.clone());
            }
        }
        workspace = workspace.channels(
            options
                .channels
                .iter()
                .filter(|(t, _)| t.as_deref() == Some(team))
                .map(|(_, id)| id.clone()),
        );
        for (t, (token, kind, scopes)) in &options.workspace_tokens {
            if t == team {
                workspace = workspace.token(token.clone(), *kind, scopes.iter().cloned());
            }
        }
        builder = builder.workspace(workspace);
    }
    for url in &options.redirect_urls {
        builder = builder.redirect_url(url.clone());
    }
    for (id, name) in &options.enterprises {
        let teams = options
            .enterprise_workspaces
            .iter()
            .filter(|(e, _)| e == id)
            .map(|(_, team)| team.clone());
        builder = builder.enterprise(id.clone(), name.clone(), teams);
    }
    builder
}

//! Reading the command line into [`Options`], refusing what cannot work
//! (exit code 2).

use std::net::SocketAddr;

use slack_calls::TokenKind;
use slack_calls_mock::{ConsentAnswer, DEMO_TEAM_ID, LimitMode};

/// A token as `--token` gives it: text, kind, scopes.
pub(crate) type TokenSpec = (String, TokenKind, Vec<String>);

/// The parsed command line.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) tokens: Vec<(String, TokenKind, Vec<String>)>,
    /// Workspaces beyond the default one: team id and name.
    pub(crate) workspaces: Vec<(String, String)>,
    /// Team id (None: the default workspace), user id, email.
    pub(crate) users: Vec<(Option<String>, String, Option<String>)>,
    /// Team id (None: the default workspace), channel id.
    pub(crate) channels: Vec<(Option<String>, String)>,
    /// Team id, then the token as `--token` gives it.
    pub(crate) workspace_tokens: Vec<(String, TokenSpec)>,
    /// The app's Request URL.
    pub(crate) app_url: Option<String>,
    /// The name of the environment variable holding the signing secret
    /// (never the secret itself).
    pub(crate) signing_secret_env: Option<String>,
    pub(crate) unfurl_domains: Vec<String>,
    /// The app's Redirect URLs, in order.
    pub(crate) redirect_urls: Vec<String>,
    /// Organizations: id and name.
    pub(crate) enterprises: Vec<(String, String)>,
    /// Organization id, team id.
    pub(crate) enterprise_workspaces: Vec<(String, String)>,
    /// The fake user's answer to the consent page.
    pub(crate) consent: ConsentAnswer,
    pub(crate) org_wide_install: bool,
    /// The app's token rotation.
    pub(crate) token_rotation: bool,
    /// How long a used refresh token stays usable, in the fake's seconds.
    pub(crate) refresh_grace_secs: Option<u64>,
    pub(crate) rate_limits: LimitMode,
    pub(crate) time_scale: f64,
    pub(crate) quiet: bool,
}

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Command {
    Serve(Box<Options>),
    Help,
    Version,
}

pub(crate) fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        addr: None,
        tokens: Vec::new(),
        workspaces: Vec::new(),
        users: Vec::new(),
        channels: Vec::new(),
        workspace_tokens: Vec::new(),
        app_url: None,
        signing_secret_env: None,
        unfurl_domains: Vec::new(),
        redirect_urls: Vec::new(),
        enterprises: Vec::new(),
        enterprise_workspaces: Vec::new(),
        consent: ConsentAnswer::Ask,
        org_wide_install: false,
        token_rotation: false,
        refresh_grace_secs: None,
        rate_limits: LimitMode::Tiers,
        time_scale: 1.0,
        quiet: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone().or_else(|| args.next()) {
                Some(value) => Ok(value),
                None => Err(format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--addr" => {
                let text = value("--addr")?;
                options.addr = Some(text.parse().map_err(|_| {
                    format!("--addr `{text}` is not an address like 127.0.0.1:8080")
                })?);
            }
            "--token" => options.tokens.push(parse_token(&value("--token")?)?),
            "--user" => options.users.push(parse_user(&value("--user")?)?),
            "--workspace" => options
                .workspaces
                .push(parse_workspace(&value("--workspace")?)?),
            "--channel" => options.channels.push(parse_channel(&value("--channel")?)?),
            "--workspace-token" => {
                let text = value("--workspace-token")?;
                let (team, token) = text.split_once(':').ok_or_else(|| {
                    "--workspace-token wants TEAM:TOKEN:KIND:SCOPES, such as \
                     T0OTHER01:xoxb-other:bot:calls:read"
                        .to_owned()
                })?;
                check_id("--workspace-token", "team", team)?;
                options
                    .workspace_tokens
                    .push((team.to_owned(), parse_token(token)?));
            }
            "--app-url" => {
                let text = value("--app-url")?;
                let url_ok = reqwest::Url::parse(&text).is_ok_and(|url| {
                    matches!(url.scheme(), "http" | "https") && url.host().is_some()
                });
                if !url_ok {
                    return Err(format!(
                        "--app-url `{text}` is not an http(s) URL like http://127.0.0.1:3000/slack/events"
                    ));
                }
                options.app_url = Some(text);
            }
            "--signing-secret-env" => {
                let name = value("--signing-secret-env")?;
                if name.is_empty() || name.contains(['=', '\0']) {
                    return Err(format!(
                        "--signing-secret-env `{name}` is not an environment variable name"
                    ));
                }
                options.signing_secret_env = Some(name);
            }
            "--signing-secret" => {
                return Err(
                    "the signing secret is not taken on the command line, where `ps` \
                     shows it; put it in an environment variable and name that with \
                     --signing-secret-env VAR"
                        .to_owned(),
                );
            }
            "--unfurl-domain" => {
                let domain = value("--unfurl-domain")?;
                if domain.is_empty()
                    || domain.contains(['/', ':'])
                    || domain.contains(char::is_whitespace)
                {
                    return Err(format!(
                        "--unfurl-domain `{domain}` is not a host name like example.com"
                    ));
                }
                options.unfurl_domains.push(domain);
            }
            "--redirect-url" => {
                let url = value("--redirect-url")?;
                let ok = reqwest::Url::parse(&url).is_ok_and(|parsed| {
                    !url.contains('#')
                        && match parsed.scheme() {
                            "https" => parsed.host().is_some(),
                            "http" => matches!(
                                parsed.host_str(),
                                Some("127.0.0.1" | "localhost" | "[::1]")
                            ),
                            _ => false,
                        }
                });
                if !ok {
                    return Err(format!(
                        "--redirect-url `{url}` is neither an https:// URL nor an http:// one on \
                         127.0.0.1, localhost or [::1] (and holds no #)"
                    ));
                }
                options.redirect_urls.push(url);
            }
            "--enterprise" => {
                let text = value("--enterprise")?;
                let Some((id, name)) = text.split_once(':') else {
                    return Err("--enterprise wants ID:NAME, such as E0MOCK001:Mock Org".to_owned());
                };
                check_id("--enterprise", "enterprise", id)?;
                if name.trim().is_empty() {
                    return Err(format!("--enterprise {id}: the name is empty"));
                }
                options.enterprises.push((id.to_owned(), name.to_owned()));
            }
            "--enterprise-workspace" => {
                let text = value("--enterprise-workspace")?;
                let Some((id, team)) = text.split_once(':') else {
                    return Err("--enterprise-workspace wants ENTERPRISE:TEAM, such as \
                                E0MOCK001:T0MOCK001"
                        .to_owned());
                };
                check_id("--enterprise-workspace", "enterprise", id)?;
                check_id("--enterprise-workspace", "team", team)?;
                options
                    .enterprise_workspaces
                    .push((id.to_owned(), team.to_owned()));
            }
            "--consent" => {
                let text = value("--consent")?;
                options.consent = ConsentAnswer::from_name(&text)
                    .ok_or_else(|| format!("--consent `{text}` is not ask, allow or deny"))?;
            }
            "--org-wide-install" => options.org_wide_install = true,
            "--token-rotation" => options.token_rotation = true,
            "--refresh-grace" => {
                let text = value("--refresh-grace")?;
                let secs = text.parse::<u64>().map_err(|_| {
                    format!("--refresh-grace `{text}` is not a whole number of seconds")
                })?;
                options.refresh_grace_secs = Some(secs);
            }
            "--rate-limit" => {
                let text = value("--rate-limit")?;
                let n = text.parse::<u32>().map_err(|_| {
                    format!("--rate-limit `{text}` is not a whole number of requests per minute")
                })?;
                options.rate_limits = LimitMode::PerMinute(n);
            }
            "--no-rate-limit" => options.rate_limits = LimitMode::Off,
            "--time-scale" => {
                let text = value("--time-scale")?;
                options.time_scale = text
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .ok_or_else(|| format!("--time-scale `{text}` is not a number above zero"))?;
            }
            "--quiet" => options.quiet = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
        if inline.is_some()
            && matches!(
                flag.as_str(),
                "--no-rate-limit" | "--quiet" | "--org-wide-install" | "--token-rotation"
            )
        {
            return Err(format!("{flag} takes no value"));
        }
    }
    check_teams(&options)?;
    check_app(&options)?;
    Ok(Command::Serve(Box::new(options)))
}

/// `--app-url` and `--signing-secret-env` come together; `--unfurl-domain`
/// only with them.
fn check_app(options: &Options) -> Result<(), String> {
    match (&options.app_url, &options.signing_secret_env) {
        (Some(_), None) => Err("--app-url needs --signing-secret-env VAR, the environment \
             variable holding the app's signing secret"
            .to_owned()),
        (None, Some(_)) => {
            Err("--signing-secret-env needs --app-url, the app's Request URL".to_owned())
        }
        (None, None) if !options.unfurl_domains.is_empty() => {
            Err("--unfurl-domain needs --app-url, the app's Request URL".to_owned())
        }
        _ => Ok(()),
    }
}

/// A Slack id: uppercase letters and digits.
fn check_id(flag: &str, what: &str, id: &str) -> Result<(), String> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        let example = match what {
            "team" => "T0OTHER01",
            "enterprise" => "E0MOCK001",
            "channel" => "C0OTHER01",
            _ => "U0HRJ1GNB",
        };
        return Err(format!(
            "{flag} `{id}` is not a Slack {what} ID (uppercase letters and digits, like {example})"
        ));
    }
    Ok(())
}

/// `TEAM:NAME`.
fn parse_workspace(spec: &str) -> Result<(String, String), String> {
    let Some((team, name)) = spec.split_once(':') else {
        return Err("--workspace wants TEAM:NAME, such as T0OTHER01:Other Workspace".to_owned());
    };
    check_id("--workspace", "team", team)?;
    if team == DEMO_TEAM_ID {
        return Err(format!(
            "--workspace {team} is the default workspace; fill it with --user, --channel and --token"
        ));
    }
    if name.trim().is_empty() {
        return Err(format!("--workspace {team}: the name is empty"));
    }
    Ok((team.to_owned(), name.to_owned()))
}

/// `ID`, `TEAM:ID` or `TEAM:ID:EMAIL`.
fn parse_user(spec: &str) -> Result<(Option<String>, String, Option<String>), String> {
    let parts: Vec<&str> = spec.splitn(3, ':').collect();
    let (team, user, email) = match parts.as_slice() {
        [user] => (None, *user, None),
        [team, user] => (Some(*team), *user, None),
        [team, user, email] => (Some(*team), *user, Some(*email)),
        _ => return Err("--user wants ID, TEAM:ID or TEAM:ID:EMAIL".to_owned()),
    };
    if let Some(team) = team {
        check_id("--user", "team", team)?;
    }
    check_id("--user", "user", user)?;
    if let Some(email) = email
        && (email.trim().is_empty() || !email.contains('@'))
    {
        return Err(format!("--user {user}: `{email}` is not an email address"));
    }
    Ok((
        team.map(str::to_owned),
        user.to_owned(),
        email.map(str::to_owned),
    ))
}

/// `ID` or `TEAM:ID`.
fn parse_channel(spec: &str) -> Result<(Option<String>, String), String> {
    match spec.split_once(':') {
        None => {
            check_id("--channel", "channel", spec)?;
            Ok((None, spec.to_owned()))
        }
        Some((team, channel)) => {
            check_id("--channel", "team", team)?;
            check_id("--channel", "channel", channel)?;
            Ok((Some(team.to_owned()), channel.to_owned()))
        }
    }
}

/// `TOKEN:KIND:SCOPES`; the scopes may hold colons (`calls:read`), so the
/// token and the kind are the first two fields and the rest is the scopes.
fn parse_token(spec: &str) -> Result<(String, TokenKind, Vec<String>), String> {
    let mut parts = spec.splitn(3, ':');
    let token = parts.next().unwrap_or_default();
    let (Some(kind), Some(scopes)) = (parts.next(), parts.next()) else {
        return Err(
            "--token wants TOKEN:KIND:SCOPES, such as xoxb-ci:bot:calls:read,calls:write"
                .to_owned(),
        );
    };
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err("--token: the token is empty or holds whitespace".to_owned());
    }
    let kind = match kind {
        "bot" => TokenKind::Bot,
        "user" => TokenKind::User,
        "other" => TokenKind::Other,
        other => return Err(format!("--token: kind `{other}` is not bot, user or other")),
    };
    let scopes = scopes
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok((token.to_owned(), kind, scopes))
}

/// Every team a `--user`, `--channel` or `--workspace-token` names must be
/// the default workspace or one given with `--workspace`.
fn check_teams(options: &Options) -> Result<(), String> {
    let known =
        |team: &str| team == DEMO_TEAM_ID || options.workspaces.iter().any(|(t, _)| t == team);
    let named = options
        .users
        .iter()
        .filter_map(|(team, _, _)| team.as_deref().map(|t| ("--user", t)))
        .chain(
            options
                .channels
                .iter()
                .filter_map(|(team, _)| team.as_deref().map(|t| ("--channel", t))),
        )
        .chain(
            options
                .workspace_tokens
                .iter()
                .map(|(team, _)| ("--workspace-token", team.as_str())),
        );
    let named = named.chain(
        options
            .enterprise_workspaces
            .iter()
            .map(|(_, team)| ("--enterprise-workspace", team.as_str())),
    );
    for (id, _) in &options.enterprise_workspaces {
        if !options.enterprises.iter().any(|(e, _)| e == id) {
            return Err(format!(
                "--enterprise-workspace names organization {id}, which is not given with --enterprise"
            ));
        }
    }
    for (flag, team) in named {
        if !known(team) {
            return Err(format!(
                "{flag} names workspace {team}, which is neither {DEMO_TEAM_ID} nor given with --workspace"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::help::help;
    use crate::setup::app_from;
    use slack_calls_mock::DEMO_SCOPES;

    fn args(list: &[&str]) -> Result<Command, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn tokens_keep_colons_in_scopes() {
        let (token, kind, scopes) = parse_token("xoxb-ci:bot:calls:read,calls:write").unwrap();
        assert_eq!(token, "xoxb-ci");
        assert_eq!(kind, TokenKind::Bot);
        assert_eq!(scopes, vec!["calls:read", "calls:write"]);
        let (_, kind, scopes) = parse_token("xoxp-x:user:").unwrap();
        assert_eq!(kind, TokenKind::User);
        assert!(scopes.is_empty());
    }

    #[test]
    fn bad_tokens_are_explained() {
        for bad in [
            "xoxb-ci",
            "xoxb-ci:bot",
            ":bot:calls:read",
            "xoxb-ci:robot:calls:read",
            "xo xb:bot:",
        ] {
            assert!(parse_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_parse_in_both_forms() {
        let Ok(Command::Serve(options)) = args(&[
            "--addr=127.0.0.1:0",
            "--token",
            "xoxb-a:bot:calls:read",
            "--user",
            "U1",
            "--rate-limit=5",
            "--time-scale",
            "60",
            "--quiet",
        ]) else {
            panic!("should parse");
        };
        assert_eq!(options.addr, Some(SocketAddr::from(([127, 0, 0, 1], 0))));
        assert_eq!(options.tokens.len(), 1);
        assert_eq!(options.users, vec![(None, "U1".to_owned(), None)]);
        assert_eq!(options.rate_limits, LimitMode::PerMinute(5));
        assert_eq!(options.time_scale, 60.0);
        assert!(options.quiet);
        assert!(matches!(args(&["--help"]), Ok(Command::Help)));
        assert!(matches!(args(&["-V"]), Ok(Command::Version)));
        assert!(
            matches!(args(&["--no-rate-limit"]), Ok(Command::Serve(o)) if o.rate_limits == LimitMode::Off)
        );
    }

    #[test]
    fn workspaces_users_and_channels_parse() {
        let Ok(Command::Serve(options)) = args(&[
            "--workspace",
            "T0OTHER01:Other Workspace",
            "--user",
            "T0OTHER01:U0OTHER01:ada@example.com",
            "--user",
            "U1",
            "--user=T0MOCK001:U2",
            "--channel",
            "T0OTHER01:C0OTHER01",
            "--channel=C1",
            "--workspace-token",
            "T0OTHER01:xoxb-other:bot:calls:read,calls:write",
        ]) else {
            panic!("should parse");
        };
        assert_eq!(
            options.workspaces,
            vec![("T0OTHER01".to_owned(), "Other Workspace".to_owned())]
        );
        assert_eq!(
            options.users,
            vec![
                (
                    Some("T0OTHER01".to_owned()),
                    "U0OTHER01".to_owned(),
                    Some("ada@example.com".to_owned())
                ),
                (None, "U1".to_owned(), None),
                (Some("T0MOCK001".to_owned()), "U2".to_owned(), None),
            ]
        );
        assert_eq!(
            options.channels,
            vec![
                (Some("T0OTHER01".to_owned()), "C0OTHER01".to_owned()),
                (None, "C1".to_owned())
            ]
        );
        assert_eq!(options.workspace_tokens.len(), 1);
        assert_eq!(options.workspace_tokens[0].0, "T0OTHER01");
        assert_eq!(
            options.workspace_tokens[0].1.2,
            vec!["calls:read", "calls:write"]
        );
    }

    #[test]
    fn bad_workspace_flags_are_explained() {
        for (bad, says) in [
            (&["--workspace", "T0OTHER01"][..], "TEAM:NAME"),
            (&["--workspace", "t0:x"], "not a Slack team ID"),
            (&["--workspace", "T0MOCK001:Again"], "the default workspace"),
            (&["--workspace", "T0OTHER01: "], "the name is empty"),
            (&["--user", "T0OTHER01:U1"], "neither T0MOCK001 nor given"),
            (&["--user", "T0MOCK001:U1:not-an-address"], "not an email"),
            (&["--user", "T0MOCK001:u1"], "not a Slack user ID"),
            (
                &["--channel", "T0MOCK001:#general"],
                "not a Slack channel ID",
            ),
            (&["--channel", "T9:C1"], "neither T0MOCK001 nor given"),
            (&["--workspace-token", "xoxb"], "TEAM:TOKEN:KIND:SCOPES"),
            (
                &["--workspace-token", "T9:xoxb-a:bot:"],
                "neither T0MOCK001",
            ),
        ] {
            match args(bad) {
                Err(message) => assert!(message.contains(says), "{bad:?}: {message}"),
                Ok(_) => panic!("{bad:?} should be refused"),
            }
        }
    }

    #[test]
    fn install_flags_parse_and_bad_ones_are_explained() {
        let Ok(Command::Serve(options)) = args(&[
            "--redirect-url",
            "http://127.0.0.1:3000/slack/oauth_redirect",
            "--redirect-url=https://example.com/cb",
            "--workspace",
            "T0MOCK002:Second",
            "--enterprise",
            "E0MOCK001:Mock Org",
            "--enterprise-workspace",
            "E0MOCK001:T0MOCK001",
            "--enterprise-workspace=E0MOCK001:T0MOCK002",
            "--consent",
            "allow",
            "--org-wide-install",
            "--token-rotation",
            "--refresh-grace=30",
        ]) else {
            panic!("should parse");
        };
        assert!(options.token_rotation);
        assert_eq!(options.refresh_grace_secs, Some(30));
        assert_eq!(options.redirect_urls.len(), 2);
        assert_eq!(
            options.enterprises,
            vec![("E0MOCK001".to_owned(), "Mock Org".to_owned())]
        );
        assert_eq!(options.enterprise_workspaces.len(), 2);
        assert_eq!(options.consent, ConsentAnswer::Allow);
        assert!(options.org_wide_install);
        for (bad, says) in [
            (&["--redirect-url", "http://example.com/cb"][..], "neither"),
            (&["--redirect-url", "https://example.com/cb#x"], "neither"),
            (&["--enterprise", "E0MOCK001"], "ID:NAME"),
            (&["--enterprise", "e1:Org"], "not a Slack enterprise ID"),
            (
                &["--enterprise-workspace", "E0MOCK001:T0MOCK001"],
                "not given with --enterprise",
            ),
            (
                &[
                    "--enterprise",
                    "E0MOCK001:Org",
                    "--enterprise-workspace",
                    "E0MOCK001:T9",
                ],
                "neither T0MOCK001",
            ),
            (&["--consent", "maybe"], "not ask, allow or deny"),
            (&["--org-wide-install=yes"], "takes no value"),
            (&["--token-rotation=yes"], "takes no value"),
            (&["--refresh-grace", "10m"], "not a whole number of seconds"),
        ] {
            match args(bad) {
                Err(message) => assert!(message.contains(says), "{bad:?}: {message}"),
                Ok(_) => panic!("{bad:?} should be refused"),
            }
        }
    }

    #[test]
    fn help_lists_every_demo_scope() {
        let text = help();
        assert!(!text.contains("{DEMO_SCOPES}"));
        assert!(!text.contains("{DEMO_TEAM_ID}"));
        for flag in [
            "--workspace ",
            "--channel ",
            "--workspace-token ",
            "[TEAM:]ID[:EMAIL]",
            "/_mock/",
            "--app-url ",
            "--signing-secret-env ",
            "--unfurl-domain ",
            "`ps`",
            "--redirect-url ",
            "--enterprise ",
            "--enterprise-workspace ",
            "--consent ",
            "--org-wide-install",
            "--token-rotation",
            "--refresh-grace ",
            "/oauth/v2/authorize",
        ] {
            assert!(text.contains(flag), "--help lacks {flag}");
        }
        for scope in DEMO_SCOPES {
            assert!(text.contains(scope), "--help lacks {scope}");
        }
    }

    #[test]
    fn the_app_flags_read_the_secret_from_the_environment() {
        const SECRET: &str = "a-signing-secret-of-32-characters";
        let Ok(Command::Serve(options)) = args(&[
            "--app-url",
            "http://127.0.0.1:3000/slack/events",
            "--signing-secret-env=APP_SECRET",
            "--unfurl-domain",
            "example.com",
            "--unfurl-domain=calls.example.org",
        ]) else {
            panic!("should parse");
        };
        assert_eq!(options.unfurl_domains, ["example.com", "calls.example.org"]);
        let app = app_from(&options, |name| {
            (name == "APP_SECRET").then(|| SECRET.to_owned())
        })
        .unwrap()
        .expect("an app");
        assert!(!format!("{app:?} {options:?}").contains(SECRET));
        let unset = app_from(&options, |_| None).unwrap_err();
        assert!(unset.contains("APP_SECRET is not set"), "{unset}");
        let short = app_from(&options, |_| Some("short".to_owned())).unwrap_err();
        assert!(short.contains("shorter"), "{short}");
        assert!(!short.contains("short\""), "{short}");
    }

    #[test]
    fn bad_app_flags_are_explained() {
        for (bad, says) in [
            (
                &["--app-url", "http://x/"][..],
                "needs --signing-secret-env",
            ),
            (&["--signing-secret-env", "S"], "needs --app-url"),
            (&["--unfurl-domain", "example.com"], "needs --app-url"),
            (&["--app-url", "ftp://x/"], "not an http(s) URL"),
            (
                &["--unfurl-domain", "https://example.com"],
                "not a host name",
            ),
            (&["--signing-secret", "x"], "not taken on the command line"),
            (&["--signing-secret-env="], "not an environment variable"),
        ] {
            match args(bad) {
                Err(message) => assert!(message.contains(says), "{bad:?}: {message}"),
                Ok(_) => panic!("{bad:?} should be refused"),
            }
        }
    }

    #[test]
    fn bad_options_are_explained() {
        for bad in [
            &["--addr", "localhost"][..],
            &["--addr"],
            &["--rate-limit", "-1"],
            &["--time-scale", "0"],
            &["--time-scale", "NaN"],
            &["--user", "bob"],
            &["--quiet=yes"],
            &["--frobnicate"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
    }
}

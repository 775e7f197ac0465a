//! `slack-calls-mock`: the fake Slack Web API server as a program, so apps
//! written in any language can run their Slack Calls tests against it.
//!
//! It prints the base URL and the demo tokens on its first lines (stdout,
//! as `KEY=value`) and serves until interrupted. `--help` explains the rest.

use std::net::SocketAddr;
use std::process::ExitCode;

use slack_calls::TokenKind;
use slack_calls::mock::{DEMO_SCOPES, LimitMode, MockSlack, MockSlackBuilder};

/// `--help`, before the demo scopes are filled in at `{DEMO_SCOPES}`.
const HELP: &str = "\
slack-calls-mock: a fake Slack Web API server for testing Slack Calls apps.

Serves every method of the slack-calls spec at <base URL><method>, by GET or
POST (form or JSON body), checking tokens, scopes, params and rate tiers the
way Slack does. The calls.* methods keep real state: calls.add creates a call
that calls.info returns, participants and ends are remembered, and every
documented error (invalid_call_id, inactive_call, bad_users, user_not_found,
missing_scope, ...) comes where Slack gives it.

USAGE:
    slack-calls-mock [OPTIONS]

OPTIONS:
    --addr <ADDR>              Listen on ADDR [default: 127.0.0.1:0, a free port]
    --token <TOKEN:KIND:SCOPES>
                               Also accept TOKEN. KIND is bot, user or other;
                               SCOPES is a comma-separated list, possibly empty.
                               Example: --token xoxb-ci:bot:calls:read,calls:write
                               Repeat for more tokens.
    --user <ID>                Put a Slack user ID in the user directory. Repeat
                               for more; the first given replaces the default
                               directory (U0MOCK001 to U0MOCK005). User tokens
                               act for the first user.
    --rate-limit <N>           Allow N requests per minute per (workspace, method)
                               for every method [default: the method's tier]
    --no-rate-limit            Turn rate limits off
    --time-scale <F>           Run the rate-limit clock F times faster than real
                               time; Retry-After stays in real seconds
                               [default: 1]
    --quiet                    Do not print a line per request on stderr
    -h, --help                 Print this help
    -V, --version              Print the version

OUTPUT:
    The first three lines on stdout are, in this order:
        SLACK_CALLS_MOCK_URL=http://127.0.0.1:<port>/api/
        SLACK_CALLS_MOCK_BOT_TOKEN=xoxb-mock-bot
        SLACK_CALLS_MOCK_USER_TOKEN=xoxp-mock-user
    Both demo tokens have the scopes {DEMO_SCOPES}.
    Point your Slack SDK's base URL at SLACK_CALLS_MOCK_URL, e.g. in Python:
        WebClient(token=bot_token, base_url=url)
    The server runs until it gets Ctrl-C (SIGINT) or SIGTERM.
";

/// `--help` with the demo tokens' scopes taken from [`DEMO_SCOPES`], so the
/// text cannot drift from what the fake grants.
fn help() -> String {
    HELP.replace("{DEMO_SCOPES}", &DEMO_SCOPES.join(", "))
}

/// The parsed command line.
#[derive(Debug)]
struct Options {
    addr: Option<SocketAddr>,
    tokens: Vec<(String, TokenKind, Vec<String>)>,
    users: Vec<String>,
    rate_limits: LimitMode,
    time_scale: f64,
    quiet: bool,
}

/// What the command line asks for.
#[derive(Debug)]
enum Command {
    Serve(Options),
    Help,
    Version,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options {
        addr: None,
        tokens: Vec::new(),
        users: Vec::new(),
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
            "--user" => {
                let user = value("--user")?;
                if user.is_empty()
                    || !user
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                {
                    return Err(format!(
                        "--user `{user}` is not a Slack user ID (uppercase letters and digits, like U0HRJ1GNB)"
                    ));
                }
                options.users.push(user);
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
        if inline.is_some() && matches!(flag.as_str(), "--no-rate-limit" | "--quiet") {
            return Err(format!("{flag} takes no value"));
        }
    }
    Ok(Command::Serve(options))
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

fn builder(options: &Options) -> MockSlackBuilder {
    let mut builder = MockSlack::builder()
        .rate_limits(options.rate_limits)
        .time_scale(options.time_scale)
        .log_to_stderr(!options.quiet)
        // A long-running server keeps a bounded log it never reads.
        .log_capacity(0);
    if let Some(addr) = options.addr {
        builder = builder.addr(addr);
    }
    if !options.users.is_empty() {
        builder = builder.users(options.users.iter().cloned());
    }
    for (token, kind, scopes) in &options.tokens {
        builder = builder.token(token.clone(), *kind, scopes.iter().cloned());
    }
    builder
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Serve(options)) => options,
        Ok(Command::Help) => {
            print!("{}", help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("slack-calls-mock {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\nRun `slack-calls-mock --help` for the options.");
            return ExitCode::from(2);
        }
    };
    let mock = match builder(&options).start().await {
        Ok(mock) => mock,
        Err(err) => {
            eprintln!("error: could not start the fake Slack server: {err}");
            return ExitCode::FAILURE;
        }
    };
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // If stdout is gone, the server is still useful: ignore write errors.
        let _ = writeln!(out, "SLACK_CALLS_MOCK_URL={}", mock.base_url());
        let _ = writeln!(out, "SLACK_CALLS_MOCK_BOT_TOKEN={}", mock.bot_token());
        let _ = writeln!(out, "SLACK_CALLS_MOCK_USER_TOKEN={}", mock.user_token());
        let _ = out.flush();
    }
    eprintln!(
        "slack-calls-mock: serving {} methods at {}; demo tokens have scopes {}",
        slack_calls::METHODS.len(),
        mock.base_url(),
        DEMO_SCOPES.join(",")
    );
    for (_, kind, scopes) in &options.tokens {
        // The token text is not printed: whoever passed it knows it.
        eprintln!(
            "slack-calls-mock: also accepting a {kind} token from --token, scopes [{}]",
            scopes.join(",")
        );
    }
    eprintln!("slack-calls-mock: Ctrl-C or SIGTERM stops it");
    wait_for_signal().await;
    mock.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(options.users, vec!["U1"]);
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
    fn help_lists_every_demo_scope() {
        let text = help();
        assert!(!text.contains("{DEMO_SCOPES}"));
        for scope in DEMO_SCOPES {
            assert!(text.contains(scope), "--help lacks {scope}");
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

//! `slack-calls-mock`: the fake Slack Web API server as a program, so apps
//! written in any language can run their Slack Calls tests against it.
//!
//! It prints the base URL and the demo tokens on its first lines (stdout,
//! as `KEY=value`) and serves until interrupted. `--help` explains the rest.

mod args;
mod help;
mod setup;

use std::process::ExitCode;

use slack_calls_mock::DEMO_SCOPES;

use args::{Command, parse_args};
use help::help;
use setup::{app_from, builder};

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
        Ok(Command::Serve(options)) => *options,
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
    let app = match app_from(&options, |name| std::env::var(name).ok()) {
        Ok(app) => app,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = builder(&options);
    if let Some(app) = app {
        builder = builder.app(app);
    }
    let mock = match builder.start().await {
        Ok(mock) => mock,
        Err(err) => {
            eprintln!("error: could not start the fake Slack server: {err}");
            return ExitCode::FAILURE;
        }
    };
    mock.set_consent(options.consent);
    mock.set_org_wide_install(options.org_wide_install);
    mock.set_token_rotation(options.token_rotation);
    if let Some(secs) = options.refresh_grace_secs {
        mock.set_refresh_grace(std::time::Duration::from_secs(secs));
    }
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
    if let (Some(url), Some(name)) = (&options.app_url, &options.signing_secret_env) {
        eprintln!(
            "slack-calls-mock: sending events to {url}, signed with the secret in ${name}; \
             unfurl domains [{}]",
            options.unfurl_domains.join(",")
        );
    }
    if !options.redirect_urls.is_empty() {
        eprintln!(
            "slack-calls-mock: installs start at {} (redirect URLs [{}])",
            mock.authorize_url(),
            options.redirect_urls.join(",")
        );
    }
    eprintln!(
        "slack-calls-mock: what apps do to it, live: {}",
        mock.page_url()
    );
    eprintln!("slack-calls-mock: Ctrl-C or SIGTERM stops it");
    wait_for_signal().await;
    mock.shutdown().await;
    ExitCode::SUCCESS
}

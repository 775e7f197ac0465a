//! The `slack-calls-mock` program: what it prints, its options, and that it
//! serves and stops like a server should.

#![cfg(feature = "mock")]

mod mock_support;

use std::process::{Command, Stdio};

use mock_support::MockProcess;
use slack_calls::{CallUser, Client};

const BIN: &str = env!("CARGO_BIN_EXE_slack-calls-mock");

fn client(mock: &MockProcess, token: &str) -> Client {
    Client::builder(token).base_url(&mock.url).build().unwrap()
}

#[tokio::test]
async fn prints_its_url_and_tokens_then_serves_with_the_options_given() {
    let mock = MockProcess::start(
        &[
            "--token",
            "xoxb-ci:bot:calls:read",
            "--user",
            "U0CI001",
            "--user=U0CI002",
            "--quiet",
        ],
        Stdio::null(),
    );
    let port = mock
        .url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.strip_suffix("/api/"))
        .and_then(|port| port.parse::<u16>().ok());
    assert!(port.is_some_and(|p| p > 0), "{}", mock.url);
    assert_eq!(mock.bot_token, "xoxb-mock-bot");
    assert_eq!(mock.user_token, "xoxp-mock-user");

    let user = client(&mock, &mock.user_token);
    let call = user
        .calls()
        .add("bin-1", "https://example.com/j")
        .users([CallUser::slack("U0CI002")])
        .await
        .unwrap()
        .call;
    // --user replaced the default directory.
    let err = user
        .calls()
        .participants()
        .add(&call.id, [CallUser::slack("U0MOCK002")])
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("user_not_found"));

    // The --token token reads but cannot write.
    let reader = client(&mock, "xoxb-ci");
    assert_eq!(
        reader.calls().info(&call.id).await.unwrap().call.id,
        call.id
    );
    let err = reader
        .calls()
        .update(&call.id)
        .title("x")
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("missing_scope"));
}

#[test]
fn help_version_and_bad_arguments() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--addr",
        "--token <TOKEN:KIND:SCOPES>",
        "SLACK_CALLS_MOCK_URL",
        "SIGTERM",
    ] {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
    // The demo tokens' scopes, all of them (the text once listed two of four).
    for needle in slack_calls::mock::DEMO_SCOPES {
        assert!(text.contains(needle), "--help lacks {needle}");
    }
    let version = Command::new(BIN).arg("-V").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("slack-calls-mock "));

    for (args, expected) in [
        (&["--token", "xoxb-only"][..], "TOKEN:KIND:SCOPES"),
        (
            &["--token", "xoxb-a:robot:calls:read"],
            "not bot, user or other",
        ),
        (&["--addr", "nowhere"], "--addr"),
        (&["--time-scale", "0"], "--time-scale"),
        (&["--bogus"], "unknown argument"),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a URL");
    }

    // An address in use: a clear error, exit code 1.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN).args(["--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not start"));
}

#[cfg(unix)]
#[tokio::test]
async fn logs_requests_without_tokens_and_stops_on_sigterm() {
    use std::io::Read;
    let mut mock = MockProcess::start(
        &["--token", "xoxp-secret-ci:user:calls:read"],
        Stdio::piped(),
    );
    let err = client(&mock, "xoxp-secret-ci")
        .calls()
        .info("R0NOSUCH01")
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("invalid_call_id"));

    let status = mock.terminate();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("#0 POST calls.info [user token] -> error invalid_call_id"),
        "{stderr}"
    );
    assert!(stderr.contains("also accepting a user token"), "{stderr}");
    assert!(!stderr.contains("xoxp-secret-ci"), "{stderr}");
}

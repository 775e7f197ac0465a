//! The `slack-calls-mock` program's command line: `--help`, `-V`, bad
//! arguments and an address in use, each with its exit code. (Serving,
//! logging and stopping are tested from the workspace's tests, which start
//! this binary as a process of its own.)

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_slack-calls-mock");

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
    for needle in slack_calls_mock::DEMO_SCOPES {
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

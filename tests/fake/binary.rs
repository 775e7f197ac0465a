//! The `slack-calls-mock` program: what it prints, its options, and that it
//! serves and stops like a server should.

use std::process::Stdio;

use crate::fake_support::fake_process::MockProcess;
use slack_calls::{CallUser, Client};

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

/// `--app-url`, `--signing-secret-env` and `--unfurl-domain`: the secret
/// is read from the environment variable (the app checks the signature
/// with it), and it shows nowhere: not in the control API, not on stderr.
#[cfg(unix)]
// Two threads: the program's start blocks this one while the app answers
// the fake's `url_verification` handshake on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_flags_sign_with_the_secret_from_the_environment() {
    use std::io::Read;
    use std::sync::{Arc, Mutex};

    use axum::http::HeaderMap;
    use slack_calls::signing::{SigningSecret, verify};

    const SECRET: &str = "bin-flag-secret-0123456789abcdefgh";
    let verified: Arc<Mutex<Vec<(bool, String)>>> = Arc::default();
    let kept = verified.clone();
    let router = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let secret = SigningSecret::new(SECRET).unwrap();
                let ok = verify(
                    &secret,
                    &header("x-slack-request-timestamp"),
                    header("x-slack-signature").as_bytes(),
                    body.as_bytes(),
                );
                kept.lock().unwrap().push((ok, body));
            }
        }),
    );
    let (addr, _task) =
        crate::support::serve(crate::fake_support::handshake::answers_handshake(router)).await;
    let app_url = format!("http://{addr}/slack/events");
    let mut mock = MockProcess::start_with_env(
        &[
            "--app-url",
            &app_url,
            "--signing-secret-env",
            "MOCK_APP_SECRET",
            "--unfurl-domain",
            "example.com",
            "--unfurl-domain=calls.example.org",
        ],
        &[("MOCK_APP_SECRET", SECRET)],
        Stdio::piped(),
    );
    let base = mock.url.trim_end_matches("/api/").to_owned();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let app = http
        .get(format!("{base}/_mock/app"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(app.contains("calls.example.org"), "{app}");
    assert!(!app.contains(SECRET), "{app}");
    let posted = http
        .post(format!("{base}/_mock/messages"))
        .header("content-type", "application/json")
        .body(
            r#"{"user":"U0MOCK001","channel":"C0MOCK001","text":"https://calls.example.org/j/1"}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 201);
    for _ in 0..500 {
        if !verified.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    {
        let got = verified.lock().unwrap();
        assert_eq!(got.len(), 1, "one link_shared");
        assert!(got[0].0, "signed with the secret from the environment");
        assert!(got[0].1.contains("link_shared"));
    }
    let status = mock.terminate();
    assert!(status.success(), "{status:?}");
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("$MOCK_APP_SECRET"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");

    // Unset, or on the command line: refused, exit code 2.
    for (args, says) in [
        (
            &[
                "--app-url",
                "http://127.0.0.1:9/",
                "--signing-secret-env",
                "MOCK_UNSET_SECRET_VAR",
            ][..],
            "MOCK_UNSET_SECRET_VAR is not set",
        ),
        (&["--signing-secret", SECRET][..], "--signing-secret-env"),
    ] {
        let out = std::process::Command::new(crate::fake_support::fake_process::binary())
            .args(args)
            .env_remove("MOCK_UNSET_SECRET_VAR")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains(SECRET), "{err}");
    }
}

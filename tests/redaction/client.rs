//! The token never leaks, and every call is observable: one run through
//! every fault, with all tracing output captured at TRACE and every error
//! and response printed, must not contain the token text anywhere; the
//! same output must show each call's span (method, tier, attempt, wait,
//! retry reason, outcome).

use std::time::Duration;

use crate::support::scripted_server::{Reply, Server};
use crate::support::test_methods::{ADD, Code, TOKEN, add, builder, call, end, info};
use slack_calls::{Client, Error, Form, RateLimits, RetryPolicy, TestClock, Token};

/// Every way the token text could show, whole or in part.
const SECRET_PARTS: [&str; 3] = [TOKEN, "TOKENSECRETTEXT", "4242-1717"];

fn assert_clean(what: &str, text: &str) {
    for part in SECRET_PARTS {
        assert!(
            !text.contains(part),
            "{what} contains the token text `{part}`:\n{text}"
        );
    }
}

fn describe_err(err: &Error<Code>) -> String {
    format!("{err}\n{err:?}\n{err:#?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_text_in_tracing_output_errors_or_responses() {
    let captured = crate::support::trace_capture::global();

    let clock = TestClock::new();
    let server = Server::with_clock(&clock).await;
    let client = builder(&server, &clock)
        .timeout(Duration::from_millis(300))
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let mut printed: Vec<(String, String)> = Vec::new();
    let mut record = |what: &str, text: String| printed.push((what.to_owned(), text));

    // A 429 then success.
    server.script("calls.info", [Reply::retry_after(2)]);
    let ok = info(&client, "R1").await.unwrap();
    record("response after 429", format!("{ok:?}"));

    // A successful answer that echoes the token.
    server.script("calls.info", [Reply::EchoAuthOk]);
    let echoed = info(&client, "R1").await.unwrap();
    let title = echoed.call.as_ref().unwrap()["title"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(title, "Bearer xoxb-…", "the echoed token is redacted");
    record("echoing response", format!("{echoed:?} {echoed:#?}"));

    // Faults.
    server.script("calls.add", [Reply::Drop]);
    let err = add(&client, "ext-1").await.unwrap_err();
    assert!(err.may_have_been_sent());
    record("dropped connection", describe_err(&err));

    server.script("calls.info", [Reply::status(503), Reply::status(503)]);
    record(
        "503 storm",
        describe_err(&info(&client, "R1").await.unwrap_err()),
    );

    server.script("calls.info", [Reply::Hang, Reply::Hang]);
    let err = info(&client, "R1").await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    record("timeout", describe_err(&err));

    server.script("calls.end", [Reply::EchoAuth(500), Reply::EchoAuth(500)]);
    let err = end(&client, "R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { body_snippet, .. } if body_snippet.contains("Bearer xoxb-…")),
        "{err:?}"
    );
    record("echoing 500", describe_err(&err));

    // The token placed across the 200-character cut of the snippet.
    for pad in [185, 190, 195] {
        server.script("calls.info", [Reply::EchoAuthText(200, pad)]);
        let err = info(&client, "R1").await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        record("echoing undecodable body", describe_err(&err));
    }

    server.script("calls.info", [Reply::EchoAuth(200)]);
    let err = info(&client, "R1").await.unwrap_err();
    assert_eq!(err.slack_code(), Some("invalid_auth"));
    record("invalid_auth", describe_err(&err));

    let mut form = Form::new();
    form.push("external_unique_id", "ext-1");
    form.push("join_url", "https://example.com/1");
    let err = call(&client, &ADD, form).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    record("invalid request", describe_err(&err));

    server.script("calls.info", [Reply::retry_after(600)]);
    let err = info(&client, "R1").await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    record("rate limited", describe_err(&err));

    let refused = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let unreachable = Client::builder(TOKEN)
        .base_url(format!("http://{refused}/api/"))
        .clock(clock.clone())
        .rate_limits(RateLimits::off())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = info(&unreachable, "R1").await.unwrap_err();
    assert!(!err.may_have_been_sent(), "{err:?}");
    record("connection refused", describe_err(&err));

    // Everything else that prints.
    let token = Token::new(TOKEN);
    record("token", format!("{token} {token:?} {}", token.redacted()));
    record("client", format!("{client:?} {client:#?}"));
    record("limiter", format!("{:?}", client.rate_limiter()));
    record("stats", format!("{:?}", client.pacing_stats()));
    record(
        "builder",
        format!("{:?}", builder(&server, &clock).workspace("T1")),
    );
    for request in server.requests() {
        record(
            "request path",
            format!("{} {:?}", request.path, request.query),
        );
        record("request body", request.body.clone());
    }

    for (what, text) in &printed {
        assert_clean(what, text);
    }
    let log = captured.text();
    assert_clean("tracing output", &log);

    // The same output shows each call's span and its story.
    for needle in [
        "slack_call{",
        r#"method="calls.add""#,
        "tier=tier 3",
        "idempotent=false",
        "attempt=2",
        "permit_wait_ms=2000",
        r#"retry_reason="rate_limited""#,
        r#"retry_reason="server_status""#,
        "outcome=\"ok\"",
        "outcome=\"transport_error\"",
        "outcome=\"rate_limited\"",
        "Slack answered 429; pausing the method for Retry-After",
        "not retried: the method is not idempotent and the request may have reached Slack",
        "giving up: no attempts left",
        "giving up: the wait for a permit goes beyond the rate-limit budget",
    ] {
        assert!(
            log.contains(needle),
            "tracing output lacks `{needle}`:\n{log}"
        );
    }
}

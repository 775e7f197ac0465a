//! The client against the fake Slack, through a run with every fault:
//! no token text in the tracing output (captured at TRACE, from every
//! crate, the fake's included), in an error's `Display` or `Debug`, or in
//! a response.

use std::sync::Arc;
use std::time::Duration;

use crate::fake_support::shared_time::SharedTime;
use slack_calls::{Error, TokenKind};
use slack_calls_mock::{Fault, MockSlack};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

const SECRET_BOT: &str = "xoxb-5150-8086-SECRETBOTTOKENTEXT";
const SECRET_READ_ONLY: &str = "xoxp-6502-6809-SECRETREADONLYTEXT";
const SECRET_UNKNOWN: &str = "xoxb-2600-7800-SECRETUNKNOWNTEXT";
/// Every way the token texts could show, whole or in part.
const SECRET_PARTS: [&str; 9] = [
    SECRET_BOT,
    SECRET_READ_ONLY,
    SECRET_UNKNOWN,
    "SECRETBOTTOKENTEXT",
    "SECRETREADONLYTEXT",
    "SECRETUNKNOWNTEXT",
    "5150-8086",
    "6502-6809",
    "2600-7800",
];

fn describe<E: slack_calls::ErrorCode + std::fmt::Debug>(err: &Error<E>) -> String {
    format!("{err}\n{err:?}\n{err:#?}\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_text_in_tracing_output_or_error_strings_of_a_run_with_faults() {
    let captured = crate::support::trace_capture::global();

    let mock = Arc::new(
        MockSlack::builder()
            .token(SECRET_BOT, TokenKind::Bot, ["calls:read", "calls:write"])
            .token(SECRET_READ_ONLY, TokenKind::User, ["calls:read"])
            .start()
            .await
            .unwrap(),
    );
    let time = SharedTime::auto(&mock);
    let client = mock
        .client_builder(SECRET_BOT)
        .clock(time.clone())
        .max_rate_limit_wait(secs(45))
        .build()
        .unwrap();
    let mut printed = format!("{client:?}\n");

    // 429 then success, on calls.add.
    mock.fault(
        "calls.add",
        Fault::RateLimited {
            retry_after_secs: 2,
        },
        1,
    );
    let added = client
        .calls()
        .add("m-secret", "https://example.com/j/1")
        .created_by("U0MOCK001")
        .await
        .unwrap();
    printed += &format!("{added:?}\n");
    let id = added.call.id.to_string();

    // Ambiguous failures on calls.add, not resent.
    for fault in [Fault::DropAfterHandling, Fault::Drop, Fault::Status(503)] {
        mock.fault("calls.add", fault, 1);
        let err = client
            .calls()
            .add("m-secret-2", "https://example.com/j/2")
            .created_by("U0MOCK001")
            .await
            .unwrap_err();
        assert!(err.may_have_been_sent(), "{err:?}");
        printed += &describe(&err);
    }

    // Every fault on calls.info, retried; then a storm past the bound.
    for faults in [
        [Fault::Drop, Fault::DropAfterHandling, Fault::Status(502)],
        [Fault::BrokenBody, Fault::Status(500), Fault::Drop],
    ] {
        for fault in faults {
            mock.fault("calls.info", fault, 1);
        }
        let info = client.calls().info(id.as_str()).await.unwrap();
        printed += &format!("{info:?}\n");
    }
    for fault in [Fault::Truncated, Fault::NotJson] {
        mock.fault("calls.info", fault, 1);
        let err = client.calls().info(id.as_str()).await.unwrap_err();
        printed += &describe(&err);
    }
    mock.fault("calls.info", Fault::Status(503), 10);
    let err = client.calls().info(id.as_str()).await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 503, .. }), "{err:?}");
    printed += &describe(&err);
    mock.clear_injections();

    // The cap on waiting.
    mock.fault(
        "calls.info",
        Fault::RateLimited {
            retry_after_secs: 30,
        },
        2,
    );
    let err = client.calls().info(id.as_str()).await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    printed += &describe(&err);

    // Slack's own refusals: missing_scope, invalid_auth.
    let read_only = mock.client_builder(SECRET_READ_ONLY).build().unwrap();
    let err = read_only.calls().end(id.as_str()).await.unwrap_err();
    assert_eq!(err.slack_code(), Some("missing_scope"));
    printed += &describe(&err);
    printed += &format!("{read_only:?}\n");
    let unknown = mock.client_builder(SECRET_UNKNOWN).build().unwrap();
    let err = unknown.calls().info(id.as_str()).await.unwrap_err();
    assert_eq!(err.slack_code(), Some("invalid_auth"));
    printed += &describe(&err);

    // The fake's own record of the run.
    for request in mock.requests() {
        printed += &format!("{request}\n{request:?}\n");
    }
    printed += &format!("{mock:?}\n{:?}\n", client.pacing_stats());

    let traced = captured.text();
    // The capture works, and saw the retries and refusals of this run.
    for expected in [
        "slack_call",
        "method=\"calls.add\"",
        "retry_reason",
        "not retried",
        "giving up",
        "Slack answered 429",
    ] {
        assert!(traced.contains(expected), "no `{expected}` in:\n{traced}");
    }
    for part in SECRET_PARTS {
        assert!(
            !traced.contains(part),
            "tracing output contains `{part}`:\n{traced}"
        );
        assert!(
            !printed.contains(part),
            "printed output contains `{part}`:\n{printed}"
        );
    }
}

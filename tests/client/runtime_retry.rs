//! Retries that know what is safe: what is resent, how often, after which
//! waits, and what the caller is told when a call is not resent.

use std::time::Duration;

use crate::support::scripted_server::{Reply, Server, join, wait_for_sleepers};
use crate::support::test_methods as runtime_support;
use crate::support::test_methods::{ADD, Code, TOKEN, add, builder, call, end, info};
use slack_calls::{BuildError, Client, Error, RateLimits, RetryPolicy, TestClock, TransportKind};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn a_dropped_connection_on_calls_add_is_not_resent_and_says_it_may_have_been_sent() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.script("calls.add", [Reply::Drop]);
    let client = builder(&server, &clock).build().unwrap();

    let err = add(&client, "ext-1").await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Transport {
                method: "calls.add",
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_sent());
    assert!(err.to_string().contains("may have reached Slack"), "{err}");
    assert_eq!(server.count("calls.add"), 1, "calls.add must not be resent");
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[tokio::test]
async fn the_same_fault_on_calls_info_is_retried_and_succeeds() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.script("calls.info", [Reply::Drop]);
    let client = builder(&server, &clock).build().unwrap();

    let response = info(&client, "R1").await.unwrap();

    assert_eq!(response.call.unwrap()["id"], "R1");
    assert_eq!(server.count("calls.info"), 2);
    assert_eq!(clock.sleeps(), [ms(100)], "one backoff before the retry");
}

#[tokio::test]
async fn a_503_storm_ends_in_a_clear_error_within_the_attempt_bound() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::status(503));
    let client = builder(&server, &clock).build().unwrap();

    let err = info(&client, "R1").await.unwrap_err();

    assert!(
        matches!(&err, Error::Status { method: "calls.info", status: 503, body_snippet } if body_snippet == "upstream trouble"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "calls.info: unexpected HTTP status 503: upstream trouble"
    );
    assert_eq!(
        server.count("calls.info"),
        4,
        "the default policy makes 4 attempts"
    );
    assert_eq!(clock.sleeps(), [ms(100), ms(200), ms(400)]);

    let clock = TestClock::new();
    let client = builder(&server, &clock)
        .retry_policy(RetryPolicy::new().jitter(false).max_attempts(2))
        .build()
        .unwrap();
    let before = server.count("calls.info");
    assert!(info(&client, "R1").await.is_err());
    assert_eq!(server.count("calls.info") - before, 2);
    assert_eq!(clock.sleeps(), [ms(500)]);
}

#[tokio::test]
async fn backoff_doubles_up_to_the_cap() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::status(502));
    let client = builder(&server, &clock)
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .max_attempts(6)
                .initial_backoff(ms(300))
                .max_backoff(ms(1000)),
        )
        .build()
        .unwrap();
    assert!(end(&client, "R1").await.is_err());
    assert_eq!(server.count("calls.end"), 6);
    assert_eq!(
        clock.sleeps(),
        [ms(300), ms(600), ms(1000), ms(1000), ms(1000)]
    );
}

#[tokio::test]
async fn jittered_backoff_stays_in_the_upper_half_of_each_step() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::status(500));
    let client = builder(&server, &clock)
        .retry_policy(
            RetryPolicy::new()
                .max_attempts(5)
                .initial_backoff(ms(1000))
                .max_backoff(ms(8000)),
        )
        .build()
        .unwrap();
    assert!(info(&client, "R1").await.is_err());
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 4);
    for (sleep, full) in sleeps.iter().zip([1000, 2000, 4000, 8000]) {
        assert!(
            *sleep >= ms(full / 2) && *sleep <= ms(full),
            "{sleep:?} not in [{}ms, {full}ms]",
            full / 2
        );
    }
}

#[tokio::test]
async fn a_5xx_on_a_method_that_is_not_idempotent_is_not_resent() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::status(503));
    let client = builder(&server, &clock).build().unwrap();

    let err = add(&client, "ext-1").await.unwrap_err();

    assert!(matches!(err, Error::Status { status: 503, .. }), "{err:?}");
    assert!(err.may_have_been_sent());
    assert_eq!(server.count("calls.add"), 1);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn internal_and_fatal_errors_are_retried_only_for_idempotent_methods() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.script(
        "calls.info",
        [
            Reply::error("internal_error"),
            Reply::error("fatal_error"),
            Reply::error("service_unavailable"),
        ],
    );
    server.script("calls.add", [Reply::error("internal_error")]);
    let client = builder(&server, &clock).build().unwrap();

    assert!(info(&client, "R1").await.is_ok());
    assert_eq!(server.count("calls.info"), 4);
    assert_eq!(clock.sleeps(), [ms(100), ms(200), ms(400)]);

    let err = add(&client, "ext-1").await.unwrap_err();
    assert_eq!(err.slack_code(), Some("internal_error"));
    assert_eq!(err.api_code(), Some(&Code("internal_error".to_owned())));
    assert!(err.may_have_been_sent(), "{err:?}");
    assert_eq!(server.count("calls.add"), 1);
}

#[tokio::test]
async fn other_slack_errors_4xx_and_undecodable_answers_are_not_retried() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.script(
        "calls.info",
        [
            Reply::error("invalid_call_id"),
            Reply::status(404),
            Reply::Json("<html>not json</html>".to_owned()),
        ],
    );
    let client = builder(&server, &clock).build().unwrap();

    let err = info(&client, "R1").await.unwrap_err();
    assert_eq!(err.slack_code(), Some("invalid_call_id"));
    let err = info(&client, "R1").await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 404, .. }), "{err:?}");
    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { body_snippet, .. } if body_snippet == "<html>not json</html>"),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 3);
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_truncated_answer_is_retried_only_for_idempotent_methods() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let body = r#"{"ok":true,"call":{"id":"R1"}}"#.to_owned();
    server.script("calls.info", [Reply::Truncated(body.clone())]);
    server.script("calls.add", [Reply::Truncated(body)]);
    let client = builder(&server, &clock).build().unwrap();

    assert!(info(&client, "R1").await.is_ok());
    assert_eq!(server.count("calls.info"), 2);

    let err = add(&client, "ext-1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("calls.add"), 1);
}

#[tokio::test]
async fn a_timeout_is_retried_only_for_idempotent_methods() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::Hang);
    let client = builder(&server, &clock)
        .timeout(ms(300))
        .retry_policy(RetryPolicy::new().jitter(false).max_attempts(2))
        .build()
        .unwrap();

    let err = info(&client, "R1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Timeout,
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("calls.info"), 2);

    let err = add(&client, "ext-1").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Timeout,
                may_have_been_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count("calls.add"), 1);
}

/// An address nothing listens on (the listener is bound, then closed).
async fn refused_addr() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

#[tokio::test]
async fn a_refused_connection_is_retried_even_for_calls_add() {
    let addr = refused_addr().await;
    let clock = TestClock::manual();
    let client = Client::builder(TOKEN)
        .base_url(format!("http://{addr}/api/"))
        .clock(clock.clone())
        .retry_policy(RetryPolicy::new().jitter(false).initial_backoff(ms(100)))
        .build()
        .unwrap();

    let pending = tokio::spawn({
        let client = client.clone();
        async move { add(&client, "ext-1").await }
    });
    // The first attempt was refused; the call now waits out its backoff.
    wait_for_sleepers(&clock, 1).await;
    let server = Server::start_on(addr, None).await;
    clock.advance(ms(100));
    let response = join(pending).await.unwrap();

    assert_eq!(response.call.unwrap()["id"], "R1");
    assert_eq!(server.count("calls.add"), 1);
    assert_eq!(clock.sleeps(), [ms(100)]);
}

#[tokio::test]
async fn a_connection_refused_every_time_says_the_request_was_not_sent() {
    let addr = refused_addr().await;
    let clock = TestClock::new();
    let client = Client::builder(TOKEN)
        .base_url(format!("http://{addr}/api/"))
        .clock(clock.clone())
        .rate_limits(RateLimits::off())
        .retry_policy(RetryPolicy::new().jitter(false).initial_backoff(ms(100)))
        .build()
        .unwrap();

    let err = add(&client, "ext-1").await.unwrap_err();

    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                may_have_been_sent: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.may_have_been_sent());
    assert!(
        err.to_string().contains("the request was not sent"),
        "{err}"
    );
    assert_eq!(clock.sleeps(), [ms(100), ms(200), ms(400)]);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::status(503));
    let client = builder(&server, &clock)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(info(&client, "R1").await.is_err());
    assert_eq!(server.count("calls.info"), 1);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn invalid_retry_policies_are_refused_when_building() {
    for policy in [
        RetryPolicy::new().max_attempts(0),
        RetryPolicy::new()
            .initial_backoff(ms(5000))
            .max_backoff(ms(10)),
    ] {
        let err = Client::builder(TOKEN)
            .retry_policy(policy)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, BuildError::InvalidRetryPolicy { .. }),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn every_attempt_sends_the_same_request() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.script("calls.add", [Reply::status(500)]);
    server.script("calls.info", [Reply::status(500)]);
    let client = builder(&server, &clock).build().unwrap();
    let _ = add(&client, "ext-1").await;
    let mut form = slack_calls::Form::new();
    form.push("id", "R9");
    call(&client, &runtime_support::INFO, form).await.unwrap();
    let infos: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method() == "calls.info")
        .collect();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].body, infos[1].body);
    assert_eq!(infos[1].field("id").as_deref(), Some("R9"));
    assert_eq!(ADD.name, "calls.add");
}

// ---------------------------------------------------------------------------
// Through the generated API: what may be resent comes from the spec.

#[test]
fn the_spec_marks_what_may_be_resent() {
    let idempotent: Vec<(&str, bool)> = slack_calls::METHODS
        .iter()
        .map(|m| (m.name, m.idempotent))
        .collect();
    for (name, expected) in [
        ("calls.add", false),
        ("calls.end", true),
        ("calls.info", true),
        ("calls.update", true),
        ("calls.participants.add", false),
        ("calls.participants.remove", false),
    ] {
        assert!(
            idempotent.contains(&(name, expected)),
            "{name} should have idempotent: {expected}; the table has {idempotent:?}"
        );
    }
}

#[tokio::test]
async fn generated_methods_resend_only_what_the_spec_allows() {
    use slack_calls::CallUser;
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock).build().unwrap();
    let calls = client.calls();
    for method in [
        "calls.add",
        "calls.participants.add",
        "calls.participants.remove",
        "calls.info",
        "calls.update",
        "calls.end",
    ] {
        server.script(method, [Reply::Drop]);
    }

    let err = calls
        .add("ext-1", "https://example.com/1")
        .created_by("U1")
        .await
        .unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    let err = calls
        .participants()
        .add("R1", [CallUser::slack("U1")])
        .await
        .unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    let err = calls
        .participants()
        .remove("R1", [CallUser::slack("U1")])
        .await
        .unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    calls.info("R1").await.unwrap();
    calls.update("R1").title("New title").await.unwrap();
    calls.end("R1").await.unwrap();

    for (method, sent) in [
        ("calls.add", 1),
        ("calls.participants.add", 1),
        ("calls.participants.remove", 1),
        ("calls.info", 2),
        ("calls.update", 2),
        ("calls.end", 2),
    ] {
        assert_eq!(server.count(method), sent, "{method}");
    }
}

//! Timeouts: the connect and per-request defaults, overridable per client,
//! and how each kind of timeout is retried.

use std::time::Duration;

use crate::support::scripted_server::{Reply, Server};
use crate::support::test_methods::{TOKEN, add, builder, info};
use slack_calls::{Client, Error, RateLimits, RetryPolicy, TestClock, TransportKind};
use tokio::net::{TcpSocket, TcpStream};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A listener that never accepts, with its queue already full: a new
/// connection attempt gets no answer until the connect timeout.
async fn full_listener() -> (tokio::net::TcpListener, Vec<TcpStream>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(ms(200), TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    (listener, fillers)
}

#[tokio::test]
async fn a_connect_timeout_counts_as_not_sent_and_is_retried_for_every_method() {
    let (listener, _fillers) = full_listener().await;
    let addr = listener.local_addr().unwrap();
    let clock = TestClock::new();
    let client = Client::builder(TOKEN)
        .base_url(format!("http://{addr}/api/"))
        .clock(clock.clone())
        .rate_limits(RateLimits::off())
        .connect_timeout(ms(200))
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .max_attempts(2)
                .initial_backoff(ms(10)),
        )
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
    assert_eq!(clock.sleeps(), [ms(10)], "calls.add was retried once");
}

#[tokio::test]
async fn the_request_timeout_is_set_per_client() {
    let clock = TestClock::new();
    let server = Server::start().await;
    server.set_default(Reply::Delayed(ms(300)));

    let patient = builder(&server, &clock)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    info(&patient, "R1").await.unwrap();

    let hasty = builder(&server, &clock)
        .timeout(ms(50))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = info(&hasty, "R1").await.unwrap_err();
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
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(server.count("calls.info"), 2);
}

/// Fails the test instead of hanging it when a timeout is not applied.
async fn within<T>(what: &str, future: impl std::future::IntoFuture<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no timeout applied, the call still waits"))
}

fn is_timeout<E: slack_calls::ErrorCode>(err: &Error<E>) -> bool {
    matches!(
        err,
        Error::Transport {
            kind: TransportKind::Timeout,
            ..
        }
    )
}

#[tokio::test]
async fn every_client_of_an_app_honours_the_timeouts_its_clients_are_set_up_with() {
    let server = Server::start().await;
    server.set_default(Reply::Hang);
    let base_url = server.base_url();
    let app = slack_calls::App::builder("A0TIMEOUT")
        .clients(move |builder| {
            builder
                .base_url(base_url.clone())
                .timeout(ms(200))
                .retry_policy(RetryPolicy::none())
        })
        .build()
        .unwrap();
    app.install(slack_calls::Installation::new(
        "T0TIMEOUT",
        ["xoxb-timeout-bot"],
    ));

    let by_team = app.workspace("T0TIMEOUT").unwrap();
    let err = within("App::workspace", by_team.calls().info("R1"))
        .await
        .unwrap_err();
    assert!(is_timeout(&err), "App::workspace: {err:?}");

    let with_token = app
        .workspace_with_token("T0TIMEOUT", "xoxp-timeout-user")
        .unwrap();
    let err = within("App::workspace_with_token", with_token.calls().info("R1"))
        .await
        .unwrap_err();
    assert!(is_timeout(&err), "App::workspace_with_token: {err:?}");

    // An unknown token: the app's own auth.test times out too.
    let err = within(
        "App::client_for_token",
        app.client_for_token("xoxp-unknown-token"),
    )
    .await
    .unwrap_err();
    match err {
        slack_calls::AppError::AuthTest(inner) => {
            assert!(is_timeout(&inner), "auth.test: {inner:?}")
        }
        other => panic!("expected the auth.test to time out, got {other:?}"),
    }
}

#[tokio::test]
async fn a_plain_client_times_out_against_a_server_that_never_answers() {
    let server = Server::start().await;
    server.set_default(Reply::Hang);
    let client = Client::builder(TOKEN)
        .base_url(server.base_url())
        .timeout(ms(200))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = within("Client", client.calls().info("R1"))
        .await
        .unwrap_err();
    assert!(is_timeout(&err), "{err:?}");
}

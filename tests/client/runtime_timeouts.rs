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

//! The fake sends events as Slack does: signed with the app's secret,
//! retried (at once, after 1 and 5 minutes of the fake's clock) when no 2xx
//! comes in time, with `x-slack-retry-num` / `x-slack-retry-reason`,
//! stopped by `x-slack-no-retry`, and logged. And an app built on
//! `slack_calls::events` handles what it sends: link_shared → calls.add +
//! chat.unfurl, call_rejected, the uninstall pair, the Call button.
//!
//! The fake runs 60,000 times faster than real time here, so Slack's
//! five-minute retry lasts 5 ms; no test reads the wall clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use slack_calls::events::{InitiationAnswer, Outcome, Receiver, link_shared_domain_key};
use slack_calls::signing::{SigningSecret, verify};
use slack_calls::{Block, CallBlock, ErrorCode, Event, RateLimits, TokenKind, Unfurl};
use slack_calls_mock::{FailureReason, InitiationError, MockApp, MockSlack, UserActionError};
use tokio::sync::mpsc;

use crate::fake_support::delivery_log::deliveries_until;
use crate::fake_support::handshake::answers_handshake;

const SECRET: &str = "delivery-test-signing-secret-5b1e";
const APP_TOKEN: &str = "xoxb-delivery-app";

fn secret() -> SigningSecret {
    SigningSecret::new(SECRET).unwrap()
}

/// Serves `router` on 127.0.0.1; its Request URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}/slack/events")
}

async fn fake(app: MockApp) -> MockSlack {
    MockSlack::builder()
        .token(
            APP_TOKEN,
            TokenKind::Bot,
            ["calls:read", "calls:write", "links:write"],
        )
        .time_scale(60_000.0)
        .app(app)
        .start()
        .await
        .unwrap()
}

/// A raw endpoint that records each request's retry headers and answers
/// with the next of `answers` (then 200).
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// `x-slack-retry-num`, `x-slack-retry-reason`, and whether the signature
/// verified.
type Seen = (Option<String>, Option<String>, bool);

impl Recorder {
    fn router(&self, answers: Vec<axum::response::Response>) -> axum::Router {
        let seen = Arc::clone(&self.seen);
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        let router = axum::Router::new().route(
            "/slack/events",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let seen = Arc::clone(&seen);
                let answers = Arc::clone(&answers);
                async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let signed = verify(
                        &secret(),
                        &header("x-slack-request-timestamp").unwrap_or_default(),
                        header("x-slack-signature").unwrap_or_default().as_bytes(),
                        &body,
                    );
                    seen.lock().unwrap().push((
                        header("x-slack-retry-num"),
                        header("x-slack-retry-reason"),
                        signed,
                    ));
                    let next = answers.lock().unwrap().next();
                    match next {
                        Some(answer) => answer,
                        None => StatusCode::OK.into_response(),
                    }
                }
            }),
        );
        answers_handshake(router)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn retry(num: &str, reason: &str) -> Seen {
    (Some(num.into()), Some(reason.into()), true)
}

#[tokio::test]
async fn a_5xx_is_retried_with_slacks_headers_until_a_2xx() {
    let recorder = Recorder::default();
    let url = serve(recorder.router(vec![
        StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        StatusCode::SERVICE_UNAVAILABLE.into_response(),
    ]))
    .await;
    let mock = fake(
        MockApp::new(url, secret())
            .unwrap()
            .unfurl_domains(["example.com"]),
    )
    .await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    let log = deliveries_until(&mock, |log| log.iter().any(|d| d.acked_in_time))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let attempts: Vec<_> = log
        .iter()
        .map(|d| (d.attempt, d.retry_reason, d.status, d.failure))
        .collect();
    assert_eq!(
        attempts,
        [
            (0, None, Some(500), Some(FailureReason::HttpError)),
            (
                1,
                Some(FailureReason::HttpError),
                Some(503),
                Some(FailureReason::HttpError)
            ),
            (2, Some(FailureReason::HttpError), Some(200), None),
        ]
    );
    assert!(log.iter().all(|d| d.kind == "link_shared"));
    assert!(
        log.iter().all(|d| d.event_id == log[0].event_id),
        "same event id"
    );
    assert_eq!(
        recorder.seen(),
        [
            (None, None, true),
            retry("1", "http_error"),
            retry("2", "http_error")
        ]
    );
}

#[tokio::test]
async fn a_slow_app_gets_http_timeout_retries() {
    let recorder = Recorder::default();
    let slow = Arc::new(Mutex::new(true));
    let first = Arc::clone(&slow);
    let seen = Arc::clone(&recorder.seen);
    // The first request never gets an answer; later ones are answered at once.
    let router = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(move |headers: HeaderMap| {
            let first = Arc::clone(&first);
            let seen = Arc::clone(&seen);
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                seen.lock().unwrap().push((
                    header("x-slack-retry-num"),
                    header("x-slack-retry-reason"),
                    true,
                ));
                let hang = std::mem::replace(&mut *first.lock().unwrap(), false);
                if hang {
                    std::future::pending::<()>().await;
                }
                StatusCode::OK
            }
        }),
    );
    let url = serve(answers_handshake(router)).await;
    let app = MockApp::new(url, secret())
        .unwrap()
        .unfurl_domains(["example.com"])
        .ack_timeout(Duration::from_secs(1));
    let mock = fake(app).await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "<https://example.com/j/2|call>")
        .unwrap();
    let log = deliveries_until(&mock, |log| log.iter().any(|d| d.acked_in_time))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].failure, Some(FailureReason::HttpTimeout));
    assert_eq!(log[0].status, None);
    assert_eq!(log[1].retry_reason, Some(FailureReason::HttpTimeout));
    assert_eq!(recorder.seen()[1], retry("1", "http_timeout"));
    assert!(!*slow.lock().unwrap());
}

#[tokio::test]
async fn x_slack_no_retry_is_honoured() {
    let recorder = Recorder::default();
    let refuse = (
        StatusCode::UNAUTHORIZED,
        [("x-slack-no-retry", "1")],
        "invalid request",
    )
        .into_response();
    let url = serve(recorder.router(vec![refuse])).await;
    let mock = fake(
        MockApp::new(url, secret())
            .unwrap()
            .unfurl_domains(["example.com"]),
    )
    .await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/3")
        .unwrap();
    let log = deliveries_until(&mock, |log| !log.is_empty())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Give a retry every chance to happen: 5 fake minutes are 5 ms here.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(mock.deliveries(), log, "no retry after x-slack-no-retry");
    assert_eq!(log[0].status, Some(401));
    assert!(log[0].no_retry);
    assert_eq!(recorder.seen().len(), 1);
}

#[tokio::test]
async fn an_unreachable_app_gets_three_retries_then_none() {
    // The app answers the handshake when registered, then goes away:
    // nothing listens on its port any more.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slack/events", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = tokio::spawn(async move {
        axum::serve(listener, answers_handshake(axum::Router::new()))
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    let mock = fake(MockApp::new(url, secret()).unwrap()).await;
    stop.send(()).unwrap();
    app.await.unwrap();
    let rejected_call = mock
        .client(APP_TOKEN)
        .unwrap()
        .calls()
        .add("unreachable-1", "https://example.com/j/4")
        .created_by("U0MOCK001")
        .await
        .unwrap()
        .call;
    mock.user_rejects_call("U0MOCK002", rejected_call.id.as_str(), "C0MOCK001")
        .unwrap();
    let log = deliveries_until(&mock, |log| log.len() >= 4)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        mock.deliveries().len(),
        4,
        "a first attempt and three retries"
    );
    let nums: Vec<u32> = log.iter().map(|d| d.attempt).collect();
    assert_eq!(nums, [0, 1, 2, 3]);
    assert!(
        log.iter()
            .all(|d| d.failure == Some(FailureReason::ConnectionFailed))
    );
    assert!(log.iter().all(|d| d.kind == "call_rejected"));
}

/// An app built on `slack_calls::events`, behind a gate that answers 500
/// after the receiver handled the first attempt: the retry must reach the
/// receiver and be dropped as a duplicate.
#[tokio::test]
async fn our_receiver_handles_a_retried_delivery_once() {
    let (events, mut handled) = mpsc::unbounded_channel();
    let receiver = Receiver::<Event>::builder(SECRET)
        .domain_key(link_shared_domain_key)
        .on_event(move |callback, _| {
            let events = events.clone();
            async move {
                let _ = events.send(callback.event_id);
            }
        })
        .build()
        .unwrap();
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&outcomes);
    let gate = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let receiver = receiver.clone();
            let seen = Arc::clone(&seen);
            async move {
                let reply = receiver.receive(&headers, &body).await;
                let first = {
                    let mut seen = seen.lock().unwrap();
                    seen.push(reply.outcome.clone());
                    seen.len() == 1
                };
                if first {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::from_u16(reply.status).unwrap()
                }
            }
        }),
    );
    let url = serve(answers_handshake(gate)).await;
    let mock = fake(
        MockApp::new(url, secret())
            .unwrap()
            .unfurl_domains(["example.com"]),
    )
    .await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/5")
        .unwrap();
    let log = deliveries_until(&mock, |log| log.iter().any(|d| d.acked_in_time))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(log.len(), 2);
    assert_eq!(
        *outcomes.lock().unwrap(),
        [Outcome::Event, Outcome::Duplicate]
    );
    assert_eq!(handled.recv().await, log[0].event_id);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(handled.try_recv().is_err(), "handled once");
}

/// The whole inbound half: an app on our receiver unfurls a shared join
/// link as a Call, logs a rejection and the uninstall, and starts a Call
/// from the Call button.
#[tokio::test]
async fn an_app_on_our_receiver_unfurls_logs_rejections_and_starts_calls() {
    let (log_tx, mut app_log) = mpsc::unbounded_channel::<String>();
    let base = Arc::new(Mutex::new(String::new()));
    let api = Arc::clone(&base);
    let receiver = Receiver::<Event>::builder(SECRET)
        .workspaces(move |_team: &str| {
            let base = api.lock().unwrap().clone();
            slack_calls::Client::builder(APP_TOKEN)
                .base_url(base)
                .rate_limits(RateLimits::off())
                .build()
                .ok()
        })
        .domain_key(link_shared_domain_key)
        .on_event(move |callback, context| {
            let log = log_tx.clone();
            async move {
                let client = context.client().expect("installed");
                match callback.event {
                    Event::LinkShared(shared) => {
                        for link in &shared.links {
                            let call = client
                                .calls()
                                .add(format!("ext-{}", link.url), link.url.as_str())
                                .created_by(shared.user.as_str())
                                .await
                                .expect("calls.add")
                                .call;
                            let unfurl =
                                Unfurl::new([Block::from(CallBlock::new(call.id.as_str()))]);
                            client
                                .chat()
                                .unfurl([(link.url.as_str(), unfurl)])
                                .channel(shared.channel.as_str())
                                .ts(shared.message_ts.as_str())
                                .await
                                .expect("chat.unfurl");
                            let _ = log.send(format!("unfurled {}", call.id.as_str()));
                        }
                    }
                    Event::CallRejected(rejected) => {
                        let _ = log.send(format!(
                            "{} rejected {}",
                            rejected.user_id.as_str(),
                            rejected.call_id.as_str()
                        ));
                    }
                    Event::AppUninstalled(_) => {
                        let _ = log.send("uninstalled".into());
                    }
                    Event::TokensRevoked(revoked) => {
                        let _ = log.send(format!("revoked bot {:?}", revoked.tokens.bot));
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        })
        .on_call_initiation(|initiation, _| async move {
            InitiationAnswer::call(format!("https://example.com/new?by={}", initiation.user_id))
        })
        .build()
        .unwrap();
    let url = serve(axum::Router::new().route("/slack/events", receiver.method_router())).await;
    let mock = fake(
        MockApp::new(url, secret())
            .unwrap()
            .unfurl_domains(["example.com"]),
    )
    .await;
    *base.lock().unwrap() = mock.base_url().to_owned();

    let message = mock
        .user_posts(
            "U0MOCK001",
            "C0MOCK002",
            "join <https://example.com/j/9|standup> (not https://other.org/x)",
        )
        .unwrap();
    let line = app_log.recv().await.unwrap();
    let call_id = line.strip_prefix("unfurled ").unwrap().to_owned();
    let stored = mock
        .messages()
        .into_iter()
        .find(|m| m.ts == message.ts)
        .unwrap();
    assert_eq!(
        stored.unfurls.keys().collect::<Vec<_>>(),
        ["https://example.com/j/9"]
    );
    let call = mock
        .client(APP_TOKEN)
        .unwrap()
        .calls()
        .info(slack_calls::CallId::from(call_id.as_str()))
        .await
        .unwrap()
        .call;
    assert_eq!(
        call.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["C0MOCK002"]
    );

    // An unfurl for a URL that is not in the message.
    let client = mock
        .client_builder(APP_TOKEN)
        .rate_limits(RateLimits::off())
        .build()
        .unwrap();
    let refused = client
        .chat()
        .unfurl([(
            "https://example.com/elsewhere",
            Unfurl::new([Block::from(CallBlock::new(call_id.as_str()))]),
        )])
        .channel("C0MOCK002")
        .ts(message.ts.as_str())
        .await
        .unwrap_err();
    assert_eq!(
        refused.api_code().map(|code| code.code().to_owned()),
        Some("cannot_unfurl_message".to_owned())
    );
    let missing = client
        .chat()
        .unfurl([(
            "https://example.com/j/9",
            Unfurl::new([Block::from(CallBlock::new(call_id.as_str()))]),
        )])
        .channel("C0MOCK002")
        .ts("1.000001")
        .await
        .unwrap_err();
    assert_eq!(
        missing.api_code().map(|code| code.code().to_owned()),
        Some("cannot_find_message".to_owned())
    );

    mock.user_rejects_call("U0MOCK003", &call_id, "C0MOCK002")
        .unwrap();
    assert_eq!(
        app_log.recv().await.unwrap(),
        format!("U0MOCK003 rejected {call_id}")
    );

    let ids = mock
        .uninstall_app("T0MOCK001")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids.len(), 2);
    let mut pair = vec![app_log.recv().await.unwrap(), app_log.recv().await.unwrap()];
    pair.sort();
    assert_eq!(
        pair,
        ["revoked bot [UserId(\"UB0MOCK001\")]", "uninstalled"]
    );

    let started = mock
        .user_presses_call_button("U0MOCK004", "C0MOCK001")
        .await
        .unwrap();
    assert_eq!(
        started.call_initiation_url,
        "https://example.com/new?by=U0MOCK004"
    );
    let log = mock.deliveries();
    assert!(log.iter().all(|d| d.acked_in_time), "{log:?}");
    assert!(log.iter().any(|d| d.kind == "call_initiation"));
}

#[tokio::test]
async fn user_actions_in_unknown_places_or_without_an_app_are_typed_errors() {
    let bare = MockSlack::start().await.unwrap();
    assert_eq!(
        bare.user_posts("U0NOBODY", "C0MOCK001", "hi").unwrap_err(),
        UserActionError::UnknownPlace {
            user: "U0NOBODY".into(),
            channel: "C0MOCK001".into()
        }
    );
    assert!(matches!(
        bare.user_posts("U0MOCK001", "C0NOWHERE", "hi"),
        Err(UserActionError::UnknownPlace { .. })
    ));
    // Without an app, a message is posted and nothing is sent.
    bare.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    assert!(bare.deliveries().is_empty());
    assert_eq!(
        bare.user_rejects_call("U0MOCK001", "R0NONE", "C0MOCK001"),
        Err(UserActionError::UnknownCall("R0NONE".into()))
    );
    assert_eq!(
        bare.uninstall_app("T0NONE"),
        Err(UserActionError::UnknownTeam("T0NONE".into()))
    );
    assert_eq!(bare.uninstall_app("T0MOCK001"), Err(UserActionError::NoApp));
    assert!(matches!(
        bare.user_presses_call_button("U0MOCK001", "C0MOCK001")
            .await,
        Err(InitiationError::Action(UserActionError::NoApp))
    ));
}

#[tokio::test]
async fn chat_unfurl_by_unfurl_id_replaces_and_checks_the_calls_it_names() {
    let mock = MockSlack::builder()
        .token(
            APP_TOKEN,
            TokenKind::Bot,
            ["calls:read", "calls:write", "links:write"],
        )
        .start()
        .await
        .unwrap();
    let client = mock
        .client_builder(APP_TOKEN)
        .rate_limits(RateLimits::off())
        .build()
        .unwrap();
    let url = "https://example.com/j/7";
    let message = mock
        .user_posts("U0MOCK001", "C0MOCK001", &format!("<{url}>"))
        .unwrap();
    let call_unfurl = |id: &str| Unfurl::new([Block::from(CallBlock::new(id))]);

    // A call block naming no Call of the fake changes nothing.
    let unknown = client
        .chat()
        .unfurl([(url, call_unfurl("R0NOSUCHCALL"))])
        .unfurl_id(message.unfurl_id.as_str())
        .source(slack_calls::UnfurlSource::ConversationsHistory)
        .await
        .unwrap_err();
    assert_eq!(
        unknown.api_code().map(|code| code.code().to_owned()),
        Some("cannot_parse_attachment".to_owned())
    );
    assert!(mock.messages()[0].unfurls.is_empty());

    let mut ids = Vec::new();
    for n in 1..=2 {
        let call = client
            .calls()
            .add(format!("unfurl-id-{n}"), url)
            .created_by("U0MOCK001")
            .await
            .unwrap()
            .call;
        client
            .chat()
            .unfurl([(url, call_unfurl(call.id.as_str()))])
            .unfurl_id(message.unfurl_id.as_str())
            .source(slack_calls::UnfurlSource::ConversationsHistory)
            .await
            .unwrap();
        ids.push(call.id);
    }
    // The second unfurl of the URL replaced the first.
    let stored = &mock.messages()[0];
    assert_eq!(stored.unfurls.len(), 1);
    assert_eq!(stored.unfurls[url]["blocks"][0]["call_id"], ids[1].as_str());
    assert_eq!(mock.call(ids[1].as_str()).unwrap().channels, ["C0MOCK001"]);

    let other = client
        .chat()
        .unfurl([(url, call_unfurl(ids[0].as_str()))])
        .unfurl_id("C0MOCK001.1.999")
        .source(slack_calls::UnfurlSource::ConversationsHistory)
        .await
        .unwrap_err();
    // An unfurl_id no link_shared gave: `invalid_unfurl_id` (Slack's
    // chat.unfurl page), now a code the spec declares.
    assert_eq!(
        other.api_code().map(|code| code.code().to_owned()),
        Some("invalid_unfurl_id".to_owned())
    );
}

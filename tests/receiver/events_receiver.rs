//! The receiver refuses every bad request with a typed, permanent
//! rejection, acknowledges everything Slack may send, handles each event
//! once, and never makes the ack wait for a handler. Checked on the core
//! (`Receiver::receive`) and through a real axum server on 127.0.0.1.

#![cfg(feature = "events")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::signed_events::{
    SECRET, Server, TestEvent, call_rejected, callback, link_shared, signed, signed_json,
};
use http::HeaderMap;
use slack_calls::events::{
    CallInitiation, Context, EventCallback, InitiationAnswer, Outcome, Receiver, ReceiverBuilder,
    Rejection, link_shared_key,
};
use slack_calls::signing::SecretError;
use slack_calls::{BuildError, Client, TeamId, TestClock, Timestamp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Notify, mpsc};

fn builder(clock: &TestClock) -> ReceiverBuilder<TestEvent> {
    Receiver::<TestEvent>::builder(SECRET).clock(clock.clone())
}

/// A receiver whose handler sends every event it gets into a channel.
fn recording(
    clock: &TestClock,
) -> (
    Receiver<TestEvent>,
    mpsc::UnboundedReceiver<(EventCallback<TestEvent>, Context)>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let receiver = builder(clock)
        .on_event(move |event, context| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((event, context));
            }
        })
        .build()
        .unwrap();
    (receiver, rx)
}

fn rejection(outcome: &Outcome) -> &Rejection {
    match outcome {
        Outcome::Rejected(rejection) => rejection,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

// ---------------------------------------------------------------- building

#[test]
fn an_empty_or_short_signing_secret_is_refused_when_building() {
    let empty = Receiver::<TestEvent>::builder("").build().unwrap_err();
    assert!(matches!(
        empty,
        BuildError::SigningSecret(SecretError::Empty)
    ));
    let short = Receiver::<TestEvent>::builder("abc123")
        .build()
        .unwrap_err();
    assert!(matches!(
        short,
        BuildError::SigningSecret(SecretError::TooShort { len: 6, .. })
    ));
    assert!(short.to_string().contains("6 bytes"), "{short}");
    assert!(!format!("{short:?}{short}").contains("abc123"));
}

// ---------------------------------------------------------------- signature

#[tokio::test]
async fn forged_wrong_secret_and_missing_signatures_are_refused_permanently() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let now = receiver.verifier().unix_now();
    let body = callback("Ev1", call_rejected());

    let mut forged = signed_json(SECRET, now, &body);
    forged.insert(
        "x-slack-signature",
        format!("v0={}", "ab".repeat(32)).parse().unwrap(),
    );
    let wrong_secret = signed_json("another-apps-signing-secret", now, &body);
    let mut altered_body = body.clone();
    altered_body[10] ^= 1;
    let mut not_hex = signed_json(SECRET, now, &body);
    not_hex.insert("x-slack-signature", "v0=not-a-signature".parse().unwrap());

    for (what, headers, body) in [
        ("forged", forged, body.clone()),
        ("wrong secret", wrong_secret, body.clone()),
        (
            "altered body",
            signed_json(SECRET, now, &body),
            altered_body,
        ),
        ("not hex", not_hex, body.clone()),
    ] {
        let reply = receiver.receive(&headers, &body).await;
        assert_eq!(
            rejection(&reply.outcome),
            &Rejection::BadSignature,
            "{what}"
        );
        assert_eq!(reply.status, 401, "{what}");
        assert!(reply.no_retry, "{what}");
    }

    for missing in ["x-slack-signature", "x-slack-request-timestamp"] {
        let mut headers = signed_json(SECRET, now, &body);
        headers.remove(missing);
        let reply = receiver.receive(&headers, &body).await;
        assert_eq!(
            rejection(&reply.outcome),
            &Rejection::MissingHeader { header: missing },
        );
        assert_eq!((reply.status, reply.no_retry), (401, true));
    }

    for bad in [
        "",
        "-5",
        "12.5",
        " 1700000000",
        "0x10",
        "99999999999999999999",
    ] {
        let mut headers = signed_json(SECRET, now, &body);
        headers.insert("x-slack-request-timestamp", bad.parse().unwrap());
        let reply = receiver.receive(&headers, &body).await;
        assert_eq!(
            rejection(&reply.outcome),
            &Rejection::MalformedTimestamp,
            "{bad:?}"
        );
    }
    assert!(
        events.try_recv().is_err(),
        "no refused request reached the handler"
    );
}

/// Issue "Slack's talk-back", item 3: the receiver refuses what Slack's own
/// SDKs refuse. Two `X-Slack-Signature` (or two timestamp) headers are
/// refused whichever comes first, even when one is valid; an upper-case hex
/// signature is refused (Slack sends lower case; python-slack-sdk's
/// `SignatureVerifier` compares with `hmac.compare_digest`, `@slack/bolt`
/// with `tsscmp`, both on the exact text).
#[tokio::test]
async fn duplicate_signature_headers_and_upper_case_hex_are_refused() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let now = receiver.verifier().unix_now();
    let body = callback("EvDup", call_rejected());
    let good = signed_json(SECRET, now, &body);
    let valid = good.get("x-slack-signature").unwrap().clone();
    let forged: http::HeaderValue = format!("v0={}", "ab".repeat(32)).parse().unwrap();
    for (what, first, second) in [
        ("valid first", valid.clone(), forged.clone()),
        ("valid second", forged.clone(), valid.clone()),
        ("the same twice", valid.clone(), valid.clone()),
    ] {
        let mut headers = good.clone();
        headers.remove("x-slack-signature");
        headers.append("x-slack-signature", first);
        headers.append("x-slack-signature", second);
        let reply = receiver.receive(&headers, &body).await;
        assert_eq!(
            rejection(&reply.outcome),
            &Rejection::DuplicateHeader {
                header: "x-slack-signature"
            },
            "{what}"
        );
        assert_eq!((reply.status, reply.no_retry), (401, true), "{what}");
    }
    let mut two_times = good.clone();
    let stamp = two_times.get("x-slack-request-timestamp").unwrap().clone();
    two_times.append("x-slack-request-timestamp", stamp);
    let reply = receiver.receive(&two_times, &body).await;
    assert_eq!(
        rejection(&reply.outcome),
        &Rejection::DuplicateHeader {
            header: "x-slack-request-timestamp"
        }
    );

    let mut upper = good.clone();
    let text = valid.to_str().unwrap().to_uppercase().replace("V0=", "v0=");
    upper.insert("x-slack-signature", text.parse().unwrap());
    let reply = receiver.receive(&upper, &body).await;
    assert_eq!(rejection(&reply.outcome), &Rejection::BadSignature);
    assert!(
        events.try_recv().is_err(),
        "no refused request reached the handler"
    );
    // The same request, as Slack sends it, goes through.
    let reply = receiver.receive(&good, &body).await;
    assert_eq!(reply.status, 200);
}

/// The worked example of Slack's "Verifying requests from Slack"
/// (https://api.slack.com/authentication/verifying-requests-from-slack),
/// checked as it is: its secret, its timestamp (the verifier's clock set to
/// that instant), its body and its signature.
#[test]
fn slacks_published_example_verifies_at_its_own_instant() {
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let signature = b"v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    let verifier = slack_calls::events::Verifier::new(secret)
        .unwrap()
        .now_at(1531420618);
    assert_eq!(
        verifier.verify(Some(b"1531420618"), Some(signature), body),
        Ok(())
    );
    // At today's time the same request is a replay.
    let today = slack_calls::events::Verifier::new(secret).unwrap();
    assert!(matches!(
        today.verify(Some(b"1531420618"), Some(signature), body),
        Err(Rejection::Stale { .. })
    ));
}

#[tokio::test]
async fn stale_and_future_timestamps_are_refused_both_ways() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let now = receiver.verifier().unix_now();

    let edge_cases = [
        (
            now - 301,
            Some(Rejection::Stale {
                age_secs: 301,
                window_secs: 300,
            }),
        ),
        (now - 300, None),
        (now + 300, None),
        (
            now + 301,
            Some(Rejection::FromTheFuture {
                ahead_secs: 301,
                window_secs: 300,
            }),
        ),
        (
            now + 86_400,
            Some(Rejection::FromTheFuture {
                ahead_secs: 86_400,
                window_secs: 300,
            }),
        ),
    ];
    for (i, (timestamp, expected)) in edge_cases.into_iter().enumerate() {
        let body = callback(&format!("EvTime{i}"), call_rejected());
        let reply = receiver
            .receive(&signed_json(SECRET, timestamp, &body), &body)
            .await;
        match expected {
            Some(expected) => {
                assert_eq!(rejection(&reply.outcome), &expected);
                assert_eq!((reply.status, reply.no_retry), (401, true));
            }
            None => assert_eq!(reply.outcome, Outcome::Event, "{timestamp} vs {now}"),
        }
    }
    assert_eq!(events.recv().await.unwrap().0.event_id, "EvTime1");
    assert_eq!(events.recv().await.unwrap().0.event_id, "EvTime2");

    // The same request goes stale as the receiver's clock moves on.
    let body = callback("EvLater", call_rejected());
    let headers = signed_json(SECRET, now, &body);
    clock.advance(Duration::from_secs(301));
    let reply = receiver.receive(&headers, &body).await;
    assert!(matches!(
        rejection(&reply.outcome),
        Rejection::Stale { age_secs: 301, .. }
    ));
}

// ---------------------------------------------------------------- body

#[tokio::test]
async fn an_over_size_body_is_refused_by_the_core_and_over_http() {
    let clock = TestClock::manual();
    let receiver = builder(&clock).max_body(1024).build().unwrap();
    let now = receiver.verifier().unix_now();
    let mut event = call_rejected();
    event["padding"] = "x".repeat(2048).into();
    let body = callback("EvBig", event);

    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(
        rejection(&reply.outcome),
        &Rejection::BodyTooLarge { limit: 1024 }
    );
    assert_eq!((reply.status, reply.no_retry), (413, true));

    let server = Server::start(&receiver).await;
    let response = server.post(signed_json(SECRET, now, &body), body).await;
    assert_eq!(response.status(), 413);
    assert_eq!(response.headers()["x-slack-no-retry"], "1");

    // Without a Content-Length (a chunked body), the cap still holds.
    let mut stream = tokio::net::TcpStream::connect(
        server
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap(),
    )
    .await
    .unwrap();
    let chunk = " ".repeat(800);
    let request = format!(
        "POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         x-slack-request-timestamp: {now}\r\nx-slack-signature: v0={zeros}\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n\
         320\r\n{chunk}\r\n320\r\n{chunk}\r\n0\r\n\r\n",
        zeros = "0".repeat(64),
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("x-slack-no-retry: 1"),
        "{answer}"
    );
}

#[tokio::test]
async fn bad_json_after_a_valid_signature_is_refused_permanently() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let now = receiver.verifier().unix_now();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("not json", b"{\"type\": \"event_callback\", ".to_vec()),
        ("no type", b"{\"challenge\": \"x\"}".to_vec()),
        ("not utf-8", b"\xff\xfe{}".to_vec()),
        ("envelope without event_id", {
            let mut value: serde_json::Value =
                serde_json::from_slice(&callback("Ev", call_rejected())).unwrap();
            value.as_object_mut().unwrap().remove("event_id");
            serde_json::to_vec(&value).unwrap()
        }),
        (
            "url_verification without challenge",
            b"{\"type\":\"url_verification\"}".to_vec(),
        ),
    ];
    for (what, body) in cases {
        let reply = receiver
            .receive(&signed_json(SECRET, now, &body), &body)
            .await;
        assert!(
            matches!(rejection(&reply.outcome), Rejection::BadPayload { .. }),
            "{what}: {:?}",
            reply.outcome
        );
        assert_eq!((reply.status, reply.no_retry), (400, true), "{what}");
    }

    let body = b"<xml/>".to_vec();
    let reply = receiver
        .receive(&signed(SECRET, now, &body, "text/xml"), &body)
        .await;
    assert_eq!(
        rejection(&reply.outcome),
        &Rejection::UnsupportedContentType
    );
    assert_eq!((reply.status, reply.no_retry), (415, true));
    assert!(events.try_recv().is_err());
}

// ---------------------------------------------------------------- envelopes

#[tokio::test]
async fn url_verification_is_answered_with_its_challenge_over_http() {
    let clock = TestClock::manual();
    let (receiver, _events) = recording(&clock);
    let server = Server::start(&receiver).await;
    let body = br#"{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#.to_vec();
    let now = receiver.verifier().unix_now();
    let response = server.post(signed_json(SECRET, now, &body), body).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("x-slack-no-retry").is_none());
    assert_eq!(
        response.text().await.unwrap(),
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    // Unsigned, it is refused like anything else.
    let body = br#"{"challenge":"x","type":"url_verification"}"#.to_vec();
    let response = server
        .http
        .post(&server.url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-slack-no-retry"], "1");
    assert_eq!(response.text().await.unwrap(), "invalid request");
}

#[tokio::test]
async fn ssl_check_is_acknowledged_unsigned_and_its_payload_ignored() {
    let clock = TestClock::manual();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let receiver = builder(&clock)
        .on_call_initiation(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            async { InitiationAnswer::call("https://calls.example.com/j/1") }
        })
        .build()
        .unwrap();
    let server = Server::start(&receiver).await;
    let body = b"ssl_check=1&token=x&team_id=T0001&user_id=U1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&command=%2Fcall".to_vec();
    let response = server
        .http
        .post(&server.url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "");
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the payload was not used");

    // Only a form says ssl_check: a JSON body saying it is not exempt.
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let reply = receiver.receive(&headers, br#"{"ssl_check":"1"}"#).await;
    assert_eq!(
        rejection(&reply.outcome),
        &Rejection::MissingHeader {
            header: "x-slack-request-timestamp"
        }
    );
}

#[tokio::test]
async fn an_unknown_event_type_and_an_unknown_envelope_are_acknowledged() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let event = serde_json::json!({
        "type": "call_exploded", "call_id": "R1", "new_field": {"nested": [1, 2]}, "event_ts": "1.2"
    });
    let body = callback("EvUnknown", event.clone());
    let response = server.post(signed_json(SECRET, now, &body), body).await;
    assert_eq!(response.status(), 200);
    let (delivered, _) = events.recv().await.unwrap();
    assert_eq!(delivered.event, TestEvent::Other(event), "kept whole");

    // A known type in a shape the app's enum does not expect falls to the
    // catch-all too: acknowledged, kept whole, never refused.
    let mut odd = link_shared("https://calls.example.com/j/1");
    odd.as_object_mut().unwrap().remove("links");
    let body = callback("EvOdd", odd.clone());
    let response = server.post(signed_json(SECRET, now, &body), body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(events.recv().await.unwrap().0.event, TestEvent::Other(odd));

    let body = br#"{"type":"some_future_envelope","team_id":"T1"}"#.to_vec();
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(
        (reply.status, reply.outcome),
        (200, Outcome::UnknownEnvelope)
    );
}

#[tokio::test]
async fn event_callback_fields_and_context_reach_the_handler() {
    let clock = TestClock::manual();
    let (tx, mut events) = mpsc::unbounded_channel();
    let receiver = builder(&clock)
        .workspaces(|team: &str| (team == "T0001").then(|| Client::new("xoxb-test-token")))
        .on_event(move |event, context: Context| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((event, context.clone(), context.client().is_some()));
            }
        })
        .build()
        .unwrap();
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let body = callback("EvRejected", call_rejected());
    let mut headers = signed_json(SECRET, now, &body);
    headers.insert("x-slack-retry-num", "2".parse().unwrap());
    headers.insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
    assert_eq!(server.post(headers, body).await.status(), 200);

    let (event, context, has_client) = events.recv().await.unwrap();
    assert_eq!(
        event.event,
        TestEvent::CallRejected {
            call_id: "R0001".into(),
            user_id: "U0002".into(),
            channel_id: "D0001".into(),
            external_unique_id: "call-1".into(),
        }
    );
    assert_eq!(
        (event.team_id.as_str(), &*event.api_app_id, event.event_time),
        ("T0001", "A0001", Timestamp::from(1_700_000_000))
    );
    assert_eq!(event.authorizations.len(), 1);
    assert!(event.authorizations[0].is_bot);
    assert!(!event.is_ext_shared_channel);
    assert_eq!(
        event.context_team_id.as_ref().map(TeamId::as_str),
        Some("T0001")
    );
    assert_eq!(context.team_id(), "T0001");
    assert_eq!(context.retry_num(), Some(2));
    assert_eq!(context.retry_reason(), Some("http_timeout"));
    assert!(has_client);

    // Another workspace: no client.
    let mut value: serde_json::Value =
        serde_json::from_slice(&callback("EvOther", call_rejected())).unwrap();
    value["team_id"] = "T0999".into();
    let body = serde_json::to_vec(&value).unwrap();
    assert_eq!(
        server
            .post(signed_json(SECRET, now, &body), body)
            .await
            .status(),
        200
    );
    let (_, context, has_client) = events.recv().await.unwrap();
    assert_eq!(
        (context.team_id().as_str(), context.retry_num()),
        ("T0999", None)
    );
    assert!(!has_client);
}

#[tokio::test]
async fn app_rate_limited_reaches_its_handler() {
    let clock = TestClock::manual();
    let (tx, mut limited) = mpsc::unbounded_channel();
    let receiver = builder(&clock)
        .on_app_rate_limited(move |event, _| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(event);
            }
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();
    let body = br#"{"token":"t","type":"app_rate_limited","team_id":"T123456","minute_rate_limited":1518467820,"api_app_id":"A123456"}"#;
    let reply = receiver
        .receive(&signed_json(SECRET, now, body), body)
        .await;
    assert_eq!(
        (reply.status, reply.outcome),
        (200, Outcome::AppRateLimited)
    );
    let event = limited.recv().await.unwrap();
    assert_eq!(
        (event.team_id.as_str(), event.minute_rate_limited),
        ("T123456", Timestamp::from(1518467820))
    );
}

// ---------------------------------------------------------------- once only

#[tokio::test]
async fn a_duplicate_delivery_is_handled_once() {
    let clock = TestClock::manual();
    let (receiver, mut events) = recording(&clock);
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let body = callback("EvSame", call_rejected());
    for retry in 0..3 {
        let mut headers = signed_json(SECRET, now, &body);
        if retry > 0 {
            headers.insert("x-slack-retry-num", retry.to_string().parse().unwrap());
            headers.insert("x-slack-retry-reason", "http_error".parse().unwrap());
        }
        let response = server.post(headers, body.clone()).await;
        assert_eq!(response.status(), 200, "a duplicate is acknowledged");
        assert!(response.headers().get("x-slack-no-retry").is_none());
    }
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Duplicate);
    // A marker event after them: if a duplicate had been dispatched, it
    // would arrive before the marker.
    let marker = callback("EvMarker", call_rejected());
    server.post(signed_json(SECRET, now, &marker), marker).await;
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("EvMarker") {
        seen.push(events.recv().await.unwrap().0.event_id);
    }
    assert_eq!(seen, ["EvSame", "EvMarker"]);
}

#[tokio::test]
async fn link_shared_is_deduplicated_by_its_domain_key_across_event_ids() {
    let clock = TestClock::manual();
    let (tx, mut events) = mpsc::unbounded_channel();
    let receiver = builder(&clock)
        .domain_key(
            |callback: &EventCallback<TestEvent>| match &callback.event {
                TestEvent::LinkShared {
                    channel,
                    message_ts,
                    links,
                    unfurl_id,
                } => Some(link_shared_key(
                    callback.team_id.as_str(),
                    channel,
                    unfurl_id.as_deref().unwrap_or(message_ts),
                    links.iter().map(|link| link.url.as_str()),
                )),
                _ => None,
            },
        )
        .on_event(move |event, _| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(event.event_id);
            }
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();
    let mut outcomes = Vec::new();
    for (event_id, url) in [
        ("EvA", "https://calls.example.com/j/1"),
        ("EvB", "https://calls.example.com/j/1"), // same link, new id: Slack's duplicate
        ("EvC", "https://calls.example.com/j/2"), // another link
    ] {
        let body = callback(event_id, link_shared(url));
        let reply = receiver
            .receive(&signed_json(SECRET, now, &body), &body)
            .await;
        assert_eq!(reply.status, 200);
        outcomes.push(reply.outcome);
    }
    assert_eq!(
        outcomes,
        [Outcome::Event, Outcome::Duplicate, Outcome::Event]
    );
    assert_eq!(events.recv().await.unwrap(), "EvA");
    assert_eq!(events.recv().await.unwrap(), "EvC");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_arriving_while_the_first_delivery_runs_is_handled_once() {
    let clock = TestClock::manual();
    let started = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let receiver = {
        let started = Arc::clone(&started);
        let release = Arc::clone(&release);
        builder(&clock)
            .on_event(move |event, _| {
                let started = Arc::clone(&started);
                let release = Arc::clone(&release);
                let done_tx = done_tx.clone();
                async move {
                    started.fetch_add(1, Ordering::SeqCst);
                    release.notified().await;
                    let _ = done_tx.send(event.event_id);
                }
            })
            .build()
            .unwrap()
    };
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let body = callback("EvSlow", call_rejected());

    let first = server
        .post(signed_json(SECRET, now, &body), body.clone())
        .await;
    assert_eq!(first.status(), 200);
    // Slack timed out waiting (it thinks) and retries while the handler is
    // still blocked on `release`.
    let mut retry = signed_json(SECRET, now, &body);
    retry.insert("x-slack-retry-num", "1".parse().unwrap());
    retry.insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
    let second = server.post(retry, body.clone()).await;
    assert_eq!(second.status(), 200);
    assert!(done.try_recv().is_err(), "the first is still running");

    release.notify_one();
    assert_eq!(done.recv().await.unwrap(), "EvSlow");
    assert_eq!(started.load(Ordering::SeqCst), 1, "handled once");
}

// ---------------------------------------------------------------- the ack

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_does_not_delay_the_ack() {
    let clock = TestClock::manual();
    let log = Arc::new(Mutex::new(Vec::<&'static str>::new()));
    let release = Arc::new(Notify::new());
    let (done_tx, mut done) = mpsc::unbounded_channel::<()>();
    let receiver = {
        let log = Arc::clone(&log);
        let release = Arc::clone(&release);
        builder(&clock)
            .on_event(move |_, _| {
                let log = Arc::clone(&log);
                let release = Arc::clone(&release);
                let done_tx = done_tx.clone();
                async move {
                    log.lock().unwrap().push("handler started");
                    // Blocks until the test has its ack: if the ack waited
                    // for this handler, neither would ever finish.
                    release.notified().await;
                    log.lock().unwrap().push("handler finished");
                    let _ = done_tx.send(());
                }
            })
            .build()
            .unwrap()
    };
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let body = callback("EvAck", call_rejected());
    let response = tokio::time::timeout(
        Duration::from_secs(60),
        server.post(signed_json(SECRET, now, &body), body),
    )
    .await
    .expect("the ack never came: it waited for the handler");
    assert_eq!(response.status(), 200);
    log.lock().unwrap().push("ack received");
    release.notify_one();
    done.recv().await.unwrap();
    let log = log.lock().unwrap().clone();
    let ack = log.iter().position(|entry| *entry == "ack received");
    let finished = log.iter().position(|entry| *entry == "handler finished");
    assert!(ack < finished, "{log:?}");
}

// ---------------------------------------------------------------- Call button

fn initiation_form(extra: &[(&str, &str)]) -> Vec<u8> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", "deprecated")
        .append_pair("team_id", "T0001")
        .append_pair("user_id", "U0001")
        .append_pair("channel_id", "C0001")
        .append_pair(
            "response_url",
            "https://hooks.slack.com/commands/T0001/1/abc",
        )
        .append_pair("trigger_id", "1.2.3")
        .append_pair("command", "/call")
        .append_pair("text", "standup");
    for (name, value) in extra {
        form.append_pair(name, value);
    }
    form.finish().into_bytes()
}

#[tokio::test]
async fn a_call_initiation_is_verified_and_answered_with_the_handlers_answer() {
    let clock = TestClock::manual();
    let (tx, mut seen) = mpsc::unbounded_channel();
    let receiver = builder(&clock)
        .on_call_initiation(move |initiation: CallInitiation, context: Context| {
            let tx = tx.clone();
            async move {
                let url = format!("https://calls.example.com/new?by={}", initiation.user_id);
                let _ = tx.send((initiation, context.team_id().to_owned()));
                InitiationAnswer::call(url)
            }
        })
        .build()
        .unwrap();
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let form = "application/x-www-form-urlencoded";

    let body = initiation_form(&[("type", "video")]);
    let response = server.post(signed(SECRET, now, &body, form), body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let answer: serde_json::Value =
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({
            "response_type": "call",
            "call_initiation_url": "https://calls.example.com/new?by=U0001"
        })
    );
    let (initiation, team) = seen.recv().await.unwrap();
    assert_eq!(team, "T0001");
    assert_eq!(
        initiation.response_url,
        "https://hooks.slack.com/commands/T0001/1/abc"
    );
    assert_eq!(initiation.kind.as_deref(), Some("video"));
    assert_eq!(initiation.command.as_deref(), Some("/call"));
    assert_eq!(initiation.trigger_id.as_deref(), Some("1.2.3"));

    // Signed with another secret: refused, the handler never runs.
    let body = initiation_form(&[]);
    let response = server
        .post(
            signed("another-apps-signing-secret", now, &body, form),
            body,
        )
        .await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["x-slack-no-retry"], "1");

    // Signed, but without a response_url: a typed bad payload.
    let body = b"team_id=T0001&user_id=U0001".to_vec();
    let reply = receiver
        .receive(&signed(SECRET, now, &body, form), &body)
        .await;
    assert!(matches!(
        rejection(&reply.outcome),
        Rejection::BadPayload { reason } if reason.contains("response_url")
    ));
    assert!(seen.try_recv().is_err());
}

#[tokio::test]
async fn a_call_initiation_handler_that_misses_the_deadline_still_gets_an_answer_in_time() {
    let clock = TestClock::manual();
    let receiver = builder(&clock)
        .initiation_deadline(Duration::from_millis(2500))
        .on_call_initiation(|_, _| async {
            std::future::pending::<()>().await;
            InitiationAnswer::ephemeral("never")
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();
    let body = initiation_form(&[]);
    let headers = signed(SECRET, now, &body, "application/x-www-form-urlencoded");
    let task = tokio::spawn({
        let receiver = receiver.clone();
        async move { receiver.receive(&headers, &body).await }
    });
    while clock.pending_sleeps() == 0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(clock.sleeps(), [Duration::from_millis(2500)]);
    clock.advance(Duration::from_millis(2500));
    let reply = task.await.unwrap();
    assert_eq!(
        (reply.status, reply.outcome, reply.body.len()),
        (200, Outcome::CallInitiationTimedOut, 0)
    );
}

// ------------------------------------------------------------ the app handle

#[tokio::test]
async fn an_app_as_the_workspace_lookup_gives_clients_and_forgets_an_uninstalled_workspace() {
    use slack_calls::{App, AppError, Installation};

    let clock = TestClock::manual();
    let app = App::builder("A0001").build().unwrap();
    app.install(Installation::new("T0001", ["xoxb-bot-token"]));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = builder(&clock)
        .workspaces(app.clone())
        .on_event(move |event: EventCallback<TestEvent>, context: Context| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((event.event_id, context.client().is_some()));
            }
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();

    // An ordinary event: the handler gets the app's client for T0001.
    let body = callback("EvOne", call_rejected());
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    assert_eq!(rx.recv().await.unwrap(), ("EvOne".to_owned(), true));
    assert!(app.workspace("T0001").is_ok());

    // app_uninstalled: the app forgets the workspace before the handler runs.
    let body = callback(
        "EvGone",
        serde_json::json!({ "type": "app_uninstalled", "event_ts": "1700000000.000100" }),
    );
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    assert_eq!(rx.recv().await.unwrap(), ("EvGone".to_owned(), false));
    assert!(matches!(
        app.workspace("T0001"),
        Err(AppError::NotInstalled { .. })
    ));
}

/// `tokens_revoked` drops just the tokens it names: the user token when
/// the installer is listed under `oauth`, the bot token when the bot is
/// listed under `bot`; the installation goes only when no token is left.
#[tokio::test]
async fn tokens_revoked_drops_just_the_tokens_it_names() {
    use slack_calls::{App, AppError, Installation, TokenKind};

    let clock = TestClock::manual();
    let app = App::builder("A0001").build().unwrap();
    let mut installation = Installation::new("T0001", ["xoxb-bot-token", "xoxp-user-token"]);
    installation.bot.as_mut().unwrap().user_id = Some("U0BOT".into());
    installation.installer.as_mut().unwrap().user_id = "U0ADMIN".into();
    app.install(installation);
    let receiver = builder(&clock).workspaces(app.clone()).build().unwrap();
    let now = receiver.verifier().unix_now();
    let revoke = |id: &str, tokens: serde_json::Value| {
        callback(
            id,
            serde_json::json!({ "type": "tokens_revoked", "tokens": tokens }),
        )
    };

    // Another user's token: nothing of the installation changes.
    let body = revoke("EvOther", serde_json::json!({ "oauth": ["U0SOMEONE"] }));
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    let held = app.installations().for_team("T0001").unwrap();
    assert_eq!(held.tokens().count(), 2);

    // The installer's user token: the bot token stays and serves.
    let body = revoke("EvUser", serde_json::json!({ "oauth": ["U0ADMIN"] }));
    receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    let held = app.installations().for_team("T0001").unwrap();
    assert!(held.user_token().is_none());
    assert_eq!(app.workspace("T0001").unwrap().token_kind(), TokenKind::Bot);

    // The bot's token too: nothing is left, the workspace is lost.
    let body = revoke("EvBot", serde_json::json!({ "bot": ["U0BOT"] }));
    receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert!(app.installations().for_team("T0001").is_none());
    assert!(matches!(
        app.workspace("T0001"),
        Err(AppError::NotInstalled { .. })
    ));

    // The bot alone, with the user token kept: the app goes on with it.
    let app = App::builder("A0002").build().unwrap();
    app.install(Installation::new("T0001", ["xoxb-bot-2", "xoxp-user-2"]));
    let receiver = builder(&clock).workspaces(app.clone()).build().unwrap();
    let body = revoke("EvBot2", serde_json::json!({ "bot": ["U0ANYBOT"] }));
    receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(
        app.workspace("T0001").unwrap().token_kind(),
        TokenKind::User
    );
}

/// An event or a Call button from an org-wide install: found by the
/// organization (authorizations[0] / the form's fields say which), for
/// whichever workspace it came from; losing the org-wide install stops
/// every workspace it served.
#[tokio::test]
async fn an_org_wide_install_is_found_by_authorizations_and_the_call_buttons_fields() {
    use slack_calls::{App, Installation, InstallationKey, Named};

    let clock = TestClock::manual();
    let app = App::builder("A0001").build().unwrap();
    let mut org = Installation::new("T-unused", ["xoxb-org-token"]);
    org.enterprise = Some(Named::new("E0001", "Org"));
    org.team = None;
    org.is_enterprise_install = true;
    app.install(org);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tx2 = tx.clone();
    let receiver = builder(&clock)
        .workspaces(app.clone())
        .on_event(move |event: EventCallback<TestEvent>, context: Context| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((
                    event.event_id,
                    context.installation().cloned(),
                    context.client().is_some(),
                ));
            }
        })
        .on_call_initiation(move |_initiation: CallInitiation, context: Context| {
            let tx = tx2.clone();
            async move {
                let _ = tx.send((
                    "button".to_owned(),
                    context.installation().cloned(),
                    context.client().is_some(),
                ));
                InitiationAnswer::call("https://calls.example.com/new")
            }
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();
    let org_key = InstallationKey::org_wide("E0001");
    let with_authorization = |id: &str, team: &str, event: serde_json::Value| {
        let mut body: serde_json::Value = serde_json::from_slice(&callback(id, event)).unwrap();
        body["team_id"] = team.into();
        body["enterprise_id"] = "E0001".into();
        body["authorizations"] = serde_json::json!([{
            "enterprise_id": "E0001", "team_id": team, "user_id": "U0BOT",
            "is_bot": true, "is_enterprise_install": true
        }]);
        serde_json::to_vec(&body).unwrap()
    };

    // Events from two workspaces of the org: both find the org's install.
    for (id, team) in [("EvA", "T0001"), ("EvB", "T0002")] {
        let body = with_authorization(id, team, call_rejected());
        let reply = receiver
            .receive(&signed_json(SECRET, now, &body), &body)
            .await;
        assert_eq!(reply.outcome, Outcome::Event);
        assert_eq!(
            rx.recv().await.unwrap(),
            (id.to_owned(), Some(org_key.clone()), true)
        );
    }
    // The Call button says so with text fields.
    let form = "application/x-www-form-urlencoded";
    let body = initiation_form(&[
        ("enterprise_id", "E0001"),
        ("is_enterprise_install", "true"),
    ]);
    let reply = receiver
        .receive(&signed(SECRET, now, &body, form), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::CallInitiation);
    assert_eq!(
        rx.recv().await.unwrap(),
        ("button".to_owned(), Some(org_key.clone()), true)
    );
    // A client of T0002 through the org, queued behind nothing: it is
    // stopped when the org-wide install goes.
    let t2 = app.workspace_of(&org_key, "T0002").unwrap();
    let body = with_authorization(
        "EvGone",
        "T0001",
        serde_json::json!({ "type": "app_uninstalled", "event_ts": "1700000000.000100" }),
    );
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    assert_eq!(
        rx.recv().await.unwrap(),
        ("EvGone".to_owned(), Some(org_key.clone()), false)
    );
    assert!(app.workspace_of(&org_key, "T0002").is_err());
    assert!(matches!(
        t2.calls().info("R1").await,
        Err(slack_calls::Error::WorkspaceGone { .. })
    ));
}

#[tokio::test]
async fn a_handlers_client_from_the_app_times_out_as_the_app_sets_it_up() {
    use crate::support::scripted_server::{Reply, Server as Scripted};
    use slack_calls::{App, Error, Installation, RetryPolicy, TransportKind};

    let slack = Scripted::start().await;
    slack.set_default(Reply::Hang);
    let base_url = slack.base_url();
    let app = App::builder("A0001")
        .clients(move |builder| {
            builder
                .base_url(base_url.clone())
                .timeout(Duration::from_millis(200))
                .retry_policy(RetryPolicy::none())
        })
        .build()
        .unwrap();
    app.install(Installation::new("T0001", ["xoxb-bot-token"]));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let clock = TestClock::manual();
    let receiver = builder(&clock)
        .workspaces(app)
        .on_event(move |_event: EventCallback<TestEvent>, context: Context| {
            let tx = tx.clone();
            async move {
                let client = context.client().expect("the app's client for T0001");
                let answer = client.calls().info("R1").await;
                let _ = tx.send(answer.map(|_| ()));
            }
        })
        .build()
        .unwrap();
    let now = receiver.verifier().unix_now();
    let body = callback("EvSlow", call_rejected());
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    let answer = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the handler's call never timed out")
        .unwrap();
    assert!(
        matches!(
            answer,
            Err(Error::Transport {
                kind: TransportKind::Timeout,
                ..
            })
        ),
        "{answer:?}"
    );
}

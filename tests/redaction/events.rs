//! Neither the signing secret nor any signature, the one sent or the one
//! expected, shows in tracing output (captured at TRACE, from every crate),
//! in a rejection's `Display` or `Debug`, or in a reply body, through every
//! way a request can be refused.

use crate::support::signed_events::{
    SECRET, Server, TestEvent, call_rejected, callback, signed, signed_json,
};
use slack_calls::TestClock;
use slack_calls::events::{Outcome, Receiver};
use slack_calls::signing::{SigningSecret, sign};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_signature_text_in_trace_output_errors_or_replies() {
    let captured = crate::support::trace_capture::global();

    let clock = TestClock::manual();
    let receiver = Receiver::<TestEvent>::builder(SECRET)
        .clock(clock.clone())
        .max_body(4096)
        .on_event(|event, _| async move {
            tracing::info!(event_id = %event.event_id, "handled");
        })
        .build()
        .unwrap();
    let server = Server::start(&receiver).await;
    let now = receiver.verifier().unix_now();
    let body = callback("EvTrace", call_rejected());
    let secret = SigningSecret::new(SECRET).unwrap();

    // Every signature that could leak: the right one for each request an
    // attacker sends, and the ones the attacker sent.
    let mut forbidden: Vec<String> = vec![SECRET.to_owned(), SECRET[..12].to_owned()];
    let mut printed = Vec::new();
    let attacker_signature = format!("v0={}", "0123456789abcdef".repeat(4));
    forbidden.push(attacker_signature[3..].to_owned());

    let mut requests = Vec::new();
    // Forged signature.
    let mut forged = signed_json(SECRET, now, &body);
    forged.insert("x-slack-signature", attacker_signature.parse().unwrap());
    requests.push((forged, body.clone()));
    // Altered body: the expected signature is the one for the altered body.
    let altered = callback("EvTraceAltered", call_rejected());
    forbidden.push(sign(&secret, &now.to_string(), &altered)[3..].to_owned());
    requests.push((signed_json(SECRET, now, &body), altered));
    // Stale and future.
    for timestamp in [now - 1000, now + 1000] {
        forbidden.push(sign(&secret, &timestamp.to_string(), &body)[3..].to_owned());
        requests.push((signed_json(SECRET, timestamp, &body), body.clone()));
    }
    // Wrong secret.
    requests.push((
        signed_json("another-apps-signing-secret", now, &body),
        body.clone(),
    ));
    // Too big, bad JSON, and a good one.
    let big = vec![b' '; 5000];
    forbidden.push(sign(&secret, &now.to_string(), &big)[3..].to_owned());
    requests.push((signed_json(SECRET, now, &big), big));
    let bad = b"{\"type\":".to_vec();
    requests.push((signed_json(SECRET, now, &bad), bad));
    let good_headers = signed_json(SECRET, now, &body);
    forbidden.push(good_headers["x-slack-signature"].to_str().unwrap()[3..].to_owned());
    requests.push((good_headers, body.clone()));

    for (headers, body) in requests {
        let reply = receiver.receive(&headers, &body).await;
        printed.push(format!("{reply:?}\n{:?}", reply.body));
        if let Outcome::Rejected(rejection) = &reply.outcome {
            printed.push(format!("{rejection}\n{rejection:?}\n{rejection:#?}"));
        }
        let response = server.post(headers, body).await;
        printed.push(format!("{response:?}"));
        printed.push(response.text().await.unwrap());
    }
    printed.push(format!("{receiver:?}"));
    printed.push(format!("{:?}", receiver.verifier()));
    printed.push(format!("{:?}", Receiver::<TestEvent>::builder(SECRET)));

    // A Call-initiation answer that misses its deadline goes to the
    // request's response_url, a credential of its own: whatever happens
    // there (refused, unreachable, not https), the URL is not logged.
    let (refusing, _) = crate::support::serve(
        axum::Router::new()
            .fallback(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "no") }),
    )
    .await;
    let late = Receiver::<TestEvent>::builder(SECRET)
        .initiation_deadline(std::time::Duration::from_millis(10))
        .on_call_initiation(|_, _| async {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            slack_calls::events::InitiationAnswer::call("https://example.com/j/late")
        })
        .build()
        .unwrap();
    let response_urls = [
        format!("http://{refusing}/commands/T1/1/hookpath-refused"),
        "http://127.0.0.1:1/commands/T1/2/hookpath-unreachable".to_owned(),
        "http://hooks.example.com/commands/T1/3/hookpath-not-https".to_owned(),
    ];
    for url in &response_urls {
        forbidden.push(url.rsplit('/').next().unwrap().to_owned());
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("team_id", "T1")
            .append_pair("user_id", "U1")
            .append_pair("response_url", url)
            .finish();
        let headers = signed(
            SECRET,
            late.verifier().unix_now(),
            form.as_bytes(),
            "application/x-www-form-urlencoded",
        );
        let reply = late.receive(&headers, form.as_bytes()).await;
        assert_eq!(reply.outcome, Outcome::CallInitiationTimedOut);
    }
    let late_lines = || {
        String::from_utf8_lossy(&captured.0.lock().unwrap())
            .matches("late call initiation answer")
            .count()
    };
    for _ in 0..1000 {
        if late_lines() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let trace = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        trace.contains("slack request refused"),
        "rejections are traced:\n{trace}"
    );
    for logged in [
        "the response_url refused the late call initiation answer",
        "the late call initiation answer could not be posted",
        "late call initiation answer not sent: the response_url is not https",
    ] {
        assert!(trace.contains(logged), "`{logged}` is traced:\n{trace}");
    }
    for text in printed.iter().chain(std::iter::once(&trace)) {
        for secret in &forbidden {
            assert!(
                !text
                    .to_ascii_lowercase()
                    .contains(&secret.to_ascii_lowercase()),
                "`{secret}` leaked into:\n{text}"
            );
        }
    }
}

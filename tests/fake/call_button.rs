//! The Call button's answer at the `response_url`, as the Calls guide has
//! it: the fake hands out a `response_url` with each press and serves it
//! (`POST /_mock/response/{n}`); an app that acknowledges empty and posts
//! its answer there starts the Call, within the same 3 s. A receiver whose
//! Call-initiation handler misses its deadline posts the answer there.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Form;
use reqwest::Method;
use serde_json::{Value, json};
use slack_calls::events::{InitiationAnswer, Outcome, Receiver};
use slack_calls_mock::{InitiationError, MockApp, MockSlack};

use crate::fake_support::handshake::answers_handshake;
use crate::fake_support::raw_http::control;
use crate::support::serve;

const SECRET: &str = "call-button-test-signing-secret-2c9d";

/// Starts the fake with an app at `router`'s `/slack/events`.
async fn fake_with(router: axum::Router, ack_timeout: Duration) -> MockSlack {
    let (addr, _) = serve(answers_handshake(router)).await;
    let app = MockApp::new(format!("http://{addr}/slack/events"), SECRET)
        .unwrap()
        .ack_timeout(ack_timeout);
    MockSlack::builder().app(app).start().await.unwrap()
}

/// The `response_url`s an app was given, in order.
type Seen = Arc<Mutex<Vec<String>>>;

/// An app that acknowledges empty and, `after` later, posts `answer` to
/// the press's `response_url` (as Bolt apps and hand-written ones do).
fn posts_to_response_url(answer: Value, after: Duration) -> (axum::Router, Seen) {
    let seen = Seen::default();
    let kept = Arc::clone(&seen);
    let router = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(move |Form(form): Form<Vec<(String, String)>>| {
            let body = answer.to_string();
            let kept = Arc::clone(&kept);
            async move {
                let url = form
                    .iter()
                    .find(|(name, _)| name == "response_url")
                    .map(|(_, value)| value.clone())
                    .unwrap_or_default();
                kept.lock().unwrap().push(url.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    let _ = reqwest::Client::new()
                        .post(url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                });
                ""
            }
        }),
    );
    (router, seen)
}

#[tokio::test]
async fn an_answer_posted_to_the_response_url_starts_the_call() {
    let answer = json!({"response_type": "call", "call_initiation_url": "https://example.com/j/9"});
    let (app, _) = posts_to_response_url(answer, Duration::from_millis(50));
    let mock = fake_with(app, Duration::from_secs(3)).await;
    let call = mock
        .user_presses_call_button("U0MOCK001", "C0MOCK001")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(call.call_initiation_url, "https://example.com/j/9");
    let log = mock.deliveries();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (log[0].kind.as_str(), log[0].status),
        ("call_initiation", Some(200))
    );

    // The fake's page shows, with the press's delivery, where the Call
    // opens and that the app posted it to the response_url; its data has it.
    let page = page(&mock).await;
    let row = &page[page
        .find("<tr class=\"delivery call_initiation\">")
        .expect("the press's row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Call button press 1"), "{row}");
    assert!(
        row.contains("<a href=\"https://example.com/j/9\" rel=\"noreferrer\">https://example.com/j/9</a> <small>(posted to the response_url)</small>"),
        "{row}"
    );
    let snapshot = snapshot(&mock).await;
    assert_eq!(
        snapshot["responses"],
        json!([{"press": 1, "posts": 1, "response_type": "call",
                "call_initiation_url": "https://example.com/j/9"}])
    );
    assert_eq!(
        snapshot["deliveries"][0]["initiation"],
        json!({"press": 1, "posts": 1, "outcome": "call", "via": "response_url",
               "call_initiation_url": "https://example.com/j/9"})
    );
}

/// The fake's page.
async fn page(mock: &MockSlack) -> String {
    reqwest::get(mock.page_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The fake's page data.
async fn snapshot(mock: &MockSlack) -> Value {
    let text = reqwest::get(format!("{}_mock/page/snapshot", mock.page_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// What the fake's page data says came of the presses, in order.
async fn initiations(mock: &MockSlack) -> Vec<Value> {
    let snapshot = snapshot(mock).await;
    snapshot["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["initiation"].clone())
        .collect()
}

#[tokio::test]
async fn the_page_shows_an_answer_given_in_the_http_response_and_one_that_starts_no_call() {
    let answer = Arc::new(Mutex::new(InitiationAnswer::call(
        "https://example.com/j/http",
    )));
    let kept = Arc::clone(&answer);
    let receiver = Receiver::<slack_calls::Event>::builder(SECRET)
        .on_call_initiation(move |_, _| {
            let answer = kept.lock().unwrap().clone();
            async move { answer }
        })
        .build()
        .unwrap();
    let app = axum::Router::new().route("/slack/events", receiver.method_router());
    let mock = fake_with(app, Duration::from_secs(3)).await;
    mock.user_presses_call_button("U0MOCK001", "C0MOCK001")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    *answer.lock().unwrap() = InitiationAnswer::ephemeral("link your account first");
    let _ = not_a_call(&mock).await;

    let seen = initiations(&mock).await;
    assert_eq!(
        seen[0],
        json!({"press": 1, "posts": 0, "outcome": "call", "via": "response",
               "call_initiation_url": "https://example.com/j/http"})
    );
    assert_eq!(seen[1]["outcome"], "no_call", "{seen:?}");
    assert!(
        seen[1]["why"].as_str().unwrap().contains("ephemeral"),
        "{seen:?}"
    );
    let page = page(&mock).await;
    assert!(
        page.contains("https://example.com/j/http</a> <small>(in the HTTP answer)</small>"),
        "{page}"
    );
    assert!(
        page.contains("no Call:</span> the app&#39;s answer does not start a call"),
        "{page}"
    );
}

/// Presses the Call button; why the answer starts no Call.
async fn not_a_call(mock: &MockSlack) -> String {
    match mock
        .user_presses_call_button("U0MOCK001", "C0MOCK001")
        .await
    {
        Err(InitiationError::NotACall(why)) => why,
        other => panic!("NotACall, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answer_in_the_response_that_starts_no_call_is_reported() {
    let receiver = Receiver::<slack_calls::Event>::builder(SECRET)
        .on_call_initiation(|_, _| async { InitiationAnswer::ephemeral("link your account first") })
        .build()
        .unwrap();
    let app = axum::Router::new().route("/slack/events", receiver.method_router());
    let mock = fake_with(app, Duration::from_secs(3)).await;
    let why = not_a_call(&mock).await;
    assert!(why.contains("ephemeral"), "{why}");
}

#[tokio::test]
async fn a_post_to_the_response_url_that_is_not_a_call_is_reported() {
    let answer = json!({"response_type": "ephemeral", "text": "link your account first"});
    let (app, _) = posts_to_response_url(answer, Duration::ZERO);
    let mock = fake_with(app, Duration::from_secs(3)).await;
    let why = not_a_call(&mock).await;
    assert!(why.contains("ephemeral"), "{why}");
}

#[tokio::test]
async fn an_empty_answer_and_nothing_at_the_response_url_is_not_a_call() {
    let app = axum::Router::new().route("/slack/events", axum::routing::post(|| async { "" }));
    let mock = fake_with(app, Duration::from_millis(200)).await;
    let why = not_a_call(&mock).await;
    assert!(why.contains("nothing posted to the response_url"), "{why}");
    assert!(why.contains("200 ms"), "{why}");
}

#[tokio::test]
async fn a_receiver_handler_that_misses_its_deadline_answers_at_the_response_url() {
    let (tx, mut outcomes) = tokio::sync::mpsc::unbounded_channel();
    let receiver = Receiver::<slack_calls::Event>::builder(SECRET)
        .initiation_deadline(Duration::from_millis(50))
        .on_call_initiation(|initiation, _| async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            InitiationAnswer::call(format!("https://example.com/new?by={}", initiation.user_id))
        })
        .build()
        .unwrap();
    let router = axum::Router::new().route(
        "/slack/events",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let receiver = receiver.clone();
                let tx = tx.clone();
                async move {
                    let reply = receiver.receive(&headers, &body).await;
                    let _ = tx.send(reply.outcome.clone());
                    (
                        axum::http::StatusCode::from_u16(reply.status).unwrap(),
                        reply.body,
                    )
                }
            },
        ),
    );
    let mock = fake_with(router, Duration::from_secs(3)).await;
    let call = mock
        .user_presses_call_button("U0MOCK004", "C0MOCK001")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        call.call_initiation_url,
        "https://example.com/new?by=U0MOCK004"
    );
    // The HTTP answer was the empty acknowledgement at the deadline.
    assert_eq!(outcomes.recv().await, Some(Outcome::CallInitiationTimedOut));
}

#[tokio::test]
async fn the_response_url_takes_only_json_for_a_url_the_fake_handed_out() {
    let answer = json!({"response_type": "call", "call_initiation_url": "https://example.com/j/1"});
    let (app, seen) = posts_to_response_url(answer, Duration::ZERO);
    let mock = fake_with(app, Duration::from_secs(3)).await;
    mock.user_presses_call_button("U0MOCK001", "C0MOCK001")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = seen.lock().unwrap()[0].clone();
    let prefix = format!("http://{}/_mock", mock.addr());
    let here = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} is not under {prefix}"))
        .to_owned();
    assert!(here.starts_with("/response/"), "{here}");

    let raw = control(&mock, Method::POST, "/response/999", Some("{}".into())).await;
    assert_eq!(
        (raw.status, raw.json()["error"].clone()),
        (404, json!("unknown_response_url"))
    );
    let raw = control(&mock, Method::POST, "/response/abc", Some("{}".into())).await;
    assert_eq!(raw.status, 404);
    let raw = control(&mock, Method::POST, &here, Some("not json".into())).await;
    assert_eq!(
        (raw.status, raw.json()["error"].clone()),
        (400, json!("invalid_json"))
    );
    let raw = control(&mock, Method::GET, &here, None).await;
    assert_eq!(raw.status, 405);
    // A later post to a URL the fake handed out is taken (Slack's response
    // URLs stay usable for a while).
    let raw = control(
        &mock,
        Method::POST,
        &here,
        Some(r#"{"response_type":"ephemeral","text":"again"}"#.into()),
    )
    .await;
    assert_eq!((raw.status, raw.json()["ok"].clone()), (200, json!(true)));
}

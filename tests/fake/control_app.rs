//! The control API's installs, the app it talks back to and its fake users
//! (`/_mock/install`, `/_mock/app`, `/_mock/messages`,
//! `/_mock/calls/{id}/reject`, `/_mock/call_button`, `/_mock/deliveries`),
//! and the one uninstall behind `apps.uninstall`, `POST /_mock/uninstall`
//! and `MockSlack::uninstall_app`. The app's signing secret never comes
//! back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::post;
use reqwest::Method;
use serde_json::{Value, json};
use slack_calls_mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MockApp, MockSlack, MockWorkspace};

use crate::fake_support::delivery_log::deliveries_until;
use crate::fake_support::handshake::answers_handshake;
use crate::fake_support::raw_http::{Raw, add_call, control as send_control, post_form};
use crate::support::serve;

const SECRET: &str = "control-api-secret-0123456789abcdef";

/// One control request, read whole.
async fn control(mock: &MockSlack, method: Method, path: &str, body: Option<&str>) -> Raw {
    let raw = send_control(mock, method, path, body.map(str::to_owned)).await;
    let text = String::from_utf8_lossy(&raw.body);
    assert!(text.starts_with("{\"ok\":"), "ok comes first: {text}");
    assert!(!text.contains(SECRET), "the secret leaked: {text}");
    raw
}

async fn get(mock: &MockSlack, path: &str) -> Raw {
    control(mock, Method::GET, path, None).await
}

async fn post_json(mock: &MockSlack, path: &str, body: Value) -> Raw {
    control(mock, Method::POST, path, Some(&body.to_string())).await
}

/// What the app endpoint received: content type and body.
type Inbox = Arc<Mutex<Vec<(String, String)>>>;

/// An app endpoint: acks events with 200, answers a Call-button press
/// with `answer`.
async fn app_endpoint(answer: &'static str) -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let kept = inbox.clone();
    let router = Router::new().route(
        "/slack/events",
        post(move |headers: HeaderMap, body: String| {
            let kept = kept.clone();
            async move {
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                let is_form = kind.starts_with("application/x-www-form-urlencoded");
                kept.lock().unwrap().push((kind, body));
                if is_form {
                    answer.to_owned()
                } else {
                    String::new()
                }
            }
        }),
    );
    let (addr, _task) = serve(answers_handshake(router)).await;
    (format!("http://{addr}/slack/events"), inbox)
}

/// The event types received so far (JSON bodies only).
fn event_types(inbox: &Inbox) -> Vec<String> {
    inbox
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, body)| serde_json::from_str::<Value>(body).ok())
        .filter_map(|v| v["event"]["type"].as_str().map(str::to_owned))
        .collect()
}

/// Waits (boundedly) until the inbox holds `n` events.
async fn wait_for_events(inbox: &Inbox, n: usize) -> Vec<String> {
    for _ in 0..500 {
        let types = event_types(inbox);
        if types.len() >= n {
            return types;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    event_types(inbox)
}

async fn register(mock: &MockSlack, url: &str) -> Raw {
    post_json(
        mock,
        "/app",
        json!({ "request_url": url, "signing_secret": SECRET, "unfurl_domains": ["example.com"] }),
    )
    .await
}

#[tokio::test]
async fn an_install_code_from_the_control_api_is_exchanged_by_oauth_v2_access() {
    let mock = MockSlack::builder()
        .workspace(MockWorkspace::new("T0EMPTY01", "Nobody Here"))
        .start()
        .await
        .unwrap();
    let raw = post_json(
        &mock,
        "/install",
        json!({ "team_id": "T0MOCK001", "bot_scopes": ["calls:write"], "user_scopes": ["calls:read"] }),
    )
    .await;
    assert_eq!(raw.status, 201, "{:?}", raw.json());
    let code = raw.json()["code"].as_str().unwrap().to_owned();
    let fields = [
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("code", code.as_str()),
    ];
    let installed = post_form(&mock, "oauth.v2.access", None, &fields).await;
    assert!(installed.ok(), "{:?}", installed.json());
    let body = installed.json();
    assert_eq!(body["scope"], "calls:write");
    assert_eq!(body["authed_user"]["scope"], "calls:read");
    let bot = body["access_token"].as_str().unwrap().to_owned();
    let auth = post_form(&mock, "auth.test", Some(&bot), &[]).await;
    assert!(auth.ok(), "the new bot token works: {:?}", auth.json());
    // One use only, as with `MockSlack::start_install`.
    let again = post_form(&mock, "oauth.v2.access", None, &fields).await;
    assert_eq!(again.error().as_deref(), Some("invalid_code"));

    for (body, status, error) in [
        (
            json!({ "team_id": "T0NOPE01", "bot_scopes": ["calls:read"] }),
            404,
            "team_not_found",
        ),
        (
            json!({ "team_id": "T0EMPTY01", "bot_scopes": ["calls:read"] }),
            409,
            "conflict",
        ),
        (json!({ "team_id": "T0MOCK001" }), 400, "invalid_request"),
        (
            json!({ "team_id": "T0MOCK001", "scopes": [] }),
            400,
            "invalid_json",
        ),
    ] {
        let raw = post_json(&mock, "/install", body.clone()).await;
        assert_eq!(raw.status, status, "{body}: {:?}", raw.json());
        assert_eq!(raw.json()["error"], error, "{body}");
        assert!(
            raw.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    assert_eq!(
        control(&mock, Method::GET, "/install", None).await.status,
        405
    );
}

#[tokio::test]
async fn the_app_is_registered_and_read_back_without_its_secret() {
    let mock = MockSlack::start().await.unwrap();
    let none = get(&mock, "/app").await;
    assert_eq!(
        (none.status, none.json()["error"].clone()),
        (404, json!("no_app"))
    );

    let (url, _inbox) = app_endpoint("").await;
    let raw = post_json(
        &mock,
        "/app",
        json!({
            "request_url": url,
            "signing_secret": SECRET,
            "unfurl_domains": ["Example.com"],
            "app_id": "A0OTHER01",
            "verification_token": "OtherVerificationToken01",
            "ack_timeout_ms": 500,
        }),
    )
    .await;
    assert_eq!(raw.status, 201, "{:?}", raw.json());
    let read = get(&mock, "/app").await;
    assert_eq!(read.status, 200);
    let app = read.json()["app"].clone();
    assert_eq!(app, raw.json()["app"]);
    assert_eq!(
        app,
        json!({
            "app_id": "A0OTHER01",
            "request_url": url,
            "unfurl_domains": ["example.com"],
            "ack_timeout_ms": 500,
        })
    );
    for path in ["/", "/requests", "/deliveries", "/messages", "/workspaces"] {
        get(&mock, path).await;
    }
    assert!(!format!("{mock:?}").contains(SECRET));
}

#[tokio::test]
async fn bad_app_registrations_are_refused_without_quoting_the_secret() {
    let mock = MockSlack::start().await.unwrap();
    let url = "http://127.0.0.1:9/e";
    for (body, says) in [
        (
            json!({ "request_url": url, "signing_secret": "short" }).to_string(),
            "shorter",
        ),
        (
            json!({ "request_url": url, "signing_secret": "" }).to_string(),
            "empty",
        ),
        (
            json!({ "request_url": "ftp://x/", "signing_secret": SECRET }).to_string(),
            "http(s) URL",
        ),
        (
            json!({ "request_url": url, "signing_secret": SECRET, "unfurl_domains": ["a/b"] })
                .to_string(),
            "host name",
        ),
        (
            json!({ "request_url": url, "signing_secret": SECRET, "app_id": "a0" }).to_string(),
            "Slack id",
        ),
        (
            json!({ "request_url": url, "signing_secret": SECRET, "ack_timeout_ms": 0 })
                .to_string(),
            "at least 1",
        ),
        // The secret where a list belongs, and an unknown field: the
        // refusal names the place, never the value.
        (
            json!({ "request_url": url, "signing_secret": "x", "unfurl_domains": SECRET })
                .to_string(),
            "line 1",
        ),
        (
            json!({ "request_url": url, "signing_secret": SECRET, "secret": SECRET }).to_string(),
            "no other field",
        ),
        (String::new(), "JSON object body"),
    ] {
        let raw = control(&mock, Method::POST, "/app", Some(&body)).await;
        assert_eq!(raw.status, 400, "{body}: {:?}", raw.json());
        let message = raw.json()["message"].as_str().unwrap_or("").to_owned();
        assert!(message.contains(says), "{body}: {message}");
        assert!(!message.contains("short\""), "{message}");
    }
    assert_eq!(
        get(&mock, "/app").await.status,
        404,
        "nothing was registered"
    );
    let wrong = control(&mock, Method::DELETE, "/app", None).await;
    assert_eq!(wrong.status, 405);
}

#[tokio::test]
async fn fake_users_post_reject_and_press_the_call_button_over_http() {
    let mock = MockSlack::start().await.unwrap();
    let (url, inbox) =
        app_endpoint(r#"{"response_type":"call","call_initiation_url":"https://example.com/j/7"}"#)
            .await;
    assert_eq!(register(&mock, &url).await.status, 201);

    let raw = post_json(
        &mock,
        "/messages",
        json!({ "user": "U0MOCK001", "channel": "C0MOCK001", "text": "join <https://example.com/j/7>" }),
    )
    .await;
    assert_eq!(raw.status, 201, "{:?}", raw.json());
    let message = raw.json()["message"].clone();
    assert_eq!(message["links"], json!(["https://example.com/j/7"]));
    assert_eq!(wait_for_events(&inbox, 1).await, ["link_shared"]);
    let read = get(&mock, "/messages").await.json();
    assert_eq!(read["user_messages"][0]["ts"], message["ts"]);
    assert_eq!(mock.messages().len(), 1);

    let call = add_call(&mock, &[]).await;
    let raw = post_json(
        &mock,
        &format!("/calls/{call}/reject"),
        json!({ "user": "U0MOCK002", "channel": "C0MOCK001" }),
    )
    .await;
    assert_eq!(raw.status, 200, "{:?}", raw.json());
    assert!(raw.json()["event_id"].as_str().is_some());
    assert_eq!(
        wait_for_events(&inbox, 2).await,
        ["link_shared", "call_rejected"]
    );
    // The app has both events; wait until the fake has logged both too,
    // before the Call button adds its own entry.
    deliveries_until(&mock, |log| log.len() >= 2)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let raw = post_json(
        &mock,
        "/call_button",
        json!({ "user": "U0MOCK001", "channel": "C0MOCK001" }),
    )
    .await;
    assert_eq!(raw.status, 200, "{:?}", raw.json());
    assert_eq!(
        raw.json()["answer"],
        json!({"response_type": "call", "call_initiation_url": "https://example.com/j/7"})
    );

    let deliveries = get(&mock, "/deliveries").await.json()["deliveries"].clone();
    let kinds: Vec<&str> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["link_shared", "call_rejected", "call_initiation"]);
    assert_eq!(deliveries[0]["acked_in_time"], true);
    assert_eq!(deliveries[0]["status"], 200);
    assert_eq!(
        deliveries.as_array().unwrap().len(),
        mock.deliveries().len()
    );
}

#[tokio::test]
async fn a_call_button_answer_that_is_not_a_call_is_a_typed_failure() {
    let mock = MockSlack::start().await.unwrap();
    let (url, _inbox) = app_endpoint(r#"{"text":"no"}"#).await;
    register(&mock, &url).await;
    let raw = post_json(
        &mock,
        "/call_button",
        json!({ "user": "U0MOCK001", "channel": "C0MOCK001" }),
    )
    .await;
    assert_eq!(raw.status, 502, "{:?}", raw.json());
    assert_eq!(raw.json()["error"], "app_answer_not_a_call");

    // An app that passes the handshake but never answers a press in its
    // 300 ms: the app did not answer.
    let silent = answers_handshake(
        Router::new().route("/e", post(|| async { std::future::pending::<()>().await })),
    );
    let (addr, _task) = serve(silent).await;
    let registered = post_json(
        &mock,
        "/app",
        json!({ "request_url": format!("http://{addr}/e"), "signing_secret": SECRET,
                "ack_timeout_ms": 300 }),
    )
    .await;
    assert_eq!(registered.status, 201, "{:?}", registered.json());
    let raw = post_json(
        &mock,
        "/call_button",
        json!({ "user": "U0MOCK001", "channel": "C0MOCK001" }),
    )
    .await;
    assert_eq!(raw.status, 502, "{:?}", raw.json());
    assert_eq!(raw.json()["error"], "app_did_not_answer");
}

#[tokio::test]
async fn fake_user_actions_without_an_app_or_a_place_are_clear_4xx() {
    let mock = MockSlack::start().await.unwrap();
    let call = add_call(&mock, &[]).await;
    let here = json!({ "user": "U0MOCK001", "channel": "C0MOCK001" });
    for (path, body, status, error) in [
        (format!("/calls/{call}/reject"), here.clone(), 404, "no_app"),
        (
            "/calls/R0NOPE/reject".to_owned(),
            here.clone(),
            404,
            "call_not_found",
        ),
        ("/call_button".to_owned(), here.clone(), 404, "no_app"),
        (
            "/messages".to_owned(),
            json!({ "user": "U0NOBODY", "channel": "C0MOCK001", "text": "hi" }),
            404,
            "unknown_place",
        ),
        (
            "/call_button".to_owned(),
            json!({ "user": "U0MOCK001", "channel": "C0NOWHERE" }),
            404,
            "unknown_place",
        ),
        (
            "/messages".to_owned(),
            json!({ "user": "U0MOCK001" }),
            400,
            "invalid_json",
        ),
        ("/call_button".to_owned(), json!([]), 400, "invalid_json"),
    ] {
        let raw = post_json(&mock, &path, body.clone()).await;
        assert_eq!(raw.status, status, "{path} {body}: {:?}", raw.json());
        assert_eq!(raw.json()["error"], error, "{path} {body}");
    }
    // A message without an app is still posted (nothing is sent).
    let raw = post_json(
        &mock,
        "/messages",
        json!({ "user": "U0MOCK001", "channel": "C0MOCK001", "text": "https://example.com/x" }),
    )
    .await;
    assert_eq!(raw.status, 201);

    let (url, _inbox) = app_endpoint("").await;
    register(&mock, &url).await;
    let raw = post_json(&mock, "/calls/R0NOPE/reject", here.clone()).await;
    assert_eq!(
        (raw.status, raw.json()["error"].clone()),
        (404, json!("call_not_found"))
    );
    assert_eq!(
        control(&mock, Method::GET, "/call_button", None)
            .await
            .status,
        405
    );
    assert_eq!(
        control(&mock, Method::POST, "/deliveries", Some("{}"))
            .await
            .status,
        405
    );
}

/// After an uninstall by `how`, the app got both events and the user token
/// is revoked.
async fn uninstall_sends_both_events(how: &str) {
    let mock = MockSlack::start().await.unwrap();
    let (url, inbox) = app_endpoint("").await;
    mock.register_app(
        MockApp::new(url, SECRET)
            .unwrap()
            .unfurl_domains(["example.com"]),
    )
    .await
    .unwrap();
    match how {
        "apps.uninstall" => {
            let raw = post_form(
                &mock,
                "apps.uninstall",
                Some(mock.user_token()),
                &[
                    ("client_id", DEMO_CLIENT_ID),
                    ("client_secret", DEMO_CLIENT_SECRET),
                ],
            )
            .await;
            assert!(raw.ok(), "{:?}", raw.json());
        }
        "control" => {
            let raw = post_json(&mock, "/uninstall", json!({ "team_id": "T0MOCK001" })).await;
            assert_eq!(raw.json()["event_ids"].as_array().map(Vec::len), Some(2));
        }
        _ => assert_eq!(mock.uninstall_app("T0MOCK001").unwrap().len(), 2),
    }
    let mut types = wait_for_events(&inbox, 2).await;
    types.sort();
    assert_eq!(types, ["app_uninstalled", "tokens_revoked"], "{how}");
    let revoked: Vec<Value> = inbox
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, body)| serde_json::from_str::<Value>(body).ok())
        .filter(|v| v["event"]["type"] == "tokens_revoked")
        .collect();
    assert_eq!(
        revoked[0]["event"]["tokens"],
        json!({ "oauth": ["U0MOCK001"], "bot": ["UB0MOCK001"] }),
        "{how}"
    );
    let after = post_form(&mock, "auth.test", Some(mock.user_token()), &[]).await;
    assert_eq!(after.error().as_deref(), Some("token_revoked"), "{how}");
    assert_eq!(mock.uninstalls().len(), 1, "{how}");
}

#[tokio::test]
async fn apps_uninstall_sends_app_uninstalled_and_tokens_revoked() {
    uninstall_sends_both_events("apps.uninstall").await;
}

#[tokio::test]
async fn the_control_uninstall_sends_app_uninstalled_and_tokens_revoked() {
    uninstall_sends_both_events("control").await;
}

#[tokio::test]
async fn uninstall_app_sends_app_uninstalled_and_tokens_revoked() {
    uninstall_sends_both_events("uninstall_app").await;
}

//! The control API (`/_mock/` on the fake's port): every endpoint, its
//! effect on the fake as a client sees it, and the 4xx answers to bad
//! control requests. No answer may hold a token's text.

use crate::fake_support::raw_http as mock_support;

use mock_support::{Raw, add_call, post_form};
use reqwest::Method;
use serde_json::{Value, json};
use slack_calls::TokenKind;
use slack_calls_mock::{DEMO_BOT_TOKEN, DEMO_TEAM_ID, DEMO_USER_TOKEN, MockSlack, MockWorkspace};

/// One control request, read whole.
async fn control(mock: &MockSlack, method: Method, path: &str, body: Option<Value>) -> Raw {
    let raw = mock_support::control(mock, method, path, body.map(|b| b.to_string())).await;
    assert_eq!(
        raw.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert!(
        raw.body.starts_with(b"{\"ok\":"),
        "ok comes first: {}",
        String::from_utf8_lossy(&raw.body)
    );
    raw
}

async fn get(mock: &MockSlack, path: &str) -> Raw {
    control(mock, Method::GET, path, None).await
}

async fn post(mock: &MockSlack, path: &str, body: Value) -> Raw {
    control(mock, Method::POST, path, Some(body)).await
}

/// A Web API request with a Bearer token.
async fn api(mock: &MockSlack, method: &str, token: &str, fields: &[(&str, &str)]) -> Raw {
    post_form(mock, method, Some(token), fields).await
}

fn assert_no_token(raw: &Raw, tokens: &[&str]) {
    let text = String::from_utf8_lossy(&raw.body);
    for token in tokens {
        assert!(!text.contains(token), "a token leaked: {text}");
    }
}

#[tokio::test]
async fn the_index_lists_every_endpoint() {
    let mock = MockSlack::start().await.unwrap();
    for path in ["", "/"] {
        let raw = get(&mock, path).await;
        assert_eq!(raw.status, 200);
        let endpoints = raw.json()["endpoints"].as_array().unwrap().clone();
        for wanted in [
            "POST /_mock/script",
            "POST /_mock/fault",
            "DELETE /_mock/injections",
            "POST /_mock/workspaces",
            "POST /_mock/users",
            "POST /_mock/channels",
            "POST /_mock/tokens",
            "POST /_mock/uninstall",
            "POST /_mock/install",
            "GET /_mock/app",
            "POST /_mock/app",
            "GET /_mock/calls/{id}",
            "POST /_mock/calls/{id}/reject",
            "GET /_mock/messages",
            "POST /_mock/messages",
            "POST /_mock/composer",
            "POST /_mock/call_button",
            "POST /_mock/response/{n}",
            "GET /_mock/deliveries",
            "GET /_mock/requests",
            "POST /_mock/advance",
            "GET /_mock/page/snapshot",
            "GET /_mock/page/fragment",
        ] {
            assert!(endpoints.contains(&json!(wanted)), "{wanted}");
        }
    }
}

#[tokio::test]
async fn script_sets_the_next_answer() {
    let mock = MockSlack::start().await.unwrap();
    let raw = post(
        &mock,
        "/script",
        json!({ "method": "calls.info", "error": "missing_scope", "needed": "calls:read",
                "provided": "chat:write", "messages": ["[ERROR] scripted"], "times": 2 }),
    )
    .await;
    assert_eq!(raw.status, 200);
    assert_eq!(
        raw.json(),
        json!({ "ok": true, "method": "calls.info", "pending": 2 })
    );
    for _ in 0..2 {
        let answer = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
        assert_eq!(
            answer.json(),
            json!({ "ok": false, "error": "missing_scope", "needed": "calls:read",
                    "provided": "chat:write",
                    "response_metadata": { "messages": ["[ERROR] scripted"] } })
        );
    }
    // Spent: the fake answers on its own again.
    let answer = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_call_id"));

    post(
        &mock,
        "/script",
        json!({ "method": "calls.end", "body": { "ok": true, "surprise": 1 }, "status": 201,
                "warnings": ["w1"] }),
    )
    .await;
    let answer = api(&mock, "calls.end", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.json()["surprise"], 1);
    assert_eq!(answer.json()["warning"], "w1");

    post(
        &mock,
        "/script",
        json!({ "method": "calls.info", "example": true }),
    )
    .await;
    let answer = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert!(answer.ok());
    assert!(answer.json()["call"]["id"].is_string());
}

#[tokio::test]
async fn bad_scripts_are_refused_with_the_reason() {
    let mock = MockSlack::start().await.unwrap();
    for (body, says) in [
        (json!({ "method": "calls.info" }), "exactly one of"),
        (
            json!({ "method": "calls.info", "error": "x", "example": true }),
            "exactly one of",
        ),
        (
            json!({ "method": "calls.info", "error": "" }),
            "`error` is empty",
        ),
        (
            json!({ "method": "calls.info", "example": true, "needed": "a" }),
            "go with `error`",
        ),
        (
            json!({ "method": "calls.info", "error": "x", "status": 500 }),
            "`status` goes with `body`",
        ),
        (
            json!({ "method": "calls.info", "body": {}, "status": 1000 }),
            "not an HTTP status",
        ),
        (
            json!({ "method": "calls.info", "error": "x", "times": 0 }),
            "at least 1",
        ),
        (
            json!({ "method": "a b", "error": "x" }),
            "not a method name",
        ),
    ] {
        let raw = post(&mock, "/script", body.clone()).await;
        assert_eq!(raw.status, 400, "{body}");
        assert_eq!(raw.error().as_deref(), Some("invalid_request"), "{body}");
        let message = raw.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(says), "{body}: {message}");
    }
    for body in [
        json!({ "method": "calls.info", "eror": "typo" }),
        json!({ "error": "x" }),
        json!([1]),
    ] {
        let raw = post(&mock, "/script", body.clone()).await;
        assert_eq!(raw.status, 400, "{body}");
        assert_eq!(raw.error().as_deref(), Some("invalid_json"), "{body}");
    }
    let raw = control(&mock, Method::POST, "/script", None).await;
    assert_eq!(raw.status, 400);
    assert!(
        raw.json()["message"]
            .as_str()
            .unwrap()
            .contains("JSON object body")
    );
    // Nothing was queued.
    assert_eq!(mock.pending_injections("calls.info"), 0);
}

#[tokio::test]
async fn faults_and_injections() {
    let mock = MockSlack::start().await.unwrap();
    let raw = post(
        &mock,
        "/fault",
        json!({ "method": "calls.add", "fault": "rate_limited", "retry_after": 7, "times": 2 }),
    )
    .await;
    assert_eq!(raw.json()["pending"], 2);
    post(
        &mock,
        "/fault",
        json!({ "method": "calls.info", "fault": "status", "status": 503 }),
    )
    .await;
    assert_eq!(
        get(&mock, "/injections").await.json(),
        json!({ "ok": true, "pending": { "calls.add": 2, "calls.info": 1 } })
    );

    let answer = api(
        &mock,
        "calls.add",
        DEMO_USER_TOKEN,
        &[("external_unique_id", "x"), ("join_url", "https://e.com/j")],
    )
    .await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("retry-after").as_deref(), Some("7"));
    assert_eq!(answer.error().as_deref(), Some("ratelimited"));
    let answer = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(answer.status, 503);

    let raw = control(&mock, Method::DELETE, "/injections", None).await;
    assert_eq!(raw.status, 200);
    assert_eq!(
        get(&mock, "/injections").await.json(),
        json!({ "ok": true, "pending": {} })
    );
    // The second 429 was forgotten.
    let id = add_call(&mock, &[]).await;
    assert!(id.starts_with('R'));

    for fault in [
        json!({ "fault": "delay", "delay_ms": 1 }),
        json!({ "fault": "drop" }),
        json!({ "fault": "drop_after_handling" }),
        json!({ "fault": "truncated" }),
        json!({ "fault": "broken_body" }),
        json!({ "fault": "not_json" }),
    ] {
        let mut body = fault.clone();
        body["method"] = json!("users.lookupByEmail");
        assert_eq!(post(&mock, "/fault", body).await.status, 200, "{fault}");
    }
    assert_eq!(mock.pending_injections("users.lookupByEmail"), 6);

    let answer = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", &id)]).await;
    assert!(answer.ok());
}

#[tokio::test]
async fn bad_faults_are_refused_with_the_reason() {
    let mock = MockSlack::start().await.unwrap();
    for (body, says) in [
        (json!({ "method": "m", "fault": "melt" }), "is not a fault"),
        (
            json!({ "method": "m", "fault": "status" }),
            "needs `status`",
        ),
        (
            json!({ "method": "m", "fault": "status", "status": 42 }),
            "not an HTTP status",
        ),
        (
            json!({ "method": "m", "fault": "delay" }),
            "needs `delay_ms`",
        ),
        (
            json!({ "method": "m", "fault": "drop", "status": 500 }),
            "does not go with",
        ),
        (
            json!({ "method": "m", "fault": "drop", "retry_after": 1 }),
            "does not go with",
        ),
        (
            json!({ "method": "m", "fault": "drop", "delay_ms": 1 }),
            "does not go with",
        ),
        (
            json!({ "method": "m", "fault": "drop", "times": 0 }),
            "at least 1",
        ),
    ] {
        let raw = post(&mock, "/fault", body.clone()).await;
        assert_eq!(raw.status, 400, "{body}");
        let message = raw.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(says), "{body}: {message}");
    }
    assert_eq!(mock.pending_injections("m"), 0);
}

#[tokio::test]
async fn workspaces_users_channels_and_tokens_can_be_added() {
    let mock = MockSlack::start().await.unwrap();
    let raw = post(
        &mock,
        "/workspaces",
        json!({ "team_id": "T0OTHER01", "name": "Other" }),
    )
    .await;
    assert_eq!(raw.status, 201);
    assert_eq!(
        raw.json(),
        json!({ "ok": true, "team_id": "T0OTHER01", "name": "Other" })
    );
    let raw = post(
        &mock,
        "/users",
        json!({ "team_id": "T0OTHER01", "id": "U0OTHER01", "email": "Ada@Example.com" }),
    )
    .await;
    assert_eq!(raw.status, 201);
    assert_eq!(raw.json()["email"], "Ada@Example.com");
    let raw = post(
        &mock,
        "/channels",
        json!({ "team_id": "T0OTHER01", "id": "C0OTHER01" }),
    )
    .await;
    assert_eq!(raw.status, 201);
    let raw = post(
        &mock,
        "/tokens",
        json!({ "team_id": "T0OTHER01", "token": "xoxb-other-secret", "kind": "bot",
                "scopes": ["calls:read", "calls:write", "chat:write", "users:read.email"] }),
    )
    .await;
    assert_eq!(raw.status, 201);
    assert_no_token(&raw, &["xoxb-other-secret"]);
    assert_eq!(raw.json()["kind"], "bot");

    // The new workspace answers as one.
    let answer = api(
        &mock,
        "users.lookupByEmail",
        "xoxb-other-secret",
        &[("email", "ada@example.com")],
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert_eq!(answer.json()["user"]["id"], "U0OTHER01");
    assert_eq!(answer.json()["user"]["team_id"], "T0OTHER01");
    let answer = api(
        &mock,
        "chat.postMessage",
        "xoxb-other-secret",
        &[("channel", "C0OTHER01"), ("text", "hi")],
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    let answer = api(
        &mock,
        "chat.postMessage",
        "xoxb-other-secret",
        &[("channel", "C0MOCK001"), ("text", "hi")],
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("channel_not_found"));
    let answer = api(
        &mock,
        "calls.add",
        "xoxb-other-secret",
        &[
            ("external_unique_id", "o"),
            ("join_url", "https://e.com/j"),
            ("created_by", "U0OTHER01"),
        ],
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());

    // Without a team id, the default workspace gets them.
    let raw = post(&mock, "/users", json!({ "id": "U0NEW0001" })).await;
    assert_eq!(raw.json()["team_id"], "T0MOCK001");
    assert_eq!(raw.json()["email"], "u0new0001@example.com");
    post(&mock, "/channels", json!({ "id": "C0NEW0001" })).await;
    let answer = api(
        &mock,
        "chat.postMessage",
        DEMO_BOT_TOKEN,
        &[("channel", "C0NEW0001"), ("text", "hi")],
    )
    .await;
    assert!(answer.ok());
    let raw = post(
        &mock,
        "/tokens",
        json!({ "token": "xoxp-new-user", "kind": "user", "scopes": ["calls:read"] }),
    )
    .await;
    assert_eq!(raw.json()["team_id"], "T0MOCK001");
    let answer = api(&mock, "calls.info", "xoxp-new-user", &[("id", "R1")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_call_id"));

    // The listing shows kinds and scopes, never a token's text.
    let raw = get(&mock, "/workspaces").await;
    assert_no_token(
        &raw,
        &[
            "xoxb-other-secret",
            "xoxp-new-user",
            DEMO_BOT_TOKEN,
            DEMO_USER_TOKEN,
        ],
    );
    let list = raw.json()["workspaces"].clone();
    assert_eq!(list[0]["team_id"], "T0MOCK001");
    assert_eq!(list[0]["tokens"].as_array().unwrap().len(), 3);
    assert_eq!(list[1]["team_id"], "T0OTHER01");
    assert_eq!(list[1]["name"], "Other");
    assert_eq!(
        list[1]["users"],
        json!([{ "id": "U0OTHER01", "email": "Ada@Example.com" }])
    );
    assert_eq!(list[1]["channels"], json!(["C0OTHER01"]));
    assert_eq!(list[1]["tokens"][0]["kind"], "bot");
}

#[tokio::test]
async fn bad_directory_requests_are_refused() {
    let mock = MockSlack::start().await.unwrap();
    for (path, body, status, code) in [
        (
            "/workspaces",
            json!({ "team_id": "t1", "name": "x" }),
            400,
            "invalid_request",
        ),
        (
            "/workspaces",
            json!({ "team_id": "T0MOCK001", "name": "x" }),
            409,
            "conflict",
        ),
        ("/users", json!({ "id": "bob" }), 400, "invalid_request"),
        (
            "/users",
            json!({ "id": "U1", "email": "nope" }),
            400,
            "invalid_request",
        ),
        (
            "/users",
            json!({ "id": "U1", "email": "u0mock002@example.com" }),
            409,
            "conflict",
        ),
        (
            "/users",
            json!({ "team_id": "T0NONE001", "id": "U1" }),
            404,
            "team_not_found",
        ),
        (
            "/channels",
            json!({ "id": "#general" }),
            400,
            "invalid_request",
        ),
        (
            "/tokens",
            json!({ "token": "xo xb", "kind": "bot" }),
            400,
            "invalid_request",
        ),
        (
            "/tokens",
            json!({ "token": "xoxb-z", "kind": "robot" }),
            400,
            "invalid_request",
        ),
        (
            "/uninstall",
            json!({ "team_id": "T0NONE001" }),
            404,
            "team_not_found",
        ),
        ("/advance", json!({ "seconds": -1 }), 400, "invalid_request"),
    ] {
        let raw = post(&mock, path, body.clone()).await;
        assert_eq!(raw.status, status, "{path} {body}");
        assert_eq!(raw.error().as_deref(), Some(code), "{path} {body}");
    }

    // A token of one workspace cannot join another; the message does not
    // show it.
    post(
        &mock,
        "/workspaces",
        json!({ "team_id": "T0OTHER01", "name": "Other" }),
    )
    .await;
    let raw = post(
        &mock,
        "/tokens",
        json!({ "team_id": "T0OTHER01", "token": DEMO_BOT_TOKEN, "kind": "bot" }),
    )
    .await;
    assert_eq!(raw.status, 409);
    assert_no_token(&raw, &[DEMO_BOT_TOKEN]);
}

#[tokio::test]
async fn uninstall_revokes_every_token_of_the_workspace() {
    let mock = MockSlack::start().await.unwrap();
    let raw = post(&mock, "/uninstall", json!({ "team_id": "T0MOCK001" })).await;
    assert_eq!(
        raw.json(),
        // No app is registered: no events are sent.
        json!({ "ok": true, "team_id": "T0MOCK001", "tokens_revoked": 2, "event_ids": [] })
    );
    for token in [DEMO_BOT_TOKEN, DEMO_USER_TOKEN] {
        let answer = api(&mock, "calls.info", token, &[("id", "R1")]).await;
        assert_eq!(
            answer.json(),
            json!({ "ok": false, "error": "token_revoked" })
        );
    }
    // The same uninstall as `apps.uninstall`: recorded once.
    assert_eq!(mock.uninstalls().len(), 1);
}

#[tokio::test]
async fn calls_messages_and_requests_can_be_read() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[("title", "Sync")]).await;
    let raw = get(&mock, "/calls").await;
    let calls = raw.json()["calls"].clone();
    assert_eq!(calls.as_array().unwrap().len(), 1);
    assert_eq!(calls[0]["id"], id.as_str());
    assert_eq!(calls[0]["title"], "Sync");
    let raw = get(&mock, &format!("/calls/{id}")).await;
    assert_eq!(raw.json()["call"]["id"], id.as_str());
    let raw = get(&mock, "/calls/R0NOPE").await;
    assert_eq!(raw.status, 404);
    assert_eq!(raw.error().as_deref(), Some("call_not_found"));

    let answer = api(
        &mock,
        "chat.postMessage",
        DEMO_BOT_TOKEN,
        &[("channel", "C0MOCK001"), ("text", "hello")],
    )
    .await;
    assert!(answer.ok());
    api(
        &mock,
        "chat.postMessage",
        DEMO_BOT_TOKEN,
        &[("channel", "C0NOPE"), ("text", "lost")],
    )
    .await;
    let raw = get(&mock, "/messages").await;
    let messages = raw.json()["messages"].clone();
    assert_eq!(messages.as_array().unwrap().len(), 1, "{messages}");
    assert_eq!(messages[0]["channel"], "C0MOCK001");
    assert_eq!(messages[0]["text"], "hello");

    api(&mock, "calls.info", "xoxb-unknown", &[("id", &id)]).await;
    let raw = get(&mock, "/requests").await;
    assert_no_token(&raw, &[DEMO_BOT_TOKEN, DEMO_USER_TOKEN, "xoxb-unknown"]);
    let requests = raw.json()["requests"].clone();
    assert_eq!(requests.as_array().unwrap().len(), 4);
    assert_eq!(requests[0]["method"], "calls.add");
    assert_eq!(requests[0]["outcome"], "ok");
    assert_eq!(requests[0]["token_source"], "bearer");
    assert_eq!(requests[2]["error"], "channel_not_found");
    assert_eq!(requests[3]["error"], "invalid_auth");
    assert_eq!(requests[3]["token_kind"], Value::Null);

    let raw = get(&mock, "/requests?method=chat.postMessage").await;
    assert_eq!(raw.json()["requests"].as_array().unwrap().len(), 2);
    let raw = get(&mock, "/requests?verb=GET").await;
    assert_eq!(raw.status, 400);

    let raw = control(&mock, Method::DELETE, "/requests", None).await;
    assert_eq!(raw.status, 200);
    assert!(mock.requests().is_empty());
    // Control requests are not logged.
    get(&mock, "/requests").await;
    assert!(mock.requests().is_empty());
}

/// What another language needs to measure pacing against the fake: each
/// request's workspace and its arrival on the fake's clock.
#[tokio::test]
async fn the_request_log_says_which_workspace_and_when() {
    let mock = MockSlack::builder()
        .workspace(MockWorkspace::new("T0OTHER01", "Other").token(
            "xoxb-other",
            TokenKind::Bot,
            ["calls:read"],
        ))
        .start()
        .await
        .unwrap();
    api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    mock.advance(std::time::Duration::from_secs(90));
    api(&mock, "calls.info", "xoxb-other", &[("id", "R1")]).await;
    api(&mock, "calls.info", "xoxb-nobody", &[("id", "R1")]).await;

    let requests = get(&mock, "/requests").await.json()["requests"].clone();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0]["team_id"], DEMO_TEAM_ID);
    assert_eq!(requests[1]["team_id"], "T0OTHER01");
    assert_eq!(
        requests[2]["team_id"],
        Value::Null,
        "an unknown token has no workspace"
    );
    let at = |i: usize| {
        requests[i]["at"]
            .as_f64()
            .expect("`at` is a number of seconds")
    };
    assert!(at(0) >= 0.0);
    assert!(
        at(1) - at(0) >= 90.0,
        "the advanced clock: {} then {}",
        at(0),
        at(1)
    );
    assert!(at(2) >= at(1));
    // The same in the Rust log.
    let log = mock.requests();
    assert_eq!(log[1].team_id.as_deref(), Some("T0OTHER01"));
    assert!(log[1].at >= std::time::Duration::from_secs(90));

    let other = get(&mock, "/requests?team_id=T0OTHER01").await.json()["requests"].clone();
    assert_eq!(other.as_array().unwrap().len(), 1);
    assert_eq!(other[0]["team_id"], "T0OTHER01");
    let both = get(
        &mock,
        &format!("/requests?method=calls.info&team_id={DEMO_TEAM_ID}"),
    )
    .await
    .json()["requests"]
        .clone();
    assert_eq!(both.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn advance_empties_the_rate_limit_window() {
    let mock = MockSlack::builder()
        .rate_limits(slack_calls_mock::LimitMode::PerMinute(1))
        .start()
        .await
        .unwrap();
    let first = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(first.status, 200);
    let second = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(second.status, 429);
    let raw = post(&mock, "/advance", json!({ "seconds": 60 })).await;
    assert_eq!(raw.status, 200);
    let third = api(&mock, "calls.info", DEMO_BOT_TOKEN, &[("id", "R1")]).await;
    assert_eq!(third.status, 200);
}

#[tokio::test]
async fn unknown_endpoints_and_verbs_get_json_errors() {
    let mock = MockSlack::start().await.unwrap();
    let raw = get(&mock, "/nothing").await;
    assert_eq!(raw.status, 404);
    assert_eq!(raw.error().as_deref(), Some("unknown_endpoint"));
    let raw = get(&mock, "/script").await;
    assert_eq!(raw.status, 405);
    assert_eq!(raw.error().as_deref(), Some("method_not_allowed"));
    assert_eq!(raw.header("allow").as_deref(), Some("POST"));
    let raw = control(&mock, Method::PUT, "/requests", None).await;
    assert_eq!(raw.status, 405);
    assert_eq!(raw.header("allow").as_deref(), Some("GET, DELETE"));
    let raw = post(
        &mock,
        "/script",
        json!({ "method": "m", "body": "x".repeat(300_000) }),
    )
    .await;
    assert_eq!(raw.status, 413);
    // Every control answer carries the request id, as /api/ answers do.
    assert!(raw.header("x-slack-req-id").is_some());
}

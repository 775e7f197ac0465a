//! The headers and bodies real SDKs read: `x-slack-req-id` on every answer,
//! the scope headers, `x-slack-failure`, `ok` first, Slack's exact
//! `invalid_auth` / `unknown_method` / `not_authed` bodies, `Retry-After`
//! in real seconds under a scaled clock, JSON `null`, `iso-8859-1` and
//! `text/plain` bodies.

use std::collections::BTreeSet;

use crate::fake_support::raw_http::{add_call, http, post_form, post_json, send};
use reqwest::Method;
use serde_json::json;
use slack_calls_mock::{
    DEMO_BOT_TOKEN, DEMO_SCOPES, DEMO_USER_TOKEN, LimitMode, MockSlack, Scripted, Verdict,
};

#[tokio::test]
async fn every_answer_carries_a_fresh_request_id() {
    let mock = MockSlack::start().await.unwrap();
    let mut ids = BTreeSet::new();
    for answer in [
        post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await,
        post_form(&mock, "calls.info", None, &[]).await,
        post_form(&mock, "no.such.method", Some(DEMO_BOT_TOKEN), &[]).await,
    ] {
        let id = answer.header("x-slack-req-id").expect("x-slack-req-id");
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert!(ids.insert(id), "request ids repeat");
    }
    // Outside /api/ too.
    let outside = http()
        .get(format!("http://{}/elsewhere", mock.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    assert!(outside.headers().contains_key("x-slack-req-id"));
}

#[tokio::test]
async fn scope_headers_and_failure_header() {
    let mock = MockSlack::start().await.unwrap();
    let ok = post_form(
        &mock,
        "calls.add",
        Some(DEMO_USER_TOKEN),
        &[
            ("external_unique_id", "h-1"),
            ("join_url", "https://example.com/j"),
        ],
    )
    .await;
    assert!(ok.ok());
    assert_eq!(
        ok.header("x-oauth-scopes").as_deref(),
        Some(DEMO_SCOPES.join(",").as_str())
    );
    assert_eq!(
        ok.header("x-accepted-oauth-scopes").as_deref(),
        Some("calls:write")
    );
    assert_eq!(ok.header("x-slack-failure"), None);

    let failed = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert_eq!(failed.error().as_deref(), Some("invalid_call_id"));
    assert_eq!(
        failed.header("x-slack-failure").as_deref(),
        Some("invalid_call_id")
    );
    assert_eq!(
        failed.header("x-accepted-oauth-scopes").as_deref(),
        Some("calls:read")
    );

    // No token: no x-oauth-scopes, but the method still says what it accepts.
    let anonymous = post_form(&mock, "calls.info", None, &[]).await;
    assert_eq!(anonymous.header("x-oauth-scopes"), None);
    assert_eq!(
        anonymous.header("x-accepted-oauth-scopes").as_deref(),
        Some("calls:read")
    );
    assert_eq!(
        anonymous.header("x-slack-failure").as_deref(),
        Some("not_authed")
    );

    // A scripted error carries the failure header too.
    mock.script("calls.info", Scripted::error("fatal_error"));
    let scripted = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert_eq!(
        scripted.header("x-slack-failure").as_deref(),
        Some("fatal_error")
    );
}

#[tokio::test]
async fn bodies_start_with_ok_and_auth_errors_are_exactly_slacks() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[]).await;
    let info = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", &id)]).await;
    assert!(info.body.starts_with(br#"{"ok":true,"#), "{:?}", info.body);
    let error = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert!(error.body.starts_with(br#"{"ok":false,"#));
    mock.script("calls.info", Scripted::error("fatal_error").needed("x"));
    let scripted = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert!(scripted.body.starts_with(br#"{"ok":false,"#));

    for (token, method, exact) in [
        (
            Some("xoxb-not-known"),
            "calls.info",
            r#"{"ok":false,"error":"invalid_auth"}"#,
        ),
        (None, "calls.info", r#"{"ok":false,"error":"not_authed"}"#),
        (
            Some(DEMO_BOT_TOKEN),
            "foo.bar",
            r#"{"ok":false,"error":"unknown_method","req_method":"foo.bar"}"#,
        ),
    ] {
        let answer = post_form(&mock, method, token, &[]).await;
        assert_eq!(answer.status, 200);
        assert_eq!(String::from_utf8_lossy(&answer.body), exact);
    }
}

#[tokio::test]
async fn retry_after_is_in_real_seconds_under_a_scaled_clock() {
    // A fake minute lasts one real second: a full window frees within it.
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::PerMinute(1))
        .time_scale(60.0)
        .start()
        .await
        .unwrap();
    let info = || post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]);
    assert_eq!(info().await.status, 200);
    let limited = info().await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after").as_deref(), Some("1"));
    assert_eq!(
        limited.header("x-slack-failure").as_deref(),
        Some("ratelimited")
    );
    assert_eq!(
        mock.requests_for("calls.info")[1].outcome,
        Verdict::RateLimited {
            retry_after_secs: 1
        }
    );
}

#[tokio::test]
async fn a_json_null_gets_slacks_invalid_arguments() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[]).await;
    // Slack's answer to `"id": null` on the participants methods, quoted
    // from a production app; the family's own codes do not apply.
    for (method, body) in [
        (
            "calls.participants.add",
            json!({ "id": null, "users": [{ "slack_id": "U0MOCK002" }] }),
        ),
        ("calls.info", json!({ "id": null })),
    ] {
        let answer = post_json(&mock, method, DEMO_BOT_TOKEN, &body).await;
        assert_eq!(
            answer.json(),
            json!({
                "ok": false,
                "error": "invalid_arguments",
                "response_metadata": { "messages": ["[ERROR] must provide a string [json-pointer:/id]"] }
            }),
            "{method}"
        );
    }
    // Nothing changed.
    assert!(mock.call(&id).unwrap().users.is_empty());
    // A null for a list param names the JSON type it wants.
    let answer = post_json(
        &mock,
        "calls.participants.add",
        DEMO_BOT_TOKEN,
        &json!({ "id": id, "users": null }),
    )
    .await;
    assert_eq!(
        answer.json()["response_metadata"]["messages"][0],
        "[ERROR] must provide a array [json-pointer:/users]"
    );
}

#[tokio::test]
async fn iso_8859_1_and_text_plain_bodies_are_read() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[]).await;
    let auth = format!("Bearer {DEMO_BOT_TOKEN}");
    let mut body = br#"{"id":""#.to_vec();
    body.extend_from_slice(id.as_bytes());
    body.extend_from_slice(b"\",\"title\":\"Caf\xe9\"}");
    let answer = send(
        &mock,
        Method::POST,
        "calls.update",
        &[
            ("authorization", auth.as_str()),
            ("content-type", "application/json; charset=iso-8859-1"),
        ],
        body,
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert_eq!(mock.call(&id).unwrap().title.as_deref(), Some("Caf\u{e9}"));

    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[
            ("authorization", auth.as_str()),
            ("content-type", "text/plain"),
        ],
        format!("id={id}"),
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert_eq!(answer.json()["warning"], "missing_charset");
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[
            ("authorization", auth.as_str()),
            ("content-type", "text/plain; charset=utf-8"),
        ],
        format!(r#"{{"id":"{id}"}}"#),
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert_eq!(answer.json()["call"]["id"], id.as_str());
}

#[tokio::test]
async fn multipart_bodies_are_read() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[]).await;
    let body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{DEMO_BOT_TOKEN}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n{id}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nStand-up\r\n\
         --b0undary--\r\n"
    );
    let answer = send(
        &mock,
        Method::POST,
        "calls.update",
        &[("content-type", "multipart/form-data; boundary=b0undary")],
        body,
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert_eq!(mock.call(&id).unwrap().title.as_deref(), Some("Stand-up"));

    let broken = send(
        &mock,
        Method::POST,
        "calls.update",
        &[("content-type", "multipart/form-data; boundary=b0undary")],
        "--b0undary\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nR1",
    )
    .await;
    assert_eq!(broken.error().as_deref(), Some("invalid_form_data"));
}

/// Difference 1 of `fake-vs-slack-inbound.md` (source: python-slack-sdk
/// `slack_sdk/web/base_client.py`, 3.47.0): slack_sdk sends every call
/// without params as a POST with `Content-Type: application/json;
/// charset=utf-8` and an empty body, and Bolt for Python starts with such
/// an `auth.test`. Slack takes it as a call with no arguments; so does the
/// fake. A body that is there and not JSON is still `invalid_json`.
#[tokio::test]
async fn an_empty_json_body_is_a_call_with_no_arguments() {
    let mock = MockSlack::start().await.unwrap();
    let auth = format!("Bearer {}", mock.bot_token());
    let empty = |method: &'static str| {
        let auth = auth.clone();
        let mock = &mock;
        async move {
            send(
                mock,
                Method::POST,
                method,
                &[
                    ("content-type", "application/json;charset=utf-8"),
                    ("authorization", auth.as_str()),
                ],
                "",
            )
            .await
        }
    };
    let tested = empty("auth.test").await;
    assert_eq!(tested.status, 200);
    assert!(tested.ok(), "{:?}", tested.json());
    assert_eq!(tested.json()["team_id"], "T0MOCK001");
    // Past the body to the method's own checks (the demo bot token lacks
    // `channels:read`), not `invalid_json`.
    let listed = empty("conversations.list").await;
    assert_eq!(
        listed.error().as_deref(),
        Some("missing_scope"),
        "{:?}",
        listed.json()
    );
    // A required argument still missing is Slack's answer for that, not a
    // body error.
    let info = empty("calls.info").await;
    assert_eq!(
        info.error().as_deref(),
        Some("invalid_arguments"),
        "{:?}",
        info.json()
    );
    let broken = send(
        &mock,
        Method::POST,
        "auth.test",
        &[
            ("content-type", "application/json;charset=utf-8"),
            ("authorization", auth.as_str()),
        ],
        "{",
    )
    .await;
    assert_eq!(broken.error().as_deref(), Some("invalid_json"));
}

//! The fake's generic behaviour, over real HTTP on 127.0.0.1: auth and
//! scopes, bodies, param checks for any spec method, scripted answers,
//! faults, the request log, rate limits and shutdown.

use std::time::Duration;

use crate::fake_support::raw_http::{
    add_call, form_body, http, post_form, post_json, send, send_with,
};
use reqwest::Method;
use serde_json::{Value, json};
use slack_calls::TokenKind;
use slack_calls::method::{MethodInfo, ParamInfo, ParamKind, RateTier, Required};
use slack_calls_mock::{
    DEMO_BOT_TOKEN, DEMO_USER_TOKEN, Fault, Injected, LimitMode, MockSlack, Scripted, TokenSource,
    Verdict,
};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

static STRING_ITEM: ParamKind = ParamKind::String;

/// A made-up method with one param of every kind, as a downstream crate's
/// generator would emit it.
static ECHO: MethodInfo = MethodInfo {
    name: "test.echo",
    summary: "Answers its example.",
    docs_url: "https://example.com/test.echo",
    rate_tier: RateTier::Tier4,
    idempotent: true,
    bot_scopes: &["test:read"],
    params: &[
        ParamInfo {
            name: "text",
            kind: ParamKind::String,
            required: Required::Yes,
            min_items: 0,
        },
        ParamInfo {
            name: "count",
            kind: ParamKind::Integer,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "loud",
            kind: ParamKind::Boolean,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "at",
            kind: ParamKind::Timestamp,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "wait",
            kind: ParamKind::Duration,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "link",
            kind: ParamKind::Url,
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "channel",
            kind: ParamKind::Id("ChannelId"),
            required: Required::No,
            min_items: 0,
        },
        ParamInfo {
            name: "tags",
            kind: ParamKind::List(&STRING_ITEM),
            required: Required::No,
            min_items: 1,
        },
        ParamInfo {
            name: "meta",
            kind: ParamKind::Object("Meta"),
            required: Required::No,
            min_items: 0,
        },
    ],
    example_response: r#"{"ok":true,"echo":{"text":"hello"}}"#,
    ..MethodInfo::BLANK
};

/// Declares `missing_argument`, so a missing param gets that code.
static STRICT: MethodInfo = MethodInfo {
    name: "test.strict",
    summary: "Needs an id.",
    rate_tier: RateTier::Tier1,
    bot_scopes: &["test:read"],
    user_scopes: &["test:read"],
    params: &[ParamInfo {
        name: "id",
        kind: ParamKind::Id("ThingId"),
        required: Required::Yes,
        min_items: 0,
    }],
    errors: &["missing_argument"],
    example_response: r#"{"ok":true}"#,
    ..MethodInfo::BLANK
};

/// A spec mistake: the example is not JSON.
static BROKEN: MethodInfo = MethodInfo {
    name: "test.broken",
    rate_tier: RateTier::Special,
    idempotent: true,
    bot_scopes: &["test:read"],
    example_response: "{not json",
    ..MethodInfo::BLANK
};

static EXTRA: &[&MethodInfo] = &[&ECHO, &STRICT, &BROKEN];

async fn with_test_methods() -> MockSlack {
    MockSlack::builder()
        .methods(EXTRA)
        .token("xoxb-tester", TokenKind::Bot, ["test:read"])
        .token("xoxp-tester", TokenKind::User, ["test:read"])
        // test.strict is tier 1 (one a minute); these tests are not about limits.
        .rate_limits(LimitMode::Off)
        .start()
        .await
        .expect("start")
}

#[tokio::test]
async fn auth_errors_and_where_the_token_may_be() {
    let mock = MockSlack::start().await.unwrap();
    let info = |token: Option<&'static str>| {
        let mock = &mock;
        async move { post_form(mock, "calls.info", token, &[("id", "R0NOSUCH1")]).await }
    };
    assert_eq!(info(None).await.error().as_deref(), Some("not_authed"));
    assert_eq!(
        info(Some("xoxb-not-a-token-it-knows"))
            .await
            .error()
            .as_deref(),
        Some("invalid_auth")
    );
    // Past auth: the call is unknown.
    assert_eq!(
        info(Some(DEMO_BOT_TOKEN)).await.error().as_deref(),
        Some("invalid_call_id")
    );

    // A `token` form field works like the header.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[FORM],
        form_body(&[("token", DEMO_USER_TOKEN), ("id", "R0NOSUCH1")]),
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("invalid_call_id"));

    // A token in the query string is refused, with a hint.
    let answer = send(
        &mock,
        Method::POST,
        &format!("calls.info?token={DEMO_USER_TOKEN}"),
        &[FORM],
        form_body(&[("id", "R0NOSUCH1")]),
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("not_authed"));
    assert!(
        answer.json()["response_metadata"]["messages"][0]
            .as_str()
            .unwrap()
            .contains("query string")
    );

    // A JSON body must carry the token in the header.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[("content-type", "application/json; charset=utf-8")],
        json!({ "token": DEMO_USER_TOKEN, "id": "R0NOSUCH1" }).to_string(),
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("not_authed"));

    // An Authorization header that is not Bearer is no token.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[FORM, ("authorization", "Basic eG94Yi1tb2NrLWJvdDo=")],
        form_body(&[("id", "R0NOSUCH1")]),
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("not_authed"));

    let sources: Vec<Option<TokenSource>> =
        mock.requests().iter().map(|r| r.token_source).collect();
    assert_eq!(
        sources,
        vec![
            None,
            Some(TokenSource::Bearer),
            Some(TokenSource::Bearer),
            Some(TokenSource::FormField),
            Some(TokenSource::Query),
            None,
            None,
        ]
    );
}

#[tokio::test]
async fn scopes_and_token_types_come_from_the_spec() {
    let mock = MockSlack::builder()
        .token("xoxb-reader", TokenKind::Bot, ["calls:read", "chat:write"])
        .token("xoxp-nothing", TokenKind::User, Vec::<String>::new())
        .token("xapp-app-level", TokenKind::Other, ["calls:write"])
        .start()
        .await
        .unwrap();
    let answer = post_form(
        &mock,
        "calls.add",
        Some("xoxb-reader"),
        &[("external_unique_id", "a"), ("join_url", "https://e.com/")],
    )
    .await;
    assert_eq!(
        answer.json(),
        json!({ "ok": false, "error": "missing_scope", "needed": "calls:write", "provided": "calls:read,chat:write" })
    );
    // Reading is allowed.
    let answer = post_form(&mock, "calls.info", Some("xoxb-reader"), &[("id", "R1")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_call_id"));

    let answer = post_form(&mock, "calls.info", Some("xoxp-nothing"), &[("id", "R1")]).await;
    assert_eq!(answer.error().as_deref(), Some("missing_scope"));
    assert_eq!(answer.json()["needed"], "calls:read");
    assert_eq!(answer.json()["provided"], "");

    let answer = post_form(&mock, "calls.info", Some("xapp-app-level"), &[("id", "R1")]).await;
    assert_eq!(answer.error().as_deref(), Some("not_allowed_token_type"));

    // A method with no user scopes refuses user tokens.
    let mock = with_test_methods().await;
    let answer = post_form(&mock, "test.echo", Some("xoxp-tester"), &[("text", "hi")]).await;
    assert_eq!(answer.error().as_deref(), Some("not_allowed_token_type"));
    let answer = post_form(&mock, "test.echo", Some("xoxb-tester"), &[("text", "hi")]).await;
    assert!(answer.ok());
    let kinds: Vec<Option<TokenKind>> = mock.requests().iter().map(|r| r.token_kind).collect();
    assert_eq!(kinds, vec![Some(TokenKind::User), Some(TokenKind::Bot)]);
}

#[tokio::test]
async fn form_and_json_bodies_with_charset_warnings() {
    let mock = MockSlack::start().await.unwrap();
    // JSON body with native lists and numbers, no charset: accepted, warned.
    let auth = format!("Bearer {DEMO_USER_TOKEN}");
    let answer = send(
        &mock,
        Method::POST,
        "calls.add",
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        json!({
            "external_unique_id": "json-1",
            "join_url": "https://example.com/j",
            "date_start": 1_600_000_000,
            "users": [{ "slack_id": "U0MOCK002" }, { "external_id": "e1", "display_name": "Guest" }]
        })
        .to_string(),
    )
    .await;
    let body = answer.json();
    assert_eq!(body["ok"], true, "{body}");
    assert_eq!(body["warning"], "missing_charset");
    assert_eq!(
        body["response_metadata"]["warnings"],
        json!(["missing_charset"])
    );
    assert_eq!(body["call"]["date_start"], 1_600_000_000);
    assert_eq!(body["call"]["users"].as_array().map(Vec::len), Some(2));

    // Form body with a charset: accepted, warned.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("authorization", &auth),
        ],
        form_body(&[("id", body["call"]["id"].as_str().unwrap())]),
    )
    .await;
    assert!(answer.ok());
    assert_eq!(answer.json()["warning"], "superfluous_charset");
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("application/json; charset=utf-8")
    );

    // Errors carry the warning too.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        r#"{"id":"R0NOSUCH1"}"#,
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("invalid_call_id"));
    assert_eq!(answer.json()["warning"], "missing_charset");
}

#[tokio::test]
async fn bad_bodies_get_slack_codes() {
    let mock = MockSlack::start().await.unwrap();
    let auth = format!("Bearer {DEMO_USER_TOKEN}");
    let cases: &[(Option<&str>, &[u8], &str)] = &[
        (
            Some("application/json; charset=utf-8"),
            b"{\"id\":",
            "invalid_json",
        ),
        (
            Some("application/json; charset=utf-8"),
            b"\xff\xfe",
            "invalid_json",
        ),
        (
            Some("application/json; charset=utf-8"),
            b"[\"R1\"]",
            "json_not_object",
        ),
        (
            Some("application/json; charset=utf-8"),
            b"\"R1\"",
            "json_not_object",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            b"id=%C3%28",
            "invalid_form_data",
        ),
        (
            Some("application/x-www-form-urlencoded"),
            b"id=\xff",
            "invalid_form_data",
        ),
        (Some("image/png"), b"id=R1", "invalid_post_type"),
        (
            Some("multipart/form-data; boundary=x"),
            b"no boundary",
            "invalid_form_data",
        ),
        (None, b"id=R1", "missing_post_type"),
        (
            Some("application/x-www-form-urlencoded; charset=koi8-r"),
            b"id=R1",
            "invalid_charset",
        ),
    ];
    for (content_type, body, code) in cases {
        let mut headers = vec![("authorization", auth.as_str())];
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        let answer = send(&mock, Method::POST, "calls.info", &headers, body.to_vec()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.error().as_deref(),
            Some(*code),
            "{content_type:?} {:?}",
            String::from_utf8_lossy(body)
        );
    }
    // An empty POST without a content type is a request without params.
    let answer = send(
        &mock,
        Method::POST,
        "calls.info",
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));
    assert_eq!(
        answer.json()["response_metadata"]["messages"],
        json!(["[ERROR] missing required field: id"])
    );
}

#[tokio::test]
async fn get_requests_read_the_query_string() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[("title", "Standup")]).await;
    let auth = format!("Bearer {DEMO_BOT_TOKEN}");
    let answer = send(
        &mock,
        Method::GET,
        &format!("calls.info?id={id}"),
        &[("authorization", &auth)],
        "",
    )
    .await;
    assert_eq!(answer.json()["call"]["title"], "Standup");
    let logged = mock.requests_for("calls.info");
    assert_eq!(logged[0].http_method, "GET");
    assert_eq!(logged[0].param("id"), Some(id.as_str()));
}

#[tokio::test]
async fn unknown_methods_paths_verbs_and_huge_bodies() {
    let mock = MockSlack::start().await.unwrap();
    let answer = post_form(&mock, "calls.teleport", Some(DEMO_BOT_TOKEN), &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.error().as_deref(), Some("unknown_method"));
    assert_eq!(answer.json()["req_method"], "calls.teleport");

    let client = http();
    let response = client
        .get(format!("http://{}/other/path", mock.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let answer = send(&mock, Method::PUT, "calls.info", &[FORM], "id=R1").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow").as_deref(), Some("GET, POST"));

    let huge = "x".repeat(3 * 1024 * 1024);
    let answer = send(&mock, Method::POST, "calls.info", &[FORM], huge).await;
    assert_eq!(answer.status, 413);

    let outcomes: Vec<Verdict> = mock.requests().into_iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            Verdict::Error("unknown_method".into()),
            Verdict::Refused(405),
            Verdict::Refused(413),
        ]
    );
}

#[tokio::test]
async fn any_spec_method_gets_param_checks_then_its_example() {
    let mock = with_test_methods().await;
    let bot = Some("xoxb-tester");

    let answer = post_form(&mock, "test.echo", bot, &[]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));
    assert_eq!(
        answer.json()["response_metadata"]["messages"],
        json!(["[ERROR] missing required field: text"])
    );

    let bad_values: &[(&str, &str)] = &[
        ("count", "many"),
        ("loud", "maybe"),
        ("at", "yesterday"),
        ("wait", "-5"),
        ("link", "not a link"),
        ("channel", "general"),
        ("tags", "not json"),
        ("tags", "[1,2]"),
        ("tags", "[]"),
        ("meta", "[]"),
    ];
    for (param, value) in bad_values {
        let answer = post_form(&mock, "test.echo", bot, &[("text", "hi"), (param, value)]).await;
        assert_eq!(
            answer.error().as_deref(),
            Some("invalid_arguments"),
            "{param}={value}"
        );
        let message = answer.json()["response_metadata"]["messages"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(param), "{param}: {message}");
    }

    let answer = post_form(
        &mock,
        "test.echo",
        bot,
        &[
            ("text", "hi"),
            ("count", "3"),
            ("loud", "1"),
            ("at", "1600000000.000200"),
            ("wait", "30"),
            ("link", "https://example.com/x"),
            ("channel", "C0123ABC"),
            ("tags", r#"["a","b"]"#),
            ("meta", r#"{"k":"v"}"#),
            ("unknown_param", "ignored"),
        ],
    )
    .await;
    // The spec's example_response, verbatim.
    assert_eq!(
        answer.json(),
        json!({ "ok": true, "echo": { "text": "hello" } })
    );

    // The same through a JSON body with native values.
    let answer = post_json(
        &mock,
        "test.echo",
        "xoxb-tester",
        &json!({ "text": "hi", "count": 3, "loud": true, "tags": ["a"], "meta": { "k": 1 } }),
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    let answer = post_json(
        &mock,
        "test.echo",
        "xoxb-tester",
        &json!({ "text": "hi", "count": [3] }),
    )
    .await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));

    // A method that declares missing_argument answers it.
    let answer = post_form(&mock, "test.strict", bot, &[]).await;
    assert_eq!(answer.error().as_deref(), Some("missing_argument"));
    let answer = post_form(&mock, "test.strict", bot, &[("id", "lower-case")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));

    // A spec whose example is not JSON gets internal_error, not a crash.
    let answer = post_form(&mock, "test.broken", bot, &[]).await;
    assert_eq!(answer.error().as_deref(), Some("internal_error"));
}

#[tokio::test]
async fn scripted_answers_replace_the_next_one() {
    let mock = with_test_methods().await;
    let id = add_call(&mock, &[]).await;
    mock.script(
        "calls.info",
        Scripted::error("missing_scope")
            .needed("calls:read")
            .provided("calls:write")
            .warning("superfluous_charset")
            .message("[ERROR] scripted"),
    );
    mock.script(
        "calls.info",
        Scripted::json(
            200,
            json!({ "ok": true, "call": { "id": "R1" }, "extra": 1 }),
        ),
    );
    mock.script("calls.info", Scripted::example().warning("w1"));
    mock.script("calls.info", Scripted::json(1000, json!({ "ok": false })));
    assert_eq!(mock.pending_injections("calls.info"), 4);

    let fields = [("id", id.as_str())];
    let info = || post_form(&mock, "calls.info", Some(DEMO_USER_TOKEN), &fields);
    assert_eq!(
        info().await.json(),
        json!({
            "ok": false, "error": "missing_scope", "needed": "calls:read", "provided": "calls:write",
            "warning": "superfluous_charset",
            "response_metadata": { "warnings": ["superfluous_charset"], "messages": ["[ERROR] scripted"] }
        })
    );
    assert_eq!(
        info().await.json(),
        json!({ "ok": true, "call": { "id": "R1" }, "extra": 1 })
    );
    let example = info().await.json();
    assert_eq!(example["call"]["id"], "R0E69JAIF", "{example}");
    assert_eq!(example["warning"], "w1");
    assert_eq!(info().await.status, 500);
    // The queue is empty: the real answer again.
    assert!(info().await.ok());
    assert_eq!(mock.pending_injections("calls.info"), 0);

    // A script works whatever the request: even with no token.
    mock.script("test.echo", Scripted::error("not_implemented"));
    let answer = post_form(&mock, "test.echo", None, &[]).await;
    assert_eq!(answer.error().as_deref(), Some("not_implemented"));
    // And an unknown method's example is {"ok": true}.
    mock.script("no.such", Scripted::example());
    assert!(post_form(&mock, "no.such", None, &[]).await.ok());

    let logged = mock.requests_for("calls.info");
    assert_eq!(logged.len(), 5);
    assert!(logged[..4].iter().all(
        |r| r.outcome == Verdict::Skipped && matches!(r.injected, Some(Injected::Scripted(_)))
    ));
    assert_eq!(logged[4].outcome, Verdict::Ok);
    assert_eq!(logged[4].injected, None);
}

#[tokio::test]
async fn faults_that_skip_the_logic() {
    let mock = MockSlack::start().await.unwrap();
    let fields = [
        ("external_unique_id", "f-1"),
        ("join_url", "https://example.com/f"),
    ];
    let add = || post_form(&mock, "calls.add", Some(DEMO_USER_TOKEN), &fields);

    mock.fault("calls.add", Fault::Status(503), 1);
    let answer = add().await;
    assert_eq!(answer.status, 503);
    assert!(String::from_utf8_lossy(&answer.body).contains("Service Unavailable"));

    mock.fault("calls.add", Fault::Status(7), 1);
    assert_eq!(add().await.status, 500);

    mock.fault(
        "calls.add",
        Fault::RateLimited {
            retry_after_secs: 7,
        },
        1,
    );
    let answer = add().await;
    assert_eq!(answer.status, 429);
    assert_eq!(answer.header("retry-after").as_deref(), Some("7"));
    assert_eq!(
        answer.json(),
        json!({ "ok": false, "error": "ratelimited" })
    );

    mock.fault("calls.add", Fault::NotJson, 1);
    let answer = add().await;
    assert_eq!(answer.status, 200);
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());

    mock.fault("calls.add", Fault::Drop, 1);
    let err = send_with(
        &http(),
        &mock,
        Method::POST,
        "calls.add",
        &[FORM, ("authorization", "Bearer xoxp-mock-user")],
        form_body(&fields),
    )
    .await
    .expect_err("no answer");
    assert!(!err.is_timeout(), "{err:?}");

    // None of them created a call; each is logged as skipped.
    assert!(mock.calls().is_empty());
    let logged = mock.requests_for("calls.add");
    assert_eq!(logged.len(), 5);
    assert!(logged.iter().all(|r| r.outcome == Verdict::Skipped));
    assert_eq!(logged[4].injected, Some(Injected::Fault(Fault::Drop)));
    assert_eq!(logged[4].param("external_unique_id"), Some("f-1"));

    // The server is fine afterwards.
    assert!(add().await.ok());
    assert_eq!(mock.calls().len(), 1);
}

#[tokio::test]
async fn faults_that_run_the_logic() {
    let mock = MockSlack::start().await.unwrap();
    let auth = format!("Bearer {DEMO_USER_TOKEN}");
    let headers = [FORM, ("authorization", auth.as_str())];
    let add = |n: &'static str| {
        form_body(&[
            ("external_unique_id", n),
            ("join_url", "https://example.com/f"),
        ])
    };

    // Delay: the client gives up, the call exists anyway.
    mock.fault("calls.add", Fault::Delay(Duration::from_secs(5)), 1);
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = send_with(
        &impatient,
        &mock,
        Method::POST,
        "calls.add",
        &headers,
        add("delayed"),
    )
    .await
    .expect_err("times out");
    assert!(err.is_timeout(), "{err:?}");
    // The fake handled it before waiting; on a loaded machine it may have
    // read the request only just before the client gave up, so look a few
    // times.
    let mut applied = false;
    for _ in 0..100 {
        if mock
            .calls()
            .iter()
            .any(|c| c.external_unique_id == "delayed")
        {
            applied = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(applied, "the delayed request was not applied");

    // A short delay still answers.
    mock.fault("calls.add", Fault::Delay(Duration::from_millis(20)), 1);
    let answer = send(&mock, Method::POST, "calls.add", &headers, add("late")).await;
    assert!(answer.ok());

    // Dropped after handling: no answer, but the call exists.
    mock.fault("calls.add", Fault::DropAfterHandling, 1);
    let err = send_with(
        &http(),
        &mock,
        Method::POST,
        "calls.add",
        &headers,
        add("dropped"),
    )
    .await
    .expect_err("no answer");
    assert!(!err.is_timeout(), "{err:?}");

    // Truncated: a complete HTTP answer whose JSON stops halfway.
    mock.fault("calls.add", Fault::Truncated, 1);
    let answer = send(&mock, Method::POST, "calls.add", &headers, add("truncated")).await;
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body.clone()).unwrap();
    assert!(
        text.starts_with('{') && serde_json::from_str::<Value>(&text).is_err(),
        "{text}"
    );

    // Broken body: the announced length never arrives.
    mock.fault("calls.add", Fault::BrokenBody, 1);
    let err = send_with(
        &http(),
        &mock,
        Method::POST,
        "calls.add",
        &headers,
        add("broken"),
    )
    .await
    .expect_err("body read fails");
    assert!(
        err.is_body() || err.is_request() || err.is_decode(),
        "{err:?}"
    );

    let mut created: Vec<String> = mock
        .calls()
        .into_iter()
        .map(|c| c.external_unique_id)
        .collect();
    created.sort();
    assert_eq!(
        created,
        vec!["broken", "delayed", "dropped", "late", "truncated"]
    );
    assert!(
        mock.requests_for("calls.add")
            .iter()
            .all(|r| r.outcome == Verdict::Ok && r.injected.is_some())
    );
}

#[tokio::test]
async fn faults_are_counted_and_queued_in_order() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(&mock, &[]).await;
    mock.fault("calls.info", Fault::Status(500), 2);
    mock.script("calls.info", Scripted::error("internal_error"));
    mock.fault("calls.info", Fault::Status(502), 0); // nothing
    mock.fault("calls.end", Fault::Status(503), 1); // another method's queue
    let mut seen = Vec::new();
    for _ in 0..4 {
        let answer = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", &id)]).await;
        seen.push(if answer.status == 200 {
            answer.error().unwrap_or_else(|| "ok".into())
        } else {
            answer.status.to_string()
        });
    }
    assert_eq!(seen, vec!["500", "500", "internal_error", "ok"]);
    assert_eq!(mock.pending_injections("calls.end"), 1);
    mock.clear_injections();
    assert_eq!(mock.pending_injections("calls.end"), 0);
}

#[tokio::test]
async fn the_log_keeps_params_in_order_and_never_the_token() {
    let mock = MockSlack::builder().log_capacity(3).start().await.unwrap();
    let users = r#"[{"slack_id":"U0MOCK002"}]"#;
    add_call(&mock, &[("users", users), ("title", "T")]).await;
    let logged = &mock.requests()[0];
    assert_eq!(logged.seq, 0);
    assert_eq!(logged.method, "calls.add");
    assert_eq!(logged.http_method, "POST");
    assert_eq!(
        logged.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    let names: Vec<&str> = logged.params.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        vec!["external_unique_id", "join_url", "users", "title"]
    );
    assert_eq!(logged.param("users"), Some(users));
    assert_eq!(logged.token_kind, Some(TokenKind::User));

    // A form-field token is not a param and appears nowhere.
    send(
        &mock,
        Method::POST,
        "calls.info",
        &[FORM],
        form_body(&[("token", DEMO_BOT_TOKEN), ("id", "R1")]),
    )
    .await;
    let text = format!("{:?} {}", mock.requests(), mock.requests()[1]);
    assert!(
        !text.contains(DEMO_BOT_TOKEN) && !text.contains(DEMO_USER_TOKEN),
        "{text}"
    );

    // The log keeps the last three; seq keeps counting.
    for _ in 0..3 {
        post_form(&mock, "calls.info", None, &[]).await;
    }
    let seqs: Vec<u64> = mock.requests().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![2, 3, 4]);
    mock.clear_requests();
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn rate_limits_per_workspace_and_method_with_retry_after() {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::PerMinute(3))
        .start()
        .await
        .unwrap();
    let info = |token: &'static str| post_form(&mock, "calls.info", Some(token), &[("id", "R1")]);
    for _ in 0..3 {
        assert_eq!(info(DEMO_BOT_TOKEN).await.status, 200);
    }
    let limited = info(DEMO_BOT_TOKEN).await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.json(),
        json!({ "ok": false, "error": "ratelimited" })
    );
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    // The user token of the same workspace shares the window (Slack counts
    // per app, workspace and method); other methods have their own.
    assert_eq!(info(DEMO_USER_TOKEN).await.status, 429);
    let end = post_form(&mock, "calls.end", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert_eq!(end.error().as_deref(), Some("invalid_call_id"));

    // Requests refused by auth are not counted.
    for _ in 0..5 {
        assert_eq!(
            post_form(&mock, "calls.end", None, &[])
                .await
                .error()
                .as_deref(),
            Some("not_authed")
        );
    }

    // A minute later (on the fake's clock) the window is empty.
    mock.advance(Duration::from_secs(60));
    assert_eq!(info(DEMO_BOT_TOKEN).await.status, 200);

    let logged = mock.requests_for("calls.info");
    assert_eq!(
        logged[3].outcome,
        Verdict::RateLimited {
            retry_after_secs: retry_after
        }
    );
}

#[tokio::test]
async fn tier_three_allows_fifty_a_minute_by_default() {
    let mock = MockSlack::start().await.unwrap();
    for n in 0..50 {
        let answer = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
        assert_eq!(answer.status, 200, "request {n}");
    }
    let answer = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert_eq!(answer.status, 429);
}

#[tokio::test]
async fn a_time_scale_makes_the_minute_short() {
    // A fake minute lasts 10 ms of real time.
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::PerMinute(1))
        .time_scale(6000.0)
        .start()
        .await
        .unwrap();
    let info = || post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]);
    assert_eq!(info().await.status, 200);
    // Wait for the window to pass, in bounded steps (no wall-clock assertion).
    let mut admitted = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if info().await.status == 200 {
            admitted = true;
            break;
        }
    }
    assert!(admitted, "the scaled window never passed");
}

#[tokio::test]
async fn start_refuses_bad_configuration() {
    for scale in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = MockSlack::builder()
            .time_scale(scale)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
    let err = MockSlack::builder()
        .token("", TokenKind::Bot, ["calls:read"])
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let taken = MockSlack::start().await.unwrap();
    assert!(
        MockSlack::builder()
            .addr(taken.addr())
            .start()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn shutdown_and_drop_close_the_port() {
    let mock = MockSlack::start().await.unwrap();
    let addr = mock.addr();
    mock.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let mock = MockSlack::start().await.unwrap();
    let addr = mock.addr();
    drop(mock);
    let mut closed = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(closed);
}

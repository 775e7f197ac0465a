//! What the fake sends an app, shaped as Slack's (issue 24, the
//! differences of `fake-vs-slack-inbound.md`); each test names its source:
//!
//! - HTTPURL: "Using the Events API over HTTP", "URL verification
//!   handshake" (https://api.slack.com/apis/http);
//! - EVAPI: the Events API page (https://api.slack.com/apis/events-api),
//!   "Callback field overview", "Authorizations", "Error handling";
//! - LS: https://api.slack.com/events/link_shared;
//! - TR: https://docs.slack.dev/reference/events/tokens_revoked;
//! - GUIDE / SLASH: the Calls guide's Call-initiation example and the
//!   slash commands page's fields;
//! - TOKENS: https://api.slack.com/concepts/token-types#app-level;
//! - REF: Slack's method pages (`apps.event.authorizations.list`,
//!   `chat.unfurl`).
//!
//! The test app is a raw axum router that keeps every body it gets, so the
//! tests read Slack's JSON and forms as they travel.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use slack_calls::TokenKind;
use slack_calls::signing::{SigningSecret, verify};
use slack_calls_mock::{
    COMPOSER_CHANNEL, DEMO_BOT_USER, DEMO_VERIFICATION_TOKEN, FailureReason, MockApp, MockSlack,
    UrlVerificationError,
};

use crate::fake_support::delivery_log::deliveries_until;
use crate::fake_support::handshake::{answers_handshake, challenge_of};
use crate::fake_support::raw_http::{control, post_form};
use crate::support::serve;

const SECRET: &str = "talk-back-test-signing-secret-7f3a";
const BOT: &str = "xoxb-talk-back";
const USER: &str = "xoxp-talk-back";
const APP_LEVEL: &str = "xapp-1-A0MOCKAPP-talk-back";

/// One request the app got: its headers and body.
#[derive(Clone, Debug)]
struct Got {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body).into_owned().collect()
    }

    fn signed(&self) -> bool {
        let header = |name: &str| {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        verify(
            &SigningSecret::new(SECRET).unwrap(),
            &header("x-slack-request-timestamp"),
            header("x-slack-signature").as_bytes(),
            &self.body,
        )
    }
}

/// A test app: keeps every request; answers the handshake as `handshake`
/// says and a Call-button form with a Call.
#[derive(Clone, Default)]
struct App {
    got: Arc<Mutex<Vec<Got>>>,
}

/// How the test app answers `url_verification`.
#[derive(Clone, Copy)]
enum Handshake {
    /// With the challenge, as JSON.
    Json,
    /// 200 with something else.
    Wrong,
    /// A 500.
    Fails,
}

impl App {
    async fn url(&self, handshake: Handshake) -> String {
        let got = Arc::clone(&self.got);
        let router = axum::Router::new().route(
            "/slack/events",
            axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let got = Arc::clone(&got);
                async move {
                    let challenge = challenge_of(&body);
                    got.lock().unwrap().push(Got {
                        headers,
                        body: body.to_vec(),
                    });
                    match (challenge, handshake) {
                        (Some(challenge), Handshake::Json) => {
                            axum::Json(json!({ "challenge": challenge })).into_response()
                        }
                        (Some(_), Handshake::Wrong) => "not the challenge".into_response(),
                        (Some(_), Handshake::Fails) => {
                            StatusCode::INTERNAL_SERVER_ERROR.into_response()
                        }
                        (None, _) if serde_json::from_slice::<Value>(&body).is_err() => {
                            axum::Json(json!({"response_type": "call",
                                "call_initiation_url": "https://example.com/j/1"}))
                            .into_response()
                        }
                        (None, _) => StatusCode::OK.into_response(),
                    }
                }
            }),
        );
        let (addr, _) = serve(router).await;
        format!("http://{addr}/slack/events")
    }

    async fn app(&self) -> MockApp {
        MockApp::new(self.url(Handshake::Json).await, SECRET)
            .unwrap()
            .unfurl_domains(["example.com"])
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// The events received (JSON `event_callback` bodies), once `done`
    /// holds for them (for at most 20 s).
    async fn events_until(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let events: Vec<Value> = self
                .got()
                .iter()
                .filter_map(Got::json)
                .filter(|body| body["type"] == "event_callback")
                .collect();
            if done(&events) || Instant::now() > deadline {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn event_of_type(&self, kind: &str) -> Value {
        let events = self
            .events_until(|events| events.iter().any(|e| e["event"]["type"] == kind))
            .await;
        events
            .into_iter()
            .find(|e| e["event"]["type"] == kind)
            .unwrap_or_else(|| panic!("no {kind} event"))
    }
}

fn builder() -> slack_calls_mock::MockSlackBuilder {
    MockSlack::builder()
        .token(
            BOT,
            TokenKind::Bot,
            ["calls:read", "calls:write", "links:write"],
        )
        .token(USER, TokenKind::User, ["calls:read", "links:write"])
        .token(APP_LEVEL, TokenKind::Other, Vec::<String>::new())
        .time_scale(60_000.0)
}

async fn fake_with(app: &App) -> MockSlack {
    builder().app(app.app().await).start().await.unwrap()
}

// HTTPURL: the handshake is a signed JSON POST of exactly `token`,
// `challenge` and `type: url_verification`, sent when the app registers.
#[tokio::test]
async fn registering_the_app_sends_the_url_verification_handshake_httpurl() {
    let app = App::default();
    let _mock = fake_with(&app).await;
    let got = app.got();
    assert_eq!(got.len(), 1, "one handshake: {got:?}");
    assert!(got[0].signed(), "signed like every request to the app");
    let body = got[0].json().unwrap();
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["challenge", "token", "type"]);
    assert_eq!(body["type"], "url_verification");
    assert_eq!(body["token"], DEMO_VERIFICATION_TOKEN);
    assert!(!body["challenge"].as_str().unwrap().is_empty());
}

// HTTPURL: an app that does not give the challenge back is not registered,
// by the builder, by `register_app` or by the control API; an app
// registered before stays.
#[tokio::test]
async fn an_app_failing_the_handshake_is_not_registered_httpurl() {
    let wrong = App::default().url(Handshake::Wrong).await;
    let fails = App::default().url(Handshake::Fails).await;

    let refused = builder()
        .app(MockApp::new(wrong.clone(), SECRET).unwrap())
        .start()
        .await
        .expect_err("start refuses the app");
    assert!(
        refused
            .to_string()
            .contains("didn't respond with the value of the challenge"),
        "{refused}"
    );

    let good = App::default().url(Handshake::Json).await;
    let mock = builder()
        .app(MockApp::new(good.clone(), SECRET).unwrap())
        .start()
        .await
        .unwrap();
    assert_eq!(
        mock.register_app(MockApp::new(wrong.clone(), SECRET).unwrap())
            .await,
        Err(UrlVerificationError::WrongChallenge)
    );
    assert_eq!(
        mock.register_app(MockApp::new(fails.clone(), SECRET).unwrap())
            .await,
        Err(UrlVerificationError::Status(500))
    );
    for url in [&wrong, &fails] {
        let body = json!({ "request_url": url, "signing_secret": SECRET });
        let raw = control(&mock, Method::POST, "/app", Some(body.to_string())).await;
        assert_eq!(raw.status, 502, "{url}");
        assert_eq!(raw.json()["error"], "url_verification_failed");
        assert!(
            raw.json()["message"]
                .as_str()
                .unwrap()
                .contains("not registered"),
            "{:?}",
            raw.json()
        );
    }
    let kept = control(&mock, Method::GET, "/app", None).await;
    assert_eq!(kept.json()["app"]["request_url"], json!(good));
}

// HTTPURL, for the binary: `--app-url` to an app that fails the handshake
// stops the program with Slack's words.
#[tokio::test]
async fn the_binary_refuses_an_app_url_that_fails_the_handshake_httpurl() {
    let wrong = App::default().url(Handshake::Wrong).await;
    // The program runs on the blocking pool: the app answers meanwhile.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::fake_support::fake_process::binary())
            .args([
                "--app-url",
                &wrong,
                "--signing-secret-env",
                "TALK_BACK_SECRET",
            ])
            .env("TALK_BACK_SECRET", SECRET)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("value of the challenge"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

// EVAPI "Callback field overview" and its example: `token`,
// `event_context`, `context_enterprise_id: null` and
// `authorizations[0].enterprise_id: null` off Grid.
#[tokio::test]
async fn the_envelope_has_token_event_context_and_null_enterprise_ids_evapi() {
    let app = App::default();
    let mock = fake_with(&app).await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    let event = app.event_of_type("link_shared").await;
    assert_eq!(event["token"], DEMO_VERIFICATION_TOKEN);
    assert!(
        event["event_context"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let fields = event.as_object().unwrap();
    assert_eq!(fields.get("context_enterprise_id"), Some(&Value::Null));
    let first = event["authorizations"][0].as_object().unwrap();
    assert_eq!(first.get("enterprise_id"), Some(&Value::Null));
    assert_eq!(event["context_team_id"], "T0MOCK001");
}

// EVAPI "Authorizations", REF auth.test / oauth.v2.access, TR: one user id
// for the app's bot in events, `tokens_revoked`, `auth.test`,
// `oauth.v2.access` and `apps.event.authorizations.list`.
#[tokio::test]
async fn the_apps_bot_has_one_user_id_everywhere_evapi_tr() {
    let app = App::default();
    // Real time: the install code lives 10 minutes of the fake's clock.
    let mock = builder()
        .time_scale(1.0)
        .app(app.app().await)
        .start()
        .await
        .unwrap();
    let me = post_form(&mock, "auth.test", Some(BOT), &[]).await;
    let bot_user = me.json()["user_id"].as_str().unwrap().to_owned();
    assert_eq!(bot_user, DEMO_BOT_USER);

    let code = mock
        .start_install("T0MOCK001", ["calls:write"], Vec::<String>::new())
        .unwrap();
    let installed = post_form(
        &mock,
        "oauth.v2.access",
        None,
        &[
            ("code", &code),
            ("client_id", slack_calls_mock::DEMO_CLIENT_ID),
            ("client_secret", slack_calls_mock::DEMO_CLIENT_SECRET),
        ],
    )
    .await;
    assert_eq!(
        installed.json()["bot_user_id"],
        json!(bot_user),
        "{:?}",
        installed.json()
    );

    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    let event = app.event_of_type("link_shared").await;
    assert_eq!(event["authorizations"][0]["user_id"], json!(bot_user));
    let context = event["event_context"].as_str().unwrap();
    let listed = post_form(
        &mock,
        "apps.event.authorizations.list",
        Some(APP_LEVEL),
        &[("event_context", context)],
    )
    .await;
    assert!(listed.ok(), "{:?}", listed.json());
    assert!(
        listed.json()["authorizations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["team_id"] == "T0MOCK001" && a["user_id"] == json!(bot_user)),
        "{:?}",
        listed.json()
    );

    mock.uninstall_app("T0MOCK001").unwrap();
    let revoked = app.event_of_type("tokens_revoked").await;
    assert_eq!(revoked["event"]["tokens"]["bot"], json!([bot_user]));
}

// REF apps.event.authorizations.list: `invalid_event_context` for a
// context no event carried.
#[tokio::test]
async fn an_event_context_no_event_carried_is_invalid_ref() {
    let app = App::default();
    let mock = fake_with(&app).await;
    let list = |context: String| {
        let mock = &mock;
        async move {
            post_form(
                mock,
                "apps.event.authorizations.list",
                Some(APP_LEVEL),
                &[("event_context", &context)],
            )
            .await
        }
    };
    let made_up = list("4-eyJldCI6Im1lc3NhZ2UifQ".to_owned()).await;
    assert_eq!(made_up.error().as_deref(), Some("invalid_event_context"));
    mock.user_posts("U0MOCK002", "C0MOCK002", "https://example.com/j/2")
        .unwrap();
    let event = app.event_of_type("link_shared").await;
    let real = list(event["event_context"].as_str().unwrap().to_owned()).await;
    assert!(real.ok(), "{:?}", real.json());
}

// TOKENS: the app-level token is the app's across workspaces; an
// uninstall from one workspace revokes that workspace's tokens only.
#[tokio::test]
async fn the_app_level_token_outlives_an_uninstall_tokens() {
    let app = App::default();
    let mock = fake_with(&app).await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    let event = app.event_of_type("link_shared").await;
    let context = event["event_context"].as_str().unwrap().to_owned();
    mock.uninstall_app("T0MOCK001").unwrap();
    let bot = post_form(&mock, "auth.test", Some(BOT), &[]).await;
    assert_eq!(bot.error().as_deref(), Some("token_revoked"));
    let listed = post_form(
        &mock,
        "apps.event.authorizations.list",
        Some(APP_LEVEL),
        &[("event_context", &context)],
    )
    .await;
    assert!(listed.ok(), "{:?}", listed.json());
}

// TR: `auth.revoke` sends the app `tokens_revoked` naming the token's user
// (a user token, `oauth`) or bot user (a bot token, `bot`).
#[tokio::test]
async fn auth_revoke_sends_tokens_revoked_tr() {
    let app = App::default();
    let mock = fake_with(&app).await;
    let revoked = post_form(&mock, "auth.revoke", Some(USER), &[]).await;
    assert_eq!(revoked.json()["revoked"], true);
    let event = app.event_of_type("tokens_revoked").await;
    assert_eq!(
        event["event"]["tokens"],
        json!({ "oauth": ["U0MOCK001"], "bot": [] })
    );
    assert!(
        app.got()
            .iter()
            .filter_map(Got::json)
            .all(|body| body["event"]["type"] != "app_uninstalled"),
        "a revoke is not an uninstall"
    );
    post_form(&mock, "auth.revoke", Some(BOT), &[]).await;
    let events = app
        .events_until(|events| {
            events
                .iter()
                .filter(|e| e["event"]["type"] == "tokens_revoked")
                .count()
                >= 2
        })
        .await;
    assert!(
        events
            .iter()
            .any(|e| e["event"]["tokens"] == json!({ "oauth": [], "bot": [DEMO_BOT_USER] })),
        "{events:?}"
    );
}

// LS, REF chat.unfurl: a link typed into the composer is shared with
// `source: composer` in channel `COMPOSER` with an `unfurl_id` before the
// message is posted; `chat.unfurl` takes that id with `source: composer`;
// the posted message is shared again with `source: conversations_history`.
#[tokio::test]
async fn a_link_in_the_composer_is_shared_before_it_is_posted_ls() {
    let app = App::default();
    let mock = fake_with(&app).await;
    let text = "join <https://example.com/j/7>";
    let here = json!({ "user": "U0MOCK002", "channel": "C0MOCK001", "text": text });
    let typed = control(&mock, Method::POST, "/composer", Some(here.to_string())).await;
    assert_eq!(typed.status, 201, "{:?}", typed.json());
    let draft = typed.json()["draft"].clone();
    assert_eq!(draft["channel"], COMPOSER_CHANNEL);
    assert_eq!(draft["source"], "composer");
    let unfurl_id = draft["unfurl_id"].as_str().unwrap().to_owned();

    let shared = app.event_of_type("link_shared").await;
    let event = &shared["event"];
    assert_eq!(event["source"], "composer");
    assert_eq!(event["channel"], "COMPOSER");
    assert_eq!(event["unfurl_id"], json!(unfurl_id));
    assert_eq!(event["message_ts"], json!(unfurl_id));
    assert_eq!(event["user"], "U0MOCK002");

    let unfurls = json!({"https://example.com/j/7": {"blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "A call"}}]}})
    .to_string();
    let wrong_source = post_form(
        &mock,
        "chat.unfurl",
        Some(BOT),
        &[
            ("unfurl_id", &unfurl_id),
            ("source", "conversations_history"),
            ("unfurls", &unfurls),
        ],
    )
    .await;
    // The id with another source than its link's: `invalid_unfurl_id` (the fake's
    // choice of the chat.unfurl page's codes).
    assert_eq!(wrong_source.error().as_deref(), Some("invalid_unfurl_id"));
    let unfurled = post_form(
        &mock,
        "chat.unfurl",
        Some(BOT),
        &[
            ("unfurl_id", &unfurl_id),
            ("source", "composer"),
            ("unfurls", &unfurls),
        ],
    )
    .await;
    assert!(unfurled.ok(), "{:?}", unfurled.json());
    let kept = mock.messages();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].unfurls.contains_key("https://example.com/j/7"));

    mock.user_posts("U0MOCK002", "C0MOCK001", text).unwrap();
    let events = app.events_until(|events| events.len() >= 2).await;
    let posted = events
        .iter()
        .find(|e| e["event"]["source"] == "conversations_history")
        .unwrap_or_else(|| panic!("{events:?}"));
    assert_eq!(posted["event"]["channel"], "C0MOCK001");
    assert_ne!(posted["event"]["unfurl_id"], json!(unfurl_id));

    // The same as a MockSlack method.
    let draft = mock.user_types("U0MOCK003", "C0MOCK002", text).unwrap();
    assert_eq!(
        (draft.channel.as_str(), draft.source.as_str()),
        ("COMPOSER", "composer")
    );
}

// EVAPI "Error handling": more than 2 HTTP redirects is a failed delivery,
// retried with `x-slack-retry-reason: too_many_redirects`. The app's URL
// redirects 3 times on the first attempt, twice on the retry.
#[tokio::test]
async fn more_than_two_redirects_fail_the_delivery_evapi() {
    let first = Arc::new(Mutex::new(true));
    let reasons: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let kept = Arc::clone(&reasons);
    let redirect = |to: &str| -> Response {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", to.to_owned())],
        )
            .into_response()
    };
    let router = axum::Router::new()
        .route(
            "/slack/events",
            axum::routing::post(move || {
                let first = Arc::clone(&first);
                async move {
                    let hops = if std::mem::replace(&mut *first.lock().unwrap(), false) {
                        "/hop/2"
                    } else {
                        "/hop/1"
                    };
                    redirect(hops)
                }
            }),
        )
        .route(
            "/hop/{n}",
            axum::routing::post(
                move |axum::extract::Path(n): axum::extract::Path<u32>, headers: HeaderMap| {
                    let kept = Arc::clone(&kept);
                    async move {
                        if n == 0 {
                            kept.lock().unwrap().push(
                                headers
                                    .get("x-slack-retry-reason")
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned),
                            );
                            return StatusCode::OK.into_response();
                        }
                        redirect(&format!("/hop/{}", n - 1))
                    }
                },
            ),
        );
    let (addr, _) = serve(answers_handshake(router)).await;
    let app = MockApp::new(format!("http://{addr}/slack/events"), SECRET)
        .unwrap()
        .unfurl_domains(["example.com"]);
    let mock = builder().app(app).start().await.unwrap();
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/3")
        .unwrap();
    let log = deliveries_until(&mock, |log| log.iter().any(|d| d.acked_in_time))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let attempts: Vec<_> = log
        .iter()
        .map(|d| (d.attempt, d.retry_reason, d.failure))
        .collect();
    assert_eq!(
        attempts,
        [
            (0, None, Some(FailureReason::TooManyRedirects)),
            (1, Some(FailureReason::TooManyRedirects), None),
        ]
    );
    assert_eq!(
        *reasons.lock().unwrap(),
        [Some("too_many_redirects".to_owned())],
        "only the retry, after two redirects, reached the end"
    );
}

// GUIDE (the Call-initiation example) and SLASH ("Preparing your app to
// receive commands"): the Call button's form has the slash-command fields.
#[tokio::test]
async fn the_call_button_sends_the_slash_command_fields_guide_slash() {
    let app = App::default();
    let mock = fake_with(&app).await;
    mock.user_presses_call_button("U0MOCK002", "C0MOCK001")
        .await
        .unwrap();
    let got = app.got();
    let press = got
        .iter()
        .find(|g| g.json().is_none())
        .expect("a form")
        .form();
    let field = |name: &str| {
        press
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name}: {press:?}"))
    };
    assert_eq!(field("token"), DEMO_VERIFICATION_TOKEN);
    assert_eq!(field("team_id"), "T0MOCK001");
    assert_eq!(field("team_domain"), "t0mock001");
    assert_eq!(field("channel_id"), "C0MOCK001");
    assert_eq!(field("channel_name"), "general");
    assert_eq!(field("user_id"), "U0MOCK002");
    assert_eq!(field("user_name"), "u0mock002");
    assert_eq!(field("type"), "video");
    assert!(field("response_url").starts_with("http://"));
}

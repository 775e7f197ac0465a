//! Installing through the browser, as at `https://slack.com/oauth/v2/authorize`:
//! the fake checks the client id, the redirect URI against the app's
//! Redirect URLs and the scopes, shows a consent page whose Allow and
//! Cancel send the browser back with `code` and `state` or with
//! `error=access_denied`, and `oauth.v2.access` takes the code once,
//! within 10 minutes of the fake's clock, with the same `redirect_uri`.
//! Then Enterprise Grid: an org-wide install's answer and tokens, the
//! `authorizations` of its events, the Call button's fields, and its
//! uninstall. No page, log or control answer shows a code or a token.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, Url};
use serde_json::{Value, json};
use slack_calls_mock::{
    ConsentAnswer, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MockApp, MockSlack, MockSlackBuilder,
    MockWorkspace,
};

use crate::fake_support::raw_http::{Raw, control, post_form};

const REDIRECT: &str = "http://127.0.0.1:9/slack/oauth_redirect";
const OTHER_REDIRECT: &str = "https://example.com/install/done";
const SECRET: &str = "install-flow-test-signing-secret-8c1f";
const ORG: &str = "E0MOCK001";

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

async fn read(response: reqwest::Response) -> Raw {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("a body").to_vec();
    Raw {
        status,
        headers,
        body,
    }
}

/// `GET /oauth/v2/authorize` with these params.
async fn authorize(mock: &MockSlack, params: &[(&str, &str)]) -> Raw {
    let mut url = Url::parse(&mock.authorize_url()).unwrap();
    url.query_pairs_mut().extend_pairs(params);
    read(browser().get(url).send().await.expect("the fake answers")).await
}

/// The consent page's form post.
async fn decide(mock: &MockSlack, consent: &str, decision: &str) -> Raw {
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("consent", consent)
        .append_pair("decision", decision)
        .finish();
    read(
        browser()
            .post(format!("http://{}/oauth/v2/authorize/decide", mock.addr()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the fake answers"),
    )
    .await
}

fn text(raw: &Raw) -> String {
    String::from_utf8_lossy(&raw.body).into_owned()
}

/// The consent id in a consent page's form.
fn consent_id(page: &str) -> String {
    let start = page
        .find("name=\"consent\" value=\"")
        .unwrap_or_else(|| panic!("no consent form: {page}"))
        + "name=\"consent\" value=\"".len();
    page[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A 302's `Location`, and its query params.
fn redirected(raw: &Raw) -> (Url, Vec<(String, String)>) {
    assert_eq!(raw.status, 302, "{}", text(raw));
    let location = Url::parse(&raw.header("location").expect("a Location")).unwrap();
    let params = location.query_pairs().into_owned().collect();
    (location, params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// An error page: HTTP 400, Slack's code on it, no redirect.
fn assert_error_page(raw: &Raw, code: &str) {
    assert_eq!(raw.status, 400, "{}", text(raw));
    assert!(raw.header("location").is_none());
    assert!(
        raw.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(text(raw).contains(code), "{code} not in {}", text(raw));
}

/// `oauth.v2.access` with the app's credentials as form fields.
async fn exchange(mock: &MockSlack, code: &str, redirect_uri: Option<&str>) -> Raw {
    let mut fields = vec![
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("code", code),
    ];
    if let Some(uri) = redirect_uri {
        fields.push(("redirect_uri", uri));
    }
    post_form(mock, "oauth.v2.access", None, &fields).await
}

fn base() -> MockSlackBuilder {
    MockSlack::builder()
        .redirect_url(REDIRECT)
        .redirect_url(OTHER_REDIRECT)
}

/// Authorizes with the consent preset to allow; the code.
async fn code_for(mock: &MockSlack, params: &[(&str, &str)]) -> String {
    mock.set_consent(ConsentAnswer::Allow);
    let raw = authorize(mock, params).await;
    let (_, query) = redirected(&raw);
    param(&query, "code").expect("a code").to_owned()
}

/// Nothing the fake shows (its page, control answers, the request log)
/// holds these texts.
async fn assert_nowhere(mock: &MockSlack, secrets: &[&str]) {
    let page = read(
        browser()
            .get(mock.page_url())
            .send()
            .await
            .expect("the page"),
    )
    .await;
    let mut shown = vec![text(&page), format!("{:?}", mock.requests())];
    for path in ["/oauth", "/requests", "/workspaces", "/page/snapshot"] {
        shown.push(text(&control(mock, Method::GET, path, None).await));
    }
    for secret in secrets {
        for (n, what) in shown.iter().enumerate() {
            assert!(!what.contains(secret), "shown in #{n}: {what}");
        }
    }
}

#[tokio::test]
async fn allow_on_the_consent_page_redirects_with_a_code_that_works_once() {
    let mock = base().start().await.unwrap();
    let sub = format!("{REDIRECT}/team-a?x=1");
    let page = authorize(
        &mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read,calls:write"),
            ("user_scope", "calls:read"),
            ("redirect_uri", &sub),
            ("state", "s-123"),
        ],
    )
    .await;
    assert_eq!(page.status, 200);
    let html = text(&page);
    for shown in [
        "Mock Workspace",
        "T0MOCK001",
        "calls:write",
        "Allow",
        "Cancel",
        "/oauth/v2/authorize/decide",
    ] {
        assert!(html.contains(shown), "{shown} not on the page: {html}");
    }
    // Nothing secret on the page: no code, no state, no client secret.
    for hidden in ["mock-code", "s-123", DEMO_CLIENT_SECRET, "xox"] {
        assert!(!html.contains(hidden), "{hidden} on the page");
    }
    let consent = consent_id(&html);

    let (location, query) = redirected(&decide(&mock, &consent, "allow").await);
    assert!(location.as_str().starts_with(&sub), "{location}");
    assert_eq!(param(&query, "state"), Some("s-123"));
    assert_eq!(param(&query, "x"), Some("1"));
    let code = param(&query, "code").expect("a code").to_owned();
    // The consent id is one-time.
    assert_error_page(&decide(&mock, &consent, "allow").await, "invalid_consent");

    let installed = exchange(&mock, &code, Some(&sub)).await.json();
    assert_eq!(installed["ok"], true, "{installed}");
    assert_eq!(installed["token_type"], "bot");
    assert_eq!(installed["scope"], "calls:read,calls:write");
    assert_eq!(
        installed["team"],
        json!({"id": "T0MOCK001", "name": "Mock Workspace"})
    );
    assert_eq!(installed["enterprise"], Value::Null);
    assert_eq!(installed["is_enterprise_install"], false);
    assert_eq!(installed["authed_user"]["token_type"], "user");
    assert_eq!(installed["authed_user"]["scope"], "calls:read");
    assert!(installed.get("bot_id").is_none(), "{installed}");
    let bot = installed["access_token"].as_str().unwrap().to_owned();
    let user = installed["authed_user"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = post_form(&mock, "auth.test", Some(&bot), &[]).await.json();
    assert_eq!(me["ok"], true, "{me}");
    assert_eq!(me["bot_id"], "B0MOCK001");
    assert_eq!(me["is_enterprise_install"], false);

    // Once only.
    let again = exchange(&mock, &code, Some(&sub)).await;
    assert_eq!(again.error().as_deref(), Some("invalid_code"));
    assert_nowhere(&mock, &[&code, &bot, &user, DEMO_CLIENT_SECRET]).await;
}

#[tokio::test]
async fn a_code_expires_ten_minutes_after_issuance_on_the_fakes_clock() {
    let mock = base().start().await.unwrap();
    let params = [("client_id", DEMO_CLIENT_ID), ("scope", "calls:read")];
    let fresh = code_for(&mock, &params).await;
    let stale = code_for(&mock, &params).await;
    let advanced = control(
        &mock,
        Method::POST,
        "/advance",
        Some(r#"{"seconds":540}"#.into()),
    )
    .await;
    assert_eq!(advanced.status, 200);
    // Nine minutes: still good.
    assert!(exchange(&mock, &fresh, None).await.ok());
    mock.advance(Duration::from_secs(60));
    let expired = exchange(&mock, &stale, None).await;
    assert_eq!(expired.error().as_deref(), Some("invalid_code"));
    // start_install's codes expire too.
    let installed = mock
        .start_install("T0MOCK001", ["calls:read"], Vec::<String>::new())
        .unwrap();
    mock.advance(Duration::from_secs(600));
    let late = exchange(&mock, &installed, None).await;
    assert_eq!(late.error().as_deref(), Some("invalid_code"));
}

#[tokio::test]
async fn a_wrong_redirect_uri_is_refused_at_authorize_and_at_the_exchange() {
    let mock = base().start().await.unwrap();
    for bad in [
        "https://evil.example/slack/oauth_redirect",
        "http://127.0.0.1:9/slack/oauth_redirectx",
        "http://127.0.0.1:10/slack/oauth_redirect",
        "https://example.com/install",
        "/slack/oauth_redirect",
    ] {
        let raw = authorize(
            &mock,
            &[
                ("client_id", DEMO_CLIENT_ID),
                ("scope", "calls:read"),
                ("redirect_uri", bad),
            ],
        )
        .await;
        assert_error_page(&raw, "bad_redirect_uri");
    }
    // No redirect_uri: the first Redirect URL.
    mock.set_consent(ConsentAnswer::Allow);
    let raw = authorize(
        &mock,
        &[("client_id", DEMO_CLIENT_ID), ("scope", "calls:read")],
    )
    .await;
    let (location, query) = redirected(&raw);
    assert_eq!(location.as_str().split('?').next(), Some(REDIRECT));
    assert_eq!(param(&query, "state"), None);
    let code = param(&query, "code").unwrap().to_owned();
    // Given none at authorize: another at the exchange is refused.
    let other = exchange(&mock, &code, Some(OTHER_REDIRECT)).await;
    assert_eq!(other.error().as_deref(), Some("bad_redirect_uri"));
    assert!(exchange(&mock, &code, None).await.ok());

    // Given one at authorize: the exchange must repeat it.
    let code = code_for(
        &mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read"),
            ("redirect_uri", OTHER_REDIRECT),
        ],
    )
    .await;
    for wrong in [None, Some(REDIRECT)] {
        let raw = exchange(&mock, &code, wrong).await;
        assert_eq!(
            raw.error().as_deref(),
            Some("bad_redirect_uri"),
            "{wrong:?}"
        );
    }
    // The refusals did not use the code up.
    assert!(exchange(&mock, &code, Some(OTHER_REDIRECT)).await.ok());
}

#[tokio::test]
async fn cancel_and_a_preset_deny_redirect_with_access_denied() {
    let mock = base().start().await.unwrap();
    let params = [
        ("client_id", DEMO_CLIENT_ID),
        ("user_scope", "calls:read"),
        ("state", "st"),
    ];
    let page = authorize(&mock, &params).await;
    let consent = consent_id(&text(&page));
    let (_, query) = redirected(&decide(&mock, &consent, "cancel").await);
    assert_eq!(param(&query, "error"), Some("access_denied"));
    assert_eq!(param(&query, "state"), Some("st"));
    assert_eq!(param(&query, "code"), None);

    // Preset through the control API: deny, allow, then the page again.
    let set = control(
        &mock,
        Method::POST,
        "/oauth",
        Some(r#"{"consent":"deny"}"#.into()),
    )
    .await;
    assert_eq!(set.json()["consent"], "deny");
    let (_, query) = redirected(&authorize(&mock, &params).await);
    assert_eq!(param(&query, "error"), Some("access_denied"));
    control(
        &mock,
        Method::POST,
        "/oauth",
        Some(r#"{"consent":"allow"}"#.into()),
    )
    .await;
    let (_, query) = redirected(&authorize(&mock, &params).await);
    assert!(param(&query, "code").is_some());
    assert_eq!(param(&query, "state"), Some("st"));
    control(
        &mock,
        Method::POST,
        "/oauth",
        Some(r#"{"consent":"ask"}"#.into()),
    )
    .await;
    assert_eq!(authorize(&mock, &params).await.status, 200);
}

#[tokio::test]
async fn bad_input_gets_slacks_codes_and_never_a_redirect() {
    let mock = base().start().await.unwrap();
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("scope", "calls:read")], "invalid_client_id"),
        (
            &[("client_id", "999.999"), ("scope", "calls:read")],
            "invalid_client_id",
        ),
        (&[("client_id", DEMO_CLIENT_ID)], "invalid_scope"),
        (
            &[
                ("client_id", DEMO_CLIENT_ID),
                ("scope", " , "),
                ("user_scope", ""),
            ],
            "invalid_scope",
        ),
        (
            &[("client_id", DEMO_CLIENT_ID), ("scope", "calls:read <b>")],
            "invalid_scope",
        ),
        (
            &[
                ("client_id", DEMO_CLIENT_ID),
                ("user_scope", "openid,calls:read"),
            ],
            "invalid_scope",
        ),
    ];
    for (params, code) in cases {
        let raw = authorize(&mock, params).await;
        assert_error_page(&raw, code);
        // What the page quotes is escaped.
        assert!(!text(&raw).contains("<b>"));
    }
    // A consent the fake never showed, a decision that is neither.
    assert_error_page(&decide(&mock, "1-0000", "allow").await, "invalid_consent");
    assert_error_page(&decide(&mock, "1-0000", "maybe").await, "invalid_request");
    // Another verb.
    let put = read(browser().put(mock.authorize_url()).send().await.unwrap()).await;
    assert_eq!(put.status, 405);

    // An app with no Redirect URL cannot be installed through the browser.
    let bare = MockSlack::start().await.unwrap();
    let raw = authorize(
        &bare,
        &[("client_id", DEMO_CLIENT_ID), ("scope", "calls:read")],
    )
    .await;
    assert_error_page(&raw, "bad_redirect_uri");

    // The control API refuses what Slack would not take.
    for body in [
        r#"{"consent":"maybe"}"#,
        r#"{"redirect_urls":["http://example.com/cb"]}"#,
        r#"{"redirect_urls":["https://example.com/cb#x"]}"#,
        r#"{"org_wide":"yes"}"#,
    ] {
        let raw = control(&bare, Method::POST, "/oauth", Some(body.into())).await;
        assert_eq!(raw.status, 400, "{body}: {}", text(&raw));
    }
    let set = control(
        &bare,
        Method::POST,
        "/oauth",
        Some(r#"{"redirect_urls":["http://localhost:3000/cb"]}"#.into()),
    )
    .await;
    assert_eq!(
        set.json()["redirect_urls"],
        json!(["http://localhost:3000/cb"])
    );
    assert!(bare.set_redirect_urls(["http://example.com/cb"]).is_err());
    // A bad builder URL is refused at start.
    let refused = MockSlack::builder()
        .redirect_url("http://example.com/cb")
        .start()
        .await;
    assert!(refused.is_err());
}

/// An organization of the default workspace and T0MOCK002, plus
/// T0OTHER01 outside it; the consent preset to allow.
async fn grid(app: Option<MockApp>) -> MockSlack {
    let mut builder = base()
        .workspace(
            MockWorkspace::new("T0MOCK002", "Second Workspace")
                .users(["U0MOCK201", "U0MOCK202"])
                .channels(["C0MOCK201"]),
        )
        .workspace(
            MockWorkspace::new("T0OTHER01", "Outside")
                .users(["U0OTHER01"])
                .channels(["C0OTHER01"]),
        )
        .enterprise(ORG, "Mock Org", ["T0MOCK001", "T0MOCK002"]);
    if let Some(app) = app {
        builder = builder.app(app);
    }
    let mock = builder.start().await.unwrap();
    mock.set_consent(ConsentAnswer::Allow);
    mock
}

async fn org_install(mock: &MockSlack) -> Value {
    mock.set_org_wide_install(true);
    let code = code_for(
        mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read,chat:write"),
            ("user_scope", "calls:read"),
        ],
    )
    .await;
    assert!(code.starts_with("e0mock001."), "{code}");
    let installed = exchange(mock, &code, None).await.json();
    assert_eq!(installed["ok"], true, "{installed}");
    installed
}

#[tokio::test]
async fn an_org_wide_install_answers_team_null_and_its_tokens_work_in_both_workspaces() {
    let mock = grid(None).await;
    let installed = org_install(&mock).await;
    assert_eq!(installed["team"], Value::Null);
    assert_eq!(
        installed["enterprise"],
        json!({"id": ORG, "name": "Mock Org"})
    );
    assert_eq!(installed["is_enterprise_install"], true);
    assert_eq!(installed["token_type"], "bot");
    assert!(installed["bot_user_id"].is_string());
    assert_eq!(installed["authed_user"]["token_type"], "user");
    assert!(installed.get("bot_id").is_none());
    let bot = installed["access_token"].as_str().unwrap().to_owned();
    let user = installed["authed_user"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    for (team, channel) in [("T0MOCK001", "C0MOCK001"), ("T0MOCK002", "C0MOCK201")] {
        let me = post_form(&mock, "auth.test", Some(&bot), &[("team_id", team)])
            .await
            .json();
        assert_eq!(me["ok"], true, "{me}");
        assert_eq!(me["team_id"], team);
        assert_eq!(me["enterprise_id"], ORG);
        assert_eq!(me["is_enterprise_install"], true);
        assert!(me["bot_id"].is_string());
        let posted = post_form(
            &mock,
            "chat.postMessage",
            Some(&bot),
            &[("channel", channel), ("text", "hi"), ("team_id", team)],
        )
        .await
        .json();
        assert_eq!(posted["ok"], true, "{team}: {posted}");
        let me = post_form(&mock, "auth.test", Some(&user), &[("team_id", team)])
            .await
            .json();
        assert_eq!(me["team_id"], team, "{me}");
    }
    // Outside the organization: refused.
    let outside = post_form(&mock, "auth.test", Some(&bot), &[("team_id", "T0OTHER01")]).await;
    assert_eq!(outside.error().as_deref(), Some("team_access_not_granted"));

    // Installed org-wide: a single-workspace install in the org is refused.
    mock.set_org_wide_install(false);
    let code = code_for(
        &mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read"),
            ("team", "T0MOCK002"),
        ],
    )
    .await;
    let refused = exchange(&mock, &code, None).await;
    assert_eq!(
        refused.error().as_deref(),
        Some("cannot_install_an_org_installed_app")
    );
    // The control API shows the org install, never a token.
    let oauth = control(&mock, Method::GET, "/oauth", None).await.json();
    assert_eq!(oauth["org_installs"], json!([ORG]));
    assert_nowhere(&mock, &[&bot, &user]).await;

    // Uninstalled from the org: its tokens are revoked in both workspaces.
    let gone = control(
        &mock,
        Method::POST,
        "/uninstall",
        Some(json!({ "enterprise_id": ORG }).to_string()),
    )
    .await;
    assert_eq!(gone.json()["tokens_revoked"], 2, "{}", text(&gone));
    for team in ["T0MOCK001", "T0MOCK002"] {
        let raw = post_form(&mock, "auth.test", Some(&bot), &[("team_id", team)]).await;
        assert_eq!(raw.error().as_deref(), Some("token_revoked"));
    }
    // The demo tokens of the workspace were not part of it.
    assert!(
        post_form(&mock, "auth.test", Some(mock.bot_token()), &[])
            .await
            .ok()
    );
    let again = control(
        &mock,
        Method::POST,
        "/uninstall",
        Some(json!({ "enterprise_id": ORG }).to_string()),
    )
    .await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn a_workspace_install_inside_an_org_names_both() {
    let mock = grid(None).await;
    let code = code_for(
        &mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read"),
            ("team", "T0MOCK002"),
        ],
    )
    .await;
    let installed = exchange(&mock, &code, None).await.json();
    assert_eq!(
        installed["team"],
        json!({"id": "T0MOCK002", "name": "Second Workspace"})
    );
    assert_eq!(
        installed["enterprise"],
        json!({"id": ORG, "name": "Mock Org"})
    );
    assert_eq!(installed["is_enterprise_install"], false);
    assert_eq!(installed["authed_user"]["id"], "U0MOCK201");
    // Outside the org: enterprise null.
    let code = code_for(
        &mock,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("scope", "calls:read"),
            ("team", "T0OTHER01"),
        ],
    )
    .await;
    let installed = exchange(&mock, &code, None).await.json();
    assert_eq!(installed["enterprise"], Value::Null);
    assert_eq!(installed["team"]["id"], "T0OTHER01");

    // An organization made over the control API shows in the workspaces.
    let made = control(
        &mock,
        Method::POST,
        "/enterprises",
        Some(r#"{"enterprise_id":"E0MOCK002","name":"Two","team_ids":["T0OTHER01"]}"#.into()),
    )
    .await;
    assert_eq!(made.status, 201, "{}", text(&made));
    let listed = control(&mock, Method::GET, "/workspaces", None)
        .await
        .json();
    let outside = listed["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["team_id"] == "T0OTHER01")
        .cloned()
        .unwrap();
    assert_eq!(outside["enterprise_id"], "E0MOCK002");
    for (body, status) in [
        (
            r#"{"enterprise_id":"E0MOCK003","name":"X","team_ids":["T0MOCK001"]}"#,
            409,
        ),
        (
            r#"{"enterprise_id":"E0MOCK003","name":"X","team_ids":["T0NOPE001"]}"#,
            404,
        ),
        (r#"{"enterprise_id":"e3","name":"X","team_ids":[]}"#, 400),
    ] {
        let raw = control(&mock, Method::POST, "/enterprises", Some(body.into())).await;
        assert_eq!(raw.status, status, "{body}: {}", text(&raw));
    }
}

/// An app that keeps every body it gets and answers the Call button
/// with a Call.
#[derive(Clone, Default)]
struct App {
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl App {
    async fn start(&self) -> MockApp {
        let bodies = Arc::clone(&self.bodies);
        let router = axum::Router::new().route(
            "/slack/events",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                    let bodies = Arc::clone(&bodies);
                    async move {
                        bodies.lock().unwrap().push(body.to_vec());
                        let form = headers
                            .get("content-type")
                            .is_some_and(|t| t.as_bytes().starts_with(b"application/x-www-form"));
                        if form {
                            json!({"response_type": "call",
                                   "call_initiation_url": "https://example.com/j/1"})
                            .to_string()
                        } else {
                            String::new()
                        }
                    }
                },
            ),
        );
        let (addr, _) =
            crate::support::serve(crate::fake_support::handshake::answers_handshake(router)).await;
        MockApp::new(format!("http://{addr}/slack/events"), SECRET)
            .unwrap()
            .unfurl_domains(["example.com"])
    }

    /// The JSON events received so far, once there are `n`.
    async fn events(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let events: Vec<Value> = self
                .bodies
                .lock()
                .unwrap()
                .iter()
                .filter_map(|b| serde_json::from_slice(b).ok())
                .collect();
            if events.len() >= n || Instant::now() > deadline {
                return events;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The forms received (the Call button's requests).
    fn forms(&self) -> Vec<Vec<(String, String)>> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .filter(|b| serde_json::from_slice::<Value>(b).is_err())
            .map(|b| form_urlencoded::parse(b).into_owned().collect())
            .collect()
    }
}

#[tokio::test]
async fn events_from_both_workspaces_of_an_org_wide_install_carry_its_authorizations() {
    let app = App::default();
    let mock = grid(Some(app.start().await)).await;
    org_install(&mock).await;
    mock.user_posts("U0MOCK001", "C0MOCK001", "https://example.com/j/1")
        .unwrap();
    mock.user_posts("U0MOCK201", "C0MOCK201", "https://example.com/j/2")
        .unwrap();
    mock.user_posts("U0OTHER01", "C0OTHER01", "https://example.com/j/3")
        .unwrap();
    let events = app.events(3).await;
    assert_eq!(events.len(), 3, "{events:?}");
    for team in ["T0MOCK001", "T0MOCK002"] {
        let event = events
            .iter()
            .find(|e| e["team_id"] == team)
            .unwrap_or_else(|| panic!("no event from {team}: {events:?}"));
        assert_eq!(event["enterprise_id"], ORG, "{event}");
        assert_eq!(
            event["authorizations"],
            json!([{"enterprise_id": ORG, "team_id": team, "user_id": format!("UB{}", &team[1..]),
                    "is_bot": true, "is_enterprise_install": true}]),
            "{event}"
        );
    }
    let outside = events.iter().find(|e| e["team_id"] == "T0OTHER01").unwrap();
    assert!(outside.get("enterprise_id").is_none(), "{outside}");
    assert_eq!(outside["authorizations"][0]["is_enterprise_install"], false);

    // The org-wide uninstall: app_uninstalled names the organization.
    let ids = mock.uninstall_org_app(ORG).unwrap();
    assert_eq!(ids.len(), 2);
    let events = app.events(5).await;
    let uninstalled = events
        .iter()
        .find(|e| e["event"]["type"] == "app_uninstalled")
        .unwrap_or_else(|| panic!("no app_uninstalled: {events:?}"));
    assert_eq!(uninstalled["enterprise_id"], ORG);
    assert_eq!(uninstalled["authorizations"][0]["enterprise_id"], ORG);
    assert_eq!(
        uninstalled["authorizations"][0]["is_enterprise_install"],
        true
    );
}

#[tokio::test]
async fn the_call_button_names_the_org_and_the_install_kind_as_strings() {
    let app = App::default();
    let mock = grid(Some(app.start().await)).await;
    // Before the org install: inside the org, not an org install.
    mock.user_presses_call_button("U0MOCK201", "C0MOCK201")
        .await
        .unwrap();
    org_install(&mock).await;
    mock.user_presses_call_button("U0MOCK201", "C0MOCK201")
        .await
        .unwrap();
    mock.user_presses_call_button("U0OTHER01", "C0OTHER01")
        .await
        .unwrap();
    let forms = app.forms();
    assert_eq!(forms.len(), 3, "{forms:?}");
    let field = |form: &[(String, String)], name: &str| param(form, name).map(str::to_owned);
    assert_eq!(field(&forms[0], "enterprise_id").as_deref(), Some(ORG));
    assert_eq!(field(&forms[0], "team_id").as_deref(), Some("T0MOCK002"));
    assert_eq!(
        field(&forms[0], "is_enterprise_install").as_deref(),
        Some("false")
    );
    assert_eq!(field(&forms[1], "enterprise_id").as_deref(), Some(ORG));
    assert_eq!(
        field(&forms[1], "enterprise_name").as_deref(),
        Some("Mock Org")
    );
    assert_eq!(
        field(&forms[1], "is_enterprise_install").as_deref(),
        Some("true")
    );
    assert_eq!(field(&forms[2], "enterprise_id"), None);
    assert_eq!(field(&forms[2], "team_id").as_deref(), Some("T0OTHER01"));
    assert_eq!(
        field(&forms[2], "is_enterprise_install").as_deref(),
        Some("false")
    );
}

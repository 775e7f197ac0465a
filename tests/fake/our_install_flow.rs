//! Our install flow (`InstallFlow`, feature `install`) against the fake's
//! OAuth, as a browser meets it: the install path's redirect and cookie, a
//! whole install stored with its bot id, and every way it must refuse with
//! a clear page and nothing stored or exchanged: a missing, foreign,
//! replayed or expired state, `access_denied`, a used code, a wrong
//! `redirect_uri`, a store that is down and a Slack that does not answer.
//! No page or log line holds a state, a code, a token or the client secret.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use reqwest::Url;
use slack_calls::{App, InstallFailure, InstallFlow, Installation, InstallationKey};
use slack_calls_mock::{
    ConsentAnswer, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MockSlack, MockSlackBuilder,
};

use crate::support::serve;
use crate::support::trace_capture;

const SCOPES: [&str; 4] = ["calls:read", "calls:write", "links:read", "links:write"];

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

struct Served {
    mock: MockSlack,
    app: App,
    base: String,
    redirect_uri: String,
    _task: tokio::task::JoinHandle<()>,
}

/// Binds a port first, so the redirect URI (registered with the fake) is
/// known before the flow is built.
async fn listener() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().unwrap());
    (listener, base)
}

async fn served_with(
    fake: MockSlackBuilder,
    app_of: impl FnOnce(&MockSlack) -> App,
    flow: impl FnOnce(slack_calls::InstallFlowBuilder) -> slack_calls::InstallFlowBuilder,
) -> Served {
    let (listener, base) = listener().await;
    let redirect_uri = format!("{base}/slack/oauth_redirect");
    let mock = fake
        .redirect_url(redirect_uri.clone())
        .start()
        .await
        .expect("the fake starts");
    mock.set_consent(ConsentAnswer::Allow);
    let app = app_of(&mock);
    let built = flow(
        InstallFlow::builder(app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .bot_scopes(SCOPES)
            .user_scopes(["users:read"])
            .authorize_url(mock.authorize_url())
            .redirect_uri(redirect_uri.clone()),
    )
    .build()
    .expect("the flow builds");
    let router = built.router();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    Served {
        mock,
        app,
        base,
        redirect_uri,
        _task: task,
    }
}

fn app_at(mock: &MockSlack) -> App {
    let base = mock.base_url().to_owned();
    App::builder("A0MOCKAPP")
        .clients(move |client| client.base_url(base.clone()))
        .build()
        .expect("the app builds")
}

async fn served() -> Served {
    served_with(MockSlack::builder(), app_at, |flow| flow).await
}

struct Hop {
    status: u16,
    location: Option<Url>,
    cookies: Vec<String>,
    body: String,
}

async fn get(url: &str, cookie: Option<&str>) -> Hop {
    let mut request = browser().get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.expect("an answer");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| Url::parse(value).ok());
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok().map(str::to_owned))
        .collect();
    let body = response.text().await.unwrap_or_default();
    Hop {
        status,
        location,
        cookies,
        body,
    }
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The install path: where it sends the browser, and the cookie it sets
/// (`name=value` as a browser sends it back).
async fn begin(served: &Served) -> (Url, String) {
    let hop = get(&format!("{}/slack/install", served.base), None).await;
    assert_eq!(hop.status, 302, "{}", hop.body);
    let cookie = hop.cookies.first().expect("an install cookie").clone();
    let pair = cookie.split(';').next().unwrap().to_owned();
    (hop.location.expect("a Location"), pair)
}

/// Slack's redirect back, for an authorize URL (consent set on the fake).
async fn at_slack(authorize: &Url) -> Url {
    let hop = get(authorize.as_str(), None).await;
    assert_eq!(hop.status, 302, "{}", hop.body);
    hop.location.expect("the fake redirects back")
}

fn exchanges(mock: &MockSlack) -> usize {
    mock.requests_for("oauth.v2.access").len()
}

fn assert_refused(hop: &Hop, status: u16, says: &str) {
    assert_eq!(hop.status, status, "{}", hop.body);
    assert!(hop.body.contains("Not installed"), "{}", hop.body);
    assert!(hop.body.contains(says), "`{says}` not in {}", hop.body);
    assert!(hop.body.contains("/slack/install"), "a way to start again");
}

#[tokio::test]
async fn a_whole_install_is_stored_with_its_bot_id_and_shows_no_secret() {
    let logs = trace_capture::global();
    let served = served().await;
    let (authorize, cookie) = begin(&served).await;

    // Off to Slack with what it needs, and a state bound to this browser.
    assert!(authorize.as_str().starts_with(&served.mock.authorize_url()));
    assert_eq!(
        param(&authorize, "client_id").as_deref(),
        Some(DEMO_CLIENT_ID)
    );
    assert_eq!(
        param(&authorize, "scope").as_deref(),
        Some("calls:read,calls:write,links:read,links:write")
    );
    assert_eq!(
        param(&authorize, "user_scope").as_deref(),
        Some("users:read")
    );
    assert_eq!(
        param(&authorize, "redirect_uri").as_deref(),
        Some(served.redirect_uri.as_str())
    );
    let state = param(&authorize, "state").expect("a state");
    assert_eq!(state.len(), 64, "256 bits in hex");
    assert!(state.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(cookie, format!("slack_calls_install_state={state}"));
    let hop = get(&format!("{}/slack/install", served.base), None).await;
    let set = &hop.cookies[0];
    for attribute in [
        "HttpOnly",
        "SameSite=Lax",
        "Path=/slack/oauth_redirect",
        "Max-Age=600",
    ] {
        assert!(set.contains(attribute), "{attribute} missing: {set}");
    }
    assert!(!set.contains("Secure"), "loopback: no Secure: {set}");
    assert_ne!(
        param(hop.location.as_ref().unwrap(), "state").unwrap(),
        state,
        "each install gets its own state"
    );

    let back = at_slack(&authorize).await;
    let code = param(&back, "code").expect("a code");
    assert_eq!(param(&back, "state").as_deref(), Some(state.as_str()));
    let done = get(back.as_str(), Some(&cookie)).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Installed"), "{}", done.body);
    assert!(
        done.cookies.iter().any(|c| c.contains("Max-Age=0")),
        "the cookie is spent"
    );

    // Stored, with the bot's id from auth.test, and served.
    let stored = served
        .app
        .installations()
        .for_team("T0MOCK001")
        .expect("the installation");
    let bot = stored.bot.as_ref().expect("a bot");
    assert!(
        bot.bot_id.as_deref().is_some_and(|id| id.starts_with('B')),
        "{bot:?}"
    );
    assert!(bot.user_id.is_some());
    assert_eq!(bot.grant.scopes, SCOPES);
    assert_eq!(stored.app_id.as_deref(), Some("A0MOCKAPP"));
    assert!(stored.user_token().is_some(), "the installer's token");
    let answer = served
        .app
        .workspace("T0MOCK001")
        .unwrap()
        .auth()
        .test()
        .await
        .unwrap();
    assert_eq!(answer.team_id, "T0MOCK001");

    // The exchange: the same redirect_uri, the credentials by HTTP Basic.
    let exchange = &served.mock.requests_for("oauth.v2.access")[0];
    let field = |name: &str| {
        exchange
            .params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(
        field("redirect_uri").as_deref(),
        Some(served.redirect_uri.as_str())
    );
    assert_eq!(
        field("client_id"),
        None,
        "sent by HTTP Basic, not as a field"
    );

    // No secret on the pages or in the logs.
    let token = bot.grant.token.expose_secret().to_owned();
    let text = logs.text();
    for secret in [
        state.as_str(),
        code.as_str(),
        token.as_str(),
        DEMO_CLIENT_SECRET,
    ] {
        assert!(!done.body.contains(secret), "the page shows a secret");
        assert!(!text.contains(secret), "a log line holds a secret");
    }
}

#[tokio::test]
async fn a_replayed_state_is_refused_and_no_code_is_exchanged_twice() {
    let served = served().await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    assert_eq!(get(back.as_str(), Some(&cookie)).await.status, 200);
    assert_eq!(exchanges(&served.mock), 1);
    let again = get(back.as_str(), Some(&cookie)).await;
    assert_refused(&again, 400, "used already or has expired");
    assert_eq!(exchanges(&served.mock), 1, "no second exchange");
}

#[tokio::test]
async fn a_foreign_or_missing_state_is_refused_and_the_right_browser_still_finishes() {
    let served = served().await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    // Another browser (no cookie, or another install's) brings the link.
    let (_, other_cookie) = begin(&served).await;
    for foreign in [None, Some(other_cookie.as_str())] {
        let hop = get(back.as_str(), foreign).await;
        assert_refused(&hop, 400, "did not start this install");
    }
    // No state at all.
    let mut bare = back.clone();
    let code = param(&back, "code").unwrap();
    bare.set_query(Some(&format!("code={code}")));
    assert_refused(
        &get(bare.as_str(), Some(&cookie)).await,
        400,
        "carries no state",
    );
    // A forged state with its own matching cookie.
    let mut forged = back.clone();
    let fake_state = "0".repeat(64);
    forged.set_query(Some(&format!("code={code}&state={fake_state}")));
    let hop = get(
        forged.as_str(),
        Some(&format!("slack_calls_install_state={fake_state}")),
    )
    .await;
    assert_refused(&hop, 400, "used already or has expired");
    assert_eq!(exchanges(&served.mock), 0, "nothing was exchanged");
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
    // The browser that started it still can.
    assert_eq!(get(back.as_str(), Some(&cookie)).await.status, 200);
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let served = served_with(MockSlack::builder(), app_at, |flow| {
        flow.state_ttl(Duration::ZERO)
    })
    .await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    assert_refused(&get(back.as_str(), Some(&cookie)).await, 400, "has expired");
    assert_eq!(exchanges(&served.mock), 0);
}

#[tokio::test]
async fn a_declined_install_stores_nothing() {
    let served = served().await;
    served.mock.set_consent(ConsentAnswer::Deny);
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    let hop = get(back.as_str(), Some(&cookie)).await;
    assert_refused(&hop, 400, "cancelled");
    assert_eq!(exchanges(&served.mock), 0);
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
}

#[tokio::test]
async fn a_used_code_and_a_wrong_redirect_uri_store_nothing() {
    let logs = trace_capture::global();
    let served = served().await;
    // The code spent elsewhere first.
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let code = param(&back, "code").unwrap();
    let thief = slack_calls::Client::app_builder(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .base_url(served.mock.base_url())
        .build()
        .unwrap();
    thief
        .oauth()
        .v2()
        .access()
        .code(&code)
        .redirect_uri(served.redirect_uri.clone())
        .await
        .unwrap();
    let hop = get(back.as_str(), Some(&cookie)).await;
    assert_refused(&hop, 502, "invalid_code");
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
    // The failure's page and log lines name Slack's error, not the code,
    // the state or the secret.
    let state = param(&back, "state").unwrap();
    for secret in [code.as_str(), state.as_str(), DEMO_CLIENT_SECRET] {
        assert!(!hop.body.contains(secret), "the page shows a secret");
        assert!(!logs.text().contains(secret), "a log line holds a secret");
    }

    // A second flow of the same app with another registered redirect URI:
    // a code Slack issued for the first is refused for the second.
    let (listener, base) = listener().await;
    let other_uri = format!("{base}/other/oauth_redirect");
    served
        .mock
        .set_redirect_urls([served.redirect_uri.clone(), other_uri.clone()])
        .unwrap();
    let other = InstallFlow::builder(served.app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .bot_scopes(SCOPES)
        .authorize_url(served.mock.authorize_url())
        .redirect_uri(other_uri)
        .build()
        .unwrap();
    let router = other.router();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let mut wrong = Url::parse(&format!("{base}/other/oauth_redirect")).unwrap();
    wrong.set_query(back.query());
    let hop = get(wrong.as_str(), Some(&cookie)).await;
    assert_refused(&hop, 502, "bad_redirect_uri");
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
}

#[tokio::test]
async fn a_store_that_is_down_fails_the_install_and_caches_nothing() {
    let (listener, base) = listener().await;
    let redirect_uri = format!("{base}/slack/oauth_redirect");
    let mock = MockSlack::builder()
        .redirect_url(redirect_uri.clone())
        .start()
        .await
        .unwrap();
    mock.set_consent(ConsentAnswer::Allow);
    let api = mock.base_url().to_owned();
    let app = App::builder("A0MOCKAPP")
        .clients(move |client| client.base_url(api.clone()))
        .build_with_store(crate::support::flaky_store::FlakyStore::refusing_writes())
        .await
        .unwrap();
    let flow = InstallFlow::builder(app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .bot_scopes(SCOPES)
        .authorize_url(mock.authorize_url())
        .redirect_uri(redirect_uri.clone())
        .build()
        .unwrap();
    let router = flow.router();
    let _task = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let served = Served {
        mock,
        app,
        base,
        redirect_uri,
        _task: tokio::spawn(async {}),
    };
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let hop = get(back.as_str(), Some(&cookie)).await;
    assert_refused(&hop, 503, "the database is down");
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
    assert!(served.app.workspace("T0MOCK001").is_err());
}

#[tokio::test]
async fn a_slack_that_does_not_answer_ends_in_a_failure_page_in_time() {
    // A server that accepts and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/api/", silent.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = silent.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let served = served_with(
        MockSlack::builder(),
        |_| {
            App::builder("A0MOCKAPP")
                .clients(move |client| {
                    client
                        .base_url(silent_url.clone())
                        .timeout(Duration::from_millis(300))
                        .retry_policy(slack_calls::RetryPolicy::none())
                })
                .build()
                .unwrap()
        },
        |flow| flow,
    )
    .await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let hop = get(back.as_str(), Some(&cookie)).await;
    assert_refused(&hop, 502, "exchanging the code failed");
    assert!(served.app.installations().for_team("T0MOCK001").is_none());
}

#[tokio::test]
async fn an_install_may_end_at_the_apps_urls_or_in_its_hook() {
    let served = served_with(MockSlack::builder(), app_at, |flow| {
        flow.finish_at(
            "https://calls.example.com/welcome",
            "https://calls.example.com/sorry",
        )
    })
    .await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let done = get(back.as_str(), Some(&cookie)).await;
    assert_eq!(done.status, 302);
    assert_eq!(
        done.location.unwrap().as_str(),
        "https://calls.example.com/welcome"
    );
    let again = get(back.as_str(), Some(&cookie)).await;
    assert_eq!(
        again.location.unwrap().as_str(),
        "https://calls.example.com/sorry"
    );

    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let served = served_with(MockSlack::builder(), app_at, move |flow| {
        flow.on_finish(move |outcome: Result<Installation, InstallFailure>| {
            let log = log.clone();
            async move {
                let said = match &outcome {
                    Ok(installation) => format!("ok {}", installation.key()),
                    Err(failure) => format!("failed {failure}"),
                };
                log.lock().unwrap().push(said.clone());
                (StatusCode::IM_A_TEAPOT, said).into_response()
            }
        })
    })
    .await;
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    let done = get(back.as_str(), Some(&cookie)).await;
    assert_eq!(done.status, 418);
    let again = get(back.as_str(), Some(&cookie)).await;
    assert_eq!(again.status, 418);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].starts_with("ok "), "{seen:?}");
    assert!(seen[1].contains("used already"), "{seen:?}");
}

#[tokio::test]
async fn an_org_wide_install_is_keyed_by_its_organization() {
    let served = served_with(
        MockSlack::builder()
            .workspace(slack_calls_mock::MockWorkspace::new("T0MOCK002", "Second"))
            .enterprise("E0MOCK001", "Mock Org", ["T0MOCK001", "T0MOCK002"]),
        app_at,
        |flow| flow,
    )
    .await;
    served.mock.set_org_wide_install(true);
    let (authorize, cookie) = begin(&served).await;
    let back = at_slack(&authorize).await;
    assert_eq!(get(back.as_str(), Some(&cookie)).await.status, 200);
    let key = InstallationKey::org_wide("E0MOCK001");
    let stored = served.app.installations().get(&key).expect("org-wide");
    assert!(stored.is_enterprise_install && stored.team.is_none());
    assert!(stored.bot.as_ref().unwrap().bot_id.is_some());
    // It serves every workspace of the organization.
    for team in ["T0MOCK001", "T0MOCK002"] {
        served.app.workspace_of(&key, team).expect("served");
    }
}

#[tokio::test]
async fn the_flow_refuses_settings_it_cannot_use() {
    let app = App::builder("A0").build().unwrap();
    let build = |uri: &str, scopes: &[&str]| {
        InstallFlow::builder(app.clone(), "1.2", "secret")
            .bot_scopes(scopes.iter().copied())
            .redirect_uri(uri)
            .build()
            .map(|_| ())
            .map_err(|err| err.to_string())
    };
    assert!(build("https://a.example/cb", &["calls:read"]).is_ok());
    let plain = build("http://a.example/cb", &["calls:read"]).unwrap_err();
    assert!(plain.contains("https"), "{plain}");
    assert!(
        build("not a url", &["calls:read"])
            .unwrap_err()
            .contains("not a URL")
    );
    assert!(
        build("https://a.example/cb", &[])
            .unwrap_err()
            .contains("scope")
    );
    let debug = format!(
        "{:?}",
        InstallFlow::builder(app.clone(), "1.2", "the-secret-text")
            .bot_scopes(["calls:read"])
            .redirect_uri("https://a.example/cb")
            .build()
            .unwrap()
    );
    assert!(!debug.contains("the-secret-text"), "{debug}");
    // Off loopback, the cookie is Secure.
    let flow = InstallFlow::builder(app.clone(), "1.2", "secret")
        .bot_scopes(["calls:read"])
        .redirect_uri("https://calls.example.com/slack/oauth_redirect")
        .build()
        .unwrap();
    let (addr, _task) = serve(flow.router()).await;
    let hop = get(&format!("http://{addr}/slack/install"), None).await;
    assert_eq!(hop.status, 302);
    let set = &hop.cookies[0];
    assert!(set.contains("; Secure"), "{set}");
    assert!(hop.location.unwrap().as_str().starts_with(
        "https://slack.com/oauth/v2/authorize?client_id=1.2&scope=calls%3Aread&redirect_uri="
    ));
}

/// `events::Server` serves the receiver and the install flow on one
/// address in one call, with no framework of the app's own.
#[tokio::test]
async fn one_server_serves_the_receiver_and_the_install_flow() {
    use slack_calls::events::{Receiver, Server};

    let app = App::builder("A0").build().unwrap();
    let flow = InstallFlow::builder(app.clone(), "1.2", "secret")
        .bot_scopes(["calls:read"])
        .redirect_uri("https://calls.example.com/slack/oauth_redirect")
        .build()
        .unwrap();
    let secret = "one-server-test-signing-secret-0123";
    let receiver = Receiver::<slack_calls::Event>::builder(secret)
        .workspaces(app)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new()
        .events("/slack/events", &receiver)
        .install(&flow);
    tokio::spawn(server.serve_on(listener));

    let hop = get(&format!("http://{addr}/slack/install"), None).await;
    assert_eq!(hop.status, 302);
    let body = br#"{"type":"url_verification","challenge":"c-123","token":"x"}"#;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let secret = slack_calls::signing::SigningSecret::new(secret).unwrap();
    let answer = browser()
        .post(format!("http://{addr}/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", &now)
        .header(
            "x-slack-signature",
            slack_calls::signing::sign(&secret, &now, body),
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "c-123");
}

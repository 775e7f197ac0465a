//! The fake's page (`GET /`) and its data, read over plain HTTP: the
//! server-rendered HTML (what a person without JavaScript sees), the
//! fragment the page's script swaps in, the JSON snapshot, the embedded
//! assets. The browser test is `tests/real_parts/browser_page.rs`.

use std::time::Duration;

use serde_json::Value;
use slack_calls::{Block, CallBlock, CallUser};
use slack_calls_mock::{
    DEMO_BOT_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, DEMO_USER_TOKEN, Fault,
    LimitMode, MockSlack,
};

use crate::fake_support::raw_http::{http, post_form};

/// `GET <page_url><path>`: status, content type, body.
async fn get(mock: &MockSlack, path: &str) -> (u16, String, String) {
    let response = http()
        .get(format!("{}{path}", mock.page_url()))
        .send()
        .await
        .expect("the fake answers");
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, kind, response.text().await.expect("a text body"))
}

async fn snapshot(mock: &MockSlack) -> Value {
    let (status, kind, body) = get(mock, "_mock/page/snapshot").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/json"), "{kind}");
    serde_json::from_str(&body).expect("JSON")
}

#[tokio::test]
async fn the_page_draws_a_posted_call_as_a_card_without_javascript() {
    let mock = MockSlack::start().await.unwrap();
    let client = mock.client(mock.user_token()).unwrap();
    let call = client
        .calls()
        .add("page-1", "https://example.com/calls/page-1")
        .title("Quarterly <planning> & review")
        .users([
            CallUser::slack("U0MOCK002"),
            CallUser::external("guest-1", "Shego"),
        ])
        .await
        .unwrap()
        .call;
    client
        .chat()
        .post_message("C0MOCK001")
        .text("Planning is live")
        .blocks([Block::from(CallBlock::new(&call.id))])
        .await
        .unwrap();
    client
        .calls()
        .end(&call.id)
        .duration(Duration::from_secs(90))
        .await
        .unwrap();

    let (status, kind, html) = get(&mock, "").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"en\">"));
    // The card is in the first answer: no script needed to see it.
    let at = html
        .find(&format!("data-call-id=\"{}\" data-how=\"posted\"", call.id))
        .expect("a posted Call card");
    let card = &html[at..at + html[at..].find("</aside>").unwrap()];
    // The title is escaped, never markup.
    assert!(
        card.contains("Quarterly &lt;planning&gt; &amp; review"),
        "{card}"
    );
    assert!(!html.contains("<planning>"));
    assert!(card.contains("Ended"), "{card}");
    assert!(card.contains("lasted 1 min 30 s"), "{card}");
    // A Slack user by name, an external one by display name.
    assert!(card.contains("<li>Mock User U0MOCK002</li>"), "{card}");
    assert!(card.contains("<li>Shego</li>"), "{card}");
    // The Call's history, in the Calls column.
    assert!(
        html.contains("registered with Mock User U0MOCK002, Shego"),
        "{html}"
    );
    assert!(html.contains("ended (calls.end)"), "{html}");

    // The fragment is the inside of <main>, as rendered in the page.
    let (status, _, fragment) = get(&mock, "_mock/page/fragment").await;
    assert_eq!(status, 200);
    assert!(!fragment.contains("<html"));
    assert!(html.contains(&fragment));

    // The snapshot is the same state, as JSON.
    let data = snapshot(&mock).await;
    assert_eq!(data["ok"], true);
    let workspace = &data["workspaces"][0];
    assert_eq!(workspace["team_id"], DEMO_TEAM_ID);
    let listed = &workspace["calls"][0];
    assert_eq!(listed["id"], call.id.to_string());
    assert_eq!(listed["ended"], true);
    assert_eq!(listed["duration_secs"], 90);
    let general = workspace["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "C0MOCK001")
        .expect("#general");
    assert_eq!(general["messages"][0]["call_ids"][0], call.id.to_string());
}

#[tokio::test]
async fn the_assets_are_embedded_and_need_no_network() {
    let mock = MockSlack::start().await.unwrap();
    let (status, kind, css) = get(&mock, "page.css").await;
    assert_eq!((status, kind.as_str()), (200, "text/css; charset=utf-8"));
    assert!(css.contains("call-card"));
    let (status, kind, js) = get(&mock, "page.js").await;
    assert_eq!(
        (status, kind.as_str()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(js.contains("/_mock/page/fragment"));
    let (_, _, html) = get(&mock, "").await;
    // Nothing the page loads comes from elsewhere.
    for text in [&html, &css, &js] {
        for outside in ["src=\"http", "src=\"//", "url(http", "url(//", "@import"] {
            assert!(!text.contains(outside), "{outside} in {text}");
        }
    }
    assert!(!js.contains("http"), "the script asks only its own origin");
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/page.css\">"));
    assert!(html.contains("<script src=\"/page.js\" defer></script>"));
}

#[tokio::test]
async fn requests_faults_and_rate_limits_show_but_no_secret_does() {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::PerMinute(2))
        .start()
        .await
        .unwrap();
    // A client secret goes by in a form field, and a install code's tokens
    // come back in an answer: neither may reach the page.
    let code = mock
        .start_install(DEMO_TEAM_ID, ["calls:read"], ["calls:read"])
        .unwrap();
    let installed = post_form(
        &mock,
        "oauth.v2.access",
        None,
        &[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("code", &code),
        ],
    )
    .await;
    assert!(installed.ok(), "{:?}", installed.json());
    let new_bot = installed.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    mock.fault("calls.info", Fault::Status(503), 1);
    let info = post_form(
        &mock,
        "calls.info",
        Some(DEMO_BOT_TOKEN),
        &[("id", "R0NOPE")],
    )
    .await;
    assert_eq!(info.status, 503);
    // The limit is 2 a minute: the third calls.add is refused with 429.
    for n in 0..3 {
        let id = format!("ext-{n}");
        let _ = post_form(
            &mock,
            "calls.add",
            Some(DEMO_USER_TOKEN),
            &[
                ("external_unique_id", id.as_str()),
                ("join_url", "https://example.com/j"),
            ],
        )
        .await;
    }

    let data = snapshot(&mock).await;
    let requests = data["requests"].as_array().unwrap();
    let faulted = requests
        .iter()
        .find(|r| r["method"] == "calls.info")
        .expect("calls.info logged");
    assert!(faulted.get("params").is_none(), "{faulted}");
    let limits = data["workspaces"][0]["rate_limits"].as_array().unwrap();
    let adds = limits
        .iter()
        .find(|l| l["method"] == "calls.add")
        .expect("calls.add's window");
    assert_eq!(adds["limit"], 2);
    assert!(adds["count"].as_u64().unwrap() >= 2, "{adds}");
    assert!(
        adds["paused_secs"].as_f64().is_some(),
        "a 429 pause: {adds}"
    );

    let (_, _, html) = get(&mock, "").await;
    assert!(html.contains("calls.info"));
    assert!(html.contains("503"), "the injected fault shows");
    assert!(html.contains("429 for "), "the 429 pause shows");
    assert!(html.contains("oauth.v2.access"));
    let everything = [
        html,
        get(&mock, "_mock/page/fragment").await.2,
        data.to_string(),
    ];
    for text in &everything {
        for secret in [
            DEMO_BOT_TOKEN,
            DEMO_USER_TOKEN,
            DEMO_CLIENT_SECRET,
            new_bot.as_str(),
        ] {
            assert!(!text.contains(secret), "a secret shows in the page");
        }
    }
}

#[tokio::test]
async fn a_users_text_is_escaped() {
    let mock = MockSlack::start().await.unwrap();
    mock.user_posts(
        "U0MOCK003",
        "C0MOCK002",
        "<script>alert('x')</script> & \"quotes\"",
    )
    .unwrap();
    let (_, _, html) = get(&mock, "").await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert"), "{html}");
}

//! The fake's page in a real browser: headless Chromium opens it on an
//! empty fake, and a scripted lifecycle runs *while the page is open*.
//! Each time the page's script asks for a live update, the test first takes
//! the next step of the lifecycle (a proxy in front of the fake does both),
//! so every Call card the browser ends up showing came through the page's
//! live updates, not through its first load. Then the test reads the DOM
//! the browser built: the posted and the unfurled Call cards, with their
//! titles, participants (Slack users by name, external ones by display
//! name) and ended state (no Join button once ended), a 33-person roster
//! showing its first names and "and K more" (and, measured in the
//! browser's layout, not stretching the page; what a person opens stays
//! open through the live updates), a user's Slack link markup
//! drawn as a link, the event deliveries with where the Call button's Call
//! opens, and the request log telling refusals (with what their code
//! means) from failures; and it checks that no token and no signing secret
//! is anywhere in the page or its data. A screenshot is left in
//! `target/tmp/page.png` (Cargo's `CARGO_TARGET_TMPDIR`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use libtest_mimic::Failed;
use slack_calls::{Block, CallBlock, CallUser, Client, TokenKind, Unfurl};
use slack_calls_mock::{
    DEMO_BOT_TOKEN, DEMO_CLIENT_SECRET, DEMO_SCOPES, DEMO_USER_TOKEN, Fault, MockApp, MockSlack,
};

use crate::fake_support::delivery_log::deliveries_until;
use crate::part::Part;

/// Debian's `chromium` (`.ci/run` installs it).
pub static CHROMIUM: Part = Part {
    what: "Chromium, to run headless",
    env: "SLACK_CALLS_CHROMIUM",
    how: "apt-get install chromium, or name a Chromium or Chrome binary",
    on_path: Some("chromium"),
    check: None,
};

/// The app's signing secret: it must never reach the page.
const SECRET: &str = "page-test-signing-secret-7f3a0c9e51d2b84e";

/// How many lifecycle steps the page's live updates drive.
const STEPS: usize = 11;

/// How many external guests join the posted Call at once: with the three
/// others left, its roster has 33 people.
const GUESTS: usize = 30;

/// Where the Call the Call button starts opens (the test app's answer).
const BUTTON_CALL_URL: &str = "https://example.com/calls/button";

/// The most participants a Call card shows before "and K more"
/// (`slack-calls-mock`'s page, `CARD_SHOWN`).
const CARD_SHOWN: usize = 8;

/// Added to the page by the proxy (never by the fake): it measures the
/// layout the browser made and leaves it on `<html data-layout>`, where
/// the dumped DOM has it, in px: how far the channels column's and the
/// Calls column's content reach, the posted Call card's height and that
/// of its Call in the Calls column, every `<details>` closed. And it acts
/// as a person who opens the first long history line's "all N": each time
/// a live update has replaced it, it counts whether it came back open
/// (`kept`) or closed (`lost`).
const MEASURE: &str = r#"<script>
(function () {
  var opened = null, kept = 0, lost = 0;
  function reach(selector) {
    var section = document.querySelector(selector);
    var last = section && section.lastElementChild;
    return last ? Math.round(last.getBoundingClientRect().bottom - section.getBoundingClientRect().top) : -1;
  }
  function height(element) {
    return element ? Math.round(element.getBoundingClientRect().height) : -1;
  }
  function person() {
    var d = document.querySelector('details[id^="history-more-"]');
    if (!d) { return; }
    if (!opened) { d.open = true; opened = d; return; }
    if (d !== opened) {
      if (d.open) { kept++; } else { lost++; }
      opened = d;
    }
  }
  function measure() {
    person();
    // Measured as first drawn: what the person opened, closed.
    var open = Array.prototype.slice.call(document.querySelectorAll("details[open]"));
    open.forEach(function (d) { d.open = false; });
    var card = document.querySelector('.call-card[data-how="posted"]');
    var call = card && document.getElementById("call-" + card.getAttribute("data-call-id"));
    var layout = JSON.stringify({
      channels: reach(".workspace > .channels"),
      calls: reach(".workspace > .calls"),
      card: height(card),
      call: height(call),
      kept: kept,
      lost: lost
    });
    open.forEach(function (d) { d.open = true; });
    document.documentElement.setAttribute("data-layout", layout);
  }
  setInterval(measure, 250);
})();
</script>"#;

pub fn live_page_in_a_real_browser(chromium: &OsString) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(chromium.clone()))
}

async fn run(chromium: OsString) -> Result<(), Failed> {
    let scopes = DEMO_SCOPES
        .iter()
        .copied()
        .chain(["links:read", "links:write"]);
    let fake = MockSlack::builder()
        .token(DEMO_BOT_TOKEN, TokenKind::Bot, scopes)
        .start()
        .await?;
    let client = fake.client(fake.bot_token())?;

    // The app's endpoint: it acknowledges every event (the test itself
    // plays the app's reaction, below), and answers the Call button (a
    // form) with a Call in the HTTP response.
    let app_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_url = format!("http://{}/slack/events", app_listener.local_addr()?);
    let app = Router::new().route(
        "/slack/events",
        axum::routing::post(|headers: axum::http::HeaderMap| async move {
            let form = headers.get(header::CONTENT_TYPE).is_some_and(|v| {
                v.as_bytes()
                    .starts_with(b"application/x-www-form-urlencoded")
            });
            if form {
                serde_json::json!({
                    "response_type": "call",
                    "call_initiation_url": BUTTON_CALL_URL,
                })
                .to_string()
            } else {
                String::new()
            }
        }),
    );
    let app = crate::fake_support::handshake::answers_handshake(app);
    tokio::spawn(async move { axum::serve(app_listener, app).await });
    fake.register_app(MockApp::new(&app_url, SECRET)?.unfurl_domains(["example.com"]))
        .await?;

    let http = reqwest::Client::new();
    let first = get_text(&http, &fake.page_url()).await?;
    if first.contains("call-card") {
        return Err("the page shows a Call card before any Call was made".into());
    }

    let fake = Arc::new(fake);
    let proxy = Arc::new(Proxy {
        origin: fake.page_url().trim_end_matches('/').to_owned(),
        http: http.clone(),
        fake: Arc::clone(&fake),
        client,
        taken: AtomicUsize::new(0),
        step: tokio::sync::Mutex::new(Lifecycle::default()),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let proxy_url = format!("http://{}/", listener.local_addr()?);
    let router = Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    tokio::spawn(async move { axum::serve(listener, router).await });

    // The browser opens the page and keeps it open for 20 s of its own
    // (virtual) time: the page asks for an update each second, so about 20
    // updates, each one after the next lifecycle step.
    let profile = scratch_dir("profile")?;
    let dom = {
        let chromium = chromium.clone();
        let profile = profile.clone();
        let url = proxy_url.clone();
        tokio::task::spawn_blocking(move || {
            browser(
                &chromium,
                &profile,
                &[
                    "--dump-dom",
                    "--window-size=1280,1600",
                    "--virtual-time-budget=20000",
                ],
                &url,
            )
        })
        .await??
    };
    let taken = proxy.taken.load(Ordering::SeqCst);
    let errors = proxy.step.lock().await.errors.clone();
    if !errors.is_empty() {
        return Err(format!("lifecycle steps failed: {errors:?}").into());
    }
    if taken < STEPS {
        return Err(format!(
            "the page asked for {taken} live updates; the lifecycle needs {STEPS}:\n{dom}"
        )
        .into());
    }

    let (posted_id, unfurled_id) = {
        let lifecycle = proxy.step.lock().await;
        (lifecycle.posted.clone(), lifecycle.unfurled.clone())
    };
    let posted = card(&dom, &posted_id)?;
    for expected in [
        "data-how=\"posted\"",
        "Design review (overtime)",
        "Ended",
        // Slack users by name, external participants by display name.
        "Mock User U0MOCK003",
        "Kim Possible",
        "Ron Stoppable",
    ] {
        if !posted.contains(expected) {
            return Err(format!("the posted Call card lacks {expected:?}:\n{posted}").into());
        }
    }
    // U0MOCK002 left the Call: the card's roster no longer has them.
    if posted.contains("Mock User U0MOCK002") {
        return Err(format!("the posted Call card still lists U0MOCK002:\n{posted}").into());
    }
    // Ended: no Join button.
    if posted.contains("class=\"join\"") || posted.contains(">Join<") {
        return Err(format!("the ended Call's card has a Join button:\n{posted}").into());
    }
    long_roster_is_bounded(posted, &dom)?;
    let unfurled = card(&dom, &unfurled_id)?;
    for expected in [
        "data-how=\"unfurled\"",
        "Standup (shared link)",
        "Started",
        // Live: a Join button to its join URL.
        "<a class=\"join\" href=\"https://example.com/calls/standup\"",
    ] {
        if !unfurled.contains(expected) {
            return Err(format!("the unfurled Call card lacks {expected:?}:\n{unfurled}").into());
        }
    }
    for expected in [
        "Unfurled <a href=\"https://example.com/calls/standup\"",
        // The user's `<url|label>` is a link reading its label.
        "Standup now: <a href=\"https://example.com/calls/standup\" rel=\"noreferrer\">join here</a>",
        "link_shared",
        "calls.end",
        "chat.unfurl",
    ] {
        if !dom.contains(expected) {
            return Err(format!("the page lacks {expected:?}:\n{dom}").into());
        }
    }
    if dom.contains("join here&gt;") {
        return Err(format!("the page shows Slack's link markup raw:\n{dom}").into());
    }
    // The Call button's press, with where its Call opens.
    let press = row(&dom, "<tr class=\"delivery call_initiation\">")?;
    let opens = format!("{BUTTON_CALL_URL}</a> <small>(in the HTTP answer)</small>");
    if !press.contains(&format!("<a href=\"{BUTTON_CALL_URL}\"")) || !press.contains(&opens) {
        return Err(format!(
            "the Call button's delivery does not say where the Call opens:\n{press}"
        )
        .into());
    }
    request_log_tells_refusals_from_failures(&dom)?;

    // No token and no secret anywhere in the page or its data.
    let origin = fake.page_url();
    let mut seen = vec![("the browser's DOM".to_owned(), dom.clone())];
    for path in [
        "",
        "_mock/page/fragment",
        "_mock/page/snapshot",
        "page.js",
        "page.css",
    ] {
        let url = format!("{origin}{path}");
        seen.push((url.clone(), get_text(&http, &url).await?));
    }
    for (what, text) in &seen {
        for secret in [DEMO_BOT_TOKEN, DEMO_USER_TOKEN, DEMO_CLIENT_SECRET, SECRET] {
            if text.contains(secret) {
                return Err(format!("{what} shows a secret ({} characters)", secret.len()).into());
            }
        }
    }

    // A screenshot for people, left as the test's artifact.
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("page.png");
    let _ = std::fs::remove_file(&shot);
    let screenshot_flag = format!("--screenshot={}", shot.display());
    let url = fake.page_url();
    tokio::task::spawn_blocking(move || {
        browser(
            &chromium,
            &profile,
            &[
                screenshot_flag.as_str(),
                "--window-size=1280,2300",
                "--hide-scrollbars",
                "--virtual-time-budget=2000",
            ],
            &url,
        )
    })
    .await??;
    let png = std::fs::read(&shot).map_err(|err| format!("{}: {err}", shot.display()))?;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") || png.len() < 10_000 {
        return Err(format!(
            "{} is not a screenshot ({} bytes)",
            shot.display(),
            png.len()
        )
        .into());
    }
    eprintln!("the page's screenshot: {}", shot.display());
    Ok(())
}

/// The posted Call's 33 people: the card shows its first [`CARD_SHOWN`]
/// and "and 25 more" (closed), which holds the rest; in the browser's
/// layout the card and the Call's entry in the Calls column stay short,
/// and the Calls column does not run far past the channels column.
fn long_roster_is_bounded(posted: &str, dom: &str) -> Result<(), Failed> {
    // The browser's layout, measured by the proxy's script.
    let at = dom
        .find("data-layout=\"")
        .ok_or_else(|| format!("the page was not measured:\n{dom}"))?;
    let text = &dom[at + "data-layout=\"".len()..];
    let text = text[..text.find('"').unwrap_or(text.len())].replace("&quot;", "\"");
    let layout: serde_json::Value = serde_json::from_str(&text)?;
    eprintln!("the page's layout, in px: {layout}");
    let px = |key: &str| layout[key].as_f64().unwrap_or(-1.0);
    let (channels, calls) = (px("channels"), px("calls"));
    let (card, call) = (px("card"), px("call"));
    if channels <= 0.0 || calls <= 0.0 || card <= 0.0 || call <= 0.0 {
        return Err(format!("the layout was not measured: {layout}").into());
    }

    let (shown, more) = posted
        .split_once("<details")
        .ok_or_else(|| format!("the 33-person card has no \"and K more\":\n{posted}"))?;
    let chips = shown.matches("<li>").count();
    if chips != CARD_SHOWN || !shown.contains("Participants (33)") {
        return Err(format!("the card shows {chips} of 33 participants:\n{posted}").into());
    }
    let rest = 33 - CARD_SHOWN;
    if !more.contains(&format!("<summary>and {rest} more</summary>"))
        || more.matches("<li>").count() != rest
    {
        return Err(
            format!("the card's \"and {rest} more\" does not hold the rest:\n{posted}").into(),
        );
    }
    if more.starts_with(" open") || more.contains("open=\"\"") {
        return Err(format!("the card's rest is open at first:\n{posted}").into());
    }
    for n in 1..=GUESTS {
        if !posted.contains(&format!("<li>Guest {n:02}</li>")) {
            return Err(format!("the card lost Guest {n:02}:\n{posted}").into());
        }
    }
    // Measured on this page: bounded, the card is about 175 px and its
    // Call in the Calls column about 490; with every name shown, about 310
    // and 725 (and with one name a line, the Calls column ran 2.5 times
    // the channels column).
    if card > 240.0 {
        return Err(format!("the 33-person card is {card} px tall: {layout}").into());
    }
    if call > 600.0 {
        return Err(
            format!("the 33-person Call is {call} px tall in the Calls column: {layout}").into(),
        );
    }
    if calls > 2.0 * channels {
        return Err(format!(
            "the Calls column ({calls} px) runs over twice the channels column ({channels} px)"
        )
        .into());
    }
    // What a person opened stays open through the live updates.
    if px("kept") < 1.0 || px("lost") != 0.0 {
        return Err(format!(
            "an opened \"all N\" did not stay open through live updates: {layout}"
        )
        .into());
    }
    Ok(())
}

/// The request log: a provoked `users_not_found` and `inactive_call` are
/// refusals, with what the code means; the injected 503 is a failure.
fn request_log_tells_refusals_from_failures(dom: &str) -> Result<(), Failed> {
    let rows: Vec<&str> = dom.split("<tr class=\"").skip(1).collect();
    let find = |method: &str, class: &str, words: &str| {
        let method = format!("<code>{method}</code>");
        rows.iter()
            .find(|row| {
                row.starts_with(&format!("{class}\""))
                    && row.contains(&method)
                    && row.contains(words)
            })
            .map(|_| ())
            .ok_or_else(|| {
                format!("the request log has no {class} row for {method} saying {words:?}:\n{dom}")
            })
    };
    find(
        "users.lookupByEmail",
        "refusal",
        "refused: <code>users_not_found</code> — the email is not a Slack user",
    )?;
    find(
        "calls.participants.add",
        "refusal",
        "refused: <code>inactive_call</code> — the Call has already ended",
    )?;
    find(
        "calls.info",
        "failure",
        "failed: no Slack answer (injected fault)",
    )?;
    Ok(())
}

/// The first table row in `dom` that starts with `start`.
fn row<'a>(dom: &'a str, start: &str) -> Result<&'a str, String> {
    let at = dom
        .find(start)
        .ok_or_else(|| format!("no {start} in the page:\n{dom}"))?;
    let end = dom[at..].find("</tr>").map_or(dom.len(), |e| at + e);
    Ok(&dom[at..end])
}

/// The lifecycle the page's live updates drive, and what it made.
#[derive(Default)]
struct Lifecycle {
    posted: String,
    unfurled: String,
    errors: Vec<String>,
}

/// In front of the fake: forwards every request, and takes the next
/// lifecycle step before forwarding a live update.
struct Proxy {
    origin: String,
    http: reqwest::Client,
    fake: Arc<MockSlack>,
    client: Client,
    taken: AtomicUsize,
    step: tokio::sync::Mutex<Lifecycle>,
}

async fn forward(State(proxy): State<Arc<Proxy>>, uri: Uri) -> Response {
    if uri.path() == "/_mock/page/fragment" {
        let mut lifecycle = proxy.step.lock().await;
        let n = proxy.taken.load(Ordering::SeqCst);
        if n < STEPS {
            if let Err(err) = step(n, &proxy, &mut lifecycle).await {
                lifecycle.errors.push(format!("step {n}: {err}"));
            }
            proxy.taken.store(n + 1, Ordering::SeqCst);
        }
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let answer = async {
        let response = proxy
            .http
            .get(format!("{}{path}", proxy.origin))
            .send()
            .await?;
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
        Ok::<_, reqwest::Error>((status, kind, response.bytes().await?))
    };
    match answer.await {
        Ok((status, kind, body)) => {
            let body = if uri.path() == "/" {
                let page = String::from_utf8_lossy(&body).replacen(
                    "</body>",
                    &format!("{MEASURE}</body>"),
                    1,
                );
                axum::body::Bytes::from(page)
            } else {
                body
            };
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                [(header::CONTENT_TYPE, kind)],
                body,
            )
                .into_response()
        }
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    }
}

type StepResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// One step of the lifecycle, as a Calls app takes it.
async fn step(n: usize, proxy: &Proxy, lifecycle: &mut Lifecycle) -> StepResult {
    let calls = proxy.client.calls();
    match n {
        0 => {
            let call = calls
                .add("page-test-design", "https://example.com/calls/design")
                .title("Design review")
                .created_by("U0MOCK001")
                .users([
                    CallUser::slack("U0MOCK002"),
                    CallUser::external("kim@partner.example", "Kim Possible"),
                ])
                .await?
                .call;
            lifecycle.posted = call.id.to_string();
        }
        1 => {
            proxy
                .client
                .chat()
                .post_message("C0MOCK001")
                .text("Design review is live")
                .blocks([Block::from(CallBlock::new(lifecycle.posted.as_str()))])
                .await?;
        }
        2 => {
            // A big meeting: with the guests, 33 people once U0MOCK002 left.
            let guests = (1..=GUESTS).map(|n| {
                CallUser::external(format!("guest{n}@partner.example"), format!("Guest {n:02}"))
            });
            calls
                .participants()
                .add(
                    lifecycle.posted.as_str(),
                    [
                        CallUser::slack("U0MOCK003"),
                        CallUser::external("ron@partner.example", "Ron Stoppable"),
                    ]
                    .into_iter()
                    .chain(guests),
                )
                .await?;
        }
        3 => {
            calls
                .participants()
                .remove(lifecycle.posted.as_str(), [CallUser::slack("U0MOCK002")])
                .await?;
        }
        4 => {
            // A person shares a link; the app unfurls it as a Call.
            let url = "https://example.com/calls/standup";
            let message = proxy.fake.user_posts(
                "U0MOCK003",
                "C0MOCK002",
                &format!("Standup now: <{url}|join here>"),
            )?;
            // The app unfurls when `link_shared` reaches it: wait until the
            // fake has delivered it and logged the app's answer, so the page
            // has the delivery to show (the fake sends in the background).
            deliveries_until(&proxy.fake, |log| {
                log.iter()
                    .any(|d| d.kind == "link_shared" && d.acked_in_time)
            })
            .await?;
            let call = calls
                .add("page-test-standup", url)
                .title("Standup (shared link)")
                .created_by("U0MOCK003")
                .await?
                .call;
            lifecycle.unfurled = call.id.to_string();
            proxy
                .client
                .chat()
                .unfurl([(url, Unfurl::new([Block::from(CallBlock::new(&call.id))]))])
                .channel(message.channel.as_str())
                .ts(message.ts.as_str())
                .await?;
        }
        5 => {
            calls
                .update(lifecycle.posted.as_str())
                .title("Design review (overtime)")
                .await?;
        }
        6 => {
            // An attendee's email that is no Slack user's: the workflow asks
            // and adds them as an external participant on `users_not_found`.
            match proxy
                .client
                .users()
                .lookup_by_email("kim@partner.example")
                .await
            {
                Err(err) if err.slack_code() == Some("users_not_found") => {}
                other => return Err(format!("users_not_found expected, got {other:?}").into()),
            }
        }
        7 => {
            // A person presses the Call button; the app answers with a Call.
            let call = proxy
                .fake
                .user_presses_call_button("U0MOCK001", "C0MOCK001")
                .await?;
            if call.call_initiation_url != BUTTON_CALL_URL {
                return Err(format!("the Call button opened {}", call.call_initiation_url).into());
            }
        }
        8 => {
            calls
                .end(lifecycle.posted.as_str())
                .duration(Duration::from_secs(25 * 60))
                .await?;
        }
        9 => {
            // Adding to the ended Call is refused with `inactive_call`.
            match calls
                .participants()
                .add(lifecycle.posted.as_str(), [CallUser::slack("U0MOCK004")])
                .await
            {
                Err(err) if err.slack_code() == Some("inactive_call") => {}
                other => return Err(format!("inactive_call expected, got {other:?}").into()),
            }
        }
        10 => {
            // A real failure: a load balancer's 503, sent once (raw, so no
            // client retries it).
            proxy.fake.fault("calls.info", Fault::Status(503), 1);
            let body = form_urlencoded::Serializer::new(String::new())
                .append_pair("id", &lifecycle.posted)
                .finish();
            let status = proxy
                .http
                .post(format!("{}calls.info", proxy.fake.base_url()))
                .bearer_auth(DEMO_BOT_TOKEN)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await?
                .status();
            if status.as_u16() != 503 {
                return Err(format!("the injected 503 came back as {status}").into());
            }
        }
        _ => {}
    }
    Ok(())
}

/// The Call card for `id` in the DOM: from its `<aside>` to the end of it.
fn card<'a>(dom: &'a str, id: &str) -> Result<&'a str, String> {
    let mark = format!("data-call-id=\"{id}\"");
    let at = dom
        .find(&mark)
        .ok_or_else(|| format!("no Call card for {id} in the page:\n{dom}"))?;
    let start = dom[..at].rfind("<aside").unwrap_or(at);
    let end = dom[at..].find("</aside>").map_or(dom.len(), |e| at + e);
    Ok(&dom[start..end])
}

async fn get_text(http: &reqwest::Client, url: &str) -> Result<String, Failed> {
    let response = http.get(url).send().await?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: HTTP {}", response.status()).into());
    }
    Ok(response.text().await?)
}

/// A fresh directory for Chromium's test files.
pub(crate) fn scratch_dir(name: &str) -> Result<PathBuf, Failed> {
    crate::part::scratch_dir(&format!("chromium-{name}"))
}

/// Headless Chromium's flags in every test that starts it.
pub(crate) const HEADLESS: &[&str] = &[
    "--headless",
    // CI runs as root in a container, where Chromium's sandbox cannot
    // start.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
];

/// Runs headless Chromium on `url` with `flags`, at most two minutes;
/// its standard output.
fn browser(
    chromium: &OsString,
    profile: &Path,
    flags: &[&str],
    url: &str,
) -> Result<String, Failed> {
    let mut child = Command::new(chromium)
        .args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(flags)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("could not start {chromium:?}: {err}"))?;
    let out = child.stdout.take();
    let err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut out) = out {
            let _ = std::io::Read::read_to_string(&mut out, &mut text);
        }
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut err) = err {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{chromium:?} took over two minutes on {url}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("{chromium:?} failed ({status}) on {url}:\n{stderr}").into());
    }
    Ok(stdout)
}

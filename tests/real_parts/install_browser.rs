//! Our install flow (`InstallFlow`, feature `install`) walked by a real
//! browser through the fake Slack's consent page. Headless Chromium opens
//! our install path, follows our redirect to the fake's authorize page,
//! and there a person's click on **Allow** (a mouse press and release on
//! the button, sent as input events over the DevTools protocol, so the
//! page gets a trusted click and submits its own form) makes the fake send
//! the browser back to our redirect path with a code. The fake is reached
//! as `localhost` and we as `127.0.0.1`, two sites as Slack and an app
//! are, so the browser has to bring our `SameSite=Lax` install cookie back
//! across sites (with `Strict` this test fails). Our page says
//! "Installed", the installation is in the SQLite file with its bot id,
//! the fake saw exactly one `oauth.v2.access`, of the code the browser
//! carried, and the page holds no code, state, token or client secret. A
//! second walk clicks **Cancel**: "Not installed", the install cancelled,
//! nothing new stored and no exchange.
//!
//! The DevTools protocol runs over `--remote-debugging-pipe`: Chromium
//! reads commands on its descriptor 3 and writes answers and events on its
//! descriptor 4, each a JSON text ended by a NUL byte. No websocket.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use reqwest::Url;
use serde_json::{Value, json};
use slack_calls::{App, InstallFlow, Installation, InstallationStore, SqliteStore, TokenKeys};
use slack_calls_mock::{ConsentAnswer, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, MockSlack};

use crate::browser_page::scratch_dir;

/// The fake's default workspace, where its user installs the app.
const TEAM: &str = "T0MOCK001";

/// Our install cookie.
const COOKIE: &str = "slack_calls_install_state";

const SCOPES: [&str; 4] = ["calls:read", "calls:write", "links:read", "links:write"];

/// How long the browser gets to answer a command or to reach a page.
const WAIT: Duration = Duration::from_secs(30);

fn keys() -> Result<TokenKeys, Failed> {
    Ok(TokenKeys::new("k1", &[7u8; 32])?)
}

use crate::part::check;

fn param(url: &str, name: &str) -> Option<String> {
    Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// Equal, but for `installed_at` within a millisecond: the SQLite file
/// keeps milliseconds (and an App takes the file's copy on its next poll).
fn same_installation(a: &Installation, b: &Installation) -> bool {
    let apart = match a.installed_at.duration_since(b.installed_at) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    let mut a = a.clone();
    a.installed_at = b.installed_at;
    a == *b && apart < Duration::from_millis(1)
}

pub fn install_through_the_consent_page_in_a_real_browser(
    chromium: &OsString,
) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run(chromium.clone()))
}

async fn run(chromium: OsString) -> Result<(), Failed> {
    // Our port first: the redirect URL is registered with the fake.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let redirect_uri = format!("{base}/slack/oauth_redirect");
    let mock = MockSlack::builder()
        .redirect_url(redirect_uri.clone())
        .start()
        .await?;
    // The fake shows its consent page, for the person in the browser.
    mock.set_consent(ConsentAnswer::Ask);

    // The browser meets the fake as `localhost` and us as `127.0.0.1`: two
    // sites, as Slack and an app are, so our SameSite=Lax cookie has to
    // come back through a cross-site form post and redirect.
    let authorize_url = mock.authorize_url().replacen("127.0.0.1", "localhost", 1);
    check(authorize_url.starts_with("http://localhost:"), || {
        format!("the fake's authorize URL: {authorize_url}")
    })?;

    let dir = scratch_dir("install-store")?;
    let db = dir.join("installations.db");
    let fake_url = mock.base_url().to_owned();
    let app = App::builder("A0MOCKAPP")
        .clients(move |client| client.base_url(fake_url.clone()))
        .build_with_store(SqliteStore::open(&db, keys()?).await?)
        .await?;
    let flow = InstallFlow::builder(app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .bot_scopes(SCOPES)
        .user_scopes(["users:read"])
        .authorize_url(authorize_url.clone())
        .redirect_uri(redirect_uri.clone())
        .build()?;
    let router = flow.router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let install_url = format!("{base}{}", flow.install_path());
    let walk_to = |decision: &'static str| {
        let chromium = chromium.clone();
        let install_url = install_url.clone();
        tokio::task::spawn_blocking(move || walk(&chromium, decision, &install_url))
    };

    // The person allows.
    let allowed = walk_to("allow").await??;
    check(allowed.title == "Installed", || {
        format!("the final page is not our success page:\n{}", allowed.dom)
    })?;
    check(
        allowed.dom.contains("<h1 id=\"title\">Installed</h1>"),
        || format!("no success heading:\n{}", allowed.dom),
    )?;
    let state = allowed.through_the_consent_page(&authorize_url, &redirect_uri)?;
    let code = param(&allowed.final_url, "code")
        .ok_or_else(|| format!("the fake's redirect carries no code: {}", allowed.final_url))?;

    // Stored, in the App and in the SQLite file, with the bot's id.
    let stored = app
        .installations()
        .for_team(TEAM)
        .ok_or("the App holds no installation for the fake's workspace")?;
    let bot = stored.bot.as_ref().ok_or("the installation has no bot")?;
    check(
        bot.bot_id.as_deref().is_some_and(|id| id.starts_with('B')),
        || format!("no bot id from auth.test: {bot:?}"),
    )?;
    let file = SqliteStore::open(&db, keys()?).await?;
    let in_file = file
        .find_team(TEAM)
        .await?
        .ok_or("the SQLite file holds no installation for the fake's workspace")?;
    check(same_installation(&stored, &in_file), || {
        format!("the file holds another installation: {in_file:?}")
    })?;

    // One exchange (of the browser's code: checked at the end).
    let exchanges = mock.requests_for("oauth.v2.access");
    check(exchanges.len() == 1, || {
        format!("{} oauth.v2.access, not one", exchanges.len())
    })?;

    // Nothing secret on the page.
    let mut secrets: Vec<(&str, String)> = vec![
        ("the code", code.clone()),
        ("the state", state.clone()),
        ("the client secret", DEMO_CLIENT_SECRET.to_owned()),
    ];
    check(stored.tokens().count() >= 2, || {
        "the bot's and the installer's tokens".into()
    })?;
    for token in stored.tokens() {
        secrets.push(("a token", token.expose_secret().to_owned()));
    }
    for (what, secret) in &secrets {
        check(!allowed.dom.contains(secret.as_str()), || {
            format!("the success page shows {what}")
        })?;
    }

    // The person cancels: nothing new.
    let cancelled = walk_to("cancel").await??;
    check(cancelled.title == "Not installed", || {
        format!("the final page after Cancel:\n{}", cancelled.dom)
    })?;
    check(cancelled.message.contains("cancelled"), || {
        format!(
            "the page does not say the install was cancelled:\n{}",
            cancelled.dom
        )
    })?;
    let second = cancelled.through_the_consent_page(&authorize_url, &redirect_uri)?;
    check(second != state, || "each install gets its own state".into())?;
    check(
        param(&cancelled.final_url, "error").as_deref() == Some("access_denied")
            && param(&cancelled.final_url, "code").is_none(),
        || format!("the fake's redirect after Cancel: {}", cancelled.final_url),
    )?;
    secrets.push(("its state", second.clone()));
    for (what, secret) in &secrets {
        check(!cancelled.dom.contains(secret.as_str()), || {
            format!("the page after Cancel shows {what}")
        })?;
    }
    check(mock.requests_for("oauth.v2.access").len() == 1, || {
        "Cancel led to an exchange".into()
    })?;
    let all = file.all().await?;
    check(all == vec![in_file.clone()], || {
        format!("the file changed after Cancel: {all:?}")
    })?;
    let now = app.installations().for_team(TEAM);
    check(
        now.as_ref()
            .is_some_and(|now| same_installation(now, &in_file)),
        || format!("the App's installation changed after Cancel: {now:?}"),
    )?;

    // The code the browser carried is the one our flow exchanged: Slack
    // takes a code once, and this one is spent.
    let form: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("redirect_uri", &redirect_uri)
        .finish();
    let replay = reqwest::Client::new()
        .post(format!("{}oauth.v2.access", mock.base_url()))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await?
        .text()
        .await?;
    let replay: Value = serde_json::from_str(&replay)?;
    check(
        replay["ok"] == false
            && replay["error"] == "invalid_code"
            && replay.to_string().contains("the code was already used"),
        || format!("the browser's code, exchanged again: {replay}"),
    )?;

    server.abort();
    Ok(())
}

/// What the browser went through, read from the browser itself.
struct Walk {
    /// The consent page's URL.
    consent_url: String,
    /// The install cookie the browser held on the consent page.
    cookie: Option<Value>,
    /// The URL of the last page.
    final_url: String,
    /// Its `#title` and `#message`.
    title: String,
    message: String,
    /// Its DOM, as the browser built it.
    dom: String,
    /// Whether the browser still held an install cookie at the end.
    cookie_after: bool,
}

impl Walk {
    /// Checks the walk went from the fake's consent page, holding our
    /// cookie, to our redirect path with the same state; that state.
    fn through_the_consent_page(
        &self,
        authorize: &str,
        redirect_uri: &str,
    ) -> Result<String, Failed> {
        check(self.consent_url.starts_with(authorize), || {
            format!("the consent page was at {}", self.consent_url)
        })?;
        let state = param(&self.consent_url, "state")
            .ok_or_else(|| format!("our redirect to Slack has no state: {}", self.consent_url))?;
        let cookie = self
            .cookie
            .as_ref()
            .ok_or("the browser held no install cookie on the consent page")?;
        check(
            cookie["value"] == state.as_str()
                && cookie["httpOnly"] == true
                && cookie["sameSite"] == "Lax"
                && cookie["path"] == "/slack/oauth_redirect"
                && cookie["domain"] == "127.0.0.1",
            || format!("the browser's install cookie: {cookie}"),
        )?;
        check(self.final_url.starts_with(redirect_uri), || {
            format!("the walk ended at {}", self.final_url)
        })?;
        check(
            param(&self.final_url, "state").as_deref() == Some(state.as_str()),
            || "the fake's redirect carries another state".into(),
        )?;
        check(!self.cookie_after, || {
            "the browser still holds the install cookie: it was not spent".into()
        })?;
        Ok(state)
    }
}

/// Finds the `decision` button (`allow` or `cancel`) once the consent
/// page is loaded; scrolls it into view and answers its centre, and
/// whether a click there lands on it.
const CONSENT_PAGE: &str = r#"(() => {
  const button = document.querySelector('form button[value="DECISION"]');
  if (document.readyState !== 'complete' || !button) return null;
  button.scrollIntoView({block: 'center'});
  const box = button.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  return {href: location.href, label: button.textContent, x, y,
          hit: document.elementFromPoint(x, y) === button};
})()"#;

/// Our page at the end, once loaded.
const OUR_PAGE: &str = r#"(() => {
  const title = document.getElementById('title');
  if (document.readyState !== 'complete' || location.pathname !== '/slack/oauth_redirect'
      || !title) return null;
  const message = document.getElementById('message');
  return {href: location.href, title: title.textContent,
          message: message ? message.textContent : '',
          dom: document.documentElement.outerHTML};
})()"#;

/// One install in a fresh browser: open `install_url`, click `decision`
/// on the consent page, read our page.
fn walk(chromium: &OsString, decision: &str, install_url: &str) -> Result<Walk, Failed> {
    let profile = scratch_dir(&format!("install-{decision}"))?;
    let mut browser = Devtools::launch(chromium, &profile)?;
    let target = browser.call("Target.createTarget", json!({ "url": "about:blank" }))?;
    let target_id = target["targetId"].as_str().ok_or("no targetId")?.to_owned();
    let attached = browser.call(
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
    )?;
    browser.session = Some(
        attached["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_owned(),
    );

    let opened = browser.page("Page.navigate", json!({ "url": install_url }))?;
    if let Some(error) = opened.get("errorText") {
        return Err(format!("the browser could not open {install_url}: {error}").into());
    }
    let consent = browser.until(
        "the fake's consent page",
        &CONSENT_PAGE.replace("DECISION", decision),
    )?;
    let label = if decision == "allow" {
        "Allow"
    } else {
        "Cancel"
    };
    check(consent["label"] == label && consent["hit"] == true, || {
        format!("the {label} button cannot be clicked: {consent}")
    })?;
    let cookie = browser.install_cookie()?;

    // The person clicks.
    let (x, y) = (consent["x"].clone(), consent["y"].clone());
    browser.page(
        "Input.dispatchMouseEvent",
        json!({ "type": "mouseMoved", "x": x, "y": y }),
    )?;
    for (kind, buttons) in [("mousePressed", 1), ("mouseReleased", 0)] {
        browser.page(
            "Input.dispatchMouseEvent",
            json!({ "type": kind, "x": x, "y": y, "button": "left",
                    "buttons": buttons, "clickCount": 1 }),
        )?;
    }

    let ours = browser.until("our page after the consent page", OUR_PAGE)?;
    let text = |key: &str| ours[key].as_str().unwrap_or_default().to_owned();
    let walk = Walk {
        consent_url: consent["href"].as_str().unwrap_or_default().to_owned(),
        cookie,
        final_url: text("href"),
        title: text("title"),
        message: text("message"),
        dom: text("dom"),
        cookie_after: browser.install_cookie()?.is_some(),
    };
    browser.close();
    Ok(walk)
}

/// Headless Chromium driven over the DevTools protocol on a pipe.
struct Devtools {
    child: Child,
    /// Chromium's descriptor 3.
    commands: std::io::PipeWriter,
    /// What Chromium wrote on its descriptor 4, one message at a time.
    messages: mpsc::Receiver<Value>,
    next_id: u64,
    /// The page's session, once attached.
    session: Option<String>,
    stderr: Arc<Mutex<String>>,
    /// Asked to close: given time to quit before it is killed.
    closing: bool,
}

impl Devtools {
    fn launch(chromium: &OsString, profile: &Path) -> Result<Devtools, Failed> {
        let (commands_in, commands) = std::io::pipe()?;
        let (answers, answers_out) = std::io::pipe()?;
        let (read_fd, write_fd) = (commands_in.as_raw_fd(), answers_out.as_raw_fd());
        let mut command = Command::new(chromium);
        command
            .args(crate::browser_page::HEADLESS)
            .args(["--no-proxy-server", "--remote-debugging-pipe"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: between fork and exec the closure calls only fcntl and
        // dup2, which are async-signal-safe, on descriptors that stay open
        // until spawn returns. Both are first copied above 9 (closed on
        // exec), so putting one on 3 or 4 cannot close the other; dup2
        // leaves 3 and 4 open across exec.
        unsafe {
            command.pre_exec(move || {
                let high = |fd| match libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) {
                    -1 => Err(std::io::Error::last_os_error()),
                    copy => Ok(copy),
                };
                let (read_copy, write_copy) = (high(read_fd)?, high(write_fd)?);
                for (from, to) in [(read_copy, 3), (write_copy, 4)] {
                    if libc::dup2(from, to) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|err| format!("could not start {chromium:?}: {err}"))?;
        // Chromium holds these now; ours would keep the pipes open after it
        // quits.
        drop((commands_in, answers_out));

        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = err.read(&mut buf) {
                    if let Ok(mut text) = sink.lock() {
                        text.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(answers);
            loop {
                let mut message = Vec::new();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                            continue;
                        };
                        if sender.send(value).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Devtools {
            child,
            commands,
            messages,
            next_id: 0,
            session: None,
            stderr,
            closing: false,
        })
    }

    /// The end of what Chromium printed, for a failure's message.
    fn said(&self) -> String {
        let text = self.stderr.lock().map(|t| t.clone()).unwrap_or_default();
        let start = text.char_indices().rev().nth(2000).map_or(0, |(at, _)| at);
        format!("\nChromium's last words:\n{}", &text[start..])
    }

    /// A browser-wide command; its result.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.send(None, method, params)
    }

    /// A command to the page; its result.
    fn page(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let session = self.session.clone();
        self.send(session.as_deref(), method, params)
    }

    fn send(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        if let Err(err) = self.commands.write_all(&bytes) {
            return Err(format!("{method}: Chromium is gone ({err}){}", self.said()));
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(mut answer) if answer["id"] == id => {
                    if let Some(error) = answer.get("error") {
                        return Err(format!("{method}: {error}"));
                    }
                    return Ok(answer["result"].take());
                }
                // An event, or the answer to a command given up on.
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{method}: no answer within {WAIT:?}{}",
                        self.said()
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("{method}: Chromium quit{}", self.said()));
                }
            }
        }
    }

    /// `expression`'s value in the page.
    fn evaluate(&mut self, expression: &str) -> Result<Value, String> {
        let mut answer = self.page(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        )?;
        if let Some(exception) = answer.get("exceptionDetails") {
            return Err(format!("the script failed: {exception}"));
        }
        Ok(answer["result"]["value"].take())
    }

    /// Polls `expression` until it is not null, at most [`WAIT`].
    fn until(&mut self, what: &str, expression: &str) -> Result<Value, String> {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        loop {
            match self.evaluate(expression) {
                Ok(Value::Null) => {}
                Ok(found) => return Ok(found),
                // Between two documents there is no page to evaluate in.
                Err(err) => last = err,
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "Chromium quit ({status}) before {what}{}",
                    self.said()
                ));
            }
            if Instant::now() > deadline {
                let at = self.evaluate("location.href").unwrap_or_default();
                return Err(format!(
                    "no {what} within {WAIT:?}: the browser is at {at} ({last})"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The install cookie in the browser's cookie jar, if it holds one.
    fn install_cookie(&mut self) -> Result<Option<Value>, String> {
        let mut jar = self.call("Storage.getCookies", json!({}))?;
        let cookies = match jar["cookies"].take() {
            Value::Array(cookies) => cookies,
            other => return Err(format!("Storage.getCookies: {other}")),
        };
        Ok(cookies.into_iter().find(|cookie| cookie["name"] == COOKIE))
    }

    /// Closes the browser (and waits for it: see `Drop`).
    fn close(mut self) {
        self.closing = true;
        // Chromium may quit before it answers.
        let _ = self.call("Browser.close", json!({}));
    }
}

impl Drop for Devtools {
    /// Chromium is gone when its `Devtools` is: closed, or else killed.
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.closing && Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

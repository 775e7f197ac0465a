//! The main job: a whole Call lifecycle, printed step by step.
//!
//! ```sh
//! cargo run --example call_lifecycle --no-default-features --features install,sqlite
//! ```
//!
//! Without TLS (`--no-default-features`): the fake is plain http on
//! 127.0.0.1, and leaving the aws-lc C build out takes about a quarter off
//! the first, cold build (BENCHMARKS.md, "The first command, cold").
//!
//! On the fake it first installs the app, as a workspace admin would: from
//! an empty SQLite file (tokens sealed with the key in
//! `SLACK_CALLS_TOKEN_KEYS`, `id:base64`, or a new random key for the run),
//! through the app's install flow and the fake's consent page, where a fake
//! admin presses Allow. Then it drops the `App` and builds a new one from
//! the same file, as a restarted process would, and runs the Call with the
//! stored bot token. The fake rotates tokens (Slack's token rotation: a
//! 12-hour bot token and a refresh token): the run moves the fake's clock
//! and the app's 11 hours ahead, and the next call refreshes the token
//! once, before the Call.
//!
//! The workflow a Calls app runs: map the attendees' emails to Slack users
//! (`users.lookupByEmail`, falling back to external participants), register
//! the call (`calls.add`), post it to a channel (`chat.postMessage` with a
//! `call` block), stream joins and leaves through a [`Roster`] (batched
//! `calls.participants.add`/`remove`), rename it (`calls.update`), read it
//! back (`calls.info`) and end it (`calls.end`).
//!
//! Then Slack talks back (on the fake only): a small app endpoint on
//! 127.0.0.1, built on `slack_calls::events`, receives the fake's signed
//! events. A user shares a join link; the app gets `link_shared` and
//! unfurls the link as a Call (`calls.add`, then `chat.unfurl` with a
//! `call` block); another user rejects the Call, and the app logs the
//! `call_rejected` it receives.
//!
//! By default it starts the embedded fake Slack server on 127.0.0.1 and runs
//! against it. With `SLACK_TOKEN` set it runs against real Slack instead
//! (a bot token also needs `SLACK_CREATED_BY`, the user who starts the call;
//! `SLACK_PARTICIPANT` picks the Slack user who joins, default the creator;
//! `SLACK_CHANNEL` where the call is posted; `SLACK_ATTENDEES` a
//! comma-separated list of attendee emails). Slack is https, so that needs
//! a TLS feature: leave out `--no-default-features` (the default is
//! `rustls`).
//!
//! On the fake it prints the URL of the fake's page, which shows live what
//! the app did. To watch: `--keep-running` (or `SLACK_CALLS_KEEP_RUNNING=1`)
//! paces the steps a second apart and keeps the fake running after the
//! lifecycle until Ctrl-C:
//!
//! ```sh
//! cargo run --example call_lifecycle --no-default-features --features install,sqlite -- --keep-running
//! ```

use std::error::Error as StdError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use slack_calls::events::{InitiationAnswer, Receiver, Server, link_shared_domain_key};
use slack_calls::users::LookupByEmailError;
use slack_calls::{
    App, Block, CallBlock, CallUser, Client, Clock, DEFAULT_REFRESH_BEFORE, Event, InstallFlow,
    Roster, Shutdown, Sleep, SqliteStore, Timestamp, TokenKeys, TokenKind, Unfurl,
};
use slack_calls_mock::{
    DEMO_APP_ID, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SCOPES, DEMO_TEAM_ID, MockApp, MockSlack,
};
use tokio::sync::{mpsc, oneshot};

type Result<T> = std::result::Result<T, Box<dyn StdError>>;

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    // Keep the fake (and the installed app) alive for the whole run when
    // we use it.
    let (fake, client, creator, participant, channel, attendees) =
        match std::env::var("SLACK_TOKEN") {
            Ok(token) => {
                // Slack is https: without a TLS feature this says which to
                // enable (the first command builds none, for the fake).
                let client = Client::builder(token).build()?;
                let creator = std::env::var("SLACK_CREATED_BY").ok();
                if client.token_kind() == TokenKind::Bot && creator.is_none() {
                    return Err(
                        "a bot token needs SLACK_CREATED_BY=U… (the user who starts the call)"
                            .into(),
                    );
                }
                let participant = std::env::var("SLACK_PARTICIPANT")
                    .ok()
                    .or_else(|| creator.clone())
                    .ok_or("set SLACK_PARTICIPANT=U… (a Slack user to add to the call)")?;
                let channel = std::env::var("SLACK_CHANNEL").ok();
                let attendees: Vec<String> = std::env::var("SLACK_ATTENDEES")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_owned)
                    .collect();
                println!("running against Slack ({})", client.base_url());
                (None, client, creator, participant, channel, attendees)
            }
            Err(_) => {
                let fake = MockSlack::builder().token_rotation(true).start().await?;
                println!("started the fake Slack server at {}", fake.base_url());
                if watched() {
                    println!("watch it live at {}", fake.page_url());
                    println!(
                        "(kept running: each step waits {} s so the page can show it)",
                        STEP_PAUSE.as_secs()
                    );
                    tokio::time::sleep(STEP_PAUSE * 3).await;
                } else {
                    println!(
                        "the fake's live page is at {} while this run lasts (about a second); \
                         to watch it, run again with --keep-running",
                        fake.page_url()
                    );
                }
                let app = install(&fake).await?;
                let client = app.workspace(DEMO_TEAM_ID)?;
                let attendees = vec![
                    "u0mock003@example.com".to_owned(),
                    "u0mock004@example.com".to_owned(),
                    "ron.stoppable@partner.example".to_owned(),
                ];
                (
                    Some((fake, app)),
                    client,
                    Some("U0MOCK001".to_owned()),
                    "U0MOCK002".to_owned(),
                    Some("C0MOCK001".to_owned()),
                    attendees,
                )
            }
        };

    println!(
        "A Call from start to end, as a Calls app runs it, in steps 1 to 9: find the attendees in \
         Slack, register the Call, post it in a channel, stream joins and leaves, rename it, \
         read it back, end it, and check that an ended Call takes no one new."
    );

    // Attendees by email: Slack users where Slack knows the address,
    // external participants otherwise.
    let mut invited = Vec::new();
    for email in &attendees {
        match client.users().lookup_by_email(email.as_str()).await {
            Ok(found) => {
                println!(
                    "1. users.lookupByEmail       -> {email} is {}",
                    found.user.id
                );
                invited.push(CallUser::slack(found.user.id));
            }
            Err(err) if err.api_code() == Some(&LookupByEmailError::UsersNotFound) => {
                println!(
                    "1. users.lookupByEmail       -> {email} is not in Slack: joins as an external participant"
                );
                invited.push(CallUser::external(
                    email.as_str(),
                    email.split('@').next().unwrap_or(email),
                ));
            }
            Err(err) => return Err(err.into()),
        }
    }

    pace().await;
    let external_id = format!("lifecycle-{}", Timestamp::now());
    let mut add = client
        .calls()
        .add(&external_id, "https://example.com/calls/lifecycle")
        .title("Kimpossible sync up")
        .external_display_id("705-292-868")
        .users(invited);
    if let Some(creator) = &creator {
        add = add.created_by(creator);
    }
    let call = add.await?.call;
    println!(
        "2. calls.add                 -> {} \"{}\", {} participant(s)",
        call.id,
        call.title.as_deref().unwrap_or(""),
        call.users.len()
    );

    // The call shows in Slack once a message with a `call` block names it.
    if let Some(channel) = &channel {
        pace().await;
        let posted = client
            .chat()
            .post_message(channel.as_str())
            .text("Kimpossible sync up is live")
            .blocks([Block::from(CallBlock::new(&call.id))])
            .await?;
        let info = client.calls().info(&call.id).await?;
        let channels: Vec<String> = info.call.channels.iter().map(ToString::to_string).collect();
        println!(
            "3. chat.postMessage          -> posted in {} at {}; the call now lists channels [{}]",
            posted.channel,
            posted.ts,
            channels.join(", ")
        );
    }

    // Attendees join and leave as the meeting runs; the roster batches and
    // coalesces the events into a few participants.add/remove requests.
    pace().await;
    let roster = Roster::builder(client.clone(), &call.id)
        .window(Duration::from_millis(200))
        .present(call.users.clone())
        .start()?;
    roster.join(CallUser::slack(participant.as_str()))?;
    for n in 1..=60 {
        roster.join(CallUser::external(
            format!("guest-{n:03}"),
            format!("Guest {n}"),
        ))?;
    }
    for n in 41..=60 {
        // Left again within the same window: nothing is sent for them.
        roster.leave(CallUser::external(
            format!("guest-{n:03}"),
            format!("Guest {n}"),
        ))?;
    }
    roster.flush().await?;
    for n in 1..=10 {
        roster.leave(CallUser::external(
            format!("guest-{n:03}"),
            format!("Guest {n}"),
        ))?;
    }
    roster.flush().await?;
    let stats = roster.stats();
    println!(
        "4. roster (participants.*)   -> {} join/leave events sent as {} request(s); {} events needed \
         no request (a guest who joins and leaves within the same 200 ms batch costs none); \
         {} in the call",
        stats.events,
        stats.requests,
        stats.coalesced,
        roster.present().len()
    );

    pace().await;
    let updated = client
        .calls()
        .update(&call.id)
        .title("Kimpossible sync up (overtime)")
        .join_url("https://example.com/calls/lifecycle?v=2")
        .await?;
    println!(
        "5. calls.update              -> title \"{}\", join URL {}",
        updated.call.title.as_deref().unwrap_or(""),
        updated.call.join_url
    );

    let info = client.calls().info(&call.id).await?;
    let names: Vec<String> = info.call.users.iter().take(4).map(describe).collect();
    println!(
        "6. calls.info                -> started at {}, {} participant(s): {}, …",
        info.call.date_start,
        info.call.users.len(),
        names.join(", ")
    );

    pace().await;
    roster.leave(CallUser::slack(participant.as_str()))?;
    roster.finish().await?;
    println!("7. roster finished           -> {participant} left; everything sent before the end");

    pace().await;
    let ended = client
        .calls()
        .end(&call.id)
        .duration(Duration::from_secs(1800))
        .await?;
    let end = ended.call.and_then(|c| c.date_end);
    println!(
        "8. calls.end                 -> ended{}",
        end.map(|t| format!(" at {t}")).unwrap_or_default()
    );

    match client
        .calls()
        .participants()
        .add(&call.id, [CallUser::slack(participant.as_str())])
        .await
    {
        Err(err) => println!(
            "9. adding to the ended call  -> refused as expected: {}",
            err.slack_code().unwrap_or("?")
        ),
        Ok(_) => {
            return Err("9. adding to the ended call was accepted: it should be refused".into());
        }
    }
    println!(
        "Done: the whole Call lifecycle succeeded, from registering {} to ending it.",
        call.id
    );
    let Some((fake, app)) = fake else {
        return Ok(());
    };
    drop(client);
    slack_talks_back(&fake, app).await?;
    // The run's SQLite file goes with the run.
    let _ = std::fs::remove_dir_all(main_job_dir());
    if watched() {
        println!(
            "The fake keeps running: open {} to look; press Ctrl-C to stop it.",
            fake.page_url()
        );
        tokio::signal::ctrl_c().await?;
        println!("stopped");
    }
    Ok(())
}

/// The environment variable with the keys that seal tokens at rest.
const KEYS_VAR: &str = "SLACK_CALLS_TOKEN_KEYS";

/// Installs the app into the fake's workspace as an admin would, into an
/// empty SQLite file; then drops the app and builds a new one from the
/// file, as a restarted process would, and returns it.
async fn install(fake: &MockSlack) -> Result<App> {
    println!("First the app is installed, as a workspace admin installs it.");
    let keys = match std::env::var(KEYS_VAR) {
        Ok(text) => {
            TokenKeys::parse(&text, &format!("in ${KEYS_VAR}"))?;
            println!("install 1. the sealing key       -> read from ${KEYS_VAR}");
            text
        }
        Err(_) => {
            println!(
                "install 1. the sealing key       -> ${KEYS_VAR} is not set: a new random key \
                 for this run (set it to `k1:<32 bytes as base64>` to keep your own)"
            );
            format!("main-job:{}", TokenKeys::generate_key()?)
        }
    };
    let dir = main_job_dir();
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("installations.db");
    let _ = std::fs::remove_file(&file);
    let clock = Ahead::default();
    let open = || async {
        let keys = TokenKeys::parse(&keys, &format!("in ${KEYS_VAR}"))?;
        let store = SqliteStore::open(&file, keys).await?;
        let api = fake.base_url().to_owned();
        let clock = clock.clone();
        // The client id and secret refresh the rotating tokens.
        let app = App::builder(DEMO_APP_ID)
            .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
            .clients(move |client| client.base_url(api.clone()).clock(clock.clone()))
            .build_with_store(store)
            .await?;
        Ok::<App, Box<dyn StdError>>(app)
    };
    let app = open().await?;
    println!(
        "install 2. an empty SQLite file   -> {} ({} installations)",
        file.display(),
        app.store().ok_or("a store")?.all().await?.len()
    );

    // The app's install page and OAuth redirect, on 127.0.0.1.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let redirect_uri = format!("{base}/slack/oauth_redirect");
    fake.set_redirect_urls([redirect_uri.clone()])?;
    let flow = InstallFlow::builder(app.clone(), DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        .bot_scopes(
            DEMO_SCOPES
                .iter()
                .copied()
                .chain(["links:read", "links:write"]),
        )
        .authorize_url(fake.authorize_url())
        .redirect_uri(redirect_uri)
        .build()?;
    // Served until the restart below, which stops it gracefully.
    let (restart, restarting) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::new()
            .install(&flow)
            .stop_on(async move {
                let _ = restarting.await;
            })
            .serve_on(listener),
    );

    // The admin's browser: it shows each redirect instead of following it.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let started = browser.get(format!("{base}/slack/install")).send().await?;
    let cookie = started
        .headers()
        .get("set-cookie")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .ok_or("the install page set no cookie")?
        .to_owned();
    let to_slack = location(&started)?;
    println!(
        "install 3. the admin opens {}/slack/install -> sent to Slack to approve the app",
        base
    );
    let consent = browser.get(&to_slack).send().await?.text().await?;
    let consent_id = consent
        .split("name=\"consent\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("the fake showed no consent page")?
        .to_owned();
    let allowed = browser
        .post(format!("http://{}/oauth/v2/authorize/decide", fake.addr()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .append_pair("consent", &consent_id)
                .append_pair("decision", "allow")
                .finish(),
        )
        .send()
        .await?;
    let back = location(&allowed)?;
    println!(
        "install 4. the admin presses Allow -> Slack sends the browser back to the app with a \
         one-time code"
    );
    let done = browser.get(&back).header("cookie", cookie).send().await?;
    let status = done.status();
    let page = done.text().await?;
    if !status.is_success() || !page.contains("Installed") {
        return Err(format!("the install did not complete (HTTP {status}): {page}").into());
    }
    let installed = app
        .installations()
        .for_team(DEMO_TEAM_ID)
        .ok_or("the installation was not stored")?;
    let bot = installed.bot.as_ref().ok_or("the install gave no bot")?;
    println!(
        "install 5. the app trades the code -> stored in the file, tokens sealed: workspace {} \
         ({}), bot user {}, bot {}, scopes {}",
        DEMO_TEAM_ID,
        installed
            .team
            .as_ref()
            .map_or("", |team| team.name.as_str()),
        bot.user_id.as_deref().unwrap_or("?"),
        bot.bot_id.as_deref().unwrap_or("?"),
        bot.grant.scopes.join(",")
    );

    // A restart: the app and its install pages go; a new app reads the file.
    let _ = restart.send(());
    server.await??;
    drop(flow);
    drop(app);
    let app = open().await?;
    println!(
        "install 6. the app restarts       -> a new App reads the file: {} installation(s); \
         the Call below uses the stored bot token",
        app.installations().for_team(DEMO_TEAM_ID).map_or(0, |_| 1)
    );

    // Token rotation: the bot token lives 12 hours. 11 hours on (the
    // fake's clock and the app's), it is inside the app's window.
    let later = Duration::from_secs(11 * 3600);
    fake.advance(later);
    clock.move_ahead(later);
    let expires_in = |app: &App| {
        app.installations()
            .for_team(DEMO_TEAM_ID)
            .and_then(|installation| installation.bot?.grant.expires_at)
            .and_then(|at| at.duration_since(clock.wall()).ok())
            .map_or_else(|| "?".to_owned(), hours_and_minutes)
    };
    println!(
        "install 7. 11 hours later         -> the bot token expires in {}, inside the app's {} \
         window: the next call refreshes it first",
        expires_in(&app),
        hours_and_minutes(DEFAULT_REFRESH_BEFORE)
    );
    app.workspace(DEMO_TEAM_ID)?.auth().test().await?;
    println!(
        "install 8. the next call (auth.test) -> refreshed {} time(s) with the refresh token, the \
         new pair sealed in the file; the bot token expires in {}; the Call carries on",
        app.token_refreshes(),
        expires_in(&app)
    );
    if app.token_refreshes() != 1 {
        return Err("the rotating token was not refreshed exactly once".into());
    }
    Ok(app)
}

/// `1 h 00 min`.
fn hours_and_minutes(duration: Duration) -> String {
    let minutes = (duration.as_secs() + 30) / 60;
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

/// Real time, with a wall clock this run can move ahead (token expiries
/// are kept in wall-clock time), in step with the fake's `advance`.
#[derive(Clone, Default)]
struct Ahead {
    by_secs: Arc<AtomicU64>,
}

impl Ahead {
    fn move_ahead(&self, by: Duration) {
        self.by_secs.fetch_add(by.as_secs(), Ordering::Relaxed);
    }
}

impl Clock for Ahead {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now() + Duration::from_secs(self.by_secs.load(Ordering::Relaxed))
    }
}

/// Where this run keeps its SQLite file.
fn main_job_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("slack-calls-main-job-{}", std::process::id()))
}

/// Where a redirect sends the browser.
fn location(response: &reqwest::Response) -> Result<String> {
    Ok(response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| format!("expected a redirect, got HTTP {}", response.status()))?
        .to_owned())
}

/// How long each step waits when a person watches the page.
const STEP_PAUSE: Duration = Duration::from_secs(1);

/// Whether a person watches: `--keep-running`, or
/// `SLACK_CALLS_KEEP_RUNNING` set to anything but empty, `0` or `false`.
/// Then the steps are paced and the fake keeps running at the end.
fn watched() -> bool {
    std::env::args().skip(1).any(|arg| arg == "--keep-running")
        || std::env::var("SLACK_CALLS_KEEP_RUNNING")
            .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Waits a step's pause when a person watches.
async fn pace() {
    if watched() {
        tokio::time::sleep(STEP_PAUSE).await;
    }
}

/// Slack calls the app: a link is shared, the app unfurls it as a Call,
/// someone rejects the Call, the app logs it; someone presses the Call
/// button, the app says where the new call is.
async fn slack_talks_back(fake: &MockSlack, app: App) -> Result<()> {
    println!(
        "Then Slack talks back, in steps 10 to 14: an app endpoint receives the fake's signed \
         events."
    );
    let secret = "example-signing-secret-0b5e5d3a9c1f";
    // What the app's handlers did, for this program to print in order.
    let (app_log, mut done) = mpsc::unbounded_channel::<String>();
    // Tracks the handlers, so that the stop at the end waits for them.
    let shutdown = Shutdown::new();
    let receiver = Receiver::<Event>::builder(secret)
        .shutdown(&shutdown)
        // Each delivery's client comes from the app's installations (the one
        // stored by the install above).
        .workspaces(app)
        .domain_key(link_shared_domain_key)
        .on_event(move |callback, context| {
            let app_log = app_log.clone();
            async move {
                let line = match (callback.event, context.client()) {
                    (Event::LinkShared(shared), Some(client)) => {
                        let mut lines = Vec::new();
                        for link in &shared.links {
                            let unfurled = async {
                                let call = client
                                    .calls()
                                    .add(format!("unfurl-{}", shared.message_ts), link.url.as_str())
                                    .created_by(shared.user.as_str())
                                    .title("Shared in Slack")
                                    .await?
                                    .call;
                                let unfurl = Unfurl::new([Block::from(CallBlock::new(&call.id))]);
                                client
                                    .chat()
                                    .unfurl([(link.url.as_str(), unfurl)])
                                    .channel(shared.channel.as_str())
                                    .ts(shared.message_ts.as_str())
                                    .await?;
                                Ok::<_, Box<dyn StdError + Send + Sync>>(call.id)
                            };
                            lines.push(match unfurled.await {
                                Ok(id) => format!("unfurled {} as Call {id}", link.url),
                                Err(err) => format!("could not unfurl {}: {err}", link.url),
                            });
                        }
                        lines.join("; ")
                    }
                    (Event::CallRejected(rejected), _) => format!(
                        "{} rejected Call {} (in {})",
                        rejected.user_id, rejected.call_id, rejected.channel_id
                    ),
                    (other, _) => format!("ignored {other:?}"),
                };
                let _ = app_log.send(line);
            }
        })
        // The Call button (or a slash command): the app opens a call of its
        // own and tells Slack where the user who pressed it joins.
        .on_call_initiation(|initiation, _| async move {
            InitiationAnswer::call(format!(
                "https://example.com/calls/new?by={}",
                initiation.user_id
            ))
        })
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/slack/events", listener.local_addr()?);
    // A real app serves until SIGTERM; this one until its last step.
    let (stop, stopping) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::new()
            .events("/slack/events", &receiver)
            .stop_on(async move {
                let _ = stopping.await;
            })
            .serve_on(listener),
    );
    fake.register_app(MockApp::new(&url, secret)?.unfurl_domains(["example.com"]))
        .await?;
    println!("10. app endpoint             -> listening at {url}, unfurling example.com");

    pace().await;
    let text = "Standup now: <https://example.com/calls/standup|join here>";
    let message = fake.user_posts("U0MOCK003", "C0MOCK002", text)?;
    println!(
        "11. U0MOCK003 shares a link  -> message {} in {}; Slack sends link_shared",
        message.ts, message.channel
    );
    let unfurled = done.recv().await.ok_or("the app stopped")?;
    println!("    app (link_shared)        -> {unfurled}");
    let call_id = unfurled
        .rsplit(' ')
        .next()
        .ok_or("no Call in the app's answer")?
        .to_owned();
    let call = fake.call(&call_id).ok_or("the fake keeps the Call")?;
    println!(
        "    the fake                 -> Call {} is attached to the message, in channels [{}]",
        call.id,
        call.channels.join(", ")
    );

    pace().await;
    fake.user_rejects_call("U0MOCK004", &call_id, "C0MOCK002")?;
    println!("12. U0MOCK004 rejects it     -> Slack sends call_rejected");
    let rejected = done.recv().await.ok_or("the app stopped")?;
    println!("    app (call_rejected)      -> {rejected}");

    pace().await;
    let started = fake
        .user_presses_call_button("U0MOCK001", "C0MOCK001")
        .await?;
    println!("13. U0MOCK001 presses Call   -> Slack asks the app to start a call");
    println!(
        "    app (call initiation)    -> the user joins at {}",
        started.call_initiation_url
    );

    // The fake logs a delivery once the app's answer is in, which may come
    // just after the app's handler ran.
    let mut deliveries = fake.deliveries();
    for _ in 0..100 {
        if deliveries.len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        deliveries = fake.deliveries();
    }
    for delivery in &deliveries {
        let attempt = match delivery.attempt {
            0 => "first try".to_owned(),
            n => format!("retry {n}"),
        };
        let answered = match delivery.status {
            Some(status) => format!("HTTP {status}"),
            None => "no answer".to_owned(),
        };
        let in_time = match delivery.acked_in_time {
            true => "within Slack's 3 seconds",
            false => "too late for Slack",
        };
        println!(
            "    the fake's delivery log  -> {} ({attempt}): {answered}, {in_time}",
            delivery.kind
        );
    }
    let _ = stop.send(());
    let report = server.await??;
    println!(
        "14. the app stops (SIGTERM)  -> refuses new requests with 503, waits for its handlers: \
         {report}"
    );
    println!(
        "Done: the app unfurled a shared link as a Call, heard its rejection, started a call \
         from the Call button and stopped without dropping an event."
    );
    Ok(())
}

fn describe(user: &CallUser) -> String {
    match (&user.slack_id, &user.display_name) {
        (Some(id), _) => id.to_string(),
        (None, Some(name)) => name.clone(),
        (None, None) => user.external_id.clone().unwrap_or_default(),
    }
}

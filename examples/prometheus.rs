//! The app's metrics exported to Prometheus: the `metrics` facade crate
//! carries what slack-calls records (feature `metrics`), and
//! `metrics-exporter-prometheus` renders it at `/metrics`, served beside the
//! events receiver. Runs against the embedded fake Slack: a small Call
//! (`calls.add`, `calls.end`, a call that fails), one delivery and one
//! forged request, then scrapes its own `/metrics` and prints the
//! slack-calls lines.
//!
//! ```text
//! cargo run --example prometheus --features metrics,events
//! ```

use std::error::Error;

use metrics_exporter_prometheus::PrometheusBuilder;
use slack_calls::events::{Receiver, Server, axum};
use slack_calls::{App, CallUser, Event, Installation, telemetry};
use slack_calls_mock::{DEMO_TEAM_ID, MockApp, MockSlack};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // The exporter the app chose, for the whole process.
    let prometheus = PrometheusBuilder::new().install_recorder()?;
    telemetry::describe();

    let fake = MockSlack::start().await?;
    let api = fake.base_url().to_owned();
    let app = App::builder("A0MOCKAPP")
        .clients(move |client| client.base_url(api.clone()))
        .build()?;
    app.install(Installation::new(DEMO_TEAM_ID, [fake.bot_token()]));

    let secret = "example-signing-secret-0b5e5d3a9c1f";
    let receiver = Receiver::<Event>::builder(secret)
        .workspaces(app.clone())
        .on_event(|_, _| async {})
        .build()?;
    let metrics = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let prometheus = prometheus.clone();
            async move { prometheus.render() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::new()
            .events("/slack/events", &receiver)
            .routes(metrics)
            .stop_on(async move {
                let _ = stopping.await;
            })
            .serve_on(listener),
    );

    // A small Call, and a call that fails.
    let client = app.workspace(DEMO_TEAM_ID)?;
    let call = client
        .calls()
        .add("prometheus-1", "https://example.com/calls/prometheus")
        .created_by("U0MOCK001")
        .users([CallUser::slack("U0MOCK002")])
        .await?
        .call;
    client.calls().end(call.id.as_str()).await?;
    let _ = client.calls().end("R0NOSUCHCALL").await;

    // One delivery from the fake, one forged request.
    fake.register_app(
        MockApp::new(format!("{base}/slack/events"), secret)?.unfurl_domains(["example.com"]),
    )
    .await?;
    fake.user_posts("U0MOCK003", "C0MOCK001", "join <https://example.com/j/7>")?;
    // The fake logs its delivery once the receiver's answer is in.
    for _ in 0..200 {
        if !fake.deliveries().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let forged = reqwest::Client::new()
        .post(format!("{base}/slack/events"))
        .header("content-type", "application/json")
        .header("x-slack-request-timestamp", "1")
        .header("x-slack-signature", "v0=00")
        .body("{}")
        .send()
        .await?;
    println!("a forged request -> HTTP {}", forged.status());

    let scraped = reqwest::get(format!("{base}/metrics"))
        .await?
        .text()
        .await?;
    println!("GET {base}/metrics (the slack-calls lines):");
    for line in scraped.lines().filter(|line| line.contains("slack_calls_")) {
        println!("  {line}");
    }
    let _ = stop.send(());
    server.await??;
    Ok(())
}

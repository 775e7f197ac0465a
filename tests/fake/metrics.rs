//! The metrics (feature `metrics`, `slack_calls::telemetry`) after a small
//! run against the fake: calls by method and outcome, pacing waits, a 429
//! and its retry, a token refresh, installation lookups, deliveries, a
//! duplicate and a forged request; every label is one of the documented
//! words, a method name or a team id (opted in), and none carries a token
//! or a secret. Recorded with a recorder local to the test's thread, so
//! other tests running at once cannot add to the counts.

use std::collections::BTreeMap;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use slack_calls::events::{Outcome, Receiver};
use slack_calls::{App, InstallationKey, TestClock, telemetry};
use slack_calls_mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TEAM_ID, Fault};

use crate::app_rotation::{INTO_WINDOW, add_call, installed, rotating_mock};
use crate::support::signed_events::{SECRET, TestEvent, callback, link_shared, signed_json};

type Labels = Vec<(String, String)>;

/// What the run recorded: (name, sorted labels) → counter value or
/// histogram sample count; and every label value seen.
struct Recorded {
    values: BTreeMap<(String, Labels), u64>,
}

impl Recorded {
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let mut labels: Labels = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        labels.sort();
        self.values
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0)
    }
}

#[test]
fn a_small_run_is_counted_and_no_label_carries_a_token() -> Result<(), Box<dyn std::error::Error>> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The tokens and secrets the run handles, to look for in the labels.
    let secrets = metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let mock = rotating_mock().await?;
            let clock = TestClock::new();
            // The app asks for team ids in its calls' labels.
            let api = mock.base_url().to_owned();
            let clients_clock = clock.clone();
            let app = App::builder("A0MOCKAPP")
                .client_credentials(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
                .clients(move |client| {
                    client
                        .base_url(api.clone())
                        .clock(clients_clock.clone())
                        .team_ids_in_metrics(true)
                })
                .build()?;
            let installation = installed(&mock).await?;
            let mut secrets = vec![SECRET.to_owned(), DEMO_CLIENT_SECRET.to_owned()];
            secrets.extend(tokens_of(&installation));
            app.install(installation);

            let client = app.workspace(DEMO_TEAM_ID)?;
            assert!(app.workspace("T0NOTHERE").is_err());
            add_call(&client, 1).await?;
            mock.fault(
                "calls.add",
                Fault::RateLimited {
                    retry_after_secs: 1,
                },
                1,
            );
            add_call(&client, 2).await?;
            assert!(client.calls().end("R0NOSUCHCALL").await.is_err());
            // Into the window before the token's expiry: the next call
            // refreshes it first.
            mock.advance(INTO_WINDOW);
            clock.advance(INTO_WINDOW);
            add_call(&client, 3).await?;
            if let Some(refreshed) = app
                .installations()
                .get(&InstallationKey::workspace(DEMO_TEAM_ID))
            {
                secrets.extend(tokens_of(&refreshed));
            }

            let receiver = Receiver::<TestEvent>::builder(SECRET)
                .workspaces(app.clone())
                .on_event(|_, _| async {})
                .build()?;
            let now = receiver.verifier().unix_now();
            let body = callback("EvMetrics", link_shared("https://example.com/j/1"));
            let first = receiver
                .receive(&signed_json(SECRET, now, &body), &body)
                .await;
            let again = receiver
                .receive(&signed_json(SECRET, now, &body), &body)
                .await;
            let forged = receiver
                .receive(
                    &signed_json("a-forged-secret-0000000000", now, &body),
                    &body,
                )
                .await;
            assert_eq!(first.outcome, Outcome::Event);
            assert_eq!(again.outcome, Outcome::Duplicate);
            assert!(matches!(forged.outcome, Outcome::Rejected(_)));
            receiver.shutdown().finish().await;
            Ok::<_, Box<dyn std::error::Error>>(secrets)
        })
    })?;

    let mut values = BTreeMap::new();
    let mut label_values = Vec::new();
    for (key, _, _, value) in snapshotter.snapshot().into_vec() {
        let key = key.key();
        let mut labels: Labels = key
            .labels()
            .map(|label| (label.key().to_owned(), label.value().to_owned()))
            .collect();
        labels.sort();
        label_values.extend(labels.iter().map(|(_, value)| value.clone()));
        let n = match value {
            DebugValue::Counter(n) => n,
            DebugValue::Histogram(samples) => samples.len() as u64,
            DebugValue::Gauge(_) => 1,
        };
        values.insert((key.name().to_owned(), labels), n);
    }
    let recorded = Recorded { values };
    let team = DEMO_TEAM_ID;
    let calls = "slack_calls_api_calls_total";
    assert_eq!(
        recorded.get(
            calls,
            &[
                ("method", "calls.add"),
                ("outcome", "ok"),
                ("team_id", team)
            ]
        ),
        3
    );
    assert_eq!(
        recorded.get(
            calls,
            &[
                ("method", "calls.end"),
                ("outcome", "api_error"),
                ("team_id", team)
            ]
        ),
        1
    );
    // The install's code exchange and the refresh: the app's own calls
    // (its credentials, no workspace, so no team_id).
    assert_eq!(
        recorded.get(calls, &[("method", "oauth.v2.access"), ("outcome", "ok")]),
        2
    );
    assert_eq!(
        recorded.get(
            "slack_calls_rate_limited_total",
            &[("method", "calls.add"), ("team_id", team)]
        ),
        1
    );
    assert_eq!(
        recorded.get(
            "slack_calls_retries_total",
            &[("method", "calls.add"), ("reason", "rate_limited")]
        ),
        1
    );
    // One permit per attempt: three calls, one of them sent twice.
    assert_eq!(
        recorded.get(
            "slack_calls_pacing_wait_seconds",
            &[("method", "calls.add"), ("team_id", team)]
        ),
        4
    );
    assert_eq!(
        recorded.get(
            "slack_calls_token_refreshes_total",
            &[("outcome", "refreshed")]
        ),
        1
    );
    assert!(
        recorded.get(
            "slack_calls_installation_lookups_total",
            &[("by", "team"), ("result", "hit")]
        ) >= 1
    );
    assert_eq!(
        recorded.get(
            "slack_calls_installation_lookups_total",
            &[("by", "team"), ("result", "miss")]
        ),
        1
    );
    let deliveries = "slack_calls_deliveries_total";
    assert_eq!(
        recorded.get(deliveries, &[("type", "link_shared"), ("outcome", "event")]),
        1
    );
    assert_eq!(
        recorded.get(
            deliveries,
            &[("type", "link_shared"), ("outcome", "duplicate")]
        ),
        1
    );
    assert_eq!(
        recorded.get(deliveries, &[("type", "unread"), ("outcome", "rejected")]),
        1
    );
    assert_eq!(recorded.get("slack_calls_dedup_hits_total", &[]), 1);
    assert_eq!(
        recorded.get(
            "slack_calls_signature_refusals_total",
            &[("reason", "bad_signature")]
        ),
        1
    );

    // No label carries a token or a secret, or anything but a plain word.
    assert!(
        secrets.len() >= 4,
        "the run's tokens were found: {}",
        secrets.len()
    );
    for value in &label_values {
        assert!(
            !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'),
            "a label value that is not a plain word: {value:?}"
        );
        assert!(!value.starts_with("xox"), "a token in a label: {value}");
        for secret in &secrets {
            assert!(
                !value.contains(secret.as_str()),
                "a secret in a label: {value}"
            );
        }
    }
    Ok(())
}

/// Every token and refresh token of `installation`, as text.
fn tokens_of(installation: &slack_calls::Installation) -> Vec<String> {
    let mut out = Vec::new();
    let grants = installation.bot.iter().map(|bot| &bot.grant).chain(
        installation
            .installer
            .iter()
            .filter_map(|i| i.grant.as_ref()),
    );
    for grant in grants {
        out.push(grant.token.expose_secret().to_owned());
        if let Some(refresh) = &grant.refresh_token {
            out.push(refresh.expose_secret().to_owned());
        }
    }
    out
}

/// Prometheus, as an app would export to it: its recorder (local to this
/// test's thread), `/metrics` served with the receiver by `Server`, and a
/// real scrape over HTTP after a small Call.
#[test]
fn prometheus_scrapes_a_small_call() -> Result<(), Box<dyn std::error::Error>> {
    use metrics_exporter_prometheus::PrometheusBuilder;
    use slack_calls::events::{Server, axum};
    use slack_calls::{CallUser, Installation};
    use slack_calls_mock::MockSlack;

    let recorder = PrometheusBuilder::new().build_recorder();
    let prometheus = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let scraped = metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            telemetry::describe();
            let mock = MockSlack::start().await?;
            let api = mock.base_url().to_owned();
            let app = App::builder("A0MOCKAPP")
                .clients(move |client| client.base_url(api.clone()))
                .build()?;
            app.install(Installation::new(DEMO_TEAM_ID, [mock.bot_token()]));
            let client = app.workspace(DEMO_TEAM_ID)?;
            let call = client
                .calls()
                .add("scrape-1", "https://example.com/calls/scrape")
                .created_by("U0MOCK001")
                .users([CallUser::slack("U0MOCK002")])
                .await?
                .call;
            client.calls().end(call.id.as_str()).await?;

            let receiver = Receiver::<TestEvent>::builder(SECRET).build()?;
            let page = axum::Router::new().route(
                "/metrics",
                axum::routing::get(move || {
                    let prometheus = prometheus.clone();
                    async move { prometheus.render() }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("http://{}/metrics", listener.local_addr()?);
            let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(
                Server::new()
                    .events("/slack/events", &receiver)
                    .routes(page)
                    .stop_on(async move {
                        let _ = stopping.await;
                    })
                    .serve_on(listener),
            );
            let scraped = reqwest::get(&url).await?.text().await?;
            let _ = stop.send(());
            server.await??;
            Ok::<_, Box<dyn std::error::Error>>(scraped)
        })
    })?;
    let has = |line: &str| scraped.lines().any(|l| l == line);
    for line in [
        "# TYPE slack_calls_api_calls_total counter",
        r#"slack_calls_api_calls_total{method="calls.add",outcome="ok"} 1"#,
        r#"slack_calls_api_calls_total{method="calls.end",outcome="ok"} 1"#,
        "# TYPE slack_calls_pacing_wait_seconds summary",
        r#"slack_calls_pacing_wait_seconds_count{method="calls.add"} 1"#,
        r#"slack_calls_installation_lookups_total{by="team",result="hit"} 1"#,
    ] {
        assert!(has(line), "{line:?} is not in the scrape:\n{scraped}");
    }
    assert!(
        scraped.contains("# HELP slack_calls_api_calls_total"),
        "described:\n{scraped}"
    );
    assert!(
        !scraped.contains("xox"),
        "no token in the scrape:\n{scraped}"
    );
    Ok(())
}

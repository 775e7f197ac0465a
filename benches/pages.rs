//! Items per second through a paginated method's item stream, side by side
//! with a hand-written cursor loop over raw reqwest, both against the fake
//! (rate limits off on both sides, so the figure is the cost of the path,
//! not of pacing). The two run interleaved, in the same process, for each
//! page size; see BENCHMARKS.md, "Pagination".
//!
//! Run it with `cargo bench -p slack-calls-benches --bench pages`; pass
//! `--quick` (after `--`) for a smoke run.

use std::time::Instant;

use serde::Deserialize;
use slack_calls::{RateLimits, TokenKind};
use slack_calls_mock::{LimitMode, MockSlack, MockWorkspace};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TOKEN: &str = "xoxb-bench-pages";
const CHANNEL: &str = "C0BENCH";

#[derive(Deserialize)]
struct Page {
    ok: bool,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    next_cursor: String,
}

/// Every member through the generated item stream.
async fn item_stream(client: &slack_calls::Client, limit: i64) -> Res<usize> {
    let mut items = client.conversations().members(CHANNEL).limit(limit).items();
    let mut count = 0;
    while let Some(member) = items.next().await {
        member?;
        count += 1;
    }
    Ok(count)
}

/// Every member through a cursor loop written by hand: one GET per page,
/// the body decoded into a small struct, the next cursor followed.
async fn hand_loop(http: &reqwest::Client, base: &str, limit: i64) -> Res<usize> {
    let url = format!("{base}conversations.members");
    let limit = limit.to_string();
    let mut cursor = String::new();
    let mut count = 0;
    loop {
        let mut query = vec![("channel", CHANNEL), ("limit", limit.as_str())];
        if !cursor.is_empty() {
            query.push(("cursor", cursor.as_str()));
        }
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(query)
            .finish();
        let body = http
            .get(format!("{url}?{query}"))
            .bearer_auth(TOKEN)
            .send()
            .await?
            .bytes()
            .await?;
        let page: Page = serde_json::from_slice(&body)?;
        if !page.ok {
            return Err("the fake refused a page".into());
        }
        count += page.members.len();
        cursor = page
            .response_metadata
            .map(|m| m.next_cursor)
            .unwrap_or_default();
        if cursor.is_empty() {
            return Ok(count);
        }
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Res<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let (members, rounds) = if quick { (2_000, 1) } else { (50_000, 7) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let mock = MockSlack::builder()
            .rate_limits(LimitMode::Off)
            .workspace(
                MockWorkspace::new("T0BENCH", "Bench")
                    .users(["U0OWNER"])
                    .token(TOKEN, TokenKind::Bot, ["channels:read", "groups:read", "im:read", "mpim:read"])
                    .channel_members(CHANNEL, (0..members).map(|i| format!("U{i:08}"))),
            )
            .start()
            .await?;
        let client = mock
            .client_builder(TOKEN)
            .rate_limits(RateLimits::off())
            .build()?;
        let http = reqwest::Client::new();
        let base = mock.base_url().to_owned();
        println!("{members} members, {rounds} rounds, interleaved; items per second (median), the stream's relative to the hand loop");
        println!("| page size | pages | item stream | hand-written loop over reqwest | stream / loop |");
        println!("|---:|---:|---:|---:|---:|");
        for limit in [200_i64, 1000] {
            // One warm-up of each.
            item_stream(&client, limit).await?;
            hand_loop(&http, &base, limit).await?;
            let (mut stream_rates, mut loop_rates) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                let start = Instant::now();
                let n = item_stream(&client, limit).await?;
                stream_rates.push(n as f64 / start.elapsed().as_secs_f64());
                assert_eq!(n, members);
                let start = Instant::now();
                let n = hand_loop(&http, &base, limit).await?;
                loop_rates.push(n as f64 / start.elapsed().as_secs_f64());
                assert_eq!(n, members);
            }
            let (stream, hand) = (median(stream_rates), median(loop_rates));
            println!(
                "| {limit} | {} | {:.0} | {:.0} | {:.2} |",
                members.div_ceil(limit as usize),
                stream,
                hand,
                stream / hand
            );
        }
        mock.shutdown().await;
        Ok(())
    })
}

//! A complete provider, installable and receiving its events on one port:
//! the code the README's "Installing into many workspaces" shows.
//!
//! ```sh
//! SLACK_CALLS_TOKEN_KEYS=k1:$(head -c32 /dev/urandom | base64) \
//! SLACK_CLIENT_ID=… SLACK_CLIENT_SECRET=… SLACK_SIGNING_SECRET=… \
//!   cargo run --example provider --features install,sqlite
//! ```

use slack_calls::events::{Receiver, Server};
use slack_calls::{App, Event, InstallFlow, SqliteStore, TokenKeys};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The key that seals tokens at rest: `id:base64` (32 bytes), from your
    // secret store; `TokenKeys::generate_key()` makes one.
    let keys = TokenKeys::from_env("SLACK_CALLS_TOKEN_KEYS")?;
    let store = SqliteStore::open("installations.db", keys).await?;
    let app = App::builder("A0123").build_with_store(store).await?;

    let install = InstallFlow::builder(
        app.clone(),
        std::env::var("SLACK_CLIENT_ID")?,
        std::env::var("SLACK_CLIENT_SECRET")?,
    )
    .bot_scopes([
        "calls:read",
        "calls:write",
        "links:read",
        "links:write",
        "chat:write",
    ])
    .redirect_uri("https://calls.example.com/slack/oauth_redirect")
    .build()?;

    let events = Receiver::<Event>::builder(std::env::var("SLACK_SIGNING_SECRET")?)
        .workspaces(app.clone()) // each delivery's client, from its installation
        .on_event(|callback, context| async move {
            if let (Event::LinkShared(shared), Some(client)) = (callback.event, context.client()) {
                // unfurl shared.links as Calls with `client`, paced per workspace
                let _ = (shared, client);
            }
        })
        .build()?;

    // GET /slack/install, GET /slack/oauth_redirect, POST /slack/events;
    // or mount `install.router()` and `events.method_router()` in your own
    // axum Router (`slack_calls::events::axum` is the axum they use).
    Server::new()
        .install(&install)
        .events("/slack/events", &events)
        .serve("0.0.0.0:3000")
        .await?;
    Ok(())
}

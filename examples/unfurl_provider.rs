//! A provider's first hour: receive `link_shared`, register the link as a
//! Call (`calls.add`), unfurl it as a Call (`chat.unfurl`), and end it
//! (`calls.end`), against the fake with its demo tokens as they are.
//!
//! ```sh
//! cargo run --example unfurl_provider --features events
//! ```

use slack_calls::events::{Receiver, Server};
use slack_calls::{Block, CallBlock, Event, Unfurl};
use slack_calls_mock::{MockApp, MockSlack};
use tokio::sync::mpsc;

const SECRET: &str = "first-hour-signing-secret-4f2a9c81";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mock = MockSlack::start().await?;
    let ended = run(&mock).await?;
    println!("unfurled and ended Call {ended}");
    Ok(())
}

/// Runs the provider against `mock`; the id of the Call it ended.
pub async fn run(mock: &MockSlack) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let bot = mock.client(mock.bot_token())?; // the demo bot token, as it is
    let (done, mut calls) = mpsc::unbounded_channel();
    let receiver = Receiver::<Event>::builder(SECRET)
        .workspaces(move |_team: &str| Some(bot.clone()))
        .on_event(move |callback, context| {
            let done = done.clone();
            async move {
                let (Event::LinkShared(shared), Some(client)) = (callback.event, context.client())
                else {
                    return;
                };
                for link in &shared.links {
                    let unfurled = async {
                        let call = client
                            .calls()
                            .add(format!("link-{}", shared.message_ts), link.url.as_str())
                            .created_by(shared.user.as_str())
                            .await?
                            .call;
                        let card = Unfurl::new([Block::from(CallBlock::new(&call.id))]);
                        client
                            .chat()
                            .unfurl([(link.url.as_str(), card)])
                            .channel(shared.channel.as_str())
                            .ts(shared.message_ts.as_str())
                            .await?;
                        client.calls().end(&call.id).await?;
                        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(call.id.to_string())
                    };
                    let _ = done.send(unfurled.await.map_err(|err| err.to_string()));
                }
            }
        })
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/slack/events", listener.local_addr()?);
    tokio::spawn(
        Server::new()
            .events("/slack/events", &receiver)
            .serve_on(listener),
    );
    mock.register_app(MockApp::new(url, SECRET)?.unfurl_domains(["example.com"]))
        .await?;
    mock.user_posts(
        "U0MOCK002",
        "C0MOCK001",
        "join <https://example.com/j/1|standup>",
    )?;
    let ended = calls.recv().await.ok_or("the app stopped")??;
    Ok(ended)
}

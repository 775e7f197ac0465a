//! The paginated and comma-list methods against the fake: the page and item
//! streams of `conversations.members` (10,000 members, a forged cursor, a
//! 429 mid-stream, a dropped stream), and `conversations.list`'s `types`
//! sent comma-separated.

use slack_calls::conversations::{ListError, MembersError};
use slack_calls::{ChannelId, ConversationType, Error, TokenKind, UserId};
use slack_calls_mock::{Fault, MockSlack, MockWorkspace};

const TOKEN: &str = "xoxb-pages";
const SCOPES: [&str; 4] = ["channels:read", "groups:read", "im:read", "mpim:read"];

fn member(index: usize) -> String {
    format!("U{index:08}")
}

/// A fake whose channel `C0BIG` has `count` members, and `C0SMALL` 5.
async fn fake(count: usize) -> std::io::Result<MockSlack> {
    MockSlack::builder()
        .workspace(
            MockWorkspace::new("T0PAGES", "Pages")
                .users(["U0OWNER"])
                .token(TOKEN, TokenKind::Bot, SCOPES)
                .channel_members("C0BIG", (0..count).map(member))
                .channel_members("C0SMALL", (0..5).map(member))
                .channels(["C0BIG", "C0SMALL", "G0SECRET", "D0DIRECT"])
                .channel_named("C0BIG", "big"),
        )
        .start()
        .await
}

fn is_stream<S: futures_core::Stream>(_: &S) {}

#[tokio::test]
async fn ten_thousand_members_through_the_item_stream() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(10_000).await?;
    let client = mock.client(TOKEN)?;
    let mut items = client.conversations().members("C0BIG").limit(200).items();
    is_stream(&items);
    let mut read = Vec::new();
    while let Some(member) = items.next().await {
        read.push(member?);
    }
    let expected: Vec<UserId> = (0..10_000).map(|i| UserId::from(member(i))).collect();
    assert_eq!(read, expected);
    // 10,000 at 200 a page: 50 pages, the last with an empty next cursor.
    assert_eq!(items.pages_read(), 50);
    let requests = mock.requests_for("conversations.members");
    assert_eq!(requests.len(), 50);
    // The first without a cursor, each next one with the cursor given.
    assert!(requests[0].params.iter().all(|(name, _)| name != "cursor"));
    for request in &requests[1..] {
        assert!(
            request
                .params
                .iter()
                .any(|(name, value)| name == "cursor" && !value.is_empty())
        );
        assert!(
            request
                .params
                .contains(&("limit".to_owned(), "200".to_owned()))
        );
    }
    Ok(())
}

#[tokio::test]
async fn pages_follow_the_page_size_and_end_with_an_empty_cursor()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(0).await?;
    let client = mock.client(TOKEN)?;
    let mut pages = client.conversations().members("C0SMALL").limit(2).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page?;
        sizes.push((page.members.len(), page.meta.next_cursor.is_some()));
    }
    assert_eq!(sizes, [(2, true), (2, true), (1, false)]);
    // A drained stream stays drained and sends nothing more.
    assert!(pages.next().await.is_none());
    assert_eq!(mock.requests_for("conversations.members").len(), 3);
    Ok(())
}

#[tokio::test]
async fn a_forged_cursor_is_invalid_cursor_typed() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(10).await?;
    let client = mock.client(TOKEN)?;
    let err = client
        .conversations()
        .members("C0BIG")
        .cursor("dXNlcjpVMDYxTkZUVDI=")
        .await
        .err()
        .ok_or("a forged cursor must fail")?;
    match &err {
        Error::Api { error, .. } => assert_eq!(error.code, MembersError::InvalidCursor),
        other => return Err(format!("expected invalid_cursor, got {other:?}").into()),
    }
    // A cursor of another channel is refused too, and through the stream
    // the error is the last item.
    let mut pages = client.conversations().members("C0SMALL").limit(2).pages();
    let first = pages.next().await.ok_or("a page")??;
    let cursor = first.meta.next_cursor.ok_or("a next cursor")?;
    let mut items = client
        .conversations()
        .members("C0BIG")
        .cursor(cursor)
        .items();
    match items.next().await {
        Some(Err(Error::Api { error, .. })) => {
            assert_eq!(error.code, MembersError::InvalidCursor)
        }
        other => return Err(format!("expected invalid_cursor, got {other:?}").into()),
    }
    assert!(items.next().await.is_none());
    // An unknown channel is `channel_not_found`.
    let err = client.conversations().members("C0NOWHERE").await.err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == MembersError::ChannelNotFound
    ));
    Ok(())
}

#[tokio::test]
async fn a_429_mid_stream_is_waited_out_and_the_stream_goes_on()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(1_000).await?;
    let client = mock.client(TOKEN)?;
    let mut items = client.conversations().members("C0BIG").limit(300).items();
    let mut read = Vec::new();
    // The first page (300 members), then a 429 for the second.
    read.push(items.next().await.ok_or("an item")??);
    mock.fault(
        "conversations.members",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
        1,
    );
    while let Some(member) = items.next().await {
        read.push(member?);
    }
    assert_eq!(read.len(), 1_000);
    assert_eq!(read[999], UserId::from(member(999)));
    assert_eq!(items.pages_read(), 4);
    // Four pages and the one answered with 429.
    assert_eq!(mock.requests_for("conversations.members").len(), 5);
    assert_eq!(mock.pending_injections("conversations.members"), 0);
    Ok(())
}

#[tokio::test]
async fn dropping_the_stream_sends_nothing_more() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(1_000).await?;
    let client = mock.client(TOKEN)?;
    let items = client.conversations().members("C0BIG").limit(100).items();
    // Nothing is sent before the stream is polled.
    assert!(mock.requests_for("conversations.members").is_empty());
    let mut items = items;
    let first = items.next().await.ok_or("an item")??;
    assert_eq!(first, UserId::from(member(0)));
    drop(items);
    // Another call goes through the same server after the drop: had the
    // stream left anything running, its request would be logged first.
    client.conversations().info("C0SMALL").await?;
    assert_eq!(mock.requests_for("conversations.members").len(), 1);
    Ok(())
}

#[tokio::test]
async fn conversations_list_sends_types_comma_separated() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = fake(3).await?;
    let client = mock.client(TOKEN)?;
    let mut items = client
        .conversations()
        .list()
        .types([ConversationType::PublicChannel, ConversationType::Im])
        .limit(1)
        .items();
    let mut ids = Vec::new();
    while let Some(channel) = items.next().await {
        ids.push(channel?.id);
    }
    assert_eq!(
        ids,
        [
            ChannelId::from("C0BIG"),
            ChannelId::from("C0SMALL"),
            ChannelId::from("D0DIRECT")
        ]
    );
    let requests = mock.requests_for("conversations.list");
    assert_eq!(requests.len(), 3);
    assert!(
        requests[0]
            .params
            .contains(&("types".to_owned(), "public_channel,im".to_owned()))
    );
    // An item with a comma is refused before sending.
    let err = client
        .conversations()
        .list()
        .types([ConversationType::Unknown("im,mpim".to_owned())])
        .await
        .err();
    match err {
        Some(Error::InvalidRequest(invalid)) => {
            assert_eq!(invalid.param, Some("types"));
            assert!(
                invalid.reason.contains("contains a comma"),
                "{}",
                invalid.reason
            );
        }
        other => return Err(format!("expected InvalidRequest, got {other:?}").into()),
    }
    assert_eq!(mock.requests_for("conversations.list").len(), 3);
    // A kind the fake does not know is `invalid_types`.
    let err = client
        .conversations()
        .list()
        .types([ConversationType::Unknown("rooms".to_owned())])
        .await
        .err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == ListError::InvalidTypes
    ));
    Ok(())
}

#[tokio::test]
async fn conversation_info_from_the_workspace() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake(7).await?;
    let client = mock.client(TOKEN)?;
    let channel = client
        .conversations()
        .info("C0BIG")
        .include_num_members(true)
        .await?
        .channel;
    assert_eq!(channel.name.as_deref(), Some("big"));
    assert_eq!(channel.num_members, Some(7));
    assert_eq!(channel.is_private, Some(false));
    let secret = client.conversations().info("G0SECRET").await?.channel;
    assert_eq!(secret.is_private, Some(true));
    assert_eq!(secret.num_members, None);
    Ok(())
}

//! The methods this crate generated run against the fake Slack server,
//! which serves them from this crate's own method table.

use slack_calls::{Error, ErrorCode, TeamId, TokenKind};
use slack_calls_downstream_example::{DownstreamExt, METHODS, PinnedItem};
use slack_calls_mock::MockSlack;

#[tokio::test]
async fn team_info_runs_against_the_fake() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .methods(METHODS)
        .token("xoxb-team-reader", TokenKind::Bot, ["team:read"])
        .start()
        .await?;
    let client = mock.client("xoxb-team-reader")?;

    let response = client.team().info().team("T12345").await?;
    assert_eq!(response.team.id, TeamId::from("T12345"));
    assert_eq!(response.team.name, "My Team");
    assert_eq!(response.team.domain.as_deref(), Some("example"));
    let icon = response.team.icon.ok_or("the icon is decoded")?;
    assert_eq!(icon.image_default, Some(true));

    // It went over the wire under its Slack name, with its param.
    let sent = mock.requests_for("team.info");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].param("team"), Some("T12345"));
    Ok(())
}

#[tokio::test]
async fn the_fake_checks_the_scope_the_spec_declares() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder().methods(METHODS).start().await?;
    // The demo bot token has calls:read and calls:write, not team:read.
    let client = mock.client(mock.bot_token())?;
    match client.team().info().await {
        Err(Error::Api { method, error }) => {
            assert_eq!(method, "team.info");
            assert_eq!(error.code.code(), "missing_scope");
            assert_eq!(error.needed.as_deref(), Some("team:read"));
        }
        other => return Err(format!("expected missing_scope, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn without_the_table_the_fake_does_not_know_the_method()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .token("xoxb-team-reader", TokenKind::Bot, ["team:read"])
        .start()
        .await?;
    let client = mock.client("xoxb-team-reader")?;
    match client.team().info().await {
        Err(Error::Api { error, .. }) => assert_eq!(error.code.code(), "unknown_method"),
        other => return Err(format!("expected unknown_method, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn a_union_from_this_crates_spec_decodes_and_keeps_unknown_kinds()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .methods(METHODS)
        .token("xoxb-pin-reader", TokenKind::Bot, ["pins:read"])
        .start()
        .await?;
    let client = mock.client("xoxb-pin-reader")?;
    let items = client.pins().list("C2U86NC6H").await?.items;
    assert_eq!(items.len(), 2);
    let PinnedItem::Message(pinned) = &items[0] else {
        return Err(format!("expected a pinned message, got {:?}", items[0]).into());
    };
    assert_eq!(
        pinned.message.text.as_deref(),
        Some("What is the meaning of life?")
    );
    assert_eq!(items[1].tag(), Some("saved_search"));
    assert!(matches!(&items[1], PinnedItem::Other(json) if json["query"] == "meaning of life"));
    Ok(())
}

/// `reactions.list` is only in this crate's spec, with `pagination`: its
/// streams exist with no Rust written for it, and the fake pages the
/// spec's example items.
#[tokio::test]
async fn a_paginated_method_from_this_crates_spec_streams_its_pages()
-> Result<(), Box<dyn std::error::Error>> {
    use slack_calls_downstream_example::reactions::ListError;

    let mock = MockSlack::builder()
        .methods(METHODS)
        .token("xoxb-reaction-reader", TokenKind::Bot, ["reactions:read"])
        .start()
        .await?;
    let client = mock.client("xoxb-reaction-reader")?;
    let mut items = client.reactions().list().limit(2).items();
    let mut texts = Vec::new();
    while let Some(item) = items.next().await {
        let message = item?.message.ok_or("a message")?;
        texts.push(message.text.unwrap_or_default());
    }
    assert_eq!(texts, ["one", "two", "three", "four", "five"]);
    // Five items at two a page: three requests, the last without a cursor
    // to follow.
    assert_eq!(items.pages_read(), 3);
    let sent = mock.requests_for("reactions.list");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].param("cursor"), None);
    assert!(sent[1].param("cursor").is_some_and(|c| !c.is_empty()));

    let mut pages = client.reactions().list().cursor("forged").pages();
    match pages.next().await {
        Some(Err(Error::Api { error, .. })) => assert_eq!(error.code, ListError::InvalidCursor),
        other => return Err(format!("expected invalid_cursor, got {other:?}").into()),
    }
    assert!(pages.next().await.is_none());
    Ok(())
}

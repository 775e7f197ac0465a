//! `chat.update` and `users.info` against the fake: a message with a
//! `call` block is updated and keeps its Call; users come from the
//! directory, their email only with `users:read.email`.

use slack_calls::chat::UpdateError;
use slack_calls::users::InfoError;
use slack_calls::{
    Block, CallBlock, ChannelId, Error, ErrorCode, MessageTs, RateLimits, TokenKind, UserId,
};
use slack_calls_mock::{LimitMode, MockSlack, default_email};

#[tokio::test]
async fn an_updated_call_message_keeps_its_call() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .start()
        .await?;
    let client = mock
        .client_builder(mock.bot_token())
        .rate_limits(RateLimits::off())
        .build()?;
    let call = client
        .calls()
        .add("meeting-7", "https://example.com/j/7")
        .created_by("U0MOCK001")
        .await?
        .call;
    let posted = client
        .chat()
        .post_message("C0MOCK001")
        .text("A call started")
        .blocks([Block::from(CallBlock::new(&call.id))])
        .await?;

    // New text, no `blocks`: the call block stays.
    let updated = client
        .chat()
        .update("C0MOCK001", &posted.ts)
        .text("The call has ended")
        .await?;
    assert_eq!(updated.ts, posted.ts);
    assert_eq!(updated.text.as_deref(), Some("The call has ended"));
    let message = updated.message.ok_or("the message comes back")?;
    assert_eq!(message.text.as_deref(), Some("The call has ended"));
    assert!(matches!(&message.blocks[..], [Block::Call(b)] if b.call_id == call.id));
    let info = client.calls().info(&call.id).await?.call;
    assert_eq!(info.channels, [ChannelId::from("C0MOCK001")]);

    // An empty list removes the blocks; the text stays.
    let cleared = client
        .chat()
        .update("C0MOCK001", &posted.ts)
        .blocks(Vec::<Block>::new())
        .await?;
    let message = cleared.message.ok_or("the message comes back")?;
    assert!(message.blocks.is_empty());
    assert_eq!(message.text.as_deref(), Some("The call has ended"));

    // Another poster cannot change it; an unknown ts is not found.
    let user = mock.client(mock.user_token())?;
    let err = user
        .chat()
        .update("C0MOCK001", &posted.ts)
        .text("mine now")
        .await
        .err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == UpdateError::CantUpdateMessage
    ));
    let err = client
        .chat()
        .update("C0MOCK001", MessageTs::from("1.000001"))
        .text("nothing")
        .await
        .err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == UpdateError::MessageNotFound
    ));
    // Neither text nor blocks is `no_text`.
    let err = client.chat().update("C0MOCK001", &posted.ts).await.err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == UpdateError::NoText
    ));
    Ok(())
}

#[tokio::test]
async fn users_info_reads_the_directory() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .user_with_email("U0ALICE", "alice@example.org")
        .token("xoxb-read", TokenKind::Bot, ["users:read"])
        .token(
            "xoxb-read-email",
            TokenKind::Bot,
            ["users:read", "users:read.email"],
        )
        .start()
        .await?;
    let reader = mock.client("xoxb-read")?;
    let alice = reader.users().info("U0ALICE").await?.user;
    assert_eq!(alice.id, UserId::from("U0ALICE"));
    assert_eq!(alice.profile.ok_or("a profile")?.email, None);
    let with_email = mock.client("xoxb-read-email")?;
    let alice = with_email.users().info("U0ALICE").await?.user;
    assert_eq!(
        alice.profile.ok_or("a profile")?.email.as_deref(),
        Some("alice@example.org")
    );
    let demo = with_email.users().info("U0MOCK002").await?.user;
    assert_eq!(
        demo.profile.ok_or("a profile")?.email,
        Some(default_email("U0MOCK002"))
    );
    let err = reader.users().info("U0NOBODY").await.err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == InfoError::UserNotFound
    ));
    Ok(())
}

#[tokio::test]
async fn event_authorizations_are_the_apps_installations_a_page_at_a_time()
-> Result<(), Box<dyn std::error::Error>> {
    use slack_calls::apps::event::authorizations::ListError;
    use slack_calls_mock::MockWorkspace;

    let mock = MockSlack::builder()
        .token(
            "xapp-1-A0MOCK-1-secret",
            TokenKind::Other,
            Vec::<String>::new(),
        )
        .workspace(MockWorkspace::new("T0SECOND", "Second").users(["U0SECOND"]))
        .start()
        .await?;
    let app = mock.client("xapp-1-A0MOCK-1-secret")?;
    // A context an event carried: any other is `invalid_event_context`.
    let context =
        crate::fake_support::event_context::event_context(&mock, "U0MOCK001", "C0MOCK001").await;
    let mut items = app
        .apps()
        .event()
        .authorizations()
        .list(context.as_str())
        .limit(1)
        .items();
    let mut teams = Vec::new();
    while let Some(authorization) = items.next().await {
        let authorization = authorization?;
        assert_eq!(authorization.is_bot, Some(true));
        teams.push(authorization.team_id.ok_or("a team")?);
    }
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[1].as_str(), "T0SECOND");
    assert_eq!(mock.requests_for("apps.event.authorizations.list").len(), 2);

    // A bot token is not an app-level token.
    let bot = mock.client(mock.bot_token())?;
    let err = bot
        .apps()
        .event()
        .authorizations()
        .list(context.as_str())
        .await
        .err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code.code() == "not_allowed_token_type"
    ));
    // A forged cursor is `invalid_cursor`.
    let err = app
        .apps()
        .event()
        .authorizations()
        .list(context.as_str())
        .cursor("forged")
        .await
        .err();
    assert!(matches!(
        err,
        Some(Error::Api { ref error, .. }) if error.code == ListError::InvalidCursor
    ));
    Ok(())
}

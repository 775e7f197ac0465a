//! Checks before sending: a request the spec says Slack would refuse fails
//! with `Error::InvalidRequest` and nothing goes on the wire. Also the wire
//! format of what does go.

use crate::support::scripted_server::Server;
use crate::support::test_methods as runtime_support;
use crate::support::test_methods::{
    ADD, CallResult, INFO, PARTICIPANTS_ADD, Participant, TOKEN, builder, call, info,
};
use slack_calls::{Client, Error, Form, InvalidRequest, TestClock};

fn invalid(result: CallResult) -> InvalidRequest {
    match result {
        Err(Error::InvalidRequest(invalid)) => invalid,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

fn add_form(created_by: Option<&str>) -> Form {
    let mut form = Form::new();
    form.push("external_unique_id", "ext-1");
    form.push("join_url", "https://example.com/call/1");
    if let Some(user) = created_by {
        form.push("created_by", user);
    }
    form
}

#[tokio::test]
async fn a_bot_token_without_created_by_on_calls_add_is_refused_before_sending() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let bot = builder(&server, &clock).build().unwrap();

    let err = invalid(call(&bot, &ADD, add_form(None)).await);
    assert_eq!(err.method, "calls.add");
    assert_eq!(err.param, Some("created_by"));
    assert_eq!(
        Error::<runtime_support::Code>::InvalidRequest(err).to_string(),
        "invalid request: calls.add `created_by`: is required when calling with a bot token (xoxb-); set it to the user who started the call"
    );
    assert_eq!(server.requests().len(), 0, "nothing on the wire");

    // With created_by, or with a user token, it goes.
    call(&bot, &ADD, add_form(Some("U1"))).await.unwrap();
    let user = Client::builder("xoxp-1-2-user-token")
        .base_url(server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    call(&user, &ADD, add_form(None)).await.unwrap();
    assert_eq!(server.count("calls.add"), 2);
}

#[tokio::test]
async fn an_empty_participant_list_is_refused() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock).build().unwrap();
    let mut form = Form::new();
    form.push("id", "R1");
    form.push_list::<Participant>("users", &[]);

    let err = invalid(call(&client, &PARTICIPANTS_ADD, form).await);

    assert_eq!(err.param, Some("users"));
    assert_eq!(err.reason, "needs at least 1 item, got 0");
    assert_eq!(server.requests().len(), 0);
}

#[tokio::test]
async fn a_participant_needs_a_slack_id_or_an_external_id_with_a_display_name() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock).build().unwrap();
    let external_without_name = Participant {
        external_id: Some("ext-9".to_owned()),
        ..Participant::default()
    };
    for bad in [Participant::default(), external_without_name] {
        let mut form = Form::new();
        form.push("id", "R1");
        form.push_list("users", &[Participant::slack("U1"), bad]);
        let err = invalid(call(&client, &PARTICIPANTS_ADD, form).await);
        assert_eq!(err.param, Some("users"));
        assert_eq!(
            err.reason,
            "item 1: needs a slack_id, or an external_id with a display_name"
        );
    }
    assert_eq!(server.requests().len(), 0);

    let mut form = Form::new();
    form.push("id", "R1");
    form.push_list(
        "users",
        &[
            Participant::slack("U1"),
            Participant {
                external_id: Some("ext-9".to_owned()),
                display_name: Some("Guest".to_owned()),
                ..Participant::default()
            },
        ],
    );
    call(&client, &PARTICIPANTS_ADD, form).await.unwrap();
    let sent = server.requests();
    assert_eq!(
        sent[0].field("users").as_deref(),
        Some(r#"[{"slack_id":"U1"},{"external_id":"ext-9","display_name":"Guest"}]"#)
    );
}

#[tokio::test]
async fn urls_must_be_absolute_and_ids_and_required_params_not_empty() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock).build().unwrap();

    let mut form = Form::new();
    form.push("external_unique_id", "ext-1");
    form.push("join_url", "/relative/path");
    form.push("created_by", "U1");
    let err = invalid(call(&client, &ADD, form).await);
    assert_eq!(err.param, Some("join_url"));
    assert!(
        err.reason.starts_with("is not an absolute URL"),
        "{}",
        err.reason
    );

    let err = invalid(info(&client, "").await);
    assert_eq!((err.param, err.reason.as_str()), (Some("id"), "is empty"));

    let err = invalid(call(&client, &ADD, add_form(Some("   "))).await);
    assert_eq!(
        (err.param, err.reason.as_str()),
        (Some("created_by"), "is empty")
    );

    let mut form = Form::new();
    form.push("external_unique_id", "");
    form.push("join_url", "https://example.com/call/1");
    form.push("created_by", "U1");
    let err = invalid(call(&client, &ADD, form).await);
    assert_eq!(err.param, Some("external_unique_id"));
    assert_eq!(err.reason, "is required and cannot be empty");

    let err = invalid(call(&client, &INFO, Form::new()).await);
    assert_eq!(
        (err.param, err.reason.as_str()),
        (Some("id"), "is required")
    );
    assert_eq!(server.requests().len(), 0);

    // A desktop app's own scheme is a URL too.
    let mut form = add_form(Some("U1"));
    form.push("desktop_app_join_url", "callapp://join/123");
    call(&client, &ADD, form).await.unwrap();
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn refused_requests_take_no_permit_and_make_no_wait() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock)
        .rate_limits(slack_calls::RateLimits::slack_tiers())
        .build()
        .unwrap();
    for _ in 0..10 {
        let _ = info(&client, "").await;
    }
    assert!(clock.sleeps().is_empty());
    assert!(client.pacing_stats().is_empty());
}

#[tokio::test]
async fn the_wire_format_carries_the_token_only_in_the_authorization_header() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = builder(&server, &clock).build().unwrap();
    call(&client, &ADD, add_form(Some("U1"))).await.unwrap();

    let sent = &server.requests()[0];
    assert_eq!(sent.verb, "POST");
    assert_eq!(sent.path, "api/calls.add");
    assert_eq!(sent.query, None);
    assert_eq!(
        sent.header("authorization").map(str::to_owned),
        Some(format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        sent.body,
        "external_unique_id=ext-1&join_url=https%3A%2F%2Fexample.com%2Fcall%2F1&created_by=U1"
    );
    assert!(!sent.body.contains(TOKEN));
    assert!(!sent.path.contains(TOKEN));
}

#[tokio::test]
async fn a_token_that_cannot_go_in_a_header_is_refused_without_showing_it() {
    let clock = TestClock::new();
    let server = Server::start().await;
    let client = Client::builder("xoxb-bad\ntoken-SECRETPART")
        .base_url(server.base_url())
        .clock(clock)
        .build()
        .unwrap();
    let err = invalid(info(&client, "R1").await);
    assert_eq!(err.param, None);
    assert!(!err.reason.contains("SECRETPART"), "{}", err.reason);
    assert_eq!(server.requests().len(), 0);
}

// ---------------------------------------------------------------------------
// The same checks through the generated API, from the spec's rules.

use slack_calls::CallUser;

fn typed(server: &Server, token: &str) -> Client {
    Client::builder(token)
        .base_url(server.base_url())
        .clock(TestClock::new())
        .build()
        .unwrap()
}

fn typed_invalid<E: slack_calls::ErrorCode>(
    result: Result<impl std::fmt::Debug, Error<E>>,
) -> InvalidRequest {
    match result {
        Err(Error::InvalidRequest(invalid)) => invalid,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn the_generated_api_refuses_what_the_spec_forbids_before_sending() {
    let server = Server::start().await;
    let bot = typed(&server, TOKEN);
    let calls = bot.calls();

    let err = typed_invalid(calls.add("ext-1", "https://example.com/1").await);
    assert_eq!((err.method, err.param), ("calls.add", Some("created_by")));

    let err = typed_invalid(calls.add("ext-1", "no scheme").created_by("U1").await);
    assert_eq!(err.param, Some("join_url"));

    let err = typed_invalid(
        calls
            .add("ext-1", "https://example.com/1")
            .created_by("U1")
            .users([CallUser::slack("U1"), CallUser::new().with_external_id("x")])
            .await,
    );
    assert_eq!(err.param, Some("users"));
    assert!(err.reason.starts_with("item 1: "), "{}", err.reason);

    let err = typed_invalid(calls.participants().add("R1", Vec::<CallUser>::new()).await);
    assert_eq!(
        (err.method, err.param, err.reason.as_str()),
        (
            "calls.participants.add",
            Some("users"),
            "needs at least 1 item, got 0"
        )
    );
    let err = typed_invalid(calls.participants().remove("R1", [CallUser::new()]).await);
    assert_eq!(err.param, Some("users"));

    let err = typed_invalid(calls.info("").await);
    assert_eq!(err.param, Some("id"));

    assert_eq!(server.requests().len(), 0, "nothing went on the wire");

    // What the spec allows goes through.
    calls
        .participants()
        .add("R1", [CallUser::external("54321678", "External User")])
        .await
        .unwrap();
    let user = typed(&server, "xoxp-1-2-user-token");
    user.calls()
        .add("ext-1", "https://example.com/1")
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

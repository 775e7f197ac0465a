//! The stateful Calls family of the fake, through the generated client and
//! through raw requests (for what the typed client refuses to send), and a
//! check that every error code `spec/calls.yaml` declares is produced.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::fake_support::raw_http as mock_support;
use crate::fake_support::raw_http::{add_call, post_form};
use serde_json::json;
use slack_calls::calls::{AddError, EndError, InfoError, UpdateError};
use slack_calls::{CallUser, Error, ErrorCode, METHODS, Timestamp};
use slack_calls_mock::{Fault, MockSlack, Participant, Scripted};

fn unix_now() -> i64 {
    Timestamp::now().as_secs()
}

#[tokio::test]
async fn a_whole_lifecycle_through_the_typed_client() {
    let mock = MockSlack::start().await.unwrap();
    let client = mock.client(mock.user_token()).unwrap();

    let before = unix_now();
    let added = client
        .calls()
        .add("ext-lifecycle", "https://example.com/join/7")
        .title("Kimpossible sync up")
        .external_display_id("705-292-868")
        .desktop_app_join_url("callapp://join/7")
        .users([CallUser::slack("U0MOCK002")])
        .await
        .unwrap()
        .call;
    let after = unix_now();
    let id = added.id.clone();
    assert!(
        id.as_str().starts_with('R') && id.as_str().len() == 11,
        "{id}"
    );
    let start = added.date_start.as_secs();
    assert!(
        (before..=after).contains(&start),
        "date_start defaults to now"
    );

    let stored = mock.call(id.as_str()).unwrap();
    assert_eq!(
        stored.created_by, "U0MOCK001",
        "a user token creates as its user"
    );
    assert_eq!(stored.users, vec![Participant::slack("U0MOCK002")]);
    assert_eq!(stored.title.as_deref(), Some("Kimpossible sync up"));

    client
        .calls()
        .participants()
        .add(
            &id,
            [CallUser::external("54321678", "External User")
                .with_avatar_url("https://example.com/a.png")],
        )
        .await
        .unwrap();

    let updated = client
        .calls()
        .update(&id)
        .title("Renamed")
        .join_url("https://example.com/join/8")
        .await
        .unwrap()
        .call;
    assert_eq!(updated.title.as_deref(), Some("Renamed"));
    assert_eq!(updated.join_url.as_str(), "https://example.com/join/8");
    assert_eq!(updated.external_unique_id, "ext-lifecycle", "not changed");
    assert_eq!(updated.date_start.as_secs(), start, "not changed");

    let info = client.calls().info(&id).await.unwrap().call;
    let users = info.users.clone();
    assert_eq!(users.len(), 2);
    assert_eq!(users[1].external_id.as_deref(), Some("54321678"));
    assert_eq!(users[1].display_name.as_deref(), Some("External User"));

    client
        .calls()
        .participants()
        .remove(&id, [CallUser::slack("U0MOCK002")])
        .await
        .unwrap();
    let stored = mock.call(id.as_str()).unwrap();
    assert_eq!(stored.users.len(), 1);
    assert_eq!(stored.users[0].external_id.as_deref(), Some("54321678"));

    client
        .calls()
        .end(&id)
        .duration(Duration::from_secs(1800))
        .await
        .unwrap();
    let ended = client.calls().info(&id).await.unwrap().call;
    assert_eq!(ended.date_end.map(|t| t.as_secs()), Some(start + 1800));
    assert!(mock.call(id.as_str()).unwrap().is_ended());

    // After the end: end again and roster changes are refused, update is not.
    let err = client.calls().end(&id).await.unwrap_err();
    assert!(
        matches!(err.api_code(), Some(EndError::InactiveCall)),
        "{err}"
    );
    let err = client
        .calls()
        .participants()
        .add(&id, [CallUser::slack("U0MOCK003")])
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("inactive_call"));
    client
        .calls()
        .update(&id)
        .title("Post-mortem")
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_ids_and_typed_error_codes() {
    let mock = MockSlack::start().await.unwrap();
    let client = mock.client(mock.bot_token()).unwrap();
    let err = client.calls().info("R0NOSUCH01").await.unwrap_err();
    assert!(
        matches!(err.api_code(), Some(InfoError::InvalidCallId)),
        "{err}"
    );
    let err = client
        .calls()
        .update("R0NOSUCH01")
        .title("x")
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_code(), Some(UpdateError::InvalidCallId)),
        "{err}"
    );
    // A malformed id is an unknown call too.
    let err = client.calls().info("not-an-id").await.unwrap_err();
    assert!(
        matches!(err.api_code(), Some(InfoError::InvalidCallId)),
        "{err}"
    );

    // Bot tokens pass created_by; an unknown user is refused.
    let err = client
        .calls()
        .add("e", "https://example.com/j")
        .created_by("U0NOBODY")
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_code(), Some(AddError::InvalidCreatedBy)),
        "{err}"
    );
    let call = client
        .calls()
        .add("e", "https://example.com/j")
        .created_by("U0MOCK004")
        .await
        .unwrap()
        .call;
    assert_eq!(mock.call(call.id.as_str()).unwrap().created_by, "U0MOCK004");

    let err = client
        .calls()
        .add("e2", "https://example.com/j")
        .created_by("U0MOCK004")
        .users([CallUser::slack("U0GHOST")])
        .await
        .unwrap_err();
    assert!(
        matches!(err.api_code(), Some(AddError::UserNotFound)),
        "{err}"
    );
    assert_eq!(mock.calls().len(), 1, "failed adds create nothing");
}

#[tokio::test]
async fn rosters_know_who_is_there() {
    let mock = MockSlack::start().await.unwrap();
    let client = mock.client(mock.user_token()).unwrap();
    let both = CallUser::slack("U0MOCK003").with_external_id("x3");
    let id = client
        .calls()
        .add("roster", "https://example.com/j")
        .users([both])
        .await
        .unwrap()
        .call
        .id;
    let participants = client.calls().participants();

    // The same person by either id is already there.
    for again in [CallUser::slack("U0MOCK003"), CallUser::external("x3", "X")] {
        let err = participants.add(&id, [again]).await.unwrap_err();
        assert_eq!(err.slack_code(), Some("bad_users"));
    }
    // Twice in one request.
    let err = participants
        .add(
            &id,
            [CallUser::slack("U0MOCK004"), CallUser::slack("U0MOCK004")],
        )
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("bad_users"));
    // All or nothing: a good user with an unknown one changes nothing.
    let err = participants
        .add(
            &id,
            [CallUser::slack("U0MOCK004"), CallUser::slack("U0GHOST")],
        )
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("user_not_found"));
    assert_eq!(mock.call(id.as_str()).unwrap().users.len(), 1);

    // Removing by the external id removes the person with both ids.
    participants
        .remove(&id, [CallUser::external("x3", "X")])
        .await
        .unwrap();
    assert!(mock.call(id.as_str()).unwrap().users.is_empty());
    let err = participants
        .remove(&id, [CallUser::slack("U0MOCK003")])
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("bad_users"));
    let err = participants
        .remove(&id, [CallUser::slack("U0GHOST")])
        .await
        .unwrap_err();
    assert_eq!(err.slack_code(), Some("user_not_found"));

    // Back in again.
    participants
        .add(&id, [CallUser::slack("U0MOCK003")])
        .await
        .unwrap();
    assert_eq!(
        mock.call(id.as_str()).unwrap().users,
        vec![Participant::slack("U0MOCK003")]
    );
}

#[tokio::test]
async fn the_bot_token_rule_and_values_the_typed_client_never_sends() {
    let mock = MockSlack::start().await.unwrap();
    let bot = Some(mock.bot_token());
    let add = |fields: Vec<(&'static str, &'static str)>| {
        let mut all = vec![
            ("external_unique_id", "raw"),
            ("join_url", "https://example.com/j"),
        ];
        all.extend(fields);
        let mock = &mock;
        async move { post_form(mock, "calls.add", bot, &all).await }
    };

    // A bot token without created_by: invalid_created_by, explained.
    let answer = add(vec![]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_created_by"));
    let message = answer.json()["response_metadata"]["messages"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("bot token"), "{message}");
    assert_eq!(
        add(vec![("created_by", "lowercase")])
            .await
            .error()
            .as_deref(),
        Some("invalid_created_by")
    );

    for bad in ["soon", "-5"] {
        let answer = add(vec![("created_by", "U0MOCK001"), ("date_start", bad)]).await;
        assert_eq!(
            answer.error().as_deref(),
            Some("invalid_start_time"),
            "{bad}"
        );
    }
    let answer = add(vec![
        ("created_by", "U0MOCK001"),
        ("date_start", "1600000000"),
    ])
    .await;
    assert_eq!(answer.json()["call"]["date_start"], 1_600_000_000);

    for (param, value) in [
        ("join_url", "not a url"),
        ("desktop_app_join_url", "nope"),
        ("users", "{}"),
        ("users", r#"[{"display_name":"nobody"}]"#),
        ("users", r#"[{"external_id":"e-no-name"}]"#),
    ] {
        let answer = add(vec![("created_by", "U0MOCK001"), (param, value)]).await;
        assert_eq!(
            answer.error().as_deref(),
            Some("invalid_arguments"),
            "{param}={value}"
        );
    }

    // Missing required params.
    let answer = post_form(&mock, "calls.add", bot, &[("join_url", "https://e.com/")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));
    let id = add_call(&mock, &[]).await;
    let participants_cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("users", r#"[{"slack_id":"U0MOCK002"}]"#)],
            "missing_argument",
        ),
        (&[("id", &id)], "missing_argument"),
        (&[("id", &id), ("users", "[]")], "missing_argument"),
        (&[("id", &id), ("users", "not json")], "bad_users"),
        (&[("id", &id), ("users", "[5]")], "bad_users"),
        (
            &[
                ("id", &id),
                ("users", r#"[{"avatar_url":"https://e.com/a"}]"#),
            ],
            "bad_users",
        ),
        (
            &[
                ("id", "R0NOSUCH01"),
                ("users", r#"[{"slack_id":"U0MOCK002"}]"#),
            ],
            "invalid_call_id",
        ),
    ];
    for method in ["calls.participants.add", "calls.participants.remove"] {
        for (fields, code) in participants_cases {
            let answer = post_form(&mock, method, bot, fields).await;
            assert_eq!(
                answer.error().as_deref(),
                Some(*code),
                "{method} {fields:?}"
            );
        }
    }

    let answer = post_form(&mock, "calls.end", bot, &[("id", &id), ("duration", "-1")]).await;
    assert_eq!(answer.error().as_deref(), Some("invalid_arguments"));
    // update ignores what it cannot change.
    let answer = post_form(
        &mock,
        "calls.update",
        bot,
        &[
            ("id", &id),
            ("external_unique_id", "changed"),
            ("date_start", "5"),
        ],
    )
    .await;
    assert_eq!(answer.json()["call"]["external_unique_id"], "ext-1");
    assert_ne!(answer.json()["call"]["date_start"], 5);
    // end without duration ends now.
    let before = unix_now();
    let answer = post_form(&mock, "calls.end", bot, &[("id", &id)]).await;
    let date_end = answer.json()["call"]["date_end"].as_i64().unwrap();
    assert!((before..=unix_now()).contains(&date_end));
    // A repeated external_unique_id registers another call.
    add_call(&mock, &[]).await;
    let repeats = mock
        .calls()
        .iter()
        .filter(|c| c.external_unique_id == "ext-1")
        .count();
    assert_eq!(repeats, 2);
}

#[tokio::test]
async fn the_answers_match_the_stored_state() {
    let mock = MockSlack::start().await.unwrap();
    let id = add_call(
        &mock,
        &[
            ("title", "T"),
            ("external_display_id", "42"),
            ("users", r#"[{"slack_id":"U0MOCK002","external_id":"e2","display_name":"Two","avatar_url":"https://e.com/2.png"}]"#),
        ],
    )
    .await;
    let answer = post_form(&mock, "calls.info", Some(mock.bot_token()), &[("id", &id)]).await;
    let stored = mock.call(&id).unwrap();
    assert_eq!(
        answer.json(),
        json!({ "ok": true, "call": stored.to_json() })
    );
    assert_eq!(
        stored.to_json(),
        json!({
            "id": id,
            "date_start": stored.date_start,
            "external_unique_id": "ext-1",
            "join_url": "https://example.com/join/1",
            "external_display_id": "42",
            "title": "T",
            "users": [{ "slack_id": "U0MOCK002", "external_id": "e2", "display_name": "Two", "avatar_url": "https://e.com/2.png" }]
        })
    );
}

#[tokio::test]
async fn faults_reach_the_typed_client() {
    let mock = MockSlack::start().await.unwrap();
    let client = mock.client(mock.user_token()).unwrap();
    // calls.add is not idempotent, so the runtime must not resend it: each
    // fault shows through as it is.
    let add = || client.calls().add("faulty", "https://example.com/j");

    mock.fault("calls.add", Fault::Status(503), 1);
    let err = add().await.unwrap_err();
    assert!(matches!(err, Error::Status { status: 503, .. }), "{err}");

    mock.fault("calls.add", Fault::Truncated, 1);
    let err = add().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");

    mock.fault("calls.add", Fault::NotJson, 1);
    let err = add().await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");

    mock.fault("calls.add", Fault::DropAfterHandling, 1);
    let err = add().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.may_have_been_sent());

    // Truncated and DropAfterHandling ran the logic: two calls exist,
    // though the client saw none succeed.
    assert_eq!(mock.calls().len(), 2);
    assert_eq!(mock.requests_for("calls.add").len(), 4);
}

/// Every error code spec/calls.yaml declares for a calls.* method comes
/// out of the fake: by its own logic where Slack's rules can be
/// reproduced, by a script for the codes only Slack's side decides
/// (`not_authorized`, `not_implemented`). Adding a code to the spec without
/// a way to produce it fails here.
#[tokio::test]
async fn every_declared_calls_error_is_produced() {
    let mock = MockSlack::start().await.unwrap();
    let token = Some(mock.user_token());
    let bot = Some(mock.bot_token());
    let mut produced: BTreeSet<(String, String)> = BTreeSet::new();
    let mut expect = |method: &str, answer: mock_support::Raw, code: &str| {
        assert_eq!(answer.error().as_deref(), Some(code), "{method}");
        produced.insert((method.to_owned(), code.to_owned()));
    };

    let live = add_call(&mock, &[("users", r#"[{"slack_id":"U0MOCK002"}]"#)]).await;
    let ended = add_call(&mock, &[]).await;
    post_form(&mock, "calls.end", token, &[("id", &ended)]).await;
    let u2 = r#"[{"slack_id":"U0MOCK002"}]"#;
    let u3 = r#"[{"slack_id":"U0MOCK003"}]"#;
    let ghost = r#"[{"slack_id":"U0GHOST"}]"#;
    let add_fields = [
        ("external_unique_id", "e"),
        ("join_url", "https://example.com/j"),
    ];

    // calls.add
    expect(
        "calls.add",
        post_form(&mock, "calls.add", bot, &add_fields).await,
        "invalid_created_by",
    );
    let mut fields = add_fields.to_vec();
    fields.push(("date_start", "not-a-time"));
    expect(
        "calls.add",
        post_form(&mock, "calls.add", token, &fields).await,
        "invalid_start_time",
    );
    let mut fields = add_fields.to_vec();
    fields.push(("users", ghost));
    expect(
        "calls.add",
        post_form(&mock, "calls.add", token, &fields).await,
        "user_not_found",
    );

    // calls.end, calls.info, calls.update
    expect(
        "calls.end",
        post_form(&mock, "calls.end", token, &[("id", &ended)]).await,
        "inactive_call",
    );
    for method in ["calls.end", "calls.info", "calls.update"] {
        expect(
            method,
            post_form(&mock, method, token, &[("id", "R0NOSUCH01")]).await,
            "invalid_call_id",
        );
    }

    // calls.participants.*
    for method in ["calls.participants.add", "calls.participants.remove"] {
        expect(
            method,
            post_form(&mock, method, token, &[("id", &ended), ("users", u2)]).await,
            "inactive_call",
        );
        expect(
            method,
            post_form(&mock, method, token, &[("id", "R0NOSUCH01"), ("users", u2)]).await,
            "invalid_call_id",
        );
        expect(
            method,
            post_form(&mock, method, token, &[("id", &live)]).await,
            "missing_argument",
        );
        expect(
            method,
            post_form(&mock, method, token, &[("id", &live), ("users", ghost)]).await,
            "user_not_found",
        );
    }
    expect(
        "calls.participants.add",
        post_form(
            &mock,
            "calls.participants.add",
            token,
            &[("id", &live), ("users", u2)],
        )
        .await,
        "bad_users",
    );
    expect(
        "calls.participants.remove",
        post_form(
            &mock,
            "calls.participants.remove",
            token,
            &[("id", &live), ("users", u3)],
        )
        .await,
        "bad_users",
    );

    // Codes only Slack's side decides: scripted, and decoded by the typed
    // client as the method's own variant.
    let client = mock.client(mock.user_token()).unwrap();
    for method in METHODS.iter().filter(|m| m.name.starts_with("calls.")) {
        for code in ["not_authorized", "not_implemented"] {
            if !method.errors.contains(&code) {
                continue;
            }
            mock.script(method.name, Scripted::error(code));
            let answer = post_form(&mock, method.name, token, &[]).await;
            expect(method.name, answer, code);
        }
    }
    mock.script("calls.add", Scripted::error("not_authorized"));
    let err = client.calls().add("e", "https://e.com/").await.unwrap_err();
    assert!(
        matches!(err.api_code(), Some(AddError::NotAuthorized)),
        "{err}"
    );
    assert_eq!(err.api_code().map(ErrorCode::code), Some("not_authorized"));

    let mut missing = Vec::new();
    for method in METHODS.iter().filter(|m| m.name.starts_with("calls.")) {
        for code in method.errors {
            if !produced.contains(&(method.name.to_owned(), (*code).to_owned())) {
                missing.push(format!("{} {code}", method.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "declared but never produced: {missing:?}"
    );
    assert!(
        METHODS
            .iter()
            .filter(|m| m.name.starts_with("calls."))
            .count()
            >= 6,
        "the spec's Calls methods are in the table"
    );
}

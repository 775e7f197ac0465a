//! Decoding Slack's answers: every declared error code to its typed variant,
//! common and unknown codes, `missing_scope` details, warnings on success,
//! the real response captures, and bodies that are not what Slack sends.

use crate::support::capture_server::Capture;
use slack_calls::calls::{self, participants};
use slack_calls::{CallUser, CommonError, Error, ErrorCode, MethodInfo};

const TOKEN: &str = "xoxp-1-2-decodetest";

/// A client of `server` that also holds an app's client id and secret,
/// for the methods that take them.
fn client_with_app(server: &Capture) -> slack_calls::Client {
    slack_calls::Client::builder(TOKEN)
        .base_url(server.base_url())
        .rate_limits(slack_calls::RateLimits::off())
        .retry_policy(slack_calls::RetryPolicy::none())
        .client_credentials("1.2", "decode-test-secret")
        .build()
        .unwrap()
}

fn error_body(code: &str) -> String {
    format!(r#"{{"ok":false,"error":"{code}"}}"#)
}

/// Calls `method` through its typed API and returns Slack's code as the
/// typed enum saw it, plus whether it landed in a declared variant.
async fn typed_code(client: &slack_calls::Client, method: &MethodInfo) -> (String, bool) {
    fn declared<E: ErrorCode>(code: &E) -> bool {
        let text = format!("{code:?}");
        !text.starts_with("Common(") && !text.starts_with("Unknown(")
    }
    fn unpack<T, E: ErrorCode>(result: Result<T, Error<E>>) -> (String, bool) {
        match result {
            Err(Error::Api { error, .. }) => (error.code.code().to_owned(), declared(&error.code)),
            Err(other) => panic!("expected an API error, got {other}"),
            Ok(_) => panic!("expected an API error, got success"),
        }
    }
    let users = [CallUser::slack("U1")];
    match method.name {
        "calls.add" => unpack(client.calls().add("x", "https://example.com").await),
        "calls.end" => unpack(client.calls().end("R1").await),
        "calls.info" => unpack(client.calls().info("R1").await),
        "calls.update" => unpack(client.calls().update("R1").await),
        "calls.participants.add" => unpack(client.calls().participants().add("R1", users).await),
        "calls.participants.remove" => {
            unpack(client.calls().participants().remove("R1", users).await)
        }
        "chat.postMessage" => unpack(client.chat().post_message("C1").text("hi").await),
        "chat.unfurl" => unpack(
            client
                .chat()
                .unfurl([("https://example.com/x", slack_calls::Unfurl::new([]))])
                .channel("C1")
                .ts("1.2")
                .await,
        ),
        "users.lookupByEmail" => unpack(client.users().lookup_by_email("a@example.com").await),
        "auth.test" => unpack(client.auth().test().await),
        "auth.revoke" => unpack(client.auth().revoke().await),
        "oauth.v2.access" => unpack(client.oauth().v2().access().code("code").await),
        "apps.uninstall" => unpack(client.apps().uninstall().await),
        "chat.update" => unpack(client.chat().update("C1", "1.2").text("hi").await),
        "users.info" => unpack(client.users().info("U1").await),
        "conversations.info" => unpack(client.conversations().info("C1").await),
        "conversations.members" => unpack(client.conversations().members("C1").await),
        "conversations.list" => unpack(client.conversations().list().await),
        "apps.event.authorizations.list" => {
            unpack(client.apps().event().authorizations().list("4-e30").await)
        }
        "search.messages" => unpack(client.search().messages("q").await),
        "stars.list" => unpack(client.stars().list().await),
        "users.profile.set" => unpack(
            client
                .users()
                .profile()
                .set()
                .name("first_name")
                .value("John")
                .await,
        ),
        other => panic!("no typed call for {other}: add it here"),
    }
}

#[tokio::test]
async fn every_declared_error_decodes_to_its_variant() {
    let server = Capture::start().await;
    let client = client_with_app(&server);
    let mut checked = 0;
    for method in slack_calls::METHODS {
        // Slack's pages list only common codes for these (search.messages
        // lists none at all).
        let no_own_errors = ["auth.test", "auth.revoke", "search.messages"];
        assert_eq!(
            method.errors.is_empty(),
            no_own_errors.contains(&method.name),
            "{} declares no errors",
            method.name
        );
        for code in method.errors {
            server.answer(error_body(code));
            let (seen, declared) = typed_code(&client, method).await;
            assert_eq!(&seen, code, "{}", method.name);
            assert!(
                declared,
                "{}: `{code}` did not map to a declared variant",
                method.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} codes checked");
}

#[tokio::test]
async fn declared_variants_are_the_expected_ones() {
    let server = Capture::start().await;
    let client = client_with_app(&server);
    server.answer(error_body("invalid_created_by"));
    let err = client
        .calls()
        .add("x", "https://example.com")
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&calls::AddError::InvalidCreatedBy));

    server.answer(error_body("inactive_call"));
    let err = client.calls().end("R1").await.unwrap_err();
    assert_eq!(err.api_code(), Some(&calls::EndError::InactiveCall));

    server.answer(error_body("bad_users"));
    let err = client
        .calls()
        .participants()
        .remove("R1", [CallUser::slack("U1")])
        .await
        .unwrap_err();
    assert_eq!(err.api_code(), Some(&participants::RemoveError::BadUsers));
    assert!(err.to_string().contains("bad_users"), "{err}");
}

#[tokio::test]
async fn common_and_unknown_codes() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    server.answer(error_body("invalid_auth"));
    let err = client.calls().info("R1").await.unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&calls::InfoError::Common(CommonError::InvalidAuth))
    );
    assert_eq!(err.slack_code(), Some("invalid_auth"));

    server.answer(error_body("brand_new_code"));
    let err = client.calls().info("R1").await.unwrap_err();
    assert_eq!(
        err.api_code(),
        Some(&calls::InfoError::Unknown("brand_new_code".to_owned()))
    );
    assert_eq!(err.api_code().and_then(|c| c.description()), None);
}

#[tokio::test]
async fn missing_scope_keeps_needed_and_provided() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    server.answer(
        r#"{"ok":false,"error":"missing_scope","needed":"calls:write","provided":"calls:read,chat:write","warning":"superfluous_charset","response_metadata":{"messages":["[ERROR] missing scope"],"warnings":["superfluous_charset"]}}"#,
    );
    let err = client.calls().end("R1").await.unwrap_err();
    let Error::Api { method, error } = &err else {
        panic!("expected an API error, got {err}")
    };
    assert_eq!(*method, "calls.end");
    assert_eq!(
        error.code,
        calls::EndError::Common(CommonError::MissingScope)
    );
    assert_eq!(error.needed.as_deref(), Some("calls:write"));
    assert_eq!(
        error.provided.as_deref(),
        Some(&["calls:read".to_owned(), "chat:write".to_owned()][..])
    );
    assert_eq!(error.meta.warnings, ["superfluous_charset"]);
    assert_eq!(error.meta.messages, ["[ERROR] missing scope"]);
    let text = err.to_string();
    assert!(
        text.contains("needs scope `calls:write`") && text.contains("calls:read"),
        "{text}"
    );
}

#[tokio::test]
async fn warnings_on_success_are_kept() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    server.answer(
        r#"{"ok":true,"warning":"superfluous_charset,other_warning","response_metadata":{"warnings":["superfluous_charset","third"],"messages":["[WARN] charset"]},"call":{"id":"R1","date_start":1,"external_unique_id":"e","join_url":"https://x.example"}}"#,
    );
    let info = client.calls().info("R1").await.unwrap();
    assert_eq!(
        info.meta.warnings,
        ["superfluous_charset", "other_warning", "third"]
    );
    assert_eq!(info.meta.messages, ["[WARN] charset"]);
}

#[tokio::test]
async fn bad_bodies_become_typed_errors() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);

    server.answer("<html>gateway</html>");
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { body_snippet, .. } if body_snippet.contains("gateway")),
        "{err}"
    );

    server.answer(r#"{"call":{}}"#);
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { message, .. } if message.contains("`ok`")),
        "{err}"
    );

    server.answer(r#"{"ok":true,"call":{"id":42}}"#);
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");

    server.answer(r#"{"ok":true}"#);
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { message, .. } if message.contains("call")),
        "{err}"
    );

    server.answer(r#"{"ok":tr"#);
    assert!(matches!(
        client.calls().info("R1").await.unwrap_err(),
        Error::Decode { .. }
    ));

    server.answer_with(500, &[], "oops");
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(
        matches!(&err, Error::Status { status: 500, body_snippet, .. } if body_snippet == "oops"),
        "{err}"
    );

    let huge = "x".repeat(10_000);
    server.answer_with(502, &[], huge);
    let err = client.calls().info("R1").await.unwrap_err();
    assert!(err.to_string().len() < 1_000, "snippets stay short");
}

#[tokio::test]
async fn optional_call_on_end_and_participants_is_decoded_when_sent() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    server.answer(r#"{"ok":true}"#);
    assert!(client.calls().end("R1").await.unwrap().call.is_none());
    server.answer(
        r#"{"ok":true,"call":{"id":"R1","date_start":1,"date_end":5,"external_unique_id":"e","join_url":"https://x.example","users":null}}"#,
    );
    let ended = client.calls().end("R1").await.unwrap().call.unwrap();
    assert_eq!(ended.date_end.map(|t| t.as_secs()), Some(5));
    assert!(ended.users.is_empty(), "null lists decode as empty");
}

fn sample(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn each_capture_decodes_its_call() {
    for name in [
        "calls.add",
        "calls.end",
        "calls.info",
        "calls.update",
        "calls.participants.remove",
    ] {
        let value = sample(name);
        let call: slack_calls::Call = serde_json::from_value(value["call"].clone())
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(call.id, "R00000000", "{name}");
        assert_eq!(call.date_start.as_secs(), 12345, "{name}");
        assert!(!call.users.is_empty(), "{name}");
    }
    let end: slack_calls::Call =
        serde_json::from_value(sample("calls.end")["call"].clone()).unwrap();
    assert_eq!(end.channels, [slack_calls::ChannelId::from("C00000000")]);
    assert_eq!(end.date_end.map(|t| t.as_secs()), Some(12345));
    let both: slack_calls::Call =
        serde_json::from_value(sample("calls.update")["call"].clone()).unwrap();
    let user = &both.users[0];
    assert!(
        user.slack_id.is_some() && user.external_id.is_some(),
        "a participant may carry both ids"
    );
}

#[tokio::test]
async fn each_capture_decodes_through_its_typed_response() {
    let server = Capture::start().await;
    let client = server.client(TOKEN);
    for name in [
        "calls.add",
        "calls.end",
        "calls.info",
        "calls.update",
        "calls.participants.remove",
    ] {
        let mut value = sample(name);
        value["ok"] = serde_json::Value::Bool(true);
        server.answer(value.to_string());
        let call = match name {
            "calls.add" => {
                client
                    .calls()
                    .add("x", "https://e.example")
                    .await
                    .unwrap()
                    .call
            }
            "calls.end" => client.calls().end("R1").await.unwrap().call.unwrap(),
            "calls.info" => client.calls().info("R1").await.unwrap().call,
            "calls.update" => client.calls().update("R1").await.unwrap().call,
            _ => client
                .calls()
                .participants()
                .remove("R1", [CallUser::slack("U1")])
                .await
                .unwrap()
                .call
                .unwrap(),
        };
        assert_eq!(call.id, "R00000000", "{name}");
    }
}

#[tokio::test]
async fn example_responses_of_the_spec_decode() {
    let server = Capture::start().await;
    let client = client_with_app(&server);
    for method in slack_calls::METHODS {
        server.answer(method.example_response);
        let users = [CallUser::slack("U1")];
        let ok = match method.name {
            "calls.add" => client.calls().add("x", "https://e.example").await.is_ok(),
            "calls.end" => client.calls().end("R1").await.is_ok(),
            "calls.info" => client.calls().info("R1").await.is_ok(),
            "calls.update" => client.calls().update("R1").await.is_ok(),
            "calls.participants.add" => {
                client.calls().participants().add("R1", users).await.is_ok()
            }
            "calls.participants.remove" => client
                .calls()
                .participants()
                .remove("R1", users)
                .await
                .is_ok(),
            "chat.postMessage" => client
                .chat()
                .post_message("C1")
                .text("hi")
                .await
                .is_ok_and(|r| r.message.is_some_and(|m| !m.blocks.is_empty())),
            "chat.unfurl" => client
                .chat()
                .unfurl([("https://example.com/x", slack_calls::Unfurl::new([]))])
                .unfurl_id("U1")
                .source(slack_calls::UnfurlSource::Composer)
                .await
                .is_ok(),
            "users.lookupByEmail" => client
                .users()
                .lookup_by_email("a@example.com")
                .await
                .is_ok_and(|r| r.user.profile.is_some_and(|p| p.email.is_some())),
            "auth.test" => client.auth().test().await.is_ok(),
            "auth.revoke" => client.auth().revoke().await.is_ok_and(|r| r.revoked),
            "oauth.v2.access" => client
                .oauth()
                .v2()
                .access()
                .code("code")
                .await
                .is_ok_and(|r| r.authed_user.is_some_and(|u| u.access_token.is_some())),
            "apps.uninstall" => client.apps().uninstall().await.is_ok(),
            "chat.update" => client
                .chat()
                .update("C1", "1.2")
                .text("hi")
                .await
                .is_ok_and(|r| r.message.is_some_and(|m| !m.blocks.is_empty())),
            "users.info" => client
                .users()
                .info("U1")
                .await
                .is_ok_and(|r| r.user.profile.is_some()),
            "conversations.info" => client
                .conversations()
                .info("C1")
                .await
                .is_ok_and(|r| r.channel.num_members.is_some()),
            "conversations.members" => client
                .conversations()
                .members("C1")
                .await
                .is_ok_and(|r| r.members.len() == 3 && r.meta.next_cursor.is_some()),
            "conversations.list" => client
                .conversations()
                .list()
                .await
                .is_ok_and(|r| r.channels.len() == 1),
            "apps.event.authorizations.list" => client
                .apps()
                .event()
                .authorizations()
                .list("4-e30")
                .await
                .is_ok_and(|r| r.authorizations.len() == 1),
            "search.messages" => client.search().messages("q").await.is_ok_and(|r| {
                r.messages.matches.len() == 2
                    && r.messages.paging.is_some_and(|p| p.pages == Some(1))
            }),
            "stars.list" => client.stars().list().await.is_ok_and(|r| {
                matches!(r.items.as_slice(), [slack_calls::StarredItem::Message(m)]
                    if m.message.bot_id.as_deref() == Some("BSLACKBOT"))
            }),
            "users.profile.set" => client
                .users()
                .profile()
                .set()
                .name("first_name")
                .value("john")
                .await
                .is_ok_and(|r| r.profile.image_192.is_some() && r.username.is_none()),
            other => panic!("no typed call for {other}"),
        };
        assert!(ok, "{}'s example_response does not decode", method.name);
    }
}

// Secrets in the spec are `token` (slack_calls::Token): oauth.v2.access's
// tokens decode intact, go on the wire as text, and never show in Debug.
#[tokio::test]
async fn oauth_access_tokens_decode_go_out_as_text_and_never_print() {
    const SECRETS: [&str; 5] = [
        "xoxe-1-OLDREFRESHSECRET",
        "xoxe.xoxb-1-BOTSECRET",
        "xoxe-1-BOTREFRESHSECRET",
        "xoxe.xoxp-1-USERSECRET",
        "xoxe-1-USERREFRESHSECRET",
    ];
    let assert_clean = |what: &str, text: &str| {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{what} shows `{secret}`:\n{text}");
            let tail = secret.rsplit('-').next().unwrap();
            assert!(!text.contains(tail), "{what} shows `{tail}`:\n{text}");
        }
    };
    let server = Capture::start().await;
    let client = client_with_app(&server);
    server.answer(
        r#"{"ok":true,"app_id":"A1","access_token":"xoxe.xoxb-1-BOTSECRET","token_type":"bot",
            "expires_in":43200,"refresh_token":"xoxe-1-BOTREFRESHSECRET","team":{"id":"T1"},
            "authed_user":{"id":"U1","access_token":"xoxe.xoxp-1-USERSECRET","token_type":"user",
            "expires_in":43200,"refresh_token":"xoxe-1-USERREFRESHSECRET"}}"#,
    );
    let request = client
        .oauth()
        .v2()
        .access()
        .grant_type("refresh_token")
        .refresh_token("xoxe-1-OLDREFRESHSECRET");
    for shown in [format!("{request:?}"), format!("{request:#?}")] {
        assert_clean("the AccessRequest's Debug", &shown);
    }
    let answer = request.await.unwrap();
    assert_eq!(
        server.only().field("refresh_token").as_deref(),
        Some("xoxe-1-OLDREFRESHSECRET"),
        "the refresh token goes to Slack as its text"
    );

    let bot = answer.access_token.as_ref().unwrap();
    assert_eq!(bot.expose_secret(), "xoxe.xoxb-1-BOTSECRET");
    assert_eq!(bot.kind(), slack_calls::TokenKind::Bot);
    assert_eq!(
        answer.refresh_token.as_ref().unwrap().expose_secret(),
        "xoxe-1-BOTREFRESHSECRET"
    );
    let user = answer.authed_user.as_ref().unwrap();
    assert_eq!(
        user.access_token.as_ref().unwrap().expose_secret(),
        "xoxe.xoxp-1-USERSECRET"
    );
    assert_eq!(
        user.refresh_token.as_ref().unwrap().expose_secret(),
        "xoxe-1-USERREFRESHSECRET"
    );
    for shown in [
        format!("{answer:?}"),
        format!("{answer:#?}"),
        format!("{user:?}"),
    ] {
        assert_clean("the AccessResponse's Debug", &shown);
        assert!(
            shown.contains("xoxb-…") || shown.contains("xoxp-…"),
            "{shown}"
        );
    }
}

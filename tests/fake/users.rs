//! `users.lookupByEmail` against the fake, through the typed client: the
//! fake answers from its user directory, and `users_not_found` otherwise,
//! which is how a provider decides between a Slack and an external
//! participant.

use crate::fake_support::raw_http::{post_form, post_json, send};
use reqwest::Method;
use slack_calls::users::LookupByEmailError;
use slack_calls::{CallUser, Error, ErrorCode, TokenKind, UserId};
use slack_calls_mock::{MockSlack, default_email};

#[tokio::test]
async fn the_demo_users_have_emails() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.bot_token())?;
    assert_eq!(default_email("U0MOCK002"), "u0mock002@example.com");
    let user = client
        .users()
        .lookup_by_email("u0mock002@example.com")
        .await?
        .user;
    assert_eq!(user.id, UserId::from("U0MOCK002"));
    assert_eq!(user.deleted, Some(false));
    assert_eq!(user.is_bot, Some(false));
    let profile = user.profile.ok_or("a profile")?;
    assert_eq!(profile.email.as_deref(), Some("u0mock002@example.com"));
    assert!(profile.image_72.is_some());
    // Slack compares addresses without regard to case.
    let again = client
        .users()
        .lookup_by_email("U0MOCK002@Example.com")
        .await?
        .user;
    assert_eq!(again.id, user.id);
    Ok(())
}

#[tokio::test]
async fn users_added_with_an_email_are_found() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .user_with_email("U0ALICE", "alice@example.org")
        .user_with_email("U0MOCK003", "carol@example.org")
        .start()
        .await?;
    let client = mock.client(mock.user_token())?;
    let alice = client
        .users()
        .lookup_by_email("alice@example.org")
        .await?
        .user;
    assert_eq!(alice.id, UserId::from("U0ALICE"));
    let carol = client
        .users()
        .lookup_by_email("carol@example.org")
        .await?
        .user;
    assert_eq!(carol.id, UserId::from("U0MOCK003"));
    // U0MOCK003's default address was replaced.
    let old = client
        .users()
        .lookup_by_email("u0mock003@example.com")
        .await;
    assert!(matches!(
        old,
        Err(Error::Api { ref error, .. }) if error.code == LookupByEmailError::UsersNotFound
    ));
    // The added user is a member of the directory for calls.add too.
    client
        .calls()
        .add("m-1", "https://example.com/j/1")
        .users([CallUser::slack(alice.id)])
        .await?;
    Ok(())
}

#[tokio::test]
async fn an_unknown_email_maps_to_an_external_participant() -> Result<(), Box<dyn std::error::Error>>
{
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.user_token())?;
    let mut roster = Vec::new();
    for (email, name) in [
        ("u0mock004@example.com", "Dana"),
        ("guest@partner.example", "Guest"),
    ] {
        let user = match client.users().lookup_by_email(email).await {
            Ok(found) => CallUser::slack(found.user.id),
            Err(Error::Api { error, .. }) if error.code == LookupByEmailError::UsersNotFound => {
                CallUser::external(email, name)
            }
            Err(other) => return Err(other.into()),
        };
        roster.push(user);
    }
    assert_eq!(roster[0].slack_id, Some(UserId::from("U0MOCK004")));
    assert_eq!(
        roster[1].external_id.as_deref(),
        Some("guest@partner.example")
    );
    Ok(())
}

#[tokio::test]
async fn the_lookup_needs_the_email_scope() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::builder()
        .token(
            "xoxb-calls-only",
            TokenKind::Bot,
            ["calls:read", "calls:write"],
        )
        .start()
        .await?;
    let client = mock.client("xoxb-calls-only")?;
    match client
        .users()
        .lookup_by_email("u0mock001@example.com")
        .await
    {
        Err(Error::Api { error, .. }) => {
            assert_eq!(error.code.code(), "missing_scope");
            assert_eq!(error.needed.as_deref(), Some("users:read.email"));
        }
        other => return Err(format!("expected missing_scope, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn an_empty_email_is_refused_before_sending() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.bot_token())?;
    let result = client.users().lookup_by_email("").await;
    assert!(
        matches!(&result, Err(Error::InvalidRequest(e)) if e.param == Some("email")),
        "{result:?}"
    );
    assert!(mock.requests_for("users.lookupByEmail").is_empty());
    Ok(())
}

#[tokio::test]
async fn the_lookup_goes_by_get_and_the_profile_has_slacks_required_fields()
-> Result<(), Box<dyn std::error::Error>> {
    let mock = MockSlack::start().await?;
    let client = mock.client(mock.bot_token())?;
    client
        .users()
        .lookup_by_email("u0mock001@example.com")
        .await?;
    let logged = mock.requests_for("users.lookupByEmail");
    assert_eq!(logged[0].http_method, "GET");
    assert_eq!(logged[0].param("email"), Some("u0mock001@example.com"));

    let auth = format!("Bearer {}", mock.bot_token());
    let answer = send(
        &mock,
        Method::GET,
        "users.lookupByEmail?email=u0mock001%40example.com",
        &[("authorization", auth.as_str())],
        "",
    )
    .await
    .json();
    let profile = &answer["user"]["profile"];
    // objs_user_profile.required in Slack's OpenAPI description.
    for field in [
        "real_name",
        "display_name",
        "avatar_hash",
        "real_name_normalized",
        "display_name_normalized",
        "title",
        "phone",
        "skype",
        "status_text",
        "status_emoji",
    ] {
        assert!(
            profile[field].is_string(),
            "profile lacks {field}: {answer}"
        );
    }
    assert!(profile["fields"].is_object());

    // Slack takes no JSON for this method: a JSON body's email is not read.
    let answer = post_json(
        &mock,
        "users.lookupByEmail",
        mock.bot_token(),
        &serde_json::json!({ "email": "u0mock001@example.com" }),
    )
    .await
    .json();
    assert_eq!(answer["error"], "invalid_arguments", "{answer}");
    // A form body is read.
    let answer = post_form(
        &mock,
        "users.lookupByEmail",
        Some(mock.bot_token()),
        &[("email", "u0mock001@example.com")],
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    Ok(())
}

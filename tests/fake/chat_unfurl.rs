//! `chat.unfurl`: its wire format (the `unfurls` map as one JSON string in
//! the form), its one_of rule (`channel` + `ts` or `unfurl_id` + `source`,
//! checked before sending), what the spec says about it, and the fake
//! serving it from the spec's `example_response`.

use std::collections::BTreeMap;

use crate::support::capture_server::Capture;
use serde_json::json;
use slack_calls::chat::{UNFURL, UnfurlError};
use slack_calls::method::{ParamKind, RateTier};
use slack_calls::{
    Block, CallBlock, Error, ErrorCode, RateLimits, TokenKind, Unfurl, UnfurlSource,
};
use slack_calls_mock::{LimitMode, MockSlack};

const TOKEN: &str = "xoxb-1111-2222-unfurl";
const URL: &str = "https://example.com/calls/1";

fn call_unfurl(call_id: &str) -> Unfurl {
    Unfurl::new([Block::from(CallBlock::new(call_id))])
}

fn invalid<T: std::fmt::Debug>(
    result: Result<T, Error<UnfurlError>>,
) -> slack_calls::InvalidRequest {
    match result {
        Err(Error::InvalidRequest(invalid)) => invalid,
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn unfurls_travel_as_one_json_field_with_channel_and_ts() {
    let server = Capture::start().await;
    server.answer(r#"{"ok":true}"#);
    let client = server.client(TOKEN);
    client
        .chat()
        .unfurl([(URL, call_unfurl("R0E69JAIF"))])
        .channel("C0HRJ1GNB")
        .ts("1503435956.000247")
        .await
        .unwrap();
    let request = server.only();
    assert_eq!(request.path, "/api/chat.unfurl");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let fields = request.form();
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["unfurls", "channel", "ts"]);
    let unfurls: serde_json::Value = serde_json::from_str(&fields[0].1).unwrap();
    assert_eq!(
        unfurls,
        json!({URL: {"blocks": [{"type": "call", "call_id": "R0E69JAIF"}]}})
    );
    assert_eq!(
        fields[0].1,
        r#"{"https://example.com/calls/1":{"blocks":[{"call_id":"R0E69JAIF","type":"call"}]}}"#
    );
    assert_eq!(fields[1].1, "C0HRJ1GNB");
    assert_eq!(fields[2].1, "1503435956.000247");
}

#[tokio::test]
async fn unfurl_id_and_source_with_every_optional_param() {
    let server = Capture::start().await;
    server.answer(r#"{"ok":true}"#);
    let client = server.client(TOKEN);
    let mut unfurls = BTreeMap::new();
    unfurls.insert("https://example.com/calls/2".to_owned(), call_unfurl("R2"));
    unfurls.insert(URL.to_owned(), call_unfurl("R1"));
    client
        .chat()
        .unfurl(unfurls)
        .unfurl_id("Uxxxxxxx-909b5454")
        .source(UnfurlSource::Composer)
        .user_auth_required(true)
        .user_auth_message("Connect your account")
        .user_auth_url("https://example.com/onboarding?user_id=U1")
        .user_auth_blocks([Block::Other(json!({"type": "divider"}))])
        .await
        .unwrap();
    let request = server.only();
    let fields: Vec<(String, String)> = request.form();
    let expected = [
        (
            "unfurls",
            r#"{"https://example.com/calls/1":{"blocks":[{"call_id":"R1","type":"call"}]},"https://example.com/calls/2":{"blocks":[{"call_id":"R2","type":"call"}]}}"#,
        ),
        ("unfurl_id", "Uxxxxxxx-909b5454"),
        ("source", "composer"),
        ("user_auth_required", "true"),
        ("user_auth_message", "Connect your account"),
        ("user_auth_url", "https://example.com/onboarding?user_id=U1"),
        ("user_auth_blocks", r#"[{"type":"divider"}]"#),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(fields, expected);
}

#[tokio::test]
async fn without_a_whole_address_nothing_is_sent() {
    let server = Capture::start().await;
    server.answer(r#"{"ok":true}"#);
    let client = server.client(TOKEN);
    let message = "needs `channel` and `ts`, or `unfurl_id` and `source`";

    let none = invalid(client.chat().unfurl([(URL, call_unfurl("R1"))]).await);
    assert_eq!(none.method, "chat.unfurl");
    assert_eq!(none.param, Some("channel"));
    assert_eq!(none.reason, message);

    // Half of each pair is not an address either.
    let halves = invalid(
        client
            .chat()
            .unfurl([(URL, call_unfurl("R1"))])
            .channel("C1")
            .source(UnfurlSource::Composer)
            .await,
    );
    assert_eq!(halves.reason, message);
    assert!(server.take().is_empty(), "nothing went on the wire");
}

#[tokio::test]
async fn a_bad_unfurl_value_is_refused_before_sending() {
    let server = Capture::start().await;
    server.answer(r#"{"ok":true}"#);
    let client = server.client(TOKEN);
    // A block without a text `type` cannot be sent.
    let bad = Unfurl::new([Block::Other(json!({"kind": "call"}))]);
    let refused = invalid(
        client
            .chat()
            .unfurl([(URL, bad)])
            .channel("C1")
            .ts("1.2")
            .await,
    );
    assert_eq!(refused.param, Some("unfurls"));
    assert!(
        refused.reason.starts_with(&format!("entry `{URL}`:")),
        "{}",
        refused.reason
    );
    assert!(server.take().is_empty(), "nothing went on the wire");
}

#[test]
fn the_spec_says_tier_3_links_write_and_safe_to_resend() {
    assert_eq!(UNFURL.name, "chat.unfurl");
    assert_eq!(UNFURL.rate_tier, RateTier::Tier3);
    assert_eq!(UNFURL.bot_scopes, ["links:write"]);
    assert_eq!(UNFURL.user_scopes, ["links:write"]);
    assert!(
        UNFURL.idempotent,
        "a repeated unfurl replaces the earlier one"
    );
    let unfurls = UNFURL.params.iter().find(|p| p.name == "unfurls").unwrap();
    assert_eq!(unfurls.kind, ParamKind::Map(&ParamKind::Object("Unfurl")));
    assert!(UNFURL.errors.contains(&"cannot_unfurl_message"));
    assert_eq!(
        UnfurlError::from_code("cannot_unfurl_url").code(),
        "cannot_unfurl_url"
    );
}

async fn fake() -> MockSlack {
    MockSlack::builder()
        .token("xoxb-links", TokenKind::Bot, ["links:write", "calls:write"])
        .token(
            "xoxb-no-links",
            TokenKind::Bot,
            ["calls:read", "calls:write"],
        )
        .rate_limits(LimitMode::Off)
        .start()
        .await
        .expect("the fake starts")
}

#[tokio::test]
async fn the_fake_serves_chat_unfurl_from_the_spec() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake().await;
    let client = mock
        .client_builder("xoxb-links")
        .rate_limits(RateLimits::off())
        .build()?;
    let call = client
        .calls()
        .add("unfurl-1", URL)
        .created_by("U0MOCK001")
        .await?
        .call;
    let message = mock.user_posts("U0MOCK002", "C0MOCK001", &format!("join <{URL}>"))?;
    client
        .chat()
        .unfurl([(URL, call_unfurl(call.id.as_str()))])
        .channel("C0MOCK001")
        .ts(message.ts.as_str())
        .await?;
    let logged = mock.requests_for("chat.unfurl");
    assert_eq!(logged.len(), 1);
    assert!(logged[0].outcome.is_ok());
    let sent: serde_json::Value = serde_json::from_str(logged[0].param("unfurls").unwrap())?;
    assert_eq!(sent[URL]["blocks"][0]["call_id"], call.id.as_str());
    // Stateful: the Call is attached to the message and lists the channel.
    assert_eq!(
        mock.messages()[0].unfurls[URL]["blocks"][0]["call_id"],
        call.id.as_str()
    );
    assert_eq!(mock.call(call.id.as_str()).unwrap().channels, ["C0MOCK001"]);

    // A token without links:write: Slack's missing_scope.
    let demo = mock
        .client_builder("xoxb-no-links")
        .rate_limits(RateLimits::off())
        .build()?;
    match demo
        .chat()
        .unfurl([(URL, call_unfurl("R1"))])
        .channel("C0MOCK001")
        .ts("1503435956.000247")
        .await
    {
        Err(Error::Api { error, .. }) => {
            assert_eq!(error.code.code(), "missing_scope");
            assert_eq!(error.needed.as_deref(), Some("links:write"));
        }
        other => panic!("missing_scope, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn the_fake_reads_unfurls_as_a_json_map() -> Result<(), Box<dyn std::error::Error>> {
    let mock = fake().await;
    let message = mock.user_posts("U0MOCK002", "C0MOCK001", "see https://example.com/x")?;
    let http = reqwest::Client::new();
    let post = |unfurls: &'static str| {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("channel", "C0MOCK001")
            .append_pair("ts", &message.ts)
            .append_pair("unfurls", unfurls)
            .finish();
        http.post(format!("{}chat.unfurl", mock.base_url()))
            .bearer_auth("xoxb-links")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let good: serde_json::Value = serde_json::from_slice(
        &post(r#"{"https://example.com/x":{"blocks":[]}}"#)
            .await?
            .bytes()
            .await?,
    )?;
    assert_eq!(good["ok"], true, "{good}");
    for bad in [
        r#"["not","a","map"]"#,
        r#"{"https://example.com/x":"text"}"#,
        "{",
    ] {
        let answer: serde_json::Value = serde_json::from_slice(&post(bad).await?.bytes().await?)?;
        assert_eq!(answer["ok"], false, "{bad}: {answer}");
        // Slack's chat.unfurl page: "The `unfurls` parameter cannot be
        // JSON-decoded into a map of URLs to attachments".
        assert_eq!(answer["error"], "invalid_unfurls_format", "{bad}: {answer}");
    }
    Ok(())
}

//! The provider a new user writes in their first hour
//! (`examples/unfurl_provider.rs`) runs against the fake with the demo
//! tokens as they are: `link_shared` → `calls.add` → `chat.unfurl` →
//! `calls.end`.

#[path = "../../examples/unfurl_provider.rs"]
#[allow(dead_code)] // its `main`
mod unfurl_provider;

use slack_calls_mock::MockSlack;

#[tokio::test]
async fn the_first_hour_provider_unfurls_and_ends_a_call_with_the_demo_tokens() {
    let mock = MockSlack::start().await.unwrap();
    let ended = unfurl_provider::run(&mock).await.unwrap();
    let call = mock.call(&ended).expect("the fake keeps the Call");
    assert!(call.date_end.is_some(), "ended: {call:?}");
    assert_eq!(
        call.channels,
        ["C0MOCK001"],
        "attached where the link was shared"
    );
    let message = &mock.messages()[0];
    let card = &message.unfurls["https://example.com/j/1"]["blocks"][0];
    assert_eq!(card["call_id"], ended.as_str());
    // Every request went with the demo bot token, and none was refused.
    for request in mock.requests() {
        assert!(request.outcome.is_ok(), "{request:?}");
    }
}

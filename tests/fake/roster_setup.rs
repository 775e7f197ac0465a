//! What the roster tests share: a fake with one Call registered by a
//! client on a virtual clock, and external guests by number.

use slack_calls::{CallId, CallUser, Client, TestClock};
use slack_calls_mock::MockSlack;

/// A client of `mock` with the user token, on a virtual clock.
pub fn client(mock: &MockSlack) -> Client {
    mock.client_builder(mock.user_token())
        .clock(TestClock::new())
        .build()
        .unwrap()
}

/// A fake, a client on a virtual clock, and a Call registered with
/// `external_id` and `join_url`.
pub async fn with_call(external_id: &str, join_url: &str) -> (MockSlack, Client, CallId) {
    let mock = MockSlack::start().await.unwrap();
    let client = client(&mock);
    let call = client
        .calls()
        .add(external_id, join_url)
        .await
        .unwrap()
        .call;
    (mock, client, call.id)
}

/// External guest number `i`.
pub fn guest(i: usize) -> CallUser {
    CallUser::external(format!("ext-{i}"), format!("Guest {i}"))
}

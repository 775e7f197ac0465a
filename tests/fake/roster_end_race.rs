//! A `Roster` racing a `calls.end` whose answer is lost: the end succeeds
//! (the spec's `on_resend` for `calls.end`), and the roster reports only
//! what Slack really refused.

use crate::roster_setup::{guest, with_call};
use slack_calls::{CallId, Change, Client, Roster};
use slack_calls_mock::{Fault, MockSlack};

async fn setup() -> (MockSlack, Client, CallId) {
    with_call("roster-end-race", "https://example.com/j/race").await
}

fn in_slack(mock: &MockSlack, call: &CallId) -> Vec<String> {
    let mut ids: Vec<String> = mock
        .call(call.as_str())
        .unwrap()
        .users
        .iter()
        .filter_map(|p| p.external_id.clone().or_else(|| p.slack_id.clone()))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn an_add_whose_answer_was_lost_is_settled_by_the_sync_not_by_inactive_call() {
    // The roster's add reaches Slack but its answer is lost; then the call
    // ends, with the end's answer lost too. `finish` reads the ended call
    // with calls.info, sees the guest there, and sends nothing more: no
    // `inactive_call` for work that was done.
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client.clone(), &call)
        .manual()
        .start()
        .unwrap();
    roster.join(guest(1)).unwrap();
    mock.fault("calls.participants.add", Fault::DropAfterHandling, 1);
    let err = roster.flush().await.unwrap_err();
    assert!(err.failures[0].requeued, "{err:?}");

    mock.fault("calls.end", Fault::DropAfterHandling, 1);
    let ended = client.calls().end(&call).await.unwrap();
    assert_eq!(
        ended.meta.done_before_resend.as_deref(),
        Some("inactive_call")
    );

    roster.finish().await.unwrap();
    assert_eq!(in_slack(&mock, &call), ["ext-1"]);
    assert_eq!(mock.requests_for("calls.participants.add").len(), 1);
    assert_eq!(mock.requests_for("calls.info").len(), 1);
    assert!(mock.call(call.as_str()).unwrap().date_end.is_some());
}

#[tokio::test]
async fn changes_sent_after_the_end_are_refused_and_not_kept() {
    // The end's answer is lost and its resend meets `inactive_call`: the
    // end succeeds. A join the roster still holds then goes to an ended
    // call; Slack refuses it (it did not act), so `finish` reports it with
    // `inactive_call` and does not keep it.
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client.clone(), &call)
        .manual()
        .start()
        .unwrap();
    roster.join(guest(2)).unwrap();
    mock.fault("calls.end", Fault::DropAfterHandling, 1);
    client.calls().end(&call).await.unwrap();

    let err = roster.finish().await.unwrap_err();
    assert!(err.unsent.is_empty(), "{err:?}");
    assert_eq!(err.failures.len(), 1, "{err:?}");
    assert_eq!(err.failures[0].change, Change::Add);
    assert_eq!(err.failures[0].error.slack_code(), Some("inactive_call"));
    assert!(!err.failures[0].error.may_have_been_sent());
    assert!(!err.failures[0].requeued);
    assert!(in_slack(&mock, &call).is_empty());
}

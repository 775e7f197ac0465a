//! A roster that survives its instance: a new instance resumes a call's
//! roster from `calls.info` and carries on, and nobody is added twice
//! (against the fake Slack).

use std::collections::BTreeSet;

use crate::roster_setup::{client, guest};
use slack_calls::{CallUser, Error, ResumeError, Roster};
use slack_calls_mock::{Fault, MockSlack};

/// Who the fake holds in the call; fails if anyone is there twice.
fn in_call(mock: &MockSlack, call: &str) -> BTreeSet<String> {
    let ids: Vec<String> = mock
        .call(call)
        .unwrap()
        .users
        .iter()
        .map(|p| {
            p.slack_id
                .clone()
                .or_else(|| p.external_id.clone())
                .unwrap()
        })
        .collect();
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "nobody is in the call twice: {ids:?}");
    set
}

#[tokio::test]
async fn a_new_instance_resumes_the_roster_and_adds_nobody_twice() {
    let mock = MockSlack::start().await.unwrap();
    let first = client(&mock);
    let call = first
        .calls()
        .add("resume", "https://example.com/j/resume")
        .users([CallUser::slack("U0MOCK001")])
        .await
        .unwrap()
        .call
        .id;

    // The first instance keeps the roster, then goes away.
    let roster = Roster::builder(first, call.clone())
        .manual()
        .present([CallUser::slack("U0MOCK001")])
        .start()
        .unwrap();
    roster.join(CallUser::slack("U0MOCK002")).unwrap();
    roster.join(guest(1)).unwrap();
    roster.finish().await.unwrap();
    let adds_before = mock.requests_for("calls.participants.add").len();

    // Another instance, with its own client, takes the call over. The
    // same people join again (a replayed event stream), and one new one.
    let second = client(&mock);
    let roster = Roster::builder(second, call.clone())
        .manual()
        .resume()
        .await
        .unwrap();
    assert_eq!(roster.present().len(), 3);
    for user in [
        CallUser::slack("U0MOCK001"),
        CallUser::slack("U0MOCK002"),
        guest(1),
        CallUser::slack("U0MOCK003"),
    ] {
        roster.join(user).unwrap();
    }
    roster.leave(guest(1)).unwrap();
    roster.finish().await.unwrap();

    let adds = mock.requests_for("calls.participants.add");
    assert_eq!(adds.len(), adds_before + 1, "one add, for the new person");
    assert_eq!(
        adds.last().unwrap().param("users"),
        Some(r#"[{"slack_id":"U0MOCK003"}]"#)
    );
    assert_eq!(mock.requests_for("calls.info").len(), 1);
    assert_eq!(
        in_call(&mock, call.as_str()),
        ["U0MOCK001", "U0MOCK002", "U0MOCK003"]
            .map(String::from)
            .into()
    );
}

#[tokio::test]
async fn resuming_a_call_slack_does_not_know_is_a_typed_error() {
    let mock = MockSlack::start().await.unwrap();
    let err = Roster::builder(client(&mock), "R0NOSUCH")
        .manual()
        .resume()
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&err, ResumeError::Info(inner) if inner.slack_code() == Some("invalid_call_id")),
        "{err:?}"
    );

    // And a failure on the wire is the classifier's, unchanged.
    mock.fault("calls.info", Fault::Status(500), 10);
    let err = Roster::builder(client(&mock), "R0NOSUCH")
        .manual()
        .resume()
        .await
        .err()
        .unwrap();
    assert!(
        matches!(&err, ResumeError::Info(inner) if matches!(**inner, Error::Status { status: 500, .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("participants"), "{err}");
}

//! `Roster` against the fake Slack: coalescing, batching, the background
//! window, and failures (typed, with the events they carried).

use std::collections::BTreeSet;
use std::time::Duration;

use crate::roster_setup::{guest, with_call};
use slack_calls::calls::participants::AddError;
use slack_calls::{
    BatchError, CallId, CallUser, Change, Client, Error, Roster, RosterError, TestClock,
};
use slack_calls_mock::{Fault, MockSlack};

/// A fake Slack, a client whose pacing waits on virtual time (so paced
/// requests go out at once, in order), and a fresh call with nobody in it.
async fn setup() -> (MockSlack, Client, CallId) {
    with_call("roster-test", "https://example.com/j/roster").await
}

/// Who the fake holds in the call, by external id or slack id.
fn slack_roster(mock: &MockSlack, call: &CallId) -> BTreeSet<String> {
    let stored = mock.call(call.as_str()).unwrap();
    let ids: Vec<String> = stored
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

fn requests(mock: &MockSlack, method: &str) -> usize {
    mock.requests_for(method).len()
}

/// Polls (bounded, on real time) until `done` holds; for work a background
/// task does over real HTTP.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..500 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

#[tokio::test]
async fn hundreds_of_events_become_a_few_requests_and_the_net_roster() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client.clone(), &call)
        .manual()
        .max_batch(100)
        .start()
        .unwrap();

    // Window 1: 300 joins; 40 of them leave again, 20 join twice.
    let mut expected = BTreeSet::new();
    let mut events = 0;
    for i in 0..300 {
        roster.join(guest(i)).unwrap();
        expected.insert(format!("ext-{i}"));
        events += 1;
    }
    for i in 0..40 {
        roster.leave(guest(i * 7)).unwrap();
        expected.remove(&format!("ext-{}", i * 7));
        events += 1;
    }
    for i in 100..120 {
        roster.join(guest(i)).unwrap();
        expected.insert(format!("ext-{i}"));
        events += 1;
    }
    roster.flush().await.unwrap();

    let adds = requests(&mock, "calls.participants.add");
    assert_eq!(expected.len(), 263, "300 - 40 who left + 3 of them back");
    assert_eq!(adds, 3, "263 people in batches of 100");
    assert_eq!(requests(&mock, "calls.participants.remove"), 0);
    assert_eq!(slack_roster(&mock, &call), expected);
    // Every batch holds at most 100 people.
    for request in mock.requests_for("calls.participants.add") {
        let users: serde_json::Value =
            serde_json::from_str(request.param("users").unwrap()).unwrap();
        assert!(users.as_array().unwrap().len() <= 100);
    }

    let before = expected.clone();
    // Window 2: 150 leave, 30 of them come back, 10 newcomers join and leave.
    for i in 150..300 {
        roster.leave(guest(i)).unwrap();
        expected.remove(&format!("ext-{i}"));
        events += 1;
    }
    for i in 150..180 {
        roster.join(guest(i)).unwrap();
        expected.insert(format!("ext-{i}"));
        events += 1;
    }
    for i in 1000..1010 {
        roster.join(guest(i)).unwrap();
        roster.leave(guest(i)).unwrap();
        events += 2;
    }
    roster.finish().await.unwrap();

    let removes = requests(&mock, "calls.participants.remove");
    let gone = before.difference(&expected).count();
    assert!(gone > 100, "{gone}");
    assert_eq!(removes, gone.div_ceil(100));
    let new = expected.difference(&before).count();
    assert_eq!(new, 4, "154, 161, 168 and 175 had left in window 1");
    assert_eq!(
        requests(&mock, "calls.participants.add"),
        4,
        "one more, for the 4"
    );
    assert_eq!(slack_roster(&mock, &call), expected);
    let total = requests(&mock, "calls.participants.add") + removes;
    assert!(total * 50 < events, "{total} requests for {events} events");
    assert_eq!((events, total), (560, 6));

    // The requests went through the client's limiter.
    let paced: u64 = client
        .pacing_stats()
        .iter()
        .filter(|s| s.method.starts_with("calls.participants."))
        .map(|s| s.permits)
        .sum();
    assert_eq!(paced, total as u64);
}

#[tokio::test]
async fn a_join_then_a_leave_in_one_window_sends_nothing() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call)
        .manual()
        .present([CallUser::slack("U0MOCK002")])
        .start()
        .unwrap();
    roster.join(CallUser::slack("U0MOCK003")).unwrap();
    roster.leave(CallUser::slack("U0MOCK003")).unwrap();
    roster.join(guest(1)).unwrap();
    roster.leave(guest(1)).unwrap();
    // Someone Slack has leaves and comes back: no change either.
    roster.leave(CallUser::slack("U0MOCK002")).unwrap();
    roster.join(CallUser::slack("U0MOCK002")).unwrap();
    roster.flush().await.unwrap();

    assert_eq!(requests(&mock, "calls.participants.add"), 0);
    assert_eq!(requests(&mock, "calls.participants.remove"), 0);
    let stats = roster.stats();
    assert_eq!(stats.events, 6);
    assert_eq!(stats.requests, 0);
    assert_eq!(roster.pending(), 0);
    assert_eq!(roster.present().len(), 1);
}

#[tokio::test]
async fn duplicate_joins_send_once_and_unknown_leaves_send_nothing() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    for _ in 0..3 {
        roster.join(CallUser::slack("U0MOCK004")).unwrap();
    }
    roster.flush().await.unwrap();
    // Already in Slack: joining again sends nothing.
    roster.join(CallUser::slack("U0MOCK004")).unwrap();
    // Never added: leaving sends nothing.
    roster.leave(CallUser::slack("U0MOCK005")).unwrap();
    roster.flush().await.unwrap();

    assert_eq!(requests(&mock, "calls.participants.add"), 1);
    assert_eq!(requests(&mock, "calls.participants.remove"), 0);
    assert_eq!(
        slack_roster(&mock, &call),
        BTreeSet::from(["U0MOCK004".to_owned()])
    );
    roster.finish().await.unwrap();
}

#[tokio::test]
async fn the_background_task_sends_when_the_window_ends() {
    let (mock, client, call) = setup().await;
    let clock = TestClock::manual();
    let roster = Roster::builder(client, &call)
        .window(Duration::from_secs(5))
        .clock(clock.clone())
        .start()
        .unwrap();
    for i in 0..3 {
        roster.join(guest(i)).unwrap();
    }
    assert!(
        eventually(|| clock.pending_sleeps() == 1).await,
        "the window opened"
    );
    assert_eq!(
        requests(&mock, "calls.participants.add"),
        0,
        "nothing before the window ends"
    );
    roster.join(guest(3)).unwrap();
    clock.advance(Duration::from_secs(5));
    assert!(eventually(|| roster.pending() == 0 && roster.present().len() == 4).await);
    assert_eq!(
        requests(&mock, "calls.participants.add"),
        1,
        "one request for the window"
    );

    // The next event opens a new window; finish sends it without waiting.
    roster.leave(guest(0)).unwrap();
    roster.finish().await.unwrap();
    assert_eq!(requests(&mock, "calls.participants.remove"), 1);
    let expected: BTreeSet<String> = (1..4).map(|i| format!("ext-{i}")).collect();
    assert_eq!(slack_roster(&mock, &call), expected);
}

#[tokio::test]
async fn a_full_batch_does_not_wait_for_the_window() {
    let (mock, client, call) = setup().await;
    let clock = TestClock::manual(); // never advanced: the window never ends
    let roster = Roster::builder(client, &call)
        .window(Duration::from_secs(3600))
        .max_batch(10)
        .clock(clock)
        .start()
        .unwrap();
    for i in 0..10 {
        roster.join(guest(i)).unwrap();
    }
    assert!(eventually(|| requests(&mock, "calls.participants.add") == 1).await);
    assert!(eventually(|| roster.present().len() == 10).await);
    roster.finish().await.unwrap();
    assert_eq!(slack_roster(&mock, &call).len(), 10);
}

#[tokio::test]
async fn slack_errors_surface_typed_with_the_people_they_carried() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client.clone(), &call)
        .manual()
        .start()
        .unwrap();
    roster.join(CallUser::slack("U0MOCK002")).unwrap();
    roster.flush().await.unwrap();
    client.calls().end(&call).await.unwrap();

    roster.join(CallUser::slack("U0MOCK003")).unwrap();
    roster.leave(CallUser::slack("U0MOCK002")).unwrap();
    let err = roster.finish().await.unwrap_err();
    assert!(err.unsent.is_empty(), "{err:?}");
    assert_eq!(err.failures.len(), 2, "{err:?}");
    let remove = &err.failures[0];
    assert_eq!(remove.change, Change::Remove);
    assert_eq!(remove.error.slack_code(), Some("inactive_call"));
    assert!(!remove.requeued);
    let add = &err.failures[1];
    assert_eq!(add.change, Change::Add);
    assert!(!add.requeued);
    assert_eq!(add.users, [CallUser::slack("U0MOCK003")]);
    match &add.error {
        BatchError::Add(Error::Api { error, .. }) => {
            assert_eq!(error.code, AddError::InactiveCall)
        }
        other => panic!("expected inactive_call, got {other:?}"),
    }
    assert!(err.to_string().contains("inactive_call"), "{err}");
    // Each was tried once, and the ended call kept its roster.
    assert_eq!(requests(&mock, "calls.participants.add"), 2);
    assert_eq!(requests(&mock, "calls.participants.remove"), 1);
    assert_eq!(
        slack_roster(&mock, &call),
        BTreeSet::from(["U0MOCK002".to_owned()])
    );
}

#[tokio::test]
async fn background_failures_are_reported_by_the_next_flush() {
    let (mock, client, call) = setup().await;
    client.calls().end(&call).await.unwrap();
    let roster = Roster::builder(client, &call)
        .window(Duration::ZERO)
        .start()
        .unwrap();
    roster.join(guest(1)).unwrap();
    assert!(eventually(|| requests(&mock, "calls.participants.add") == 1).await);
    assert!(eventually(|| roster.stats().requests == 1).await);
    let err = roster.flush().await.unwrap_err();
    assert_eq!(err.failures.len(), 1);
    assert_eq!(err.failures[0].error.slack_code(), Some("inactive_call"));
    assert_eq!(err.failures[0].users, [guest(1)]);
    // Reported once.
    roster.finish().await.unwrap();
}

#[tokio::test]
async fn an_add_that_may_have_reached_slack_is_checked_not_resent() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    // The fake adds them, then closes the connection without answering.
    mock.fault("calls.participants.add", Fault::DropAfterHandling, 1);
    roster.join(CallUser::slack("U0MOCK002")).unwrap();
    roster.join(guest(7)).unwrap();
    let err = roster.flush().await.unwrap_err();
    assert_eq!(err.failures.len(), 1);
    assert!(err.failures[0].requeued);
    assert!(err.failures[0].error.may_have_been_sent());
    assert_eq!(roster.pending(), 2);

    // The next send reads the call, sees both there, and adds nobody.
    roster.finish().await.unwrap();
    assert_eq!(requests(&mock, "calls.info"), 1);
    assert_eq!(requests(&mock, "calls.participants.add"), 1);
    let expected = BTreeSet::from(["U0MOCK002".to_owned(), "ext-7".to_owned()]);
    assert_eq!(slack_roster(&mock, &call), expected);
}

#[tokio::test]
async fn an_add_lost_before_slack_acted_is_sent_again_after_the_check() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    // The fake reads the request and closes without acting on it.
    mock.fault("calls.participants.add", Fault::Drop, 1);
    roster.join(guest(1)).unwrap();
    assert!(roster.flush().await.is_err());
    roster.flush().await.unwrap();
    assert_eq!(requests(&mock, "calls.info"), 1);
    assert_eq!(requests(&mock, "calls.participants.add"), 2);
    assert_eq!(
        slack_roster(&mock, &call),
        BTreeSet::from(["ext-1".to_owned()])
    );
}

#[tokio::test]
async fn someone_added_elsewhere_is_learned_from_slack_not_added_twice() {
    let (mock, client, call) = setup().await;
    client
        .calls()
        .participants()
        .add(&call, [CallUser::slack("U0MOCK003")])
        .await
        .unwrap();
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    roster.join(CallUser::slack("U0MOCK003")).unwrap();
    roster.join(CallUser::slack("U0MOCK004")).unwrap();
    let err = roster.flush().await.unwrap_err();
    assert_eq!(err.failures[0].error.slack_code(), Some("bad_users"));
    assert!(err.failures[0].requeued);
    roster.flush().await.unwrap();
    assert_eq!(requests(&mock, "calls.info"), 1);
    // 1 by hand, 1 refused, 1 for U0MOCK004 only.
    let adds = mock.requests_for("calls.participants.add");
    assert_eq!(adds.len(), 3);
    assert!(!adds[2].param("users").unwrap().contains("U0MOCK003"));
    let expected = BTreeSet::from(["U0MOCK003".to_owned(), "U0MOCK004".to_owned()]);
    assert_eq!(slack_roster(&mock, &call), expected);
}

#[tokio::test]
async fn a_failure_that_persists_is_given_up_and_returned() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    mock.fault("calls.info", Fault::Status(400), 10);
    mock.fault("calls.participants.add", Fault::Status(503), 10);
    roster.join(guest(1)).unwrap();
    let first = roster.flush().await.unwrap_err();
    assert!(first.failures[0].requeued);
    // Slack's list cannot be read: nothing more is sent, the event is kept.
    let second = roster.flush().await.unwrap_err();
    assert_eq!(second.failures[0].change, Change::Sync);
    assert_eq!(roster.pending(), 1);
    let last = roster.finish().await.unwrap_err();
    assert!(last.failures.iter().all(|f| f.change == Change::Sync));
    assert_eq!(last.unsent, [(Change::Add, guest(1))]);
    assert_eq!(requests(&mock, "calls.participants.add"), 1);
}

#[tokio::test]
async fn events_it_cannot_send_are_refused_at_once() {
    let (_mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    assert_eq!(roster.join(CallUser::new()), Err(RosterError::NoIdentity));
    assert_eq!(roster.leave(CallUser::new()), Err(RosterError::NoIdentity));
    assert_eq!(
        roster.join(CallUser::new().with_external_id("x1")),
        Err(RosterError::NoDisplayName {
            external_id: "x1".into()
        })
    );
    assert_eq!(roster.stats().events, 0);
}

#[test]
fn a_background_roster_needs_a_runtime() {
    let client = Client::new("xoxb-not-used");
    let err = Roster::start(client.clone(), "R0E69JAIF").unwrap_err();
    assert_eq!(err, RosterError::NoRuntime);
    // A manual roster does not.
    assert!(
        Roster::builder(client, "R0E69JAIF")
            .manual()
            .start()
            .is_ok()
    );
}

#[tokio::test]
async fn the_background_task_tries_kept_events_again() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call)
        .window(Duration::ZERO)
        .start()
        .unwrap();
    // Read and closed without acting: the roster cannot know, so it checks.
    mock.fault("calls.participants.add", Fault::Drop, 1);
    roster.join(guest(1)).unwrap();
    assert!(eventually(|| roster.present().len() == 1 && roster.pending() == 0).await);
    assert_eq!(requests(&mock, "calls.participants.add"), 2);
    assert_eq!(requests(&mock, "calls.info"), 1);
    assert_eq!(
        slack_roster(&mock, &call),
        BTreeSet::from(["ext-1".to_owned()])
    );
    // The first failure is still reported, as kept for another try.
    let err = roster.finish().await.unwrap_err();
    assert_eq!(err.failures.len(), 1);
    assert!(err.failures[0].requeued);
    assert!(err.unsent.is_empty());
}

#[tokio::test]
async fn a_person_named_by_both_ids_can_leave_by_either() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    roster
        .join(CallUser::slack("U0MOCK002").with_external_id("zoom-2"))
        .unwrap();
    roster.flush().await.unwrap();
    roster
        .leave(CallUser::new().with_external_id("zoom-2"))
        .unwrap();
    roster.flush().await.unwrap();
    assert_eq!(requests(&mock, "calls.participants.remove"), 1);
    assert!(slack_roster(&mock, &call).is_empty());
    assert!(roster.present().is_empty());
}

#[tokio::test]
async fn a_cancelled_flush_loses_no_event() {
    let (mock, client, call) = setup().await;
    let roster = Roster::builder(client, &call)
        .manual()
        .max_batch(1)
        .start()
        .unwrap();
    // Slack applies the first add at once but answers late.
    mock.fault(
        "calls.participants.add",
        Fault::Delay(Duration::from_secs(3)),
        1,
    );
    roster.join(guest(1)).unwrap();
    roster.join(guest(2)).unwrap();
    {
        let flush = roster.flush();
        tokio::pin!(flush);
        let seen = eventually(|| requests(&mock, "calls.participants.add") == 1);
        tokio::select! {
            _ = &mut flush => panic!("the delayed add answered early"),
            seen = seen => assert!(seen),
        }
        // `flush` is dropped here, with the first add in flight.
    }
    roster.flush().await.unwrap();
    assert_eq!(requests(&mock, "calls.info"), 1, "Slack's list was read");
    let adds = mock.requests_for("calls.participants.add");
    assert_eq!(adds.len(), 2, "ext-1 was not sent again");
    assert!(adds[1].param("users").unwrap().contains("ext-2"));
    let expected = BTreeSet::from(["ext-1".to_owned(), "ext-2".to_owned()]);
    assert_eq!(slack_roster(&mock, &call), expected);
}

#[test]
fn a_roster_can_be_shared_between_tasks() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<Roster>();
}

#[tokio::test]
async fn a_rate_limit_beyond_the_wait_budget_keeps_the_events_for_later() {
    // Two 429s in a row: the first a paced method waits out whatever the
    // budget (the pacing missed), the second is over the budget.
    let mock = MockSlack::start().await.unwrap();
    let clock = TestClock::new();
    let client = mock
        .client_builder(mock.user_token())
        .clock(clock.clone())
        .max_rate_limit_wait(Duration::from_secs(60))
        .build()
        .unwrap();
    let call = client
        .calls()
        .add("roster-429", "https://example.com/j/429")
        .await
        .unwrap()
        .call
        .id;
    let roster = Roster::builder(client, &call).manual().start().unwrap();
    mock.fault(
        "calls.participants.add",
        Fault::RateLimited {
            retry_after_secs: 120,
        },
        2,
    );
    roster.join(guest(1)).unwrap();
    let err = roster.flush().await.unwrap_err();
    let failure = &err.failures[0];
    assert!(failure.requeued);
    assert!(!failure.error.may_have_been_sent());
    assert!(matches!(
        failure.error,
        BatchError::Add(Error::RateLimited { .. })
    ));
    assert_eq!(roster.pending(), 1);

    // Once Slack's pause is over the next send goes through, with no
    // calls.info: Slack did not act on a 429.
    clock.advance(Duration::from_secs(121));
    roster.finish().await.unwrap();
    assert_eq!(requests(&mock, "calls.info"), 0);
    assert_eq!(requests(&mock, "calls.participants.add"), 3);
    assert_eq!(
        slack_roster(&mock, &call),
        BTreeSet::from(["ext-1".to_owned()])
    );
}

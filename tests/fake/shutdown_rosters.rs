//! A stop flushes the open rosters, after the handlers in flight: a join a
//! handler records while the stop waits for it still reaches Slack (the
//! fake's call), from a roster of the app's clients (which joins the app's
//! shutdown by itself) and from a manual one given the shutdown.

use std::sync::Arc;
use std::time::Duration;

use slack_calls::events::{Outcome, Receiver};
use slack_calls::{App, CallUser, Installation, Roster, Shutdown};
use slack_calls_mock::{DEMO_TEAM_ID, MockSlack};
use tokio::sync::watch;

use crate::roster_setup::guest;
use crate::support::signed_events::{SECRET, TestEvent, call_rejected, callback, signed_json};

fn in_call(mock: &MockSlack, call: &str) -> Vec<String> {
    let mut ids: Vec<String> = mock
        .call(call)
        .unwrap()
        .users
        .iter()
        .filter_map(|p| p.slack_id.clone().or_else(|| p.external_id.clone()))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn open_rosters_flush_at_the_stop_after_the_handlers_finish() {
    let mock = MockSlack::start().await.unwrap();
    let shutdown = Shutdown::new();
    let api = mock.base_url().to_owned();
    let app = App::builder("A0MOCK001")
        .clients(move |client| client.base_url(api.clone()))
        .shutdown(&shutdown)
        .build()
        .unwrap();
    app.install(Installation::new(DEMO_TEAM_ID, [mock.bot_token()]));
    let client = app.workspace(DEMO_TEAM_ID).unwrap();
    let call = client
        .calls()
        .add("stop-1", "https://example.com/j/stop-1")
        .created_by("U0MOCK001")
        .await
        .unwrap()
        .call
        .id;
    let other = client
        .calls()
        .add("stop-2", "https://example.com/j/stop-2")
        .created_by("U0MOCK001")
        .await
        .unwrap()
        .call
        .id;
    // A window far longer than the test: only the stop sends.
    let roster = Arc::new(
        Roster::builder(client.clone(), &call)
            .window(Duration::from_secs(3600))
            .start()
            .unwrap(),
    );
    let manual = Roster::builder(client.clone(), &other)
        .manual()
        .shutdown(&shutdown)
        .start()
        .unwrap();
    roster.join(guest(1)).unwrap();
    roster.join(guest(2)).unwrap();
    manual.join(guest(3)).unwrap();

    // A handler that joins someone once let through: the stop must wait
    // for it before the rosters' last send.
    let (open, gate) = watch::channel(false);
    let receiver = Receiver::<TestEvent>::builder(SECRET)
        .shutdown(&shutdown)
        .on_event({
            let roster = roster.clone();
            move |_, _| {
                let (roster, mut gate) = (roster.clone(), gate.clone());
                async move {
                    let _ = gate.wait_for(|open| *open).await;
                    roster
                        .join(CallUser::external("late", "Late Guest"))
                        .unwrap();
                }
            }
        })
        .build()
        .unwrap();
    let body = callback("EvJoin", call_rejected());
    let now = receiver.verifier().unix_now();
    let reply = receiver
        .receive(&signed_json(SECRET, now, &body), &body)
        .await;
    assert_eq!(reply.outcome, Outcome::Event);
    assert!(in_call(&mock, call.as_str()).is_empty(), "nothing sent yet");

    let finishing = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { shutdown.finish().await }
    });
    while !shutdown.is_stopping() {
        tokio::task::yield_now().await;
    }
    open.send_replace(true);
    let report = finishing.await.unwrap();
    assert_eq!(
        in_call(&mock, call.as_str()),
        ["ext-1", "ext-2", "late"],
        "the handler's join was sent too"
    );
    assert_eq!(in_call(&mock, other.as_str()), ["ext-3"]);
    assert_eq!(
        (
            report.unfinished,
            report.rosters,
            report.roster_events_unsent
        ),
        (0, 2, 0)
    );
    // The rosters are closed and empty: finishing them sends nothing more.
    let adds = mock.requests_for("calls.participants.add").len();
    manual.finish().await.unwrap();
    drop(receiver); // its handler holds the roster too
    Arc::into_inner(roster).unwrap().finish().await.unwrap();
    assert_eq!(mock.requests_for("calls.participants.add").len(), adds);
}

#[tokio::test]
async fn a_roster_that_cannot_send_at_the_stop_is_counted_not_lost_silently() {
    let mock = MockSlack::start().await.unwrap();
    let shutdown = Shutdown::new();
    let client = mock.client(mock.bot_token()).unwrap();
    // A call Slack does not know: every add is refused (invalid_call_id or
    // similar), and the roster reports it.
    let roster = Roster::builder(client, "R0NOSUCHCALL")
        .manual()
        .shutdown(&shutdown)
        .start()
        .unwrap();
    roster.join(guest(7)).unwrap();
    let report = shutdown.finish().await;
    assert_eq!(report.rosters, 1);
    // Slack did not act: the event is dropped and its failure kept for the
    // roster's own finish to report.
    let err = roster.finish().await.unwrap_err();
    assert_eq!(err.failures.len(), 1, "{err:?}");
}

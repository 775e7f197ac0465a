//! Readiness for a load balancer (`Readiness`, `Server::readiness`): `200
//! ready` while the app's installation store answers and the server runs;
//! `503 not ready`, with no detail in the answer, when the store is down,
//! a check is too slow, or the stop has begun.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use slack_calls::events::{Readiness, Receiver, Server};
use slack_calls::{App, Shutdown};

use crate::support::flaky_store::{FlakyStore, Outage};
use crate::support::signed_events::{SECRET, TestEvent};

async fn get(url: &str) -> (u16, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn ready_while_the_store_answers_and_503_without_detail_when_it_is_down() {
    let down = Arc::new(AtomicBool::new(false));
    let app = App::builder("A0READY")
        .build_with_store(FlakyStore::switched(down.clone(), Outage::Everything))
        .await
        .unwrap();
    let slow = Arc::new(AtomicBool::new(false));
    let readiness = Readiness::new()
        .app(&app)
        .check("own_check", {
            let slow = slow.clone();
            move || {
                let slow = slow.load(Ordering::SeqCst);
                async move {
                    if slow {
                        std::future::pending::<()>().await;
                    }
                    Ok(())
                }
            }
        })
        .with_timeout(Duration::from_millis(200));
    let receiver = Receiver::<TestEvent>::builder(SECRET).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ready", listener.local_addr().unwrap());
    let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(
        Server::new()
            .events("/slack/events", &receiver)
            .readiness("/ready", readiness.clone())
            .stop_on(async move {
                let _ = stopping.await;
            })
            .serve_on(listener),
    );

    assert_eq!(get(&url).await, (200, "ready".to_owned()));
    down.store(true, Ordering::SeqCst);
    // Not ready, and the answer says nothing of why (the log does).
    assert_eq!(get(&url).await, (503, "not ready".to_owned()));
    let report = readiness.report().await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "installation_store");
    assert!(report.failed[0].1.contains("down"), "{report:?}");
    down.store(false, Ordering::SeqCst);
    assert_eq!(get(&url).await, (200, "ready".to_owned()));
    // A check that does not answer in time counts as failed.
    slow.store(true, Ordering::SeqCst);
    assert_eq!(get(&url).await, (503, "not ready".to_owned()));
    let report = readiness.report().await;
    assert_eq!(report.failed[0].0, "own_check");
    assert!(
        report.failed[0].1.contains("no answer within"),
        "{report:?}"
    );

    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}

#[tokio::test]
async fn not_ready_once_the_stop_begins() {
    let shutdown = Shutdown::new();
    let readiness = Readiness::new().shutdown(&shutdown);
    let (addr, _task) = crate::support::serve(readiness.clone().router("/ready")).await;
    let url = format!("http://{addr}/ready");
    assert_eq!(get(&url).await, (200, "ready".to_owned()));
    shutdown.stop();
    assert_eq!(get(&url).await, (503, "not ready".to_owned()));
    let report = readiness.report().await;
    assert!(report.stopping && report.failed.is_empty() && !report.is_ready());
}

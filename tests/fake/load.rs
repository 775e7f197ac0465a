//! A bounded load test: 32 clients × 200 mixed Calls operations on
//! loopback, then a check that the fake's state is exactly what the
//! successful answers imply: no lost or duplicated call, no participant
//! twice, every roster and end accounted for.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use slack_calls::{CallId, CallUser, Client, TokenKind};
use slack_calls_mock::{LimitMode, MockSlack};

const CLIENTS: usize = 32;
const OPS: usize = 200;
const SLACK_USERS: usize = 8;
const EXTERNAL_USERS: usize = 4;
const SEED_CALLS: usize = 4;

/// A small deterministic generator (xorshift64*), one per client.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

fn slack_user(n: usize) -> String {
    format!("U0LOAD{n:03}")
}

/// Person `n`: Slack users first, then external users. Returns the user and
/// the key the check counts by.
fn person(n: usize) -> (CallUser, String) {
    if n < SLACK_USERS {
        let id = slack_user(n);
        (CallUser::slack(id.as_str()), format!("slack:{id}"))
    } else {
        let id = format!("ext-{}", n - SLACK_USERS);
        (
            CallUser::external(id.as_str(), format!("Guest {id}")),
            format!("external:{id}"),
        )
    }
}

/// What a successful answer says happened.
#[derive(Debug)]
enum Event {
    Added {
        id: String,
        title: String,
        people: Vec<String>,
    },
    Joined {
        id: String,
        people: Vec<String>,
    },
    Left {
        id: String,
        people: Vec<String>,
    },
    Renamed {
        id: String,
        title: String,
    },
    Ended {
        id: String,
    },
}

struct Journal {
    events: Vec<Event>,
    refusals: BTreeMap<String, usize>,
    sent: usize,
}

fn pick_people(rng: &mut Rng) -> (Vec<CallUser>, Vec<String>) {
    let count = 1 + rng.below(2);
    let mut users = Vec::new();
    let mut keys = Vec::new();
    for _ in 0..count {
        let (user, key) = person(rng.below(SLACK_USERS + EXTERNAL_USERS));
        users.push(user);
        keys.push(key);
    }
    (users, keys)
}

async fn run_client(
    index: usize,
    client: Client,
    pool: Arc<Mutex<Vec<String>>>,
) -> Result<Journal, String> {
    let mut rng = Rng::new(index as u64 + 1);
    let mut journal = Journal {
        events: Vec::new(),
        refusals: BTreeMap::new(),
        sent: 0,
    };
    let mut own: Vec<String> = Vec::new();
    let any_call = |rng: &mut Rng| -> String {
        let pool = pool.lock().unwrap_or_else(|e| e.into_inner());
        pool[rng.below(pool.len())].clone()
    };
    for op in 0..OPS {
        let roll = rng.below(100);
        // Refusals a correct fake may give under contention; anything
        // else fails the test.
        let refused = |code: Option<&str>, allowed: &[&str]| -> Result<String, String> {
            match code {
                Some(code) if allowed.contains(&code) => Ok(code.to_owned()),
                _ => Err(format!(
                    "client {index} op {op}: unexpected failure {code:?}"
                )),
            }
        };
        journal.sent += 1;
        match roll {
            0..10 => {
                let title = format!("call {index}-{op}");
                let (users, people) = if rng.below(2) == 0 {
                    let (user, key) = person(rng.below(SLACK_USERS + EXTERNAL_USERS));
                    (vec![user], vec![key])
                } else {
                    (Vec::new(), Vec::new())
                };
                let call = client
                    .calls()
                    .add(format!("load-{index}-{op}"), "https://example.com/load")
                    .title(title.as_str())
                    .users(users)
                    .await
                    .map_err(|err| format!("client {index} op {op}: calls.add failed: {err}"))?
                    .call;
                let id = call.id.as_str().to_owned();
                pool.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(id.clone());
                own.push(id.clone());
                journal.events.push(Event::Added { id, title, people });
            }
            // 10..45 joins, 45..80 leaves.
            10..80 => {
                let id = any_call(&mut rng);
                let (users, people) = pick_people(&mut rng);
                let joining = roll < 45;
                let result = if joining {
                    client
                        .calls()
                        .participants()
                        .add(id.as_str(), users)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.slack_code().map(str::to_owned))
                } else {
                    client
                        .calls()
                        .participants()
                        .remove(id.as_str(), users)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.slack_code().map(str::to_owned))
                };
                match result {
                    Ok(()) if joining => journal.events.push(Event::Joined { id, people }),
                    Ok(()) => journal.events.push(Event::Left { id, people }),
                    Err(code) => {
                        let code = refused(code.as_deref(), &["bad_users", "inactive_call"])?;
                        *journal.refusals.entry(code).or_default() += 1;
                    }
                }
            }
            80..88 if !own.is_empty() => {
                let id = own[rng.below(own.len())].clone();
                let title = format!("renamed {index}-{op}");
                client
                    .calls()
                    .update(id.as_str())
                    .title(title.as_str())
                    .await
                    .map_err(|err| format!("client {index} op {op}: calls.update failed: {err}"))?;
                journal.events.push(Event::Renamed { id, title });
            }
            88..93 => {
                let id = any_call(&mut rng);
                match client.calls().end(id.as_str()).await {
                    Ok(_) => journal.events.push(Event::Ended { id }),
                    Err(err) => {
                        let code = refused(err.slack_code(), &["inactive_call"])?;
                        *journal.refusals.entry(code).or_default() += 1;
                    }
                }
            }
            _ => {
                let id = any_call(&mut rng);
                let call = client
                    .calls()
                    .info(CallId::from(id.as_str()))
                    .await
                    .map_err(|err| format!("client {index} op {op}: calls.info failed: {err}"))?
                    .call;
                if call.id.as_str() != id {
                    return Err(format!("calls.info {id} answered {}", call.id));
                }
            }
        }
    }
    Ok(journal)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_leave_exactly_the_state_their_answers_imply() {
    let mut builder = MockSlack::builder()
        .users((0..SLACK_USERS).map(slack_user))
        .rate_limits(LimitMode::Off)
        .log_capacity(CLIENTS * OPS + SEED_CALLS + 16);
    for index in 0..CLIENTS {
        builder = builder.token(
            format!("xoxp-load-{index}"),
            TokenKind::User,
            ["calls:read", "calls:write"],
        );
    }
    let mock = builder.start().await.unwrap();

    // A few calls so every client has targets from the first operation.
    let seeder = mock.client(mock.user_token()).unwrap();
    let mut seeded = Vec::new();
    for n in 0..SEED_CALLS {
        let call = seeder
            .calls()
            .add(format!("seed-{n}"), "https://example.com/seed")
            .await
            .unwrap()
            .call;
        seeded.push(call.id.as_str().to_owned());
    }
    let pool = Arc::new(Mutex::new(seeded.clone()));

    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..CLIENTS {
        // The load test measures the fake, not the client's pacing.
        let client = mock
            .client_builder(&format!("xoxp-load-{index}"))
            .rate_limits(slack_calls::RateLimits::off())
            .build()
            .unwrap();
        tasks.spawn(run_client(index, client, pool.clone()));
    }
    let mut journals = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        journals.push(joined.expect("client task").expect("client run"));
    }

    // Fold the successful answers into the state they imply.
    let mut expected_ids: BTreeSet<String> = seeded.iter().cloned().collect();
    let mut titles: BTreeMap<String, Option<String>> =
        seeded.iter().map(|id| (id.clone(), None)).collect();
    let mut net: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    let mut sent = SEED_CALLS;
    let mut refusals: BTreeMap<String, usize> = BTreeMap::new();
    for journal in &journals {
        sent += journal.sent;
        for (code, n) in &journal.refusals {
            *refusals.entry(code.clone()).or_default() += n;
        }
        for event in &journal.events {
            match event {
                Event::Added { id, title, people } => {
                    assert!(expected_ids.insert(id.clone()), "id {id} given twice");
                    titles.insert(id.clone(), Some(title.clone()));
                    for p in people {
                        *net.entry((id.clone(), p.clone())).or_default() += 1;
                    }
                }
                Event::Joined { id, people } => {
                    for p in people {
                        *net.entry((id.clone(), p.clone())).or_default() += 1;
                    }
                }
                Event::Left { id, people } => {
                    for p in people {
                        *net.entry((id.clone(), p.clone())).or_default() -= 1;
                    }
                }
                // Only a call's owner renames it, in its own order, so the
                // last rename in its journal is the final title.
                Event::Renamed { id, title } => {
                    titles.insert(id.clone(), Some(title.clone()));
                }
                Event::Ended { id } => *ends.entry(id.clone()).or_default() += 1,
            }
        }
    }

    let calls = mock.calls();
    let actual_ids: BTreeSet<String> = calls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(calls.len(), actual_ids.len());
    assert_eq!(actual_ids, expected_ids, "lost or extra calls");

    for call in &calls {
        // Nobody twice.
        for (i, a) in call.users.iter().enumerate() {
            for b in &call.users[i + 1..] {
                assert!(!a.same_person(b), "{} has {a:?} twice", call.id);
            }
        }
        let present: BTreeSet<String> = call
            .users
            .iter()
            .map(|u| match (&u.slack_id, &u.external_id) {
                (Some(id), _) => format!("slack:{id}"),
                (None, Some(id)) => format!("external:{id}"),
                (None, None) => panic!("{} has a participant with no id", call.id),
            })
            .collect();
        let expected: BTreeSet<String> = net
            .iter()
            .filter(|((id, _), _)| *id == call.id)
            .map(|((_, person), n)| {
                assert!(
                    (0..=1).contains(n),
                    "{} {person}: {n} more joins than leaves",
                    call.id
                );
                person.clone()
            })
            .filter(|person| net[&(call.id.clone(), person.clone())] == 1)
            .collect();
        assert_eq!(present, expected, "roster of {}", call.id);

        let ended = ends.get(&call.id).copied().unwrap_or(0);
        assert!(ended <= 1, "{} ended {ended} times", call.id);
        assert_eq!(call.is_ended(), ended == 1, "end of {}", call.id);
        assert_eq!(call.title, titles[&call.id], "title of {}", call.id);
    }

    // Every request was answered and logged once.
    assert_eq!(mock.requests().len(), sent);
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.token_kind == Some(TokenKind::User))
    );
    // The mix really contended: some refusals happened.
    assert!(
        refusals.get("bad_users").copied().unwrap_or(0) > 0,
        "{refusals:?}"
    );
}

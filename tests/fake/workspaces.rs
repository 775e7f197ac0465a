//! Workspaces: each has its own users, channels and tokens, and rate
//! limits are counted per (workspace, method) across all its tokens.

use crate::fake_support::raw_http::{Raw, post_form};
use slack_calls::TokenKind;
use slack_calls_mock::{
    DEMO_BOT_TOKEN, DEMO_TEAM_ID, DEMO_USER_TOKEN, LimitMode, MockSlack, MockWorkspace, Verdict,
};

const OTHER_BOT: &str = "xoxb-other-bot";
const OTHER_USER: &str = "xoxp-other-user";
const SCOPES: [&str; 4] = [
    "calls:read",
    "calls:write",
    "chat:write",
    "users:read.email",
];

fn other_workspace() -> MockWorkspace {
    MockWorkspace::new("T0OTHER01", "Other Workspace")
        .users(["U0OTHER01", "U0OTHER02"])
        .user_with_email("U0OTHER02", "two@other.example")
        .channels(["C0OTHER01"])
        .token(OTHER_BOT, TokenKind::Bot, SCOPES)
        .token(OTHER_USER, TokenKind::User, SCOPES)
}

#[tokio::test]
async fn a_bot_and_a_user_token_of_one_workspace_share_one_rate_limit() {
    let mock = MockSlack::builder()
        .workspace(other_workspace())
        .rate_limits(LimitMode::PerMinute(2))
        .start()
        .await
        .unwrap();
    let info = |token: &'static str| post_form(&mock, "calls.info", Some(token), &[("id", "R1")]);
    assert_eq!(info(DEMO_BOT_TOKEN).await.status, 200);
    assert_eq!(info(DEMO_USER_TOKEN).await.status, 200);
    // The window of (T0MOCK001, calls.info) is full, for both tokens.
    assert_eq!(info(DEMO_BOT_TOKEN).await.status, 429);
    assert_eq!(info(DEMO_USER_TOKEN).await.status, 429);
    // Another workspace has its own window, shared by its own tokens.
    assert_eq!(info(OTHER_USER).await.status, 200);
    assert_eq!(info(OTHER_BOT).await.status, 200);
    assert_eq!(info(OTHER_BOT).await.status, 429);
    // Another method of the full workspace is not limited.
    let end = post_form(&mock, "calls.end", Some(DEMO_USER_TOKEN), &[("id", "R1")]).await;
    assert_eq!(end.error().as_deref(), Some("invalid_call_id"));

    let outcomes: Vec<bool> = mock
        .requests_for("calls.info")
        .iter()
        .map(|r| matches!(r.outcome, Verdict::RateLimited { .. }))
        .collect();
    assert_eq!(outcomes, [false, false, true, true, false, false, true]);
}

#[tokio::test]
async fn each_workspace_has_its_own_users_and_channels() {
    let mock = MockSlack::builder()
        .workspace(other_workspace())
        .start()
        .await
        .unwrap();
    // A user of the default workspace is unknown in the other one.
    async fn add(mock: &MockSlack, token: &str, created_by: &str) -> Raw {
        let fields = [
            ("external_unique_id", "w-1"),
            ("join_url", "https://example.com/j"),
            ("created_by", created_by),
        ];
        post_form(mock, "calls.add", Some(token), &fields).await
    }
    assert_eq!(
        add(&mock, OTHER_BOT, "U0MOCK001").await.error().as_deref(),
        Some("invalid_created_by")
    );
    let added = add(&mock, OTHER_BOT, "U0OTHER01").await;
    assert!(added.ok(), "{:?}", added.json());
    assert!(add(&mock, DEMO_BOT_TOKEN, "U0MOCK001").await.ok());

    // A user token acts for the first user of its own workspace.
    let own = post_form(
        &mock,
        "calls.add",
        Some(OTHER_USER),
        &[
            ("external_unique_id", "w-2"),
            ("join_url", "https://example.com/j"),
        ],
    )
    .await;
    let id = own.json()["call"]["id"].as_str().unwrap().to_owned();
    assert_eq!(mock.call(&id).unwrap().created_by, "U0OTHER01");

    async fn post(mock: &MockSlack, token: &str, channel: &str) -> Raw {
        let fields = [("channel", channel), ("text", "hi")];
        post_form(mock, "chat.postMessage", Some(token), &fields).await
    }
    assert!(post(&mock, OTHER_BOT, "C0OTHER01").await.ok());
    assert_eq!(
        post(&mock, OTHER_BOT, "C0MOCK001").await.error().as_deref(),
        Some("channel_not_found")
    );
    assert_eq!(
        post(&mock, DEMO_BOT_TOKEN, "C0OTHER01")
            .await
            .error()
            .as_deref(),
        Some("channel_not_found")
    );

    async fn lookup(mock: &MockSlack, token: &str, email: &str) -> Raw {
        post_form(
            mock,
            "users.lookupByEmail",
            Some(token),
            &[("email", email)],
        )
        .await
    }
    let found = lookup(&mock, OTHER_BOT, "TWO@other.example").await;
    assert_eq!(found.json()["user"]["id"], "U0OTHER02");
    assert_eq!(found.json()["user"]["team_id"], "T0OTHER01");
    let found = lookup(&mock, DEMO_BOT_TOKEN, "u0mock001@example.com").await;
    assert_eq!(found.json()["user"]["team_id"], DEMO_TEAM_ID);
    assert_eq!(
        lookup(&mock, DEMO_BOT_TOKEN, "two@other.example")
            .await
            .error()
            .as_deref(),
        Some("users_not_found")
    );
}

#[tokio::test]
async fn the_builder_refuses_clashing_or_malformed_workspaces() {
    let cases = [
        // One token in two workspaces.
        MockSlack::builder().workspace(MockWorkspace::new("T0OTHER01", "x").token(
            DEMO_BOT_TOKEN,
            TokenKind::Bot,
            SCOPES,
        )),
        MockSlack::builder().workspace(MockWorkspace::new("t-lower", "x")),
        MockSlack::builder().workspace(MockWorkspace::new("", "x")),
        MockSlack::builder().workspace(MockWorkspace::new("T0OTHER01", "x").token(
            "xoxb with space",
            TokenKind::Bot,
            SCOPES,
        )),
    ];
    for builder in cases {
        let err = builder.start().await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
        assert!(!err.to_string().contains(DEMO_BOT_TOKEN), "{err}");
    }
    // The default workspace can be replaced by its team id.
    let mock = MockSlack::builder()
        .workspace(
            MockWorkspace::new(DEMO_TEAM_ID, "Renamed")
                .users(["U0NEW0001"])
                .token("xoxb-new", TokenKind::Bot, SCOPES),
        )
        .start()
        .await
        .unwrap();
    let old = post_form(&mock, "calls.info", Some(DEMO_BOT_TOKEN), &[("id", "R1")]).await;
    assert_eq!(old.error().as_deref(), Some("invalid_auth"));
    let new = post_form(&mock, "calls.info", Some("xoxb-new"), &[("id", "R1")]).await;
    assert_eq!(new.error().as_deref(), Some("invalid_call_id"));
}

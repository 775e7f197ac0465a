//! `apps.event.authorizations.list` in the fake: with the app-level token
//! (`xapp-`, a token of kind `Other`), the app's installations, one per
//! workspace of the fake (its bot), a page at a time.
//!
//! The `event_context` must be one an event the fake sent carried, else
//! `invalid_event_context` (Slack's method page). Which installations can
//! see that event is the fake's choice: every one. The app-level token is
//! the app's across workspaces: no workspace's uninstall revokes it.
//!
//! The next page's cursor is `cursor_next`, beside the items, and the
//! answer has no `response_metadata` (Slack's method page, output; the Java
//! SDK's `AppsEventAuthorizationsListResponse.cursorNext`); after the last
//! page there is no `cursor_next`.

use serde_json::{Value, json};

use slack_calls::method::{PageBy, Pagination};

use crate::api::family::{Exchange, Family, no_param_error};
use crate::wire::answer::{Reply, SlackError};
use crate::wire::cursor;

/// The authorizations family, as registered in the fake's table of families.
pub(crate) const FAMILY: Family = Family {
    methods: &["apps.event.authorizations.list"],
    reads_json: true,
    param_error: no_param_error,
    answer: |exchange| list(&exchange).map(Reply::from),
};

fn list(exchange: &Exchange<'_>) -> Result<Value, SlackError> {
    let context = exchange.params.text("event_context").unwrap_or_default();
    // Slack's method page: `invalid_event_context` for a context no event
    // carried (the fake knows the `event_context` of every event it sent).
    if !exchange.state.events.contexts.contains_key(context.trim()) {
        return Err(SlackError::new("invalid_event_context")
            .because("no event the fake sent carried this event_context"));
    }
    let paging = exchange.method.pagination.unwrap_or(Pagination {
        by: PageBy::Cursor {
            param: "cursor",
            next: "cursor_next",
            first: None,
        },
        limit: Some("limit"),
        items: "authorizations",
    });
    let org_installs = &exchange.state.auth.org_installs;
    let installations: Vec<Value> = exchange
        .directory
        .workspaces
        .iter()
        .map(|workspace| {
            let org_install = workspace
                .enterprise
                .as_ref()
                .is_some_and(|org| org_installs.contains(org));
            json!({
                "enterprise_id": workspace.enterprise,
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id(),
                "is_bot": true,
                "is_enterprise_install": org_install,
            })
        })
        .collect();
    let scope = format!("apps.event.authorizations.list {context}");
    let (page, next) = cursor::page(&paging, exchange.params, &scope, &installations)?;
    Ok(cursor::body(&paging, page, next))
}

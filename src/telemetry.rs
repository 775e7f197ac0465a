//! What the app does, as metrics (feature `metrics`): through the
//! [`metrics`](https://docs.rs/metrics) facade, so the app picks its own
//! exporter (Prometheus, StatsD, OpenTelemetry, ...) by installing a
//! recorder. Without a recorder each update is a few loads and nothing
//! else; without the feature, nothing at all.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `slack_calls_api_calls_total` | counter | `method`, `outcome` | Web API calls made, by how they ended: `ok`, `api_error` (Slack answered `ok: false`), `rate_limited` (gave up on 429s or the wait budget), `transport_error`, `status_error`, `decode_error`, `invalid_request` (refused before sending), `workspace_gone`, `token_refresh_failed` |
//! | `slack_calls_pacing_wait_seconds` | histogram | `method` | How long each attempt waited for a permit from the rate limiter (0 when none was needed) |
//! | `slack_calls_rate_limited_total` | counter | `method` | HTTP 429 answers |
//! | `slack_calls_retries_total` | counter | `method`, `reason` | Attempts sent again: `rate_limited` (after Retry-After), `timeout`, `connection_lost`, `not_sent`, `server_status`, `slack_error`, `token_expired` (resent once after a refresh) |
//! | `slack_calls_deliveries_total` | counter | `type`, `outcome` | Requests the receiver answered: `type` is the inner event type of an `event_callback` (Slack's event names; `other` for a name that is not one), or the envelope (`url_verification`, `app_rate_limited`, `call_initiation`, `ssl_check`, `unknown`, `refused`); `outcome` is the receiver's [`Outcome`](crate::events::Outcome) (`event`, `duplicate`, `rejected`, `stopping`, ...) |
//! | `slack_calls_dedup_hits_total` | counter | | Deliveries dropped as duplicates (by `event_id` or the domain key) |
//! | `slack_calls_signature_refusals_total` | counter | `reason` | Requests refused before their payload was read: `missing_header`, `duplicate_header`, `malformed_timestamp`, `stale`, `from_the_future`, `bad_signature`, `body_too_large`, `unsupported_content_type`; and `bad_payload` (signed, but not a valid payload) |
//! | `slack_calls_token_refreshes_total` | counter | `outcome` | Rotating-token refreshes: `refreshed` (this instance spent the refresh token), `taken_from_store` (another instance had refreshed); failures by [`RefreshError::label`](crate::RefreshError::label): `refused`, `no_answer`, `store_error`, `not_installed`, `no_refresh_token`, `no_credentials` |
//! | `slack_calls_stream_entries_total` | counter | `outcome` | Entries of an [`EventStream`](crate::events::EventStream) its workers finished: `handled` (the handler returned), `duplicate` (the event was done or running in another entry), `panicked` (the handler panicked; acknowledged, not run again), `undecodable` |
//! | `slack_calls_stream_reclaimed_total` | counter | | Entries a worker took over from a worker that stopped answering (`XAUTOCLAIM`) |
//! | `slack_calls_installation_lookups_total` | counter | `by`, `result` | An [`App`](crate::App)'s lookups of a workspace's client: `by` is `team` ([`App::workspace`](crate::App::workspace)), `installation` ([`App::workspace_of`](crate::App::workspace_of), what the receiver uses) or `token` ([`App::client_for_token`](crate::App::client_for_token)); `result` is `hit` (in the app's cache of its installations), `learned` (a token's workspace asked of Slack with `auth.test`, then cached) or `miss` (not installed) |
//!
//! **Labels never carry a token, a secret, a team name or free text**:
//! every label value is one of the fixed words above, a method name from
//! the spec, or an event type Slack sent (checked to be a lower-case
//! `snake_case` name, else `other`). Team ids multiply the series by the
//! number of workspaces, so they are added only when the app asks
//! ([`ClientBuilder::team_ids_in_metrics`](crate::ClientBuilder::team_ids_in_metrics),
//! for an [`App`](crate::App)'s clients in its
//! [`clients`](crate::AppBuilder::clients) set-up): then `slack_calls_api_calls_total`,
//! `slack_calls_pacing_wait_seconds` and `slack_calls_rate_limited_total`
//! carry `team_id` too.
//!
//! [`describe`] registers each metric's help text and unit with the
//! recorder; call it once after installing one.

use std::time::Duration;

/// Registers each metric's description and unit with the installed
/// recorder (Prometheus shows them as `# HELP`). Harmless to call more than
/// once, and a no-op without the feature `metrics`.
pub fn describe() {
    #[cfg(feature = "metrics")]
    {
        use metrics::{Unit, describe_counter, describe_histogram};
        describe_counter!(
            "slack_calls_api_calls_total",
            Unit::Count,
            "Slack Web API calls made, by method and outcome"
        );
        describe_histogram!(
            "slack_calls_pacing_wait_seconds",
            Unit::Seconds,
            "Time each attempt waited for the rate limiter"
        );
        describe_counter!(
            "slack_calls_rate_limited_total",
            Unit::Count,
            "HTTP 429 answers from Slack, by method"
        );
        describe_counter!(
            "slack_calls_retries_total",
            Unit::Count,
            "Attempts sent again, by method and reason"
        );
        describe_counter!(
            "slack_calls_deliveries_total",
            Unit::Count,
            "Requests from Slack the receiver answered, by type and outcome"
        );
        describe_counter!(
            "slack_calls_dedup_hits_total",
            Unit::Count,
            "Deliveries dropped as duplicates"
        );
        describe_counter!(
            "slack_calls_signature_refusals_total",
            Unit::Count,
            "Requests refused by the receiver, by reason"
        );
        describe_counter!(
            "slack_calls_token_refreshes_total",
            Unit::Count,
            "Rotating-token refreshes, by outcome"
        );
        describe_counter!(
            "slack_calls_installation_lookups_total",
            Unit::Count,
            "Workspace client lookups of an App, by key and result"
        );
        describe_counter!(
            "slack_calls_stream_entries_total",
            Unit::Count,
            "Event stream entries the workers finished, by outcome"
        );
        describe_counter!(
            "slack_calls_stream_reclaimed_total",
            Unit::Count,
            "Event stream entries taken over from a worker that stopped answering"
        );
    }
}

/// A Web API call ended with `outcome`.
#[allow(unused_variables)]
pub(crate) fn call_done(method: &'static str, outcome: &'static str, team: Option<&str>) {
    #[cfg(feature = "metrics")]
    match team {
        Some(team) => metrics::counter!(
            "slack_calls_api_calls_total",
            "method" => method,
            "outcome" => outcome,
            "team_id" => team.to_owned()
        )
        .increment(1),
        None => metrics::counter!(
            "slack_calls_api_calls_total",
            "method" => method,
            "outcome" => outcome
        )
        .increment(1),
    }
}

/// An attempt waited `waited` for its permit.
#[allow(unused_variables)]
pub(crate) fn pacing_waited(method: &'static str, waited: Duration, team: Option<&str>) {
    #[cfg(feature = "metrics")]
    match team {
        Some(team) => metrics::histogram!(
            "slack_calls_pacing_wait_seconds",
            "method" => method,
            "team_id" => team.to_owned()
        )
        .record(waited.as_secs_f64()),
        None => metrics::histogram!("slack_calls_pacing_wait_seconds", "method" => method)
            .record(waited.as_secs_f64()),
    }
}

/// Slack answered 429.
#[allow(unused_variables)]
pub(crate) fn rate_limited(method: &'static str, team: Option<&str>) {
    #[cfg(feature = "metrics")]
    match team {
        Some(team) => metrics::counter!(
            "slack_calls_rate_limited_total",
            "method" => method,
            "team_id" => team.to_owned()
        )
        .increment(1),
        None => {
            metrics::counter!("slack_calls_rate_limited_total", "method" => method).increment(1)
        }
    }
}

/// An attempt is sent again, for `reason`.
#[allow(unused_variables)]
pub(crate) fn retried(method: &'static str, reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_retries_total", "method" => method, "reason" => reason)
        .increment(1);
}

/// The receiver answered a request of `kind` with `outcome`.
#[allow(unused_variables)]
#[cfg_attr(not(all(feature = "metrics", feature = "events")), allow(dead_code))]
pub(crate) fn delivery(kind: &str, outcome: &'static str) {
    #[cfg(feature = "metrics")]
    {
        let kind = event_type_label(kind);
        metrics::counter!("slack_calls_deliveries_total", "type" => kind, "outcome" => outcome)
            .increment(1);
    }
}

/// A stream worker finished an entry with `outcome`: `handled`,
/// `duplicate`, `panicked` or `undecodable`.
#[allow(unused_variables)]
#[cfg_attr(not(all(feature = "events", feature = "redis")), allow(dead_code))]
pub(crate) fn stream_handled(outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_stream_entries_total", "outcome" => outcome).increment(1);
}

/// A stream worker took over an entry whose worker stopped answering.
#[cfg_attr(not(all(feature = "events", feature = "redis")), allow(dead_code))]
pub(crate) fn stream_reclaimed() {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_stream_reclaimed_total").increment(1);
}

/// A delivery was dropped as a duplicate.
#[cfg_attr(not(feature = "events"), allow(dead_code))]
pub(crate) fn dedup_hit() {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_dedup_hits_total").increment(1);
}

/// The receiver refused a request for `reason`.
#[allow(unused_variables)]
#[cfg_attr(not(feature = "events"), allow(dead_code))]
pub(crate) fn refused(reason: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_signature_refusals_total", "reason" => reason).increment(1);
}

/// A rotating-token refresh ended with `outcome`.
#[allow(unused_variables)]
pub(crate) fn token_refresh(outcome: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_token_refreshes_total", "outcome" => outcome).increment(1);
}

/// An app looked up a workspace's client `by` team or token, with `result`.
#[allow(unused_variables)]
pub(crate) fn installation_lookup(by: &'static str, result: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("slack_calls_installation_lookups_total", "by" => by, "result" => result)
        .increment(1);
}

/// An event type as a label: Slack's names are lower-case `snake_case`
/// words; anything else (which Slack never sends) is `other`, so that no
/// text of any shape becomes a series.
#[cfg_attr(not(all(feature = "metrics", feature = "events")), allow(dead_code))]
pub(crate) fn event_type_label(kind: &str) -> String {
    let slack_like = !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        && kind.as_bytes()[0].is_ascii_lowercase();
    if slack_like {
        kind.to_owned()
    } else {
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::event_type_label;

    #[test]
    fn only_slack_shaped_event_types_become_labels() {
        assert_eq!(event_type_label("link_shared"), "link_shared");
        assert_eq!(event_type_label("app_home_opened"), "app_home_opened");
        for odd in [
            "",
            "Link_Shared",
            "xoxb-1-secret",
            "a b",
            "_leading",
            "é",
            &"a".repeat(65),
        ] {
            assert_eq!(event_type_label(odd), "other", "{odd:?}");
        }
    }
}

//! Tests that need a real part from outside this repository: an official
//! SDK, a server, a browser. Each is declared with [`part::needs`]: it runs
//! when its part is there, shows up as **ignored with the reason** when it
//! is not, and **fails** when `CI` is set and the part is missing.
//!
//! ```sh
//! cargo test --all-features --locked --test real_parts
//! ```
//!
//! To add one: a `Part` (what it is, the variable that names it, how to get
//! it), a module with the test, and one line in `main` below.

#[cfg(feature = "events")]
mod app_process;
#[cfg(feature = "events")]
mod bolt_js;
mod browser_page;
#[cfg(feature = "events")]
mod events_peers;
#[path = "../support/fake/mod.rs"]
mod fake_support;
#[cfg(all(unix, feature = "events"))]
mod graceful_stop;
#[cfg(all(unix, feature = "install", feature = "sqlite"))]
mod install_browser;
#[cfg(feature = "events")]
mod link_unfurl;
mod node_sdk;
mod part;
#[cfg(all(feature = "postgres", feature = "redis"))]
mod postgres_server;
#[cfg(all(feature = "postgres", feature = "redis"))]
mod postgres_store;
mod python_sdk;
#[cfg(feature = "redis")]
mod real_speed;
#[cfg(feature = "redis")]
mod redis_fallback;
#[cfg(feature = "redis")]
mod redis_pacing;
#[cfg(feature = "redis")]
mod redis_server;
#[cfg(all(unix, feature = "postgres", feature = "redis"))]
mod rotation_processes;
#[cfg(all(feature = "events", feature = "redis"))]
mod stream_handoff;
#[cfg(all(unix, feature = "events", feature = "redis"))]
mod stream_processes;
#[path = "../support/mod.rs"]
mod support;

use libtest_mimic::{Arguments, Trial};

fn main() {
    #[cfg(all(unix, feature = "events"))]
    if graceful_stop::run_instance_if_asked() {
        return;
    }
    #[cfg(feature = "redis")]
    if redis_pacing::run_instance_if_asked() || real_speed::run_instance_if_asked() {
        return;
    }
    #[cfg(all(unix, feature = "postgres", feature = "redis"))]
    if rotation_processes::run_instance_if_asked() {
        return;
    }
    #[cfg(all(unix, feature = "events", feature = "redis"))]
    if stream_processes::run_instance_if_asked() {
        return;
    }
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = part::trials();
    #[cfg(all(unix, feature = "events"))]
    trials.push(Trial::test(
        "graceful_stop::sigterm_mid_burst_loses_no_acknowledged_event",
        graceful_stop::sigterm_mid_burst_loses_no_acknowledged_event,
    ));
    trials.extend(python_sdk::on_each_pinned_python(&[
        (
            "python_sdk::calls_lifecycle_against_the_binary",
            python_sdk::calls_lifecycle_against_the_binary,
        ),
        (
            "python_sdk::bolt_app_against_the_binary",
            python_sdk::bolt_app_against_the_binary,
        ),
        (
            "python_sdk::bolt_oauth_installs_against_the_binary",
            python_sdk::bolt_oauth_installs_against_the_binary,
        ),
        #[cfg(feature = "events")]
        (
            "events_peers::slack_sdk_signatures_and_ours_agree",
            events_peers::slack_sdk_signatures_and_ours_agree,
        ),
        #[cfg(feature = "events")]
        (
            "events_peers::bolt_app_unfurls_the_fakes_link_shared",
            events_peers::bolt_app_unfurls_the_fakes_link_shared,
        ),
    ]));
    trials.push(part::needs(
        "node_sdk::calls_lifecycle_against_the_binary",
        &node_sdk::NODE,
        node_sdk::calls_lifecycle_against_the_binary,
    ));
    #[cfg(feature = "events")]
    trials.extend([
        part::needs(
            "bolt_js::unfurls_the_fakes_link_shared_as_a_call",
            &node_sdk::NODE,
            bolt_js::unfurls_the_fakes_link_shared_as_a_call,
        ),
        part::needs(
            "bolt_js::refuses_a_wrong_signing_secret_and_no_listener_runs",
            &node_sdk::NODE,
            bolt_js::refuses_a_wrong_signing_secret_and_no_listener_runs,
        ),
    ]);
    trials.push(part::needs(
        "browser_page::live_page_in_a_real_browser",
        &browser_page::CHROMIUM,
        browser_page::live_page_in_a_real_browser,
    ));
    #[cfg(all(unix, feature = "install", feature = "sqlite"))]
    trials.push(part::needs(
        "install_browser::install_through_the_consent_page_in_a_real_browser",
        &browser_page::CHROMIUM,
        install_browser::install_through_the_consent_page_in_a_real_browser,
    ));
    #[cfg(feature = "redis")]
    {
        trials.push(part::needs(
            "redis_pacing::four_processes_sharing_redis_meet_no_429",
            &redis_pacing::REDIS,
            redis_pacing::four_processes_sharing_redis_meet_no_429,
        ));
        trials.push(part::needs(
            "real_speed::one_and_four_processes_at_real_speed_meet_no_429",
            &redis_pacing::REDIS,
            real_speed::one_and_four_processes_at_real_speed_meet_no_429,
        ));
        trials.push(libtest_mimic::Trial::test(
            "redis_pacing::the_same_burst_paced_locally_meets_429s",
            redis_pacing::the_same_burst_paced_locally_meets_429s,
        ));
        trials.push(part::needs(
            "redis_pacing::redis_killed_mid_run_then_back",
            &redis_pacing::REDIS,
            redis_pacing::redis_killed_mid_run_then_back,
        ));
        trials.push(part::needs(
            "redis_fallback::redis_stopped_then_resumed_is_found_by_the_probe",
            &redis_pacing::REDIS,
            redis_fallback::redis_stopped_then_resumed_is_found_by_the_probe,
        ));
        trials.push(part::needs(
            "redis_fallback::a_429_pause_is_written_before_the_call_returns",
            &redis_pacing::REDIS,
            redis_fallback::a_429_pause_is_written_before_the_call_returns,
        ));
        #[cfg(feature = "events")]
        trials.push(part::needs(
            "redis_pacing::dedup_claims_each_key_once_across_instances",
            &redis_pacing::REDIS,
            redis_pacing::dedup_claims_each_key_once_across_instances,
        ));
        #[cfg(feature = "events")]
        trials.extend([
            part::needs(
                "stream_handoff::queues_without_secrets_and_runs_each_event_once",
                &redis_pacing::REDIS,
                stream_handoff::queues_without_secrets_and_runs_each_event_once,
            ),
            part::needs(
                "stream_handoff::redis_away_is_503_then_the_retry_is_run",
                &redis_pacing::REDIS,
                stream_handoff::redis_away_is_503_then_the_retry_is_run,
            ),
            part::needs(
                "stream_handoff::a_dead_workers_entries_are_taken_over",
                &redis_pacing::REDIS,
                stream_handoff::a_dead_workers_entries_are_taken_over,
            ),
            part::needs(
                "stream_handoff::consumers_long_gone_are_forgotten_unless_they_hold_entries",
                &redis_pacing::REDIS,
                stream_handoff::consumers_long_gone_are_forgotten_unless_they_hold_entries,
            ),
        ]);
        #[cfg(all(feature = "events", feature = "metrics"))]
        trials.push(part::needs(
            "stream_handoff::the_stream_is_counted",
            &redis_pacing::REDIS,
            stream_handoff::the_stream_is_counted,
        ));
        #[cfg(all(unix, feature = "events"))]
        trials.extend([
            part::needs(
                "stream_processes::a_process_killed_mid_run_loses_nothing",
                &redis_pacing::REDIS,
                stream_processes::a_process_killed_mid_run_loses_nothing,
            ),
            part::needs(
                "stream_processes::redis_killed_mid_run_and_restarted_loses_nothing",
                &redis_pacing::REDIS,
                stream_processes::redis_killed_mid_run_and_restarted_loses_nothing,
            ),
        ]);
    }
    #[cfg(all(feature = "postgres", feature = "redis"))]
    trials.push(part::needs(
        "postgres_store::installations_survive_sealed_and_a_down_database_is_a_typed_error",
        &postgres_store::POSTGRES,
        postgres_store::installations_survive_sealed_and_a_down_database_is_a_typed_error,
    ));
    #[cfg(all(unix, feature = "postgres", feature = "redis"))]
    trials.extend([
        part::needs(
            "rotation_processes::four_processes_refresh_once_per_expiry",
            &postgres_store::POSTGRES,
            rotation_processes::four_processes_refresh_once_per_expiry,
        ),
        part::needs(
            "rotation_processes::a_lost_refresh_answer_loses_nothing",
            &postgres_store::POSTGRES,
            rotation_processes::a_lost_refresh_answer_loses_nothing,
        ),
        part::needs(
            "rotation_processes::processes_killed_mid_refresh_lose_nothing",
            &postgres_store::POSTGRES,
            rotation_processes::processes_killed_mid_refresh_lose_nothing,
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

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
mod events_peers;
#[path = "../mock_support/mod.rs"]
mod mock_support;
mod part;
mod python_sdk;

use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = part::trials();
    trials.push(part::needs(
        "python_sdk::calls_lifecycle_against_the_binary",
        &python_sdk::PYTHON,
        python_sdk::calls_lifecycle_against_the_binary,
    ));
    #[cfg(feature = "events")]
    trials.extend([
        part::needs(
            "events_peers::slack_sdk_signatures_and_ours_agree",
            &python_sdk::PYTHON,
            events_peers::slack_sdk_signatures_and_ours_agree,
        ),
        part::needs(
            "events_peers::bolt_app_unfurls_the_fakes_link_shared",
            &python_sdk::PYTHON,
            events_peers::bolt_app_unfurls_the_fakes_link_shared,
        ),
    ]);
    libtest_mimic::run(&args, trials).exit();
}

//! Generates this crate's methods from `spec/*.yaml` into `OUT_DIR`.
//!
//! The core spec (shared types such as `UserId`, Slack's common errors) is
//! found through `DEP_SLACK_CALLS_SPEC_DIR`, which the `slack-calls` build
//! script announces.

fn main() {
    if slack_calls_codegen::Builder::new()
        .spec_dir("spec")
        .extension("DownstreamExt", "slack_calls_downstream_example")
        .run()
        .is_err()
    {
        std::process::exit(1);
    }
}

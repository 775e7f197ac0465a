//! `generated/` must be exactly what `build.rs` emits, so reviewers and
//! grep see the real code.

const REFRESH: &str = "cargo run -p slack-calls-codegen -- generate";

#[test]
fn generated_copy_matches_the_build_output() {
    let built = include_str!(concat!(env!("OUT_DIR"), "/slack_calls_generated.rs"));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/generated/slack_calls_generated.rs"
    );
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == built,
        "generated/slack_calls_generated.rs is stale; refresh it with `{REFRESH}` and commit it"
    );
}

#[test]
fn generation_is_deterministic_and_matches_the_spec() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/spec");
    let files = slack_calls_codegen::load_dir(std::path::Path::new(dir), "spec").unwrap();
    let options = slack_calls_codegen::Options::default();
    let first = slack_calls_codegen::generate(&files, &options).unwrap();
    let second = slack_calls_codegen::generate(&files, &options).unwrap();
    assert_eq!(first.code, second.code);
    let built = include_str!(concat!(env!("OUT_DIR"), "/slack_calls_generated.rs"));
    assert!(
        first.code == built,
        "the build output is not what the spec generates now; rebuild"
    );
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
}

//! `generated/` must be exactly what `build.rs` emits into
//! `OUT_DIR/slack_calls/`, file for file, so reviewers and grep see the
//! real code.

use std::path::Path;

const REFRESH: &str = slack_calls_codegen::REFRESH_COMMAND;

/// The `.rs` files of `dir`, by name, with their text.
fn rust_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|e| e == "rs"))
                .map(|path| {
                    let name = path.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read_to_string(&path).unwrap_or_default())
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn built() -> Vec<(String, String)> {
    rust_files(&Path::new(env!("OUT_DIR")).join(slack_calls_codegen::DEFAULT_DIR_NAME))
}

#[test]
fn generated_copy_matches_the_build_output() {
    let checked_in = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("generated"));
    let built = built();
    assert!(!built.is_empty(), "build.rs wrote nothing");
    let names = |files: &[(String, String)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert!(
        names(&checked_in) == names(&built),
        "generated/ holds {:?}, the build wrote {:?}; refresh it with `{REFRESH}` and commit it",
        names(&checked_in),
        names(&built)
    );
    for ((name, checked_in), (_, built)) in checked_in.iter().zip(&built) {
        assert!(
            checked_in == built,
            "generated/{name} is stale; refresh it with `{REFRESH}` and commit it"
        );
    }
}

#[test]
fn generation_is_deterministic_and_matches_the_spec() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/spec");
    let files = slack_calls_codegen::load_dir(Path::new(dir), "spec").unwrap();
    let options = slack_calls_codegen::Options::default();
    let first = slack_calls_codegen::generate(&files, &options).unwrap();
    let second = slack_calls_codegen::generate(&files, &options).unwrap();
    assert_eq!(first.files, second.files);
    let mut generated: Vec<(String, String)> = first
        .files
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    generated.sort();
    assert!(
        generated == built(),
        "the build output is not what the spec generates now; rebuild"
    );
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
}

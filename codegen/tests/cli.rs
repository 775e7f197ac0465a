//! The `slack-calls-codegen` command: exit codes and what it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slack_calls_codegen::{Options, check, generate, load_dir};

fn codegen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slack-calls-codegen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the command runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn real_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn spec_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("spec")).expect("spec dir");
    for (name, body) in files {
        std::fs::write(dir.path().join("spec").join(name), body).expect("write spec");
    }
    dir
}

#[test]
fn check_on_a_good_spec_exits_0_with_a_one_line_summary() {
    let out = codegen(&["check", &real_spec().to_string_lossy()], Path::new("."));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = load_dir(&real_spec(), "spec").expect("spec");
    let (api, diagnostics) = check(&files, &Options::default());
    let api = api.expect("the real spec is valid");
    assert!(diagnostics.is_empty());
    assert_eq!(
        text(&out.stdout),
        format!(
            "ok: {} method(s), {} type(s), {} common error(s) in {} file(s)\n",
            api.methods.len(),
            api.types.len(),
            api.common_errors.len(),
            files.len()
        )
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn check_on_a_bad_spec_exits_1_and_shows_each_problem_with_a_caret() {
    let dir = spec_dir(&[(
        "calls.yaml",
        "methods:\n  calls.ping:\n    summary: Pings.\n    rate_tier: 3\n    scopes: { bot: [calls:read] }\n    params:\n      id: { type: strng, requird: true }\n",
    )]);
    let out = codegen(&["check"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "\
spec/calls.yaml:7:19: error: unknown type `strng`
  |
7 |       id: { type: strng, requird: true }
  |                   ^^^^^
  = help: did you mean `string`?

spec/calls.yaml:7:26: error: unknown key `requird` in param `id` of `calls.ping`
  |
7 |       id: { type: strng, requird: true }
  |                          ^^^^^^^
  = help: did you mean `required`?

error: the spec has 2 error(s); nothing was generated
"
    );
}

#[test]
fn check_with_only_warnings_exits_0_and_counts_them() {
    let dir = spec_dir(&[(
        "calls.yaml",
        "errors:\n  not_authed: No token.\nmethods:\n  calls.ping:\n    summary: Pings.\n    rate_tier: 3\n    scopes: { bot: [calls:read] }\n    errors:\n      not_authed: No token.\n",
    )]);
    let out = codegen(&["check", "spec"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "ok: 1 method(s), 0 type(s), 1 common error(s) in 1 file(s), 1 warning(s)\n"
    );
    assert!(
        text(&out.stderr)
            .starts_with("spec/calls.yaml:9:7: warning: `not_authed` is a common error")
    );
}

#[test]
fn a_missing_directory_and_bad_usage_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = codegen(&["check", "no-such-dir"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("error: cannot read spec directory `no-such-dir`"));
    let out = codegen(&["frobnicate"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("usage:"));
    let out = codegen(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("check [SPEC_DIR]"));
}

#[test]
fn generate_writes_what_the_library_generates_and_nothing_on_errors() {
    let dir = spec_dir(&[(
        "calls.yaml",
        "methods:\n  calls.ping:\n    summary: Pings.\n    rate_tier: 3\n    scopes: { bot: [calls:read] }\n",
    )]);
    let out = codegen(&["generate", "spec", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = load_dir(&dir.path().join("spec"), "spec").expect("spec");
    let expected = generate(&files, &Options::default()).expect("generates");
    for file in &expected.files {
        let written = std::fs::read_to_string(dir.path().join("out").join(&file.name))
            .expect("the file is written");
        assert_eq!(written, file.text, "{}", file.name);
    }

    std::fs::write(
        dir.path().join("spec/calls.yaml"),
        "methods:\n  calls.ping: {}\n",
    )
    .expect("break the spec");
    let out = codegen(&["generate", "spec", "broken"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error: the spec has errors; nothing was written"));
    assert!(!dir.path().join("broken").exists());
}

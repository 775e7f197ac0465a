//! Snapshot tests of the diagnostics: every bad spec under
//! `tests/fixtures/bad/<class>/` (a `.yaml` file, or a directory of them for
//! problems across files) must give exactly the text in the `.expected`
//! file next to it: the `cargo::` lines `build.rs` prints, then what
//! `slack-calls-codegen check` shows.
//!
//! After an intended change of wording, refresh the snapshots with
//! `UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test diagnostics`
//! and review the diff.

use std::path::{Path, PathBuf};

use slack_calls_codegen::{Diagnostic, Options, SourceFile, generate};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    entries
}

/// Every case: `(class, case path)`.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for class in sorted_entries(&fixtures()) {
        let class_name = class
            .file_name()
            .expect("class name")
            .to_string_lossy()
            .into_owned();
        for entry in sorted_entries(&class) {
            let is_yaml = entry.extension().is_some_and(|e| e == "yaml");
            if entry.is_dir() || is_yaml {
                cases.push((class_name.clone(), entry));
            }
        }
    }
    cases
}

/// The spec files of a case, named as they would be in a crate (`spec/x.yaml`).
fn load(case: &Path) -> Vec<SourceFile> {
    let paths = if case.is_dir() {
        sorted_entries(case)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect()
    } else {
        vec![case.to_path_buf()]
    };
    paths
        .iter()
        .map(|path| {
            let name = path.file_name().expect("file name").to_string_lossy();
            SourceFile::new(
                format!("spec/{name}"),
                std::fs::read(path).expect("read fixture"),
            )
        })
        .collect()
}

/// What a run over `files` reports, as build.rs and the CLI show it.
fn report(files: &[SourceFile]) -> (String, Vec<Diagnostic>) {
    let (summary, diagnostics) = match generate(files, &Options::default()) {
        Ok(output) => (
            format!(
                "# generates {} method(s) and {} type(s), with {} warning(s)",
                output.method_count,
                output.type_count,
                output.warnings.len()
            ),
            output.warnings,
        ),
        Err(diagnostics) => (
            format!(
                "# fails with {} error(s)",
                diagnostics.iter().filter(|d| d.is_error()).count()
            ),
            diagnostics,
        ),
    };
    let mut text = format!("{summary}\n\n# build.rs\n");
    for diagnostic in &diagnostics {
        let directive = if diagnostic.is_error() {
            "error"
        } else {
            "warning"
        };
        text.push_str(&format!("cargo::{directive}={}\n", diagnostic.one_line()));
    }
    text.push_str("\n# slack-calls-codegen check\n");
    for diagnostic in &diagnostics {
        let source = files
            .iter()
            .find(|f| f.name == diagnostic.file)
            .map(|f| String::from_utf8_lossy(&f.bytes));
        text.push_str(&diagnostic.render(source.as_deref()));
        text.push('\n');
    }
    (text, diagnostics)
}

fn expected_path(case: &Path) -> PathBuf {
    case.with_extension("expected")
}

#[test]
fn every_bad_spec_gives_its_snapshot() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    let cases = cases();
    let classes: std::collections::BTreeSet<&str> = cases.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        [
            "consistency",
            "events",
            "keys",
            "limits",
            "names",
            "types",
            "unions",
            "values",
            "yaml"
        ],
        "every class of problem has fixtures"
    );
    for (class, case) in &cases {
        let files = load(case);
        let (actual, diagnostics) = report(&files);
        let label = format!(
            "{class}/{}",
            case.file_name().expect("name").to_string_lossy()
        );
        if diagnostics.is_empty() {
            failures.push(format!("{label}: no diagnostic at all"));
            continue;
        }
        for d in &diagnostics {
            let lines = files
                .iter()
                .find(|f| f.name == d.file)
                .map(|f| String::from_utf8_lossy(&f.bytes).lines().count());
            match lines {
                Some(lines) if (d.span.line as usize) <= lines.max(1) => {}
                _ => failures.push(format!("{label}: {} points outside its file", d.headline())),
            }
        }
        let path = expected_path(case);
        if update {
            std::fs::write(&path, &actual).expect("write snapshot");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{label}: the diagnostics changed\n--- expected ({})\n{expected}\n--- actual\n{actual}",
                path.display()
            )),
            Err(_) => failures.push(format!(
                "{label}: no snapshot at {}\n--- actual\n{actual}",
                path.display()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the new text is intended: UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test diagnostics",
        failures.join("\n\n")
    );
}

#[test]
fn no_snapshot_is_left_without_its_spec() {
    let cases: Vec<PathBuf> = cases()
        .into_iter()
        .map(|(_, c)| expected_path(&c))
        .collect();
    for class in sorted_entries(&fixtures()) {
        for entry in sorted_entries(&class) {
            if entry.extension().is_some_and(|e| e == "expected") {
                assert!(cases.contains(&entry), "{} has no spec", entry.display());
            }
        }
    }
}

/// One spec with five different problems, in two files: all five are
/// reported in one run, in file order, and nothing is generated.
#[test]
fn five_problems_are_reported_together_in_file_order() {
    let common = SourceFile::new(
        "spec/common.yaml",
        "types:\n  CallId:\n    kind: id\n  CallId:\n    kind: id\n",
    );
    let calls = SourceFile::new(
        "spec/calls.yaml",
        "methods:\n  calls.end:\n    summary: Ends a Call.\n    rate_tier: 7\n    scopes: { bot: [calls:write] }\n    params:\n      id: { type: CallID, requird: true }\n      duration: { type: integer, example: soon }\n",
    );
    let diagnostics =
        generate(&[common, calls], &Options::default()).expect_err("a bad spec generates nothing");
    let headlines: Vec<String> = diagnostics.iter().map(Diagnostic::headline).collect();
    // Files in the order given; problems in each file by line and column.
    assert_eq!(
        headlines,
        [
            "spec/common.yaml:4:3: error: `CallId` is given twice in `types`",
            "spec/calls.yaml:4:16: error: `rate_tier` is `7`; it must be 1, 2, 3, 4 or special",
            "spec/calls.yaml:7:19: error: unknown type `CallID`",
            "spec/calls.yaml:7:27: error: unknown key `requird` in param `id` of `calls.end`",
            "spec/calls.yaml:8:43: error: example `soon` does not fit type `integer`",
        ]
    );
    let hints: Vec<Option<&str>> = diagnostics.iter().map(|d| d.hint.as_deref()).collect();
    assert_eq!(hints[2], Some("did you mean `CallId`?"));
    assert_eq!(hints[3], Some("did you mean `required`?"));
}

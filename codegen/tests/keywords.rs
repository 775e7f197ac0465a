//! Rust keywords as spec names (`type`, `match`, `self`, `async`, ...) are
//! not errors: they generate valid code. The code generated from
//! `tests/fixtures/keywords/spec/` is checked in next to it (`generated/`) and compiled
//! (and sent over HTTP) by the root crate's `tests/keyword_names.rs`; this
//! test keeps that copy identical to what the generator makes now.
//!
//! Refresh it with
//! `UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test keywords`.

use std::path::{Path, PathBuf};

use slack_calls_codegen::{GeneratedFile, Mode, Options, generate, load_dir, write_files};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keywords")
}

fn generated() -> slack_calls_codegen::Output {
    let files = load_dir(&fixture().join("spec"), "spec").expect("keyword spec");
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let options = Options {
        mode: Mode::Extension {
            trait_name: "KeywordsExt".to_owned(),
            crate_name: "keyword_names".to_owned(),
        },
        extern_files: load_dir(&core, "spec").expect("core spec"),
    };
    match generate(&files, &options) {
        Ok(output) => {
            assert!(output.warnings.is_empty(), "{:?}", output.warnings);
            output
        }
        Err(diagnostics) => panic!(
            "keywords are valid names, yet:\n{}",
            diagnostics
                .iter()
                .map(|d| d.one_line())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn keyword_names_generate_and_the_compiled_copy_is_current() {
    let output = generated();
    let code: String = output.files.iter().map(|f| f.text.as_str()).collect();
    for ident in [
        "r#type", "r#match", "self_", "r#async", "r#fn", "r#move", "r#where", "r#in", "r#loop",
    ] {
        assert!(code.contains(ident), "`{ident}` is in the generated code");
    }
    let dir = fixture().join("generated");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        write_files(&dir, &output).expect("write the generated copy");
        return;
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut expected: Vec<String> = output.files.iter().map(|f| f.name.clone()).collect();
    expected.sort();
    let refresh =
        "refresh it with UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test keywords";
    assert!(
        names == expected,
        "{} holds {names:?}, not {expected:?}; {refresh}",
        dir.display()
    );
    for GeneratedFile { name, text } in &output.files {
        let checked_in = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert!(
            &checked_in == text,
            "{}/{name} is stale; {refresh}",
            dir.display()
        );
    }
}

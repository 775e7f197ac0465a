//! Rust keywords as spec names (`type`, `match`, `self`, `async`, ...) are
//! not errors: they generate valid code. The code generated from
//! `tests/fixtures/keywords/spec/` is checked in next to it and compiled
//! (and sent over HTTP) by the root crate's `tests/keyword_names.rs`; this
//! test keeps that copy identical to what the generator makes now.
//!
//! Refresh it with
//! `UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test keywords`.

use std::path::{Path, PathBuf};

use slack_calls_codegen::{Mode, Options, generate, load_dir};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keywords")
}

fn generated() -> String {
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
            output.code
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
    let code = generated();
    for ident in [
        "r#type", "r#match", "self_", "r#async", "r#fn", "r#move", "r#where", "r#in", "r#loop",
    ] {
        assert!(code.contains(ident), "`{ident}` is in the generated code");
    }
    let path = fixture().join("keywords_generated.rs");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &code).expect("write the generated copy");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == code,
        "{} is stale; refresh it with UPDATE_SNAPSHOTS=1 cargo test -p slack-calls-codegen --test keywords",
        path.display()
    );
}

//! Feeds arbitrary bytes, as a spec file next to the real
//! `spec/common.yaml`, to the generator's entry point: it must return code
//! or diagnostics, never panic, and never report an internal error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use slack_calls_codegen::{Options, SourceFile, generate};

const COMMON: &[u8] = include_bytes!("../../../spec/common.yaml");

fuzz_target!(|data: &[u8]| {
    let files = [
        SourceFile::new("spec/calls.yaml", data),
        SourceFile::new("spec/common.yaml", COMMON),
    ];
    match generate(&files, &Options::default()) {
        Ok(output) => assert!(output.files.iter().all(|f| f.text.starts_with("// @generated"))),
        Err(diagnostics) => {
            assert!(diagnostics.iter().any(|d| d.is_error()));
            for d in &diagnostics {
                let text = d.one_line();
                assert!(
                    !text.contains("internal error") && !text.contains("parser failed"),
                    "{text}"
                );
                assert!(!text.contains('\n'), "{text}");
            }
        }
    }
});

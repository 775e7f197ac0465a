//! The `slack-calls-codegen` command.
//!
//! ```text
//! slack-calls-codegen check [SPEC_DIR]              validate a spec directory (default: spec)
//! slack-calls-codegen generate [SPEC_DIR] [OUT_DIR] refresh the checked-in copy (default: spec, generated)
//! ```
//!
//! The checked-in copy is refreshed with
//! ```text
//! cargo run -q --locked -p slack-calls-codegen -- generate
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use slack_calls_codegen::{
    Diagnostic, Options, SourceFile, check, generate, load_dir, write_files,
};

const USAGE: &str = "\
usage:
  slack-calls-codegen check [SPEC_DIR]
      Validates every *.yaml in SPEC_DIR (default: spec). Prints each problem
      with its file, line and column; exits 1 if there is an error.
  slack-calls-codegen generate [SPEC_DIR] [OUT_DIR]
      Generates the client from SPEC_DIR (default: spec) into OUT_DIR
      (default: generated): mod.rs, the index, and the files it includes,
      one per top-level namespace plus the shared ones; the checked-in copy
      of what build.rs emits. Writes only the files that changed, and
      removes the .rs files it wrote before that are no longer generated.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("check") if args.len() <= 2 => {
            run_check(Path::new(args.get(1).map_or("spec", String::as_str)))
        }
        Some("generate") if args.len() <= 3 => run_generate(
            Path::new(args.get(1).map_or("spec", String::as_str)),
            &PathBuf::from(args.get(2).map_or("generated", String::as_str)),
        ),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn load(dir: &Path) -> Result<Vec<SourceFile>, ExitCode> {
    let display = dir
        .to_string_lossy()
        .trim_end_matches('/')
        .replace('\\', "/");
    load_dir(dir, &display).map_err(|err| {
        eprintln!("error: cannot read spec directory `{display}`: {err}");
        ExitCode::FAILURE
    })
}

fn print_diagnostics(files: &[SourceFile], diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        // A file that is not UTF-8 is shown with replacement characters,
        // so the line with the bad byte can still be seen.
        let source = files
            .iter()
            .find(|f| f.name == diagnostic.file)
            .map(|f| String::from_utf8_lossy(&f.bytes));
        eprintln!("{}", diagnostic.render(source.as_deref()));
    }
}

fn run_check(dir: &Path) -> ExitCode {
    let files = match load(dir) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let (api, diagnostics) = check(&files, &Options::default());
    print_diagnostics(&files, &diagnostics);
    match api {
        Some(api) => {
            let warnings = diagnostics.len();
            println!(
                "ok: {} method(s), {} type(s), {} common error(s) in {} file(s){}",
                api.methods.len(),
                api.types.len(),
                api.common_errors.len(),
                files.len(),
                if warnings > 0 {
                    format!(", {warnings} warning(s)")
                } else {
                    String::new()
                }
            );
            ExitCode::SUCCESS
        }
        None => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            eprintln!("error: the spec has {errors} error(s); nothing was generated");
            ExitCode::FAILURE
        }
    }
}

fn run_generate(dir: &Path, out: &Path) -> ExitCode {
    let files = match load(dir) {
        Ok(files) => files,
        Err(code) => return code,
    };
    match generate(&files, &Options::default()) {
        Ok(output) => {
            print_diagnostics(&files, &output.warnings);
            match write_files(out, &output) {
                Ok(written) => {
                    let changed = written.iter().filter(|(_, changed)| *changed).count();
                    println!(
                        "{} {} file(s) in {}, {changed} changed ({} methods, {} types)",
                        if changed > 0 { "wrote" } else { "unchanged:" },
                        written.len(),
                        out.display(),
                        output.method_count,
                        output.type_count
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: cannot write into `{}`: {err}", out.display());
                    ExitCode::FAILURE
                }
            }
        }
        Err(diagnostics) => {
            print_diagnostics(&files, &diagnostics);
            eprintln!("error: the spec has errors; nothing was written");
            ExitCode::FAILURE
        }
    }
}

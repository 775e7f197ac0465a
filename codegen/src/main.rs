//! The `slack-calls-codegen` command.
//!
//! ```text
//! slack-calls-codegen check [SPEC_DIR]              validate a spec directory (default: spec)
//! slack-calls-codegen generate [SPEC_DIR] [OUT_DIR] refresh the checked-in copy (default: spec, generated)
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use slack_calls_codegen::{
    DEFAULT_FILE_NAME, Diagnostic, Options, SourceFile, check, generate, load_dir, write_if_changed,
};

const USAGE: &str = "\
usage:
  slack-calls-codegen check [SPEC_DIR]
      Validates every *.yaml in SPEC_DIR (default: spec). Prints each problem
      with its file, line and column; exits 1 if there is an error.
  slack-calls-codegen generate [SPEC_DIR] [OUT_DIR]
      Generates the client from SPEC_DIR (default: spec) into
      OUT_DIR/slack_calls_generated.rs (default OUT_DIR: generated), the
      checked-in copy of what build.rs emits.";

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
        let source = files
            .iter()
            .find(|f| f.name == diagnostic.file)
            .and_then(|f| std::str::from_utf8(&f.bytes).ok());
        eprintln!("{}", diagnostic.render(source));
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
            if let Err(err) = std::fs::create_dir_all(out) {
                eprintln!("error: cannot create `{}`: {err}", out.display());
                return ExitCode::FAILURE;
            }
            let path = out.join(DEFAULT_FILE_NAME);
            match write_if_changed(&path, &output.code) {
                Ok(changed) => {
                    println!(
                        "{} {} ({} methods, {} types)",
                        if changed { "wrote" } else { "unchanged:" },
                        path.display(),
                        output.method_count,
                        output.type_count
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: cannot write `{}`: {err}", path.display());
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

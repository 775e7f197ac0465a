//! `slack-calls-codegen`: turns a YAML spec of Slack Web API methods into a
//! typed Rust client that runs on the `slack-calls` runtime.
//!
//! The pipeline is `spec/*.yaml` → parse (every value keeps its line and
//! column) → read and validate (all problems collected) → IR → tokens
//! (`quote`) → `syn::File` → `prettyplease` → text. [`generate`] is pure and
//! deterministic: the same files give the same text, byte for byte.
//!
//! Most users call it from `build.rs` through [`Builder`]:
//!
//! ```no_run
//! // build.rs of a crate that adds methods to slack_calls::Client
//! let result = slack_calls_codegen::Builder::new()
//!     .spec_dir("spec")
//!     .extension("SlackExt", "my_crate")
//!     .run();
//! if result.is_err() {
//!     std::process::exit(1);
//! }
//! ```
//!
//! and include the output with
//! `include!(concat!(env!("OUT_DIR"), "/slack_calls_generated.rs"));`.

#![warn(missing_docs)]

pub mod diag;
mod emit;
pub mod ir;
mod names;
mod spec;
mod type_expr;
mod validate;
mod yaml;

use std::io;
use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Diagnostics, Severity, Span};
pub use emit::Mode;
pub use yaml::MAX_FILE_BYTES;

/// The name of the file [`Builder`] writes into `OUT_DIR`.
pub const DEFAULT_FILE_NAME: &str = "slack_calls_generated.rs";

/// One spec file: the name diagnostics use for it, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics, such as `spec/calls.yaml`.
    pub name: String,
    /// The file's bytes (need not be UTF-8: that is diagnosed).
    pub bytes: Vec<u8>,
}

impl SourceFile {
    /// A source file from a name and text.
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> SourceFile {
        SourceFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }
}

/// Reads every `*.yaml` and `*.yml` file of `dir` (not subdirectories), in
/// file-name order. Each is named `display_prefix/<file name>` in
/// diagnostics.
pub fn load_dir(dir: &Path, display_prefix: &str) -> io::Result<Vec<SourceFile>> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let prefix = display_prefix.trim_end_matches('/');
    paths
        .into_iter()
        .map(|path| {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = if prefix.is_empty() {
                file_name
            } else {
                format!("{prefix}/{file_name}")
            };
            Ok(SourceFile::new(name, std::fs::read(&path)?))
        })
        .collect()
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Core (the `slack-calls` crate) or extension (a downstream crate).
    pub mode: Mode,
    /// Spec files whose types and common errors the spec may use but which
    /// are generated elsewhere (the core spec, for an extension).
    pub extern_files: Vec<SourceFile>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Mode::Core,
            extern_files: Vec::new(),
        }
    }
}

/// A successful generation.
#[derive(Debug, Clone)]
pub struct Output {
    /// The formatted Rust source.
    pub code: String,
    /// Warnings (the spec is usable, but something deserves a look).
    pub warnings: Vec<Diagnostic>,
    /// How many methods were generated.
    pub method_count: usize,
    /// How many named types were generated.
    pub type_count: usize,
}

/// Reads and checks spec files, reporting every problem; returns the
/// resolved model when there is no error, and all diagnostics either way
/// (in file order).
pub fn check(files: &[SourceFile], options: &Options) -> (Option<ir::Api>, Vec<Diagnostic>) {
    let mut diags = Diagnostics::new();
    let mut order: Vec<String> = options
        .extern_files
        .iter()
        .map(|f| f.name.clone())
        .collect();
    order.extend(files.iter().map(|f| f.name.clone()));
    let mut unparsed = false;
    let mut read = |set: &[SourceFile], diags: &mut Diagnostics| -> Vec<spec::SpecFile> {
        set.iter()
            .filter_map(|file| match yaml::parse(&file.name, &file.bytes) {
                Ok(root) => Some(spec::read_file(&file.name, &root, diags)),
                Err(diagnostic) => {
                    diags.push(diagnostic);
                    unparsed = true;
                    None
                }
            })
            .collect()
    };
    let extern_specs = read(&options.extern_files, &mut diags);
    let specs = read(files, &mut diags);
    if files.is_empty() {
        diags.push(
            Diagnostic::error("spec", Span::start(), "no spec files were given")
                .with_hint("put one `*.yaml` file per method family in the spec directory"),
        );
    }
    let api = validate::resolve(&specs, &extern_specs, unparsed, &mut diags);
    let sorted = diags.sorted(&order);
    if diags.has_errors() {
        (None, sorted)
    } else {
        (Some(api), sorted)
    }
}

/// Generates the client for `files`. On failure, every diagnostic (errors
/// and warnings) in file order.
pub fn generate(files: &[SourceFile], options: &Options) -> Result<Output, Vec<Diagnostic>> {
    let (api, diagnostics) = check(files, options);
    let Some(api) = api else {
        return Err(diagnostics);
    };
    let tokens = emit::emit(&api, &options.mode);
    let code = format_tokens(tokens).map_err(|message| {
        let mut all = diagnostics.clone();
        all.push(Diagnostic::error(
            files.first().map_or("spec", |f| f.name.as_str()),
            Span::start(),
            format!("internal error: the generated code does not parse ({message}); please report this with the spec"),
        ));
        all
    })?;
    Ok(Output {
        code,
        warnings: diagnostics,
        method_count: api.methods.len(),
        type_count: api.types.len(),
    })
}

/// The emit stage of [`generate`] alone (model to tokens, no formatting),
/// so benchmarks can time parse+validate, emit and formatting apart. Not a
/// stable API.
#[doc(hidden)]
pub fn __emit_tokens(api: &ir::Api, mode: &Mode) -> proc_macro2::TokenStream {
    emit::emit(api, mode)
}

/// Formats generated tokens, with the header every generated file carries.
fn format_tokens(tokens: proc_macro2::TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|err| err.to_string())?;
    let body = prettyplease::unparse(&file);
    Ok(format!(
        "// @generated by slack-calls-codegen from the YAML spec. Do not edit: edit the spec.\n\n{body}"
    ))
}

/// Runs the generator from a `build.rs`: reads the spec directory, prints
/// `cargo::rerun-if-changed` for it, writes the code into `OUT_DIR` (only
/// when it changed), and on a bad spec prints one `cargo::error=` line per
/// problem and writes nothing.
#[derive(Debug, Clone)]
pub struct Builder {
    spec_dir: PathBuf,
    extern_spec_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: String,
    mode: Mode,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

/// Why [`Builder::run`] failed; the details were printed for cargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildFailure {
    /// The spec has errors (each was printed as `cargo::error=`).
    Spec(Vec<Diagnostic>),
    /// Reading the spec or writing the output failed.
    Io(String),
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildFailure::Spec(diags) => write!(
                f,
                "the spec has {} error(s)",
                diags.iter().filter(|d| d.is_error()).count()
            ),
            BuildFailure::Io(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for BuildFailure {}

impl Builder {
    /// Spec in `spec/`, core mode, output `slack_calls_generated.rs` in `OUT_DIR`.
    pub fn new() -> Builder {
        Builder {
            spec_dir: PathBuf::from("spec"),
            extern_spec_dir: None,
            out_dir: None,
            file_name: DEFAULT_FILE_NAME.to_owned(),
            mode: Mode::Core,
        }
    }

    /// The directory of spec files, relative to the crate root (default `spec`).
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.spec_dir = dir.into();
        self
    }

    /// Generates for a downstream crate: the methods hang off `slack_calls::Client`
    /// through the extension trait `trait_name`; doc examples import it from
    /// `crate_name`. The core spec (shared types, common errors) is found
    /// through the `slack-calls` dependency unless [`Builder::extern_spec_dir`] says otherwise.
    pub fn extension(
        mut self,
        trait_name: impl Into<String>,
        crate_name: impl Into<String>,
    ) -> Builder {
        self.mode = Mode::Extension {
            trait_name: trait_name.into(),
            crate_name: crate_name.into(),
        };
        self
    }

    /// Where the core spec lives, for an extension (default: what the
    /// `slack-calls` build script announces as `DEP_SLACK_CALLS_SPEC_DIR`).
    pub fn extern_spec_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.extern_spec_dir = Some(dir.into());
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Builder {
        self.out_dir = Some(dir.into());
        self
    }

    /// The output file's name (default `slack_calls_generated.rs`).
    pub fn file_name(mut self, name: impl Into<String>) -> Builder {
        self.file_name = name.into();
        self
    }

    /// Runs it, printing cargo directives on standard output.
    pub fn run(self) -> Result<Output, BuildFailure> {
        self.run_with(&mut |directive| println!("{directive}"))
    }

    /// Runs it, handing each cargo directive (`cargo::error=...`) to `emit`.
    fn run_with(self, emit: &mut dyn FnMut(String)) -> Result<Output, BuildFailure> {
        let fail_io = |message: String, emit: &mut dyn FnMut(String)| {
            emit(format!("cargo::error={}", diag::escape_controls(&message)));
            BuildFailure::Io(message)
        };
        emit(format!(
            "cargo::rerun-if-changed={}",
            self.spec_dir.display()
        ));
        let display = self.spec_dir.to_string_lossy().replace('\\', "/");
        let files = load_dir(&self.spec_dir, &display).map_err(|err| {
            fail_io(
                format!("cannot read spec directory `{display}`: {err}"),
                emit,
            )
        })?;
        let mut options = Options {
            mode: self.mode.clone(),
            extern_files: Vec::new(),
        };
        if matches!(self.mode, Mode::Extension { .. }) {
            let dir = match self.extern_spec_dir.clone() {
                Some(dir) => dir,
                None => match std::env::var_os("DEP_SLACK_CALLS_SPEC_DIR") {
                    Some(dir) => PathBuf::from(dir),
                    None => {
                        return Err(fail_io(
                            "cannot find the slack-calls spec: depend on `slack-calls`, or call `extern_spec_dir`".to_owned(),
                            emit,
                        ));
                    }
                },
            };
            emit(format!("cargo::rerun-if-changed={}", dir.display()));
            options.extern_files = load_dir(&dir, &dir.to_string_lossy()).map_err(|err| {
                fail_io(
                    format!(
                        "cannot read the slack-calls spec at `{}`: {err}",
                        dir.display()
                    ),
                    emit,
                )
            })?;
        }
        match generate(&files, &options) {
            Ok(output) => {
                for warning in &output.warnings {
                    emit(format!("cargo::warning={}", warning.one_line()));
                }
                let out_dir = match self.out_dir.clone() {
                    Some(dir) => dir,
                    None => match std::env::var_os("OUT_DIR") {
                        Some(dir) => PathBuf::from(dir),
                        None => {
                            return Err(fail_io(
                                "OUT_DIR is not set; run from a build script or call `out_dir`"
                                    .to_owned(),
                                emit,
                            ));
                        }
                    },
                };
                let path = out_dir.join(&self.file_name);
                write_if_changed(&path, &output.code).map_err(|err| {
                    fail_io(format!("cannot write `{}`: {err}", path.display()), emit)
                })?;
                Ok(output)
            }
            Err(diagnostics) => {
                for diagnostic in &diagnostics {
                    let directive = if diagnostic.is_error() {
                        "error"
                    } else {
                        "warning"
                    };
                    emit(format!("cargo::{directive}={}", diagnostic.one_line()));
                }
                Err(BuildFailure::Spec(diagnostics))
            }
        }
    }
}

/// Writes `text` to `path` unless the file already holds exactly that, so
/// an unchanged spec does not force a rebuild.
pub fn write_if_changed(path: &Path, text: &str) -> io::Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(false);
    }
    std::fs::write(path, text)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write spec");
        }
        dir
    }

    fn run(spec: &Path, out: &Path) -> (Result<Output, BuildFailure>, Vec<String>) {
        let mut directives = Vec::new();
        let result = Builder::new()
            .spec_dir(spec)
            .out_dir(out)
            .run_with(&mut |d| directives.push(d));
        (result, directives)
    }

    const GOOD: &str = "methods:\n  calls.ping:\n    summary: Pings.\n    rate_tier: 3\n    scopes: { bot: [calls:read] }\n";

    #[test]
    fn a_bad_spec_prints_one_cargo_error_per_problem_and_writes_nothing() {
        let spec = spec_dir(&[(
            "calls.yaml",
            "methods:\n  calls.ping:\n    summry: Pings.\n    rate_tier: 7\n    scopes: { bot: [calls:read] }\n    params:\n      to: strin\n",
        )]);
        let out = tempfile::tempdir().expect("temp dir");
        let (result, directives) = run(spec.path(), out.path());
        let prefix = spec.path().to_string_lossy().replace('\\', "/");
        assert_eq!(
            directives[1..],
            [
                format!(
                    "cargo::error={prefix}/calls.yaml:3:5: error: unknown key `summry` in method `calls.ping`; help: did you mean `summary`?"
                ),
                format!(
                    "cargo::error={prefix}/calls.yaml:4:16: error: `rate_tier` is `7`; it must be 1, 2, 3, 4 or special"
                ),
                format!(
                    "cargo::error={prefix}/calls.yaml:7:11: error: unknown type `strin`; help: did you mean `string`?"
                ),
            ]
        );
        assert!(directives[0].starts_with("cargo::rerun-if-changed="));
        assert!(matches!(result, Err(BuildFailure::Spec(d)) if d.len() == 3));
        let written: Vec<_> = std::fs::read_dir(out.path()).expect("out dir").collect();
        assert!(written.is_empty(), "nothing is written for a bad spec");
    }

    #[test]
    fn a_good_spec_is_written_once_and_warnings_are_cargo_warnings() {
        let spec = spec_dir(&[
            ("calls.yaml", GOOD),
            ("common.yaml", "errors:\n  not_authed: No token.\n"),
            (
                "more.yaml",
                "methods:\n  calls.pong:\n    summary: Pongs.\n    rate_tier: 3\n    scopes: { bot: [calls:read] }\n    errors:\n      not_authed: No token.\n",
            ),
        ]);
        let out = tempfile::tempdir().expect("temp dir");
        let (result, directives) = run(spec.path(), out.path());
        let output = result.expect("generates");
        assert_eq!(output.method_count, 2);
        assert_eq!(directives.len(), 2, "{directives:?}");
        assert!(directives[1].starts_with("cargo::warning="));
        assert!(directives[1].contains("more.yaml:7:7: warning: `not_authed` is a common error"));
        let path = out.path().join(DEFAULT_FILE_NAME);
        let written = std::fs::read_to_string(&path).expect("written");
        assert_eq!(written, output.code);
        assert!(!write_if_changed(&path, &output.code).expect("compare"));
    }

    #[test]
    fn a_missing_spec_directory_is_a_cargo_error() {
        let out = tempfile::tempdir().expect("temp dir");
        let missing = out.path().join("no-such-spec");
        let (result, directives) = run(&missing, out.path());
        assert!(matches!(result, Err(BuildFailure::Io(_))));
        assert!(directives[1].starts_with("cargo::error=cannot read spec directory"));
    }

    #[test]
    fn cargo_directives_stay_on_one_line() {
        let spec = spec_dir(&[(
            "calls.yaml",
            "methods:\n  \"calls.a\\nb\":\n    summary: x\n",
        )]);
        let out = tempfile::tempdir().expect("temp dir");
        let (_, directives) = run(spec.path(), out.path());
        assert!(directives.len() > 1);
        assert!(
            directives.iter().all(|d| !d.contains('\n')),
            "{directives:?}"
        );
        assert!(
            directives.iter().any(|d| d.contains("calls.a\\nb")),
            "{directives:?}"
        );
    }
}

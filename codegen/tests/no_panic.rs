//! No spec input makes the generator panic: random bytes, random YAML-ish
//! text, and the real `spec/*.yaml` files with random mutations (cuts,
//! copies, stray YAML punctuation, swapped or re-indented lines, bad bytes)
//! all give either code or diagnostics that point inside the files.
//!
//! The suite runs a bounded number of cases (a few seconds). For a longer
//! run, raise the count:
//!
//! ```text
//! PROPTEST_CASES=100000 cargo test --release -p slack-calls-codegen --test no_panic
//! ```
//!
//! and see `codegen/fuzz/` for the coverage-guided fuzz target.

use std::path::Path;

use proptest::prelude::*;
use slack_calls_codegen::{Mode, Options, SourceFile, generate, load_dir};

/// The real spec, as the crate's build script reads it.
fn real_spec() -> Vec<SourceFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let files = load_dir(&dir, "spec").expect("the spec directory is readable");
    assert!(files.len() >= 2, "spec/ holds common.yaml and calls.yaml");
    files
}

/// Cases per property: `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the generator and checks what it returns.
fn check_outcome(files: &[SourceFile], options: &Options) -> Result<(), TestCaseError> {
    match generate(files, options) {
        Ok(output) => {
            prop_assert!(!output.files.is_empty());
            for file in &output.files {
                prop_assert!(file.text.starts_with("// @generated"));
            }
            for warning in &output.warnings {
                prop_assert!(!warning.is_error());
            }
        }
        Err(diagnostics) => {
            prop_assert!(
                diagnostics.iter().any(|d| d.is_error()),
                "fails with an error"
            );
            for d in &diagnostics {
                prop_assert!(
                    !d.message.contains("internal error") && !d.message.contains("parser failed"),
                    "{}",
                    d.one_line()
                );
                if d.file == "spec" {
                    continue;
                }
                let file = files
                    .iter()
                    .chain(&options.extern_files)
                    .find(|f| f.name == d.file);
                prop_assert!(file.is_some(), "names a given file: {}", d.one_line());
                let lines = file
                    .map(|f| yaml_lines(&String::from_utf8_lossy(&f.bytes)))
                    .unwrap_or(0);
                prop_assert!(
                    d.span.line as usize <= lines.max(1),
                    "points inside its file ({lines} lines): {}",
                    d.one_line()
                );
                prop_assert!(!d.one_line().contains('\n'));
            }
        }
    }
    Ok(())
}

/// How many lines YAML sees in `text`: a line break is CR LF, LF or a lone
/// CR (YAML 1.2, 5.4), and a position just after the last break (the end
/// of the file) is on one more line. `str::lines` would not split at a
/// lone CR, which the parser, rightly, does.
fn yaml_lines(text: &str) -> usize {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|c| matches!(c, '\n' | '\r'))
        .count()
        + 1
}

/// A case the mutations found: the real `calls.yaml` cut short with a lone
/// CR in it. The parser counts the CR as a line break, so its positions
/// run one line past what `str::lines` counts; they are still inside the
/// file as YAML reads it.
#[test]
fn a_lone_cr_is_a_line_break_for_the_positions() {
    assert_eq!(yaml_lines("a\rb"), 2);
    assert_eq!(yaml_lines("a\r\nb\n"), 3);
    let mut files = real_spec();
    let calls = files
        .iter_mut()
        .find(|f| f.name.ends_with("calls.yaml"))
        .expect("calls.yaml");
    let cut = calls.bytes.len() * 2 / 3;
    calls.bytes.truncate(cut);
    let middle = calls.bytes.len() / 2;
    calls.bytes[middle] = b'\r';
    check_outcome(&files, &Options::default()).expect("code or diagnostics inside the files");
}

/// Bits of YAML and spec vocabulary that mutations splice in.
const FRAGMENTS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\t",
    "\n",
    "  ",
    "    ",
    "#",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!str ",
    "!custom ",
    "? ",
    "~",
    "null",
    "true",
    "false",
    "yes",
    "0",
    "-1",
    "3.5",
    "99999999999999999999",
    "0x1F",
    ".nan",
    "list<",
    ">",
    "list<list<Call>>",
    "list<CallUser>",
    "type: ",
    "required: ",
    "with_bot_token",
    "kind: object",
    "kind: enum",
    "kind: id",
    "values: {}",
    "values: [a]",
    "fields: {x: Call}",
    "fields: {call: Call}",
    "example: [",
    "example: {",
    "rate_tier: special",
    "rate_tier: 9",
    "http: GET",
    "scopes: {}",
    "scopes: [x]",
    "|",
    ">-",
    "|+\n  x\n",
    "---",
    "\n---\n",
    "...",
    "é",
    "\u{feff}",
    "\0",
    "\u{7f}",
    "\r\n",
    "calls.add",
    "calls",
    "Call",
    "CallUser",
    "CallId",
    "self",
    "type",
    "match",
    "async",
    "r#",
    "Self",
    "unknown",
    "common",
    "client",
    "send",
    "meta",
    "ok",
    "errors:",
    "methods:",
    "types:",
    "params:",
    "response:",
    "example_response: {ok: true}",
    "one_of: [[a]]",
    "min_items: -1",
    "description: ",
    "summary: ",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Duplicate { at: usize, len: usize },
    Insert { at: usize, text: &'static str },
    Truncate { at: usize },
    SetByte { at: usize, byte: u8 },
    SwapLines { a: usize, b: usize },
    Reindent { line: usize, spaces: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1usize..256).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (any::<usize>(), prop::sample::select(FRAGMENTS))
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), 0usize..12).prop_map(|(line, spaces)| Mutation::Reindent { line, spaces }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    let pos = |at: usize| if len == 0 { 0 } else { at % (len + 1) };
    match *mutation {
        Mutation::Delete { at, len: n } => {
            let start = pos(at);
            let end = (start + n).min(len);
            bytes.drain(start..end);
        }
        Mutation::Duplicate { at, len: n } => {
            let start = pos(at);
            let end = (start + n).min(len);
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Insert { at, text } => {
            let at = pos(at);
            bytes.splice(at..at, text.bytes());
        }
        Mutation::Truncate { at } => bytes.truncate(pos(at)),
        Mutation::SetByte { at, byte } => {
            if len > 0 {
                bytes[at % len] = byte;
            }
        }
        Mutation::SwapLines { a, b } | Mutation::Reindent { line: a, spaces: b } => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let count = lines.len();
            if let Mutation::SwapLines { .. } = mutation {
                lines.swap(a % count, b % count);
            } else {
                let line = &mut lines[a % count];
                let text: Vec<u8> = line.iter().copied().skip_while(|c| *c == b' ').collect();
                *line = std::iter::repeat_n(b' ', b).chain(text).collect();
            }
            *bytes = lines.join(&b'\n');
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The real spec files, each mutated a few times.
    #[test]
    fn mutated_real_specs_never_panic(
        which in any::<usize>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut files = real_spec();
        let index = which % files.len();
        for mutation in &mutations {
            apply(&mut files[index].bytes, mutation);
        }
        check_outcome(&files, &Options::default())?;
    }

    /// The same mutations, generating a downstream crate's extension with
    /// the real spec as the shared one.
    #[test]
    fn mutated_extension_specs_never_panic(
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let core = real_spec();
        let mut calls: Vec<SourceFile> = core.iter().filter(|f| f.name.ends_with("calls.yaml")).cloned().collect();
        for mutation in &mutations {
            apply(&mut calls[0].bytes, mutation);
        }
        let options = Options {
            mode: Mode::Extension { trait_name: "CallsExt".to_owned(), crate_name: "calls_ext".to_owned() },
            extern_files: core.into_iter().filter(|f| f.name.ends_with("common.yaml")).collect(),
        };
        check_outcome(&calls, &options)?;
    }

    /// Text made of YAML punctuation and spec words.
    #[test]
    fn yaml_like_text_never_panics(
        pieces in prop::collection::vec(
            prop_oneof![
                prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
                "[a-zA-Z_.<>]{1,12}",
                "\n {0,8}",
            ],
            0..80,
        ),
    ) {
        let text: String = pieces.concat();
        check_outcome(&[SourceFile::new("spec/x.yaml", text)], &Options::default())?;
    }

    /// Any bytes at all.
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_outcome(&[SourceFile::new("spec/x.yaml", bytes)], &Options::default())?;
    }
}

fn errors_of(text: impl Into<Vec<u8>>) -> Vec<String> {
    match generate(&[SourceFile::new("spec/x.yaml", text)], &Options::default()) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(|d| d.one_line()).collect(),
    }
}

#[test]
fn an_oversized_file_is_refused_with_a_message() {
    let mut text = String::from("methods:\n");
    while text.len() <= slack_calls_codegen::MAX_FILE_BYTES {
        text.push_str("  # padding padding padding padding padding padding padding padding\n");
    }
    let errors = errors_of(text);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("spec files may be at most 1048576 bytes"),
        "{errors:?}"
    );
}

#[test]
fn deep_nesting_is_refused_with_a_message_not_a_stack_overflow() {
    let flow = format!("a: {}{}", "{b: ".repeat(10_000), "}".repeat(10_000));
    let block: String = (0..500).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
    let seq: String = (0..500).map(|i| format!("{}-\n", " ".repeat(i))).collect();
    for text in [flow, block, seq] {
        let errors = errors_of(text);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("more than 64 levels deep"), "{errors:?}");
    }
}

#[test]
fn alias_bombs_are_refused_with_a_message() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let errors = errors_of(text);
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| e.starts_with("spec/x.yaml:")),
        "{errors:?}"
    );
}

/// A type that contains itself through a list, with examples at every
/// level, is checked without walking it forever.
#[test]
fn examples_of_self_containing_types_are_checked_once() {
    let text = "types:\n  Thread:\n    kind: object\n    fields:\n      title: string\n      replies:\n        type: list<Thread>\n        example: [{title: a, replies: [{title: 7, replies: []}]}]\n";
    let errors = errors_of(text);
    assert_eq!(
        errors,
        [
            "spec/x.yaml:8:48: error: example `7` does not fit type `string`; help: quote it to make it text"
        ]
    );
}

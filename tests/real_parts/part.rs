//! A part of the outside world that a test needs (a Python with
//! `slack_sdk`, later Node, Bolt, redis-server, chromium), and the rule for
//! a test whose part is missing: **ignored, with the reason**, on a
//! developer's machine; **failed** under CI (`CI` set), where every part
//! must be there. Never `ok` without running.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use libtest_mimic::{Completion, Failed, Trial};

/// Something a test needs that this repository does not build.
pub struct Part {
    /// What it is, as the reason of a skip says it.
    pub what: &'static str,
    /// The environment variable that names it (a program's path).
    pub env: &'static str,
    /// How to get it.
    pub how: &'static str,
    /// A program to look for on `PATH` when the variable is not set.
    pub on_path: Option<&'static str>,
    /// What must hold of the part once found (its packages installed, at
    /// the versions this repository pins), or why it does not: a part that
    /// fails it is missing.
    pub check: Option<Check>,
}

/// A part's check: `Ok`, or why the part found is not fit, as a phrase
/// that follows its path (`has slack_sdk 3.48.0 where ... pins 3.47.0`).
pub type Check = fn(&OsString) -> Result<(), String>;

impl Part {
    /// The part's value, or why it is missing.
    fn find(&self) -> Result<OsString, String> {
        let value = match std::env::var_os(self.env) {
            Some(value) if !value.is_empty() => value,
            _ => self
                .on_path
                .and_then(find_on_path)
                .ok_or_else(|| format!("needs {}: set {} ({})", self.what, self.env, self.how))?,
        };
        self.checked(value)
    }

    /// `value`, if it passes the part's check.
    fn checked(&self, value: OsString) -> Result<OsString, String> {
        match self.check.map_or(Ok(()), |check| check(&value)) {
            Ok(()) => Ok(value),
            Err(why) => Err(format!(
                "needs {}: {value:?} {why} ({})",
                self.what, self.how
            )),
        }
    }
}

/// The full path of `program` in a directory of `PATH`, if any.
fn find_on_path(program: &str) -> Option<OsString> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(std::path::PathBuf::into_os_string)
}

/// Whether this run is CI's: `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// What becomes of a test, given its part (or why it is missing) and
/// whether this is CI.
#[derive(Debug, PartialEq)]
pub enum Fate {
    /// The part is there: run the test with it.
    Run(OsString),
    /// Missing on a developer's machine: shown as ignored, with the reason.
    Ignore(String),
    /// Missing under CI: the test fails with the reason.
    Fail(String),
}

pub fn fate(found: Result<OsString, String>, ci: bool) -> Fate {
    match found {
        Ok(value) => Fate::Run(value),
        Err(reason) if ci => Fate::Fail(format!("CI is set and this test cannot run: {reason}")),
        Err(reason) => Fate::Ignore(reason),
    }
}

/// A test that needs `part`: `test` gets the part's value.
pub fn needs(name: &str, part: &'static Part, test: fn(&OsString) -> Result<(), Failed>) -> Trial {
    Trial::ignorable_test(name, move || match fate(part.find(), in_ci()) {
        Fate::Run(value) => test(&value).map(|()| Completion::Completed),
        Fate::Ignore(reason) => Ok(Completion::ignored_with(reason)),
        Fate::Fail(reason) => Err(reason.into()),
    })
}

/// The rule itself, checked (a failed assertion fails the trial).
pub fn trials() -> Vec<Trial> {
    vec![
        Trial::test("part::present_runs_in_and_outside_ci", || {
            let python = OsString::from("/usr/bin/python3");
            assert_eq!(fate(Ok(python.clone()), true), Fate::Run(python.clone()));
            assert_eq!(fate(Ok(python.clone()), false), Fate::Run(python));
            Ok(())
        }),
        Trial::test(
            "part::missing_outside_ci_is_ignored_with_the_reason",
            || {
                let reason = UNSET.find().expect_err("no one sets this variable");
                assert_eq!(
                    reason,
                    "needs a part no one has: set SLACK_CALLS_TEST_UNSET_PART (it cannot be had)"
                );
                assert_eq!(fate(Err(reason.clone()), false), Fate::Ignore(reason));
                Ok(())
            },
        ),
        Trial::test("part::found_but_unfit_is_missing_with_the_reason", || {
            assert_eq!(UNFIT.checked("/bin/old".into()), Err(
                "needs a part at the pinned version: \"/bin/old\" is 0.9, not 1.0 (install 1.0)"
                    .to_owned()
            ));
            assert_eq!(UNFIT.checked("/bin/new".into()), Ok("/bin/new".into()));
            Ok(())
        }),
        Trial::test("part::missing_under_ci_fails_with_the_reason", || {
            assert_eq!(
                fate(Err("needs x: set X".into()), true),
                Fate::Fail("CI is set and this test cannot run: needs x: set X".into())
            );
            Ok(())
        }),
    ]
}

/// A part whose variable no one sets.
static UNSET: Part = Part {
    what: "a part no one has",
    env: "SLACK_CALLS_TEST_UNSET_PART",
    how: "it cannot be had",
    on_path: None,
    check: None,
};

/// A part whose check takes `/bin/new` only.
static UNFIT: Part = Part {
    what: "a part at the pinned version",
    env: "SLACK_CALLS_TEST_UNSET_PART",
    how: "install 1.0",
    on_path: None,
    check: Some(|value| match value.to_str() {
        Some("/bin/new") => Ok(()),
        _ => Err("is 0.9, not 1.0".to_owned()),
    }),
};

/// `Ok` when `condition` holds, else the failure `what` says.
#[allow(dead_code)] // the tests that use it come with features
pub fn check(condition: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if condition {
        Ok(())
    } else {
        Err(what().into())
    }
}

/// A fresh directory under Cargo's temporary directory for tests, named
/// for `name` and this process.
pub fn scratch_dir(name: &str) -> Result<PathBuf, Failed> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    Ok(dir)
}

//! The typed API turns spec mistakes into compile errors: required params
//! are positional, so leaving one out does not compile.
//!
//! ```sh
//! cargo test -p slack-calls-compile-fail
//! ```
//!
//! Refresh the expected output with `TRYBUILD=overwrite` in front.

#[test]
fn required_params_are_enforced_by_the_compiler() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("cases/*.rs");
}

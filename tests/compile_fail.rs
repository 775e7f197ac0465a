//! The typed API turns spec mistakes into compile errors: required params
//! are positional, so leaving one out does not compile.

#[test]
fn required_params_are_enforced_by_the_compiler() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}

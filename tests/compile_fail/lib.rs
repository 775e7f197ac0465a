//! Empty: this crate exists for its test, `tests/compile_fail.rs`, which
//! checks that the typed API turns spec mistakes into compile errors.

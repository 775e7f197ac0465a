//! YAML into a tree that keeps where every key and value stood.
//!
//! We parse with `serde-saphyr`, a maintained serde YAML crate that reports
//! the location of every value through its `Spanned` wrapper, into our own
//! [`Node`] tree. Keeping the whole tree (rather than deserialising straight
//! into the spec structs) is what lets the reader report *every* problem of
//! a file at once, with a line and column each: unknown and repeated keys,
//! missing ones and values of the wrong shape, instead of stopping at the
//! first one the way a serde-derived struct would.
//!
//! One file per concern: `tree` (the [`Node`] tree and how serde-saphyr
//! fills it), `limits` (size and depth), `parse` (the entry point),
//! `syntax` (a parser error made into a diagnostic that points at the cause
//! and says what to write) and `unclosed` (the scan for quotes and brackets
//! never closed).

mod limits;
mod parse;
mod syntax;
mod tree;
mod unclosed;

pub use limits::MAX_FILE_BYTES;
pub use parse::parse;
pub use tree::{Node, Value};

#[cfg(test)]
mod tests;

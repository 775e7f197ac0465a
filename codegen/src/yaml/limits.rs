//! What the parser accepts at most: a spec file's size and nesting, and
//! the stack of the thread that parses it.

/// The largest spec file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;
/// Stack for the parsing thread: enough for [`MAX_DEPTH`] levels.
pub(super) const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

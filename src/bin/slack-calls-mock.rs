//! The fake Slack server as a program (placeholder until the mock lands).
fn main() {}

//! The fake Slack server (placeholder until the mock lands).

//! What a roster reports when a request fails, and what it does with the
//! events of that request.

use std::fmt;

use crate::calls::InfoError;
use crate::calls::participants::{AddError, RemoveError};
use crate::{CallUser, Error, ErrorCode};

/// Why an event or a roster could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// The participant has neither a `slack_id` nor an `external_id`, so
    /// the roster cannot tell who it is.
    #[error("a participant needs a slack_id or an external_id")]
    NoIdentity,
    /// An external participant (no `slack_id`) joined without a
    /// `display_name`; Slack refuses to add one without it.
    #[error("external participant {external_id} needs a display_name to join")]
    NoDisplayName {
        /// The participant's `external_id`.
        external_id: String,
    },
    /// A background task was asked for outside a tokio runtime; start the
    /// roster inside one, or use [`RosterBuilder::manual`](crate::RosterBuilder::manual).
    #[error("a roster's background task needs a tokio runtime")]
    NoRuntime,
}

/// Which request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Change {
    /// `calls.participants.add`.
    Add,
    /// `calls.participants.remove`.
    Remove,
    /// `calls.info`, read to learn Slack's list after an ambiguous failure.
    Sync,
}

/// The typed error of a failed request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// From `calls.participants.add`.
    #[error(transparent)]
    Add(Error<AddError>),
    /// From `calls.participants.remove`.
    #[error(transparent)]
    Remove(Error<RemoveError>),
    /// From `calls.info`.
    #[error(transparent)]
    Sync(Error<InfoError>),
}

impl BatchError {
    /// True when Slack may have acted on the request although it failed
    /// ([`Error::may_have_been_sent`]).
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            BatchError::Add(err) => err.may_have_been_sent(),
            BatchError::Remove(err) => err.may_have_been_sent(),
            BatchError::Sync(err) => err.may_have_been_sent(),
        }
    }

    /// Slack's error code, when Slack answered `"ok": false`.
    pub fn slack_code(&self) -> Option<&str> {
        match self {
            BatchError::Add(err) => err.slack_code(),
            BatchError::Remove(err) => err.slack_code(),
            BatchError::Sync(err) => err.slack_code(),
        }
    }
}

/// One failed request and the people it carried.
#[derive(Debug)]
#[non_exhaustive]
pub struct BatchFailure {
    /// Which request.
    pub change: Change,
    /// The people in it (empty for [`Change::Sync`]).
    pub users: Vec<CallUser>,
    /// What went wrong.
    pub error: BatchError,
    /// True when the roster kept these events and will send them again
    /// (after reading Slack's list, if Slack may have acted); false when
    /// they were dropped and are returned here.
    pub requeued: bool,
}

/// The failures [`Roster::flush`](crate::Roster::flush) or [`Roster::finish`](crate::Roster::finish) report.
#[derive(Debug)]
#[non_exhaustive]
pub struct FlushError {
    /// Each failed request, in the order sent.
    pub failures: Vec<BatchFailure>,
    /// With `finish`: events the roster still held and will never send
    /// (requeued after a failure); always empty with `flush`.
    pub unsent: Vec<(Change, CallUser)>,
}

impl fmt::Display for FlushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} roster request(s) failed", self.failures.len())?;
        if let Some(first) = self.failures.first() {
            write!(f, ", first: {}", first.error)?;
        }
        if !self.unsent.is_empty() {
            write!(f, "; {} event(s) not sent", self.unsent.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for FlushError {}

/// Counts of what a roster has done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RosterStats {
    /// Join and leave events taken.
    pub events: u64,
    /// `calls.participants.add`/`remove` requests sent (failed ones too).
    pub requests: u64,
    /// `calls.info` requests sent to learn Slack's list.
    pub syncs: u64,
    /// Events that needed no request: cancelled by a later event for the
    /// same person, or already true of Slack's list.
    pub coalesced: u64,
}

/// What to do with the events of a failed request.
#[derive(PartialEq, Eq)]
pub(super) enum Fate {
    /// Slack did not act and a later try may work: keep them.
    Retry,
    /// Slack may have acted, or its list differs from ours: keep them and
    /// read Slack's list before the next send.
    Resync,
    /// Slack did not act and will not: drop them (returned to the caller).
    Drop,
}

/// Whether Slack may have acted is the client's classifier's answer
/// ([`Error::may_have_been_sent`]); the roster adds only its own cases:
/// `bad_users` (Slack's list differs from the roster's) and what was never
/// sent (kept for the next send).
pub(super) fn fate<E: ErrorCode>(err: &Error<E>) -> Fate {
    if err.may_have_been_sent() || err.slack_code() == Some("bad_users") {
        return Fate::Resync;
    }
    match err {
        // Not sent (the classifier said Slack did not act): the wait
        // budget ran out, or no connection could be made.
        Error::RateLimited { .. } | Error::Transport { .. } => Fate::Retry,
        _ => Fate::Drop,
    }
}

//! What a roster knows: who Slack has, the latest unsent event per person,
//! and how to tell people apart.

use std::collections::HashMap;

use super::failure::{BatchFailure, RosterStats};
use crate::CallUser;

/// Who a participant is: their `slack_id`, or their `external_id` when
/// they have no `slack_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum PersonId {
    Slack(String),
    External(String),
}

impl PersonId {
    pub(super) fn of(user: &CallUser) -> Option<PersonId> {
        match (&user.slack_id, &user.external_id) {
            (Some(id), _) => Some(PersonId::Slack(id.as_str().to_owned())),
            (None, Some(id)) => Some(PersonId::External(id.clone())),
            (None, None) => None,
        }
    }
}

impl RosterState {
    /// The key of `user`, through an alias when only its `external_id` is
    /// given and another event named the person by both ids.
    pub(super) fn key_of(&mut self, user: &CallUser) -> Option<PersonId> {
        let key = PersonId::of(user)?;
        if let (Some(slack), Some(external)) = (&user.slack_id, &user.external_id) {
            self.aliases
                .insert(external.clone(), PersonId::Slack(slack.as_str().to_owned()));
        }
        if let PersonId::External(external) = &key
            && let Some(alias) = self.aliases.get(external)
        {
            return Some(alias.clone());
        }
        Some(key)
    }

    /// Sets who Slack has.
    pub(super) fn set_present(&mut self, users: impl IntoIterator<Item = CallUser>) {
        self.present.clear();
        for user in users {
            if let Some(key) = self.key_of(&user) {
                self.present.insert(key, user);
            }
        }
    }
}

/// What the latest event for a person asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Want {
    In,
    Out,
}

/// The latest unsent event for one person.
#[derive(Clone)]
pub(super) struct Pending {
    pub(super) seq: u64,
    pub(super) want: Want,
    pub(super) user: CallUser,
    pub(super) attempts: u32,
}

/// Everything a roster knows, behind its lock.
#[derive(Default)]
pub(super) struct RosterState {
    /// Who Slack has, as far as the roster knows.
    pub(super) present: HashMap<PersonId, CallUser>,
    /// The latest unsent event per person.
    pub(super) pending: HashMap<PersonId, Pending>,
    /// Events of the send in progress; left over only when that send was
    /// cancelled (its future dropped), so the next send takes them back.
    pub(super) in_flight: Vec<(PersonId, Pending)>,
    /// `external_id` to the `slack_id` key of people who have both, so an
    /// event naming either finds the same person.
    pub(super) aliases: HashMap<String, PersonId>,
    pub(super) next_seq: u64,
    /// Slack may have acted on a failed request: read its list first.
    pub(super) unsure: bool,
    /// Failures of background sends not yet reported.
    pub(super) failures: Vec<BatchFailure>,
    pub(super) closed: bool,
    pub(super) stats: RosterStats,
}

/// Puts an event back, unless a newer one for the same person came in.
pub(super) fn requeue(state: &mut RosterState, key: PersonId, pending: Pending) {
    state.pending.entry(key).or_insert(pending);
}

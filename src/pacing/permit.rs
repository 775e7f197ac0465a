//! What a caller holds while it waits for its slot or sends: a
//! [`Reservation`] (given back if the call goes away before its slot), a
//! shared booking in Redis (the same), and the [`Permit`] whose place in
//! the window counts until its request's answer.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
#[cfg(feature = "redis")]
use crate::pacing::RedisPacing;
use crate::pacing::bucket::{BucketKey, LimiterShared, Slot};
use crate::pacing::window::EntryId;

/// The right to send one request, held while it is on the wire. Its place
/// in the window is counted until one period after [`Permit::answered`]
/// (or, if the permit is dropped without it, after the drop, seen on the
/// clock it was granted with).
#[must_use = "a permit counts its request until it is answered"]
pub(crate) struct Permit {
    pub(super) waited: Duration,
    pub(super) place: Option<Place>,
}

/// Where a granted permit sits, to end it.
pub(super) struct Place {
    pub(super) shared: Arc<LimiterShared>,
    pub(super) key: BucketKey,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) window: Window,
}

/// Which window holds the permit.
pub(super) enum Window {
    /// This process's log.
    Local(EntryId),
    /// The window shared in Redis: the booking's member, and the rate's
    /// period (how long the answered permit stays in it).
    #[cfg(feature = "redis")]
    Shared {
        redis: RedisPacing,
        team: Arc<str>,
        member: String,
        period: Duration,
    },
}

impl Permit {
    /// How long the call waited for it.
    pub(crate) fn waited(&self) -> Duration {
        self.waited
    }

    /// The request's answer (or failure) came now. A shared permit's end
    /// is written to Redis before this returns.
    pub(crate) async fn answered(mut self) {
        let Some(place) = self.place.take() else {
            return;
        };
        #[cfg(feature = "redis")]
        if let Window::Shared {
            redis,
            team,
            member,
            period,
        } = &place.window
        {
            redis.end(team, place.key.method, member, *period).await;
        }
        place.finish();
    }
}

impl Place {
    /// Ends the permit here: a local place counts from now; either way the
    /// calls waiting for an answer look again.
    fn finish(&self) {
        let now = self.clock.now();
        self.shared.with_bucket(&self.key, now, |bucket| {
            // The only kind of window without feature `redis`.
            #[allow(irrefutable_let_patterns)]
            if let Window::Local(entry) = self.window {
                bucket.log.end(entry, now);
            }
            bucket.answers.send_modify(|n| *n = n.wrapping_add(1));
        });
    }
}

/// A permit dropped without [`Permit::answered`] (its call went away, or
/// failed on the way): it ends now, and a shared one is written in the
/// background.
impl Drop for Permit {
    fn drop(&mut self) {
        let Some(place) = self.place.take() else {
            return;
        };
        #[cfg(feature = "redis")]
        if let Window::Shared {
            redis,
            team,
            member,
            period,
        } = &place.window
        {
            redis.end_later(team, place.key.method, member.clone(), *period);
        }
        place.finish();
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("waited", &self.waited)
            .finish_non_exhaustive()
    }
}

/// A slot booked in Redis by a call that is waiting for it; given back if
/// the call goes away first.
#[cfg(feature = "redis")]
pub(super) struct SharedBooking<'a> {
    pub(super) redis: &'a RedisPacing,
    pub(super) team: &'a str,
    pub(super) method: &'static str,
    pub(super) member: Option<String>,
}

#[cfg(feature = "redis")]
impl Drop for SharedBooking<'_> {
    fn drop(&mut self) {
        if let Some(member) = self.member.take() {
            self.redis.give_back(self.team, self.method, member);
        }
    }
}

/// A slot reserved by a call that is waiting for it.
pub(super) struct Reservation<'a> {
    pub(super) shared: &'a LimiterShared,
    pub(super) key: &'a BucketKey,
    pub(super) slot: Slot,
    pub(super) clock: &'a dyn Clock,
    pub(super) kept: bool,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        self.shared
            .with_bucket(self.key, self.clock.now(), |bucket| match self.slot {
                Slot::Spread {
                    tat_after,
                    interval,
                    entry,
                } => {
                    // Give the slot back only when it is the latest one: a later
                    // reservation was computed from this one and stays as it is.
                    if bucket.tat == Some(tat_after) {
                        bucket.tat = tat_after.checked_sub(interval);
                    }
                    bucket.log.give_back(entry);
                }
                Slot::Window { entry } => bucket.log.give_back(entry),
            });
    }
}

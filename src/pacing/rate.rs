//! How fast each method may be called: a [`Rate`] per tier or per method,
//! gathered in [`RateLimits`], and how a rate is kept ([`Pacing`]). This is
//! the limiter's configuration; the limiter that applies it is in
//! `limiter.rs`.

use std::fmt;
use std::time::Duration;

use crate::call::method::{MethodInfo, RateTier};
use crate::error::BuildError;

/// How fast one method may be called: at most `count` requests in any
/// `period`.
///
/// How the limiter keeps it depends on the [`Pacing`]. With
/// [`Pacing::Window`] (the default) up to `count` requests go back to back
/// and the next one waits until the oldest of them leaves the window; the
/// `burst` is not used. With [`Pacing::Spread`] up to `burst` go back to
/// back and the requests after them are spaced by
/// `period / (count - burst + 1)`, which is what keeps every window of
/// length `period` at `count` or fewer.
///
/// ```
/// use slack_calls::Rate;
/// use std::time::Duration;
///
/// let tier3 = Rate::per_minute(50); // burst of 3, then one every 1.25 s
/// assert_eq!(tier3.burst_size(), 3);
/// assert_eq!(tier3.interval(), Duration::from_millis(1250));
/// let strict = Rate::per(10, Duration::from_secs(1)).burst(1);
/// assert_eq!(strict.interval(), Duration::from_millis(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    period: Duration,
    burst: u32,
}

impl Rate {
    /// At most `count` requests a minute, with the default burst
    /// (`count / 20` rounded up, between 1 and 5).
    pub const fn per_minute(count: u32) -> Rate {
        Rate::per(count, Duration::from_secs(60))
    }

    /// At most `count` requests in any `period`, with the default burst
    /// (`count / 20` rounded up, between 1 and 5). A zero `period` means
    /// no pacing.
    pub const fn per(count: u32, period: Duration) -> Rate {
        Rate {
            count,
            period,
            burst: default_burst(count),
        }
    }

    /// The rate Slack publishes as the floor of `tier`
    /// ([`RateTier::per_minute`]).
    pub const fn for_tier(tier: RateTier) -> Rate {
        Rate::per_minute(tier.per_minute())
    }

    /// Sets how many requests may go back to back (1 to `count`).
    pub const fn burst(mut self, burst: u32) -> Rate {
        self.burst = burst;
        self
    }

    /// The most requests in any window of [`period`](Rate::period).
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The window the count applies to.
    pub const fn period(&self) -> Duration {
        self.period
    }

    /// How many requests may go back to back.
    pub const fn burst_size(&self) -> u32 {
        self.burst
    }

    /// The spacing of requests once the burst is used up (zero when the
    /// rate is not valid; [`ClientBuilder::build`](crate::ClientBuilder::build)
    /// refuses such rates).
    pub fn interval(&self) -> Duration {
        match self.count.checked_sub(self.burst) {
            Some(extra) if self.burst > 0 => {
                // Rounded up: a spacing a nanosecond short would let one
                // request too many into a window.
                let nanos = self.period.as_nanos().div_ceil(u128::from(extra) + 1);
                u64::try_from(nanos).map_or(Duration::MAX, Duration::from_nanos)
            }
            _ => Duration::ZERO,
        }
    }

    /// This rate cut to `share` of its count (at least 1 per period; the
    /// burst no larger than the count): what one instance paces at while
    /// shared pacing is down.
    #[cfg(feature = "redis")]
    pub(crate) fn share(self, share: f64) -> Rate {
        let scaled = (f64::from(self.count) * share).floor();
        // In range: share is in (0, 1], so scaled is in [0, count].
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let count = (scaled as u32).clamp(1, self.count.max(1));
        Rate {
            count,
            period: self.period,
            burst: self.burst.min(count).max(1),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.count == 0 {
            return Err(
                "the count must be at least 1 (to stop pacing a method, leave it without a rate)"
                    .to_owned(),
            );
        }
        if self.period > MAX_PERIOD {
            return Err(format!(
                "the period must be at most a day, got {:?}",
                self.period
            ));
        }
        if self.burst == 0 || self.burst > self.count {
            return Err(format!(
                "the burst must be between 1 and the count ({}), got {}",
                self.count, self.burst
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} per {:?} (burst {})",
            self.count, self.period, self.burst
        )
    }
}

/// How the limiter keeps a [`Rate`].
///
/// Both never let more than the rate's count into any window of its period
/// (the window Slack counts, a minute); they differ in how a burst is
/// served.
///
/// The default is [`Window`](Pacing::Window): it is the guarantee Slack
/// documents ("rate limit windows are per minute") at the least time that
/// guarantee allows, so a burst of 150 `calls.info` at tier 3 (50 a minute)
/// is done after 120 s instead of 184 s. A 429 that Slack still sends (it does
/// not publish its burst limits) is waited out like any other. Choose
/// [`Spread`](Pacing::Spread) to keep requests evenly apart, close to
/// Slack's advice of about one request a second per method.
///
/// ```
/// use slack_calls::{Pacing, RateLimits};
///
/// let even = RateLimits::slack_tiers().pacing(Pacing::Spread);
/// assert_eq!(even.pacing_mode(), Pacing::Spread);
/// assert_eq!(RateLimits::slack_tiers().pacing_mode(), Pacing::Window);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Pacing {
    /// An exact sliding window: the limiter remembers when the last `count`
    /// requests of each method went out and lets one more go as soon as it
    /// keeps every window at `count` or fewer. A burst goes out at once up
    /// to the count, and completes at the minimum the rate allows.
    #[default]
    Window,
    /// A token bucket (GCRA): up to the rate's burst at once, then evenly
    /// spaced. Never over the count in any window either, but a long burst
    /// takes longer than the minimum.
    Spread,
}

/// The longest window a rate may use (Slack's are a minute).
const MAX_PERIOD: Duration = Duration::from_secs(24 * 60 * 60);

const fn default_burst(count: u32) -> u32 {
    let burst = count.div_ceil(20);
    if burst < 1 {
        1
    } else if burst > 5 {
        5
    } else {
        burst
    }
}

const TIERS: [RateTier; 5] = [
    RateTier::Tier1,
    RateTier::Tier2,
    RateTier::Tier3,
    RateTier::Tier4,
    RateTier::Special,
];

const fn tier_index(tier: RateTier) -> usize {
    match tier {
        RateTier::Tier1 => 0,
        RateTier::Tier2 => 1,
        RateTier::Tier3 => 2,
        RateTier::Tier4 => 3,
        RateTier::Special => 4,
    }
}

/// Which rate each method is paced at.
///
/// The default, [`RateLimits::slack_tiers`], paces every method at its
/// spec tier's floor. A rate set for a method by name wins over its tier's.
/// Whatever the pacing, a 429 from Slack always pauses the method for
/// `Retry-After`.
///
/// ```
/// use slack_calls::method::RateTier;
/// use slack_calls::{Rate, RateLimits};
///
/// let limits = RateLimits::slack_tiers()
///     .tier(RateTier::Tier3, Rate::per_minute(100)) // an enterprise grid with more room
///     .method("calls.add", Rate::per_minute(20));
/// let only_add = RateLimits::off().method("calls.add", Rate::per_minute(20));
/// # let _ = (limits, only_add);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    tiers: [Option<Rate>; 5],
    methods: Vec<(String, Rate)>,
    pacing: Pacing,
    time_scale: TimeScale,
}

/// How many times faster than real time the rates run (1 unless told).
/// Compared by its bits, so `RateLimits` keeps `Eq`.
#[derive(Debug, Clone, Copy)]
struct TimeScale(f64);

impl PartialEq for TimeScale {
    fn eq(&self, other: &TimeScale) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for TimeScale {}

impl TimeScale {
    const REAL: TimeScale = TimeScale(1.0);

    /// The rate with its period divided by the scale. A scale that is not
    /// a finite number above zero (which `validate` refuses) leaves the
    /// rate as it is, and a period too long for a `Duration` is the
    /// longest one, so this never panics.
    fn apply(self, rate: Rate) -> Rate {
        if self == TimeScale::REAL || !(self.0.is_finite() && self.0 > 0.0) {
            return rate;
        }
        let period = Duration::try_from_secs_f64(rate.period.as_secs_f64() / self.0)
            .unwrap_or(Duration::MAX);
        Rate { period, ..rate }
    }
}

impl RateLimits {
    /// Every method paced at its tier's per-minute floor
    /// ([`Rate::for_tier`]). The default.
    pub fn slack_tiers() -> RateLimits {
        RateLimits {
            tiers: TIERS.map(|tier| Some(Rate::for_tier(tier))),
            methods: Vec::new(),
            pacing: Pacing::default(),
            time_scale: TimeScale::REAL,
        }
    }

    /// No pacing (only methods given a rate with
    /// [`method`](RateLimits::method) or [`tier`](RateLimits::tier) are
    /// paced). Slack's 429s are still honoured.
    pub fn off() -> RateLimits {
        RateLimits {
            tiers: [None; 5],
            methods: Vec::new(),
            pacing: Pacing::default(),
            time_scale: TimeScale::REAL,
        }
    }

    /// Paces the methods of `tier` at `rate`.
    pub fn tier(mut self, tier: RateTier, rate: Rate) -> RateLimits {
        self.tiers[tier_index(tier)] = Some(rate);
        self
    }

    /// Stops pacing the methods of `tier`.
    pub fn unpaced_tier(mut self, tier: RateTier) -> RateLimits {
        self.tiers[tier_index(tier)] = None;
        self
    }

    /// Paces the method called `name` (such as `calls.add`) at `rate`,
    /// whatever its tier.
    pub fn method(mut self, name: impl Into<String>, rate: Rate) -> RateLimits {
        let name = name.into();
        self.methods.retain(|(known, _)| *known != name);
        self.methods.push((name, rate));
        self
    }

    /// Keeps every rate with `pacing` ([`Pacing::Window`] unless told).
    pub fn pacing(mut self, pacing: Pacing) -> RateLimits {
        self.pacing = pacing;
        self
    }

    /// Runs every rate `scale` times faster: each period is divided by
    /// `scale`, the counts stay. For tests against a fake whose minute is
    /// shorter (`slack-calls-mock --time-scale 10` with `time_scale(10.0)`
    /// here paces tier 3 at 50 per 6 s). It applies to every rate, set
    /// before or after it, and to shared pacing through Redis. `1.0` is
    /// real time; [`ClientBuilder::build`](crate::ClientBuilder::build)
    /// refuses a scale that is not a finite number above zero, or one that
    /// leaves a period under a millisecond.
    ///
    /// ```
    /// use slack_calls::RateLimits;
    /// use slack_calls::method::RateTier;
    /// use std::time::Duration;
    ///
    /// let fast = RateLimits::slack_tiers().time_scale(10.0);
    /// # let info = slack_calls::method::MethodInfo { name: "calls.info", rate_tier: RateTier::Tier3, ..slack_calls::method::MethodInfo::BLANK };
    /// assert_eq!(fast.rate_for(&info).unwrap().period(), Duration::from_secs(6));
    /// ```
    pub fn time_scale(mut self, scale: f64) -> RateLimits {
        self.time_scale = TimeScale(scale);
        self
    }

    /// The longest period of any rate here (zero when nothing is paced):
    /// how long a key stays worth keeping after its last answer.
    pub(crate) fn longest_period(&self) -> Duration {
        self.tiers
            .iter()
            .flatten()
            .chain(self.methods.iter().map(|(_, rate)| rate))
            .map(|rate| self.time_scale.apply(*rate).period())
            .max()
            .unwrap_or(Duration::ZERO)
    }

    /// How the rates are kept.
    pub fn pacing_mode(&self) -> Pacing {
        self.pacing
    }

    /// The rate `method` is paced at, if it is paced.
    pub fn rate_for(&self, method: &MethodInfo) -> Option<Rate> {
        self.methods
            .iter()
            .find(|(name, _)| name == method.name)
            .map(|(_, rate)| *rate)
            .or(self.tiers[tier_index(method.rate_tier)])
            .map(|rate| self.time_scale.apply(rate))
    }

    pub(crate) fn validate(&self) -> Result<(), BuildError> {
        let scale = self.time_scale.0;
        if !(scale.is_finite() && scale > 0.0) {
            return Err(BuildError::InvalidRate {
                target: "the time scale".to_owned(),
                reason: format!("must be a finite number above zero, got {scale}"),
            });
        }
        for (tier, rate) in TIERS.iter().zip(&self.tiers) {
            if let Some(rate) = rate {
                rate.validate()
                    .and_then(|()| self.scaled_period_is_usable(*rate))
                    .map_err(|reason| BuildError::InvalidRate {
                        target: tier.to_string(),
                        reason,
                    })?;
            }
        }
        for (name, rate) in &self.methods {
            rate.validate()
                .and_then(|()| self.scaled_period_is_usable(*rate))
                .map_err(|reason| BuildError::InvalidRate {
                    target: format!("method `{name}`"),
                    reason,
                })?;
        }
        Ok(())
    }
}

impl RateLimits {
    fn scaled_period_is_usable(&self, rate: Rate) -> Result<(), String> {
        let period = self.time_scale.apply(rate).period();
        if !rate.period.is_zero() && period < Duration::from_millis(1) {
            return Err(format!(
                "at time scale {} the period {:?} becomes {period:?}, under a millisecond",
                self.time_scale.0, rate.period
            ));
        }
        if period > MAX_PERIOD {
            return Err(format!(
                "at time scale {} the period {:?} becomes {period:?}, over a day",
                self.time_scale.0, rate.period
            ));
        }
        Ok(())
    }
}

impl Default for RateLimits {
    fn default() -> RateLimits {
        RateLimits::slack_tiers()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rates_never_exceed_the_tier_floor_in_a_minute() {
        for tier in TIERS {
            let rate = Rate::for_tier(tier);
            assert!(rate.validate().is_ok(), "{tier}: {rate}");
            // burst at t=0, then one per interval: how many fit in [0, 60 s)?
            let interval = rate.interval();
            let mut count = u64::from(rate.burst_size());
            let mut t = interval;
            while t < Duration::from_secs(60) {
                count += 1;
                t += interval;
            }
            assert_eq!(count, u64::from(tier.per_minute()), "{tier}: {rate}");
        }
        assert_eq!(
            Rate::for_tier(RateTier::Tier3).interval(),
            Duration::from_millis(1250)
        );
        assert_eq!(Rate::for_tier(RateTier::Tier1).burst_size(), 1);
        assert_eq!(Rate::for_tier(RateTier::Tier4).burst_size(), 5);
    }

    #[test]
    fn a_time_scale_divides_every_period_and_bad_scales_are_refused() {
        let info = MethodInfo {
            name: "calls.info",
            rate_tier: RateTier::Tier3,
            ..MethodInfo::BLANK
        };
        let add = MethodInfo {
            name: "calls.add",
            ..info
        };
        // Set before or after the rates, it applies to all of them.
        let limits = RateLimits::slack_tiers()
            .time_scale(10.0)
            .method("calls.add", Rate::per_minute(20));
        assert!(limits.validate().is_ok());
        assert_eq!(
            limits.rate_for(&info),
            Some(Rate::per(50, Duration::from_secs(6)))
        );
        assert_eq!(
            limits.rate_for(&add),
            Some(Rate::per(20, Duration::from_secs(6)))
        );
        assert_eq!(limits.longest_period(), Duration::from_secs(6));
        assert_eq!(
            RateLimits::slack_tiers().time_scale(1.0),
            RateLimits::slack_tiers()
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e9] {
            let limits = RateLimits::slack_tiers().time_scale(bad);
            let err = limits.validate().expect_err("refused").to_string();
            assert!(err.contains("time scale"), "{bad}: {err}");
            // Asked anyway, it never panics.
            let _ = limits.rate_for(&info);
            let _ = limits.longest_period();
        }
        let slow = RateLimits::slack_tiers().time_scale(1e-300);
        assert_eq!(
            slow.rate_for(&info).map(|r| r.period()),
            Some(Duration::MAX)
        );
        assert!(slow.validate().is_err(), "a period over a day is refused");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_share_of_a_rate_keeps_at_least_one_per_period() {
        let tier3 = Rate::for_tier(RateTier::Tier3);
        assert_eq!(tier3.share(0.5).count(), 25);
        assert_eq!(tier3.share(0.5).period(), tier3.period());
        assert_eq!(tier3.share(1.0), tier3);
        let one = Rate::per_minute(1).share(0.25);
        assert_eq!((one.count(), one.burst_size()), (1, 1));
        assert!(Rate::per_minute(50).burst(50).share(0.1).validate().is_ok());
    }
}

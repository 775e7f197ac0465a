//! The fake's rate limiter: a sliding one-minute window per (workspace,
//! method), across every token of the workspace, as Slack counts per (app,
//! workspace, method) and the fake plays one app,
//! on a clock that can run faster than real time and be moved by hand.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use slack_calls::method::MethodInfo;

const WINDOW: Duration = Duration::from_secs(60);

/// Which rate limits the fake applies: Slack's tiers, one rate for every
/// method, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitMode {
    /// Each method's tier from the spec: [`RateTier::per_minute`]
    /// requests per minute per (workspace, method), across all the
    /// workspace's tokens. The default.
    ///
    /// [`RateTier::per_minute`]: slack_calls::method::RateTier::per_minute
    Tiers,
    /// The same number of requests per minute for every method, per
    /// (workspace, method). `PerMinute(0)` refuses everything that passes auth.
    PerMinute(u32),
    /// No limits.
    Off,
}

impl LimitMode {
    pub(crate) fn per_minute(self, method: &MethodInfo) -> Option<u32> {
        match self {
            LimitMode::Tiers => Some(method.rate_tier.per_minute()),
            LimitMode::PerMinute(n) => Some(n),
            LimitMode::Off => None,
        }
    }
}

/// The fake's clock: real time since start, times a scale, plus whatever a
/// test added with [`MockSlack::advance`](crate::MockSlack::advance).
/// Built on `tokio::time::Instant`, so a test that pauses tokio's clock
/// moves this one too.
#[derive(Debug)]
pub(crate) struct ScaledClock {
    start: Instant,
    scale: f64,
}

impl ScaledClock {
    pub fn new(scale: f64) -> ScaledClock {
        ScaledClock {
            start: Instant::now(),
            scale,
        }
    }

    /// How many real seconds a wait of `fake` (on this clock) lasts,
    /// rounded up, at least 1: the `Retry-After` Slack would send.
    pub fn real_secs(&self, fake: Duration) -> u64 {
        let real = fake.as_secs_f64() / self.scale;
        // `as` saturates; a finite scale above zero keeps this finite.
        (real.ceil() as u64).max(1)
    }

    /// How long a wait of `fake` (on this clock) lasts in real time.
    pub fn real_duration(&self, fake: Duration) -> Duration {
        Duration::try_from_secs_f64(fake.as_secs_f64() / self.scale).unwrap_or(Duration::MAX)
    }

    /// The fake's time since start.
    pub fn now(&self, advanced: Duration) -> Duration {
        let real = self.start.elapsed().as_secs_f64() * self.scale;
        Duration::try_from_secs_f64(real)
            .unwrap_or(Duration::MAX)
            .saturating_add(advanced)
    }
}

/// Accepted requests in the last window, per (workspace, method).
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    windows: HashMap<(String, &'static str), VecDeque<Duration>>,
}

impl Limiter {
    /// Counts a request at fake time `now`, or says how long (on the
    /// fake's clock) to wait when the window is full.
    pub fn admit(
        &mut self,
        limits: LimitMode,
        team_id: &str,
        method: &'static MethodInfo,
        now: Duration,
    ) -> Result<(), Duration> {
        let Some(limit) = limits.per_minute(method) else {
            return Ok(());
        };
        if limit == 0 {
            return Err(WINDOW);
        }
        let window = self
            .windows
            .entry((team_id.to_owned(), method.name))
            .or_default();
        while window
            .front()
            .is_some_and(|first| now.saturating_sub(*first) >= WINDOW)
        {
            window.pop_front();
        }
        if window.len() < limit as usize {
            window.push_back(now);
            return Ok(());
        }
        let frees_at = window
            .front()
            .map_or(now, |first| first.saturating_add(WINDOW));
        Err(frees_at.saturating_sub(now))
    }

    /// Each (workspace, method) window at fake time `now`: the team id,
    /// the method, how many requests it counted in the last minute, and
    /// when the oldest of them leaves the window (time from `now`).
    /// Sorted by team id, then method.
    pub fn windows(&self, now: Duration) -> Vec<WindowState<'_>> {
        let mut list: Vec<WindowState<'_>> = self
            .windows
            .iter()
            .map(|((team_id, method), window)| {
                let live: Vec<&Duration> = window
                    .iter()
                    .filter(|at| now.saturating_sub(**at) < WINDOW)
                    .collect();
                WindowState {
                    team_id,
                    method,
                    count: live.len(),
                    frees_in: live
                        .first()
                        .map(|first| first.saturating_add(WINDOW).saturating_sub(now)),
                }
            })
            .collect();
        list.sort_by(|a, b| (a.team_id, a.method).cmp(&(b.team_id, b.method)));
        list
    }
}

/// One (workspace, method) window, from [`Limiter::windows`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WindowState<'a> {
    pub team_id: &'a str,
    pub method: &'static str,
    /// Requests counted in the last minute.
    pub count: usize,
    /// When the oldest counted request leaves the window.
    pub frees_in: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_calls::method::RateTier;

    static TIER1: MethodInfo = MethodInfo {
        name: "slow.method",
        rate_tier: RateTier::Tier1,
        idempotent: true,
        example_response: "",
        ..MethodInfo::BLANK
    };

    #[test]
    fn sliding_window_per_workspace_and_method() {
        let mut limiter = Limiter::default();
        let at = Duration::from_secs;
        assert_eq!(limiter.admit(LimitMode::Tiers, "a", &TIER1, at(0)), Ok(()));
        assert_eq!(
            limiter.admit(LimitMode::Tiers, "a", &TIER1, at(10)),
            Err(at(50))
        );
        assert_eq!(limiter.admit(LimitMode::Tiers, "b", &TIER1, at(10)), Ok(()));
        assert_eq!(
            limiter.admit(LimitMode::Tiers, "a", &TIER1, Duration::from_millis(59_500)),
            Err(Duration::from_millis(500))
        );
        assert_eq!(limiter.admit(LimitMode::Tiers, "a", &TIER1, at(60)), Ok(()));
        assert_eq!(limiter.admit(LimitMode::Off, "a", &TIER1, at(60)), Ok(()));
        assert_eq!(
            limiter.admit(LimitMode::PerMinute(0), "c", &TIER1, at(0)),
            Err(at(60))
        );
        assert_eq!(
            limiter.admit(LimitMode::PerMinute(2), "c", &TIER1, at(0)),
            Ok(())
        );
        assert_eq!(
            limiter.admit(LimitMode::PerMinute(2), "c", &TIER1, at(1)),
            Ok(())
        );
        assert_eq!(
            limiter.admit(LimitMode::PerMinute(2), "c", &TIER1, at(2)),
            Err(at(58))
        );
    }

    #[test]
    fn windows_count_the_last_minute_only() {
        let mut limiter = Limiter::default();
        let at = Duration::from_secs;
        assert_eq!(limiter.admit(LimitMode::Tiers, "b", &TIER1, at(0)), Ok(()));
        assert_eq!(limiter.admit(LimitMode::Tiers, "a", &TIER1, at(30)), Ok(()));
        let windows = limiter.windows(at(40));
        assert_eq!(
            windows,
            vec![
                WindowState {
                    team_id: "a",
                    method: "slow.method",
                    count: 1,
                    frees_in: Some(at(50)),
                },
                WindowState {
                    team_id: "b",
                    method: "slow.method",
                    count: 1,
                    frees_in: Some(at(20)),
                },
            ]
        );
        let later = limiter.windows(at(61));
        assert_eq!(later[1].count, 0);
        assert_eq!(later[1].frees_in, None);
    }

    #[test]
    fn retry_after_is_in_real_seconds() {
        let real_time = ScaledClock::new(1.0);
        assert_eq!(real_time.real_secs(Duration::from_secs(50)), 50);
        assert_eq!(real_time.real_secs(Duration::from_millis(500)), 1);
        assert_eq!(real_time.real_secs(Duration::ZERO), 1);
        let fast = ScaledClock::new(60.0);
        assert_eq!(fast.real_secs(Duration::from_secs(60)), 1);
        assert_eq!(fast.real_secs(Duration::from_secs(61)), 2);
        assert_eq!(fast.real_secs(Duration::from_secs(3000)), 50);
        let slow = ScaledClock::new(0.5);
        assert_eq!(slow.real_secs(Duration::from_secs(30)), 60);
    }

    #[test]
    fn clock_scales_and_saturates() {
        let clock = ScaledClock::new(f64::MAX);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(Duration::from_secs(1)), Duration::MAX);
        let clock = ScaledClock::new(1.0);
        assert!(clock.now(Duration::from_secs(100)) >= Duration::from_secs(100));
    }
}

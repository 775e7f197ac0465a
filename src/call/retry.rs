//! How many times a failed call is sent, and how long to wait between.
//!
//! *Whether* a failure may be sent again at all is not decided here: the
//! classifier (`classify.rs`) answers that for every kind of failure, from
//! whether Slack may already have acted and the method's idempotency. This
//! policy only bounds the attempts and spaces them.
//!
//! HTTP 429 is not handled here either: the rate limiter waits
//! `Retry-After` and the call goes again within the caller's wait budget.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How failed calls are retried: a bounded number of attempts, with
/// exponential backoff and jitter between them.
///
/// The wait before retry `n` (1 for the first retry) is
/// `initial_backoff * 2^(n-1)`, capped at `max_backoff`; with jitter on, a
/// random point in the upper half of that (`[d/2, d]`), so that clients
/// that failed together do not come back together.
///
/// ```
/// use slack_calls::RetryPolicy;
/// use std::time::Duration;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(2));
/// assert_eq!(policy.backoff(1), Duration::from_millis(200));
/// assert_eq!(policy.backoff(4), Duration::from_millis(1600));
/// assert_eq!(policy.backoff(5), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
}

impl RetryPolicy {
    /// The default: up to 4 attempts, backoff from 500 ms doubling up to
    /// 8 s, with jitter.
    pub const fn new() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            jitter: true,
        }
    }

    /// Never retry (one attempt). 429s are still waited out within the
    /// wait budget; set
    /// [`max_rate_limit_wait`](crate::ClientBuilder::max_rate_limit_wait)
    /// to zero to stop that too.
    pub const fn none() -> RetryPolicy {
        RetryPolicy::new().max_attempts(1)
    }

    /// The most times one call is sent, the first included (at least 1).
    pub const fn max_attempts(mut self, attempts: u32) -> RetryPolicy {
        self.max_attempts = attempts;
        self
    }

    /// The wait before the first retry.
    pub const fn initial_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.initial_backoff = backoff;
        self
    }

    /// The longest wait between two attempts.
    pub const fn max_backoff(mut self, backoff: Duration) -> RetryPolicy {
        self.max_backoff = backoff;
        self
    }

    /// Whether waits are randomised (on by default). Off gives exactly
    /// [`backoff`](RetryPolicy::backoff).
    pub const fn jitter(mut self, jitter: bool) -> RetryPolicy {
        self.jitter = jitter;
        self
    }

    /// The most attempts per call.
    pub const fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry `retry` (1-based) without jitter.
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1);
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }

    /// The wait before retry `retry`, with jitter when it is on.
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let full = self.backoff(retry);
        if !self.jitter {
            return full;
        }
        let half = full / 2;
        half + (full - half).mul_f64(random_fraction())
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.max_attempts == 0 {
            return Err(
                "max_attempts must be at least 1 (use RetryPolicy::none() for no retries)"
                    .to_owned(),
            );
        }
        if self.initial_backoff > self.max_backoff {
            return Err(format!(
                "initial_backoff ({:?}) is longer than max_backoff ({:?})",
                self.initial_backoff, self.max_backoff
            ));
        }
        Ok(())
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::new()
    }
}

/// A uniform number in `[0, 1)`, different on every call.
fn random_fraction() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let bits = RandomState::new().hash_one(n) >> 11;
    // 53 random bits over 2^53.
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_without_overflow() {
        let policy = RetryPolicy::new();
        let ms = Duration::from_millis;
        assert_eq!(
            (1..=6).map(|n| policy.backoff(n)).collect::<Vec<_>>(),
            [ms(500), ms(1000), ms(2000), ms(4000), ms(8000), ms(8000)]
        );
        assert_eq!(policy.backoff(u32::MAX), ms(8000));
        assert_eq!(policy.backoff(0), ms(500));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let policy = RetryPolicy::new();
        let mut distinct = std::collections::BTreeSet::new();
        for retry in 1..=4 {
            let full = policy.backoff(retry);
            for _ in 0..50 {
                let delay = policy.delay(retry);
                assert!(delay >= full / 2 && delay <= full, "{delay:?} vs {full:?}");
                distinct.insert(delay);
            }
        }
        assert!(
            distinct.len() > 100,
            "jitter should vary: {}",
            distinct.len()
        );
        assert_eq!(
            policy.clone().jitter(false).delay(3),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn bad_policies_are_refused() {
        assert!(RetryPolicy::new().max_attempts(0).validate().is_err());
        assert!(
            RetryPolicy::new()
                .initial_backoff(Duration::from_secs(10))
                .validate()
                .is_err()
        );
        assert!(RetryPolicy::none().validate().is_ok());
    }
}

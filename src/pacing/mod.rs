//! Pacing: how fast each method may be called and keeping to it.
//!
//! - `rate.rs`: the configuration, a [`Rate`](crate::Rate) per tier or per
//!   method in [`RateLimits`](crate::RateLimits), and the [`Pacing`](crate::Pacing) mode.
//! - `limiter.rs`: the [`RateLimiter`](crate::RateLimiter) the send path asks
//!   for a permit before each attempt and tells of each 429; its buckets
//!   and how a permit is planned (`bucket.rs`), and what a caller holds
//!   while it waits and sends (`permit.rs`).
//! - `window.rs`: the exact sliding-window log ([`Pacing::Window`](crate::Pacing::Window)),
//!   in process. The spread-out mode is a GCRA kept in the limiter's bucket
//!   itself.
//! - `redis.rs` (feature `redis`): the same window kept in Redis for every
//!   instance of an app.

pub(crate) mod bucket;
pub(crate) mod limiter;
pub(crate) mod permit;
pub(crate) mod rate;
#[cfg(feature = "redis")]
mod redis;
pub(crate) mod window;

#[cfg(feature = "redis")]
pub(crate) use self::redis::Booked;
#[cfg(feature = "redis")]
pub use self::redis::RedisPacing;

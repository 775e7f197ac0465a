//! The pacing algorithms the limiter (`ratelimit.rs`) applies per key: the
//! exact sliding-window log ([`WindowLog`], [`Pacing::Window`](crate::Pacing::Window)),
//! in process, and the same window kept in Redis for every instance of an
//! app (`redis.rs`, feature `redis`). The spread-out mode is a GCRA kept in
//! the limiter's bucket itself.

#[cfg(feature = "redis")]
mod redis;
mod window;

#[cfg(feature = "redis")]
pub(crate) use self::redis::Booked;
#[cfg(feature = "redis")]
pub use self::redis::RedisPacing;
pub(crate) use window::WindowLog;

//! The pacing algorithms the limiter (`ratelimit.rs`) applies per key: the
//! exact sliding-window log ([`WindowLog`], [`Pacing::Window`](crate::Pacing::Window)).
//! The spread-out mode is a GCRA kept in the limiter's bucket itself.

mod window;

pub(crate) use window::WindowLog;

//! The benchmarks of slack-calls: the `[[bench]]` targets of this crate
//! (`compare`, `micro`, `pages`, `scale`, `pacing`, `events`, `installs`)
//! and the build-cost scripts beside them. This library is empty: a package
//! needs one target that is not a bench. See BENCHMARKS.md for the commands
//! and the figures.

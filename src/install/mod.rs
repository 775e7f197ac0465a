//! Installations: what each install of the app gave it, keyed as Slack
//! keys them ([`Installation`], [`InstallationKey`]), and where an
//! [`App`](crate::App) finds them ([`Installations`],
//! [`MemoryInstallations`]).

#[cfg(feature = "install")]
pub(crate) mod flow;
pub(crate) mod installation;
pub(crate) mod keyed_locks;
pub(crate) mod memory;
pub(crate) mod rotation;
pub(crate) mod store;

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) mod row;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

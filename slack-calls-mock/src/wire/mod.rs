//! The wire: reading a request (`request.rs`, `params.rs`), writing Slack's
//! answer and headers (`answer.rs`), the HTTP server that drives hyper itself
//! (`server.rs`), and cursor paging (`cursor.rs`).

pub(crate) mod answer;
pub(crate) mod cursor;
pub(crate) mod params;
pub(crate) mod request;
pub(crate) mod server;

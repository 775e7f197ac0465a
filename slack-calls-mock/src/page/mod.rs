//! The page at the fake's root (`GET /`): what the app did to Slack, per
//! workspace (channels and DMs with their messages, `call` blocks drawn
//! as Call cards, the Calls with their rosters and history, rate-limit
//! windows), the event deliveries to the app and the request log.
//!
//! The first answer is whole HTML, rendered on the server, so it reads
//! without JavaScript; `page.js` then asks for `/_mock/page/fragment`
//! every second and swaps it in when it changed. `/_mock/page/snapshot`
//! is the JSON the HTML is written from. The assets are embedded in the
//! binary: the page needs no network.

mod html;
mod view;

pub(crate) use html::escape;

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::state::fake::FakeSlack;
use crate::wire::answer::{body_bytes, json_response, text_response};

const INDEX: &str = include_str!("index.html");
const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// Where the server-rendered part goes in `index.html`.
const MAIN_MARK: &str = "<!--main-->";

/// `GET /`: the page, its first state rendered in.
pub(crate) async fn index(State(fake): State<Arc<FakeSlack>>) -> Response {
    let main = html::main(&view::snapshot(&fake));
    let page = INDEX.replacen(MAIN_MARK, &main, 1);
    text_response(StatusCode::OK, "text/html; charset=utf-8", page)
}

/// `GET /_mock/page/fragment`: the inside of `<main>`, for live updates.
pub(crate) async fn fragment(State(fake): State<Arc<FakeSlack>>) -> Response {
    let main = html::main(&view::snapshot(&fake));
    text_response(StatusCode::OK, "text/html; charset=utf-8", main)
}

/// `GET /_mock/page/snapshot`: the JSON the page is written from.
pub(crate) async fn snapshot(State(fake): State<Arc<FakeSlack>>) -> Response {
    let mut body = view::snapshot(&fake);
    if let serde_json::Value::Object(map) = &mut body {
        map.insert("ok".into(), serde_json::Value::Bool(true));
    }
    json_response(StatusCode::OK, body_bytes(&body), None)
}

/// `GET /page.css`.
pub(crate) async fn css() -> Response {
    text_response(StatusCode::OK, "text/css; charset=utf-8", CSS.to_owned())
}

/// `GET /page.js`.
pub(crate) async fn js() -> Response {
    text_response(
        StatusCode::OK,
        "text/javascript; charset=utf-8",
        JS.to_owned(),
    )
}

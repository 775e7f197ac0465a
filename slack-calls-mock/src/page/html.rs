//! The page's HTML, written from the snapshot ([`view`](super::view)):
//! the server renders it into the first answer (so the page reads without
//! JavaScript) and again for each live update. Semantic elements, a
//! heading per part, tables with headers, every text escaped.

use std::fmt::Write;

use serde_json::Value;

pub(crate) use slack_calls::__private::escape_html as escape;

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `1 h 2 min 3 s`, `4 min 5 s`, `6 s`.
pub(super) fn duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min {s} s"),
    }
}

/// The `<main>` content for a snapshot.
pub(super) fn main(snapshot: &Value) -> String {
    let mut out = String::new();
    let workspaces = list(snapshot, "workspaces");
    out.push_str("<nav aria-label=\"Workspaces\"><ul>");
    for ws in workspaces {
        let _ = write!(
            out,
            "<li><a href=\"#ws-{id}\">{name} ({id})</a></li>",
            id = escape(text(ws, "team_id")),
            name = escape(text(ws, "name"))
        );
    }
    out.push_str("<li><a href=\"#deliveries\">Event deliveries</a></li><li><a href=\"#requests\">Requests</a></li></ul></nav>");
    for ws in workspaces {
        workspace(&mut out, ws);
    }
    deliveries(&mut out, snapshot);
    requests(&mut out, snapshot);
    out
}

/// What the app posted to the Call button's response URLs, inside the
/// deliveries section.
fn responses(out: &mut String, snapshot: &Value) {
    let list = list(snapshot, "responses");
    if list.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Answers the app posted to a response_url</h3><table><thead><tr>\
         <th scope=\"col\">Call button press</th><th scope=\"col\">Posts</th>\
         <th scope=\"col\">First answer</th><th scope=\"col\">Call opens at</th></tr></thead><tbody>",
    );
    for r in list {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.get("press").and_then(Value::as_u64).unwrap_or(0),
            r.get("posts").and_then(Value::as_u64).unwrap_or(0),
            escape(text(r, "response_type")),
            escape(text(r, "call_initiation_url")),
        );
    }
    out.push_str("</tbody></table>");
}

fn workspace(out: &mut String, ws: &Value) {
    let id = escape(text(ws, "team_id"));
    let _ = write!(
        out,
        "<section class=\"workspace\" id=\"ws-{id}\" aria-labelledby=\"ws-{id}-h\">\
         <h2 id=\"ws-{id}-h\">{name} <small>{id}</small></h2>",
        name = escape(text(ws, "name"))
    );
    let calls = list(ws, "calls");
    out.push_str("<section class=\"channels\"><h3>Channels and DMs</h3>");
    for channel in list(ws, "channels") {
        let messages = list(channel, "messages");
        if messages.is_empty() {
            continue;
        }
        let label = match channel.get("name").and_then(Value::as_str) {
            Some(name) => format!(
                "#{} <small>{}</small>",
                escape(name),
                escape(text(channel, "id"))
            ),
            None if channel.get("dm") == Some(&Value::Bool(true)) => {
                format!("DM {}", escape(text(channel, "id")))
            }
            None => escape(text(channel, "id")),
        };
        let _ = write!(
            out,
            "<section class=\"channel\"><h4>{label}</h4><ol class=\"messages\">"
        );
        for message in messages {
            message_html(out, message, calls);
        }
        out.push_str("</ol></section>");
    }
    out.push_str("</section>");

    out.push_str("<section class=\"calls\"><h3>Calls</h3>");
    if calls.is_empty() {
        out.push_str("<p>No Calls yet.</p>");
    }
    for call in calls {
        call_with_history(out, call);
    }
    out.push_str("</section>");

    out.push_str("<section class=\"limits\"><h3>Rate limits</h3>");
    let limits = list(ws, "rate_limits");
    if limits.is_empty() {
        out.push_str("<p>No request counted in the last minute.</p>");
    } else {
        out.push_str(
            "<table><thead><tr><th scope=\"col\">Method</th><th scope=\"col\">In the last minute</th>\
             <th scope=\"col\">Tier limit</th><th scope=\"col\">429 pause</th></tr></thead><tbody>",
        );
        for limit in limits {
            let count = limit.get("count").and_then(Value::as_u64).unwrap_or(0);
            let cap = limit.get("limit").and_then(Value::as_u64);
            let meter = match cap {
                Some(cap) if cap > 0 => format!(
                    "<meter min=\"0\" max=\"{cap}\" value=\"{count}\">{count} of {cap}</meter> {count}/{cap}"
                ),
                _ => format!("{count}"),
            };
            let pause = match limit.get("paused_secs").and_then(Value::as_u64) {
                Some(secs) => format!("<strong class=\"bad\">429 for {secs} s more</strong>"),
                None => "none".to_owned(),
            };
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td>{meter}</td><td>{}</td><td>{pause}</td></tr>",
                escape(text(limit, "method")),
                cap.map_or("none".to_owned(), |cap| format!("{cap}/min")),
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section></section>");
}

fn message_html(out: &mut String, message: &Value, calls: &[Value]) {
    let from = text(message, "from");
    let _ = write!(
        out,
        "<li><article class=\"message from-{from}\"><header><b>{user}</b> <small>{who} · ts {ts}</small></header><p>{body}</p>",
        from = escape(from),
        user = escape(text(message, "user")),
        who = if from == "app" {
            "the app posted"
        } else {
            "a user posted"
        },
        ts = escape(text(message, "ts")),
        body = escape(text(message, "text")),
    );
    for id in list(message, "call_ids") {
        card(out, id.as_str().unwrap_or(""), calls, "posted");
    }
    if let Some(Value::Object(unfurled)) = message.get("unfurled_call_ids") {
        for (url, ids) in unfurled {
            let _ = write!(
                out,
                "<p class=\"unfurl-of\">Unfurled <a href=\"{u}\">{u}</a></p>",
                u = escape(url)
            );
            for id in ids.as_array().map_or(&[][..], Vec::as_slice) {
                card(out, id.as_str().unwrap_or(""), calls, "unfurled");
            }
        }
    }
    out.push_str("</article></li>");
}

/// A `call` block drawn as Slack draws it: a Call card.
fn card(out: &mut String, id: &str, calls: &[Value], how: &str) {
    let Some(call) = calls.iter().find(|call| text(call, "id") == id) else {
        let _ = write!(
            out,
            "<aside class=\"call-card unknown\" data-call-id=\"{id}\" data-how=\"{how}\"><p>Call {id} (not in this workspace's Calls)</p></aside>",
            id = escape(id)
        );
        return;
    };
    let ended = call.get("ended") == Some(&Value::Bool(true));
    let title = match text(call, "title") {
        "" => "Untitled Call",
        title => title,
    };
    let secs = call
        .get("duration_secs")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let _ = write!(
        out,
        "<aside class=\"call-card {state}\" data-call-id=\"{id}\" data-how=\"{how}\" aria-label=\"Call {title}\">\
         <h5 class=\"call-title\">{title}</h5>\
         <p><span class=\"call-state\">{state_text}</span> · <span class=\"call-duration\">{dur}</span> · {how}</p>\
         <p><a class=\"join\" href=\"{join}\">Join</a></p><ul class=\"participants\" aria-label=\"Participants\">",
        state = if ended { "ended" } else { "live" },
        id = escape(id),
        title = escape(title),
        state_text = if ended { "Ended" } else { "Started" },
        dur = if ended {
            format!("lasted {}", duration(secs))
        } else {
            format!("running for {}", duration(secs))
        },
        join = escape(text(call, "join_url")),
    );
    for user in list(call, "users") {
        let _ = write!(out, "<li>{}</li>", escape(text(user, "name")));
    }
    out.push_str("</ul></aside>");
}

fn call_with_history(out: &mut String, call: &Value) {
    let ended = call.get("ended") == Some(&Value::Bool(true));
    let _ = write!(
        out,
        "<article class=\"call\" id=\"call-{id}\"><h4>{title} <small>{id}</small></h4>\
         <p>{state}, created by {creator}; join link <a href=\"{join}\">{join}</a></p>\
         <h5>Roster</h5><ul>",
        id = escape(text(call, "id")),
        title = escape(match text(call, "title") {
            "" => "Untitled Call",
            title => title,
        }),
        state = if ended { "Ended" } else { "Started" },
        creator = escape(text(call, "created_by_name")),
        join = escape(text(call, "join_url")),
    );
    let users = list(call, "users");
    if users.is_empty() {
        out.push_str("<li>nobody</li>");
    }
    for user in users {
        let _ = write!(out, "<li>{}</li>", escape(text(user, "name")));
    }
    out.push_str("</ul><h5>History</h5><ol class=\"history\">");
    let start = call.get("date_start").and_then(Value::as_i64).unwrap_or(0);
    for change in list(call, "history") {
        let at = change.get("at").and_then(Value::as_i64).unwrap_or(0);
        let names: Vec<String> = list(change, "users")
            .iter()
            .map(|user| escape(text(user, "name")))
            .collect();
        let what = match text(change, "change") {
            "added" if names.is_empty() => "registered (calls.add)".to_owned(),
            "added" => format!("registered with {} (calls.add)", names.join(", ")),
            "updated" => {
                let fields: Vec<String> = list(change, "fields")
                    .iter()
                    .map(|f| escape(f.as_str().unwrap_or("")))
                    .collect();
                format!("updated {} (calls.update)", fields.join(", "))
            }
            "joined" => format!("{} joined (calls.participants.add)", names.join(", ")),
            "left" => format!("{} left (calls.participants.remove)", names.join(", ")),
            "ended" => "ended (calls.end)".to_owned(),
            other => escape(other),
        };
        let _ = write!(
            out,
            "<li>+{} {what}</li>",
            duration(at.saturating_sub(start).max(0))
        );
    }
    out.push_str("</ol></article>");
}

fn deliveries(out: &mut String, snapshot: &Value) {
    out.push_str("<section id=\"deliveries\"><h2>Event deliveries to the app</h2>");
    if let Some(app) = snapshot.get("app").filter(|app| !app.is_null()) {
        let _ = write!(
            out,
            "<p>App {} at <code>{}</code></p>",
            escape(text(app, "app_id")),
            escape(text(app, "request_url"))
        );
    }
    let list = list(snapshot, "deliveries");
    if list.is_empty() {
        out.push_str("<p>Nothing sent to the app yet.</p>");
        responses(out, snapshot);
        out.push_str("</section>");
        return;
    }
    out.push_str(
        "<table><thead><tr><th scope=\"col\">Type</th><th scope=\"col\">Event</th><th scope=\"col\">Attempt</th>\
         <th scope=\"col\">Retry reason</th><th scope=\"col\">App's status</th><th scope=\"col\">Acked in time</th>\
         <th scope=\"col\">Failure</th></tr></thead><tbody>",
    );
    for d in list {
        let status = d
            .get("status")
            .and_then(Value::as_u64)
            .map_or("none".to_owned(), |s| s.to_string());
        let acked = d.get("acked_in_time") == Some(&Value::Bool(true));
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{status}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            escape(text(d, "kind")),
            escape(text(d, "event_id")),
            d.get("attempt").and_then(Value::as_u64).unwrap_or(0),
            escape(text(d, "retry_reason")),
            if acked { "good" } else { "bad" },
            if acked { "yes" } else { "no" },
            escape(text(d, "failure")),
        );
    }
    out.push_str("</tbody></table>");
    responses(out, snapshot);
    out.push_str("</section>");
}

fn requests(out: &mut String, snapshot: &Value) {
    let list = list(snapshot, "requests");
    let total = snapshot
        .get("requests_total")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let _ = write!(
        out,
        "<section id=\"requests\"><h2>Requests to the Web API</h2><p>{} of {total} logged, newest last.</p>",
        list.len()
    );
    if list.is_empty() {
        out.push_str("</section>");
        return;
    }
    out.push_str(
        "<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">Method</th><th scope=\"col\">Token kind</th>\
         <th scope=\"col\">Verdict</th><th scope=\"col\">Injected</th></tr></thead><tbody>",
    );
    for r in list {
        let outcome = match text(r, "outcome") {
            "error" => format!("error <code>{}</code>", escape(text(r, "error"))),
            "ratelimited" => format!(
                "429, retry after {} s",
                r.get("retry_after").and_then(Value::as_u64).unwrap_or(0)
            ),
            "refused" => format!(
                "refused, HTTP {}",
                r.get("status").and_then(Value::as_u64).unwrap_or(0)
            ),
            other => escape(other),
        };
        let injected = match r.get("injected") {
            Some(Value::Object(map)) => escape(&Value::Object(map.clone()).to_string()),
            _ => String::new(),
        };
        let kind = match r.get("token_kind").and_then(Value::as_str) {
            Some(kind) => escape(kind),
            None => match text(r, "token_source") {
                "" => "no token".to_owned(),
                _ => "unknown token".to_owned(),
            },
        };
        let _ = write!(
            out,
            "<tr class=\"{cls}\"><td>{}</td><td><code>{}</code> <small>{}</small></td><td>{kind}</td><td>{outcome}</td><td>{injected}</td></tr>",
            r.get("seq").and_then(Value::as_u64).unwrap_or(0),
            escape(text(r, "method")),
            escape(text(r, "http_method")),
            cls = escape(text(r, "outcome")),
        );
    }
    out.push_str("</tbody></table></section>");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(5), "5 s");
        assert_eq!(duration(65), "1 min 5 s");
        assert_eq!(duration(3725), "1 h 2 min 5 s");
    }

    #[test]
    fn a_posted_call_block_is_a_card_with_its_roster() {
        let snapshot = json!({ "workspaces": [{
            "team_id": "T1", "name": "W",
            "channels": [{ "id": "C1", "name": "general", "dm": false, "messages": [
                { "from": "app", "user": "UB1", "ts": "1.000001", "text": "<b>", "call_ids": ["R1"] }
            ]}],
            "calls": [{ "id": "R1", "title": "Stand-up", "join_url": "https://x/j", "ended": true,
                        "duration_secs": 65, "users": [{ "name": "Mock User U1" }, { "name": "Ext" }],
                        "history": [{ "at": 0, "change": "ended" }], "date_start": 0 }],
            "rate_limits": [{ "method": "calls.add", "count": 50, "limit": 50, "paused_secs": 3 }],
        }], "deliveries": [], "requests": [], "requests_total": 0 });
        let html = main(&snapshot);
        assert!(
            html.contains("<h5 class=\"call-title\">Stand-up</h5>"),
            "{html}"
        );
        assert!(html.contains("<span class=\"call-state\">Ended</span>"));
        assert!(html.contains("lasted 1 min 5 s"));
        assert!(html.contains("<li>Mock User U1</li><li>Ext</li>"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(html.contains("429 for 3 s more"));
    }
}

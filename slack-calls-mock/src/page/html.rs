//! The page's HTML, written from the snapshot ([`view`](super::view)):
//! the server renders it into the first answer (so the page reads without
//! JavaScript) and again for each live update. Semantic elements, a
//! heading per part, tables with headers, every text escaped.
//!
//! Only `http(s)` URLs become links: Slack's link markup in message text
//! (`<https://x|label>`, `<https://x>`, see [`slack_text`]), join URLs and
//! where a Call opens; anything else is shown as text. Long rosters show
//! their first names and "and K more", a `<details>` holding the rest, so
//! one big Call does not stretch the page; the script keeps an opened one
//! open across live updates (each has a stable `id`).

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

/// How many participants a Call card shows before "and K more".
pub(super) const CARD_SHOWN: usize = 8;
/// How many names a Call's roster (in the Calls column) shows before
/// "and K more".
pub(super) const ROSTER_SHOWN: usize = 10;
/// How many names a line of a Call's history shows before "and K more".
pub(super) const HISTORY_SHOWN: usize = 3;

/// `text` as an `http(s)` URL, when it is one (absolute, with a host, no
/// space or markup in it).
fn web_url(text: &str) -> Option<url::Url> {
    let scheme = text.split_once("://").map(|(scheme, _)| scheme);
    let web =
        scheme.is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"));
    if !web
        || text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
    {
        return None;
    }
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

/// A link to `url` reading `label` (both raw text), when `url` is an
/// `http(s)` URL; else the label, as text.
fn link(url: &str, label: &str) -> String {
    match web_url(url) {
        Some(url) => format!(
            "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
            escape(url.as_str()),
            escape(label)
        ),
        None => escape(label),
    }
}

/// A URL shown as itself: a link when it is `http(s)`, else `<code>`.
fn url_text(url: &str) -> String {
    match web_url(url) {
        Some(_) => link(url, url),
        None => format!("<code>{}</code>", escape(url)),
    }
}

/// Message text as Slack shows it: its link markup, `<https://x|label>`
/// and `<https://x>`, becomes links (`http(s)` only); everything else is
/// escaped text, other `<...>` markup (mentions, `javascript:` links)
/// included.
pub(super) fn slack_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&escape(&rest[..open]));
        let after = &rest[open + 1..];
        let markup = after.find('>').and_then(|close| {
            let inner = &after[..close];
            let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
            web_url(target)?;
            let label = if label.is_empty() { target } else { label };
            Some((link(target, label), close))
        });
        match markup {
            Some((anchor, close)) => {
                out.push_str(&anchor);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str("&lt;");
                rest = after;
            }
        }
    }
    out.push_str(&escape(rest));
    out
}

/// `names` (escaped) as the items of a list: the first `shown` in
/// `<ul {attrs}>`, and when there are more, "and K more" opening a
/// `<details id="{more_id}">` whose list holds the rest.
fn names_list(out: &mut String, names: &[String], shown: usize, attrs: &str, more_id: &str) {
    let (first, rest) = names.split_at(names.len().min(shown));
    let _ = write!(out, "<ul {attrs}>");
    for name in first {
        let _ = write!(out, "<li>{name}</li>");
    }
    out.push_str("</ul>");
    if rest.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<details class=\"more\" id=\"{more_id}\"><summary>and {} more</summary><ul {attrs}>",
        rest.len()
    );
    for name in rest {
        let _ = write!(out, "<li>{name}</li>");
    }
    out.push_str("</ul></details>");
}

/// The escaped names of a Call's users.
fn user_names(users: &[Value]) -> Vec<String> {
    users
        .iter()
        .map(|user| escape(text(user, "name")))
        .collect()
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
            message_html(out, message, text(channel, "id"), calls);
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

fn message_html(out: &mut String, message: &Value, channel: &str, calls: &[Value]) {
    let from = text(message, "from");
    let ts = text(message, "ts");
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
        ts = escape(ts),
        body = slack_text(text(message, "text")),
    );
    // A stable key for each card of the message, for its `<details>`.
    let key = format!("{channel}-{ts}");
    for (n, id) in list(message, "call_ids").iter().enumerate() {
        let key = format!("{key}-{n}");
        card(out, id.as_str().unwrap_or(""), calls, "posted", &key);
    }
    if let Some(Value::Object(unfurled)) = message.get("unfurled_call_ids") {
        for (u, (url, ids)) in unfurled.iter().enumerate() {
            let _ = write!(out, "<p class=\"unfurl-of\">Unfurled {}</p>", url_text(url));
            for (n, id) in ids
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .enumerate()
            {
                let key = format!("{key}-u{u}-{n}");
                card(out, id.as_str().unwrap_or(""), calls, "unfurled", &key);
            }
        }
    }
    out.push_str("</article></li>");
}

/// A `call` block drawn as Slack draws it: a Call card. A live Call has a
/// Join button; an ended one says so and how long it lasted, and has
/// none. `key` tells this card from the Call's other cards.
fn card(out: &mut String, id: &str, calls: &[Value], how: &str, key: &str) {
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
         <p><span class=\"call-state\">{state_text}</span> · <span class=\"call-duration\">{dur}</span> · {how}</p>",
        state = if ended { "ended" } else { "live" },
        id = escape(id),
        title = escape(title),
        state_text = if ended { "Ended" } else { "Started" },
        dur = if ended {
            format!("lasted {}", duration(secs))
        } else {
            format!("running for {}", duration(secs))
        },
    );
    let join = text(call, "join_url");
    if !ended && let Some(url) = web_url(join) {
        let _ = write!(
            out,
            "<p><a class=\"join\" href=\"{}\" rel=\"noreferrer\">Join</a></p>",
            escape(url.as_str())
        );
    }
    let names = user_names(list(call, "users"));
    let attrs = format!(
        "class=\"participants\" aria-label=\"Participants ({})\"",
        names.len()
    );
    let more = format!("more-{}-{}", escape(id), escape(key));
    names_list(out, &names, CARD_SHOWN, &attrs, &more);
    out.push_str("</aside>");
}

fn call_with_history(out: &mut String, call: &Value) {
    let ended = call.get("ended") == Some(&Value::Bool(true));
    let id = escape(text(call, "id"));
    let join = text(call, "join_url");
    let _ = write!(
        out,
        "<article class=\"call\" id=\"call-{id}\"><h4>{title} <small>{id}</small></h4>\
         <p>{state}, created by {creator}; {join}</p>",
        title = escape(match text(call, "title") {
            "" => "Untitled Call",
            title => title,
        }),
        state = if ended { "Ended" } else { "Started" },
        creator = escape(text(call, "created_by_name")),
        join = if ended {
            format!("its join link was <code>{}</code>", escape(join))
        } else {
            format!("join link {}", url_text(join))
        },
    );
    let names = user_names(list(call, "users"));
    let _ = write!(out, "<h5>Roster <small>({})</small></h5>", names.len());
    if names.is_empty() {
        out.push_str("<p>nobody</p>");
    } else {
        let more = format!("roster-more-{id}");
        names_list(out, &names, ROSTER_SHOWN, "class=\"roster\"", &more);
    }
    out.push_str("<h5>History</h5><ol class=\"history\">");
    let start = call.get("date_start").and_then(Value::as_i64).unwrap_or(0);
    for (n, change) in list(call, "history").iter().enumerate() {
        let at = change.get("at").and_then(Value::as_i64).unwrap_or(0);
        let names = user_names(list(change, "users"));
        // Long lists of names: the first few, and all of them below.
        let (who, all) = if names.len() > HISTORY_SHOWN {
            let who = format!(
                "{} and {} more",
                names[..HISTORY_SHOWN].join(", "),
                names.len() - HISTORY_SHOWN
            );
            let all = format!(
                "<details class=\"more\" id=\"history-more-{id}-{n}\"><summary>all {}</summary><p>{}</p></details>",
                names.len(),
                names.join(", ")
            );
            (who, all)
        } else {
            (names.join(", "), String::new())
        };
        let what = match text(change, "change") {
            "added" if names.is_empty() => "registered (calls.add)".to_owned(),
            "added" => format!("registered with {who} (calls.add)"),
            "updated" => {
                let fields: Vec<String> = list(change, "fields")
                    .iter()
                    .map(|f| escape(f.as_str().unwrap_or("")))
                    .collect();
                format!("updated {} (calls.update)", fields.join(", "))
            }
            "joined" => format!("{who} joined (calls.participants.add)"),
            "left" => format!("{who} left (calls.participants.remove)"),
            "ended" => "ended (calls.end)".to_owned(),
            other => escape(other),
        };
        let _ = write!(
            out,
            "<li>+{} {what}{all}</li>",
            duration(at.saturating_sub(start).max(0))
        );
    }
    out.push_str("</ol></article>");
}

/// What came of a Call-button press (a delivery's `initiation`): where
/// the Call opens and how the app said so, or why no Call started.
fn initiation_html(initiation: &Value) -> String {
    let posts = initiation.get("posts").and_then(Value::as_u64).unwrap_or(0);
    let extra = if posts > 1 {
        format!("; {posts} posts to the response_url, the first counts")
    } else {
        String::new()
    };
    match text(initiation, "outcome") {
        "call" => {
            let via = match text(initiation, "via") {
                "response_url" => "posted to the response_url",
                _ => "in the HTTP answer",
            };
            format!(
                "<span class=\"good\">Call opens at</span> {} <small>({via}{extra})</small>",
                url_text(text(initiation, "call_initiation_url"))
            )
        }
        "no_call" => format!(
            "<span class=\"bad\">no Call:</span> {}{}",
            escape(text(initiation, "why")),
            escape(&extra)
        ),
        _ => "waiting for the app's answer".to_owned(),
    }
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
        out.push_str("<p>Nothing sent to the app yet.</p></section>");
        return;
    }
    out.push_str(
        "<table><thead><tr><th scope=\"col\">Type</th><th scope=\"col\">Event</th><th scope=\"col\">Attempt</th>\
         <th scope=\"col\">Retry reason</th><th scope=\"col\">App's status</th><th scope=\"col\">Acked in time</th>\
         <th scope=\"col\">Failure</th><th scope=\"col\">What came of it</th></tr></thead><tbody>",
    );
    for d in list {
        let status = d
            .get("status")
            .and_then(Value::as_u64)
            .map_or("none".to_owned(), |s| s.to_string());
        let acked = d.get("acked_in_time") == Some(&Value::Bool(true));
        let initiation = d.get("initiation").filter(|i| i.is_object());
        let event = match initiation {
            Some(i) => format!(
                "Call button press {}",
                i.get("press").and_then(Value::as_u64).unwrap_or(0)
            ),
            None => escape(text(d, "event_id")),
        };
        let _ = write!(
            out,
            "<tr class=\"delivery {kind}\"><td>{kind}</td><td>{event}</td><td>{}</td><td>{}</td><td>{status}</td><td class=\"{}\">{}</td><td>{}</td><td class=\"answer\">{}</td></tr>",
            d.get("attempt").and_then(Value::as_u64).unwrap_or(0),
            escape(text(d, "retry_reason")),
            if acked { "good" } else { "bad" },
            if acked { "yes" } else { "no" },
            escape(text(d, "failure")),
            initiation.map(initiation_html).unwrap_or_default(),
            kind = escape(text(d, "kind")),
        );
    }
    out.push_str("</tbody></table></section>");
}

/// What the common error codes of a Calls app's flow mean, in plain
/// words: Slack's answer when what was asked for is not there or no
/// longer can be (a workflow may ask on purpose, as it looks up an
/// attendee's email, or adds to a Call that may have ended). The fake
/// cannot know what the app meant: this says what the code means.
pub(super) const REFUSALS: &[(&str, &str)] = &[
    (
        "users_not_found",
        "the email is not a Slack user's in this workspace",
    ),
    (
        "user_not_found",
        "a user ID is not a user of this workspace",
    ),
    ("inactive_call", "the Call has already ended"),
    ("invalid_call_id", "no Call has that ID"),
    (
        "bad_users",
        "a participant is already in the Call, or an entry is malformed",
    ),
    (
        "channel_not_found",
        "the channel does not exist, or the caller cannot see it",
    ),
    (
        "not_in_channel",
        "the caller is not a member of the channel",
    ),
    (
        "message_not_found",
        "no message has that timestamp in the channel",
    ),
    ("cannot_find_message", "the ts does not match a message"),
    ("cannot_unfurl_message", "the URL is not in the message"),
];

/// What `code` means, when it is one of [`REFUSALS`].
pub(super) fn hint(code: &str) -> Option<&'static str> {
    REFUSALS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, means)| *means)
}

/// Error codes that say Slack itself failed, not that it refused.
const SLACK_FAILED: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// What a logged request came to, in words, and the class of its row:
/// `ok`, `refusal` (an error code of [`REFUSALS`], with what it means),
/// `error` (another error code) or `failure` (no answer or a broken one,
/// an HTTP error, a 429, Slack failing).
fn verdict(r: &Value) -> (String, &'static str) {
    let code = |code: &str| match hint(code) {
        Some(means) => (
            format!("refused: <code>{}</code> — {}", escape(code), escape(means)),
            "refusal",
        ),
        None if SLACK_FAILED.contains(&code) => {
            (format!("failed: <code>{}</code>", escape(code)), "failure")
        }
        None => (format!("error <code>{}</code>", escape(code)), "error"),
    };
    let script = r.get("injected").and_then(|i| i.get("script"));
    let (words, class) = match text(r, "outcome") {
        "ok" => ("ok".to_owned(), "ok"),
        "error" => code(text(r, "error")),
        "ratelimited" => (
            format!(
                "failed: 429, retry after {} s",
                r.get("retry_after").and_then(Value::as_u64).unwrap_or(0)
            ),
            "failure",
        ),
        "refused" => (
            format!(
                "failed: HTTP {} before any Slack logic",
                r.get("status").and_then(Value::as_u64).unwrap_or(0)
            ),
            "failure",
        ),
        "skipped" => match script {
            Some(script) => {
                let status = script.get("status").and_then(Value::as_u64).unwrap_or(0);
                match script.get("error").and_then(Value::as_str) {
                    _ if status >= 500 || status == 429 => {
                        (format!("failed: scripted HTTP {status}"), "failure")
                    }
                    Some(error) => {
                        let (words, class) = code(error);
                        (format!("scripted, {words}"), class)
                    }
                    None => (format!("scripted HTTP {status}"), "skipped"),
                }
            }
            None => ("skipped".to_owned(), "skipped"),
        },
        other => (escape(other), "other"),
    };
    if r.get("transport_fault") == Some(&Value::Bool(true)) {
        let words = match text(r, "outcome") {
            "skipped" => "failed: no Slack answer (injected fault)".to_owned(),
            _ => format!("failed: {words}, then the answer broke (injected fault)"),
        };
        return (words, "failure");
    }
    (words, class)
}

fn requests(out: &mut String, snapshot: &Value) {
    let list = list(snapshot, "requests");
    let total = snapshot
        .get("requests_total")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let _ = write!(
        out,
        "<section id=\"requests\"><h2>Requests to the Web API</h2><p>{} of {total} logged, newest last. \
         <span class=\"refusal-key\">refused:</span> Slack answered with an error code, and what the code means; \
         <span class=\"failure-key\">failed:</span> no answer or a broken one, an HTTP error, a 429, Slack failing.</p>",
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
        let (outcome, cls) = verdict(r);
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

    /// A workspace with one Call, posted once in #general.
    fn with_call(call: Value, text: &str) -> Value {
        json!({ "workspaces": [{
            "team_id": "T1", "name": "W",
            "channels": [{ "id": "C1", "name": "general", "dm": false, "messages": [
                { "from": "app", "user": "UB1", "ts": "1.000001", "text": text, "call_ids": ["R1"] }
            ]}],
            "calls": [call],
            "rate_limits": [],
        }], "deliveries": [], "requests": [], "requests_total": 0 })
    }

    /// The card of Call `id` in `html`.
    fn card_of<'a>(html: &'a str, id: &str) -> &'a str {
        let at = html
            .find(&format!("data-call-id=\"{id}\""))
            .unwrap_or_else(|| panic!("no card for {id}: {html}"));
        let start = html[..at].rfind("<aside").unwrap();
        &html[start..at + html[at..].find("</aside>").unwrap()]
    }

    #[test]
    fn a_long_roster_shows_its_first_names_and_the_rest_behind_and_k_more() {
        let users: Vec<Value> = (1..=33)
            .map(|n| json!({ "name": format!("Person {n:02}") }))
            .collect();
        let joined: Vec<Value> = users[2..].to_vec();
        let call = json!({ "id": "R1", "title": "All hands", "join_url": "https://x/j",
            "ended": false, "duration_secs": 5, "users": users, "created_by_name": "P",
            "date_start": 0, "history": [
                { "at": 0, "change": "added", "users": users[..2] },
                { "at": 1, "change": "joined", "users": joined },
            ] });
        let html = main(&with_call(call, "hi"));
        let card = card_of(&html, "R1");
        // The first list has CARD_SHOWN names; "and 25 more" holds the rest.
        let (shown, more) = card
            .split_once("<details")
            .expect("a <details> for the rest");
        assert_eq!(shown.matches("<li>").count(), CARD_SHOWN, "{card}");
        assert!(shown.contains("aria-label=\"Participants (33)\""), "{card}");
        assert!(more.contains("<summary>and 25 more</summary>"), "{card}");
        assert_eq!(more.matches("<li>").count(), 33 - CARD_SHOWN, "{card}");
        assert!(!more.contains(" open"), "closed at first: {card}");
        // Every name is still on the page, once in the card.
        for n in 1..=33 {
            assert_eq!(
                card.matches(&format!("<li>Person {n:02}</li>")).count(),
                1,
                "{n}"
            );
        }
        // The Calls column: ROSTER_SHOWN names, then the rest.
        let column = &html[html.find("id=\"call-R1\"").unwrap()..];
        assert!(
            column.contains("<h5>Roster <small>(33)</small></h5>"),
            "{column}"
        );
        let roster = &column[..column.find("<h5>History").unwrap()];
        let (shown, more) = roster.split_once("<details").unwrap();
        assert_eq!(shown.matches("<li>").count(), ROSTER_SHOWN, "{roster}");
        assert!(more.contains("and 23 more"), "{roster}");
        assert!(more.contains("id=\"roster-more-R1\""), "{roster}");
        // A history line names a few, and all of them behind a <details>.
        assert!(
            column.contains(
                "Person 03, Person 04, Person 05 and 28 more joined (calls.participants.add)"
            ),
            "{column}"
        );
        assert!(column.contains("<summary>all 31</summary>"), "{column}");
        // A short roster has no "more".
        let few = json!({ "id": "R1", "join_url": "https://x/j", "ended": false,
            "users": [{ "name": "A" }, { "name": "B" }], "history": [] });
        assert!(!main(&with_call(few, "hi")).contains("<details"));
    }

    #[test]
    fn an_ended_calls_card_has_no_join_button_a_live_one_has() {
        let ended = json!({ "id": "R1", "title": "T", "join_url": "https://x/j", "ended": true,
            "duration_secs": 125, "users": [], "history": [] });
        let html = main(&with_call(ended, "hi"));
        let card = card_of(&html, "R1");
        assert!(!card.contains("class=\"join\""), "{card}");
        assert!(!card.contains("Join"), "{card}");
        assert!(
            card.contains("<span class=\"call-state\">Ended</span>"),
            "{card}"
        );
        assert!(card.contains("lasted 2 min 5 s"), "{card}");
        // Nor does the Calls column link it.
        assert!(
            html.contains("its join link was <code>https://x/j</code>"),
            "{html}"
        );
        assert!(!html.contains("href=\"https://x/j\""), "{html}");

        let live = json!({ "id": "R1", "title": "T", "join_url": "https://x/j", "ended": false,
            "duration_secs": 5, "users": [], "history": [] });
        let html = main(&with_call(live, "hi"));
        let card = card_of(&html, "R1");
        assert!(
            card.contains("<a class=\"join\" href=\"https://x/j\" rel=\"noreferrer\">Join</a>"),
            "{card}"
        );
        assert!(card.contains("running for 5 s"), "{card}");

        // A join URL that is not http(s) is never a link.
        let odd = json!({ "id": "R1", "join_url": "javascript:alert(1)", "ended": false,
            "users": [], "history": [] });
        let html = main(&with_call(odd, "hi"));
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(html.contains("<code>javascript:alert(1)</code>"), "{html}");
    }

    #[test]
    fn slacks_link_markup_becomes_links_and_nothing_else_is_markup() {
        assert_eq!(
            slack_text("Standup now: <https://example.com/calls/standup|join here>"),
            "Standup now: <a href=\"https://example.com/calls/standup\" rel=\"noreferrer\">join here</a>"
        );
        assert_eq!(
            slack_text("see <http://example.com/a?b=1&c=2>!"),
            "see <a href=\"http://example.com/a?b=1&amp;c=2\" rel=\"noreferrer\">http://example.com/a?b=1&amp;c=2</a>!"
        );
        // The label is text, never markup.
        assert_eq!(
            slack_text("<https://x.example/|<b>bold</b> & \"q\">"),
            "<a href=\"https://x.example/\" rel=\"noreferrer\">&lt;b</a>bold&lt;/b&gt; &amp; &quot;q&quot;&gt;"
        );
        // Not http(s), a mention, a broken bracket: escaped as written.
        for (raw, shown) in [
            (
                "<javascript:alert(1)|click>",
                "&lt;javascript:alert(1)|click&gt;",
            ),
            ("<@U0MOCK001> hi", "&lt;@U0MOCK001&gt; hi"),
            ("<mailto:a@b.c|mail>", "&lt;mailto:a@b.c|mail&gt;"),
            ("a < b <https://x.example", "a &lt; b &lt;https://x.example"),
            (
                "<https://x.example/\" onclick=\"x|t>",
                "&lt;https://x.example/&quot; onclick=&quot;x|t&gt;",
            ),
            ("<https:nohost|t>", "&lt;https:nohost|t&gt;"),
            ("plain & simple", "plain &amp; simple"),
        ] {
            assert_eq!(slack_text(raw), shown, "{raw}");
        }
        // A stray `<` before a link leaves the link a link.
        assert_eq!(
            slack_text("1 < 2 <https://x.example/j>"),
            "1 &lt; 2 <a href=\"https://x.example/j\" rel=\"noreferrer\">https://x.example/j</a>"
        );
        // In a message on the page.
        let call = json!({ "id": "R1", "join_url": "https://x/j", "ended": false, "users": [], "history": [] });
        let html = main(&with_call(
            call,
            "Join <https://example.com/j|the call> <script>",
        ));
        assert!(
            html.contains("<p>Join <a href=\"https://example.com/j\" rel=\"noreferrer\">the call</a> &lt;script&gt;</p>"),
            "{html}"
        );
    }

    #[test]
    fn a_call_initiations_delivery_says_what_came_of_it() {
        let snapshot = json!({ "workspaces": [], "requests": [], "requests_total": 0, "deliveries": [
            { "kind": "link_shared", "event_id": "Ev1", "attempt": 0, "status": 200, "acked_in_time": true },
            { "kind": "call_initiation", "event_id": null, "attempt": 0, "status": 200, "acked_in_time": true,
              "initiation": { "press": 2, "posts": 0, "outcome": "call", "via": "response",
                              "call_initiation_url": "https://example.com/calls/button" } },
            { "kind": "call_initiation", "event_id": null, "attempt": 0, "status": 200, "acked_in_time": true,
              "initiation": { "press": 3, "posts": 2, "outcome": "call", "via": "response_url",
                              "call_initiation_url": "https://example.com/calls/late" } },
            { "kind": "call_initiation", "event_id": null, "attempt": 0, "status": 200, "acked_in_time": true,
              "initiation": { "press": 4, "posts": 0, "outcome": "no_call",
                              "why": "the app's answer does not start a call: {\"response_type\":\"ephemeral\"}" } },
            { "kind": "call_initiation", "event_id": null, "attempt": 0, "status": 200, "acked_in_time": true,
              "initiation": { "press": 5, "posts": 1, "outcome": "call", "via": "response_url",
                              "call_initiation_url": "javascript:alert(1)" } },
            { "kind": "call_initiation", "event_id": null, "attempt": 0, "status": 200, "acked_in_time": true,
              "initiation": { "press": 6, "posts": 0, "outcome": "waiting" } },
        ]});
        let html = main(&snapshot);
        let rows: Vec<&str> = html.split("<tr class=\"delivery ").skip(1).collect();
        assert_eq!(rows.len(), 6, "{html}");
        assert!(rows[0].starts_with("link_shared"), "{}", rows[0]);
        assert!(
            rows[0].contains("<td class=\"answer\"></td>"),
            "{}",
            rows[0]
        );
        assert!(rows[1].contains("Call button press 2"), "{}", rows[1]);
        assert!(
            rows[1].contains("Call opens at</span> <a href=\"https://example.com/calls/button\" rel=\"noreferrer\">https://example.com/calls/button</a> <small>(in the HTTP answer)</small>"),
            "{}", rows[1]
        );
        assert!(
            rows[2].contains(
                "(posted to the response_url; 2 posts to the response_url, the first counts)"
            ),
            "{}",
            rows[2]
        );
        assert!(
            rows[3].contains("no Call:</span> the app&#39;s answer does not start a call: {&quot;response_type&quot;:&quot;ephemeral&quot;}"),
            "{}", rows[3]
        );
        assert!(
            rows[4].contains("<code>javascript:alert(1)</code>"),
            "{}",
            rows[4]
        );
        assert!(!html.contains("href=\"javascript"), "{html}");
        assert!(
            rows[5].contains("waiting for the app's answer"),
            "{}",
            rows[5]
        );
    }

    #[test]
    fn the_request_log_tells_refusals_from_failures() {
        let row = |r: Value| {
            let html = main(
                &json!({ "workspaces": [], "deliveries": [], "requests_total": 1, "requests": [r] }),
            );
            let at = html.find("<tbody>").unwrap();
            html[at..html.find("</tbody>").unwrap()].to_owned()
        };
        let html = row(
            json!({ "seq": 1, "method": "users.lookupByEmail", "outcome": "error", "error": "users_not_found" }),
        );
        assert!(html.contains("<tr class=\"refusal\">"), "{html}");
        assert!(
            html.contains("refused: <code>users_not_found</code> — the email is not a Slack user&#39;s in this workspace"),
            "{html}"
        );
        let html = row(
            json!({ "seq": 2, "method": "calls.participants.add", "outcome": "error", "error": "inactive_call" }),
        );
        assert!(html.contains("<tr class=\"refusal\">"), "{html}");
        assert!(
            html.contains("refused: <code>inactive_call</code> — the Call has already ended"),
            "{html}"
        );
        // A code the table does not know stays an error.
        let html = row(
            json!({ "seq": 3, "method": "calls.add", "outcome": "error", "error": "invalid_auth" }),
        );
        assert!(html.contains("<tr class=\"error\">"), "{html}");
        assert!(html.contains("error <code>invalid_auth</code>"), "{html}");
        assert!(!html.contains("refused"), "{html}");
        // Failures: Slack failing, a 429, an HTTP refusal, an injected fault.
        for (r, words) in [
            (
                json!({ "outcome": "error", "error": "internal_error" }),
                "failed: <code>internal_error</code>",
            ),
            (
                json!({ "outcome": "ratelimited", "retry_after": 7 }),
                "failed: 429, retry after 7 s",
            ),
            (
                json!({ "outcome": "refused", "status": 413 }),
                "failed: HTTP 413 before any Slack logic",
            ),
            (
                json!({ "outcome": "skipped", "transport_fault": true, "injected": { "fault": "Status(503)" } }),
                "failed: no Slack answer (injected fault)",
            ),
            (
                json!({ "outcome": "ok", "transport_fault": true, "injected": { "fault": "DropAfterHandling" } }),
                "failed: ok, then the answer broke (injected fault)",
            ),
            (
                json!({ "outcome": "skipped", "injected": { "script": { "status": 500, "error": null } } }),
                "failed: scripted HTTP 500",
            ),
        ] {
            let html = row(r);
            assert!(html.contains("<tr class=\"failure\">"), "{html}");
            assert!(html.contains(words), "{words}: {html}");
        }
        // A scripted refusal is said to be scripted.
        let html = row(
            json!({ "outcome": "skipped", "injected": { "script": { "status": 200, "error": "inactive_call" } } }),
        );
        assert!(html.contains("<tr class=\"refusal\">"), "{html}");
        assert!(
            html.contains("scripted, refused: <code>inactive_call</code>"),
            "{html}"
        );
        // A delay is no failure.
        let html = row(
            json!({ "outcome": "ok", "transport_fault": false, "injected": { "fault": "Delay(1s)" } }),
        );
        assert!(html.contains("<tr class=\"ok\">"), "{html}");
        // Every code in the table has words.
        for (code, means) in REFUSALS {
            assert_eq!(hint(code), Some(*means));
            assert!(!means.is_empty() && !means.contains("expected"), "{code}");
        }
        assert_eq!(hint("invalid_auth"), None);
    }
}

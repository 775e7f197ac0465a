//! The browser side of an install, as at `https://slack.com/oauth/v2/authorize`:
//! `GET /oauth/v2/authorize` checks the app's `client_id`, the
//! `redirect_uri` against the app's Redirect URLs and the scopes, then
//! shows the fake user a consent page (or answers at once, as the control
//! API set it); `POST /oauth/v2/authorize/decide` is the page's Allow or
//! Cancel, which sends the browser back to the redirect URI with `code`
//! and `state`, or with `error=access_denied`.
//!
//! A bad `client_id`, `redirect_uri` or scope shows an error page (HTTP
//! 400, Slack's code on it) and never redirects. No page holds a token,
//! a code or a secret: the consent page's form carries only a one-time
//! consent id, and the code travels only in the redirect's `Location`.
//!
//! Slack's rules, from "Installing with OAuth" and the v1 OAuth page: the
//! `redirect_uri` must "match or be a subdirectory of a Redirect URL"
//! (same host and port, the path equal or under), a missing one means the
//! first Redirect URL, and codes expire 10 minutes after issuance and are
//! exchanged once. The fake's choices: it takes `http://` Redirect URLs on
//! loopback (Slack wants HTTPS), a scope is letters, digits and `:._-`,
//! and a consent id the fake did not hand out (or already used) is
//! `invalid_consent`.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use url::Url;

use crate::page::escape;
use crate::state::auth_state::{CODE_LIFETIME, ConsentAnswer, InstallRequest, PendingInstall};
use crate::state::fake::FakeSlack;
use crate::wire::answer::text_response;

/// Where the consent page's form posts.
pub(crate) const DECIDE_PATH: &str = "/oauth/v2/authorize/decide";

/// What a browser gets.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// HTTP 400 with Slack's code; never a redirect.
    Error { code: &'static str, message: String },
    /// A 302 to this URL.
    Redirect(String),
    /// The consent page of this one-time consent id.
    Consent { id: String, page: String },
}

impl Outcome {
    fn error(code: &'static str, message: impl Into<String>) -> Outcome {
        Outcome::Error {
            code,
            message: message.into(),
        }
    }

    fn into_response(self) -> Response {
        match self {
            Outcome::Error { code, message } => {
                let page = error_page(code, &message);
                no_store(text_response(
                    StatusCode::BAD_REQUEST,
                    "text/html; charset=utf-8",
                    page,
                ))
            }
            Outcome::Redirect(url) => {
                let mut response = text_response(
                    StatusCode::FOUND,
                    "text/plain; charset=utf-8",
                    String::new(),
                );
                match HeaderValue::from_str(&url) {
                    Ok(value) => {
                        response.headers_mut().insert(header::LOCATION, value);
                        no_store(response)
                    }
                    // A URL Url wrote is always a valid header value.
                    Err(_) => Outcome::error("bad_redirect_uri", "the redirect URI is not usable")
                        .into_response(),
                }
            }
            Outcome::Consent { page, .. } => no_store(text_response(
                StatusCode::OK,
                "text/html; charset=utf-8",
                page,
            )),
        }
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /oauth/v2/authorize`.
pub(crate) async fn authorize(
    State(fake): State<Arc<FakeSlack>>,
    RawQuery(query): RawQuery,
) -> Response {
    authorize_outcome(&fake, query.as_deref().unwrap_or("")).into_response()
}

/// `POST /oauth/v2/authorize/decide`: the consent page's Allow or Cancel.
pub(crate) async fn decide(State(fake): State<Arc<FakeSlack>>, body: Bytes) -> Response {
    decide_outcome(&fake, &body).into_response()
}

/// The first value of each param a query or form gives.
fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// What `GET /oauth/v2/authorize?{query}` answers.
pub(crate) fn authorize_outcome(fake: &FakeSlack, query: &str) -> Outcome {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let app = &fake.config.app;
    match first(&pairs, "client_id") {
        Some(id) if id == app.client_id => {}
        Some(_) => {
            return Outcome::error("invalid_client_id", "client_id is not the app's client id");
        }
        None => return Outcome::error("invalid_client_id", "client_id is missing"),
    }
    let bot_scopes = match scopes(first(&pairs, "scope")) {
        Ok(list) => list,
        Err(message) => return Outcome::error("invalid_scope", message),
    };
    let user_scopes = match scopes(first(&pairs, "user_scope")) {
        Ok(list) => list,
        Err(message) => return Outcome::error("invalid_scope", message),
    };
    if bot_scopes.is_empty() && user_scopes.is_empty() {
        return Outcome::error(
            "invalid_scope",
            "ask for at least one scope: scope (bot scopes) and/or user_scope (user scopes)",
        );
    }
    if user_scopes.iter().any(|s| s == "openid") && user_scopes.iter().any(|s| !is_siws(s)) {
        // Slack: Sign in with Slack scopes with other user scopes are a
        // "scope conflict".
        return Outcome::error(
            "invalid_scope",
            "Sign in with Slack scopes (openid, email, profile) cannot be asked for with other user scopes",
        );
    }
    let given_redirect = first(&pairs, "redirect_uri").map(str::to_owned);
    let state_param = first(&pairs, "state").map(str::to_owned);
    let team = first(&pairs, "team");

    let directory = fake.directory();
    let mut state = fake.lock();
    let now = fake.clock.now(state.advanced);
    let auth = &mut state.auth;
    let target = match resolve_redirect(&auth.redirect_urls, given_redirect.as_deref()) {
        Ok(target) => target,
        Err(message) => return Outcome::error("bad_redirect_uri", message),
    };
    // `team` names a workspace of the fake, else the user installs into
    // the default one (Slack: the user's own choice wins).
    let workspace = team
        .and_then(|team| directory.workspace_index(team))
        .unwrap_or(0);
    let Some(config) = directory.workspaces.get(workspace) else {
        return Outcome::error("invalid_team", "the fake has no workspace to install into");
    };
    if config.acting_user.is_none() {
        return Outcome::error(
            "invalid_team",
            format!(
                "workspace {} has no user to install the app",
                config.team_id
            ),
        );
    }
    let org_wide = if auth.org_wide {
        config.enterprise.clone()
    } else {
        None
    };
    let request = InstallRequest {
        workspace,
        bot_scopes,
        user_scopes,
        redirect_uri: given_redirect,
        target,
        state: state_param,
        org_wide,
        asked_at: now,
    };
    match auth.consent {
        ConsentAnswer::Allow => Outcome::Redirect(allow(auth, &directory, request, now)),
        ConsentAnswer::Deny => Outcome::Redirect(deny(&request)),
        ConsentAnswer::Ask => {
            auth.next_consent += 1;
            let id = format!(
                "{}-{:016x}",
                auth.next_consent,
                RandomState::new().hash_one(auth.next_consent)
            );
            // Expired consents go when a new one comes.
            auth.consents
                .retain(|_, waiting| now.saturating_sub(waiting.asked_at) < CODE_LIFETIME);
            let page = consent_page(&directory, &request, &id, app.name());
            auth.consents.insert(id.clone(), request);
            Outcome::Consent { id, page }
        }
    }
}

/// What the consent page's form post answers.
pub(crate) fn decide_outcome(fake: &FakeSlack, body: &[u8]) -> Outcome {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let allowed = match first(&pairs, "decision") {
        Some("allow") => true,
        Some("cancel") => false,
        _ => {
            return Outcome::error("invalid_request", "the form's decision is allow or cancel");
        }
    };
    let id = first(&pairs, "consent").unwrap_or_default();
    let directory = fake.directory();
    let mut state = fake.lock();
    let now = fake.clock.now(state.advanced);
    let auth = &mut state.auth;
    let Some(request) = auth.consents.remove(id) else {
        return Outcome::error(
            "invalid_consent",
            "this consent page was already answered or never shown; start the install again",
        );
    };
    if now.saturating_sub(request.asked_at) >= CODE_LIFETIME {
        return Outcome::error(
            "invalid_consent",
            "this consent page is over 10 minutes old; start the install again",
        );
    }
    if allowed {
        Outcome::Redirect(allow(auth, &directory, request, now))
    } else {
        Outcome::Redirect(deny(&request))
    }
}

/// The fake user allowed: a one-use code, and the redirect that carries
/// it with `state`.
fn allow(
    auth: &mut crate::state::auth_state::AuthState,
    directory: &crate::state::directory::Directory,
    request: InstallRequest,
    now: std::time::Duration,
) -> String {
    let owner = match &request.org_wide {
        Some(org) => org.clone(),
        None => directory
            .workspaces
            .get(request.workspace)
            .map(|w| w.team_id.clone())
            .unwrap_or_default(),
    };
    let target = request.target.clone();
    let state = request.state.clone();
    let code = auth.mint_code(
        &owner,
        PendingInstall {
            workspace: request.workspace,
            bot_scopes: request.bot_scopes,
            user_scopes: request.user_scopes,
            used: false,
            issued_at: now,
            redirect_uri: request.redirect_uri,
            sent_to: Some(target.clone()),
            org_wide: request.org_wide,
        },
    );
    with_params(
        &target,
        &[("code", Some(&code)), ("state", state.as_deref())],
    )
}

/// The fake user cancelled: `error=access_denied` and `state`.
fn deny(request: &InstallRequest) -> String {
    with_params(
        &request.target,
        &[
            ("error", Some("access_denied")),
            ("state", request.state.as_deref()),
        ],
    )
}

/// `url` with these query params appended (the ones given).
fn with_params(url: &str, params: &[(&str, Option<&str>)]) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            {
                let mut query = parsed.query_pairs_mut();
                for (name, value) in params {
                    if let Some(value) = value {
                        query.append_pair(name, value);
                    }
                }
            }
            parsed.to_string()
        }
        // Redirect URLs are checked when registered.
        Err(_) => url.to_owned(),
    }
}

/// A comma-separated scope list: empty when absent; an error for a scope
/// that is not letters, digits and `:._-`.
fn scopes(text: Option<&str>) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for scope in text.unwrap_or_default().split(',').map(str::trim) {
        if scope.is_empty() {
            continue;
        }
        let well_formed = scope
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'-'));
        if !well_formed {
            return Err(format!("`{scope}` is not a scope like calls:write"));
        }
        if !out.iter().any(|seen| seen == scope) {
            out.push(scope.to_owned());
        }
    }
    Ok(out)
}

/// A Sign in with Slack scope.
fn is_siws(scope: &str) -> bool {
    matches!(scope, "openid" | "email" | "profile")
}

/// Where the user goes back to: the given `redirect_uri` when it is one of
/// the app's Redirect URLs or under one, else the first Redirect URL.
pub(crate) fn resolve_redirect(
    registered: &[String],
    given: Option<&str>,
) -> Result<String, String> {
    let Some(first_url) = registered.first() else {
        return Err(
            "the app has no Redirect URL; add one (MockSlackBuilder::redirect_url, \
                    POST /_mock/oauth or --redirect-url)"
                .to_owned(),
        );
    };
    let Some(given) = given else {
        return Ok(first_url.clone());
    };
    let matches = Url::parse(given).is_ok_and(|given_url| {
        !given.contains('#')
            && registered
                .iter()
                .filter_map(|r| Url::parse(r).ok())
                .any(|r| redirect_matches(&r, &given_url))
    });
    if matches {
        Ok(given.to_owned())
    } else {
        Err(format!(
            "redirect_uri did not match any configured URIs. Passed URI: {given}"
        ))
    }
}

/// Slack's rule: the same scheme, host and port, and the path equal to
/// the Redirect URL's or a subdirectory of it.
pub(crate) fn redirect_matches(registered: &Url, given: &Url) -> bool {
    if registered.scheme() != given.scheme()
        || registered.host_str() != given.host_str()
        || registered.port_or_known_default() != given.port_or_known_default()
        || given.fragment().is_some()
    {
        return false;
    }
    let base = registered.path();
    let path = given.path();
    path == base
        || path
            .strip_prefix(base.trim_end_matches('/'))
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Checks Redirect URLs as the fake takes them: HTTPS, or `http://` on
/// loopback; no `#`. The message names the URL (not a secret).
pub(crate) fn check_redirect_urls(
    urls: impl IntoIterator<Item = String>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for url in urls {
        let parsed = Url::parse(&url)
            .map_err(|err| format!("redirect URL `{url}` is not an absolute URL: {err}"))?;
        if url.contains('#') {
            return Err(format!(
                "redirect URL `{url}` holds a `#`, which Slack refuses"
            ));
        }
        let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        let ok = match parsed.scheme() {
            "https" => parsed.host_str().is_some(),
            "http" => loopback,
            _ => false,
        };
        if !ok {
            return Err(format!(
                "redirect URL `{url}` is neither https:// nor http:// on 127.0.0.1, localhost or [::1]"
            ));
        }
        if !out.contains(&url) {
            out.push(url);
        }
    }
    Ok(out)
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;\
padding:0 1rem;color:#1d1c1d}h1{font-size:1.4rem}code{background:#f4f4f4;padding:0 .2rem}\
.buttons{display:flex;gap:1rem;margin-top:2rem}button{font-size:1rem;padding:.5rem 1.5rem}";

/// The page shown for a refused authorize request.
fn error_page(code: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Something went wrong: {code}</title><style>{STYLE}</style></head>\
         <body><main><h1>Something went wrong when authorizing this app.</h1>\
         <p>Error: <code id=\"error\">{code}</code></p><p>{message}</p>\
         <p><small>slack-calls-mock, a fake Slack</small></p></main></body></html>\n",
        code = escape(code),
        message = escape(message),
    )
}

/// The consent page: the workspace (or organization), the scopes asked,
/// and Allow and Cancel as a form post carrying only the consent id.
fn consent_page(
    directory: &crate::state::directory::Directory,
    request: &InstallRequest,
    id: &str,
    app_name: &str,
) -> String {
    let workspace = directory.workspaces.get(request.workspace);
    let place = match &request.org_wide {
        Some(org) => format!(
            "the <strong>{}</strong> organization ({}), in every one of its workspaces",
            escape(directory.enterprises.get(org).map_or("", String::as_str)),
            escape(org)
        ),
        None => format!(
            "the <strong>{}</strong> workspace ({})",
            escape(workspace.map_or("", |w| w.name.as_str())),
            escape(workspace.map_or("", |w| w.team_id.as_str()))
        ),
    };
    let list = |title: &str, scopes: &[String]| -> String {
        if scopes.is_empty() {
            return String::new();
        }
        let items: String = scopes
            .iter()
            .map(|s| format!("<li><code>{}</code></li>", escape(s)))
            .collect();
        format!("<h2>{title}</h2><ul class=\"scopes\">{items}</ul>")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{app} is requesting permission</title><style>{STYLE}</style></head>\
         <body><main><h1>{app} is requesting permission to access {place}</h1>\
         {bot}{user}\
         <form method=\"post\" action=\"{DECIDE_PATH}\">\
         <input type=\"hidden\" name=\"consent\" value=\"{id}\">\
         <div class=\"buttons\">\
         <button type=\"submit\" name=\"decision\" value=\"cancel\">Cancel</button>\
         <button type=\"submit\" name=\"decision\" value=\"allow\">Allow</button>\
         </div></form>\
         <p><small>slack-calls-mock, a fake Slack</small></p></main></body></html>\n",
        app = escape(app_name),
        bot = list("What the app's bot can do (scope)", &request.bot_scopes),
        user = list(
            "What the app can do as you (user_scope)",
            &request.user_scopes
        ),
        id = escape(id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn a_redirect_uri_matches_its_url_or_a_subdirectory_only() {
        let registered = url("https://example.com/path");
        for good in [
            "https://example.com/path",
            "https://example.com/path/subdir/other",
            "https://EXAMPLE.com:443/path?x=1",
        ] {
            assert!(redirect_matches(&registered, &url(good)), "{good}");
        }
        // The v1 OAuth page's bad examples, and a path that only shares a
        // prefix.
        for bad in [
            "http://example.com/bar",
            "http://example.com/",
            "https://example.com:8080/path",
            "https://sub.example.com/path",
            "https://example.org/path",
            "https://example.com/pathology",
            "https://example.com/",
            "https://example.com/path#frag",
        ] {
            assert!(!redirect_matches(&registered, &url(bad)), "{bad}");
        }
        let root = url("http://127.0.0.1:3000/");
        assert!(redirect_matches(
            &root,
            &url("http://127.0.0.1:3000/any/where")
        ));
        assert!(!redirect_matches(&root, &url("http://127.0.0.1:3001/")));
    }

    #[test]
    fn a_missing_redirect_uri_is_the_first_redirect_url() {
        let registered = vec![
            "https://example.com/a".to_owned(),
            "http://127.0.0.1:3000/b".to_owned(),
        ];
        assert_eq!(
            resolve_redirect(&registered, None).unwrap(),
            "https://example.com/a"
        );
        assert_eq!(
            resolve_redirect(&registered, Some("http://127.0.0.1:3000/b/c")).unwrap(),
            "http://127.0.0.1:3000/b/c"
        );
        let refused = resolve_redirect(&registered, Some("https://evil.example/a")).unwrap_err();
        assert!(refused.contains("did not match"), "{refused}");
        assert!(resolve_redirect(&[], None).is_err());
        assert!(resolve_redirect(&registered, Some("not a url")).is_err());
    }

    #[test]
    fn redirect_urls_are_https_or_loopback_http_without_a_fragment() {
        assert!(
            check_redirect_urls([
                "https://example.com/cb".to_owned(),
                "http://localhost:3000/cb".to_owned(),
                "http://127.0.0.1/cb".to_owned(),
                "http://[::1]:8080/cb".to_owned(),
            ])
            .is_ok()
        );
        for bad in [
            "http://example.com/cb",
            "https://example.com/cb#x",
            "ftp://example.com/",
            "/slack/redirect",
        ] {
            assert!(check_redirect_urls([bad.to_owned()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_are_a_comma_separated_list_of_well_formed_names() {
        assert_eq!(
            scopes(Some("calls:read, calls:write,,calls:read")).unwrap(),
            ["calls:read", "calls:write"]
        );
        assert!(scopes(None).unwrap().is_empty());
        assert!(scopes(Some("calls:read <script>")).is_err());
    }

    #[test]
    fn redirects_carry_the_params_and_keep_a_query() {
        assert_eq!(
            with_params(
                "https://example.com/cb?x=1",
                &[("code", Some("c")), ("state", Some("a b&c"))]
            ),
            "https://example.com/cb?x=1&code=c&state=a+b%26c"
        );
        assert_eq!(
            with_params(
                "https://example.com/cb",
                &[("error", Some("access_denied")), ("state", None)]
            ),
            "https://example.com/cb?error=access_denied"
        );
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = error_page("bad_redirect_uri", "Passed URI: <script>alert(1)</script>");
        assert!(!page.contains("<script>"));
        assert!(page.contains("bad_redirect_uri"));
    }
}

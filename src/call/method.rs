//! Static descriptions of Slack Web API methods, emitted by the generator.
//!
//! Every method in the spec becomes one [`MethodInfo`] constant. The runtime
//! reads it to pace requests (tier), decide what may be resent (idempotency)
//! and check a request before it leaves; the fake Slack server reads the same
//! table to check scopes, required params and param types, and to answer from
//! the method's `example_response`. The generated code builds these values
//! with struct literals, so the fields are public and the types are not
//! `#[non_exhaustive]`; treat them as data, not as an API to construct by hand.
//!
//! Checking a filled-in request against its method (required params, bot
//! token rules, URLs, list sizes) before anything is sent is done here too.

use std::fmt;
use std::time::Duration;

use reqwest::Url;

use crate::call::form::Form;
use crate::error::{InvalidRequest, snippet};
use crate::token::TokenKind;

/// How a method is sent over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET` with the params in the query string.
    Get,
    /// `POST` with a form-encoded body.
    Post,
}

impl HttpMethod {
    /// The HTTP verb as text.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// Slack's rate-limit tier for a method.
///
/// The per-minute numbers are Slack's published floors: a method in tier 3
/// may be called *at least* 50 times a minute per workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateTier {
    /// Tier 1: 1+ per minute.
    Tier1,
    /// Tier 2: 20+ per minute.
    Tier2,
    /// Tier 3: 50+ per minute.
    Tier3,
    /// Tier 4: 100+ per minute.
    Tier4,
    /// A method with its own limit (Slack documents it on the method's page).
    Special,
}

impl RateTier {
    /// Slack's published floor for the tier, in requests per minute.
    ///
    /// `Special` methods have no common number; one per second is Slack's
    /// general advice, so 60 is used.
    pub const fn per_minute(self) -> u32 {
        match self {
            RateTier::Tier1 => 1,
            RateTier::Tier2 => 20,
            RateTier::Tier3 => 50,
            RateTier::Tier4 => 100,
            RateTier::Special => 60,
        }
    }

    /// The average spacing between two requests at the tier's floor rate.
    pub fn interval(self) -> Duration {
        Duration::from_secs(60) / self.per_minute()
    }
}

impl fmt::Display for RateTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateTier::Tier1 => f.write_str("tier 1"),
            RateTier::Tier2 => f.write_str("tier 2"),
            RateTier::Tier3 => f.write_str("tier 3"),
            RateTier::Tier4 => f.write_str("tier 4"),
            RateTier::Special => f.write_str("special"),
        }
    }
}

/// How a method is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// A bot or user token with the scopes in
    /// [`MethodInfo::bot_scopes`] / [`MethodInfo::user_scopes`].
    Token,
    /// Any bot or user token; no scope is needed (`auth.test`,
    /// `auth.revoke`).
    AnyToken,
    /// No token: the app's client id and secret, sent by HTTP Basic
    /// (`oauth.v2.access`); see
    /// [`ClientBuilder::client_credentials`](crate::ClientBuilder::client_credentials).
    ClientCredentials,
    /// Any bot or user token, no scope, and the app's client id and secret
    /// as the form fields `client_id` and `client_secret`
    /// (`apps.uninstall`).
    TokenAndClientCredentials,
    /// An app-level token (`xapp-`), which represents the app across every
    /// workspace that installed it; no scope
    /// (`apps.event.authorizations.list`).
    AppToken,
}

/// Whether a param must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Required {
    /// Always required (a positional argument of the generated method).
    Yes,
    /// Optional (a setter on the generated request builder).
    No,
    /// Required when the request is made with a bot token (`xoxb-`),
    /// optional with a user token (`calls.add`'s `created_by`).
    WithBotToken,
}

/// The wire type of a param, as the spec declares it. New kinds come with
/// new spec features, so a `match` on it needs a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamKind {
    /// Free text.
    String,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Unix time in seconds.
    Timestamp,
    /// A length of time, sent as whole seconds.
    Duration,
    /// An absolute URL.
    Url,
    /// An ID type declared in the spec (`UserId`, `CallId`, ...), by name.
    Id(&'static str),
    /// A list, JSON-encoded in its form field.
    List(&'static ParamKind),
    /// A named object type, JSON-encoded in its form field.
    Object(&'static str),
    /// A map from text keys to values of the kind, JSON-encoded in its
    /// form field as one object (`chat.unfurl`'s `unfurls`).
    Map(&'static ParamKind),
    /// A list sent as comma-separated text (`encoding: comma`), such as
    /// `conversations.list`'s `types`.
    CommaList(&'static ParamKind),
    /// Any JSON value (the spec's `json`), JSON-encoded in its form field;
    /// as a map's values, what Slack leaves open (`users.profile.set`'s
    /// `profile`).
    Json,
}

impl ParamKind {
    /// True when the value travels as JSON text inside its form field.
    pub const fn is_json(self) -> bool {
        matches!(
            self,
            ParamKind::List(_) | ParamKind::Object(_) | ParamKind::Map(_) | ParamKind::Json
        )
    }
}

/// One param of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamInfo {
    /// Slack's name for the param (the form field).
    pub name: &'static str,
    /// Its wire type.
    pub kind: ParamKind,
    /// Whether it must be present.
    pub required: Required,
    /// For lists: the fewest items Slack accepts.
    pub min_items: usize,
}

/// Everything the runtime and the fake server know about one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MethodInfo {
    /// Slack's method name, such as `calls.add`.
    pub name: &'static str,
    /// One-line summary from the spec.
    pub summary: &'static str,
    /// Slack's reference page for the method.
    pub docs_url: &'static str,
    /// How the method is sent.
    pub http: HttpMethod,
    /// Slack's rate-limit tier.
    pub rate_tier: RateTier,
    /// How the method is authenticated.
    pub auth: Auth,
    /// Whether resending after an ambiguous failure is safe.
    pub idempotent: bool,
    /// Scopes a bot token needs (empty: bot tokens cannot call it).
    pub bot_scopes: &'static [&'static str],
    /// Scopes a user token needs (empty: user tokens cannot call it).
    pub user_scopes: &'static [&'static str],
    /// The params, in spec order.
    pub params: &'static [ParamInfo],
    /// The method's own error codes (the common ones are not repeated).
    pub errors: &'static [&'static str],
    /// The spec's `on_resend`: error codes that, answered to a resend after
    /// Slack may have acted on an earlier attempt, mean that attempt did
    /// what was asked (`inactive_call` for `calls.end`).
    pub done_on_resend: &'static [&'static str],
    /// The spec's `example_response`, as compact JSON.
    pub example_response: &'static str,
    /// The spec's `pagination`, for a method that answers in pages.
    pub pagination: Option<Pagination>,
}

/// How a method pages its answer (the spec's `pagination`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Pagination {
    /// How the next page is asked for: by cursor or by page number.
    pub by: PageBy,
    /// The param that sets the page size, if any.
    pub limit: Option<&'static str>,
    /// Where a page's items are in the answer: a field, or a dotted path
    /// through objects (`messages.matches`).
    pub items: &'static str,
}

/// How a paginated method is asked for its next page. Paths into the
/// answer are dotted (`messages.pagination.next_cursor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageBy {
    /// Slack's cursors.
    Cursor {
        /// The param that carries the cursor.
        param: &'static str,
        /// Where the next cursor is in the answer (usually
        /// `response_metadata.next_cursor`); missing or empty after the
        /// last page.
        next: &'static str,
        /// The cursor of the first page, when the method needs one to page
        /// by cursor (`*` for `search.messages`).
        first: Option<&'static str>,
    },
    /// Page numbers, from 1.
    Number {
        /// The param that carries the page number.
        param: &'static str,
        /// Where the number of pages is in the answer (`paging.pages`).
        pages: &'static str,
    },
}

impl Pagination {
    /// Slack's usual cursor paging: the cursor in `param`, the page size
    /// in `limit`, the items in the answer's `items` field and the next
    /// cursor in `response_metadata.next_cursor`.
    pub const fn cursor(
        param: &'static str,
        limit: &'static str,
        items: &'static str,
    ) -> Pagination {
        Pagination {
            by: PageBy::Cursor {
                param,
                next: "response_metadata.next_cursor",
                first: None,
            },
            limit: Some(limit),
            items,
        }
    }

    /// The cursor param, when the method pages by cursor.
    pub fn cursor_param(&self) -> Option<&'static str> {
        match self.by {
            PageBy::Cursor { param, .. } => Some(param),
            PageBy::Number { .. } => None,
        }
    }
}

impl MethodInfo {
    /// A table entry with nothing in it: no name, sent as POST, tier 3,
    /// called with a token, not idempotent, no scopes, params or errors, an
    /// empty object as its example answer, no pagination. Write an entry by
    /// hand (a test, a method the spec does not have yet) by spreading it:
    ///
    /// ```
    /// use slack_calls::method::{MethodInfo, RateTier};
    ///
    /// static PING: MethodInfo = MethodInfo {
    ///     name: "app.ping",
    ///     rate_tier: RateTier::Tier4,
    ///     idempotent: true,
    ///     ..MethodInfo::BLANK
    /// };
    /// assert_eq!(PING.http, MethodInfo::BLANK.http);
    /// ```
    pub const BLANK: MethodInfo = MethodInfo {
        name: "",
        summary: "",
        docs_url: "",
        http: HttpMethod::Post,
        rate_tier: RateTier::Tier3,
        auth: Auth::Token,
        idempotent: false,
        bot_scopes: &[],
        user_scopes: &[],
        params: &[],
        errors: &[],
        done_on_resend: &[],
        example_response: "{}",
        pagination: None,
    };

    /// The param called `name`, if the method has one.
    pub fn param(&self, name: &str) -> Option<&'static ParamInfo> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Checks a filled-in form against the method's rules, before sending.
pub(crate) fn check_request(
    method: &'static MethodInfo,
    form: &Form,
    token: TokenKind,
) -> Result<(), InvalidRequest> {
    let invalid = |param: &'static str, reason: String| InvalidRequest {
        method: method.name,
        param: Some(param),
        reason,
    };
    if let Some((param, reason)) = form.problems().first() {
        return Err(invalid(param, reason.clone()));
    }
    for param in method.params {
        let value = form.get(param.name);
        match (param.required, value) {
            (Required::Yes, None) => {
                return Err(invalid(param.name, "is required".to_owned()));
            }
            (Required::WithBotToken, None) if token == TokenKind::Bot => {
                return Err(invalid(
                    param.name,
                    "is required when calling with a bot token (xoxb-); set it to the user who started the call".to_owned(),
                ));
            }
            _ => {}
        }
        let Some(value) = value else { continue };
        if value.trim().is_empty() && !matches!(param.kind, ParamKind::String) {
            return Err(invalid(param.name, "is empty".to_owned()));
        }
        if value.is_empty() && param.required == Required::Yes {
            return Err(invalid(
                param.name,
                "is required and cannot be empty".to_owned(),
            ));
        }
        if param.kind == ParamKind::Url {
            check_url(value).map_err(|reason| invalid(param.name, reason))?;
        }
        if let Some(len) = form.list_len(param.name)
            && len < param.min_items
        {
            return Err(invalid(
                param.name,
                format!(
                    "needs at least {} item{}, got {len}",
                    param.min_items,
                    if param.min_items == 1 { "" } else { "s" }
                ),
            ));
        }
    }
    Ok(())
}

/// A `url` param must be an absolute URL (any scheme: a desktop app's
/// join link may use its own, such as `zoommtg://`).
fn check_url(value: &str) -> Result<(), String> {
    Url::parse(value).map(drop).map_err(|err| {
        format!(
            "is not an absolute URL ({err}): `{}`",
            snippet(value.as_bytes())
        )
    })
}

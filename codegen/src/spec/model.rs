//! The spec model: what a spec file says, every name and value with the
//! place it came from. Read by `read`; checked and resolved by
//! `validate`.

use crate::diag::Span;
use crate::yaml::Node;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Sp<T> {
    pub(crate) fn new(value: T, span: Span) -> Sp<T> {
        Sp { value, span }
    }
}

/// One spec file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpecFile {
    /// The file's name as given (used in diagnostics).
    pub path: String,
    /// Its `types:`.
    pub types: Vec<TypeDef>,
    /// Its `errors:` (errors any method can answer).
    pub errors: Vec<ErrorDef>,
    /// Its `methods:`.
    pub methods: Vec<MethodDef>,
    /// Its `events:` (what Slack sends the app through the Events API).
    pub events: Vec<EventDef>,
    /// Types declared under `types:` that could not be read (their
    /// problems are reported); uses of them are not reported again.
    pub unreadable_types: Vec<Sp<String>>,
}

/// What sort of type a `types:` entry declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    /// A string newtype for an ID (`UserId`).
    Id,
    /// A struct with fields.
    Object,
    /// A string enum that keeps unknown values.
    Enum,
    /// Objects told apart by a tag field (`{"type": "call", …}`), with a
    /// pass-through for tags this version does not know.
    Union,
}

/// A named type under `types:`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Its name (UpperCamelCase).
    pub name: Sp<String>,
    /// Id, object or enum.
    pub kind: Sp<TypeKind>,
    /// Its documentation.
    pub description: Option<String>,
    /// An example value (ID types).
    pub example: Option<Node>,
    /// Fields (objects).
    pub fields: Vec<FieldDef>,
    /// Groups of fields of which at least one group must be fully present
    /// (objects).
    pub one_of: Vec<Vec<Sp<String>>>,
    /// The allowed values (enums), with their descriptions.
    pub values: Vec<(Sp<String>, Option<String>)>,
    /// The JSON key that names the variant (unions).
    pub tag: Option<Sp<String>>,
    /// Tag value → object type name (unions), in spec order.
    pub variants: Vec<(Sp<String>, Sp<String>)>,
}

/// Whether a param or field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Req {
    /// Always.
    Yes,
    /// Never required.
    No,
    /// Only with a bot token.
    WithBotToken,
}

/// A param of a method, a field of a response or of an object type.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// Slack's name for it.
    pub name: Sp<String>,
    /// The type as written (`string`, `list<CallUser>`), when given.
    pub ty: Option<Sp<String>>,
    /// Whether it must be present.
    pub required: Sp<Req>,
    /// Its documentation.
    pub description: Option<String>,
    /// An example value.
    pub example: Option<Node>,
    /// For lists: the fewest items accepted.
    pub min_items: Option<Sp<u64>>,
    /// For list params: how the list travels (`encoding:`; JSON when not
    /// given).
    pub encoding: Option<Sp<ListEncoding>>,
}

/// How a list param travels in its form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListEncoding {
    /// One JSON array (`users=[{"slack_id":"U1"}]`), the default.
    Json,
    /// Comma-separated text (`types=public_channel,private_channel`).
    Comma,
}

/// A method's `pagination:`: how the next page is asked for, the page-size
/// param, and where a page's items are.
#[derive(Debug, Clone, PartialEq)]
pub struct PaginationDef {
    /// Cursors or page numbers.
    pub by: PageByDef,
    /// The param that sets the page size, if the method has one.
    pub limit: Option<Sp<String>>,
    /// The response field that holds the page's items: a name, or a dotted
    /// path through object fields (`messages.matches`).
    pub items: Sp<String>,
}

/// How a paginated method is asked for its next page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageByDef {
    /// Slack's cursors (`cursor:`).
    Cursor {
        /// The param that carries the cursor.
        param: Sp<String>,
        /// Where the next cursor is in the answer (`next_cursor:`, a dotted
        /// path); `None` for Slack's usual `response_metadata.next_cursor`.
        next: Option<Sp<String>>,
        /// The cursor of the first page, when the method needs one to page
        /// by cursor at all (`first_cursor: "*"` for `search.messages`).
        first: Option<Sp<String>>,
    },
    /// Page numbers (`page:`), counted from 1.
    Number {
        /// The param that carries the page number.
        param: Sp<String>,
        /// Where the number of pages is in the answer (`pages:`, a dotted
        /// path such as `paging.pages`).
        pages: Sp<String>,
    },
}

/// An event type under `events:`, such as `link_shared`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDef {
    /// Slack's name for it: the inner event's `type`.
    pub name: Sp<String>,
    /// One line.
    pub summary: String,
    /// More documentation.
    pub description: Option<String>,
    /// Slack's reference page.
    pub docs_url: Option<String>,
    /// The scope the app needs to receive it (none for app events such as
    /// `app_uninstalled`).
    pub scope: Option<Sp<String>>,
    /// The inner event's fields, in order (without `type`).
    pub fields: Vec<FieldDef>,
    /// An example of the inner event, `type` included.
    pub example: Option<Node>,
    /// Where the `example` key is.
    pub example_key: Option<Span>,
}

/// An error code and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorDef {
    /// Slack's code (snake_case).
    pub code: Sp<String>,
    /// What it means.
    pub description: String,
}

/// HTTP verb of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// How a method is authenticated (`auth:`; default `token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A bot or user token with the method's `scopes`.
    Token,
    /// Any bot or user token; no scope is needed (`auth.test`).
    AnyToken,
    /// No token: the app's client id and secret (`oauth.v2.access`).
    ClientCredentials,
    /// Any bot or user token, no scope, and the app's client id and secret
    /// as form fields (`apps.uninstall`).
    TokenAndClientCredentials,
    /// An app-level token (`xapp-`), no scope
    /// (`apps.event.authorizations.list`).
    AppToken,
}

/// A rate tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Tiers 1 to 4.
    Numbered(u8),
    /// A method with its own limit.
    Special,
}

/// A method under `methods:`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodDef {
    /// Slack's name, such as `calls.participants.add`.
    pub name: Sp<String>,
    /// One line.
    pub summary: String,
    /// More documentation.
    pub description: Option<String>,
    /// Slack's reference page.
    pub docs_url: Option<String>,
    /// GET or POST (default POST).
    pub http: Http,
    /// The rate tier.
    pub rate_tier: Tier,
    /// How it is authenticated.
    pub auth: Auth,
    /// Scopes for bot tokens.
    pub bot_scopes: Vec<Sp<String>>,
    /// Scopes for user tokens.
    pub user_scopes: Vec<Sp<String>>,
    /// Whether resending after an ambiguous failure is safe.
    pub idempotent: bool,
    /// Params in order.
    pub params: Vec<FieldDef>,
    /// Groups of optional params of which at least one group must be fully
    /// set (`channel` + `ts`, or `unfurl_id` + `source`).
    pub one_of: Vec<Vec<Sp<String>>>,
    /// Response fields in order.
    pub response: Vec<FieldDef>,
    /// The method's own errors.
    pub errors: Vec<ErrorDef>,
    /// `on_resend`: error codes that, met by a resend after Slack may have
    /// acted on an earlier attempt, mean that attempt did what was asked.
    pub on_resend: Vec<Sp<String>>,
    /// Where the `on_resend` key is.
    pub on_resend_key: Option<Span>,
    /// An example of a successful answer.
    pub example_response: Option<Node>,
    /// Where the `example_response` key is.
    pub example_response_key: Option<Span>,
    /// How the method pages its answer, if it does.
    pub pagination: Option<PaginationDef>,
}

//! The resolved model the emitters read: every name already a Rust name,
//! every type reference resolved, nothing left to look up. No syn types, and
//! nothing from the spec model: the IR has its own small enums, so emitters
//! depend on this file alone.

/// What sort of named type a reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string newtype for an ID (`UserId`).
    Id,
    /// A struct with fields.
    Object,
    /// A string enum that keeps unknown values.
    Enum,
    /// Objects told apart by a tag field.
    Union,
}

/// Whether a param or field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// Always.
    Yes,
    /// Never required.
    No,
    /// Only with a bot token.
    WithBotToken,
}

/// The HTTP verb of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// How a method is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// A token with the method's scopes.
    Token,
    /// Any token, no scope.
    AnyToken,
    /// The app's client id and secret, no token.
    ClientCredentials,
    /// Any token, no scope, and the app's client id and secret.
    TokenAndClientCredentials,
    /// An app-level token (`xapp-`), no scope.
    AppToken,
}

/// A rate tier: Slack's four numbered tiers, or a limit of the method's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Tier 1 (1+ requests a minute).
    Tier1,
    /// Tier 2 (20+ requests a minute).
    Tier2,
    /// Tier 3 (50+ requests a minute).
    Tier3,
    /// Tier 4 (100+ requests a minute).
    Tier4,
    /// A method with its own limit.
    Special,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `boolean`.
    Boolean,
    /// `timestamp` (Unix seconds).
    Timestamp,
    /// `duration` (seconds on the wire).
    Duration,
    /// `url`.
    Url,
    /// `token`: a secret (an access or refresh token), text on the wire,
    /// stored as the runtime's `Token`, whose `Debug` never shows it.
    Token,
    /// `json`: any JSON value, for what Slack leaves open (the values of
    /// `users.profile.set`'s `profile`); `serde_json::Value` in Rust.
    Json,
    /// A named type.
    Named {
        /// Its Rust name.
        name: String,
        /// Id, object, enum or union.
        kind: Kind,
        /// Declared in an extern spec (the core crate's), so emitted as a path
        /// into that crate rather than locally.
        external: bool,
    },
    /// `list<T>`.
    List(Box<Ty>),
    /// `map<T>`: a JSON object with string keys (`BTreeMap<String, T>`).
    Map(Box<Ty>),
}

impl Ty {
    /// A list or a map: stored as a collection, empty when unset, and
    /// JSON-encoded in a form field.
    pub fn is_collection(&self) -> bool {
        matches!(self, Ty::List(_) | Ty::Map(_))
    }
}

/// A field of an object or response, or a param.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Slack's name (the JSON key or form field).
    pub wire: String,
    /// The Rust identifier (may be raw, `r#type`).
    pub ident: String,
    /// Its type.
    pub ty: Ty,
    /// Whether it must be present.
    pub required: Required,
    /// Its documentation.
    pub description: Option<String>,
    /// An example value.
    pub example: Option<serde_json::Value>,
    /// For lists: the fewest items.
    pub min_items: u64,
    /// For list params: sent as comma-separated text rather than one JSON
    /// array (`encoding: comma`).
    pub comma: bool,
}

/// How a method pages its answer: how the next page is asked for, the
/// page-size param, and where a page's items are.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// Cursors or page numbers.
    pub by: PageBy,
    /// The page-size param, if any.
    pub limit: Option<ParamName>,
    /// Where a page's items are (a list).
    pub items: FieldPath,
    /// The type of one item.
    pub item: Ty,
}

/// How the next page is asked for: one variant per paging style.
#[derive(Debug, Clone, PartialEq)]
pub enum PageBy {
    /// A cursor param, and the next cursor in the answer.
    Cursor {
        /// The param that carries the cursor.
        param: ParamName,
        /// Where the next cursor is: `None` for Slack's envelope,
        /// `response_metadata.next_cursor`; else a text field.
        next: Option<FieldPath>,
        /// The cursor of the first page, when the request has none
        /// (`*` for `search.messages`).
        first: Option<String>,
    },
    /// A page-number param (from 1), and the number of pages in the answer.
    Number {
        /// The param that carries the page number.
        param: ParamName,
        /// Where the number of pages is (an integer field).
        pages: FieldPath,
    },
}

/// A param named in `pagination`: its Rust field and Slack's name.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamName {
    /// The request's Rust field.
    pub ident: String,
    /// Slack's name.
    pub wire: String,
}

/// A value of the response, reached field by field from the response
/// struct (`messages.matches`).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPath {
    /// Slack's dotted path, as the spec writes it.
    pub wire: String,
    /// The fields on the way, the last one the value itself.
    pub steps: Vec<PathStep>,
}

/// One field of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// The Rust field.
    pub ident: String,
    /// Stored as an `Option` (an optional field that is not a list or map).
    pub optional: bool,
}

/// An enum value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Slack's text.
    pub wire: String,
    /// The Rust variant.
    pub variant: String,
    /// Its documentation.
    pub description: Option<String>,
}

/// A named type to emit: one variant per kind, each with only its own
/// fields.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// A string newtype for an ID.
    Id(IdType),
    /// A struct with fields.
    Object(ObjectType),
    /// A string enum that keeps unknown values.
    Enum(EnumType),
    /// Objects told apart by a tag field.
    Union(UnionType),
}

impl TypeDef {
    /// Its Rust name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Id(t) => &t.name,
            TypeDef::Object(t) => &t.name,
            TypeDef::Enum(t) => &t.name,
            TypeDef::Union(t) => &t.name,
        }
    }

    /// Its documentation.
    pub fn description(&self) -> Option<&str> {
        match self {
            TypeDef::Id(t) => t.description.as_deref(),
            TypeDef::Object(t) => t.description.as_deref(),
            TypeDef::Enum(t) => t.description.as_deref(),
            TypeDef::Union(t) => t.description.as_deref(),
        }
    }
}

/// An ID newtype.
#[derive(Debug, Clone, PartialEq)]
pub struct IdType {
    /// Its Rust name.
    pub name: String,
    /// Its documentation.
    pub description: Option<String>,
    /// An example ID.
    pub example: Option<serde_json::Value>,
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectType {
    /// Its Rust name.
    pub name: String,
    /// Its documentation.
    pub description: Option<String>,
    /// Its fields, in spec order.
    pub fields: Vec<Field>,
    /// Field groups, by wire name, at least one of which must be present.
    pub one_of: Vec<Vec<String>>,
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// Its Rust name.
    pub name: String,
    /// Its documentation.
    pub description: Option<String>,
    /// Its values, in spec order.
    pub values: Vec<EnumValue>,
}

/// A tagged union of object types.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionType {
    /// Its Rust name.
    pub name: String,
    /// Its documentation.
    pub description: Option<String>,
    /// The JSON key that names the variant.
    pub tag: String,
    /// The variants, in spec order.
    pub variants: Vec<UnionVariant>,
}

/// A variant of a union type: one tag value and the object type it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// The tag's value on the wire (`call`).
    pub wire: String,
    /// The Rust variant (`Call`).
    pub variant: String,
    /// The object type's Rust name (`CallBlock`).
    pub ty: String,
    /// The object type is declared in an extern spec.
    pub external: bool,
}

/// An error code.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCode {
    /// Slack's code.
    pub code: String,
    /// The Rust variant.
    pub variant: String,
    /// What it means.
    pub description: String,
}

/// A method to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    /// Slack's name (`calls.participants.add`).
    pub name: String,
    /// The namespace modules, as Rust identifiers (`["calls", "participants"]`).
    pub modules: Vec<String>,
    /// The namespaces' Slack segments (`["calls", "participants"]`).
    pub namespace_wire: Vec<String>,
    /// The leaf function (`add`).
    pub function: String,
    /// The prefix of its types (`Add` → `AddRequest`).
    pub type_prefix: String,
    /// Its `MethodInfo` constant (`ADD`).
    pub const_name: String,
    /// One line.
    pub summary: String,
    /// More documentation.
    pub description: Option<String>,
    /// Slack's page.
    pub docs_url: Option<String>,
    /// GET or POST.
    pub http: Http,
    /// Rate tier.
    pub tier: Tier,
    /// How it is authenticated.
    pub auth: Auth,
    /// Safe to resend?
    pub idempotent: bool,
    /// Bot scopes.
    pub bot_scopes: Vec<String>,
    /// User scopes.
    pub user_scopes: Vec<String>,
    /// Params in order.
    pub params: Vec<Field>,
    /// Groups of params (wire names) of which at least one group must be
    /// fully set before sending.
    pub one_of: Vec<Vec<String>>,
    /// Response fields.
    pub response: Vec<Field>,
    /// The method's own errors.
    pub errors: Vec<ErrorCode>,
    /// Codes that, met by a resend after Slack may have acted on an earlier
    /// attempt, mean that attempt did what was asked (`on_resend`).
    pub done_on_resend: Vec<String>,
    /// `example_response` as compact JSON (`{"ok":true}` when none was given).
    pub example_response: String,
    /// How the method pages its answer, when it does.
    pub pagination: Option<Pagination>,
}

/// Everything to emit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    /// Named types declared by the spec being generated (not extern ones).
    pub types: Vec<TypeDef>,
    /// The names of the types among `types` that events became, and of the
    /// `Event` union: they are emitted apart from the others.
    pub event_types: Vec<String>,
    /// The common errors (empty when they come from the extern spec).
    pub common_errors: Vec<ErrorCode>,
    /// Methods in spec order (files in name order, methods in file order).
    pub methods: Vec<Method>,
}

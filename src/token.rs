//! Slack tokens, kept out of every log line and message.
//!
//! A [`Token`] can be printed with `{:?}` or `{}` safely: both show only its
//! kind (`xoxb-…`). The secret leaves the type in exactly one place, the
//! `Authorization` header the runtime builds.

use std::borrow::Cow;
use std::fmt;

use crate::error::{Error, ErrorCode};

/// What sort of token it is, read from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// `xoxb-`: a bot token.
    Bot,
    /// `xoxp-`: a user token.
    User,
    /// `xoxe.xoxp-`/`xoxe.xoxb-` and other rotating or refresh tokens,
    /// `xapp-` app-level tokens, and anything unrecognised.
    Other,
}

impl TokenKind {
    /// The kind for a token text, by prefix.
    pub fn of(token: &str) -> TokenKind {
        if token.starts_with("xoxb-") || token.starts_with("xoxe.xoxb-") {
            TokenKind::Bot
        } else if token.starts_with("xoxp-") || token.starts_with("xoxe.xoxp-") {
            TokenKind::User
        } else {
            TokenKind::Other
        }
    }

    /// A short label (`bot`, `user`, `other`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Bot => "bot",
            TokenKind::User => "user",
            TokenKind::Other => "other",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Slack token. Its `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token {
    secret: Box<str>,
    kind: TokenKind,
}

impl Token {
    /// Wraps a token text such as `xoxb-…`.
    pub fn new(secret: impl Into<String>) -> Token {
        let secret: Box<str> = secret.into().trim().into();
        let kind = TokenKind::of(&secret);
        Token { secret, kind }
    }

    /// The kind read from the prefix.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The secret text. Only the transport should need this; do not log it.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }

    /// A label safe to print: the kind prefix and nothing else.
    pub fn redacted(&self) -> &'static str {
        match self.kind {
            TokenKind::Bot => "xoxb-…",
            TokenKind::User => "xoxp-…",
            TokenKind::Other => "…",
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.redacted())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.redacted())
    }
}

impl From<&str> for Token {
    fn from(secret: &str) -> Token {
        Token::new(secret)
    }
}

impl From<String> for Token {
    fn from(secret: String) -> Token {
        Token::new(secret)
    }
}

impl From<&String> for Token {
    fn from(secret: &String) -> Token {
        Token::new(secret.as_str())
    }
}

/// Reads a token from JSON text (a generated response's `token` field,
/// such as `oauth.v2.access`'s `access_token`). A value that is not text is
/// an error that names its type, never the value of a token.
impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Token, D::Error> {
        String::deserialize(deserializer).map(Token::new)
    }
}

/// Writes the secret text: serializing is the wire form (a generated object
/// holding a token travels to Slack, or to a store, as JSON). Never
/// serialize a token, or a value holding one, into a log line.
impl serde::Serialize for Token {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.secret)
    }
}

/// Token texts shorter than this are not searched for in bodies and
/// messages: they would match ordinary text, and are not real Slack tokens.
const MIN_SECRET_LEN: usize = 8;

/// The body with every copy of the token text replaced by its redacted
/// label, so that a server echoing the token cannot put it into a response
/// or an error (a snippet cut in the middle of it would escape a later
/// search).
pub(crate) fn redact_body<'a>(body: &'a [u8], token: &Token) -> Cow<'a, [u8]> {
    let secret = token.expose_secret().as_bytes();
    if secret.len() < MIN_SECRET_LEN || !body.windows(secret.len()).any(|w| w == secret) {
        return Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(secret) {
            out.extend_from_slice(token.redacted().as_bytes());
            rest = &rest[secret.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    Cow::Owned(out)
}

/// Removes the token text from an error's free-text parts, in case a
/// server (or a proxy) echoed it back in a body.
pub(crate) fn scrub<E: ErrorCode>(err: Error<E>, token: &Token) -> Error<E> {
    let secret = token.expose_secret();
    if secret.len() < MIN_SECRET_LEN {
        return err;
    }
    let clean = |text: String| {
        if text.contains(secret) {
            text.replace(secret, token.redacted())
        } else {
            text
        }
    };
    match err {
        Error::Api { method, mut error } => {
            error.meta.messages = error.meta.messages.into_iter().map(clean).collect();
            error.meta.warnings = error.meta.warnings.into_iter().map(clean).collect();
            error.needed = error.needed.map(clean);
            error.provided = error
                .provided
                .map(|provided| provided.into_iter().map(clean).collect());
            Error::Api { method, error }
        }
        Error::Transport {
            method,
            kind,
            may_have_been_sent,
            message,
        } => Error::Transport {
            method,
            kind,
            may_have_been_sent,
            message: clean(message),
        },
        Error::Status {
            method,
            status,
            body_snippet,
        } => Error::Status {
            method,
            status,
            body_snippet: clean(body_snippet),
        },
        Error::Decode {
            method,
            message,
            body_snippet,
        } => Error::Decode {
            method,
            message: clean(message),
            body_snippet: clean(body_snippet),
        },
        Error::InvalidRequest(mut invalid) => {
            invalid.reason = clean(invalid.reason);
            Error::InvalidRequest(invalid)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_replaces_every_copy_and_leaves_other_bodies_alone() {
        let token = Token::new("xoxb-1-2-SECRET");
        assert_eq!(
            redact_body(
                b"a xoxb-1-2-SECRET b xoxb-1-2-SECRETxoxb-1-2-SECRET",
                &token
            )
            .as_ref(),
            "a xoxb-… b xoxb-…xoxb-…".as_bytes()
        );
        assert!(matches!(
            redact_body(b"{\"ok\":true}", &token),
            Cow::Borrowed(_)
        ));
        // Too short to be a real token: not searched for.
        assert!(matches!(
            redact_body(b"abc", &Token::new("abc")),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn kind_comes_from_the_prefix() {
        assert_eq!(Token::new("xoxb-1-2-abc").kind(), TokenKind::Bot);
        assert_eq!(Token::new("xoxp-1-2-abc").kind(), TokenKind::User);
        assert_eq!(Token::new("xapp-1-abc").kind(), TokenKind::Other);
    }

    #[test]
    fn debug_and_display_hide_the_secret() {
        let token = Token::new("xoxb-1234-5678-SECRETPART");
        for text in [
            format!("{token:?}"),
            format!("{token}"),
            format!("{token:#?}"),
        ] {
            assert!(!text.contains("SECRETPART"), "{text}");
            assert!(!text.contains("1234"), "{text}");
        }
        assert_eq!(format!("{token:?}"), "Token(xoxb-…)");
    }

    #[test]
    fn serde_reads_and_writes_the_text_and_errors_name_no_secret() {
        let token: Token = serde_json::from_str("\"xoxe.xoxb-1-SECRETPART\"").expect("a token");
        assert_eq!(token.expose_secret(), "xoxe.xoxb-1-SECRETPART");
        assert_eq!(token.kind(), TokenKind::Bot);
        assert_eq!(
            serde_json::to_string(&token).expect("encodes"),
            "\"xoxe.xoxb-1-SECRETPART\""
        );
        let optional: Option<Token> = serde_json::from_str("null").expect("null is none");
        assert_eq!(optional, None);
        let err = serde_json::from_str::<Token>("12345678901").expect_err("not text");
        assert!(err.to_string().contains("expected a string"), "{err}");
    }
}

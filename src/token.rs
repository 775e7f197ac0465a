//! Slack tokens, kept out of every log line and message.
//!
//! A [`Token`] can be printed with `{:?}` or `{}` safely: both show only its
//! kind (`xoxb-…`). The secret leaves the type in exactly one place, the
//! `Authorization` header the runtime builds.

use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}

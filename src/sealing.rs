//! Tokens sealed at rest (feature `sealing`): AES-256-GCM with a key the
//! app supplies, a key id in every sealed value so keys can be rotated, and
//! the row the value belongs to bound in as associated data, so a sealed
//! token moved to another row does not open.
//!
//! A sealed value is text, fit for any `TEXT` column:
//! `sc1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`, with a fresh random
//! 96-bit nonce for every seal (the sealed text of one token differs each
//! time). The associated data is the format's name, the key id and the
//! caller's context (such as the installation's key and which token it
//! is), so neither the key id in front nor the context can be swapped.
//!
//! Opening never panics: a value no configured key opens is a typed
//! [`SealError`], and no error, `Debug` or `Display` shows a key's bytes or
//! a token's text.
//!
//! ```
//! use slack_calls::{Token, TokenKeys};
//!
//! # fn main() -> Result<(), slack_calls::SealError> {
//! // In production the key comes from a secret store or the environment:
//! // TokenKeys::from_env("SLACK_CALLS_TOKEN_KEYS") reads "id:base64,...".
//! let keys = TokenKeys::new("2026-12", &[7u8; 32])?;
//! let token = Token::from("xoxb-1-2-secret");
//! let sealed = keys.seal(&token, "T0123/bot")?;
//! assert!(!sealed.contains("secret"));
//! assert_eq!(keys.open(&sealed, "T0123/bot")?.expose_secret(), "xoxb-1-2-secret");
//! // Moved to another row, it does not open.
//! assert!(keys.open(&sealed, "T0999/bot").is_err());
//!
//! // Rotation: a new current key, the old one kept for reading.
//! let rotated = TokenKeys::new("2027-01", &[9u8; 32])?.with_old_key("2026-12", &[7u8; 32])?;
//! assert!(rotated.needs_reseal(&sealed));
//! let again = rotated.seal(&rotated.open(&sealed, "T0123/bot")?, "T0123/bot")?;
//! assert!(!rotated.needs_reseal(&again));
//! # Ok(()) }
//! ```

use std::fmt;

use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use zeroize::Zeroizing;

use crate::token::Token;

/// The format's name: the first part of every sealed value, and the start
/// of its associated data.
const FORMAT: &str = "sc1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const MAX_KEY_ID: usize = 32;

/// Why a key could not be taken, or a value sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// A key id must be 1 to 32 characters of `A-Z a-z 0-9 - _`.
    #[error("a sealing key id must be 1 to 32 characters of A-Z, a-z, 0-9, `-` and `_`, got {0:?}")]
    BadKeyId(String),
    /// A key must be 32 bytes (AES-256).
    #[error("sealing key `{key_id}` must be 32 bytes (256 bits), got {got}")]
    BadKeyLength {
        /// The key's id.
        key_id: String,
        /// How many bytes it had.
        got: usize,
    },
    /// A key given as text is not base64.
    #[error("sealing key `{key_id}` is not base64 (standard or URL-safe) text")]
    BadKeyEncoding {
        /// The key's id.
        key_id: String,
    },
    /// Two keys were given the same id.
    #[error("two sealing keys have the id `{0}`")]
    DuplicateKeyId(String),
    /// A list of keys (`id:base64,...`) could not be read.
    #[error("the sealing keys {source_name} cannot be read: {reason}")]
    BadKeyList {
        /// Where the list came from (such as an environment variable's name).
        source_name: String,
        /// What is wrong (never the keys themselves).
        reason: String,
    },
    /// The value was sealed with a key none of the configured keys has the
    /// id of: configure that key (as an old key) to read it.
    #[error("sealed with key `{key_id}`, which is not configured (configured: {configured:?})")]
    UnknownKey {
        /// The id the value names.
        key_id: String,
        /// The ids that are configured.
        configured: Vec<String>,
    },
    /// The key with the value's id does not open it: the value was changed,
    /// moved to another row (another context), or sealed with a different
    /// key under the same id.
    #[error(
        "the value sealed with key `{key_id}` does not open: changed, moved to another row, or another key with that id"
    )]
    DoesNotOpen {
        /// The id the value names.
        key_id: String,
    },
    /// Not a sealed value at all.
    #[error("not a sealed value (expected `sc1.<key id>.<base64>`)")]
    Malformed,
    /// The system's random number generator failed (no nonce, nothing
    /// sealed).
    #[error("the system's random number generator failed")]
    Random,
}

/// One configured key: its id and its cipher (the key bytes live only
/// inside the cipher).
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

/// The keys that seal and open tokens: one current key, which seals, and
/// any number of old keys, which only open. See the [module docs](self).
pub struct TokenKeys {
    /// The current key first, then the old ones.
    keys: Vec<SealingKey>,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("current", &self.current_key_id())
            .field(
                "old",
                &self.keys[1..]
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

fn check_id(id: &str) -> Result<(), SealError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_KEY_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(SealError::BadKeyId(id.chars().take(40).collect()))
    }
}

fn sealing_key(id: &str, key: &[u8]) -> Result<SealingKey, SealError> {
    check_id(id)?;
    if key.len() != KEY_LEN {
        return Err(SealError::BadKeyLength {
            key_id: id.to_owned(),
            got: key.len(),
        });
    }
    let key = Key::<Aes256Gcm>::try_from(key).map_err(|_| SealError::BadKeyLength {
        key_id: id.to_owned(),
        got: key.len(),
    })?;
    Ok(SealingKey {
        id: id.to_owned(),
        cipher: Aes256Gcm::new(&key),
    })
}

fn decode_key(id: &str, text: &str) -> Result<Zeroizing<Vec<u8>>, SealError> {
    let text = text.trim();
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map(Zeroizing::new)
        .map_err(|_| SealError::BadKeyEncoding {
            key_id: id.to_owned(),
        })
}

impl TokenKeys {
    /// Seals with the 32-byte `key`, called `id` (1 to 32 characters of
    /// `A-Z a-z 0-9 - _`; stored in every value it seals).
    pub fn new(id: &str, key: &[u8]) -> Result<TokenKeys, SealError> {
        Ok(TokenKeys {
            keys: vec![sealing_key(id, key)?],
        })
    }

    /// Like [`new`](TokenKeys::new), with the key as base64 text
    /// (standard or URL-safe).
    pub fn from_base64(id: &str, key: &str) -> Result<TokenKeys, SealError> {
        TokenKeys::new(id, &decode_key(id, key)?)
    }

    /// Also opens values sealed with the old key `id` (it never seals).
    pub fn with_old_key(mut self, id: &str, key: &[u8]) -> Result<TokenKeys, SealError> {
        if self.keys.iter().any(|k| k.id == id) {
            return Err(SealError::DuplicateKeyId(id.to_owned()));
        }
        self.keys.push(sealing_key(id, key)?);
        Ok(self)
    }

    /// Reads keys from text `id:base64[,id:base64...]`: the first is the
    /// current key, the rest are old keys. `source_name` says where the
    /// text came from, in errors (which never show a key).
    pub fn parse(text: &str, source_name: &str) -> Result<TokenKeys, SealError> {
        let bad = |reason: &str| SealError::BadKeyList {
            source_name: source_name.to_owned(),
            reason: reason.to_owned(),
        };
        let mut keys: Option<TokenKeys> = None;
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, key) = part
                .split_once(':')
                .ok_or_else(|| bad("each key is written `id:base64`"))?;
            let bytes = decode_key(id, key)?;
            keys = Some(match keys {
                None => TokenKeys::new(id, &bytes)?,
                Some(keys) => keys.with_old_key(id, &bytes)?,
            });
        }
        keys.ok_or_else(|| bad("no key is given"))
    }

    /// Reads keys from the environment variable `var`, written as for
    /// [`parse`](TokenKeys::parse).
    pub fn from_env(var: &str) -> Result<TokenKeys, SealError> {
        let text = Zeroizing::new(std::env::var(var).map_err(|err| SealError::BadKeyList {
            source_name: format!("in ${var}"),
            reason: match err {
                std::env::VarError::NotPresent => "it is not set".to_owned(),
                std::env::VarError::NotUnicode(_) => "it is not UTF-8".to_owned(),
            },
        })?);
        TokenKeys::parse(&text, &format!("in ${var}"))
    }

    /// A new random 32-byte key, as standard base64: what to put after
    /// `id:` in the key list.
    pub fn generate_key() -> Result<String, SealError> {
        let key = Key::<Aes256Gcm>::try_generate().map_err(|_| SealError::Random)?;
        Ok(STANDARD.encode(key.as_slice()))
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Seals `token` for `context` (what row and field it belongs to; the
    /// same context must be given to open it).
    pub fn seal(&self, token: &Token, context: &str) -> Result<String, SealError> {
        let key = &self.keys[0];
        let nonce = Nonce::try_generate().map_err(|_| SealError::Random)?;
        let aad = associated_data(&key.id, context);
        let sealed = key
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: token.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Malformed)?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(nonce.as_slice());
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{FORMAT}.{}.{}",
            key.id,
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Opens a value [`seal`](TokenKeys::seal) made for `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Token, SealError> {
        let (key_id, body) = split(sealed)?;
        let key =
            self.keys
                .iter()
                .find(|k| k.id == key_id)
                .ok_or_else(|| SealError::UnknownKey {
                    key_id: key_id.to_owned(),
                    configured: self.keys.iter().map(|k| k.id.clone()).collect(),
                })?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce).map_err(|_| SealError::Malformed)?;
        let aad = associated_data(&key.id, context);
        let does_not_open = || SealError::DoesNotOpen {
            key_id: key_id.to_owned(),
        };
        let plain = Zeroizing::new(
            key.cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: sealed,
                        aad: &aad,
                    },
                )
                .map_err(|_| does_not_open())?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| does_not_open())?;
        Ok(Token::from(text))
    }

    /// The id of the key `sealed` names, if it is a sealed value.
    pub fn key_id_of(sealed: &str) -> Option<&str> {
        split(sealed).ok().map(|(id, _)| id)
    }

    /// Whether `sealed` was sealed with a key other than the current one
    /// (read it and seal it again to move it to the current key).
    pub fn needs_reseal(&self, sealed: &str) -> bool {
        TokenKeys::key_id_of(sealed) != Some(self.current_key_id())
    }
}

/// `sc1.<id>.<body>` → (id, body).
fn split(sealed: &str) -> Result<(&str, &str), SealError> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(FORMAT), Some(id), Some(body)) if check_id(id).is_ok() && !body.is_empty() => {
            Ok((id, body))
        }
        _ => Err(SealError::Malformed),
    }
}

fn associated_data(key_id: &str, context: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(FORMAT.len() + key_id.len() + context.len() + 2);
    aad.extend_from_slice(FORMAT.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(context.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "xoxb-1111-2222-sEcReTtExT";

    fn keys() -> TokenKeys {
        TokenKeys::new("k1", &[1u8; 32]).unwrap()
    }

    #[test]
    fn a_sealed_token_opens_only_for_its_context_and_never_shows_its_text() {
        let keys = keys();
        let token = Token::from(TOKEN);
        let a = keys.seal(&token, "T1/bot").unwrap();
        let b = keys.seal(&token, "T1/bot").unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
        for sealed in [&a, &b] {
            assert!(sealed.starts_with("sc1.k1."), "{sealed}");
            assert!(!sealed.contains("sEcReT") && !sealed.contains("xoxb"));
            assert_eq!(keys.open(sealed, "T1/bot").unwrap().expose_secret(), TOKEN);
        }
        assert_eq!(
            keys.open(&a, "T2/bot"),
            Err(SealError::DoesNotOpen {
                key_id: "k1".into()
            })
        );
        let debug = format!("{keys:?}");
        assert!(debug.contains("k1") && !debug.contains("[1, 1"), "{debug}");
    }

    #[test]
    fn a_changed_value_or_another_key_under_the_same_id_does_not_open() {
        let keys = keys();
        let sealed = keys.seal(&Token::from(TOKEN), "ctx").unwrap();
        // Every single-character change of the body.
        let prefix = "sc1.k1.".len();
        for i in prefix..sealed.len() {
            let mut bytes = sealed.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            if changed != sealed {
                assert!(keys.open(&changed, "ctx").is_err(), "position {i}");
            }
        }
        let impostor = TokenKeys::new("k1", &[2u8; 32]).unwrap();
        assert!(matches!(
            impostor.open(&sealed, "ctx"),
            Err(SealError::DoesNotOpen { .. })
        ));
        // The key id in front cannot be swapped: it is bound in too.
        let two = TokenKeys::new("k2", &[1u8; 32])
            .unwrap()
            .with_old_key("k1", &[1u8; 32])
            .unwrap();
        let swapped = sealed.replacen("sc1.k1.", "sc1.k2.", 1);
        assert!(matches!(
            two.open(&swapped, "ctx"),
            Err(SealError::DoesNotOpen { .. })
        ));
    }

    #[test]
    fn rotation_opens_with_old_keys_and_seals_with_the_current_one() {
        let old = keys();
        let sealed = old.seal(&Token::from(TOKEN), "ctx").unwrap();
        let rotated = TokenKeys::new("k2", &[2u8; 32])
            .unwrap()
            .with_old_key("k1", &[1u8; 32])
            .unwrap();
        assert!(rotated.needs_reseal(&sealed));
        let token = rotated.open(&sealed, "ctx").unwrap();
        let resealed = rotated.seal(&token, "ctx").unwrap();
        assert_eq!(TokenKeys::key_id_of(&resealed), Some("k2"));
        assert!(!rotated.needs_reseal(&resealed));
        // Without the old key: a typed error naming both sides.
        let only_new = TokenKeys::new("k2", &[2u8; 32]).unwrap();
        assert_eq!(
            only_new.open(&sealed, "ctx"),
            Err(SealError::UnknownKey {
                key_id: "k1".into(),
                configured: vec!["k2".into()]
            })
        );
    }

    #[test]
    fn bad_keys_and_key_lists_are_refused_without_showing_a_key() {
        assert!(matches!(
            TokenKeys::new("k", &[0u8; 16]),
            Err(SealError::BadKeyLength { got: 16, .. })
        ));
        for id in [
            "",
            "has space",
            "a.b",
            "dots.are.separators",
            &"x".repeat(33),
        ] {
            assert!(
                matches!(TokenKeys::new(id, &[0u8; 32]), Err(SealError::BadKeyId(_))),
                "{id:?}"
            );
        }
        assert!(matches!(
            keys().with_old_key("k1", &[3u8; 32]),
            Err(SealError::DuplicateKeyId(_))
        ));
        let key = TokenKeys::generate_key().unwrap();
        let parsed = TokenKeys::parse(
            &format!("new:{key}, old:{}", STANDARD.encode([1u8; 32])),
            "test",
        )
        .unwrap();
        assert_eq!(parsed.current_key_id(), "new");
        let sealed = TokenKeys::new("old", &[1u8; 32])
            .unwrap()
            .seal(&Token::from(TOKEN), "c")
            .unwrap();
        assert_eq!(parsed.open(&sealed, "c").unwrap().expose_secret(), TOKEN);
        for bad in ["", "  ", "nokey", "k:not base64!", "k:AAAA"] {
            let err = TokenKeys::parse(bad, "test").unwrap_err();
            assert!(!err.to_string().contains("AAAA"), "{err}");
        }
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        let keys = keys();
        for bad in [
            "",
            "sc1",
            "sc1.",
            "sc1.k1",
            "sc1.k1.",
            "sc2.k1.AAAA",
            "sc1.k 1.AAAA",
            "sc1.k1.!!!!",
            "sc1.k1.AAAA",
            "xoxb-plain-token",
            "sc1.k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let result = keys.open(bad, "ctx");
            assert!(result.is_err(), "{bad:?}");
        }
        assert_eq!(
            keys.open("sc1.zz.AAAA", "c").unwrap_err(),
            SealError::UnknownKey {
                key_id: "zz".into(),
                configured: vec!["k1".into()],
            }
        );
    }
}

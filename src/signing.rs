//! Slack's request signing, version `v0`: compute and verify
//! `X-Slack-Signature` for a timestamp and a raw body.
//!
//! Slack signs every request it sends to an app:
//! `X-Slack-Signature: v0=` + hex(HMAC-SHA256(signing secret,
//! `v0:{X-Slack-Request-Timestamp}:{raw body}`)). The receiver
//! ([`crate::events`], feature `events`) verifies with this module; the fake
//! Slack signs the requests it sends to apps with the same code, so the two
//! sides cannot drift apart.
//!
//! The HMAC is RustCrypto's `hmac` + `sha2`: small, pure Rust, and
//! [`Mac::verify_slice`] compares in constant time. `aws-lc-rs` is also in
//! the tree today, but only through reqwest's TLS backend; that backend is
//! becoming a choice, so signing must not depend on it being compiled in.
//!
//! Nothing here prints the secret or a computed signature: [`SigningSecret`]
//! has a redacted `Debug`, and [`verify`] answers only yes or no.

use std::fmt;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The shortest signing secret accepted, in bytes. Slack issues 32 hex
/// characters; anything under 16 is a truncated copy or a placeholder.
pub const MIN_SECRET_LEN: usize = 16;

/// The signature scheme's version, the prefix of the base string and of the
/// header value.
pub const VERSION: &str = "v0";

/// An app's signing secret (app settings → Basic Information). Its `Debug`
/// never shows the value.
#[derive(Clone)]
pub struct SigningSecret(Box<[u8]>);

/// Why a signing secret was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The secret is empty (an unset environment variable, most often).
    #[error("the signing secret is empty: copy it from the app's Basic Information page")]
    Empty,
    /// The secret is shorter than [`MIN_SECRET_LEN`] bytes.
    #[error(
        "the signing secret is {len} bytes long, shorter than the {min} accepted \
         (Slack issues 32 characters): check that it was copied whole"
    )]
    TooShort {
        /// The length given.
        len: usize,
        /// The minimum, [`MIN_SECRET_LEN`].
        min: usize,
    },
}

impl SigningSecret {
    /// Checks and keeps a signing secret.
    ///
    /// ```
    /// use slack_calls::signing::{SecretError, SigningSecret};
    ///
    /// assert!(SigningSecret::new("8f742231b10e8888abcd99yyyzzz85a5").is_ok());
    /// assert_eq!(SigningSecret::new("").unwrap_err(), SecretError::Empty);
    /// ```
    pub fn new(secret: impl AsRef<[u8]>) -> Result<SigningSecret, SecretError> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(SecretError::Empty);
        }
        if secret.len() < MIN_SECRET_LEN {
            return Err(SecretError::TooShort {
                len: secret.len(),
                min: MIN_SECRET_LEN,
            });
        }
        Ok(SigningSecret(secret.into()))
    }

    fn mac(&self, timestamp: &[u8], body: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(VERSION.as_bytes());
        mac.update(b":");
        mac.update(timestamp);
        mac.update(b":");
        mac.update(body);
        mac
    }
}

/// A signing secret as the receiver ([`Receiver::builder`]) and the fake
/// (`slack_calls_mock::MockApp::new`) both take it: a checked
/// [`SigningSecret`], or its text or bytes, checked with
/// [`SigningSecret::new`] where it is taken.
///
/// [`Receiver::builder`]: https://docs.rs/slack-calls/latest/slack_calls/events/struct.Receiver.html#method.builder
pub trait IntoSigningSecret {
    /// The checked secret.
    fn into_signing_secret(self) -> Result<SigningSecret, SecretError>;
}

impl IntoSigningSecret for SigningSecret {
    fn into_signing_secret(self) -> Result<SigningSecret, SecretError> {
        Ok(self)
    }
}

impl IntoSigningSecret for &SigningSecret {
    fn into_signing_secret(self) -> Result<SigningSecret, SecretError> {
        Ok(self.clone())
    }
}

macro_rules! secret_from_bytes {
    ($($t:ty),*) => {$(
        impl IntoSigningSecret for $t {
            fn into_signing_secret(self) -> Result<SigningSecret, SecretError> {
                SigningSecret::new(self)
            }
        }
    )*};
}

secret_from_bytes!(&str, String, &String, &[u8], Vec<u8>, &Vec<u8>);

impl<const N: usize> IntoSigningSecret for &[u8; N] {
    fn into_signing_secret(self) -> Result<SigningSecret, SecretError> {
        SigningSecret::new(self)
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// The `X-Slack-Signature` value for a request: `v0=` and 64 lowercase hex
/// digits. `timestamp` is the `X-Slack-Request-Timestamp` value, as sent.
///
/// ```
/// use slack_calls::signing::{sign, verify, SigningSecret};
///
/// let secret = SigningSecret::new("8f742231b10e8888abcd99yyyzzz85a5").unwrap();
/// let signature = sign(&secret, "1531420618", b"token=xyzz0WbapA4vBCDEFasx0q6G");
/// assert!(signature.starts_with("v0="));
/// assert!(verify(&secret, "1531420618", signature.as_bytes(), b"token=xyzz0WbapA4vBCDEFasx0q6G"));
/// ```
pub fn sign(secret: &SigningSecret, timestamp: &str, body: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let tag = secret
        .mac(timestamp.as_bytes(), body)
        .finalize()
        .into_bytes();
    let mut out = String::with_capacity(VERSION.len() + 1 + 2 * tag.len());
    out.push_str(VERSION);
    out.push('=');
    for byte in tag.iter() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

/// Whether `signature` (the raw `X-Slack-Signature` value) is the `v0`
/// signature of `timestamp` and `body` under `secret`. The comparison is
/// constant time; a value that is not `v0=` plus 64 hex digits is simply
/// not a match. The timestamp's age is the caller's check.
pub fn verify(secret: &SigningSecret, timestamp: &str, signature: &[u8], body: &[u8]) -> bool {
    let Some(tag) = decode_signature(signature) else {
        return false;
    };
    secret
        .mac(timestamp.as_bytes(), body)
        .verify_slice(&tag)
        .is_ok()
}

/// `v0=` + 64 lowercase hex digits → the 32 bytes, or `None`. Slack sends
/// lowercase, and both official SDKs compare the text exactly
/// (`hmac.compare_digest` in python-slack-sdk's `SignatureVerifier`,
/// `tsscmp` in `@slack/bolt`), so upper case is refused as they refuse it.
fn decode_signature(signature: &[u8]) -> Option<[u8; 32]> {
    let hex = signature.strip_prefix(b"v0=")?;
    if hex.len() != 64 {
        return None;
    }
    let mut tag = [0u8; 32];
    for (byte, pair) in tag.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(tag)
}

fn nibble(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

    #[test]
    fn matches_slacks_documented_example() {
        // The worked example on Slack's "Verifying requests from Slack" page.
        let secret = SigningSecret::new(SECRET).unwrap();
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign(&secret, "1531420618", body),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let secret = SigningSecret::new(SECRET).unwrap();
        let good = sign(&secret, "100", b"{}");
        assert!(verify(&secret, "100", good.as_bytes(), b"{}"));
        // Upper-case hex is refused, as Slack's SDKs refuse it (they compare
        // the text exactly; Slack sends lower case).
        assert!(!verify(
            &secret,
            "100",
            good.to_uppercase().replace("V0=", "v0=").as_bytes(),
            b"{}"
        ));
        assert!(!verify(&secret, "101", good.as_bytes(), b"{}"));
        assert!(!verify(&secret, "100", good.as_bytes(), b"{ }"));
        let other = SigningSecret::new("another-secret-of-some-length").unwrap();
        assert!(!verify(&other, "100", good.as_bytes(), b"{}"));
        assert!(!verify(
            &secret,
            "100",
            good.replace("v0=", "v1=").as_bytes(),
            b"{}"
        ));
        assert!(!verify(
            &secret,
            "100",
            &good.as_bytes()[..good.len() - 1],
            b"{}"
        ));
        assert!(!verify(
            &secret,
            "100",
            format!("{good}0").as_bytes(),
            b"{}"
        ));
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(!verify(&secret, "100", &flipped, b"{}"));
        assert!(!verify(
            &secret,
            "100",
            good.replace('v', "x").as_bytes(),
            b"{}"
        ));
        assert!(!verify(&secret, "100", b"", b"{}"));
    }

    #[test]
    fn empty_and_short_secrets_are_refused_and_never_printed() {
        assert_eq!(SigningSecret::new("").unwrap_err(), SecretError::Empty);
        assert_eq!(
            SigningSecret::new("short-secret").unwrap_err(),
            SecretError::TooShort {
                len: 12,
                min: MIN_SECRET_LEN
            }
        );
        let secret = SigningSecret::new(SECRET).unwrap();
        assert!(!format!("{secret:?} {secret:#?}").contains(SECRET));
    }
}

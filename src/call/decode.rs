//! Reading Slack's answer: the envelope every method shares (`ok`,
//! `error`, warnings, `response_metadata`), then the method's typed body.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::call::method::MethodInfo;
use crate::error::{ApiError, Error, ErrorCode, ResponseMeta, snippet};

/// A typed response of a generated method; the runtime hands it the
/// envelope's warnings after decoding.
pub trait Response: DeserializeOwned + Send + 'static {
    /// Stores Slack's warnings and messages on the response.
    fn set_meta(&mut self, meta: ResponseMeta);
}

#[derive(Deserialize)]
struct Envelope {
    ok: Option<bool>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    warning: Option<String>,
    #[serde(default)]
    needed: Option<String>,
    #[serde(default)]
    provided: Option<String>,
    #[serde(default)]
    response_metadata: Option<Metadata>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    messages: Vec<String>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// Decodes Slack's envelope, then the method's typed body.
pub fn decode<R: Response, E: ErrorCode>(
    method: &'static MethodInfo,
    body: &[u8],
) -> Result<R, Error<E>> {
    decode_after(method, body, Waits::default())
}

/// What a call met before its answer came: kept in its [`ResponseMeta`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Waits {
    /// The 429s it waited out.
    pub rate_limited: u32,
    /// Its time waiting for a permit, `Retry-After`s included.
    pub waited: std::time::Duration,
}

/// [`decode`], with what the call waited for in the answer's meta (on a
/// success and on Slack's error alike).
pub(crate) fn decode_after<R: Response, E: ErrorCode>(
    method: &'static MethodInfo,
    body: &[u8],
    waits: Waits,
) -> Result<R, Error<E>> {
    let decode_error = |message: String| Error::Decode {
        method: method.name,
        message,
        body_snippet: snippet(body),
    };
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
    let metadata = envelope.response_metadata.unwrap_or_default();
    let mut warnings: Vec<String> = Vec::new();
    for code in envelope
        .warning
        .iter()
        .flat_map(|w| w.split(','))
        .chain(metadata.warnings.iter().map(String::as_str))
    {
        let code = code.trim();
        if !code.is_empty() && !warnings.iter().any(|w| w == code) {
            warnings.push(code.to_owned());
        }
    }
    let meta = ResponseMeta {
        warnings,
        messages: metadata.messages,
        next_cursor: metadata.next_cursor.filter(|c| !c.is_empty()),
        done_before_resend: None,
        rate_limited: waits.rate_limited,
        rate_limit_wait: waits.waited,
    };
    match envelope.ok {
        Some(true) => {
            let mut response: R =
                serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
            response.set_meta(meta);
            Ok(response)
        }
        Some(false) => {
            let code = envelope.error.unwrap_or_default();
            Err(Error::Api {
                method: method.name,
                error: Box::new(ApiError {
                    code: E::from_code(&code),
                    needed: envelope.needed.filter(|n| !n.is_empty()),
                    provided: envelope
                        .provided
                        .filter(|p| !p.is_empty())
                        .map(|p| p.split(',').map(|s| s.trim().to_owned()).collect()),
                    meta,
                }),
            })
        }
        None => Err(decode_error(
            "the answer has no boolean `ok` field".to_owned(),
        )),
    }
}

//! Reading a Web API request the way Slack does: params from the query
//! string and from a form or JSON body, the token from the `Authorization`
//! header or a `token` form field, and the body errors Slack names
//! (`invalid_json`, `json_not_object`, `invalid_form_data`,
//! `invalid_post_type`, `missing_post_type`, `invalid_charset`).
//!
//! Nothing here can panic on any input: every path over the bytes of a
//! request ends in a param list or a [`SlackError`].

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, Method};
use serde_json::Value;

use crate::state::log::TokenSource;
use crate::wire::answer::SlackError;

/// A param value as it arrived.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawValue {
    /// Form and query values, and JSON strings, numbers and booleans.
    Text(String),
    /// A JSON `null`.
    Null,
    /// JSON arrays and objects from a JSON body.
    Json(Value),
}

impl RawValue {
    /// The value as a log shows it.
    pub fn display(&self) -> String {
        match self {
            RawValue::Text(text) => text.clone(),
            RawValue::Null => "null".to_owned(),
            RawValue::Json(value) => value.to_string(),
        }
    }
}

/// A request read as far as it could be.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParsedRequest {
    /// Params in order (query first, then body), without `token`.
    pub params: Vec<(String, RawValue)>,
    /// The token text, if one was found where Slack reads it.
    pub token: Option<String>,
    /// Where a token was offered (also `Query` when refused there).
    pub token_source: Option<TokenSource>,
    /// The `Content-Type` header, verbatim.
    pub content_type: Option<String>,
    /// Warning codes to add to the answer.
    pub warnings: Vec<&'static str>,
    /// Why the request cannot be read, when it cannot.
    pub problem: Option<SlackError>,
    /// A hint for `not_authed` when the token was offered where Slack does
    /// not read it.
    pub token_hint: Option<&'static str>,
    /// How many of `params` came from a JSON body (they are the last ones).
    pub json_params: usize,
    /// The app's client id and secret from `Authorization: Basic …`.
    pub basic: Option<(String, String)>,
    /// A `client_secret` param, kept out of `params` (and so out of the
    /// request log).
    pub client_secret: Option<String>,
}

impl ParsedRequest {
    /// The params, without those of a JSON body when `read_json` is false
    /// (for methods Slack does not take JSON for).
    pub fn params_read(&self, read_json: bool) -> &[(String, RawValue)] {
        if read_json {
            &self.params
        } else {
            &self.params[..self.params.len().saturating_sub(self.json_params)]
        }
    }
}

/// The body of a POST as the content type says to read it.
enum BodyKind {
    Form,
    Json,
    /// `text/plain`: JSON when it starts with `{`, form fields otherwise
    /// (Slack accepts the type but documents no reading; the fake's choice).
    Text,
    /// `multipart/form-data` with this boundary: one field per part.
    Multipart(String),
}

/// How a POST body is written: its kind, whether its bytes are ISO-8859-1
/// (else UTF-8), and the warning its charset earns.
struct BodyFormat {
    kind: BodyKind,
    latin1: bool,
    warning: Option<&'static str>,
}

pub(crate) fn parse(
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> ParsedRequest {
    let mut out = parse_params(method, query, headers, body);
    out.basic = basic_credentials(headers);
    // A client secret is as secret as a token: it leaves the params.
    if let Some(at) = out
        .params
        .iter()
        .position(|(name, _)| name == "client_secret")
    {
        let first_json = out.params.len().saturating_sub(out.json_params);
        let (_, value) = out.params.remove(at);
        if at >= first_json {
            out.json_params = out.json_params.saturating_sub(1);
        }
        if let RawValue::Text(text) = value {
            out.client_secret = Some(text);
        }
    }
    out
}

/// `Authorization: Basic <base64 of id:secret>`, case-insensitive scheme.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(decode_base64(encoded.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Standard base64 (RFC 4648, padding optional); `None` when malformed.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut bits: u32 = 0;
    let mut count = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = ((bits << 6) | u32::from(value)) & 0xffff;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    // A lone sixth of a byte left over is not base64.
    (count < 6).then_some(out)
}

fn parse_params(
    method: &Method,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> ParsedRequest {
    let mut out = ParsedRequest {
        content_type: headers
            .get(CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
        ..ParsedRequest::default()
    };

    if let Some(token) = bearer_token(headers) {
        out.token = Some(token);
        out.token_source = Some(TokenSource::Bearer);
    }

    if let Some(query) = query {
        match parse_form(query.as_bytes()) {
            Ok(pairs) => {
                for (name, value) in pairs {
                    if name == "token" {
                        if out.token.is_none() {
                            out.token_source = Some(TokenSource::Query);
                            out.token_hint = Some(
                                "a token in the query string is not accepted; send it as `Authorization: Bearer …` or as a `token` form field",
                            );
                        }
                    } else {
                        out.params.push((name, RawValue::Text(value)));
                    }
                }
            }
            Err(reason) => {
                out.problem = Some(
                    SlackError::new("invalid_form_data").because(format!("query string: {reason}")),
                );
                return out;
            }
        }
    }

    if method != Method::POST {
        return out;
    }

    let format = match content_type_kind(out.content_type.as_deref(), body.is_empty()) {
        Ok(Some(format)) => {
            out.warnings.extend(format.warning);
            format
        }
        Ok(None) => return out,
        Err(error) => {
            out.problem = Some(error);
            return out;
        }
    };

    let transcoded: Vec<u8>;
    let body = if format.latin1 {
        transcoded = latin1_to_utf8(body);
        &transcoded[..]
    } else {
        body
    };
    let kind = match format.kind {
        BodyKind::Text if body.trim_ascii_start().starts_with(b"{") => BodyKind::Json,
        BodyKind::Text => BodyKind::Form,
        kind => kind,
    };
    let fields = match &kind {
        BodyKind::Form => parse_form(body),
        BodyKind::Multipart(boundary) => parse_multipart(body, boundary),
        BodyKind::Json | BodyKind::Text => Ok(Vec::new()),
    };
    match kind {
        BodyKind::Form | BodyKind::Multipart(_) => match fields {
            Ok(pairs) => {
                for (name, value) in pairs {
                    if name == "token" {
                        if out.token.is_none() {
                            out.token = Some(value);
                            out.token_source = Some(TokenSource::FormField);
                            out.token_hint = None;
                        }
                    } else {
                        out.params.push((name, RawValue::Text(value)));
                    }
                }
            }
            Err(reason) => {
                out.problem = Some(SlackError::new("invalid_form_data").because(reason));
            }
        },
        // Mapped to Form or Json above.
        BodyKind::Text => {}
        // An empty JSON body is a call with no arguments, as on Slack:
        // slack_sdk (3.47.0, `base_client.py`) sends every call without
        // params that way, and Bolt for Python starts with such an
        // `auth.test`.
        BodyKind::Json if body.iter().all(u8::is_ascii_whitespace) => {}
        BodyKind::Json => match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => {
                for (name, value) in map {
                    if name == "token" {
                        if out.token.is_none() {
                            out.token_hint = Some(
                                "a JSON body needs the token in the `Authorization: Bearer …` header",
                            );
                        }
                        continue;
                    }
                    let value = match value {
                        Value::Null => RawValue::Null,
                        Value::String(text) => RawValue::Text(text),
                        Value::Bool(flag) => RawValue::Text(flag.to_string()),
                        Value::Number(number) => RawValue::Text(number.to_string()),
                        other => RawValue::Json(other),
                    };
                    out.params.push((name, value));
                    out.json_params += 1;
                }
            }
            Ok(_) => {
                out.problem = Some(
                    SlackError::new("json_not_object").because("the JSON body must be an object"),
                );
            }
            Err(err) => {
                out.problem = Some(
                    SlackError::new("invalid_json")
                        .because(format!("the body is not valid JSON: {err}")),
                );
            }
        },
    }
    out
}

/// `Authorization: Bearer <token>`, case-insensitive scheme.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// How to read a POST body, and the warning its charset earns.
fn content_type_kind(
    content_type: Option<&str>,
    body_is_empty: bool,
) -> Result<Option<BodyFormat>, SlackError> {
    let Some(content_type) = content_type else {
        if body_is_empty {
            return Ok(None);
        }
        return Err(SlackError::new("missing_post_type")
            .because("the POST body has no Content-Type header"));
    };
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let mut charset = None;
    let mut boundary = None;
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            charset = Some(value.trim().trim_matches('"').to_ascii_lowercase());
        } else if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("boundary")
        {
            boundary = Some(value.trim().trim_matches('"').to_owned());
        }
    }
    let utf8 = |c: &str| c == "utf-8" || c == "utf8";
    let kind = match essence.as_str() {
        "application/x-www-form-urlencoded" => BodyKind::Form,
        "application/json" => BodyKind::Json,
        "text/plain" => BodyKind::Text,
        "multipart/form-data" => match boundary {
            Some(boundary) if !boundary.is_empty() => BodyKind::Multipart(boundary),
            _ => {
                return Err(SlackError::new("invalid_form_data")
                    .because("a multipart/form-data body needs a boundary in its Content-Type"));
            }
        },
        _ => {
            return Err(SlackError::new("invalid_post_type").because(format!(
                "Content-Type `{essence}` is not application/x-www-form-urlencoded, application/json or text/plain"
            )));
        }
    };
    let latin1 = charset.as_deref() == Some("iso-8859-1");
    let warning = match (&kind, charset.as_deref()) {
        (_, Some(c)) if !utf8(c) && !latin1 => {
            return Err(SlackError::new("invalid_charset")
                .because(format!("charset `{c}` is not utf-8 or iso-8859-1")));
        }
        (BodyKind::Form, Some(_)) => Some("superfluous_charset"),
        (BodyKind::Json | BodyKind::Text, None) => Some("missing_charset"),
        _ => None,
    };
    Ok(Some(BodyFormat {
        kind,
        latin1,
        warning,
    }))
}

/// ISO-8859-1 bytes as UTF-8: every byte is the code point of its value.
/// Percent-escapes in a form body stay escapes, so they are read as UTF-8
/// afterwards (the fake's choice; Slack documents no more).
fn latin1_to_utf8(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|b| char::from(*b))
        .collect::<String>()
        .into_bytes()
}

/// Decodes `application/x-www-form-urlencoded` text strictly enough to
/// notice bytes that are not UTF-8, which Slack refuses as
/// `invalid_form_data`. A `%` not followed by two hex digits is kept as is.
pub(crate) fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (index, pair) in bytes.split(|b| *b == b'&').enumerate() {
        if pair.is_empty() {
            continue;
        }
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode_component(name)
            .map_err(|_| format!("field {index}: the name is not UTF-8 once percent-decoded"))?;
        let value = decode_component(value)
            .map_err(|_| format!("field `{name}`: the value is not UTF-8 once percent-decoded"))?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn decode_component(bytes: &[u8]) -> Result<String, std::string::FromUtf8Error> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

/// Reads the fields of a `multipart/form-data` body: each part's
/// `Content-Disposition` name and its content as UTF-8 text.
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<(String, String)>, String> {
    let delimiter = format!("--{boundary}");
    let between = format!("\r\n{delimiter}");
    let start = find(body, delimiter.as_bytes())
        .ok_or_else(|| "no part starts with the boundary".to_owned())?;
    let mut rest = &body[start + delimiter.len()..];
    let mut pairs = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(pairs);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| "a boundary line does not end with CRLF".to_owned())?;
        let header_end = find(rest, b"\r\n\r\n")
            .ok_or_else(|| "a part has no blank line after its headers".to_owned())?;
        let headers = std::str::from_utf8(&rest[..header_end])
            .map_err(|_| "a part's headers are not UTF-8".to_owned())?;
        let name = part_name(headers)
            .ok_or_else(|| "a part has no Content-Disposition name".to_owned())?;
        rest = &rest[header_end + 4..];
        let end = find(rest, between.as_bytes())
            .ok_or_else(|| format!("part `{name}` is not closed by the boundary"))?;
        let value = String::from_utf8(rest[..end].to_vec())
            .map_err(|_| format!("part `{name}` is not UTF-8"))?;
        pairs.push((name, value));
        rest = &rest[end + between.len()..];
    }
}

/// The `name` of a part's `Content-Disposition: form-data; name="…"`.
fn part_name(headers: &str) -> Option<String> {
    for line in headers.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        for param in value.split(';').skip(1) {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("name")
            {
                return Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    None
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn hex(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn basic_credentials_are_read_and_bad_base64_is_not() {
        assert_eq!(decode_base64("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(decode_base64("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(decode_base64("Zm9v!"), None);
        assert_eq!(decode_base64("Z"), None);
        let headers = HeaderMap::from_iter([(
            AUTHORIZATION,
            axum::http::HeaderValue::from_static("Basic MTIzNC41Njc4OnNlY3JldA=="),
        )]);
        assert_eq!(
            basic_credentials(&headers),
            Some(("1234.5678".to_owned(), "secret".to_owned()))
        );
    }

    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let Ok(value) = HeaderValue::from_str(value) {
                map.insert(*name, value);
            }
        }
        map
    }

    #[test]
    fn form_decoding_is_strict_about_utf8_only() {
        assert_eq!(
            parse_form(b"a=1+2&b=%E2%9C%93&c&&d=100%&e=%zz").unwrap(),
            vec![
                ("a".into(), "1 2".into()),
                ("b".into(), "✓".into()),
                ("c".into(), "".into()),
                ("d".into(), "100%".into()),
                ("e".into(), "%zz".into()),
            ]
        );
        assert!(parse_form(b"a=%FF").is_err());
        assert!(parse_form(b"%C3=1").is_err());
        assert!(parse_form(&[b'a', b'=', 0xC3]).is_err());
    }

    #[test]
    fn token_from_bearer_or_form_field_never_from_params() {
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "application/x-www-form-urlencoded")]),
            b"token=xoxb-1&id=R1",
        );
        assert_eq!(parsed.token.as_deref(), Some("xoxb-1"));
        assert_eq!(parsed.token_source, Some(TokenSource::FormField));
        assert_eq!(
            parsed.params,
            vec![("id".into(), RawValue::Text("R1".into()))]
        );

        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", "bearer xoxp-2"),
            ]),
            b"token=xoxb-1",
        );
        assert_eq!(parsed.token.as_deref(), Some("xoxp-2"));
        assert_eq!(parsed.token_source, Some(TokenSource::Bearer));

        let parsed = parse(
            &Method::GET,
            Some("token=xoxb-1&id=R1"),
            &HeaderMap::new(),
            b"",
        );
        assert_eq!(parsed.token, None);
        assert_eq!(parsed.token_source, Some(TokenSource::Query));
        assert!(parsed.token_hint.is_some());
    }

    #[test]
    fn json_bodies_keep_lists_as_json_and_ignore_token_fields() {
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "application/json")]),
            br#"{"id":"R1","duration":5,"flag":true,"users":[{"slack_id":"U1"}],"token":"xoxb-1","none":null}"#,
        );
        assert_eq!(parsed.token, None);
        assert!(parsed.token_hint.is_some());
        assert_eq!(parsed.warnings, vec!["missing_charset"]);
        let names: Vec<&str> = parsed.params.iter().map(|(n, _)| n.as_str()).collect();
        // A null is kept, so the param checks can refuse it as Slack does.
        assert_eq!(names, vec!["duration", "flag", "id", "none", "users"]);
        assert_eq!(parsed.params[3].1, RawValue::Null);
        assert!(matches!(parsed.params[4].1, RawValue::Json(_)));
    }

    #[test]
    fn body_problems_have_slack_codes() {
        let code = |ct: Option<&str>, body: &[u8]| {
            let mut map = HeaderMap::new();
            if let Some(ct) = ct {
                map.insert("content-type", HeaderValue::from_str(ct).unwrap());
            }
            parse(&Method::POST, None, &map, body)
                .problem
                .map(|p| p.code)
        };
        assert_eq!(
            code(Some("application/json; charset=utf-8"), b"{"),
            Some("invalid_json".into())
        );
        assert_eq!(
            code(Some("application/json; charset=utf-8"), b"[1]"),
            Some("json_not_object".into())
        );
        // No body at all is no arguments (slack_sdk 3.47.0 sends it so).
        assert_eq!(code(Some("application/json;charset=utf-8"), b""), None);
        assert_eq!(code(Some("application/json"), b" \r\n"), None);
        assert_eq!(
            code(Some("application/x-www-form-urlencoded"), b"a=%FF"),
            Some("invalid_form_data".into())
        );
        assert_eq!(code(Some("text/plain"), b"a=1"), None);
        assert_eq!(code(Some("text/plain"), b" {"), Some("invalid_json".into()));
        assert_eq!(
            code(Some("image/png"), b"a=1"),
            Some("invalid_post_type".into())
        );
        assert_eq!(
            code(Some("multipart/form-data; boundary=x"), b"a=1"),
            Some("invalid_form_data".into())
        );
        assert_eq!(
            code(Some("multipart/form-data"), b"--x--"),
            Some("invalid_form_data".into())
        );
        assert_eq!(code(None, b"a=1"), Some("missing_post_type".into()));
        assert_eq!(code(None, b""), None);
        assert_eq!(
            code(
                Some("application/x-www-form-urlencoded; charset=latin1"),
                b"a=1"
            ),
            Some("invalid_charset".into())
        );
    }

    #[test]
    fn iso_8859_1_and_text_plain_bodies_are_read() {
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "application/json; charset=iso-8859-1")]),
            b"{\"title\":\"caf\xe9\",\"id\":null}",
        );
        assert!(parsed.problem.is_none());
        assert!(parsed.warnings.is_empty());
        assert_eq!(
            parsed.params,
            vec![
                ("id".to_owned(), RawValue::Null),
                ("title".to_owned(), RawValue::Text("caf\u{e9}".to_owned())),
            ]
        );
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "text/plain")]),
            b"id=R1&token=xoxb-a",
        );
        assert_eq!(
            parsed.params,
            vec![("id".to_owned(), RawValue::Text("R1".to_owned()))]
        );
        assert_eq!(parsed.token.as_deref(), Some("xoxb-a"));
        assert_eq!(parsed.warnings, vec!["missing_charset"]);
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "text/plain; charset=utf-8")]),
            b"{\"id\":\"R2\"}",
        );
        assert_eq!(
            parsed.params,
            vec![("id".to_owned(), RawValue::Text("R2".to_owned()))]
        );
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn multipart_bodies_are_read() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nR1\r\n--XyZ\r\ncontent-disposition: form-data; name=token\r\nContent-Type: text/plain\r\n\r\nxoxb-a\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\ntwo\r\nlines\r\n--XyZ--\r\n";
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "multipart/form-data; boundary=\"XyZ\"")]),
            body,
        );
        assert!(parsed.problem.is_none(), "{:?}", parsed.problem);
        assert_eq!(parsed.token.as_deref(), Some("xoxb-a"));
        assert_eq!(parsed.token_source, Some(TokenSource::FormField));
        assert_eq!(
            parsed.params,
            vec![
                ("id".to_owned(), RawValue::Text("R1".to_owned())),
                (
                    "title".to_owned(),
                    RawValue::Text("two\r\nlines".to_owned())
                ),
            ]
        );
        for bad in [
            &b"no boundary here"[..],
            b"--XyZ\r\nContent-Disposition: form-data; name=\"id\"\r\nR1",
            b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nR1\r\n--XyZ--",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\nR1",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n\xff\r\n--XyZ--",
            b"--XyZx",
        ] {
            let parsed = parse(
                &Method::POST,
                None,
                &headers(&[("content-type", "multipart/form-data; boundary=XyZ")]),
                bad,
            );
            assert_eq!(
                parsed.problem.map(|p| p.code),
                Some("invalid_form_data".to_owned()),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn charset_warnings() {
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )]),
            b"a=1",
        );
        assert_eq!(parsed.warnings, vec!["superfluous_charset"]);
        let parsed = parse(
            &Method::POST,
            None,
            &headers(&[("content-type", "application/json; charset=\"UTF-8\"")]),
            b"{}",
        );
        assert!(parsed.warnings.is_empty());
        assert!(parsed.problem.is_none());
    }
}

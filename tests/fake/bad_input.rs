//! The fake never panics and never stops answering, whatever arrives:
//! random bytes, mangled JSON and forms, absurd values, odd paths and
//! headers, and broken HTTP on a raw socket.

use std::time::Duration;

use crate::fake_support::raw_http::{add_call, http, post_form};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use slack_calls_mock::{LimitMode, MockSlack};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// xorshift64*, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() >> 33) as usize % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| (self.next() >> 56) as u8).collect()
    }
}

const PATHS: &[&str] = &[
    "calls.add",
    "calls.info",
    "calls.update",
    "calls.end",
    "calls.participants.add",
    "calls.participants.remove",
    "calls.unknown",
    "calls.add%00",
    "%E2%9C%93",
    "%FF%FE",
    "..%2F..%2Fetc",
    "calls.add?id=R1&users=%5B",
    "calls.info?token=xoxb-mock-bot",
];

const CONTENT_TYPES: &[&[u8]] = &[
    b"application/x-www-form-urlencoded",
    b"application/x-www-form-urlencoded; charset=utf-8",
    b"application/json",
    b"application/json; charset=utf-8",
    b"application/json; charset=\"",
    b"application/json;;;==;charset",
    b"multipart/form-data; boundary=zz",
    b"text/plain",
    b"\xff\xfe/\x80",
    b"",
];

const AUTHS: &[&[u8]] = &[
    b"Bearer xoxb-mock-bot",
    b"Bearer xoxp-mock-user",
    b"Bearer xoxb-unknown",
    b"Bearer",
    b"Bearer    ",
    b"bearer xoxp-mock-user trailing",
    b"Basic Zm9vOmJhcg==",
    b"\xc3\x28",
];

/// Bodies that look like what a client sends, then broken in some way.
fn body(rng: &mut Rng) -> Vec<u8> {
    let deep = |open: &str, close: &str, depth: usize| {
        let mut text = open.repeat(depth);
        text.push_str(&close.repeat(depth));
        text
    };
    match rng.below(14) {
        0 => {
            let len = rng.below(2048);
            rng.bytes(len)
        }
        1 => {
            // Form-ish text with stray separators and escapes.
            let alphabet = b"abcxyz_=&%+0123456789ABCDEF[]{}\":,";
            let len = rng.below(512);
            (0..len).map(|_| *rng.pick(alphabet)).collect()
        }
        2 => {
            // A good JSON body with a few bytes overwritten.
            let mut text = br#"{"external_unique_id":"x","join_url":"https://e.com/","id":"R1","users":[{"slack_id":"U0MOCK002"}],"duration":60}"#.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(text.len());
                text[at] = (rng.next() >> 56) as u8;
            }
            text
        }
        3 => deep("[", "]", 100_000).into_bytes(),
        4 => format!(r#"{{"id":"R1","users":{}}}"#, deep("[", "]", 5_000)).into_bytes(),
        5 => format!("id=R1&users={}", deep("%5B", "%5D", 5_000)).into_bytes(),
        6 => b"external_unique_id=x&join_url=https://e.com/&date_start=99999999999999999999999&created_by=U0MOCK001".to_vec(),
        7 => b"id=R1&duration=18446744073709551615".to_vec(),
        8 => br#"{"id":1e400,"duration":-0.0,"users":"[{\"slack_id\":null}]"}"#.to_vec(),
        9 => {
            let users: Vec<String> = (0..10_000)
                .map(|n| format!(r#"{{"external_id":"e{n}","display_name":"{}"}}"#, "\u{1F600}"))
                .collect();
            format!("id=R1&users=[{}]", users.join(",")).into_bytes()
        }
        10 => b"id=R1&users=%5B%7B%22slack_id%22%3A%22U0MOCK002%22%2C%22slack_id%22%3A7%7D%5D".to_vec(),
        11 => b"id=\0\0\0&title=%00%01%02&join_url=javascript:alert(1)".to_vec(),
        12 => "&".repeat(20_000).into_bytes(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn random_and_mangled_requests_always_get_an_answer() {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .start()
        .await
        .unwrap();
    let client = http();
    let live = add_call(&mock, &[]).await;
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    for case in 0..400 {
        let path = *rng.pick(PATHS);
        let verb = if rng.below(5) == 0 {
            Method::GET
        } else {
            Method::POST
        };
        let mut request = client
            .request(verb.clone(), format!("{}{path}", mock.base_url()))
            .body(body(&mut rng));
        let content_type = *rng.pick(CONTENT_TYPES);
        if !content_type.is_empty() {
            request = request.header(
                HeaderName::from_static("content-type"),
                HeaderValue::from_bytes(content_type).unwrap(),
            );
        }
        if rng.below(4) != 0 {
            let auth = AUTHS[rng.below(AUTHS.len())];
            request = request.header(
                HeaderName::from_static("authorization"),
                HeaderValue::from_bytes(auth).unwrap(),
            );
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|err| panic!("case {case} ({verb} {path}): no answer: {err:?}"));
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        match status {
            200 => {
                let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                    panic!("case {case}: 200 without JSON ({err}): {bytes:?}")
                });
                assert!(body["ok"].is_boolean(), "case {case}: {body}");
                if body["ok"] == false {
                    assert!(body["error"].is_string(), "case {case}: {body}");
                }
            }
            // A path that is not UTF-8 once decoded, a body over the limit.
            400 | 413 => {}
            other => panic!("case {case} ({verb} {path}): status {other}"),
        }
    }

    // Still serving, with the state intact.
    let answer = post_form(
        &mock,
        "calls.info",
        Some(mock.bot_token()),
        &[("id", &live)],
    )
    .await;
    assert!(answer.ok(), "{:?}", answer.json());
    assert!(mock.requests().len() > 300);
}

/// Writes `bytes` on a fresh connection and reads whatever comes back until
/// the server closes or goes quiet.
async fn raw_exchange(mock: &MockSlack, bytes: &[u8], close_write: bool) -> Vec<u8> {
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    // The server may close before reading everything; that is fine.
    let _ = stream.write_all(bytes).await;
    if close_write {
        let _ = stream.shutdown().await;
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    answer
}

#[tokio::test]
async fn broken_http_on_a_raw_socket() {
    let mock = MockSlack::start().await.unwrap();
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (b"GARBAGE\r\n\r\n".to_vec(), false),
        (b"\x00\x01\x02\x03\xff\xfe".to_vec(), true),
        (
            b"POST /api/calls.add HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nid=R1".to_vec(),
            true,
        ),
        (
            b"POST /api/calls.add HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n".to_vec(),
            false,
        ),
        (
            b"POST /api/calls.add HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n"
                .to_vec(),
            true,
        ),
        (
            format!(
                "GET /api/calls.info HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
                "a".repeat(512 * 1024)
            )
            .into_bytes(),
            false,
        ),
        (
            b"POST /api/calls.add HTTP/1.1\r\nHost: x\r\n".to_vec(),
            true,
        ),
        (
            b"GET /api/%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
            false,
        ),
    ];
    for (index, (bytes, close_write)) in cases.iter().enumerate() {
        let answer = raw_exchange(&mock, bytes, *close_write).await;
        // Either an HTTP error answer or a closed connection; never a 2xx.
        if !answer.is_empty() {
            let head = String::from_utf8_lossy(&answer[..answer.len().min(12)]).into_owned();
            assert!(
                head.starts_with("HTTP/1.1 4") || head.starts_with("HTTP/1.1 5"),
                "case {index}: {head}"
            );
        }
    }
    // A well-formed request on a raw socket still works.
    let request = format!(
        "POST /api/calls.info HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\nConnection: close\r\n\r\nid=R1",
        mock.bot_token()
    );
    let answer = raw_exchange(&mock, request.as_bytes(), false).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains(r#""error":"invalid_call_id""#), "{text}");
}

//! Rust keywords as Slack names compile and keep Slack's names on the wire.
//!
//! The included file is what `slack-calls-codegen` generates (as a
//! downstream extension) from `codegen/tests/fixtures/keywords/spec/`, a
//! spec whose methods, namespaces, params, fields and enum values are named
//! `type`, `match`, `self`, `async`, `fn`, `move`, `where`, `in`, `loop`.
//! Compiling this test is the proof that the code is valid; the codegen
//! test `keywords` keeps the copy identical to the generator's output.

#[allow(clippy::too_many_arguments, clippy::large_enum_variant, dead_code)]
mod keywords {
    include!("../codegen/tests/fixtures/keywords/generated/mod.rs");
}

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use keywords::{Flavor, KeywordsExt, Knot};
use slack_calls::Client;

/// One request as the server saw it.
struct Seen {
    request_line: String,
    body: String,
}

/// A one-shot HTTP server on loopback that answers `answer` as JSON.
fn serve_once(answer: &'static str) -> (String, JoinHandle<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}/api/", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("a request arrives");
        let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
        let mut request_line = String::new();
        reader.read_line(&mut request_line).expect("request line");
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).expect("header");
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("content length");
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("body");
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .expect("answer");
        Seen {
            request_line: request_line.trim_end().to_owned(),
            body: String::from_utf8(body).expect("form bodies are UTF-8"),
        }
    });
    (base, handle)
}

fn client(base: &str) -> Client {
    Client::builder("xoxb-test-token")
        .base_url(base)
        .build()
        .expect("client")
}

fn form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn keyword_params_go_out_under_slacks_names_and_keyword_fields_decode() {
    let (base, server) = serve_once(
        r#"{"ok":true,"type":"rope","match":{"type":"knot","match":2,"self":true,"async":"match","loop":["a"]},"self":"async"}"#,
    );
    let knot = Knot::new("reef").with_match(7).with_self_(false);
    let response = client(&base)
        .kw()
        .r#type("rope", 3)
        .self_("U0HRJ1GNB")
        .r#async(true)
        .r#fn(knot)
        .r#move([Flavor::Match, Flavor::Self_])
        .await
        .expect("the fake answers ok");
    let seen = server.join().expect("server thread");
    assert_eq!(seen.request_line, "POST /api/kw.type HTTP/1.1");
    let fields = form(&seen.body);
    let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["type", "match", "self", "async", "fn", "move"]);
    assert_eq!(fields[0].1, "rope");
    assert_eq!(fields[1].1, "3");
    assert_eq!(fields[2].1, "U0HRJ1GNB");
    assert_eq!(fields[3].1, "true");
    let object: serde_json::Value = serde_json::from_str(&fields[4].1).expect("JSON object");
    assert_eq!(
        object,
        serde_json::json!({"type": "reef", "match": 7, "self": false})
    );
    assert_eq!(fields[5].1, r#"["match","self"]"#);

    assert_eq!(response.r#type, "rope");
    assert_eq!(response.r#match.r#type, "knot");
    assert_eq!(response.r#match.r#match, Some(2));
    assert_eq!(response.r#match.self_, Some(true));
    assert_eq!(response.r#match.r#async, Some(Flavor::Match));
    assert_eq!(response.r#match.r#loop, ["a"]);
    assert_eq!(response.self_, Some(Flavor::Async));
}

#[tokio::test]
async fn keyword_namespaces_and_methods_reach_their_slack_name() {
    let (base, server) = serve_once(r#"{"ok":true,"in":[{"type":"x"}]}"#);
    let response = client(&base)
        .r#async()
        .self_()
        .r#match("R0E69JAIF")
        .await
        .expect("the fake answers ok");
    let seen = server.join().expect("server thread");
    assert_eq!(seen.request_line, "POST /api/async.self.match HTTP/1.1");
    assert_eq!(
        form(&seen.body),
        [("where".to_owned(), "R0E69JAIF".to_owned())]
    );
    assert_eq!(response.r#in.len(), 1);
    assert_eq!(response.r#in[0].r#type, "x");
    assert_eq!(keywords::r#async::self_::MATCH.name, "async.self.match");
    assert_eq!(keywords::kw::TYPE.name, "kw.type");
}

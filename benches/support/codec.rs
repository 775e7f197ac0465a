//! What both benchmark targets share: the form each method's generated
//! `send` builds, and encode+decode of one exchange without the network.

use std::time::Duration;

use slack_calls::calls;
use slack_calls::{__private::decode, CallUser, Form};
use slack_calls_mock::{LimitMode, MockSlack};

/// A boxed error for benchmark set-up.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The form each method's generated `send` builds, with typical values.
pub fn forms(id: &str) -> Vec<(&'static str, Form)> {
    let users = vec![
        CallUser::slack("U0MOCK002"),
        CallUser::external("ext-1", "External User"),
    ];
    let mut add = Form::new();
    add.push("external_unique_id", "bench-2");
    add.push("join_url", "https://example.com/j/2");
    add.push("title", "Benchmark sync");
    add.push_list("users", &users);
    let mut info = Form::new();
    info.push("id", id);
    let mut update = Form::new();
    update.push("id", id);
    update.push("title", "Renamed");
    update.push("join_url", "https://example.com/j/3");
    let mut p_add = Form::new();
    p_add.push("id", id);
    p_add.push_list("users", &users[1..]);
    let mut p_remove = Form::new();
    p_remove.push("id", id);
    p_remove.push_list("users", &users[1..]);
    let mut end = Form::new();
    end.push("id", id);
    end.push("duration", &Duration::from_secs(1800));
    vec![
        ("calls.add", add),
        ("calls.info", info),
        ("calls.update", update),
        ("calls.participants.add", p_add),
        ("calls.participants.remove", p_remove),
        ("calls.end", end),
    ]
}

/// Encodes the form and decodes the body into the method's typed response.
pub fn encode_decode(method: &str, form: &Form, body: &[u8]) -> Result<usize, BoxError> {
    let encoded = form.encode();
    let ok = match method {
        "calls.add" => decode::<calls::AddResponse, calls::AddError>(&calls::ADD, body).is_ok(),
        "calls.info" => decode::<calls::InfoResponse, calls::InfoError>(&calls::INFO, body).is_ok(),
        "calls.update" => {
            decode::<calls::UpdateResponse, calls::UpdateError>(&calls::UPDATE, body).is_ok()
        }
        "calls.participants.add" => decode::<
            calls::participants::AddResponse,
            calls::participants::AddError,
        >(&calls::participants::ADD, body)
        .is_ok(),
        "calls.participants.remove" => decode::<
            calls::participants::RemoveResponse,
            calls::participants::RemoveError,
        >(&calls::participants::REMOVE, body)
        .is_ok(),
        "calls.end" => decode::<calls::EndResponse, calls::EndError>(&calls::END, body).is_ok(),
        other => return Err(format!("no decoder for {other}").into()),
    };
    if !ok {
        return Err(format!("{method}: the fake's answer did not decode").into());
    }
    Ok(encoded.len())
}

/// The floor: the same encode, and the body parsed as untyped JSON.
pub fn encode_untyped(form: &Form, body: &[u8]) -> Result<usize, BoxError> {
    let encoded = form.encode();
    let value: serde_json::Value = serde_json::from_slice(body)?;
    Ok(encoded.len() + usize::from(value.is_object()))
}

/// Each method's form, with the body the fake answers to exactly that form:
/// one Call is created, then the methods run in lifecycle order.
pub async fn fake_exchanges() -> Result<Vec<(&'static str, Form, Vec<u8>)>, BoxError> {
    let (mock, call) = unlimited_fake().await?;
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for (method, form) in forms(call.id.as_str()) {
        let body = http
            .post(format!("{}{method}", mock.base_url()))
            .bearer_auth(mock.user_token())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.encode())
            .send()
            .await?
            .bytes()
            .await?
            .to_vec();
        encode_decode(method, &form, &body)?;
        out.push((method, form, body));
    }
    Ok(out)
}

/// A fake with no rate limits and no request log, and one Call in it.
pub async fn unlimited_fake() -> Result<(MockSlack, slack_calls::Call), BoxError> {
    let mock = MockSlack::builder()
        .rate_limits(LimitMode::Off)
        .log_capacity(0)
        .start()
        .await?;
    let client = mock.client(mock.user_token())?;
    let call = client
        .calls()
        .add("bench-1", "https://example.com/j/1")
        .users([CallUser::slack("U0MOCK002")])
        .await?
        .call;
    Ok((mock, call))
}

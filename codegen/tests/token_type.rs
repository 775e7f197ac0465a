//! The `token` primitive: a secret that is text on the wire and
//! `slack_calls::Token` in Rust (its `Debug` never shows the text), in
//! params, response fields and object fields alike.

use slack_calls_codegen::{Options, SourceFile, generate};

const SPEC: &str = r#"
types:
  Grant:
    kind: object
    fields:
      access_token: { type: token, required: true }
      refresh_token: { type: token, example: "xoxe-1-abc" }
methods:
  oauth.v2.exchange:
    summary: Exchanges a refresh token.
    rate_tier: special
    auth: client_credentials
    params:
      refresh_token: { type: token, required: true, example: "xoxe-1-abc" }
      old: { type: token }
    response:
      access_token: { type: token, required: true }
      refresh_token: { type: token }
      grants: { type: list<Grant> }
"#;

/// The generated code with all whitespace removed, so that the checks do
/// not depend on where prettyplease breaks lines.
fn generated() -> String {
    let files = [SourceFile::new("spec/oauth.yaml", SPEC.as_bytes().to_vec())];
    let output = match generate(&files, &Options::default()) {
        Ok(output) => output,
        Err(diagnostics) => panic!(
            "a spec with tokens is valid, yet:\n{}",
            diagnostics
                .iter()
                .map(|d| d.one_line())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    output
        .files
        .iter()
        .flat_map(|f| f.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn token_fields_and_params_are_slack_calls_token() {
    let code = generated();
    for wanted in [
        // The request stores it as a Token; its setter and its positional
        // argument take anything that becomes one (text, or a Token).
        "refresh_token:::slack_calls::Token,",
        "old:::std::option::Option<::slack_calls::Token>,",
        "pubfnexchange(&self,refresh_token:impl::std::convert::Into<::slack_calls::Token>",
        "pubfnold(mutself,value:impl::std::convert::Into<::slack_calls::Token>",
        // Pushed as a plain field (Form::push, the Token's FormValue).
        "form.push(\"refresh_token\",value);",
        // The response and the object hold Tokens.
        "pubaccess_token:::slack_calls::Token,",
        "pubrefresh_token:::std::option::Option<::slack_calls::Token>,",
        // On the wire, and in the method table the fake reads, it is text.
        "\"refresh_token\":String,Yes;",
        "\"old\":String,No;",
    ] {
        let wanted: String = wanted.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            code.contains(&wanted),
            "`{wanted}` is in the generated code"
        );
    }
    assert!(
        !code.contains("access_token:::std::string::String")
            && !code.contains("refresh_token:::std::string::String")
            && !code.contains("refresh_token:::std::option::Option<::std::string::String>"),
        "no token is stored as a String"
    );
}

//! The methods pass: the common errors, then each method resolved into the
//! IR (names, params, response, errors, scopes, tier).

use std::collections::BTreeMap;

use super::names::{check_error_code, check_variant_collisions};
use super::resolve::{ExampleSite, Expect, Resolver};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::ir;
use crate::names;
use crate::spec::{Auth, ErrorDef, Http, MethodDef, Req, SpecFile, Tier};

/// Collects the common errors of every file (extern ones first), reporting
/// repeats and bad codes; the local ones go into `api`.
pub(super) fn common_errors<'a>(
    files: &'a [SpecFile],
    extern_files: &'a [SpecFile],
    api: &mut ir::Api,
    diags: &mut Diagnostics,
) -> Vec<(&'a str, &'a ErrorDef)> {
    let mut common: Vec<(&str, &ErrorDef)> = Vec::new();
    for (external, set) in [(true, extern_files), (false, files)] {
        for file in set {
            for error in &file.errors {
                if let Some((first_file, first)) = common
                    .iter()
                    .find(|(_, e)| e.code.value == error.code.value)
                {
                    diags.push(
                        Diagnostic::error(
                            &file.path,
                            error.code.span,
                            format!("common error `{}` is declared twice", error.code.value),
                        )
                        .with_related(
                            first_file,
                            first.code.span,
                            "first declared",
                        ),
                    );
                    continue;
                }
                check_error_code(&file.path, error.code.span, &error.code.value, diags);
                common.push((&file.path, error));
                if !external {
                    api.common_errors.push(error_ir(error));
                }
            }
        }
    }
    check_variant_collisions(
        common
            .iter()
            .map(|(file, e)| (*file, e.code.span, e.code.value.as_str())),
        "common error",
        &[],
        diags,
    );

    common
}

/// Resolves every method of `files` into `api`, reporting methods defined
/// twice.
pub(super) fn resolve_methods(
    resolver: &Resolver<'_>,
    files: &[SpecFile],
    common: &[(&str, &ErrorDef)],
    api: &mut ir::Api,
    diags: &mut Diagnostics,
) {
    let mut seen: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
    for file in files {
        for method in &file.methods {
            let name = method.name.value.as_str();
            if let Some((first_file, first_span)) = seen.get(name) {
                diags.push(
                    Diagnostic::error(
                        &file.path,
                        method.name.span,
                        format!("method `{name}` is defined twice"),
                    )
                    .with_hint("each method is defined in exactly one spec file")
                    .with_related(first_file, *first_span, "first defined"),
                );
                continue;
            }
            seen.insert(name, (&file.path, method.name.span));
            if let Some(resolved) = resolver.method(&file.path, method, common, diags) {
                api.methods.push(resolved);
            }
        }
    }
}

fn http_ir(http: Http) -> ir::Http {
    match http {
        Http::Get => ir::Http::Get,
        Http::Post => ir::Http::Post,
    }
}

/// The IR's tier (the reader accepts only 1 to 4 and `special`).
fn tier_ir(tier: Tier) -> ir::Tier {
    match tier {
        Tier::Numbered(1) => ir::Tier::Tier1,
        Tier::Numbered(2) => ir::Tier::Tier2,
        Tier::Numbered(3) => ir::Tier::Tier3,
        Tier::Numbered(_) => ir::Tier::Tier4,
        Tier::Special => ir::Tier::Special,
    }
}

/// `on_resend` names the method's own error codes, on a method the client
/// resends (idempotent), whose success can be given without Slack's body
/// (no required response field).
fn check_on_resend(file: &str, def: &MethodDef, diags: &mut Diagnostics) {
    let Some(key) = def.on_resend_key else {
        return;
    };
    for code in &def.on_resend {
        if !def.errors.iter().any(|e| e.code.value == code.value) {
            diags.push(
                Diagnostic::error(
                    file,
                    code.span,
                    format!(
                        "`on_resend` names `{}`, which is not an error of `{}`",
                        code.value, def.name.value
                    ),
                )
                .with_hint(
                    crate::diag::did_you_mean(
                        &code.value,
                        def.errors.iter().map(|e| e.code.value.as_str()),
                    )
                    .map_or_else(
                        || "list the code under the method's `errors` first".to_owned(),
                        |best| format!("did you mean `{best}`?"),
                    ),
                ),
            );
        }
    }
    if def.on_resend.is_empty() {
        return;
    }
    if !def.idempotent {
        diags.push(
            Diagnostic::error(
                file,
                key,
                format!(
                    "`on_resend` on `{}`, which is not idempotent: the client never resends it after Slack may have acted",
                    def.name.value
                ),
            )
            .with_hint("mark the method `idempotent: true` if a resend is safe, or remove `on_resend`"),
        );
    }
    if let Some(field) = def.response.iter().find(|f| f.required.value == Req::Yes) {
        diags.push(
            Diagnostic::error(
                file,
                key,
                format!(
                    "`on_resend` needs a response whose fields are all optional, and `{}` is required",
                    field.name.value
                ),
            )
            .with_hint("Slack's answer to the attempt that did the work was lost, so the call succeeds with an empty response; make the field optional")
            .with_related(file, field.name.span, "the required field"),
        );
    }
}

fn error_ir(error: &ErrorDef) -> ir::ErrorCode {
    ir::ErrorCode {
        code: error.code.value.clone(),
        variant: names::type_ident(&error.code.value),
        description: error.description.clone(),
    }
}

impl Resolver<'_> {
    pub(super) fn method(
        &self,
        file: &str,
        def: &MethodDef,
        common: &[(&str, &crate::spec::ErrorDef)],
        diags: &mut Diagnostics,
    ) -> Option<ir::Method> {
        let name = &def.name.value;
        let segments: Vec<&str> = name.split('.').collect();
        let valid_name = segments.len() >= 2
            && segments.iter().all(|s| {
                s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                    && s.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !valid_name {
            let suggestion: Vec<String> = name
                .split(['.', '/', ' '])
                .filter(|s| !s.is_empty())
                .map(heck::ToLowerCamelCase::to_lower_camel_case)
                .collect();
            diags.push(
                Diagnostic::error(
                    file,
                    def.name.span,
                    format!(
                        "method name `{name}` must be two or more dot-separated segments, each starting with a lowercase letter (letters and digits only)"
                    ),
                )
                .with_hint(if suggestion.len() >= 2 {
                    format!("did you mean `{}`?", suggestion.join("."))
                } else if name.contains(['_', '-']) {
                    let dotted: Vec<String> = name
                        .split(['_', '-'])
                        .filter(|s| !s.is_empty())
                        .map(heck::ToLowerCamelCase::to_lower_camel_case)
                        .collect();
                    format!("did you mean `{}`?", dotted.join("."))
                } else {
                    "Slack's method names look like `calls.participants.add`".to_owned()
                }),
            );
            return None;
        }
        let params = self.fields(file, &def.params, true, diags);
        for param in &def.params {
            let ident = names::value_ident(&param.name.value);
            let clash = match ident.as_str() {
                "client" => Some("the client the request holds (its `client` field)"),
                "send" if param.required.value != Req::Yes => Some(
                    "the request's `send()` method (an optional param gets a setter of its name)",
                ),
                _ => None,
            };
            if let Some(clash) = clash {
                diags.push(
                    Diagnostic::error(
                        file,
                        param.name.span,
                        format!("param `{}` would clash with {clash}", param.name.value),
                    )
                    .with_hint("the generator cannot give this param a Rust name of its own; please report it"),
                );
            }
        }
        for name in def.one_of.iter().flatten() {
            match def.params.iter().find(|p| p.name.value == name.value) {
                None => diags.push(
                    Diagnostic::error(
                        file,
                        name.span,
                        format!(
                            "`one_of` names `{}`, which is not a param of `{}`",
                            name.value, def.name.value
                        ),
                    )
                    .with_hint_opt(
                        crate::diag::did_you_mean(
                            &name.value,
                            def.params.iter().map(|p| p.name.value.as_str()),
                        )
                        .map(|best| format!("did you mean `{best}`?")),
                    ),
                ),
                Some(param) if param.required.value != Req::No => diags.push(
                    Diagnostic::error(
                        file,
                        name.span,
                        format!("`one_of` names `{}`, which is required anyway", name.value),
                    )
                    .with_hint("a `one_of` group lists optional params"),
                ),
                Some(_) => {}
            }
        }
        let response = self.fields(file, &def.response, false, diags);
        if let Some(meta) = def
            .response
            .iter()
            .find(|f| names::value_ident(&f.name.value) == "meta")
        {
            diags.push(
                Diagnostic::error(file, meta.name.span, "a response field named `meta` would hide the response's warnings")
                    .with_hint("responses already carry Slack's `response_metadata` as `meta`; leave this field out"),
            );
        }
        for (field, label) in def.response.iter().map(|f| (f, "response field")) {
            if ["ok", "error", "warning", "response_metadata"].contains(&field.name.value.as_str())
            {
                diags.push(Diagnostic::error(
                    file,
                    field.name.span,
                    format!("{label} `{}` is part of Slack's envelope and is decoded by the runtime", field.name.value),
                ).with_hint("remove it from `response`"));
            }
        }
        for error in &def.errors {
            check_error_code(file, error.code.span, &error.code.value, diags);
            if let Some((common_file, common_def)) = common
                .iter()
                .find(|(_, c)| c.code.value == error.code.value)
            {
                diags.push(
                    Diagnostic::warning(
                        file,
                        error.code.span,
                        format!(
                            "`{}` is a common error; every method can answer it already",
                            error.code.value
                        ),
                    )
                    .with_hint("remove it from the method's `errors` (it stays in `Common(..)`)")
                    .with_related(
                        common_file,
                        common_def.code.span,
                        "declared as common",
                    ),
                );
            }
        }
        check_variant_collisions(
            def.errors
                .iter()
                .map(|e| (file, e.code.span, e.code.value.as_str())),
            "error code",
            &[
                ("Common", "the common errors"),
                ("Unknown", "codes this version does not know"),
            ],
            diags,
        );
        check_on_resend(file, def, diags);
        let pagination = super::wire::pagination(
            file,
            def,
            &params,
            &response,
            &|name| self.object_fields(name),
            diags,
        );
        let example_response = match &def.example_response {
            Some(node) => {
                let owner = def.example_response_key.unwrap_or(def.name.span);
                self.examples.borrow_mut().push(ExampleSite {
                    file: file.to_owned(),
                    node: node.clone(),
                    owner,
                    expect: Expect::Response(response.clone()),
                });
                node.to_json().to_string()
            }
            None => "{\"ok\":true}".to_owned(),
        };
        let namespace: Vec<&str> = segments[..segments.len() - 1].to_vec();
        let leaf = segments[segments.len() - 1];
        Some(ir::Method {
            name: name.clone(),
            modules: namespace.iter().map(|s| names::value_ident(s)).collect(),
            namespace_wire: namespace.iter().map(|s| (*s).to_owned()).collect(),
            function: names::value_ident(leaf),
            type_prefix: names::bare(&names::type_ident(leaf)).to_owned(),
            const_name: names::bare(&names::const_ident(leaf)).to_owned(),
            summary: def.summary.clone(),
            description: def.description.clone(),
            docs_url: def.docs_url.clone(),
            http: http_ir(def.http),
            tier: tier_ir(def.rate_tier),
            auth: match def.auth {
                Auth::Token => ir::Auth::Token,
                Auth::AnyToken => ir::Auth::AnyToken,
                Auth::ClientCredentials => ir::Auth::ClientCredentials,
                Auth::TokenAndClientCredentials => ir::Auth::TokenAndClientCredentials,
                Auth::AppToken => ir::Auth::AppToken,
            },
            idempotent: def.idempotent,
            bot_scopes: def.bot_scopes.iter().map(|s| s.value.clone()).collect(),
            user_scopes: def.user_scopes.iter().map(|s| s.value.clone()).collect(),
            params,
            one_of: def
                .one_of
                .iter()
                .map(|group| group.iter().map(|n| n.value.clone()).collect())
                .collect(),
            response,
            errors: def.errors.iter().map(error_ir).collect(),
            done_on_resend: def.on_resend.iter().map(|c| c.value.clone()).collect(),
            example_response,
            pagination,
        })
    }
}

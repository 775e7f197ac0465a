//! The TLS backend of the `reqwest::Client` that [`ClientBuilder::build`]
//! makes when you do not bring your own, chosen by cargo feature:
//! `rustls` (aws-lc-rs, the default), `rustls-ring`, `native-tls`, or none.
//!
//!
//! [`http_client`] builds any other `reqwest::Client` the same way: the
//! fake server, the events receiver and [`App`](crate::App) use it, and so
//! can a program that brings its own client to
//! [`ClientBuilder::http_client`](crate::ClientBuilder::http_client).
//!
//! [`ClientBuilder::build`]: crate::ClientBuilder::build

use url::Url;

/// Whether this build of the crate can make https connections on its own.
pub(crate) const BUILT_IN: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-ring",
    feature = "native-tls"
));

/// Gets TLS ready before a `reqwest::Client` is built.
///
/// With `rustls-ring`, reqwest has no crypto provider of its own, so ring's
/// becomes the process's default. If another part of the program installed
/// one first, that one stays: it is what the program chose.
fn prepare() {
    #[cfg(feature = "rustls-ring")]
    {
        // An error only says that a provider is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Builds a `reqwest::Client` from `builder` once this build's TLS is ready.
///
/// With feature `rustls-ring`, reqwest has no crypto provider of its own:
/// this installs ring's as the process's default first (unless the program
/// installed one already). Every client this crate makes goes through here,
/// so none is built before the provider is in place; a client you build
/// for [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)
/// can go through here too.
///
/// ```
/// let http = slack_calls::tls::http_client(reqwest::Client::builder().no_proxy())?;
/// let client = slack_calls::Client::builder("xoxb-your-bot-token").http_client(http).build()?;
/// # let _ = client;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn http_client(builder: reqwest::ClientBuilder) -> reqwest::Result<reqwest::Client> {
    prepare();
    builder.build()
}

/// Why a client built by us could not reach `base_url`, if it could not:
/// an https URL needs a TLS feature (`tls_built_in`) or a client of the
/// caller's own.
pub(crate) fn missing(base_url: &Url, tls_built_in: bool) -> Option<String> {
    (base_url.scheme() == "https" && !tls_built_in).then(|| {
        format!(
            "base URL `{base_url}` needs TLS, and slack-calls was built without a TLS feature: \
             enable `rustls`, `rustls-ring` or `native-tls`, or pass your own client \
             with `ClientBuilder::http_client`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn https_without_a_tls_feature_says_what_to_enable() {
        let reason = missing(&url("https://slack.com/api/"), false).unwrap();
        assert!(reason.contains("without a TLS feature"), "{reason}");
        assert!(reason.contains("`rustls-ring`"), "{reason}");
        assert!(reason.contains("ClientBuilder::http_client"), "{reason}");
    }

    #[test]
    fn https_with_a_tls_feature_or_http_on_loopback_is_fine() {
        assert_eq!(missing(&url("https://slack.com/api/"), true), None);
        assert_eq!(missing(&url("http://127.0.0.1:3000/api/"), false), None);
    }

    #[test]
    fn a_client_builds_with_the_features_of_this_build() {
        prepare();
        // Twice: the second install finds ring in place and is no error.
        prepare();
        let built = reqwest::Client::builder().build();
        assert!(built.is_ok(), "{:?}", built.err());
    }
}

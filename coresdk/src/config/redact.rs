//! Credentials inside configured URLs: `https://user:token@host/…` and
//! `?api_key=…` are redacted wherever a URL is printed (`core config
//! validate`, `Debug`, errors) or sent as data (socket events).

use url::Url;

use super::render::REDACTED;

/// Query parameter names (lower-cased, `-` read as `_`) whose values are
/// credentials: exact names, then substrings.
const SECRET_PARAMS: &[&str] = &["key", "code", "sig", "signature", "auth", "pass", "pwd"];
const SECRET_PARAM_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "access_key",
    "private_key",
    "credential",
    "authorization",
    "session",
    "signature",
];

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    SECRET_PARAMS.contains(&name.as_str()) || SECRET_PARAM_PARTS.iter().any(|p| name.contains(p))
}

/// `url` with its user name, password and credential-named query values
/// replaced by `<redacted>`.
#[must_use]
pub fn redact_url(url: &Url) -> String {
    let has_user = !url.username().is_empty() || url.password().is_some();
    let has_secret_param = url.query_pairs().any(|(k, _)| is_secret_param(&k));
    if !has_user && !has_secret_param {
        return url.to_string();
    }
    let mut shown = url.clone();
    if has_user {
        // Setting both can only fail for URLs that cannot have credentials,
        // which then have none to hide.
        let _ = shown.set_username(REDACTED);
        let _ = shown.set_password(None);
    }
    if has_secret_param {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if is_secret_param(&k) {
                    REDACTED.to_owned()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // Keep the marker readable instead of percent-encoded.
    shown
        .to_string()
        .replace("%3Credacted%3E", REDACTED)
        .replace("%3credacted%3e", REDACTED)
}

/// [`redact_url`] for text that may not parse as a URL (an invalid value in
/// an error message): parsed when possible, else the `user:pass@` part after
/// `://` is cut out textually.
#[must_use]
pub fn redact_url_text(text: &str) -> String {
    if let Ok(url) = Url::parse(text.trim()) {
        return redact_url(&url);
    }
    let Some(scheme_end) = text.find("://") else {
        return text.to_owned();
    };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{REDACTED}@{}", &text[..scheme_end + 3], &rest[at + 1..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn user_info_and_secret_params_are_redacted() {
        assert_eq!(
            redact_url(&url("https://bob:hunter2@llm.example.com/v1/chat")),
            "https://<redacted>@llm.example.com/v1/chat"
        );
        assert_eq!(
            redact_url(&url("https://tok3n@llm.example.com/")),
            "https://<redacted>@llm.example.com/"
        );
        let shown = redact_url(&url(
            "https://llm.example.com/v1?api-version=2024-02-01&api_key=s3cr3t&X-Amz-Signature=abc",
        ));
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("abc"),
            "{shown}"
        );
        assert!(shown.contains("api-version=2024-02-01"), "{shown}");
        let plain = "http://127.0.0.1:4317/";
        assert_eq!(redact_url(&url(plain)), plain);
    }

    #[test]
    fn text_that_is_not_a_url() {
        assert_eq!(
            redact_url_text("https://bob:hunter2@[bad host/x"),
            "https://<redacted>@[bad host/x"
        );
        assert_eq!(redact_url_text("not a url"), "not a url");
    }
}

//! The external LLM sink: an OpenAI-compatible chat-completions request whose
//! user message is the diagnostic payload JSON, and nothing else.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use serde_json::{Value, json};
use url::Url;

use crate::config::{LlmExportConfig, Secret, redact_url};

/// The system prompt sent with every payload.
pub const SYSTEM_PROMPT: &str = "You are a site reliability engineer. The user message is a \
JSON diagnostic payload from a failed request: an RFC 9457 error and the call chain from the \
entry point down to the failing span (module, file, line, intent, duration, error flag, \
recovery hint). It contains no variable values. Explain the most likely root cause in two or \
three sentences, then give a concrete fix or next step.";

/// Retries after a failed attempt (connection error, 429 or 5xx).
pub const MAX_RETRIES: u32 = 2;

/// A problem with the external LLM endpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// Plain `http://` to a host that is not loopback, without `allow_insecure_http`.
    #[error(
        "llm_export.endpoint `{endpoint}`: plain http is only allowed for loopback hosts (set llm_export.allow_insecure_http to override)"
    )]
    InsecureEndpoint {
        /// The endpoint.
        endpoint: String,
    },
    /// An endpoint scheme other than `http`/`https`.
    #[error("llm_export.endpoint `{endpoint}`: unsupported scheme (expected http or https)")]
    UnsupportedScheme {
        /// The endpoint.
        endpoint: String,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("cannot build the HTTP client for {endpoint}: {reason}")]
    Client {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        reason: String,
    },
    /// The request failed (connection, timeout).
    #[error("request to {endpoint} failed: {reason}")]
    Transport {
        /// The endpoint.
        endpoint: String,
        /// What failed.
        reason: String,
    },
    /// The endpoint answered with a redirect. Redirects are never followed:
    /// the payload goes to the configured origin or nowhere.
    #[error("{endpoint} answered HTTP {status} (a redirect, not followed)")]
    Redirect {
        /// The endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
    },
    /// The endpoint answered with an error status.
    #[error("{endpoint} answered HTTP {status}")]
    Status {
        /// The endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer is not a chat-completions response with a message.
    #[error("{endpoint} answered something that is not a chat completion: {reason}")]
    InvalidResponse {
        /// The endpoint.
        endpoint: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A client for the configured OpenAI-compatible endpoint.
#[derive(Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    endpoint: Url,
    model: String,
    api_key: Option<Secret>,
}

impl fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmClient")
            .field("endpoint", &redact_url(&self.endpoint))
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    /// The client for `config`'s endpoint, or `None` when no endpoint is set
    /// (diagnostics stay on the host).
    pub fn from_config(config: &LlmExportConfig) -> Result<Option<Self>, LlmError> {
        let Some(endpoint) = config.endpoint() else {
            return Ok(None);
        };
        check_endpoint(endpoint, config.allow_insecure_http())?;
        let http = reqwest::Client::builder()
            // A redirect would re-send the payload to an origin nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout())
            .connect_timeout(config.timeout().min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Client {
                endpoint: redact_url(endpoint),
                reason: e.without_url().to_string(),
            })?;
        Ok(Some(Self {
            http,
            endpoint: endpoint.clone(),
            model: config.model().to_owned(),
            api_key: config.api_key().cloned(),
        }))
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The endpoint as it may be shown or sent as data: credentials redacted.
    pub fn endpoint_shown(&self) -> String {
        redact_url(&self.endpoint)
    }

    /// The model asked.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The chat-completions request body for a payload.
    pub fn request_body(&self, payload_json: &str) -> Value {
        json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": payload_json},
            ],
        })
    }

    /// Sends the payload and returns the model's answer, retrying connection
    /// errors, 429 and 5xx answers up to [`MAX_RETRIES`] times with backoff.
    pub async fn analyze(&self, payload_json: &str) -> Result<String, LlmError> {
        let body = self.request_body(payload_json);
        let mut attempt = 0;
        loop {
            match self.attempt(&body).await {
                Ok(answer) => return Ok(answer),
                Err(err) if attempt < MAX_RETRIES && retryable(&err) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn attempt(&self, body: &Value) -> Result<String, LlmError> {
        let endpoint = || redact_url(&self.endpoint);
        let mut request = self
            .http
            .post(self.endpoint.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = request.send().await.map_err(|e| LlmError::Transport {
            endpoint: endpoint(),
            // reqwest's message names the URL, credentials included.
            reason: e.without_url().to_string(),
        })?;
        let status = response.status();
        if status.is_redirection() {
            return Err(LlmError::Redirect {
                endpoint: endpoint(),
                status: status.as_u16(),
            });
        }
        if !status.is_success() {
            return Err(LlmError::Status {
                endpoint: endpoint(),
                status: status.as_u16(),
            });
        }
        let bytes = response.bytes().await.map_err(|e| LlmError::Transport {
            endpoint: endpoint(),
            // reqwest's message names the URL, credentials included.
            reason: e.without_url().to_string(),
        })?;
        let answer: Value =
            serde_json::from_slice(&bytes).map_err(|e| LlmError::InvalidResponse {
                endpoint: endpoint(),
                reason: e.to_string(),
            })?;
        answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| LlmError::InvalidResponse {
                endpoint: endpoint(),
                reason: "no choices[0].message.content".to_owned(),
            })
    }
}

fn retryable(err: &LlmError) -> bool {
    match err {
        LlmError::Transport { .. } => true,
        LlmError::Status { status, .. } => *status == 429 || *status >= 500,
        _ => false,
    }
}

/// `https` anywhere; `http` only to loopback unless explicitly allowed.
pub(crate) fn check_endpoint(endpoint: &Url, allow_insecure_http: bool) -> Result<(), LlmError> {
    match endpoint.scheme() {
        "https" if cfg!(not(feature = "rustls")) => Err(LlmError::Client {
            endpoint: redact_url(endpoint),
            reason: crate::pipeline::otlp_traces::NO_TLS.to_owned(),
        }),
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(endpoint) => Ok(()),
        "http" => Err(LlmError::InsecureEndpoint {
            endpoint: redact_url(endpoint),
        }),
        _ => Err(LlmError::UnsupportedScheme {
            endpoint: redact_url(endpoint),
        }),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn plain_http_only_for_loopback() {
        assert!(check_endpoint(&url("https://api.openai.com/v1/chat/completions"), false).is_ok());
        assert!(check_endpoint(&url("http://127.0.0.1:8080/v1/chat/completions"), false).is_ok());
        assert!(check_endpoint(&url("http://[::1]:8080/"), false).is_ok());
        assert!(check_endpoint(&url("http://localhost/"), false).is_ok());
        let err = check_endpoint(&url("http://llm.internal/v1"), false).expect_err("insecure");
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        assert!(check_endpoint(&url("http://llm.internal/v1"), true).is_ok());
        assert!(check_endpoint(&url("ftp://x/"), true).is_err());
    }
}

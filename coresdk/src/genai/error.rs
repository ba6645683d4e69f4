//! A provider-neutral description of a failed GenAI call, mapped to
//! `error.type` and an RFC 9457 problem (`coresdk.problem.*`).

use std::borrow::Cow;
use std::fmt;

/// Base of the RFC 9457 problem `type` URIs of failed GenAI calls.
pub const PROBLEM_TYPE_BASE: &str = "https://coresdk.dev/problems/genai/";

/// Recovery hint texts (`coresdk.recovery_hint`), the same wording as
/// `coresdk::RecoveryHint`'s built-in hints.
pub mod recovery {
    /// The failure is likely transient: retry with exponential backoff.
    pub const RETRY_WITH_BACKOFF: &str = "retry with exponential backoff";
    /// A dependency is failing: check the health of the downstream service.
    pub const CHECK_DOWNSTREAM_HEALTH: &str = "check downstream service health";
    /// The input was rejected: validate it against its schema.
    pub const VALIDATE_INPUT_SCHEMA: &str = "validate the input against its schema";
    /// Authentication failed: rotate or refresh the credentials.
    pub const ROTATE_CREDENTIALS: &str = "rotate or refresh the credentials";
}

/// The class of a GenAI call failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallErrorKind {
    /// HTTP 429: rate limit or quota.
    RateLimited,
    /// HTTP 401 / 403.
    Unauthorized,
    /// Another HTTP 4xx: the request was rejected.
    InvalidRequest,
    /// HTTP 5xx: the provider failed.
    ProviderError,
    /// The connection could not be made or broke.
    Connection,
    /// The call timed out (HTTP 408 included).
    Timeout,
    /// The response body could not be decoded.
    Deserialization,
    /// The response stream failed.
    Stream,
    /// The client rejected the request before sending it.
    InvalidArgument,
    /// Anything else.
    Other,
}

impl CallErrorKind {
    /// The kind for an HTTP error status.
    pub fn from_status(status: u16) -> Self {
        match status {
            429 => CallErrorKind::RateLimited,
            408 => CallErrorKind::Timeout,
            401 | 403 => CallErrorKind::Unauthorized,
            400..=499 => CallErrorKind::InvalidRequest,
            500..=599 => CallErrorKind::ProviderError,
            _ => CallErrorKind::Other,
        }
    }

    /// Slug used in the problem type URI and as the fallback `error.type`.
    pub fn slug(self) -> &'static str {
        match self {
            CallErrorKind::RateLimited => "rate-limited",
            CallErrorKind::Unauthorized => "unauthorized",
            CallErrorKind::InvalidRequest => "invalid-request",
            CallErrorKind::ProviderError => "provider-error",
            CallErrorKind::Connection => "connection",
            CallErrorKind::Timeout => "timeout",
            CallErrorKind::Deserialization => "deserialization",
            CallErrorKind::Stream => "stream",
            CallErrorKind::InvalidArgument => "invalid-argument",
            CallErrorKind::Other => "other",
        }
    }

    /// The RFC 9457 problem title.
    pub fn title(self) -> &'static str {
        match self {
            CallErrorKind::RateLimited => "Rate limited by the model provider",
            CallErrorKind::Unauthorized => "Not authorized by the model provider",
            CallErrorKind::InvalidRequest => "Request rejected by the model provider",
            CallErrorKind::ProviderError => "Model provider error",
            CallErrorKind::Connection => "Could not reach the model provider",
            CallErrorKind::Timeout => "Model provider call timed out",
            CallErrorKind::Deserialization => "Malformed model provider response",
            CallErrorKind::Stream => "Model provider stream failed",
            CallErrorKind::InvalidArgument => "Invalid model request",
            CallErrorKind::Other => "Model call failed",
        }
    }
}

/// A failed GenAI call, as recorded on its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    pub(crate) kind: CallErrorKind,
    pub(crate) error_type: String,
    pub(crate) status: Option<u16>,
    pub(crate) message: String,
    pub(crate) recovery_hint: Option<Cow<'static, str>>,
}

impl CallError {
    /// An error of `kind`; `error.type` defaults to the HTTP status or the kind's slug.
    pub fn new(kind: CallErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            error_type: kind.slug().to_owned(),
            status: None,
            message: message.into(),
            recovery_hint: None,
        }
    }

    /// An HTTP error response; `error.type` is the status code unless
    /// [`with_error_type`](Self::with_error_type) names the provider's error code.
    pub fn http(status: u16, message: impl Into<String>) -> Self {
        Self {
            kind: CallErrorKind::from_status(status),
            error_type: status.to_string(),
            status: Some(status),
            message: message.into(),
            recovery_hint: None,
        }
    }

    /// Sets `error.type` (e.g. the provider's error code `rate_limit_exceeded`).
    #[must_use]
    pub fn with_error_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// Overrides the failure class (e.g. a provider's 424 "model failed" is a
    /// provider error, not a rejected request).
    #[must_use]
    pub fn with_kind(mut self, kind: CallErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// Attaches a recovery hint, recorded as `coresdk.recovery_hint`
    /// (see [`recovery`] for the standard texts).
    #[must_use]
    pub fn with_recovery_hint(mut self, hint: impl Into<Cow<'static, str>>) -> Self {
        self.recovery_hint = Some(hint.into());
        self
    }

    /// The recovery hint, if one was attached.
    pub fn recovery_hint(&self) -> Option<&str> {
        self.recovery_hint.as_deref()
    }

    /// The class of failure.
    pub fn kind(&self) -> CallErrorKind {
        self.kind
    }
    /// The `error.type` value.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }
    /// The HTTP status, if the provider answered.
    pub fn status(&self) -> Option<u16> {
        self.status
    }
    /// The error message (the problem `detail`).
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The RFC 9457 problem `type` URI.
    pub fn problem_type(&self) -> String {
        format!("{PROBLEM_TYPE_BASE}{}", self.kind.slug())
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "{} ({status}): {}", self.kind.title(), self.message),
            None => write!(f, "{}: {}", self.kind.title(), self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_map_status_to_kind_and_type() {
        let e = CallError::http(429, "slow down").with_error_type("rate_limit_exceeded");
        assert_eq!(e.kind(), CallErrorKind::RateLimited);
        assert_eq!(e.error_type(), "rate_limit_exceeded");
        assert_eq!(
            e.problem_type(),
            "https://coresdk.dev/problems/genai/rate-limited"
        );
        assert_eq!(
            e.to_string(),
            "Rate limited by the model provider (429): slow down"
        );
        let e = CallError::http(500, "boom");
        assert_eq!(e.kind(), CallErrorKind::ProviderError);
        assert_eq!(e.error_type(), "500");
        assert_eq!(CallErrorKind::from_status(403), CallErrorKind::Unauthorized);
        assert_eq!(
            CallErrorKind::from_status(404),
            CallErrorKind::InvalidRequest
        );
    }

    #[test]
    fn recovery_hints_are_opt_in_and_408_is_a_timeout() {
        let e = CallError::http(408, "slow");
        assert_eq!(e.kind(), CallErrorKind::Timeout);
        assert_eq!(e.recovery_hint(), None);
        let e = e.with_recovery_hint(recovery::RETRY_WITH_BACKOFF);
        assert_eq!(
            e.clone().with_kind(CallErrorKind::Other).kind(),
            CallErrorKind::Other
        );
        assert_eq!(e.recovery_hint(), Some("retry with exponential backoff"));
    }

    #[test]
    fn transport_errors_use_the_slug() {
        let e = CallError::new(CallErrorKind::Connection, "refused");
        assert_eq!(e.error_type(), "connection");
        assert_eq!(e.status(), None);
        assert_eq!(e.to_string(), "Could not reach the model provider: refused");
    }
}

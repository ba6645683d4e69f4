//! [`RecoveryHint`]: what an operator (or a diagnosing LLM) should try when a span fails.

use std::borrow::Cow;
use std::fmt;

/// A short, actionable suggestion attached to a failed span as
/// `coresdk.recovery_hint`.
///
/// Attach one with `#[trace(on_error = RecoveryHint::RetryWithBackoff)]`
/// (or `#[trace(recovery_hint = "custom text")]`). The hint is recorded only
/// when the function fails (returns `Err` or panics), and it travels in the
/// LLM diagnostic payload next to the RFC 9457 problem detail.
///
/// The texts of the built-in hints are stable: downstream tooling may match
/// on them.
///
/// ```
/// use coresdk::RecoveryHint;
///
/// assert_eq!(RecoveryHint::RetryWithBackoff.as_str(), "retry with exponential backoff");
/// let hint = RecoveryHint::custom("ensure the tenant ID header is present on all requests");
/// assert_eq!(hint.to_string(), "ensure the tenant ID header is present on all requests");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecoveryHint {
    /// The failure is likely transient: retry with exponential backoff.
    RetryWithBackoff,
    /// A dependency is failing: check the health of the downstream service.
    CheckDownstreamHealth,
    /// The input was rejected: validate it against its schema.
    ValidateInputSchema,
    /// Authentication failed: rotate or refresh the credentials.
    RotateCredentials,
    /// Free-form advice.
    Custom(Cow<'static, str>),
}

impl RecoveryHint {
    /// A custom hint.
    #[must_use]
    pub fn custom(text: impl Into<Cow<'static, str>>) -> Self {
        Self::Custom(text.into())
    }

    /// The text recorded on the span.
    pub fn as_str(&self) -> &str {
        match self {
            Self::RetryWithBackoff => "retry with exponential backoff",
            Self::CheckDownstreamHealth => "check downstream service health",
            Self::ValidateInputSchema => "validate the input against its schema",
            Self::RotateCredentials => "rotate or refresh the credentials",
            Self::Custom(text) => text,
        }
    }
}

impl fmt::Display for RecoveryHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::RecoveryHint;

    #[test]
    fn built_in_texts_are_stable_and_distinct() {
        let hints = [
            (
                RecoveryHint::RetryWithBackoff,
                "retry with exponential backoff",
            ),
            (
                RecoveryHint::CheckDownstreamHealth,
                "check downstream service health",
            ),
            (
                RecoveryHint::ValidateInputSchema,
                "validate the input against its schema",
            ),
            (
                RecoveryHint::RotateCredentials,
                "rotate or refresh the credentials",
            ),
        ];
        for (hint, text) in &hints {
            assert_eq!(hint.as_str(), *text);
            assert_eq!(hint.to_string(), *text);
        }
        let mut texts: Vec<_> = hints.iter().map(|(h, _)| h.as_str()).collect();
        texts.dedup();
        assert_eq!(texts.len(), 4);
    }

    #[test]
    fn custom_hint_keeps_its_text() {
        let owned = RecoveryHint::custom(String::from("page the on-call"));
        assert_eq!(owned.as_str(), "page the on-call");
        assert_eq!(
            RecoveryHint::custom("static text"),
            RecoveryHint::Custom("static text".into())
        );
    }
}

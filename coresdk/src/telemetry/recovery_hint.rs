//! [`RecoveryHint`]: what an operator (or a diagnosing LLM) should try when a span fails.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};

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
/// let hint = RecoveryHint::Custom("ensure the tenant ID header is present on all requests");
/// assert_eq!(hint.to_string(), "ensure the tenant ID header is present on all requests");
/// // Text built at run time:
/// let owned = RecoveryHint::custom(format!("page the {} on-call", "payments"));
/// assert_eq!(owned, RecoveryHint::Owned("page the payments on-call".into()));
/// ```
///
/// Two hints are equal when they are the same built-in hint, or both custom
/// (`Custom` or `Owned`) with the same text.
#[derive(Debug, Clone)]
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
    /// Free-form advice written in the source: `RecoveryHint::Custom("…")`.
    Custom(&'static str),
    /// Free-form advice built at run time (see [`RecoveryHint::custom`]).
    Owned(String),
}

impl RecoveryHint {
    /// A custom hint from static or owned text: [`Custom`](Self::Custom) for a
    /// `&'static str` (or a borrowed `Cow`), [`Owned`](Self::Owned) otherwise.
    #[must_use]
    pub fn custom(text: impl Into<Cow<'static, str>>) -> Self {
        match text.into() {
            Cow::Borrowed(text) => Self::Custom(text),
            Cow::Owned(text) => Self::Owned(text),
        }
    }

    /// Whether the hint is free-form text rather than a built-in hint.
    fn is_custom(&self) -> bool {
        matches!(self, Self::Custom(_) | Self::Owned(_))
    }

    /// The text recorded on the span.
    pub fn as_str(&self) -> &str {
        match self {
            Self::RetryWithBackoff => "retry with exponential backoff",
            Self::CheckDownstreamHealth => "check downstream service health",
            Self::ValidateInputSchema => "validate the input against its schema",
            Self::RotateCredentials => "rotate or refresh the credentials",
            Self::Custom(text) => text,
            Self::Owned(text) => text,
        }
    }
}

impl PartialEq for RecoveryHint {
    fn eq(&self, other: &Self) -> bool {
        // A custom text is the same advice whether it was static or built.
        if self.is_custom() || other.is_custom() {
            self.is_custom() && other.is_custom() && self.as_str() == other.as_str()
        } else {
            std::mem::discriminant(self) == std::mem::discriminant(other)
        }
    }
}

impl Eq for RecoveryHint {}

impl Hash for RecoveryHint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `eq`: custom hints hash by text, built-ins by variant.
        self.is_custom().hash(state);
        if self.is_custom() {
            self.as_str().hash(state);
        } else {
            std::mem::discriminant(self).hash(state);
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
            RecoveryHint::Custom("static text")
        );
        assert!(matches!(
            RecoveryHint::custom("static text"),
            RecoveryHint::Custom("static text")
        ));
        assert_eq!(
            RecoveryHint::custom(String::from("x")),
            RecoveryHint::Custom("x")
        );
        assert_ne!(
            RecoveryHint::Custom("retry with exponential backoff"),
            RecoveryHint::RetryWithBackoff
        );
    }
}

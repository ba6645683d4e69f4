//! The LLM-diagnostic stage: observes masked spans and, for failed traces,
//! assembles the value-free call-chain payload.

use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use crate::config::Config;

/// A problem with the diagnostic / egress configuration, found at setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosticError {
    /// The egress policy file could not be read.
    #[error("cannot read egress policy {path}: {reason}")]
    Policy {
        /// The policy file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// The diagnostic stage. Runs on the pipeline's worker thread, after masking.
#[derive(Debug)]
pub struct LlmDiagnostic {
    next: Box<dyn SpanProcessor>,
}

impl LlmDiagnostic {
    /// Builds the stage in front of `next`.
    pub fn from_config(
        _config: &Config,
        next: Box<dyn SpanProcessor>,
    ) -> Result<Self, DiagnosticError> {
        Ok(Self { next })
    }
}

impl SpanProcessor for LlmDiagnostic {
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

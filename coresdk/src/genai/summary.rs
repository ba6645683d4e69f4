//! [`CallSummary`]: the typed facts of one GenAI client call that its
//! metrics are made of, kept beside the span's attributes as they are
//! recorded, so metrics never read attributes back by key.

use std::time::Duration;

use opentelemetry::StringValue;

use super::message::Usage;
use super::operation::{Operation, Provider};

/// What metrics need to know of a finished call.
#[derive(Debug, Clone)]
pub(crate) struct CallSummary {
    pub(crate) operation: Operation,
    pub(crate) provider: Option<Provider>,
    pub(crate) request_model: Option<StringValue>,
    pub(crate) response_model: Option<StringValue>,
    pub(crate) server: Option<(StringValue, Option<u16>)>,
    pub(crate) error_type: Option<StringValue>,
    pub(crate) usage: Usage,
    pub(crate) cost_usd: Option<f64>,
    pub(crate) time_to_first_chunk: Option<Duration>,
    /// Set when the call ends.
    pub(crate) duration: Duration,
}

impl CallSummary {
    pub(crate) fn new(
        operation: Operation,
        provider: Option<Provider>,
        request_model: Option<StringValue>,
    ) -> Self {
        Self {
            operation,
            provider,
            request_model,
            response_model: None,
            server: None,
            error_type: None,
            usage: Usage::default(),
            cost_usd: None,
            time_to_first_chunk: None,
            duration: Duration::ZERO,
        }
    }
}

//! Hands each span to the user's processors and then to the exporters.

use std::time::Duration;

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// The last stage of the chain: user processors, then the export stage.
///
/// Every target but the last gets a clone; the last gets the span itself, so a
/// chain without user processors copies nothing.
#[derive(Debug)]
pub(crate) struct Fanout {
    targets: Vec<Box<dyn SpanProcessor>>,
}

impl Fanout {
    pub(crate) fn new(targets: Vec<Box<dyn SpanProcessor>>) -> Self {
        Self { targets }
    }
}

impl SpanProcessor for Fanout {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if let Some((last, rest)) = self.targets.split_last() {
            for target in rest {
                target.on_end(span.clone());
            }
            last.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        collect(self.targets.iter().map(|t| t.force_flush()))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        collect(
            self.targets
                .iter()
                .map(|t| t.shutdown_with_timeout(timeout)),
        )
    }
}

/// Runs every result (no short-circuit) and reports the first failure.
fn collect(results: impl Iterator<Item = OTelSdkResult>) -> OTelSdkResult {
    let mut first: Option<OTelSdkError> = None;
    for r in results {
        if let Err(e) = r {
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

//! Test helpers (feature `testing`): capture the spans that leave the pipeline.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

/// A span processor that keeps every span it is given, for assertions.
///
/// Add it with [`ConfigBuilder::with_processor`](crate::ConfigBuilder::with_processor):
/// it runs after masking and diagnostics, so it sees exactly what exporters see.
/// Clones share the same store.
#[derive(Debug, Clone, Default)]
pub struct SpanCapture {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl SpanCapture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of every span captured so far, in end order.
    pub fn spans(&self) -> Vec<SpanData> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The first captured span with this name.
    pub fn find(&self, name: &str) -> Option<SpanData> {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|s| s.name == name)
            .cloned()
    }

    /// Forgets every captured span.
    pub fn clear(&self) {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Waits until at least `count` spans were captured or `timeout` passed;
    /// returns what was captured.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<SpanData> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if spans.len() >= count || Instant::now() >= deadline {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl SpanProcessor for SpanCapture {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

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

    /// A config builder for a test pipeline that ends in this capture: no
    /// environment, no config file, no exporter. Adjust it further, then
    /// `build()` and start it with [`layer`](crate::layer).
    pub fn config_builder(&self) -> crate::ConfigBuilder {
        crate::Config::builder()
            .without_env()
            .without_config_file()
            .with_exporter(crate::config::ExporterKind::None)
            .with_processor(self.clone())
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

/// A bare handoff (bounded queue + worker thread) in front of `processor`,
/// exporting nowhere: measures or tests the handoff on its own. The returned
/// processor's `on_end` is exactly what an application thread runs per span
/// ended through the OpenTelemetry API.
pub fn handoff_to(
    processor: impl SpanProcessor + 'static,
    queue_size: usize,
) -> Result<impl SpanProcessor, crate::SetupError> {
    use crate::pipeline::export::ExportCore;
    use crate::pipeline::handoff::{ApiSpans, Handoff, WorkerSetup};
    use crate::pipeline::stage::{Chain, UserProcessor};
    use crate::pipeline::stats::Counters;

    let config = crate::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(crate::config::ExporterKind::None)
        .with_queue_size(queue_size)
        .with_batch_size(queue_size.min(512))
        .build()?;
    let counters = Arc::new(Counters::default());
    let export_counters = Arc::clone(&counters);
    let batch_delay = config.pipeline().batch_delay();
    let queue_max_bytes = config.pipeline().queue_max_bytes();
    let value_limit = config.pipeline().span_attribute_value_length_limit() as usize;
    let build = move || -> Result<Chain, crate::SetupError> {
        let export = ExportCore::new(
            &config,
            &opentelemetry_sdk::Resource::builder_empty().build(),
            export_counters,
            Arc::default(),
        )?;
        Ok(Chain::new()
            .then(UserProcessor(Box::new(processor)))
            .then(export))
    };
    let handoff = Handoff::start(
        queue_size,
        queue_max_bytes,
        counters,
        WorkerSetup {
            build: Box::new(build),
            batch_delay,
            scope: opentelemetry::InstrumentationScope::builder("coresdk").build(),
            value_limit,
        },
    )?;
    Ok(BareHandoff(ApiSpans(Arc::new(handoff))))
}

/// [`handoff_to`]'s processor: spans go in as the OpenTelemetry API's do, and
/// flush and shutdown reach the worker (in a pipeline the guard does that).
#[derive(Debug)]
struct BareHandoff(crate::pipeline::handoff::ApiSpans);

impl SpanProcessor for BareHandoff {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.0.flush(Duration::from_secs(30))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.0.shutdown(timeout)
    }
}

/// Installs the full pipeline (handoff → masking → diagnostic) with no
/// exporter as the global subscriber, exactly as [`instrument`](crate::instrument)
/// sets it up, ignoring the environment and any config file: what the
/// provider crates' overhead benches measure under.
///
/// # Errors
/// [`SetupError`](crate::SetupError) if the pipeline does not start, or
/// `SubscriberExists` if a global subscriber is already set.
pub fn install_discarding_pipeline() -> Result<crate::Guard, crate::SetupError> {
    crate::instrument_with(discarding_config()?)
}

/// Like [`install_discarding_pipeline`], composed the way applications that
/// build their own subscriber do: [`layer`](crate::layer) (with its per-layer
/// target filter) on a registry set as the global subscriber.
///
/// # Errors
/// As [`install_discarding_pipeline`].
pub fn install_discarding_layer() -> Result<crate::Guard, crate::SetupError> {
    use tracing_subscriber::layer::SubscriberExt as _;

    let (layer, guard) = crate::layer(discarding_config()?)?;
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .map_err(|e| crate::SetupError::SubscriberExists(e.to_string()))?;
    Ok(guard)
}

/// No exporter; the environment and config files ignored.
fn discarding_config() -> Result<crate::Config, crate::SetupError> {
    Ok(crate::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(crate::config::ExporterKind::None)
        .build()?)
}

/// Runs `f` with a fresh pipeline as this thread's subscriber (no masking, no
/// exporter), shuts it down and returns every span it ended, in end order.
///
/// # Panics
/// If the pipeline cannot start or stop (a test helper).
#[allow(clippy::missing_panics_doc, clippy::expect_used)]
pub fn capture_spans(f: impl FnOnce()) -> Vec<SpanData> {
    use tracing_subscriber::layer::SubscriberExt as _;

    let capture = SpanCapture::new();
    let config = capture
        .config_builder()
        .with_pii_masking(false)
        .build()
        .expect("a fixed test config is valid");
    let (layer, guard) = crate::layer(config).expect("the pipeline starts");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, f);
    guard.shutdown().expect("the pipeline stops");
    capture.spans()
}

/// A span's attributes as text, by key: for comparing exact attribute maps.
pub fn attribute_map(span: &SpanData) -> std::collections::BTreeMap<String, String> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.as_str().to_owned(), kv.value.to_string()))
        .collect()
}

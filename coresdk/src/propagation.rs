//! W3C Trace Context (`traceparent`, `tracestate`) and Baggage propagation,
//! so work handed to another process or task — an HTTP call, a queued job —
//! continues the same trace.
//!
//! ```
//! use std::collections::HashMap;
//!
//! // Producer: inside the span that enqueues the job.
//! let mut headers: HashMap<String, String> = HashMap::new();
//! coresdk::propagation::inject(&mut headers);
//!
//! // Consumer: start the worker's span and make it a child of the producer's.
//! let span = tracing::info_span!("process_job");
//! coresdk::propagation::set_parent(&span, &headers);
//! ```

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use crate::layer::SpanExt as _;

fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// Writes the current `tracing` span's trace context (and baggage) into `carrier`.
///
/// `carrier` can be a `HashMap<String, String>`, an [`http::HeaderMap`] wrapped
/// in [`HeaderInjector`], or anything implementing [`Injector`]. Outside a
/// traced span nothing is written.
pub fn inject(carrier: &mut dyn Injector) {
    inject_context(&tracing::Span::current().context(), carrier);
}

/// Writes the context of `span` into `carrier`.
pub fn inject_span(span: &tracing::Span, carrier: &mut dyn Injector) {
    inject_context(&span.context(), carrier);
}

/// Writes an OpenTelemetry context into `carrier`.
pub fn inject_context(cx: &Context, carrier: &mut dyn Injector) {
    propagator().inject_context(cx, carrier);
}

/// Reads a trace context (and baggage) from `carrier`. Malformed or missing
/// headers give an empty context: a new trace starts rather than an error.
pub fn extract(carrier: &dyn Extractor) -> Context {
    propagator().extract(carrier)
}

/// Makes `span` a child of the trace context found in `carrier`. Returns
/// whether a valid remote parent was found (otherwise `span` stays as it was).
pub fn set_parent(span: &tracing::Span, carrier: &dyn Extractor) -> bool {
    use opentelemetry::trace::TraceContextExt as _;
    let cx = extract(carrier);
    if !cx.span().span_context().is_valid() {
        return false;
    }
    span.set_parent(&cx).is_ok()
}

/// Lets [`inject`] write into an [`http::HeaderMap`]. Values that are not valid
/// header values are skipped.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(key.as_bytes()),
            http::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Lets [`extract`] read from an [`http::HeaderMap`].
#[derive(Debug)]
pub struct HeaderExtractor<'a>(pub &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

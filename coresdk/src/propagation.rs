//! W3C Trace Context (`traceparent`, `tracestate`) and Baggage propagation,
//! so work handed to another process or task — an HTTP call, a queued job —
//! continues the same trace, and keeps the request's
//! [application context](crate::context) when you opt in.
//!
//! The formats are those of `OTEL_PROPAGATORS` (default
//! `tracecontext,baggage`), set by [`instrument`](crate::instrument), which
//! also installs them as OpenTelemetry's global propagator. Application
//! context keys listed in `propagation.baggage_keys` (`CORESDK_BAGGAGE_KEYS`)
//! travel as baggage: [`inject`] writes them from the current
//! [`context::scope`] and [`app_context`] reads them
//! back on the other side.
//!
//! ```
//! use std::collections::HashMap;
//!
//! // Producer: inside the span that enqueues the job.
//! let mut headers: HashMap<String, String> = HashMap::new();
//! coresdk::propagation::inject(&mut headers);
//!
//! // Consumer: start the worker's span and make it a child of the producer's,
//! // then run the job with the producer's application context.
//! let span = tracing::info_span!("process_job");
//! coresdk::propagation::set_parent(&span, &headers);
//! let ctx = coresdk::propagation::app_context(&headers);
//! # async fn job() {}
//! let _job = coresdk::context::scope(ctx, job());
//! ```

use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::{Key, KeyValue};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

pub use opentelemetry_http::{HeaderExtractor, HeaderInjector};

use crate::config::{PropagationConfig, Propagator};
use crate::context::{self, AppContext};
use crate::layer::SpanExt as _;

/// The propagation settings in force: the configured formats and the
/// application context keys that travel as baggage.
#[derive(Debug)]
struct Settings {
    propagator: TextMapCompositePropagator,
    baggage: bool,
    baggage_keys: Vec<&'static str>,
}

impl Settings {
    fn from_config(config: &PropagationConfig) -> Self {
        let baggage_keys = context::KEYS
            .iter()
            .copied()
            .filter(|k| config.baggage_keys().iter().any(|c| c == k))
            .collect();
        Self {
            propagator: composite(config.propagators()),
            baggage: config.propagators().contains(&Propagator::Baggage),
            baggage_keys,
        }
    }
}

/// The propagator of `formats`, in order.
pub(crate) fn composite(formats: &[Propagator]) -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(
        formats
            .iter()
            .map(|p| -> Box<dyn TextMapPropagator + Send + Sync> {
                match p {
                    Propagator::TraceContext => Box::new(TraceContextPropagator::new()),
                    Propagator::Baggage => Box::new(BaggagePropagator::new()),
                }
            })
            .collect(),
    )
}

static DEFAULT: LazyLock<Arc<Settings>> =
    LazyLock::new(|| Arc::new(Settings::from_config(&PropagationConfig::default())));
static INSTALLED: RwLock<Option<Arc<Settings>>> = RwLock::new(None);

/// Installs the propagation settings of a pipeline being set up.
pub(crate) fn set_config(config: &PropagationConfig) {
    *INSTALLED.write().unwrap_or_else(PoisonError::into_inner) =
        Some(Arc::new(Settings::from_config(config)));
}

fn settings() -> Arc<Settings> {
    INSTALLED
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map_or_else(|| Arc::clone(&DEFAULT), Arc::clone)
}

/// Writes the current `tracing` span's trace context (and baggage) into `carrier`.
///
/// `carrier` can be a `HashMap<String, String>`, an [`http::HeaderMap`] wrapped
/// in [`HeaderInjector`], or anything implementing [`Injector`]. Outside a
/// traced span no trace context is written; the opted-in application context
/// keys are written as baggage whenever a scope sets them.
pub fn inject(carrier: &mut dyn Injector) {
    inject_context(&tracing::Span::current().context(), carrier);
}

/// Writes the context of `span` into `carrier`.
pub fn inject_span(span: &tracing::Span, carrier: &mut dyn Injector) {
    inject_context(&span.context(), carrier);
}

/// Writes an OpenTelemetry context into `carrier`, with the opted-in keys of
/// the current application context added to its baggage.
pub fn inject_context(cx: &Context, carrier: &mut dyn Injector) {
    let settings = settings();
    if settings.baggage && !settings.baggage_keys.is_empty() {
        let app = context::current();
        let ours: Vec<KeyValue> = settings
            .baggage_keys
            .iter()
            .filter_map(|&key| Some(KeyValue::new(key, app.get(key)?.to_owned())))
            .collect();
        if !ours.is_empty() {
            // The app context wins over baggage received for the same key.
            let mut entries: Vec<KeyValue> = cx
                .baggage()
                .iter()
                .filter(|(k, _)| !ours.iter().any(|kv| kv.key == **k))
                .map(|(k, (v, _))| KeyValue::new(k.clone(), v.clone()))
                .collect();
            entries.extend(ours);
            let cx = cx.with_baggage(entries);
            settings.propagator.inject_context(&cx, carrier);
            return;
        }
    }
    settings.propagator.inject_context(cx, carrier);
}

/// Reads a trace context (and baggage) from `carrier`. Malformed or missing
/// headers give an empty context: a new trace starts rather than an error.
pub fn extract(carrier: &dyn Extractor) -> Context {
    settings().propagator.extract(carrier)
}

/// Makes `span` a child of the trace context found in `carrier`. Returns
/// whether a valid remote parent was found (otherwise `span` stays as it was).
pub fn set_parent(span: &tracing::Span, carrier: &dyn Extractor) -> bool {
    let cx = extract(carrier);
    if !cx.span().span_context().is_valid() {
        return false;
    }
    span.set_parent(&cx).is_ok()
}

/// The application context sent by the caller: the baggage entries of
/// `carrier` whose key is listed in `propagation.baggage_keys`. Run the
/// request's work in [`context::scope`] with it, and
/// its spans carry the caller's ids.
pub fn app_context(carrier: &dyn Extractor) -> AppContext {
    app_context_of(&extract(carrier))
}

/// The opted-in application context keys of `cx`'s baggage.
pub fn app_context_of(cx: &Context) -> AppContext {
    let settings = settings();
    let baggage = cx.baggage();
    let mut app = AppContext::new();
    for &key in &settings.baggage_keys {
        if let Some(value) = baggage.get(Key::from_static_str(key)) {
            app.set(key, value.as_str().to_owned());
        }
    }
    app
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn header_adapters_round_trip() {
        let mut headers = http::HeaderMap::new();
        HeaderInjector(&mut headers).set("traceparent", "x".to_owned());
        assert_eq!(HeaderExtractor(&headers).get("traceparent"), Some("x"));
    }

    #[test]
    fn only_listed_keys_travel_and_come_back() {
        let settings = Settings::from_config(&PropagationConfig {
            propagators: vec![Propagator::TraceContext, Propagator::Baggage],
            baggage_keys: vec![
                crate::genai::attributes::SESSION_ID.to_owned(),
                crate::genai::attributes::GEN_AI_CONVERSATION_ID.to_owned(),
            ],
        });
        assert_eq!(
            settings.baggage_keys,
            [
                crate::genai::attributes::SESSION_ID,
                crate::genai::attributes::GEN_AI_CONVERSATION_ID
            ]
        );
        let none = Settings::from_config(&PropagationConfig {
            propagators: vec![],
            baggage_keys: vec![],
        });
        let mut carrier: HashMap<String, String> = HashMap::new();
        none.propagator
            .inject_context(&Context::current(), &mut carrier);
        assert!(carrier.is_empty());
    }
}

//! `coresdk.intent` and `code.function.name` reach the right span, exactly
//! once, however the OpenTelemetry layer is set up: added by CoreSDK's pipeline
//! under CoreSDK's layer (with context activation off, the default, and on),
//! recorded as `tracing` fields under any other subscriber, and never put on
//! another span.

use crate::support;

use coresdk::genai::attributes::{CODE_FUNCTION_NAME, CORESDK_INTENT};
use coresdk::testing::SpanCapture;
use coresdk::trace;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use support::{Spans, attr, attr_str, capture_configured};
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

#[trace(intent = "outer work")]
fn outer() -> u32 {
    inner() + 1
}

#[trace(intent = "inner work")]
fn inner() -> u32 {
    41
}

#[trace(intent = "async outer work")]
async fn outer_async() -> u32 {
    tokio::task::yield_now().await;
    inner_async().await + 1
}

#[trace(intent = "async inner work")]
async fn inner_async() -> u32 {
    tokio::task::yield_now().await;
    41
}

/// Runs `f` under a plain `tracing-opentelemetry` layer on a bare provider.
fn with_plain_layer<R>(context_activation: bool, f: impl FnOnce() -> R) -> (R, Spans) {
    let capture = SpanCapture::new();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(capture.clone())
        .build();
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("labels"))
        .with_context_activation(context_activation);
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    let result = tracing::dispatcher::with_default(&dispatch, f);
    drop(dispatch);
    provider.force_flush().expect("flush");
    let spans = Spans(capture.spans());
    provider.shutdown().expect("shutdown");
    (result, spans)
}

fn run_async<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime builds")
        .block_on(f)
}

fn assert_labels(spans: &Spans, name: &str, intent: &str) {
    let span = spans.one(name);
    assert_eq!(attr_str(span, CORESDK_INTENT), intent, "{name}");
    assert_eq!(
        attr_str(span, CODE_FUNCTION_NAME),
        format!("it::trace_labels::{name}"),
        "{name}"
    );
    let intents = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == CORESDK_INTENT)
        .count();
    assert_eq!(intents, 1, "{name} has one intent");
}

#[test]
fn nested_spans_each_get_their_own_labels() {
    for activation in [true, false] {
        let (n, spans) = with_plain_layer(activation, outer);
        assert_eq!(n, 42);
        assert_labels(&spans, "outer", "outer work");
        assert_labels(&spans, "inner", "inner work");
        spans.assert_parent("inner", "outer");

        let (n, spans) = with_plain_layer(activation, || run_async(outer_async()));
        assert_eq!(n, 42);
        assert_labels(&spans, "outer_async", "async outer work");
        assert_labels(&spans, "inner_async", "async inner work");
        spans.assert_parent("inner_async", "outer_async");
    }
}

#[test]
fn labels_never_land_on_an_unrelated_active_span() {
    // The OpenTelemetry layer does not see `#[trace]` spans here, while an
    // OpenTelemetry-API span is current: it must not receive their labels.
    let capture = SpanCapture::new();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(capture.clone())
        .build();
    let tracer = provider.tracer("labels");
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("labels"))
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.name() != "inner"
        }));
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || {
        tracer.in_span("api span", |cx| {
            assert!(cx.span().span_context().is_valid());
            assert_eq!(inner(), 41);
        });
    });
    drop(dispatch);
    provider.force_flush().expect("flush");
    let spans = Spans(capture.spans());
    assert_eq!(spans.names(), ["api span"]);
    assert_eq!(attr(spans.one("api span"), CORESDK_INTENT), None);
    provider.shutdown().expect("shutdown");
}

/// Runs `outer` and `outer_async` under a CoreSDK pipeline with context
/// activation `on` or off.
fn under_coresdk(activation: bool) -> (Spans, Spans) {
    let configure = |b: coresdk::config::ConfigBuilder| b.with_otel_context_activation(activation);
    let (n, sync) = capture_configured(configure, outer);
    assert_eq!(n, 42);
    let (n, spans) = capture_configured(configure, || run_async(outer_async()));
    assert_eq!(n, 42);
    (sync, spans)
}

#[test]
fn coresdk_layer_adds_each_span_its_own_labels_once() {
    for activation in [false, true] {
        let (sync, spans) = under_coresdk(activation);
        assert_labels(&sync, "outer", "outer work");
        assert_labels(&sync, "inner", "inner work");
        sync.assert_parent("inner", "outer");
        assert_labels(&spans, "outer_async", "async outer work");
        assert_labels(&spans, "inner_async", "async inner work");
        spans.assert_parent("inner_async", "outer_async");
        for span in sync.0.iter().chain(&spans.0) {
            assert_eq!(
                support::attr_count(span, CODE_FUNCTION_NAME),
                1,
                "{}: {:?}",
                span.name,
                span.attributes
            );
        }
    }
}

#[trace(intent = "report the active contexts")]
fn active_contexts() -> (opentelemetry::trace::SpanId, opentelemetry::trace::SpanId) {
    use coresdk::SpanExt as _;
    let api = opentelemetry::Context::current()
        .span()
        .span_context()
        .span_id();
    let tracing = tracing::Span::current()
        .context()
        .span()
        .span_context()
        .span_id();
    (api, tracing)
}

#[test]
fn otel_context_activation_is_opt_in() {
    use opentelemetry::trace::SpanId;
    // Off (the default): `tracing` knows the span, the OpenTelemetry API's
    // current context does not.
    let ((api, tracing), spans) = capture_configured(|b| b, active_contexts);
    assert_eq!(tracing, spans.one("active_contexts").span_context.span_id());
    assert_eq!(api, SpanId::INVALID);
    // On: both see it.
    let ((api, tracing), spans) =
        capture_configured(|b| b.with_otel_context_activation(true), active_contexts);
    let id = spans.one("active_contexts").span_context.span_id();
    assert_eq!((api, tracing), (id, id));
}

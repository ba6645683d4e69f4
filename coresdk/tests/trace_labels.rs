//! `coresdk.intent` and `code.function.name` reach the right span however the
//! OpenTelemetry layer is set up: set directly on the OpenTelemetry span when
//! the layer activates contexts (CoreSDK's layer, and the default), recorded
//! as `tracing` fields when it does not, and never on another span.

mod support;

use coresdk::genai::attributes::{CODE_FUNCTION_NAME, CORESDK_INTENT};
use coresdk::testing::SpanCapture;
use coresdk::trace;
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use support::{Spans, attr, attr_str};
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
        format!("trace_labels::{name}"),
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

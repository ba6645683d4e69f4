//! OpenTelemetry interop of CoreSDK's own layer, through `coresdk::SpanExt`:
//! a remote parent from an incoming `traceparent`, a span's context injected
//! into a real HTTP request on loopback, OpenTelemetry API spans nesting
//! under `#[trace]` spans, and a user's own `tracing-opentelemetry` layer in
//! the same subscriber.

use std::collections::HashMap;
use std::time::Duration;

use crate::support::{attr, find};
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use coresdk::SpanExt as _;
use coresdk::genai::attributes::CORESDK_INTENT;
use coresdk::propagation::{self, HeaderExtractor};
use coresdk::testing::SpanCapture;
use opentelemetry::trace::{
    SpanId, Status, TraceContextExt as _, TraceId, Tracer as _, TracerProvider as _,
};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData};
use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// A pipeline (no exporter) whose spans land in a capture, set as this
/// thread's default subscriber by [`Pipeline::run`].
struct Pipeline {
    capture: SpanCapture,
    guard: coresdk::Guard,
    dispatch: tracing::Dispatch,
}

impl Pipeline {
    fn new(activation: bool) -> Self {
        Self::configured(|b| b.with_otel_context_activation(activation))
    }

    fn configured(
        configure: impl FnOnce(coresdk::ConfigBuilder) -> coresdk::ConfigBuilder,
    ) -> Self {
        let capture = SpanCapture::new();
        let builder = capture.config_builder();
        let config = configure(builder).build().expect("config");
        let (layer, guard) = coresdk::layer(config).expect("pipeline");
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        Self {
            capture,
            guard,
            dispatch,
        }
    }

    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, f)
    }

    /// What was exported so far, the pipeline still running.
    fn flushed_spans(&self) -> Vec<SpanData> {
        self.guard.flush().expect("flush");
        self.capture.spans()
    }

    fn spans(self) -> Vec<SpanData> {
        drop(self.dispatch);
        self.guard.shutdown().expect("shutdown");
        self.capture.spans()
    }
}

fn names(spans: &[SpanData]) -> Vec<String> {
    spans.iter().map(|s| s.name.to_string()).collect()
}

#[test]
fn set_parent_from_an_incoming_traceparent() {
    let pipeline = Pipeline::new(false);
    let incoming = HashMap::from([(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    )]);
    pipeline.run(|| {
        let server = tracing::info_span!("handle_request");
        let cx = propagation::extract(&incoming);
        server.set_parent(&cx).expect("a valid remote parent");
        server.in_scope(|| tracing::info_span!("load_user").in_scope(|| ()));
    });
    let spans = pipeline.spans();
    let server = find(&spans, "handle_request");
    let child = find(&spans, "load_user");
    let remote_trace = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").expect("hex");
    assert_eq!(server.span_context.trace_id(), remote_trace);
    assert_eq!(
        server.parent_span_id,
        SpanId::from_hex("00f067aa0ba902b7").expect("hex")
    );
    assert!(server.parent_span_is_remote);
    assert_eq!(child.span_context.trace_id(), remote_trace);
    assert_eq!(child.parent_span_id, server.span_context.span_id());
    assert!(!child.parent_span_is_remote);
}

#[test]
fn set_parent_rejects_an_empty_context_and_unrecorded_spans() {
    let pipeline = Pipeline::new(false);
    pipeline.run(|| {
        let span = tracing::info_span!("work");
        assert_eq!(
            span.set_parent(&opentelemetry::Context::new()),
            Err(coresdk::SetParentError::InvalidContext)
        );
    });
    // No subscriber at all: nothing records the span.
    let cx = propagation::extract(&HashMap::from([(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    )]));
    assert_eq!(
        tracing::Span::none().set_parent(&cx),
        Err(coresdk::SetParentError::NotRecorded)
    );
    let spans = pipeline.spans();
    assert!(!find(&spans, "work").parent_span_is_remote);
}

/// A loopback HTTP service that continues the caller's trace in its own
/// pipeline (another "process") and answers with its span's trace id.
async fn serve(pipeline: std::sync::Arc<Pipeline>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route(
        "/work",
        get(move |headers: HeaderMap| {
            let pipeline = std::sync::Arc::clone(&pipeline);
            async move {
                pipeline.run(|| {
                    let span = tracing::info_span!("serve_work");
                    let cx = propagation::extract(&HeaderExtractor(&headers));
                    span.set_parent(&cx).expect("traceparent header");
                    span.context().span().span_context().trace_id().to_string()
                })
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_injected_into_an_http_request_continues_the_trace() {
    let callee = std::sync::Arc::new(Pipeline::new(false));
    let addr = serve(std::sync::Arc::clone(&callee)).await;
    let caller = Pipeline::new(false);
    let client = reqwest::Client::new();

    let span = caller.run(|| tracing::info_span!("call_service"));
    let mut headers = http::HeaderMap::new();
    propagation::inject_context(
        &span.context(),
        &mut propagation::HeaderInjector(&mut headers),
    );
    let answer = client
        .get(format!("http://{addr}/work"))
        .headers(headers)
        .send()
        .instrument(span.clone())
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    drop(span);

    let caller_spans = caller.spans();
    let call = find(&caller_spans, "call_service");
    assert_eq!(answer, call.span_context.trace_id().to_string());
    let callee_spans = callee.flushed_spans();
    let served = find(&callee_spans, "serve_work");
    assert_eq!(served.span_context.trace_id(), call.span_context.trace_id());
    assert_eq!(served.parent_span_id, call.span_context.span_id());
    assert!(served.parent_span_is_remote);
}

#[coresdk::trace(intent = "call a library instrumented with the OpenTelemetry API")]
fn traced_caller(tracer: &opentelemetry_sdk::trace::SdkTracer) {
    tracer.in_span("api span", |cx| {
        cx.span().set_attribute(KeyValue::new("api.note", "inside"));
    });
}

#[test]
fn an_opentelemetry_api_span_nests_under_a_trace_span() {
    let pipeline = Pipeline::new(true);
    let tracer = pipeline
        .guard
        .tracer_provider()
        .expect("running")
        .tracer("library");
    pipeline.run(|| traced_caller(&tracer));
    let spans = pipeline.spans();
    let outer = find(&spans, "traced_caller");
    let api = find(&spans, "api span");
    assert_eq!(api.span_context.trace_id(), outer.span_context.trace_id());
    assert_eq!(api.parent_span_id, outer.span_context.span_id());
    assert_eq!(attr(api, "api.note"), Some(&Value::from("inside")));
    assert_eq!(
        attr(outer, CORESDK_INTENT),
        Some(&Value::from(
            "call a library instrumented with the OpenTelemetry API"
        ))
    );
}

#[test]
fn a_tracing_span_under_an_api_span_continues_its_trace() {
    let pipeline = Pipeline::new(false);
    let tracer = pipeline
        .guard
        .tracer_provider()
        .expect("running")
        .tracer("library");
    pipeline.run(|| {
        tracer.in_span("api root", |_cx| {
            tracing::info_span!("tracing child").in_scope(|| ());
        });
    });
    let spans = pipeline.spans();
    let root = find(&spans, "api root");
    let child = find(&spans, "tracing child");
    assert_eq!(child.span_context.trace_id(), root.span_context.trace_id());
    assert_eq!(child.parent_span_id, root.span_context.span_id());
}

#[test]
fn span_ext_sets_attributes_status_links_and_events() {
    let pipeline = Pipeline::new(false);
    let linked = opentelemetry::trace::SpanContext::new(
        TraceId::from(7_u128),
        SpanId::from(9_u64),
        opentelemetry::trace::TraceFlags::SAMPLED,
        true,
        opentelemetry::trace::TraceState::default(),
    );
    pipeline.run(|| {
        let span = tracing::info_span!("annotated");
        span.set_attribute("order.items", 3_i64);
        span.add_link(linked.clone());
        span.add_event("checkpoint", vec![KeyValue::new("step", 2_i64)]);
        span.set_status(Status::error("out of stock"));
    });
    let spans = pipeline.spans();
    let span = find(&spans, "annotated");
    assert_eq!(attr(span, "order.items"), Some(&Value::I64(3)));
    assert_eq!(span.links.links[0].span_context, linked);
    assert_eq!(span.events.events[0].name, "checkpoint");
    assert_eq!(span.status, Status::error("out of stock"));
}

#[coresdk::trace(intent = "work seen by two layers")]
fn seen_by_two_layers() -> u32 {
    tracing::info_span!("inner step").in_scope(|| 7)
}

#[test]
fn a_users_own_tracing_opentelemetry_layer_breaks_neither() {
    let capture = SpanCapture::new();
    let config = capture.config_builder().build().expect("config");
    let (core, guard) = coresdk::layer(config).expect("pipeline");
    let theirs = SpanCapture::new();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(theirs.clone())
        .build();
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(core)
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("theirs"))),
    );
    let n = tracing::dispatcher::with_default(&dispatch, seen_by_two_layers);
    assert_eq!(n, 7);
    drop(dispatch);
    guard.shutdown().expect("shutdown");
    provider.force_flush().expect("flush");

    let ours = capture.spans();
    let outer = find(&ours, "seen_by_two_layers");
    let inner = find(&ours, "inner step");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert_eq!(
        attr(outer, CORESDK_INTENT),
        Some(&Value::from("work seen by two layers"))
    );
    let theirs = theirs.wait_for(2, Duration::from_secs(5));
    let their_outer = find(&theirs, "seen_by_two_layers");
    let their_inner = find(&theirs, "inner step");
    assert_eq!(
        their_inner.parent_span_id,
        their_outer.span_context.span_id()
    );
    // Their layer sees the intent as the field's text.
    assert_eq!(
        attr(their_outer, CORESDK_INTENT).map(Value::as_str),
        Some("work seen by two layers".into())
    );
    provider.shutdown().expect("shutdown");
}

/// A pipeline with a head sampler.
fn sampled_pipeline(sampler: coresdk::config::SamplerConfig) -> Pipeline {
    Pipeline::configured(|b| b.with_sampler(sampler))
}

#[test]
fn the_head_sampler_decides_per_root_and_children_follow() {
    let pipeline = sampled_pipeline(coresdk::config::SamplerConfig::TraceIdRatio(0.5));
    pipeline.run(|| {
        for _ in 0..400 {
            tracing::info_span!("root").in_scope(|| {
                tracing::info_span!("child").in_scope(|| ());
            });
        }
    });
    let spans = pipeline.spans();
    let roots: Vec<&SpanData> = spans.iter().filter(|s| s.name == "root").collect();
    let children: Vec<&SpanData> = spans.iter().filter(|s| s.name == "child").collect();
    assert!(
        (120..280).contains(&roots.len()),
        "about half of 400 roots kept: {}",
        roots.len()
    );
    // Every kept child belongs to a kept root, and every kept root kept its child.
    assert_eq!(children.len(), roots.len());
    for child in children {
        assert!(
            roots
                .iter()
                .any(|r| r.span_context.span_id() == child.parent_span_id),
            "a child outlived its unsampled root"
        );
    }
}

#[test]
fn parent_based_sampling_follows_a_remote_parent() {
    let pipeline = sampled_pipeline(coresdk::config::SamplerConfig::ParentBasedAlwaysOff);
    let sampled = HashMap::from([(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    )]);
    let unsampled = HashMap::from([(
        "traceparent".to_owned(),
        "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00".to_owned(),
    )]);
    pipeline.run(|| {
        tracing::info_span!("local root").in_scope(|| ());
        for (name, headers) in [
            ("continues sampled", &sampled),
            ("continues unsampled", &unsampled),
        ] {
            let span = tracing::info_span!("server", otel.name = name);
            let _ = span.set_parent(&propagation::extract(headers));
            span.in_scope(|| tracing::info_span!("inner").in_scope(|| ()));
        }
    });
    let spans = pipeline.spans();
    assert_eq!(names(&spans), ["inner", "continues sampled"]);
}

//! The processor chain through the public API: user processors see every span
//! after the built-in stages, on the worker thread, and flush/shutdown work.

use std::time::Duration;

use coresdk::testing::SpanCapture;
use opentelemetry::trace::Status;
use tracing_subscriber::layer::SubscriberExt as _;

fn capture_config(capture: &SpanCapture) -> coresdk::Config {
    capture.config_builder().build().expect("config")
}

#[test]
fn user_processors_receive_every_span_after_the_stages() {
    let capture = SpanCapture::new();
    let (layer, guard) = coresdk::layer(capture_config(&capture)).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("outer", "app.kind" = "test").in_scope(|| {
            tracing::info_span!("inner").in_scope(|| {
                tracing::error!(error = "boom", "inner failed");
            });
        });
    });
    guard.flush().expect("flush");
    let spans = capture.spans();
    assert_eq!(spans.len(), 2);
    let outer = capture.find("outer").expect("outer");
    let inner = capture.find("inner").expect("inner");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
    assert_eq!(inner.span_context.trace_id(), outer.span_context.trace_id());
    assert!(
        matches!(inner.status, Status::Error { .. }),
        "{:?}",
        inner.status
    );
    assert_eq!(guard.stats().exported, 2);
    guard.shutdown().expect("shutdown");
}

#[test]
fn spans_after_shutdown_are_not_exported_and_nothing_panics() {
    let capture = SpanCapture::new();
    let (layer, guard) = coresdk::layer(capture_config(&capture)).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let _default = tracing::subscriber::set_default(subscriber);
    tracing::info_span!("before").in_scope(|| {});
    guard.shutdown().expect("shutdown");
    tracing::info_span!("after").in_scope(|| {});
    std::thread::sleep(Duration::from_millis(50));
    let names: Vec<_> = capture.spans().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["before"]);
}

#[test]
fn head_sampler_always_off_records_nothing() {
    let capture = SpanCapture::new();
    let config = capture
        .config_builder()
        .with_sampler(coresdk::config::SamplerConfig::AlwaysOff)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("sampled_out").in_scope(|| {});
    });
    guard.shutdown().expect("shutdown");
    assert!(capture.spans().is_empty());
}

#[test]
fn attribute_limit_is_applied() {
    let capture = SpanCapture::new();
    let config = capture
        .config_builder()
        .with_span_attribute_count_limit(2)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("many", "a.1" = 1, "a.2" = 2, "a.3" = 3, "a.4" = 4).in_scope(|| {});
    });
    guard.shutdown().expect("shutdown");
    let span = capture.find("many").expect("span");
    assert_eq!(span.attributes.len(), 2);
    assert!(span.dropped_attributes_count > 0);
}

#[test]
fn provider_sdk_spans_are_filtered_out() {
    let capture = SpanCapture::new();
    let (layer, guard) = coresdk::layer(capture_config(&capture)).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!(target: "aws_smithy_runtime::client", "invoke").in_scope(|| {
            tracing::info_span!(target: "hyper_util::client", "connect").in_scope(|| {});
        });
        tracing::info_span!(target: "my_app", "kept").in_scope(|| {});
    });
    guard.shutdown().expect("shutdown");
    let names: Vec<_> = capture.spans().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["kept"]);
}

#[test]
fn setup_errors_do_not_panic() {
    let err = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_otlp_endpoint("definitely not a url")
        .build()
        .expect_err("bad endpoint");
    let setup: coresdk::SetupError = err.into();
    assert!(setup.to_string().contains("otlp.endpoint"), "{setup}");
}

/// A finished span made on a bare provider, to hand to a handoff directly.
fn template_span() -> opentelemetry_sdk::trace::SpanData {
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    let capture = SpanCapture::new();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_span_processor(capture.clone())
        .build();
    provider.tracer("test").start("work").end();
    capture.spans().pop().expect("one span")
}

#[test]
fn flush_sees_the_spans_of_every_thread_including_exited_ones() {
    use opentelemetry_sdk::trace::SpanProcessor as _;
    let capture = SpanCapture::new();
    let handoff =
        std::sync::Arc::new(coresdk::testing::handoff_to(capture.clone(), 1024).expect("handoff"));
    let template = template_span();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let handoff = std::sync::Arc::clone(&handoff);
            let template = template.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    handoff.on_end(template.clone());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("producer");
    }
    for _ in 0..10 {
        handoff.on_end(template.clone());
    }
    handoff.force_flush().expect("flush");
    assert_eq!(capture.spans().len(), 410);
    // Buffers of exited threads are forgotten once drained; new threads still work.
    let late = std::thread::spawn({
        let handoff = std::sync::Arc::clone(&handoff);
        move || handoff.on_end(template)
    });
    late.join().expect("late producer");
    handoff.force_flush().expect("flush");
    assert_eq!(capture.spans().len(), 411);
    handoff
        .shutdown_with_timeout(Duration::from_secs(5))
        .expect("shutdown");
}

//! App-thread cost of one ended span (3 string attributes):
//!
//! - `coresdk/tracing_span`: a `tracing` span through the full CoreSDK layer
//!   (tracing-opentelemetry → SDK → handoff), discarding exporter;
//! - `coresdk/otel_api_span`: the same span made with the OTel API on the
//!   CoreSDK provider (SDK span + handoff);
//! - `bare_sdk/batch_processor`: the OTel API on a bare SDK provider with a
//!   `BatchSpanProcessor` and a discarding exporter;
//! - `bare_sdk/noop_processor`: the OTel API on a bare provider whose processor
//!   does nothing — `otel_api_span` minus this is the handoff's own cost.

use std::time::Duration;

use coresdk::config::ExporterKind;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::{Span as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanExporter, SpanProcessor,
};
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

#[derive(Debug)]
struct Noop;

impl SpanProcessor for Noop {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}
    fn on_end(&self, _span: SpanData) {}
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn otel_span(tracer: &impl opentelemetry::trace::Tracer) {
    let mut span = tracer.start("work");
    span.set_attribute(KeyValue::new("app.a", "alpha"));
    span.set_attribute(KeyValue::new("app.b", "beta"));
    span.set_attribute(KeyValue::new("app.c", "gamma"));
    span.end();
}

fn bench(c: &mut Criterion) {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_pii_masking(false)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);

    let mut group = c.benchmark_group("span_app_thread");
    tracing::subscriber::with_default(subscriber, || {
        group.bench_function("coresdk/tracing_span", |b| {
            b.iter(|| {
                tracing::info_span!(
                    "work",
                    "app.a" = "alpha",
                    "app.b" = "beta",
                    "app.c" = "gamma"
                )
                .in_scope(|| {});
            });
        });
    });
    let tracer = guard.tracer_provider().expect("provider").tracer("bench");
    group.bench_function("coresdk/otel_api_span", |b| b.iter(|| otel_span(&tracer)));

    let batch = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let batch_tracer = batch.tracer("bench");
    group.bench_function("bare_sdk/batch_processor", |b| {
        b.iter(|| otel_span(&batch_tracer));
    });

    let noop = SdkTracerProvider::builder()
        .with_span_processor(Noop)
        .build();
    let noop_tracer = noop.tracer("bench");
    group.bench_function("bare_sdk/noop_processor", |b| {
        b.iter(|| otel_span(&noop_tracer));
    });
    group.finish();

    // The handoff alone: `on_end` with a ready-made span (cloned outside the
    // measurement), i.e. the application thread's cost beyond span creation.
    let handoff = coresdk::testing::handoff_to(Noop, 2048).expect("handoff");
    let template = {
        let capture = coresdk::testing::SpanCapture::new();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(capture.clone())
            .build();
        otel_span(&provider.tracer("bench"));
        capture.spans().pop().expect("one span")
    };
    c.bench_function("handoff/on_end", |b| {
        b.iter_batched(
            || template.clone(),
            |span| handoff.on_end(span),
            criterion::BatchSize::SmallInput,
        );
    });
    let _ = handoff.shutdown_with_timeout(Duration::from_secs(5));

    let stats = guard.stats();
    eprintln!(
        "coresdk pipeline: exported {}, dropped {}",
        stats.exported, stats.dropped
    );
    let _ = guard.shutdown();
    let _ = batch.shutdown();
    let _ = noop.shutdown();
}

criterion_group!(benches, bench);
criterion_main!(benches);

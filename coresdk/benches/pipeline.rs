//! App-thread cost of one ended span (3 string attributes), measured in
//! bursts the processors keep up with (see `support::paced`):
//!
//! - `coresdk/tracing_span`: a `tracing` span through the full CoreSDK layer
//!   (tracing-opentelemetry → SDK → handoff), discarding exporter;
//! - `coresdk/otel_api_span`: the same span made with the OTel API on the
//!   CoreSDK provider (SDK span + handoff);
//! - `bare_sdk/batch_processor`: the OTel API on a bare SDK provider with a
//!   `BatchSpanProcessor` and a discarding exporter;
//! - `bare_sdk/noop_processor`: the OTel API on a bare provider whose processor
//!   does nothing (it frees each span on the application thread, which the
//!   handoff leaves to the worker);
//! - `handoff/on_end`: the handoff alone, `on_end` with ready-made spans while
//!   the queue has room (the worker keeps up; drops are printed, expected 0);
//! - `handoff/on_end_saturated`: `on_end` back to back, faster than the worker
//!   takes spans: mostly the full-queue path (drop and count).

mod support;

use std::time::{Duration, Instant};

use coresdk::config::ExporterKind;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::trace::{Span as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanExporter, SpanProcessor,
};
use support::paced;
use tracing_subscriber::layer::SubscriberExt as _;

/// Queue size of the handoff measured in `handoff/on_end` (the default).
const QUEUE: usize = 8192;
/// Spans per burst in `handoff/on_end`: half the queue.
const BURST: u64 = 4096;

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

/// Spans per burst in `span_app_thread`: half the bare `BatchSpanProcessor`'s
/// queue (2048) and an eighth of CoreSDK's (8192), so neither drops.
const SPAN_BURST: u64 = 1024;

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

    let flush = || _ = guard.flush();
    let before = coresdk::stats();
    let mut group = c.benchmark_group("span_app_thread");
    tracing::subscriber::with_default(subscriber, || {
        group.bench_function("coresdk/tracing_span", |b| {
            paced(b, SPAN_BURST, flush, || {
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
    group.bench_function("coresdk/otel_api_span", |b| {
        paced(b, SPAN_BURST, flush, || otel_span(&tracer));
    });
    let dropped = coresdk::stats().dropped - before.dropped;
    eprintln!("span_app_thread/coresdk: {dropped} spans dropped");

    let batch = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build();
    let batch_tracer = batch.tracer("bench");
    group.bench_function("bare_sdk/batch_processor", |b| {
        paced(
            b,
            SPAN_BURST,
            || _ = batch.force_flush(),
            || otel_span(&batch_tracer),
        );
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
    let template = {
        let capture = coresdk::testing::SpanCapture::new();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(capture.clone())
            .build();
        otel_span(&provider.tracer("bench"));
        capture.spans().pop().expect("one span")
    };
    // `handoff/on_end`: the queue has room, as in an application whose spans
    // the worker keeps up with. Spans are handed off in bursts of `BURST`
    // (half the queue: the worker is woken at the quarter mark and
    // drains concurrently with the rest); between bursts, outside the measurement, a flush
    // waits until the worker has taken everything.
    let handoff = coresdk::testing::handoff_to(Noop, QUEUE).expect("handoff");
    let before = coresdk::stats();
    let mut handed = 0;
    c.bench_function("handoff/on_end", |b| {
        b.iter_custom(|iters| {
            let mut measured = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(BURST);
                let spans: Vec<SpanData> = (0..n).map(|_| template.clone()).collect();
                let start = Instant::now();
                for span in spans {
                    handoff.on_end(span);
                }
                measured += start.elapsed();
                let _ = handoff.force_flush();
                left -= n;
                handed += n;
            }
            measured
        });
    });
    let dropped = coresdk::stats().dropped - before.dropped;
    eprintln!("handoff/on_end: {dropped} of {handed} spans dropped");
    let _ = handoff.shutdown_with_timeout(Duration::from_secs(5));

    // `handoff/on_end_saturated`: spans handed off back to back, faster than
    // the worker (which clones each for the two processors behind it) takes
    // them: most find the queue full and are dropped and counted, so this is
    // the cost of the overload path as much as of the handoff.
    let handoff = coresdk::testing::handoff_to(Noop, 2048).expect("handoff");
    let before = coresdk::stats();
    c.bench_function("handoff/on_end_saturated", |b| {
        b.iter_batched(
            || template.clone(),
            |span| handoff.on_end(span),
            criterion::BatchSize::SmallInput,
        );
    });
    let dropped = coresdk::stats().dropped - before.dropped;
    eprintln!("handoff/on_end_saturated: {dropped} spans dropped");
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

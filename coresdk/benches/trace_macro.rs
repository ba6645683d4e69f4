//! Cost of `#[trace]` on the application thread, in one run:
//!
//! - (a) no subscriber: `#[trace]` vs the bare fn vs `#[tracing::instrument(skip_all)]`;
//! - (b) the full CoreSDK pipeline (no exporter: spans are handed to the worker
//!   and discarded), sync and async (current-thread runtime): group
//!   `full_pipeline` through `coresdk::instrument_with()` (the global
//!   subscriber `instrument()` installs), group `full_pipeline_layer` through
//!   `coresdk::layer()` on a registry set as the thread's default;
//! - a bare `opentelemetry_sdk` span with 3 attributes on the same provider.
//!
//! Run briefly on the shared machine:
//! `cargo bench -p coresdk --bench trace_macro -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::hint::black_box;

use coresdk::Config;
use coresdk::config::ExporterKind;
use coresdk::genai::attributes;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt as _;

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[coresdk::trace(intent = "benchmark a traced function")]
#[inline(never)]
fn traced(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn instrumented(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

/// `#[tracing::instrument]` recording what `#[trace]` records (intent and
/// function name), for a like-for-like comparison.
#[tracing::instrument(
    skip_all,
    fields(coresdk.intent = "benchmark a traced function", code.function.name = "trace_macro::instrumented_same_fields")
)]
#[inline(never)]
fn instrumented_same_fields(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[coresdk::trace(intent = "benchmark a traced function with attrs", attrs(x = x as i64))]
#[inline(never)]
fn traced_attrs(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[allow(clippy::unused_async)] // the same body as the traced async fns
#[inline(never)]
async fn bare_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[coresdk::trace(intent = "benchmark a traced async function")]
#[inline(never)]
async fn traced_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

#[tracing::instrument(skip_all)]
#[inline(never)]
async fn instrumented_async(x: u64) -> u64 {
    black_box(x).wrapping_mul(31).rotate_left(7)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime builds")
}

fn no_subscriber(c: &mut Criterion) {
    let mut group = c.benchmark_group("no_subscriber");
    group.bench_function("bare", |b| b.iter(|| bare(black_box(3))));
    group.bench_function("trace", |b| b.iter(|| traced(black_box(3))));
    group.bench_function("trace_attrs", |b| b.iter(|| traced_attrs(black_box(3))));
    group.bench_function("tracing_instrument", |b| {
        b.iter(|| instrumented(black_box(3)));
    });
    let rt = runtime();
    group.bench_function("async_bare", |b| {
        b.iter(|| rt.block_on(bare_async(black_box(3))));
    });
    group.bench_function("async_trace", |b| {
        b.iter(|| rt.block_on(traced_async(black_box(3))));
    });
    group.bench_function("async_tracing_instrument", |b| {
        b.iter(|| rt.block_on(instrumented_async(black_box(3))));
    });
    group.finish();
}

fn pipeline_config() -> Config {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .build()
        .expect("bench config is valid")
}

/// Everything measured under a subscriber, in group `name`.
fn under_subscriber(c: &mut Criterion, name: &str, provider: &SdkTracerProvider) {
    let rt = runtime();
    let mut group = c.benchmark_group(name);
    group.bench_function("bare", |b| b.iter(|| bare(black_box(3))));
    group.bench_function("trace", |b| b.iter(|| traced(black_box(3))));
    group.bench_function("trace_attrs", |b| b.iter(|| traced_attrs(black_box(3))));
    group.bench_function("tracing_instrument", |b| {
        b.iter(|| instrumented(black_box(3)));
    });
    group.bench_function("tracing_instrument_same_fields", |b| {
        b.iter(|| instrumented_same_fields(black_box(3)));
    });
    group.bench_function("async_bare", |b| {
        b.iter(|| rt.block_on(bare_async(black_box(3))));
    });
    group.bench_function("async_trace", |b| {
        b.iter(|| rt.block_on(traced_async(black_box(3))));
    });
    group.bench_function("async_tracing_instrument", |b| {
        b.iter(|| rt.block_on(instrumented_async(black_box(3))));
    });
    let tracer = provider.tracer("bench");
    group.bench_function("otel_sdk_span_3_attrs", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder("bare_sdk_span")
                .with_attributes([
                    KeyValue::new(attributes::CORESDK_INTENT, "benchmark"),
                    KeyValue::new(attributes::CODE_FUNCTION_NAME, "trace_macro::bare"),
                    KeyValue::new(attributes::CODE_LINE_NUMBER, 42_i64),
                ])
                .start(&tracer);
            span.end();
        });
    });
    group.finish();
}

/// (b) as an application composes it: `coresdk::layer()` (per-layer target
/// filter) on a registry, set as the thread's default subscriber.
fn composed_layer(c: &mut Criterion) {
    let (layer, guard) = coresdk::layer(pipeline_config()).expect("pipeline starts");
    let provider = guard
        .tracer_provider()
        .expect("pipeline has a provider")
        .clone();
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || {
        under_subscriber(c, "full_pipeline_layer", &provider);
    });
    drop(dispatch);
    let _ = guard.shutdown();
}

/// (b) through `coresdk::instrument_with()`: the global subscriber, as
/// `coresdk::instrument()` installs it. Runs last: it cannot be uninstalled.
fn full_pipeline(c: &mut Criterion) {
    let guard = coresdk::instrument_with(pipeline_config()).expect("pipeline starts");
    let provider = guard
        .tracer_provider()
        .expect("pipeline has a provider")
        .clone();
    under_subscriber(c, "full_pipeline", &provider);
    let _ = guard.shutdown();
}

criterion_group!(benches, no_subscriber, composed_layer, full_pipeline);
criterion_main!(benches);

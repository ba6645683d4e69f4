//! Cost of `#[trace]` on the application thread, in one run:
//!
//! - (a) no subscriber: `#[trace]` vs the bare fn vs `#[tracing::instrument(skip_all)]`;
//! - (b) the full CoreSDK pipeline (no exporter: spans are handed to the worker
//!   and discarded), sync and async (current-thread runtime): group
//!   `full_pipeline` through `coresdk::instrument_with()` (the global
//!   subscriber `instrument()` installs), group `full_pipeline_layer` through
//!   `coresdk::layer()` on a registry set as the thread's default (and group
//!   `full_pipeline_layer_context_activation` with the opt-in OpenTelemetry
//!   context activation on);
//! - a bare `opentelemetry_sdk` span with 3 attributes on the same provider.
//!
//! Under a subscriber, calls run in bursts with the worker drained between
//! them (see [`paced`]), so every span takes the handoff, none the full-queue
//! path; each group prints how many spans were dropped (expected 0).
//!
//! Run briefly on the shared machine:
//! `cargo bench -p coresdk --bench trace_macro -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

mod support;

use std::hint::black_box;

use coresdk::config::ExporterKind;
use coresdk::genai::attributes;
use coresdk::{Config, Guard};
use criterion::{Bencher, Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
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

fn pipeline_config(context_activation: bool) -> Config {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_otel_context_activation(context_activation)
        .build()
        .expect("bench config is valid")
}

/// Calls per burst under a subscriber: half the default queue (8192), so the
/// worker is woken at the quarter mark and drains concurrently, as it does
/// for an application whose spans it keeps up with.
const BURST: u64 = 4096;

/// Measures `f` in bursts of [`BURST`], the worker drained between them.
fn paced(b: &mut Bencher<'_>, guard: &Guard, f: impl FnMut()) {
    support::paced(b, BURST, || _ = guard.flush(), f);
}

/// Everything measured under a subscriber, in group `name`; prints how many
/// spans were handed on and dropped.
fn under_subscriber(c: &mut Criterion, name: &str, guard: &Guard) {
    let provider = guard
        .tracer_provider()
        .expect("pipeline has a provider")
        .clone();
    let before = coresdk::stats();
    let rt = runtime();
    let mut group = c.benchmark_group(name);
    group.bench_function("bare", |b| b.iter(|| bare(black_box(3))));
    group.bench_function("trace", |b| paced(b, guard, || _ = traced(black_box(3))));
    group.bench_function("trace_attrs", |b| {
        paced(b, guard, || _ = traced_attrs(black_box(3)));
    });
    group.bench_function("tracing_instrument", |b| {
        paced(b, guard, || _ = instrumented(black_box(3)));
    });
    group.bench_function("tracing_instrument_same_fields", |b| {
        paced(b, guard, || _ = instrumented_same_fields(black_box(3)));
    });
    group.bench_function("async_bare", |b| {
        b.iter(|| rt.block_on(bare_async(black_box(3))));
    });
    group.bench_function("async_trace", |b| {
        paced(b, guard, || _ = rt.block_on(traced_async(black_box(3))));
    });
    group.bench_function("async_tracing_instrument", |b| {
        paced(b, guard, || {
            _ = rt.block_on(instrumented_async(black_box(3)));
        });
    });
    let tracer = provider.tracer("bench");
    group.bench_function("otel_sdk_span_3_attrs", |b| {
        paced(b, guard, || {
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
    let after = coresdk::stats();
    eprintln!(
        "{name}: {} spans handed on, {} dropped (queue full)",
        after.exported - before.exported,
        after.dropped - before.dropped
    );
}

/// Runs `f` with `coresdk::layer()` (per-layer target filter) on a registry
/// as the thread's default subscriber, then shuts the pipeline down.
fn under_layer(context_activation: bool, f: impl FnOnce(&Guard)) {
    let (layer, guard) =
        coresdk::layer(pipeline_config(context_activation)).expect("pipeline starts");
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || f(&guard));
    drop(dispatch);
    let _ = guard.shutdown();
}

/// (b) as an application composes it: `coresdk::layer()`.
fn composed_layer(c: &mut Criterion) {
    under_layer(false, |guard| {
        under_subscriber(c, "full_pipeline_layer", guard);
    });
}

/// What the opt-in OpenTelemetry context activation costs: `coresdk::layer()`
/// with it on, the sync and async `#[trace]` and `tracing::instrument` cases.
fn context_activation(c: &mut Criterion) {
    let rt = runtime();
    under_layer(true, |guard| {
        let mut group = c.benchmark_group("full_pipeline_layer_context_activation");
        group.bench_function("trace", |b| paced(b, guard, || _ = traced(black_box(3))));
        group.bench_function("tracing_instrument", |b| {
            paced(b, guard, || _ = instrumented(black_box(3)));
        });
        group.bench_function("async_trace", |b| {
            paced(b, guard, || _ = rt.block_on(traced_async(black_box(3))));
        });
        group.finish();
    });
}

/// (b) through `coresdk::instrument_with()`: the global subscriber, as
/// `coresdk::instrument()` installs it. Runs last: it cannot be uninstalled.
fn full_pipeline(c: &mut Criterion) {
    let guard = coresdk::instrument_with(pipeline_config(false)).expect("pipeline starts");
    under_subscriber(c, "full_pipeline", &guard);
    let _ = guard.shutdown();
}

criterion_group!(
    benches,
    no_subscriber,
    composed_layer,
    context_activation,
    full_pipeline
);
criterion_main!(benches);

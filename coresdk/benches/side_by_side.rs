//! CoreSDK's `#[trace]` span beside the OpenTelemetry SDK's own span, fastrace
//! and `tracing-opentelemetry`, in one process, interleaved.
//!
//! Each sample is one call: a root span with 100 child spans of 3 string
//! attributes. Rows:
//!
//! 1. `#[coresdk::trace(intent, attrs(a, b, c))]` under `instrument()` (the
//!    full chain: masking, diagnostics, no exporter);
//! 2. the same through `coresdk::layer()` on a registry;
//! 3. an OpenTelemetry SDK span with 3 attributes, `BatchSpanProcessor`;
//! 4. `#[fastrace::trace]` with 3 properties (a discarding reporter);
//! 5. `#[tracing::instrument]` + `tracing-opentelemetry` with its defaults.
//!
//! Paced: after each call the thread sleeps 1 ms so every background worker
//! drains; the order of the rows is rotated every round. Tight: the calls run
//! back to back. Prints ns per child span on the calling thread (median over
//! the rounds) and, per round, the ratio of each row to the SDK's span and to
//! fastrace (median of the paired ratios).
//!
//! `cargo bench -p coresdk --bench side_by_side` (`CORESDK_BENCH_ROUNDS`,
//! default 400).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use coresdk::config::ExporterKind;
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt as _;

const CHILDREN: u32 = 100;
const ROWS: [&str; 5] = [
    "coresdk #[trace] under instrument()",
    "coresdk #[trace] through layer()",
    "OpenTelemetry SDK span",
    "fastrace #[trace]",
    "tracing::instrument + tracing-opentelemetry",
];
const SDK: usize = 2;
const FASTRACE: usize = 3;

#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

struct DiscardReporter;

impl fastrace::collector::Reporter for DiscardReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        black_box(spans);
    }
}

#[coresdk::trace(intent = "benchmark child span", attrs(a = a, b = b, c = c))]
#[inline(never)]
fn coresdk_child(a: &str, b: &str, c: &str) {
    black_box((a, b, c));
}

#[coresdk::trace(intent = "benchmark root span")]
#[inline(never)]
fn coresdk_root(values: &[&str; 3]) {
    for _ in 0..CHILDREN {
        coresdk_child(values[0], values[1], values[2]);
    }
}

#[fastrace::trace(properties = { "a": "{a}", "b": "{b}", "c": "{c}" })]
#[inline(never)]
fn fastrace_child(a: &str, b: &str, c: &str) {
    black_box((a, b, c));
}

fn fastrace_root(values: &[&str; 3]) {
    let root = fastrace::Span::root("root", fastrace::prelude::SpanContext::random());
    let _guard = root.set_local_parent();
    for _ in 0..CHILDREN {
        fastrace_child(values[0], values[1], values[2]);
    }
}

#[tracing::instrument(skip_all, fields(a = a, b = b, c = c))]
#[inline(never)]
fn instrumented_child(a: &str, b: &str, c: &str) {
    black_box((a, b, c));
}

#[tracing::instrument(skip_all)]
#[inline(never)]
fn instrumented_root(values: &[&str; 3]) {
    for _ in 0..CHILDREN {
        instrumented_child(values[0], values[1], values[2]);
    }
}

fn sdk_root(tracer: &opentelemetry_sdk::trace::SdkTracer, values: &[&str; 3]) {
    let root = tracer.start("root");
    let cx = opentelemetry::Context::current_with_span(root);
    for _ in 0..CHILDREN {
        let mut span = tracer
            .span_builder("child")
            .with_attributes([
                KeyValue::new("a", values[0].to_owned()),
                KeyValue::new("b", values[1].to_owned()),
                KeyValue::new("c", values[2].to_owned()),
            ])
            .start_with_context(tracer, &cx);
        span.end();
    }
    cx.span().end();
}

fn batch_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build()
}

fn config() -> coresdk::Config {
    coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .build()
        .expect("config")
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs one round.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let rounds: usize = if smoke {
        2
    } else {
        std::env::var("CORESDK_BENCH_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(400)
    };

    let guard = coresdk::instrument_with(config()).expect("instrument");
    let (layer, layer_guard) =
        coresdk::layer::<tracing_subscriber::Registry>(config()).expect("layer");
    let layered = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));

    let sdk_provider = batch_provider();
    let sdk_tracer = sdk_provider.tracer("bench");

    fastrace::set_reporter(DiscardReporter, fastrace::collector::Config::default());

    let otel_provider = batch_provider();
    let otel = tracing::Dispatch::new(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(otel_provider.tracer("bench"))),
    );

    let values = ["alpha-value", "beta-value", "gamma-value"];
    let run = |row: usize| -> Duration {
        let start = Instant::now();
        match row {
            0 => coresdk_root(&values),
            1 => tracing::dispatcher::with_default(&layered, || coresdk_root(&values)),
            2 => sdk_root(&sdk_tracer, &values),
            3 => fastrace_root(&values),
            _ => tracing::dispatcher::with_default(&otel, || instrumented_root(&values)),
        }
        start.elapsed()
    };

    // `CORESDK_BENCH_ONLY=N`: run row N alone, back to back (for a profiler).
    if let Some(row) = std::env::var("CORESDK_BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut took = Duration::ZERO;
        for _ in 0..rounds {
            took += run(row);
        }
        println!(
            "{}: {:.0} ns per child span over {rounds} calls",
            ROWS[row.min(ROWS.len() - 1)],
            took.as_nanos() as f64 / f64::from(CHILDREN) / rounds as f64
        );
        return;
    }

    for (mode, pause) in [("paced", Some(Duration::from_millis(1))), ("tight", None)] {
        let mut samples: [Vec<f64>; 5] = Default::default();
        for round in 0..rounds {
            for i in 0..ROWS.len() {
                let row = (round + i) % ROWS.len();
                let took = run(row);
                samples[row].push(took.as_nanos() as f64 / f64::from(CHILDREN));
                if let Some(pause) = pause {
                    std::thread::sleep(pause);
                }
            }
        }
        println!("\n{mode}: ns per child span, median of {rounds} rounds");
        println!(
            "{:<46} {:>9} {:>12} {:>12}",
            "row", "ns/span", "÷ SDK span", "÷ fastrace"
        );
        for row in 0..ROWS.len() {
            let ratio = |other: usize| {
                let mut r: Vec<f64> = samples[row]
                    .iter()
                    .zip(&samples[other])
                    .map(|(a, b)| a / b)
                    .collect();
                median(&mut r)
            };
            let (vs_sdk, vs_fastrace) = (ratio(SDK), ratio(FASTRACE));
            let ns = median(&mut samples[row].clone());
            println!(
                "{:<46} {ns:>9.0} {vs_sdk:>12.2} {vs_fastrace:>12.2}",
                ROWS[row]
            );
        }
    }

    fastrace::flush();
    let stats = guard.stats();
    let layer_stats = layer_guard.stats();
    println!(
        "\ndropped: instrument() {}, layer() {}",
        stats.dropped, layer_stats.dropped
    );
    drop(layered);
    let _ = layer_guard.shutdown();
    let _ = guard.shutdown();
    let _ = sdk_provider.shutdown();
    let _ = otel_provider.shutdown();
}

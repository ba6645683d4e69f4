//! Frames per second of the diagnostic stage, as the pipeline worker runs it:
//! `LlmDiagnostic::on_end` with the real egress thread behind it (no listener
//! on the socket, so span events go to the bounded backlog).
//!
//! Run briefly: `cargo bench -p coresdk --bench diagnostic -- --warm-up-time 1 --measurement-time 3`.
#![allow(missing_docs)]

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use coresdk::Config;
use coresdk::config::ExporterKind;
use coresdk::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CORESDK_INTENT, CORESDK_PROBLEM_DETAIL,
    CORESDK_PROBLEM_STATUS,
};
use coresdk::pipeline::LlmDiagnostic;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

const SPANS_PER_TRACE: u64 = 8;

fn span(trace: u128, id: u64, parent: u64, error: bool) -> SpanData {
    let end = SystemTime::now();
    let mut attributes = vec![
        KeyValue::new(CORESDK_INTENT, "call downstream inventory service"),
        KeyValue::new(CODE_FUNCTION_NAME, "orders::inventory::check_inventory"),
        KeyValue::new(CODE_FILE_PATH, "src/orders/inventory.rs"),
        KeyValue::new(CODE_LINE_NUMBER, 17_i64),
        KeyValue::new("order.id", "o-123456"),
    ];
    if error {
        attributes.push(KeyValue::new(CORESDK_PROBLEM_STATUS, 504_i64));
        attributes.push(KeyValue::new(
            CORESDK_PROBLEM_DETAIL,
            "inventory service did not respond within 2000ms",
        ));
    }
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(trace),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::from(parent),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: Cow::Borrowed("check_inventory"),
        start_time: end - Duration::from_millis(2),
        end_time: end,
        attributes,
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: if error {
            Status::error("timeout")
        } else {
            Status::Unset
        },
        instrumentation_scope: InstrumentationScope::builder("bench").build(),
    }
}

/// One trace of `SPANS_PER_TRACE` spans, children first, root last.
fn trace(n: u128, failing: bool) -> Vec<SpanData> {
    let base = (n as u64) * 100;
    let mut spans: Vec<SpanData> = (1..SPANS_PER_TRACE)
        .rev()
        .map(|s| {
            span(
                n,
                base + s + 1,
                base + s,
                failing && s == SPANS_PER_TRACE - 1,
            )
        })
        .collect();
    spans.push(span(n, base + 1, 0, false));
    spans
}

fn stage(enabled: bool, dir: &tempfile::TempDir) -> LlmDiagnostic {
    let config = Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_socket(dir.path().join("core.sock"))
        .with_llm_export(enabled)
        .build()
        .expect("config");
    LlmDiagnostic::from_config(&config).expect("stage")
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("diagnostic_on_end");
    group.throughput(Throughput::Elements(SPANS_PER_TRACE));
    let cases = [
        ("export_off_viewer_only", false, 0),
        ("export_on_no_failures", true, 0),
        ("export_on_10pct_failing", true, 10),
        ("export_on_all_failing", true, 1),
    ];
    for (name, enabled, fail_every) in cases {
        let stage = stage(enabled, &dir);
        let traces: Vec<Vec<SpanData>> = (1..=1000_u128)
            .map(|n| trace(n, fail_every > 0 && n % fail_every == 0))
            .collect();
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    i = (i + 1) % traces.len();
                    traces[i].clone()
                },
                |spans| {
                    for s in spans {
                        stage.on_end(s);
                    }
                },
                criterion::BatchSize::SmallInput,
            );
        });
        let _ = stage.shutdown_with_timeout(Duration::from_secs(5));
        eprintln!(
            "{name}: table {:?}, egress {:?}",
            stage.table_stats(),
            stage.egress_counts()
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

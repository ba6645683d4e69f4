//! Memory stays flat: 1 M spans, 10 % of traces failing, 1 % never ending.
//!
//! Drives the stage's `on_end` directly (as the worker thread does) with no
//! listener on the socket, so the egress backlog is exercised too.

use crate::common;

use std::time::Instant;

use common::{builder, rss_bytes, socket_in, span_data};
use coresdk::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CORESDK_INTENT, CORESDK_PROBLEM_DETAIL,
    CORESDK_PROBLEM_STATUS,
};
use coresdk::pipeline::{DiagnosticLimits, LlmDiagnostic};
use opentelemetry::KeyValue;

const SPANS_PER_TRACE: u64 = 10;

fn spans_total() -> u64 {
    std::env::var("CORESDK_SOAK_SPANS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

#[test]
fn memory_is_flat_under_failing_and_never_ending_traces() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let cfg = builder(&socket, "soak-service")
        .with_llm_export(true)
        .build()
        .expect("config");
    // Fewer traces in flight than never-ending ones, so eviction is exercised.
    let limits = DiagnosticLimits::default().with_max_traces(512);
    let (max_traces, max_frames) = (limits.max_traces(), limits.max_total_frames());
    let stage = LlmDiagnostic::with_limits(&cfg, limits).expect("stage");

    let total = spans_total();
    let traces = total / SPANS_PER_TRACE;
    let started = Instant::now();
    let mut rss_at_quarter = 0;
    let mut max_seen = (0, 0);
    let attrs = |i: u64| {
        vec![
            KeyValue::new(CORESDK_INTENT, "process one soak item"),
            KeyValue::new(CODE_FUNCTION_NAME, "soak::worker::step"),
            KeyValue::new(CODE_FILE_PATH, "src/soak.rs"),
            KeyValue::new(CODE_LINE_NUMBER, (i % 100) as i64),
            KeyValue::new("payload.value", format!("value-{i}")),
        ]
    };
    for t in 0..traces {
        let trace_id = u128::from(t) + 1;
        let failing = t % 10 == 0;
        let never_ends = t % 100 == 7;
        // Children end first, each a child of the previous one, the root last.
        for s in (1..SPANS_PER_TRACE).rev() {
            let error = failing && s == SPANS_PER_TRACE - 1;
            let mut a = attrs(s);
            if error {
                a.push(KeyValue::new(CORESDK_PROBLEM_STATUS, 503_i64));
                a.push(KeyValue::new(
                    CORESDK_PROBLEM_DETAIL,
                    "downstream unavailable",
                ));
            }
            stage.on_end(span_data(
                trace_id,
                t * 100 + s + 1,
                t * 100 + s,
                "step",
                a,
                error,
            ));
        }
        if !never_ends {
            stage.on_end(span_data(trace_id, t * 100 + 1, 0, "root", attrs(0), false));
        }
        let stats = stage.table_stats();
        max_seen = (max_seen.0.max(stats.traces), max_seen.1.max(stats.frames));
        if t == traces / 4 {
            rss_at_quarter = rss_bytes();
        }
    }
    let elapsed = started.elapsed();
    let rss_end = rss_bytes();
    let stats = stage.table_stats();
    stage
        .shutdown_with_timeout(std::time::Duration::from_secs(10))
        .expect("shutdown");
    let egress = stage.egress_counts();

    eprintln!(
        "soak: {total} spans in {elapsed:?} ({:.0} spans/s); table max {} traces / {} frames; \
         now {stats:?}; egress {egress:?}; rss {:.1} MiB at 25 %, {:.1} MiB at end",
        total as f64 / elapsed.as_secs_f64(),
        max_seen.0,
        max_seen.1,
        rss_at_quarter as f64 / 1_048_576.0,
        rss_end as f64 / 1_048_576.0,
    );
    // Bounded state.
    assert!(max_seen.0 <= max_traces, "{max_seen:?}");
    assert!(
        max_seen.1 <= max_frames + SPANS_PER_TRACE as usize,
        "{max_seen:?}"
    );
    let never_ending = (traces / 100) as usize;
    assert!(stats.traces <= never_ending.min(max_traces), "{stats:?}");
    if never_ending > max_traces {
        assert!(
            stats.evicted as usize >= never_ending - max_traces,
            "{stats:?}"
        );
    }
    assert_eq!(stats.completed, traces - traces / 100);
    // Every failing, ending trace produced a payload (handled or counted as dropped).
    let failing_ending = (0..traces).filter(|t| t % 10 == 0 && t % 100 != 7).count() as u64;
    assert_eq!(
        egress.payloads + egress.payloads_dropped,
        failing_ending,
        "{egress:?}"
    );
    // Flat memory: growth over the last three quarters stays small.
    let growth = rss_end.saturating_sub(rss_at_quarter);
    assert!(
        growth < 24 * 1024 * 1024,
        "RSS grew by {:.1} MiB",
        growth as f64 / 1_048_576.0
    );
}

#[test]
fn idle_traces_are_forgotten() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let cfg = builder(&socket, "idle-service")
        .with_llm_export(true)
        .build()
        .expect("config");
    let limits =
        DiagnosticLimits::default().with_idle_timeout(std::time::Duration::from_millis(50));
    let stage = LlmDiagnostic::with_limits(&cfg, limits).expect("stage");
    stage.on_end(span_data(1, 2, 1, "child", Vec::new(), true));
    assert_eq!(stage.table_stats().traces, 1);
    std::thread::sleep(std::time::Duration::from_millis(80));
    stage.force_flush().expect("flush");
    let stats = stage.table_stats();
    assert_eq!((stats.traces, stats.frames, stats.evicted), (0, 0, 1));
    stage
        .shutdown_with_timeout(std::time::Duration::from_secs(5))
        .expect("shutdown");
}

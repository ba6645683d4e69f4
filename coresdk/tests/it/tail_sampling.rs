//! Tail sampling through the public pipeline: interesting traces are kept
//! whole, the base rate holds, and undecided traces stay bounded.

use std::time::Duration;

use coresdk::config::{ExporterKind, KeepCondition, KeepRule, TailSamplingConfig};
use coresdk::testing::SpanCapture;
use opentelemetry::trace::TraceId;
use tracing_subscriber::layer::SubscriberExt as _;

fn pipeline(
    tail: TailSamplingConfig,
    capture: &SpanCapture,
) -> (
    impl tracing_subscriber::Layer<tracing_subscriber::Registry>,
    coresdk::Guard,
) {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_queue_size(1 << 17)
        .with_batch_delay(Duration::from_millis(20))
        // 100,000 spans through an unoptimised build on a busy machine can
        // take longer than the default flush budget; the budget is not what
        // these tests pin.
        .with_flush_timeout(Duration::from_mins(1))
        .with_tail_sampling(tail)
        .with_processor(capture.clone())
        .build()
        .expect("config");
    coresdk::layer(config).expect("layer")
}

fn traces(capture: &SpanCapture) -> std::collections::HashMap<TraceId, Vec<String>> {
    let mut out = std::collections::HashMap::<TraceId, Vec<String>>::default();
    for s in capture.spans() {
        out.entry(s.span_context.trace_id())
            .or_default()
            .push(s.name.to_string());
    }
    for names in out.values_mut() {
        names.sort();
    }
    out
}

#[test]
fn interesting_traces_are_kept_whole_and_the_rest_dropped() {
    let capture = SpanCapture::new();
    let tail = TailSamplingConfig::new(0.0)
        .with_latency_threshold(Duration::from_millis(30))
        .with_keep_rule(KeepRule::new(
            "user.tier",
            KeepCondition::Equals("enterprise".into()),
        ))
        .with_keep_rule(KeepRule::new(
            "llm.cost_usd",
            KeepCondition::GreaterThan(0.5),
        ));
    let (layer, guard) = pipeline(tail, &capture);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("boring").in_scope(|| {
            tracing::info_span!("boring_child").in_scope(|| {});
        });
        tracing::info_span!("failing").in_scope(|| {
            tracing::info_span!("failing_child").in_scope(|| {
                tracing::error!("downstream timed out");
            });
        });
        tracing::info_span!("truncated").in_scope(|| {
            tracing::info_span!("chat", "llm.truncated" = true).in_scope(|| {});
        });
        tracing::info_span!("slow").in_scope(|| {
            tracing::info_span!("slow_child")
                .in_scope(|| std::thread::sleep(Duration::from_millis(40)));
        });
        tracing::info_span!("enterprise", "user.tier" = "enterprise").in_scope(|| {
            tracing::info_span!("enterprise_child").in_scope(|| {});
        });
        tracing::info_span!("free", "user.tier" = "free").in_scope(|| {});
        tracing::info_span!("expensive").in_scope(|| {
            tracing::info_span!("expensive_chat", "llm.cost_usd" = 0.75).in_scope(|| {});
        });
        tracing::info_span!("cheap").in_scope(|| {
            tracing::info_span!("cheap_chat", "llm.cost_usd" = 0.01).in_scope(|| {});
        });
    });
    guard.flush().expect("flush");
    let kept: Vec<Vec<String>> = traces(&capture).into_values().collect();
    let mut kept_sorted = kept.clone();
    kept_sorted.sort();
    let expected: Vec<Vec<String>> = vec![
        vec!["chat".into(), "truncated".into()],
        vec!["enterprise".into(), "enterprise_child".into()],
        vec!["expensive".into(), "expensive_chat".into()],
        vec!["failing".into(), "failing_child".into()],
        vec!["slow".into(), "slow_child".into()],
    ];
    assert_eq!(kept_sorted, expected);
    let stats = guard.stats();
    assert_eq!(
        stats.sampled_out, 5,
        "boring (2) + free (1) + cheap (2): {stats:?}"
    );
    guard.shutdown().expect("shutdown");
}

#[test]
fn base_rate_holds_over_100k_traces() {
    let capture = SpanCapture::new();
    let (layer, guard) = pipeline(TailSamplingConfig::new(0.25), &capture);
    let subscriber = tracing_subscriber::registry().with(layer);
    let n = 100_000_u64;
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..n {
            tracing::info_span!("request").in_scope(|| {});
        }
    });
    guard.flush().expect("flush");
    let stats = guard.stats();
    assert_eq!(stats.dropped, 0, "the queue must not overflow in this test");
    let kept = capture.spans().len() as u64;
    assert_eq!(kept + stats.sampled_out, n);
    let rate = kept as f64 / n as f64;
    assert!(
        (rate - 0.25).abs() <= 0.25 * 0.02,
        "kept {rate:.4} of traces, expected 0.25 ± 2 %"
    );
    guard.shutdown().expect("shutdown");
}

#[test]
fn traces_whose_root_never_ends_stay_bounded() {
    let capture = SpanCapture::new();
    let tail = TailSamplingConfig::new(0.0).with_max_traces(100);
    let (layer, guard) = pipeline(tail, &capture);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..1_000 {
            let root = tracing::info_span!("never_ends");
            root.in_scope(|| tracing::info_span!("child").in_scope(|| {}));
            // The root is never closed, so its trace never completes.
            std::mem::forget(root);
        }
    });
    guard.flush().expect("flush");
    // Past 100 undecided traces the oldest are decided (and, at rate 0, dropped).
    assert!(guard.stats().sampled_out >= 900, "{:?}", guard.stats());
    guard.shutdown().expect("shutdown");
    assert!(capture.spans().is_empty(), "nothing here is worth keeping");
}

#[test]
fn undecided_traces_are_decided_after_the_timeout() {
    let capture = SpanCapture::new();
    let tail = TailSamplingConfig::new(0.0).with_decision_timeout(Duration::from_millis(100));
    let (layer, guard) = pipeline(tail, &capture);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let root = tracing::info_span!("never_ends");
        root.in_scope(|| {
            tracing::info_span!("failed_child").in_scope(|| tracing::error!("boom"));
        });
        std::mem::forget(root);
    });
    let spans = capture.wait_for(1, Duration::from_secs(5));
    assert_eq!(spans.len(), 1, "the error trace is kept once it times out");
    assert_eq!(spans[0].name, "failed_child");
    guard.shutdown().expect("shutdown");
}

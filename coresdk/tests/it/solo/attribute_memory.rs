//! Huge attribute values do not cost the application their size: 150 spans
//! each given a 10 MB value (as a `&str` field, a `Debug` field and through
//! `SpanExt::set_attribute`) stay far below 200 MB of peak RSS, because each
//! value is cut at the value length limit before it is copied.
//!
//! Alone in its test binary, so the peak RSS is this test's.

use std::time::{Duration, Instant};

use coresdk::SpanExt as _;
use coresdk::genai::TRUNCATION_MARKER;
use coresdk::testing::SpanCapture;
use tracing_subscriber::layer::SubscriberExt as _;

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

#[test]
fn a_hundred_and_fifty_ten_megabyte_values_stay_under_two_hundred_megabytes() {
    const SPANS: usize = 150;
    const VALUE: usize = 10_000_000;
    if coresdk_tests::solo::delegated() {
        return;
    }
    let capture = SpanCapture::new();
    let config = capture.config_builder().build().expect("config");
    let limit = config.pipeline().span_attribute_value_length_limit() as usize;
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let big = "x".repeat(VALUE);
    let started = Instant::now();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        for i in 0..SPANS {
            let span = match i % 3 {
                0 => tracing::info_span!("big", "app.value" = big.as_str()),
                1 => tracing::info_span!("big", "app.value" = ?big),
                _ => {
                    let span = tracing::info_span!("big");
                    span.set_attribute("app.value", big.clone());
                    span
                }
            };
            span.in_scope(|| {});
        }
    });
    let elapsed = started.elapsed();
    guard.flush().expect("flush");
    let peak = status_bytes("VmHWM:");
    let stats = guard.stats();
    eprintln!(
        "{SPANS} spans x {VALUE} bytes: peak RSS {} MB, {:?} per span on the application thread, {stats:?}",
        peak / 1_000_000,
        elapsed / SPANS as u32
    );
    assert!(peak > 0, "no VmHWM in /proc/self/status");
    assert!(peak < 200_000_000, "peak RSS {peak} bytes");
    assert_eq!(stats.exported, SPANS as u64, "{stats:?}");
    assert_eq!(stats.attributes_truncated, SPANS as u64, "{stats:?}");
    let spans = capture.wait_for(SPANS, Duration::from_secs(5));
    for span in &spans {
        let value = span
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "app.value")
            .map(|kv| kv.value.as_str().into_owned())
            .expect("app.value");
        assert!(value.ends_with(TRUNCATION_MARKER), "not cut");
        assert!(value.chars().count() <= limit + TRUNCATION_MARKER.chars().count());
    }
    guard.shutdown().expect("shutdown");
}

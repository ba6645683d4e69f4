//! Memory bounded in bytes, through the public API: string attribute values
//! are cut at the value length limit (on a character boundary, with the
//! truncation marker, counted), whichever way they are recorded, and the
//! handoff queue drops (and counts) spans over its byte budget.

use std::fmt;
use std::time::Duration;

use coresdk::SpanExt as _;
use coresdk::genai::TRUNCATION_MARKER;
use coresdk::testing::SpanCapture;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;
use tracing_subscriber::layer::SubscriberExt as _;

fn builder(capture: &SpanCapture) -> coresdk::ConfigBuilder {
    capture.config_builder().with_pii_masking(false)
}

fn attr<'a>(span: &'a SpanData, key: &str) -> &'a Value {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map_or_else(|| panic!("no {key} on {}", span.name), |kv| &kv.value)
}

fn cut(text: &str) -> String {
    format!("{text}{TRUNCATION_MARKER}")
}

/// A value whose `Debug` output is huge and written in many pieces.
struct Chatty(usize);

impl fmt::Debug for Chatty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for _ in 0..self.0 {
            f.write_str("ab")?;
        }
        Ok(())
    }
}

#[test]
fn long_values_are_cut_on_a_char_boundary_with_the_marker_and_counted() {
    let capture = SpanCapture::new();
    let config = builder(&capture)
        .with_span_attribute_value_length_limit(8)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!(
            "values",
            "app.short" = "12345678",
            "app.str" = "0123456789",
            "app.wide" = "日本語のテキストです",
            "app.debug" = ?Chatty(1_000_000),
            "app.display" = %"display me whole",
        );
        span.set_attribute("app.set", "set_attribute value".to_owned());
        span.set_attribute(
            "app.list",
            Value::Array(Array::String(vec![
                StringValue::from("ok"),
                StringValue::from("much too long"),
            ])),
        );
        span.add_event(
            "added",
            vec![KeyValue::new("app.event", "event value too long")],
        );
        span.in_scope(|| {
            tracing::info!(app.field = "recorded event field", "event message");
        });
    });
    guard.flush().expect("flush");
    let span = capture.find("values").expect("span");
    assert_eq!(
        attr(&span, "app.short").as_str(),
        "12345678",
        "at the limit"
    );
    assert_eq!(attr(&span, "app.str").as_str(), cut("01234567"));
    assert_eq!(attr(&span, "app.wide").as_str(), cut("日本語のテキスト"));
    assert_eq!(attr(&span, "app.debug").as_str(), cut("abababab"));
    assert_eq!(attr(&span, "app.display").as_str(), cut("display "));
    assert_eq!(attr(&span, "app.set").as_str(), cut("set_attr"));
    assert_eq!(
        attr(&span, "app.list"),
        &Value::Array(Array::String(vec![
            StringValue::from("ok"),
            StringValue::from(cut("much too")),
        ]))
    );
    let added = span
        .events
        .iter()
        .find(|e| e.name == "added")
        .expect("added event");
    assert_eq!(added.attributes[0].value.as_str(), cut("event va"));
    let recorded = span
        .events
        .iter()
        .find(|e| e.name.starts_with("event me"))
        .expect("recorded event");
    assert_eq!(recorded.name, cut("event me"));
    let field = recorded
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "app.field")
        .expect("event field");
    assert_eq!(field.value.as_str(), cut("recorded"));
    // str, wide, debug, display, set, one list element, two event values and
    // the event's message.
    assert_eq!(guard.stats().attributes_truncated, 9);
    guard.shutdown().expect("shutdown");
}

#[test]
fn spans_of_the_opentelemetry_api_are_cut_too() {
    let capture = SpanCapture::new();
    let config = builder(&capture)
        .with_span_attribute_value_length_limit(4)
        .build()
        .expect("config");
    let (_layer, guard) = coresdk::layer::<tracing_subscriber::Registry>(config).expect("layer");
    let tracer = guard.tracer_provider().expect("provider").tracer("api");
    let mut span = tracer.start("api span");
    span.set_attribute(KeyValue::new("app.long", "abcdefgh"));
    span.set_attribute(KeyValue::new("app.short", "abcd"));
    span.add_event("evt", vec![KeyValue::new("app.event", "123456")]);
    span.end();
    guard.flush().expect("flush");
    let span = capture.find("api span").expect("span");
    assert_eq!(attr(&span, "app.long").as_str(), cut("abcd"));
    assert_eq!(attr(&span, "app.short").as_str(), "abcd");
    assert_eq!(
        span.events.events[0].attributes[0].value.as_str(),
        cut("1234")
    );
    assert_eq!(guard.stats().attributes_truncated, 2);
    guard.shutdown().expect("shutdown");
}

#[test]
fn spans_over_the_queue_byte_budget_are_dropped_and_counted() {
    let capture = SpanCapture::new();
    let budget = 1 << 20;
    let config = builder(&capture)
        .with_span_attribute_value_length_limit(1 << 20)
        .with_queue_max_bytes(budget)
        .with_batch_delay(Duration::from_secs(10))
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    // Each span holds 600 KiB: one fits the budget, two do not. The worker
    // sleeps up to 100 ms between drains (nothing wakes it early: the queue
    // is far from a quarter full), so almost all of a quick burst is over it.
    let blob = "x".repeat(600 << 10);
    let n = 50;
    for _ in 0..n {
        tracing::info_span!("blob", "app.blob" = blob.as_str()).in_scope(|| {});
    }
    guard.flush().expect("flush");
    let stats = guard.stats();
    assert!(stats.dropped >= 40, "{stats:?}");
    assert_eq!(stats.exported + stats.dropped, n, "{stats:?}");
    assert_eq!(capture.spans().len() as u64, stats.exported);
    // Taken off the queue, the spans no longer count against the budget.
    tracing::info_span!("after", "app.blob" = blob.as_str()).in_scope(|| {});
    guard.flush().expect("flush");
    assert!(capture.find("after").is_some(), "{:?}", guard.stats());
    guard.shutdown().expect("shutdown");
}

//! Shared helpers for the `#[trace]` integration tests: run code under a
//! CoreSDK pipeline (`coresdk::layer`, no exporter, a `SpanCapture`
//! processor) and look spans and attributes up.
#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::future::Future;

use coresdk::config::ConfigBuilder;
use coresdk::testing::SpanCapture;
use opentelemetry::trace::{SpanId, Status};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::SpanData;
use tracing_subscriber::layer::SubscriberExt as _;

fn pipeline(
    configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
) -> (SpanCapture, coresdk::Guard, tracing::Dispatch) {
    let capture = SpanCapture::new();
    let builder = capture.config_builder();
    let config = configure(builder).build().expect("test config is valid");
    let (layer, guard) = coresdk::layer(config).expect("pipeline starts");
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    (capture, guard, dispatch)
}

/// Runs `f` with a fresh pipeline as this thread's default subscriber, shuts
/// the pipeline down (flushing every span) and returns what was exported.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Spans) {
    capture_configured(|builder| builder, f)
}

/// Like [`capture`], with the pipeline's config adjusted by `configure`.
pub fn capture_configured<R>(
    configure: impl FnOnce(ConfigBuilder) -> ConfigBuilder,
    f: impl FnOnce() -> R,
) -> (R, Spans) {
    let (capture, guard, dispatch) = pipeline(configure);
    let result = tracing::dispatcher::with_default(&dispatch, f);
    drop(dispatch);
    guard.shutdown().expect("pipeline shuts down");
    (result, Spans(capture.spans()))
}

/// Like [`capture`], driving `f()` to completion on a current-thread tokio runtime.
pub fn capture_async<F: Future>(f: impl FnOnce() -> F) -> (F::Output, Spans) {
    capture(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime builds")
            .block_on(f())
    })
}

/// Exported spans.
#[derive(Debug)]
pub struct Spans(pub Vec<SpanData>);

impl Spans {
    /// The only span called `name`.
    pub fn one(&self, name: &str) -> &SpanData {
        let found: Vec<_> = self.0.iter().filter(|s| s.name == name).collect();
        assert_eq!(
            found.len(),
            1,
            "expected exactly one span {name:?}, got {:?}",
            self.names()
        );
        found[0]
    }

    /// Every span name, in end order.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|s| s.name.to_string()).collect()
    }

    /// Asserts `child`'s parent is `parent` (same trace).
    pub fn assert_parent(&self, child: &str, parent: &str) {
        let (c, p) = (self.one(child), self.one(parent));
        assert_eq!(
            c.parent_span_id,
            p.span_context.span_id(),
            "{child} should be a child of {parent}"
        );
        assert_eq!(c.span_context.trace_id(), p.span_context.trace_id());
    }

    /// Asserts `name` is a root span.
    pub fn assert_root(&self, name: &str) {
        assert_eq!(
            self.one(name).parent_span_id,
            SpanId::INVALID,
            "{name} should be a root"
        );
    }
}

/// The span named `name` among `spans`; panics with every name if absent.
pub fn find<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
        let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
        panic!("no span {name:?} in {names:?}")
    })
}

/// The value of attribute `key` on `span`.
pub fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

/// The string value of attribute `key`; panics if absent.
pub fn attr_str(span: &SpanData, key: &str) -> String {
    match attr(span, key) {
        Some(v) => v.as_str().into_owned(),
        None => panic!(
            "span {} has no attribute {key}: {:?}",
            span.name, span.attributes
        ),
    }
}

/// How many times attribute `key` appears on `span`.
pub fn attr_count(span: &SpanData, key: &str) -> usize {
    span.attributes
        .iter()
        .filter(|kv| kv.key.as_str() == key)
        .count()
}

/// Whether the span ended with status Error.
pub fn is_error(span: &SpanData) -> bool {
    matches!(span.status, Status::Error { .. })
}

/// Every string an exporter could see on `span`: name, attribute keys and
/// values, event names and attributes, status description.
pub fn all_text(span: &SpanData) -> String {
    let mut out = format!("{} ", span.name);
    for kv in &span.attributes {
        let _ = write!(out, "{}={} ", kv.key, kv.value);
    }
    for event in span.events.iter() {
        let _ = write!(out, "{} ", event.name);
        for kv in &event.attributes {
            let _ = write!(out, "{}={} ", kv.key, kv.value);
        }
    }
    if let Status::Error { description } = &span.status {
        out.push_str(description);
    }
    out
}

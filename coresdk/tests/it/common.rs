//! Shared helpers for the diagnostic / egress integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use coresdk::Config;
use coresdk::config::{ConfigBuilder, ExporterKind};
use coresdk::egress::viewer::Viewer;
use coresdk::egress::{
    CloudEvent, DiagnosticPayload, SpanRecord, TYPE_LLM_DIAGNOSTIC, TYPE_TRACE_SPAN,
};
use coresdk::testing::SpanCapture;
use tracing_subscriber::layer::SubscriberExt;

/// The seed's policy, verbatim.
pub const SEED_POLICY: &str = r#"package acme.llm

import future.keywords.if

default allow = false

# Only export LLM diagnostics for errors — not slow-but-successful spans
allow if {
    input.error.status >= 500
    not contains(input.service, "payment") # payment service exports nothing externally
}
"#;

/// A config builder isolated from the environment and any file, exporting nowhere.
pub fn builder(socket: &Path, service: &str) -> ConfigBuilder {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_service_name(service)
        .with_socket(socket)
}

/// A traced program: the real pipeline (`coresdk::layer`: handoff →
/// masking → diagnostic → capture).
pub struct Stack {
    guard: Option<coresdk::Guard>,
    pub dispatch: tracing::Dispatch,
    pub capture: SpanCapture,
}

impl Stack {
    /// The real pipeline, through `coresdk::layer`.
    pub fn new(builder: ConfigBuilder) -> Self {
        let capture = SpanCapture::new();
        let config = builder
            .with_processor(capture.clone())
            .build()
            .expect("config");
        let (layer, guard) = coresdk::layer(config).expect("pipeline starts");
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        Self {
            guard: Some(guard),
            dispatch,
            capture,
        }
    }

    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, f)
    }

    /// Pushes everything ended so far through the chain (egress thread included).
    pub fn flush(&self) {
        if let Some(g) = &self.guard {
            g.flush().expect("flush");
        }
    }

    /// Flushes the chain (egress thread included) and stops it.
    pub fn shutdown(mut self) {
        if let Some(g) = self.guard.take() {
            g.shutdown().expect("pipeline shuts down");
        }
    }
}

pub fn socket_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("run").join("core.sock")
}

pub fn payloads(events: &[CloudEvent]) -> Vec<DiagnosticPayload> {
    events
        .iter()
        .filter(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .map(|e| serde_json::from_value(e.data.clone()).expect("diagnostic data is a payload"))
        .collect()
}

pub fn spans(events: &[CloudEvent]) -> Vec<SpanRecord> {
    events
        .iter()
        .filter(|e| e.event_type == TYPE_TRACE_SPAN)
        .map(|e| serde_json::from_value(e.data.clone()).expect("span data"))
        .collect()
}

pub fn count(events: &[CloudEvent], ty: &str) -> usize {
    events.iter().filter(|e| e.event_type == ty).count()
}

/// Waits until `n` events of type `ty` arrived.
pub fn wait_for(viewer: &Viewer, ty: &str, n: usize) -> Vec<CloudEvent> {
    viewer.collect_until(Duration::from_secs(10), |evs| count(evs, ty) >= n)
}

/// Checks a payload against the seed's JSON shape.
pub fn assert_seed_shape(json: &str) {
    let v: serde_json::Value = serde_json::from_str(json).expect("payload is JSON");
    let obj = v.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "call_chain",
            "egress_decision",
            "egress_policy",
            "error",
            "sdk_version",
            "service"
        ]
    );
    assert!(v["sdk_version"].is_string() && v["service"].is_string());
    let err = v["error"].as_object().expect("error object");
    let mut ek: Vec<&str> = err.keys().map(String::as_str).collect();
    ek.sort_unstable();
    assert_eq!(ek, ["detail", "status", "title", "type"]);
    assert!(v["error"]["type"].is_string() && v["error"]["title"].is_string());
    assert!(v["error"]["status"].is_u64() || v["error"]["status"].is_null());
    assert!(v["error"]["detail"].is_string() || v["error"]["detail"].is_null());
    assert!(matches!(
        v["egress_decision"].as_str(),
        Some("allow" | "deny")
    ));
    for frame in v["call_chain"].as_array().expect("chain") {
        let f = frame.as_object().expect("frame object");
        if f.contains_key("elided_frames") {
            assert_eq!(f.len(), 1);
            assert!(frame["elided_frames"].is_u64());
            continue;
        }
        for key in f.keys() {
            assert!(
                [
                    "module",
                    "file",
                    "line",
                    "intent",
                    "duration_ms",
                    "error",
                    "recovery_hint"
                ]
                .contains(&key.as_str()),
                "unexpected frame key {key}"
            );
        }
        assert!(frame["module"].is_string() && frame["intent"].is_string());
        assert!(frame["file"].is_string() || frame["file"].is_null());
        assert!(frame["line"].is_u64() || frame["line"].is_null());
        assert!(frame["duration_ms"].is_u64() && frame["error"].is_boolean());
    }
}

/// A processor that drops everything (the end of the chain in soaks and benches).
#[derive(Debug, Default)]
pub struct Discard;

impl opentelemetry_sdk::trace::SpanProcessor for Discard {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {}
    fn on_end(&self, _span: opentelemetry_sdk::trace::SpanData) {}
    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> opentelemetry_sdk::error::OTelSdkResult {
        Ok(())
    }
}

/// A synthetic finished span, as the SDK would hand it to `on_end`.
pub fn span_data(
    trace: u128,
    span: u64,
    parent: u64,
    name: &'static str,
    attributes: Vec<opentelemetry::KeyValue>,
    error: bool,
) -> opentelemetry_sdk::trace::SpanData {
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    let end = std::time::SystemTime::now();
    opentelemetry_sdk::trace::SpanData {
        span_context: SpanContext::new(
            TraceId::from(trace),
            SpanId::from(span),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: SpanId::from(parent),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: std::borrow::Cow::Borrowed(name),
        start_time: end - Duration::from_millis(3),
        end_time: end,
        attributes,
        dropped_attributes_count: 0,
        events: opentelemetry_sdk::trace::SpanEvents::default(),
        links: opentelemetry_sdk::trace::SpanLinks::default(),
        status: if error {
            Status::error("boom")
        } else {
            Status::Unset
        },
        instrumentation_scope: opentelemetry::InstrumentationScope::builder("synthetic").build(),
    }
}

/// Resident set size of this process, in bytes (Linux).
pub fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * 4096)
}

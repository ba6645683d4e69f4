//! The data of a `dev.coresdk.trace.span` event: one finished span with all of
//! its (already masked) attributes and events, for the local viewer.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use serde::{Deserialize, Serialize};
use serde_json::Map;

/// A finished span as the local viewer receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanRecord {
    /// Hex trace id.
    pub trace_id: String,
    /// Hex span id.
    pub span_id: String,
    /// Hex id of the parent span, if any.
    pub parent_span_id: Option<String>,
    /// Whether the parent is in another process.
    #[serde(default)]
    pub parent_is_remote: bool,
    /// Span name.
    pub name: String,
    /// `internal`, `server`, `client`, `producer` or `consumer`.
    pub kind: String,
    /// Start, in nanoseconds since the Unix epoch.
    pub start_unix_nano: u64,
    /// End, in nanoseconds since the Unix epoch.
    pub end_unix_nano: u64,
    /// `end - start`, in milliseconds.
    pub duration_ms: f64,
    /// `unset`, `ok` or `error`.
    pub status: String,
    /// The error description of an `error` status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// Every attribute, as JSON values.
    pub attributes: Map<String, serde_json::Value>,
    /// Span events (logs, exceptions).
    #[serde(default)]
    pub events: Vec<SpanEventRecord>,
}

/// An event recorded on a span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanEventRecord {
    /// Event name.
    pub name: String,
    /// Time, in nanoseconds since the Unix epoch.
    pub time_unix_nano: u64,
    /// Event attributes.
    pub attributes: Map<String, serde_json::Value>,
}

impl SpanRecord {
    /// Converts a finished span.
    pub fn from_span(span: &SpanData) -> Self {
        let start = nanos(span.start_time);
        let end = nanos(span.end_time);
        let (status, status_message) = match &span.status {
            Status::Unset => ("unset", None),
            Status::Ok => ("ok", None),
            Status::Error { description } => (
                "error",
                (!description.is_empty()).then(|| description.to_string()),
            ),
        };
        let kind = match span.span_kind {
            SpanKind::Client => "client",
            SpanKind::Server => "server",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
            SpanKind::Internal => "internal",
        };
        Self {
            trace_id: span.span_context.trace_id().to_string(),
            span_id: span.span_context.span_id().to_string(),
            parent_span_id: (span.parent_span_id != SpanId::INVALID)
                .then(|| span.parent_span_id.to_string()),
            parent_is_remote: span.parent_span_is_remote,
            name: span.name.to_string(),
            kind: kind.to_owned(),
            start_unix_nano: start,
            end_unix_nano: end,
            duration_ms: end.saturating_sub(start) as f64 / 1e6,
            status: status.to_owned(),
            status_message,
            attributes: attributes(&span.attributes),
            events: span
                .events
                .iter()
                .map(|e| SpanEventRecord {
                    name: e.name.to_string(),
                    time_unix_nano: nanos(e.timestamp),
                    attributes: attributes(&e.attributes),
                })
                .collect(),
        }
    }

    /// Whether the span ended with an error status.
    pub fn is_error(&self) -> bool {
        self.status == "error"
    }
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn attributes(kvs: &[KeyValue]) -> Map<String, serde_json::Value> {
    kvs.iter()
        .map(|kv| (kv.key.as_str().to_owned(), json_value(&kv.value)))
        .collect()
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => (*b).into(),
        Value::I64(i) => (*i).into(),
        Value::F64(f) => serde_json::Number::from_f64(*f).map_or_else(
            || serde_json::Value::String(f.to_string()),
            serde_json::Value::Number,
        ),
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => match a {
            Array::Bool(v) => v.iter().copied().map(serde_json::Value::from).collect(),
            Array::I64(v) => v.iter().copied().map(serde_json::Value::from).collect(),
            Array::F64(v) => v.iter().map(|f| json_value(&Value::F64(*f))).collect(),
            Array::String(v) => v
                .iter()
                .map(|s| serde_json::Value::from(s.as_str()))
                .collect(),
            _ => serde_json::Value::String(a.to_string()),
        },
        _ => serde_json::Value::String(v.to_string()),
    }
}

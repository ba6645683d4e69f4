//! Upper bounds of the OTLP protobuf encoding of spans, so export requests can
//! be cut to stay under the collector's message size limit without encoding
//! them twice.
//!
//! Every length-delimited field is counted as a one-byte tag, a five-byte
//! length and its content; numbers as their widest encoding. The bound is
//! exact enough for splitting (large spans are dominated by their strings)
//! and never below the real size.

use opentelemetry::trace::Status;
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

/// Tag and length prefix of a length-delimited field (lengths below 4 GiB).
const FRAME: usize = 6;
/// A varint or fixed64 field with its tag.
const NUMBER: usize = 11;

fn field(content: usize) -> usize {
    FRAME + content
}

fn any_value(value: &Value) -> usize {
    match value {
        Value::Bool(_) | Value::I64(_) | Value::F64(_) => NUMBER,
        Value::String(s) => field(s.as_str().len()),
        Value::Array(array) => field(array_values(array)),
        // A kind added later: its text form, generously framed.
        other => field(other.as_str().len()) + FRAME,
    }
}

fn array_values(array: &Array) -> usize {
    match array {
        Array::Bool(v) => v.len() * field(NUMBER),
        Array::I64(v) => v.len() * field(NUMBER),
        Array::F64(v) => v.len() * field(NUMBER),
        Array::String(v) => v.iter().map(|s| field(field(s.as_str().len()))).sum(),
        other => field(other.to_string().len()),
    }
}

fn attributes<'a>(kvs: impl IntoIterator<Item = &'a KeyValue>) -> usize {
    kvs.into_iter()
        .map(|kv| field(field(kv.key.as_str().len()) + field(any_value(&kv.value))))
        .sum()
}

/// One `ScopeSpans` wrapper and its scope, without the spans.
pub(crate) fn scope(scope: &InstrumentationScope) -> usize {
    let scope_message = field(scope.name().len())
        + scope.version().map_or(0, |v| field(v.len()))
        + attributes(scope.attributes())
        + NUMBER;
    field(field(scope_message)) + scope.schema_url().map_or(0, |u| field(u.len()))
}

/// The request around the spans: `ResourceSpans` and its resource.
pub(crate) fn request(resource: &Resource) -> usize {
    let resource_attributes: usize = resource
        .iter()
        .map(|(k, v)| field(field(k.as_str().len()) + field(any_value(v))))
        .sum();
    field(field(field(resource_attributes + NUMBER)))
        + resource.schema_url().map_or(0, |u| field(u.len()))
}

/// One span in a request, counting its own `ScopeSpans` wrapper so that a
/// sum of these bounds any mix of scopes.
pub(crate) fn span(span: &SpanData) -> usize {
    let ids = field(16) + field(8) + field(8);
    let trace_state = field(span.span_context.trace_state().header().len());
    let times_kind_flags_counts = 6 * NUMBER;
    let events: usize = span
        .events
        .iter()
        .map(|e| field(NUMBER + field(e.name.len()) + attributes(&e.attributes) + NUMBER))
        .sum();
    let links: usize = span
        .links
        .iter()
        .map(|l| {
            field(
                field(16)
                    + field(8)
                    + field(l.span_context.trace_state().header().len())
                    + attributes(&l.attributes)
                    + 2 * NUMBER,
            )
        })
        .sum();
    let status = match &span.status {
        Status::Error { description } => field(field(description.len()) + NUMBER),
        _ => field(NUMBER),
    };
    field(
        ids + trace_state
            + field(span.name.len())
            + times_kind_flags_counts
            + attributes(&span.attributes)
            + events
            + links
            + status,
    ) + scope(&span.instrumentation_scope)
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, TraceFlags, TraceId, TraceState};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span_with(value: &str) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7),
                SpanId::from(9),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "work".into(),
            start_time: SystemTime::now(),
            end_time: SystemTime::now(),
            attributes: vec![
                KeyValue::new("app.text", value.to_owned()),
                KeyValue::new("app.n", 3),
            ],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::error("failed"),
            instrumentation_scope: InstrumentationScope::builder("coresdk")
                .with_version("0.1.0")
                .build(),
        }
    }

    /// The bound is never below what the OTLP exporter really encodes.
    #[test]
    fn bounds_are_upper_bounds_of_the_real_encoding() {
        use opentelemetry::trace::{Event, Link};
        use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
        use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
        use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
        use prost::Message as _;

        let resource = Resource::builder()
            .with_service_name("orders-service")
            .with_attributes([KeyValue::new("deployment.environment", "e2e")])
            .build();
        let mut rich = span_with(&"é".repeat(70_000));
        rich.attributes.push(KeyValue::new(
            "app.list",
            Value::Array(Array::String(vec!["a".into(), "bb".into(), "ccc".into()])),
        ));
        rich.attributes.push(KeyValue::new(
            "app.flags",
            Value::Array(Array::Bool(vec![true; 9])),
        ));
        rich.attributes.push(KeyValue::new("app.ratio", 0.25));
        rich.events.events.push(Event::new(
            "exception",
            SystemTime::now(),
            vec![KeyValue::new("exception.message", "x".repeat(300))],
            0,
        ));
        rich.links.links.push(Link::new(
            rich.span_context.clone(),
            vec![KeyValue::new("app.why", "retry")],
            0,
        ));
        let mut other_scope = span_with("y");
        other_scope.instrumentation_scope = InstrumentationScope::builder("another").build();
        let spans = vec![
            span_with(""),
            rich,
            other_scope,
            span_with(&"z".repeat(1 << 20)),
        ];

        let bound = request(&resource) + spans.iter().map(span).sum::<usize>();
        let real = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(
                spans,
                &ResourceAttributesWithSchema::from(&resource),
            ),
        }
        .encoded_len();
        assert!(bound >= real, "bound {bound} < encoded {real}");
        // Close enough to pack requests: within a few hundred bytes per span.
        assert!(bound - real < 4 * 400, "bound {bound} vs encoded {real}");
    }

    #[test]
    fn bounds_grow_with_the_strings_and_stay_close() {
        let small = span(&span_with("x"));
        let big = span(&span_with(&"x".repeat(1_000_000)));
        assert_eq!(big - small, 999_999);
        // Small spans are bounded generously but not absurdly.
        assert!(small < 400, "{small}");
    }
}

//! The OTLP protobuf encoding of a batch of spans, written straight from
//! `SpanData` into one request buffer.
//!
//! Why not the OTLP exporter's own conversion: it clones the batch, turns
//! every span into the generated prost structs (an owned `String` for every
//! name, key and string value) and only then encodes them. At the worker's
//! rates that conversion was the largest single cost of the whole chain,
//! most of it allocation. Here every field is written once: the length of
//! each message is computed first, so nothing is moved or copied after it
//! is written, and the only allocation is the request buffer.
//!
//! The bytes are the ones prost writes for the same
//! `ExportTraceServiceRequest` (fields in tag order, proto3 defaults left
//! out, `status` and the oneof value always present), so a collector sees
//! no difference; the tests compare them with prost's output.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceState};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;
use prost::encoding::WireType::{
    self, LengthDelimited, SixtyFourBit as Fixed64, ThirtyTwoBit as Fixed32, Varint,
};
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, key_len};

/// `SpanFlags`: the span's parent is known to be local or remote, and which.
const CONTEXT_HAS_IS_REMOTE: u32 = 0x100;
const CONTEXT_IS_REMOTE: u32 = 0x200;

/// The encoded `Resource` message of every request, and its schema URL:
/// the same for every batch, so written once when the exporter is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResourceBytes {
    message: Vec<u8>,
    schema_url: String,
}

impl ResourceBytes {
    pub(crate) fn new(resource: &Resource) -> Self {
        let attributes: Vec<KeyValue> = resource
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        let mut message = Vec::with_capacity(attributes_len(1, &attributes));
        put_attributes(&mut message, 1, &attributes);
        Self {
            message,
            schema_url: resource.schema_url().unwrap_or_default().to_owned(),
        }
    }
}

/// The spans of one scope in a request, as positions in the batch.
struct ScopeGroup<'a> {
    scope: &'a InstrumentationScope,
    spans: Vec<usize>,
    /// Length of the `ScopeSpans` message.
    len: usize,
}

/// Encodes an `ExportTraceServiceRequest` carrying `spans` under `resource`,
/// grouped by instrumentation scope in order of first appearance.
pub(crate) fn request(resource: &ResourceBytes, spans: &[SpanData]) -> Vec<u8> {
    let span_lens: Vec<usize> = spans.iter().map(span_len).collect();
    let mut groups: Vec<ScopeGroup<'_>> = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        let scope = &span.instrumentation_scope;
        // Linear: a batch carries one scope or a handful.
        let group = if let Some(g) = groups.iter().position(|g| g.scope == scope) {
            g
        } else {
            groups.push(ScopeGroup {
                scope,
                spans: Vec::new(),
                len: scope_field_len(scope),
            });
            groups.len() - 1
        };
        groups[group].spans.push(i);
        groups[group].len += delimited_len(2, span_lens[i]);
    }
    let resource_spans_len = delimited_len(1, resource.message.len())
        + groups
            .iter()
            .map(|g| delimited_len(2, g.len))
            .sum::<usize>()
        + str_len(3, &resource.schema_url);

    let mut buf = Vec::with_capacity(delimited_len(1, resource_spans_len));
    put_header(&mut buf, 1, resource_spans_len);
    put_header(&mut buf, 1, resource.message.len());
    buf.extend_from_slice(&resource.message);
    for group in &groups {
        put_header(&mut buf, 2, group.len);
        put_scope_field(&mut buf, group.scope);
        for &i in &group.spans {
            put_header(&mut buf, 2, span_lens[i]);
            put_span(&mut buf, &spans[i]);
        }
        put_str(&mut buf, 3, group.scope.schema_url().unwrap_or_default());
    }
    put_str(&mut buf, 3, &resource.schema_url);
    buf
}

/// Longest key and length prefix of a message field (one-byte tag, a
/// length below 4 GiB).
const MAX_HEADER: usize = 6;

/// The most bytes `span` adds to a request: its own field and, so that a
/// sum of these bounds any mix of scopes, a `ScopeSpans` wrapper of its own.
pub(crate) fn span_size(span: &SpanData) -> usize {
    delimited_len(2, span_len(span)) + MAX_HEADER + scope_field_len(&span.instrumentation_scope)
}

/// The bytes of a request around its `ScopeSpans`: the `ResourceSpans`
/// field with the resource.
pub(crate) fn request_overhead(resource: &ResourceBytes) -> usize {
    MAX_HEADER + delimited_len(1, resource.message.len()) + str_len(3, &resource.schema_url)
}

// ---- primitives ----------------------------------------------------------

fn put_key(buf: &mut Vec<u8>, tag: u32, wire: WireType) {
    encode_key(tag, wire, buf);
}

fn put_varint(buf: &mut Vec<u8>, value: u64) {
    encode_varint(value, buf);
}

/// A length-delimited field of `len` content bytes, with its key and length.
fn delimited_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

fn put_header(buf: &mut Vec<u8>, tag: u32, len: usize) {
    put_key(buf, tag, LengthDelimited);
    put_varint(buf, len as u64);
}

/// A string or bytes field: left out when empty, as proto3 does.
fn str_len(tag: u32, s: &str) -> usize {
    bytes_len(tag, s.as_bytes())
}

fn put_str(buf: &mut Vec<u8>, tag: u32, s: &str) {
    put_bytes(buf, tag, s.as_bytes());
}

fn bytes_len(tag: u32, bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        0
    } else {
        delimited_len(tag, bytes.len())
    }
}

fn put_bytes(buf: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    if !bytes.is_empty() {
        put_header(buf, tag, bytes.len());
        buf.extend_from_slice(bytes);
    }
}

/// A `uint32`/enum field: left out when zero.
fn uint_len(tag: u32, value: u32) -> usize {
    if value == 0 {
        0
    } else {
        key_len(tag) + encoded_len_varint(u64::from(value))
    }
}

fn put_uint(buf: &mut Vec<u8>, tag: u32, value: u32) {
    if value != 0 {
        put_key(buf, tag, Varint);
        put_varint(buf, u64::from(value));
    }
}

fn fixed64_len(tag: u32, value: u64) -> usize {
    if value == 0 { 0 } else { key_len(tag) + 8 }
}

fn put_fixed64(buf: &mut Vec<u8>, tag: u32, value: u64) {
    if value != 0 {
        put_key(buf, tag, Fixed64);
        buf.extend_from_slice(&value.to_le_bytes());
    }
}

fn fixed32_len(tag: u32, value: u32) -> usize {
    if value == 0 { 0 } else { key_len(tag) + 4 }
}

fn put_fixed32(buf: &mut Vec<u8>, tag: u32, value: u32) {
    if value != 0 {
        put_key(buf, tag, Fixed32);
        buf.extend_from_slice(&value.to_le_bytes());
    }
}

fn nanos(time: SystemTime) -> u64 {
    // Before the epoch is 0, as the OTLP exporter writes it.
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

// ---- common.v1 -----------------------------------------------------------

/// `AnyValue`'s content. The oneof variant is written even when it holds
/// the default (`false`, `0`, `""`), as prost does.
fn any_value_len(value: &Value) -> usize {
    match value {
        Value::Bool(_) => 2,
        Value::I64(v) => 1 + encoded_len_varint(*v as u64),
        Value::F64(_) => 9,
        Value::String(s) => delimited_len(1, s.as_str().len()),
        Value::Array(array) => delimited_len(5, array_len(array)),
        // A kind added to the API later: sent as its text.
        other => delimited_len(1, other.as_str().len()),
    }
}

fn put_any_value(buf: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Bool(v) => {
            put_key(buf, 2, Varint);
            buf.push(u8::from(*v));
        }
        Value::I64(v) => {
            put_key(buf, 3, Varint);
            put_varint(buf, *v as u64);
        }
        Value::F64(v) => {
            put_key(buf, 4, Fixed64);
            buf.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        Value::String(s) => put_string_value(buf, s),
        Value::Array(array) => {
            put_header(buf, 5, array_len(array));
            put_array(buf, array);
        }
        other => {
            let text = other.as_str();
            put_header(buf, 1, text.len());
            buf.extend_from_slice(text.as_bytes());
        }
    }
}

fn put_string_value(buf: &mut Vec<u8>, s: &StringValue) {
    let s = s.as_str();
    put_header(buf, 1, s.len());
    buf.extend_from_slice(s.as_bytes());
}

/// `ArrayValue`'s content: each element an `AnyValue` in field 1.
fn array_len(array: &Array) -> usize {
    match array {
        Array::Bool(v) => v.len() * delimited_len(1, 2),
        Array::I64(v) => v
            .iter()
            .map(|i| delimited_len(1, 1 + encoded_len_varint(*i as u64)))
            .sum(),
        Array::F64(v) => v.len() * delimited_len(1, 9),
        Array::String(v) => v
            .iter()
            .map(|s| delimited_len(1, delimited_len(1, s.as_str().len())))
            .sum(),
        other => {
            let text = other.to_string();
            delimited_len(1, delimited_len(1, text.len()))
        }
    }
}

fn put_array(buf: &mut Vec<u8>, array: &Array) {
    match array {
        Array::Bool(v) => {
            for b in v {
                put_header(buf, 1, 2);
                put_key(buf, 2, Varint);
                buf.push(u8::from(*b));
            }
        }
        Array::I64(v) => {
            for i in v {
                put_header(buf, 1, 1 + encoded_len_varint(*i as u64));
                put_key(buf, 3, Varint);
                put_varint(buf, *i as u64);
            }
        }
        Array::F64(v) => {
            for f in v {
                put_header(buf, 1, 9);
                put_key(buf, 4, Fixed64);
                buf.extend_from_slice(&f.to_bits().to_le_bytes());
            }
        }
        Array::String(v) => {
            for s in v {
                put_header(buf, 1, delimited_len(1, s.as_str().len()));
                put_string_value(buf, s);
            }
        }
        other => {
            let text = other.to_string();
            put_header(buf, 1, delimited_len(1, text.len()));
            put_header(buf, 1, text.len());
            buf.extend_from_slice(text.as_bytes());
        }
    }
}

/// `KeyValue`'s content; the value is always present.
fn key_value_len(kv: &KeyValue) -> usize {
    str_len(1, kv.key.as_str()) + delimited_len(2, any_value_len(&kv.value))
}

/// A repeated `KeyValue` field.
fn attributes_len<'a>(tag: u32, kvs: impl IntoIterator<Item = &'a KeyValue>) -> usize {
    kvs.into_iter()
        .map(|kv| delimited_len(tag, key_value_len(kv)))
        .sum()
}

fn put_attributes<'a>(buf: &mut Vec<u8>, tag: u32, kvs: impl IntoIterator<Item = &'a KeyValue>) {
    for kv in kvs {
        put_header(buf, tag, key_value_len(kv));
        put_str(buf, 1, kv.key.as_str());
        put_header(buf, 2, any_value_len(&kv.value));
        put_any_value(buf, &kv.value);
    }
}

/// `InstrumentationScope`'s content.
fn scope_len(scope: &InstrumentationScope) -> usize {
    str_len(1, scope.name())
        + str_len(2, scope.version().unwrap_or_default())
        + attributes_len(3, scope.attributes())
}

/// The `scope` field of `ScopeSpans` (always present) and its schema URL.
fn scope_field_len(scope: &InstrumentationScope) -> usize {
    delimited_len(1, scope_len(scope)) + str_len(3, scope.schema_url().unwrap_or_default())
}

fn put_scope_field(buf: &mut Vec<u8>, scope: &InstrumentationScope) {
    put_header(buf, 1, scope_len(scope));
    put_str(buf, 1, scope.name());
    put_str(buf, 2, scope.version().unwrap_or_default());
    put_attributes(buf, 3, scope.attributes());
}

// ---- trace.v1 ------------------------------------------------------------

/// The W3C `tracestate` header, only when there is one (the header is
/// built as a new `String`, so the common empty case skips it).
fn trace_state(context: &SpanContext) -> Option<String> {
    let state = context.trace_state();
    (*state != TraceState::NONE).then(|| state.header())
}

fn flags(context: &SpanContext, remote: bool) -> u32 {
    let mut flags = u32::from(context.trace_flags().to_u8()) | CONTEXT_HAS_IS_REMOTE;
    if remote {
        flags |= CONTEXT_IS_REMOTE;
    }
    flags
}

fn kind(kind: &SpanKind) -> u32 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// `Status`'s content: the description of an error, and the code.
fn status_len(status: &Status) -> usize {
    match status {
        Status::Unset => 0,
        Status::Ok => uint_len(3, 1),
        Status::Error { description } => str_len(2, description) + uint_len(3, 2),
    }
}

fn put_status(buf: &mut Vec<u8>, status: &Status) {
    put_header(buf, 15, status_len(status));
    match status {
        Status::Unset => {}
        Status::Ok => put_uint(buf, 3, 1),
        Status::Error { description } => {
            put_str(buf, 2, description);
            put_uint(buf, 3, 2);
        }
    }
}

fn event_len(event: &opentelemetry::trace::Event) -> usize {
    fixed64_len(1, nanos(event.timestamp))
        + str_len(2, &event.name)
        + attributes_len(3, &event.attributes)
        + uint_len(4, event.dropped_attributes_count)
}

fn put_event(buf: &mut Vec<u8>, event: &opentelemetry::trace::Event) {
    put_header(buf, 11, event_len(event));
    put_fixed64(buf, 1, nanos(event.timestamp));
    put_str(buf, 2, &event.name);
    put_attributes(buf, 3, &event.attributes);
    put_uint(buf, 4, event.dropped_attributes_count);
}

fn link_len(link: &opentelemetry::trace::Link, state: Option<&str>) -> usize {
    let context = &link.span_context;
    bytes_len(1, &context.trace_id().to_bytes())
        + bytes_len(2, &context.span_id().to_bytes())
        + str_len(3, state.unwrap_or_default())
        + attributes_len(4, &link.attributes)
        + uint_len(5, link.dropped_attributes_count)
        + fixed32_len(6, flags(context, context.is_remote()))
}

fn put_link(buf: &mut Vec<u8>, link: &opentelemetry::trace::Link) {
    let context = &link.span_context;
    let state = trace_state(context);
    put_header(buf, 13, link_len(link, state.as_deref()));
    put_bytes(buf, 1, &context.trace_id().to_bytes());
    put_bytes(buf, 2, &context.span_id().to_bytes());
    put_str(buf, 3, state.as_deref().unwrap_or_default());
    put_attributes(buf, 4, &link.attributes);
    put_uint(buf, 5, link.dropped_attributes_count);
    put_fixed32(buf, 6, flags(context, context.is_remote()));
}

/// `Span`'s content.
fn span_len(span: &SpanData) -> usize {
    let context = &span.span_context;
    let state = trace_state(context);
    let parent = if span.parent_span_id == SpanId::INVALID {
        0
    } else {
        delimited_len(4, 8)
    };
    delimited_len(1, 16)
        + delimited_len(2, 8)
        + str_len(3, state.as_deref().unwrap_or_default())
        + parent
        + str_len(5, &span.name)
        + uint_len(6, kind(&span.span_kind))
        + fixed64_len(7, nanos(span.start_time))
        + fixed64_len(8, nanos(span.end_time))
        + attributes_len(9, &span.attributes)
        + uint_len(10, span.dropped_attributes_count)
        + span
            .events
            .iter()
            .map(|e| delimited_len(11, event_len(e)))
            .sum::<usize>()
        + uint_len(12, span.events.dropped_count)
        + span
            .links
            .iter()
            .map(|l| delimited_len(13, link_len(l, trace_state(&l.span_context).as_deref())))
            .sum::<usize>()
        + uint_len(14, span.links.dropped_count)
        + delimited_len(15, status_len(&span.status))
        + fixed32_len(16, flags(context, span.parent_span_is_remote))
}

fn put_span(buf: &mut Vec<u8>, span: &SpanData) {
    let context = &span.span_context;
    put_bytes(buf, 1, &context.trace_id().to_bytes());
    put_bytes(buf, 2, &context.span_id().to_bytes());
    if let Some(state) = trace_state(context) {
        put_str(buf, 3, &state);
    }
    if span.parent_span_id != SpanId::INVALID {
        put_bytes(buf, 4, &span.parent_span_id.to_bytes());
    }
    put_str(buf, 5, &span.name);
    put_uint(buf, 6, kind(&span.span_kind));
    put_fixed64(buf, 7, nanos(span.start_time));
    put_fixed64(buf, 8, nanos(span.end_time));
    put_attributes(buf, 9, &span.attributes);
    put_uint(buf, 10, span.dropped_attributes_count);
    for event in span.events.iter() {
        put_event(buf, event);
    }
    put_uint(buf, 12, span.events.dropped_count);
    for link in span.links.iter() {
        put_link(buf, link);
    }
    put_uint(buf, 14, span.links.dropped_count);
    put_status(buf, &span.status);
    put_fixed32(buf, 16, flags(context, span.parent_span_is_remote));
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use opentelemetry::trace::{Event, Link, TraceFlags, TraceId};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message as _;

    use super::*;

    fn span(name: &'static str, scope: &InstrumentationScope) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10),
                SpanId::from(0x1112_1314_1516_1718),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789),
            end_time: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_223_456_789),
            attributes: vec![
                KeyValue::new("app.route", "/v1/answer"),
                KeyValue::new("app.request", 42),
            ],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: scope.clone(),
        }
    }

    /// Every field and value kind, some defaults, some not.
    fn rich(scope: &InstrumentationScope) -> SpanData {
        let mut s = span("rich", scope);
        s.span_context = SpanContext::new(
            TraceId::from(7),
            SpanId::from(9),
            TraceFlags::default(),
            true,
            TraceState::from_key_value([("vendor", "abc"), ("other", "x-1")])
                .expect("a valid trace state"),
        );
        s.parent_span_id = SpanId::from(3);
        s.parent_span_is_remote = true;
        s.span_kind = SpanKind::Client;
        s.name = "é".repeat(200).into();
        s.attributes.extend([
            KeyValue::new("app.ratio", 0.25),
            KeyValue::new("app.neg", -5),
            KeyValue::new("app.zero", 0),
            KeyValue::new("app.no", false),
            KeyValue::new("app.yes", true),
            KeyValue::new("app.empty", ""),
            KeyValue::new("", "keyless"),
            KeyValue::new("app.long", "z".repeat(70_000)),
            KeyValue::new(
                "app.strs",
                Value::Array(Array::String(vec!["a".into(), "".into()])),
            ),
            KeyValue::new("app.bools", Value::Array(Array::Bool(vec![true, false]))),
            KeyValue::new("app.ints", Value::Array(Array::I64(vec![0, -1, 1 << 40]))),
            KeyValue::new("app.floats", Value::Array(Array::F64(vec![0.0, -1.5]))),
        ]);
        s.dropped_attributes_count = 3;
        s.events.events.push(Event::new(
            "exception",
            UNIX_EPOCH + Duration::from_secs(5),
            vec![KeyValue::new("exception.message", "boom")],
            2,
        ));
        s.events
            .events
            .push(Event::new("empty", UNIX_EPOCH, vec![], 0));
        s.events.dropped_count = 4;
        s.links.links.push(Link::new(
            s.span_context.clone(),
            vec![KeyValue::new("app.why", "retry")],
            1,
        ));
        s.links.dropped_count = 300;
        s.status = Status::error("failed: é");
        s
    }

    fn prost_bytes(resource: &Resource, spans: Vec<SpanData>) -> Vec<u8> {
        ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(
                spans,
                &ResourceAttributesWithSchema::from(resource),
            ),
        }
        .encode_to_vec()
    }

    /// Byte for byte what the OTLP exporter's conversion plus prost write.
    #[test]
    fn requests_match_prost_byte_for_byte() {
        let coresdk = InstrumentationScope::builder("coresdk")
            .with_version("0.1.0")
            .with_schema_url("https://opentelemetry.io/schemas/1.37.0")
            .build();
        let other = InstrumentationScope::builder("user-lib")
            .with_attributes([KeyValue::new("lib.kind", "http")])
            .build();
        let mut ok = span("ok", &coresdk);
        ok.status = Status::Ok;
        ok.span_kind = SpanKind::Server;
        let cases: Vec<Vec<SpanData>> = vec![
            vec![],
            vec![span("one", &coresdk)],
            vec![
                span("a", &coresdk),
                rich(&other),
                span("b", &coresdk),
                ok,
                rich(&coresdk),
            ],
        ];
        // One resource attribute: the resource's iteration order is its
        // hash map's, and prost's side iterates the same map; with one
        // attribute the comparison does not depend on it.
        let resource = Resource::builder_empty()
            .with_attributes([KeyValue::new("service.name", "orders")])
            .with_schema_url(Vec::<KeyValue>::new(), "https://example.com/schema")
            .build();
        let bytes = ResourceBytes::new(&resource);
        for spans in cases {
            let ours = request(&bytes, &spans);
            assert_eq!(ours, prost_bytes(&resource, spans));
        }
    }

    /// The size bounds used to cut batches are never below the request.
    #[test]
    fn sizes_bound_the_request() {
        let a = InstrumentationScope::builder("coresdk")
            .with_version("1")
            .build();
        let b = InstrumentationScope::builder("other").build();
        let resource = ResourceBytes::new(&Resource::builder().with_service_name("x").build());
        let spans = vec![span("a", &a), rich(&b), span("c", &a), rich(&a)];
        let bound = request_overhead(&resource) + spans.iter().map(span_size).sum::<usize>();
        let real = request(&resource, &spans).len();
        assert!(bound >= real, "bound {bound} < {real}");
        assert!(bound - real < 4 * 64, "bound {bound} vs {real}");
    }

    /// A resource with many attributes decodes to the same request.
    #[test]
    fn requests_decode_to_the_same_message() {
        let scope = InstrumentationScope::builder("coresdk").build();
        let resource = Resource::builder()
            .with_service_name("orders")
            .with_attributes([
                KeyValue::new("deployment.environment", "e2e"),
                KeyValue::new("host.cores", 2),
            ])
            .build();
        let spans = vec![span("a", &scope), rich(&scope)];
        let ours = request(&ResourceBytes::new(&resource), &spans);
        let decoded = ExportTraceServiceRequest::decode(ours.as_slice()).expect("decodes");
        let expected = ExportTraceServiceRequest::decode(prost_bytes(&resource, spans).as_slice())
            .expect("decodes");
        assert_eq!(decoded, expected);
    }
}

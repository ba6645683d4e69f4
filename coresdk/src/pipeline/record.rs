//! [`SpanRecord`]: what CoreSDK's `tracing` layer keeps for one span while it
//! is open, and what the handoff carries to the worker when it closes.
//!
//! The record is deliberately plain: ids, times, the callsite's `&'static`
//! metadata and the values recorded so far. Everything that costs more than
//! a copy — the OpenTelemetry `SpanData`, code-location attributes, labels,
//! limits — is done by [`SpanRecord::into_span_data`] on the worker thread.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use tracing_core::Metadata;

use crate::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CODE_MODULE_NAME, CORESDK_INTENT,
};

/// The per-callsite constants of a `#[trace]` span: `coresdk.intent` and
/// `code.function.name`, in a `static` of the expansion.
///
/// Under CoreSDK's layer the span's record points at them and the worker adds
/// both as `&'static str` attributes, so the application thread copies
/// neither. Under any other subscriber they are recorded as `tracing` fields.
#[derive(Debug)]
pub struct Labels {
    pub(crate) intent: &'static str,
    pub(crate) function: &'static str,
}

impl Labels {
    /// The labels of one callsite.
    #[inline]
    pub const fn new(intent: &'static str, function: &'static str) -> Self {
        Self { intent, function }
    }
}

/// Per-span bounds, applied where a span's lists grow.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordLimits {
    /// Most attributes a span keeps (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`).
    pub(crate) attributes: usize,
    /// Most events a span keeps.
    pub(crate) events: usize,
    /// Most links a span keeps.
    pub(crate) links: usize,
}

impl Default for RecordLimits {
    fn default() -> Self {
        // The OpenTelemetry SDK's defaults, with the attribute limit CoreSDK
        // raises so a GenAI call's messages fit.
        Self {
            attributes: 512,
            events: 128,
            links: 128,
        }
    }
}

/// One span as CoreSDK's layer records it on the application thread.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) parent_span_id: SpanId,
    pub(crate) parent_is_remote: bool,
    /// The head sampler's decision; an unsampled span records nothing but
    /// its ids (which its children inherit) and is never handed on.
    pub(crate) sampled: bool,
    pub(crate) trace_state: TraceState,
    pub(crate) meta: &'static Metadata<'static>,
    /// A name set at run time (`otel.name`, GenAI spans); else the callsite's.
    pub(crate) name: Option<Cow<'static, str>>,
    pub(crate) kind: SpanKind,
    /// Whether the worker adds `code.*` attributes from the callsite metadata.
    pub(crate) location: bool,
    pub(crate) labels: Option<&'static Labels>,
    pub(crate) start: SystemTime,
    /// Set when the span's work ended before its `tracing` span closed (a
    /// GenAI call whose span handle outlives the call).
    pub(crate) end: Option<SystemTime>,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) dropped_attributes: u32,
    pub(crate) events: Vec<Event>,
    pub(crate) dropped_events: u32,
    pub(crate) links: Vec<Link>,
    pub(crate) dropped_links: u32,
    pub(crate) status: Status,
    pub(crate) limits: RecordLimits,
}

impl SpanRecord {
    /// The span's OpenTelemetry context.
    pub(crate) fn span_context(&self) -> SpanContext {
        let flags = if self.sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        SpanContext::new(
            self.trace_id,
            self.span_id,
            flags,
            false,
            self.trace_state.clone(),
        )
    }

    /// Adds an attribute unless the span is full (then it is counted).
    #[inline]
    pub(crate) fn push_attribute(&mut self, kv: KeyValue) {
        if self.attributes.len() < self.limits.attributes {
            self.attributes.push(kv);
        } else {
            self.dropped_attributes = self.dropped_attributes.saturating_add(1);
        }
    }

    /// Adds attributes in order, under the limit.
    pub(crate) fn extend_attributes(&mut self, mut kvs: Vec<KeyValue>) {
        let room = self.limits.attributes.saturating_sub(self.attributes.len());
        if kvs.len() > room {
            let over = kvs.len() - room;
            self.dropped_attributes = self
                .dropped_attributes
                .saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
            kvs.truncate(room);
        }
        if self.attributes.is_empty() {
            // A list built elsewhere (a GenAI call's) moves in whole.
            self.attributes = kvs;
        } else {
            self.attributes.append(&mut kvs);
        }
    }

    /// Adds an event unless the span has too many (then it is counted).
    pub(crate) fn push_event(&mut self, event: Event) {
        if self.events.len() < self.limits.events {
            self.events.push(event);
        } else {
            self.dropped_events = self.dropped_events.saturating_add(1);
        }
    }

    /// Adds a link unless the span has too many (then it is counted).
    pub(crate) fn push_link(&mut self, link: Link) {
        if self.links.len() < self.limits.links {
            self.links.push(link);
        } else {
            self.dropped_links = self.dropped_links.saturating_add(1);
        }
    }

    /// Sets the status the way OpenTelemetry orders them: `Ok` is final, an
    /// error replaces `Unset` or another error, nothing goes back to `Unset`.
    /// A bare error (`otel.status_code = "error"`) keeps a description that
    /// is already there.
    pub(crate) fn set_status(&mut self, status: Status) {
        match (&self.status, &status) {
            (Status::Ok, _) | (_, Status::Unset) => {}
            (Status::Error { .. }, Status::Error { description }) if description.is_empty() => {}
            _ => self.status = status,
        }
    }

    /// The OpenTelemetry span, built on the worker: the record's lists move
    /// in; labels and code location go first, so an attribute limit never
    /// drops them.
    pub(crate) fn into_span_data(self, scope: &InstrumentationScope) -> SpanData {
        let span_context = self.span_context();
        let end_time = self.end.unwrap_or_else(SystemTime::now);
        let mut leading: Vec<KeyValue> = Vec::new();
        if let Some(labels) = self.labels {
            leading.push(KeyValue::new(CORESDK_INTENT, labels.intent));
            leading.push(KeyValue::new(CODE_FUNCTION_NAME, labels.function));
        }
        if self.location {
            if let Some(file) = self.meta.file() {
                leading.push(KeyValue::new(CODE_FILE_PATH, file));
            }
            if let Some(module) = self.meta.module_path() {
                leading.push(KeyValue::new(CODE_MODULE_NAME, module));
            }
            if let Some(line) = self.meta.line() {
                leading.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(line)));
            }
        }
        let mut attributes = self.attributes;
        let mut dropped_attributes_count = self.dropped_attributes;
        if !leading.is_empty() {
            attributes.splice(0..0, leading);
            let limit = self.limits.attributes;
            if attributes.len() > limit {
                let over = attributes.len() - limit;
                dropped_attributes_count = dropped_attributes_count
                    .saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
                attributes.truncate(limit);
            }
        }
        let mut events = SpanEvents::default();
        events.events = self.events;
        events.dropped_count = self.dropped_events;
        let mut links = SpanLinks::default();
        links.links = self.links;
        links.dropped_count = self.dropped_links;
        SpanData {
            span_context,
            parent_span_id: self.parent_span_id,
            parent_span_is_remote: self.parent_is_remote,
            span_kind: self.kind,
            name: self.name.unwrap_or(Cow::Borrowed(self.meta.name())),
            start_time: self.start,
            end_time,
            attributes,
            dropped_attributes_count,
            events,
            links,
            status: self.status,
            instrumentation_scope: scope.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CALLSITE: tracing_core::callsite::DefaultCallsite =
        tracing_core::callsite::DefaultCallsite::new(&META);
    static META: Metadata<'static> = Metadata::new(
        "work",
        "record::tests",
        tracing_core::Level::INFO,
        Some("src/work.rs"),
        Some(7),
        Some("app::work"),
        tracing_core::field::FieldSet::new(&[], tracing_core::identify_callsite!(&CALLSITE)),
        tracing_core::metadata::Kind::SPAN,
    );
    static LABELS: Labels = Labels::new("do the work", "app::work::run");

    fn record(limit: usize) -> SpanRecord {
        SpanRecord {
            trace_id: TraceId::from_bytes([1; 16]),
            span_id: SpanId::from_bytes([2; 8]),
            parent_span_id: SpanId::INVALID,
            parent_is_remote: false,
            sampled: true,
            trace_state: TraceState::default(),
            meta: &META,
            name: None,
            kind: SpanKind::Internal,
            location: true,
            labels: Some(&LABELS),
            start: SystemTime::UNIX_EPOCH,
            end: None,
            attributes: Vec::new(),
            dropped_attributes: 0,
            events: Vec::new(),
            dropped_events: 0,
            links: Vec::new(),
            dropped_links: 0,
            status: Status::Unset,
            limits: RecordLimits {
                attributes: limit,
                ..RecordLimits::default()
            },
        }
    }

    #[test]
    fn labels_and_location_lead_and_survive_the_limit() {
        let mut rec = record(6);
        for i in 0..5 {
            rec.push_attribute(KeyValue::new("k", i64::from(i)));
        }
        let span = rec.into_span_data(&InstrumentationScope::builder("t").build());
        let keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                CORESDK_INTENT,
                CODE_FUNCTION_NAME,
                CODE_FILE_PATH,
                CODE_MODULE_NAME,
                CODE_LINE_NUMBER,
                "k"
            ]
        );
        assert_eq!(span.dropped_attributes_count, 4);
        assert_eq!(span.name, "work");
    }

    #[test]
    fn a_moved_in_list_is_cut_at_the_limit_and_counted() {
        let mut rec = record(3);
        rec.location = false;
        rec.labels = None;
        rec.push_attribute(KeyValue::new("first", 1_i64));
        rec.extend_attributes(vec![KeyValue::new("a", 1_i64); 4]);
        assert_eq!(rec.attributes.len(), 3);
        assert_eq!(rec.dropped_attributes, 2);
    }

    #[test]
    fn status_ok_is_final_and_unset_never_overrides() {
        let mut rec = record(8);
        rec.set_status(Status::error("a"));
        rec.set_status(Status::Unset);
        assert_eq!(rec.status, Status::error("a"));
        rec.set_status(Status::Ok);
        rec.set_status(Status::error("b"));
        assert_eq!(rec.status, Status::Ok);
    }
}

//! [`SpanRecord`]: what CoreSDK's `tracing` layer keeps for one span while it
//! is open, and what the handoff carries to the worker when it closes.
//!
//! The record is deliberately plain: ids, times, the callsite's `&'static`
//! metadata and the values recorded so far. Everything that costs more than
//! a copy — the OpenTelemetry `SpanData`, code-location attributes, labels,
//! limits — is done by [`SpanRecord::into_span_data`] on the worker thread,
//! except the value length limit: a string value is cut before it is copied,
//! so a huge value never is.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{InstrumentationScope, Key, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use tracing_core::Metadata;
use tracing_core::field::Field;

use super::value_limit::{self, LimitedText};
use crate::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CODE_MODULE_NAME, CORESDK_INTENT,
};

/// The per-callsite constants of a `#[trace]` span: `coresdk.intent` and
/// `code.function.name`, in a `static` of the expansion.
///
/// When CoreSDK's layer is its subscriber's only layer
/// ([`instrument`](crate::instrument)) they travel as the value of the span's
/// `coresdk.intent` field — typed, as `dyn Error + 'static`, the one field
/// type a visitor can downcast — so the layer keeps the two `&'static str`s
/// and the worker adds them as attributes: the application thread copies
/// neither. Beside other layers (`coresdk::layer`) and under any other
/// subscriber both are ordinary `tracing` string fields, which every layer
/// reads as usual.
#[derive(Debug, Clone, Copy)]
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

impl std::fmt::Display for Labels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.intent)
    }
}

impl std::error::Error for Labels {}

/// Most events a span keeps (the OpenTelemetry SDK's default).
const MAX_EVENTS: usize = 128;

/// The first capacity of a span's string-field buffer, in bytes.
const TEXT_START: usize = 64;
/// A string field value's header in a record's text: field index and length.
const TEXT_HEADER: usize = 5;
/// Most links a span keeps (the OpenTelemetry SDK's default).
const MAX_LINKS: usize = 128;

/// One span as CoreSDK's layer records it on the application thread.
///
/// What every span has is inline; what few spans have (events, links, a
/// status, a run-time name, a trace state, an early end) is in [`Extras`],
/// allocated on first use, so the record that is boxed into the registry
/// and moved through the queue stays small.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) parent_span_id: SpanId,
    pub(crate) meta: &'static Metadata<'static>,
    pub(crate) start: SystemTime,
    /// Stamped when the span closes, or earlier when its work ended before
    /// its `tracing` span closed (a GenAI call whose span handle outlives
    /// the call).
    pub(crate) end: Option<SystemTime>,
    pub(crate) attributes: Vec<KeyValue>,
    /// String field values, end to end, each behind a header naming its
    /// field (its index in the callsite's field set) and its length: one
    /// allocation for all of a span's `&str` fields instead of two per
    /// value (the text and its attribute's slot). Copied into attributes on
    /// the worker, after `attributes`.
    pub(crate) text: Vec<u8>,
    /// How many values `text` holds.
    pub(crate) texts: u32,
    pub(crate) labels: Option<Labels>,
    pub(crate) extras: Option<Box<Extras>>,
    /// Most attributes the span keeps (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`).
    pub(crate) attribute_limit: u32,
    pub(crate) dropped_attributes: u32,
    /// Longest string value kept, in characters
    /// (`OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`).
    pub(crate) value_limit: u32,
    /// Bytes of the string values recorded so far, for the queue's byte
    /// budget (summed as they are recorded; saturates).
    pub(crate) value_bytes: u32,
    pub(crate) kind: SpanKind,
    /// The head sampler's decision; an unsampled span records nothing but
    /// its ids (which its children inherit) and is never handed on.
    pub(crate) sampled: bool,
    pub(crate) parent_is_remote: bool,
    /// Whether the worker adds `code.*` attributes from the callsite metadata.
    pub(crate) location: bool,
}

/// The parts of a span that most spans do not have.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// A name set at run time (`otel.name`, GenAI spans); else the callsite's.
    pub(crate) name: Option<Cow<'static, str>>,
    pub(crate) trace_state: TraceState,
    pub(crate) events: Vec<Event>,
    pub(crate) dropped_events: u32,
    pub(crate) links: Vec<Link>,
    pub(crate) dropped_links: u32,
    pub(crate) status: Status,
    /// String values cut at the value length limit.
    pub(crate) truncated_values: u32,
}

impl SpanRecord {
    /// A record with no attributes yet.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        trace_id: TraceId,
        span_id: SpanId,
        parent_span_id: SpanId,
        meta: &'static Metadata<'static>,
        sampled: bool,
        attribute_limit: u32,
        value_limit: u32,
    ) -> Self {
        Self {
            trace_id,
            span_id,
            parent_span_id,
            meta,
            start: SystemTime::now(),
            end: None,
            attributes: Vec::new(),
            text: Vec::new(),
            texts: 0,
            labels: None,
            extras: None,
            attribute_limit,
            dropped_attributes: 0,
            value_limit,
            value_bytes: 0,
            kind: SpanKind::Internal,
            sampled,
            parent_is_remote: false,
            location: true,
        }
    }

    /// The rarely used parts, allocated on first use.
    pub(crate) fn extras(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// The span's trace state (empty unless a remote parent set one).
    pub(crate) fn trace_state(&self) -> TraceState {
        self.extras
            .as_ref()
            .map_or(TraceState::NONE, |e| e.trace_state.clone())
    }

    /// The span's status so far.
    pub(crate) fn status(&self) -> &Status {
        self.extras.as_ref().map_or(&Status::Unset, |e| &e.status)
    }

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
            self.trace_state(),
        )
    }

    fn attribute_limit(&self) -> usize {
        self.attribute_limit as usize
    }

    /// Attributes kept so far, string fields included.
    #[inline]
    fn attribute_count(&self) -> usize {
        self.attributes.len() + self.texts as usize
    }

    /// Adds an attribute unless the span is full (then it is counted).
    #[inline]
    pub(crate) fn push_attribute(&mut self, kv: KeyValue) {
        if self.attribute_count() < self.attribute_limit() {
            self.attributes.push(kv);
        } else {
            self.dropped_attributes = self.dropped_attributes.saturating_add(1);
        }
    }

    /// The value length limit, in characters.
    #[inline]
    pub(crate) fn value_limit(&self) -> usize {
        self.value_limit as usize
    }

    /// Counts `bytes` of recorded values towards the queue's byte budget.
    #[inline]
    pub(crate) fn add_value_bytes(&mut self, bytes: usize) {
        self.value_bytes = self
            .value_bytes
            .saturating_add(u32::try_from(bytes).unwrap_or(u32::MAX));
    }

    /// Counts values cut at the value length limit.
    pub(crate) fn add_truncated(&mut self, n: u32) {
        if n > 0 {
            let extras = self.extras();
            extras.truncated_values = extras.truncated_values.saturating_add(n);
        }
    }

    /// String values cut at the value length limit so far.
    pub(crate) fn truncated_values(&self) -> u32 {
        self.extras.as_ref().map_or(0, |e| e.truncated_values)
    }

    /// Adds a string field's value (cut at the value length limit first,
    /// counted towards the byte budget) unless the span is full.
    #[inline]
    pub(crate) fn push_text(&mut self, field: &Field, value: &str) {
        if self.attribute_count() >= self.attribute_limit() {
            self.dropped_attributes = self.dropped_attributes.saturating_add(1);
            return;
        }
        let limited = value_limit::limit_str(value, self.value_limit());
        if matches!(limited, Cow::Owned(_)) {
            self.add_truncated(1);
        }
        // Counted towards the byte budget as the buffer's capacity.
        let (Ok(index), Ok(len)) = (u8::try_from(field.index()), u32::try_from(limited.len()))
        else {
            // Not within a header (over 4 GiB, or a field set larger than
            // tracing allows): an attribute of its own.
            self.add_value_bytes(limited.len());
            let value = limited.into_owned();
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), value));
            return;
        };
        if self.text.capacity() == 0 {
            // Room for a few short values at once: most spans then
            // allocate the buffer once.
            self.text
                .reserve((limited.len() + TEXT_HEADER).max(TEXT_START));
        }
        self.text.push(index);
        self.text.extend_from_slice(&len.to_le_bytes());
        self.text.extend_from_slice(limited.as_bytes());
        self.texts += 1;
    }

    /// An owned copy of `text`, cut at the value length limit first (so a
    /// huge value is never copied whole), counted towards the byte budget.
    #[inline]
    pub(crate) fn text(&mut self, text: &str) -> String {
        let limited = value_limit::limit_str(text, self.value_limit());
        if matches!(limited, Cow::Owned(_)) {
            self.add_truncated(1);
        }
        self.add_value_bytes(limited.len());
        limited.into_owned()
    }

    /// A value rendered through `Debug` or `Display` within the value
    /// length limit (the rendering stops at the limit), counted towards the
    /// byte budget.
    pub(crate) fn rendered(&mut self, args: std::fmt::Arguments<'_>) -> String {
        let (text, cut) = LimitedText::render(args, self.value_limit());
        self.add_truncated(u32::from(cut));
        self.add_value_bytes(text.len());
        text
    }

    /// Holds `attributes` built elsewhere to the value length limit and
    /// counts their bytes.
    pub(crate) fn limit_list(&mut self, attributes: &mut [KeyValue]) {
        let cut = value_limit::limit_list(attributes, self.value_limit());
        self.add_truncated(cut);
        self.add_value_bytes(value_limit::list_bytes(attributes));
    }

    /// Adds an attribute built elsewhere (its value is held to the value
    /// length limit), unless the span is full.
    pub(crate) fn set_attribute(&mut self, mut kv: KeyValue) {
        if self.attribute_count() < self.attribute_limit() {
            self.limit_list(std::slice::from_mut(&mut kv));
        }
        self.push_attribute(kv);
    }

    /// Adds attributes in order, under the limits.
    pub(crate) fn extend_attributes(&mut self, mut kvs: Vec<KeyValue>) {
        let room = self
            .attribute_limit()
            .saturating_sub(self.attribute_count());
        if kvs.len() > room {
            let over = kvs.len() - room;
            self.dropped_attributes = self
                .dropped_attributes
                .saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
            kvs.truncate(room);
        }
        self.limit_list(&mut kvs);
        if self.attributes.is_empty() && self.texts == 0 {
            // A list built elsewhere (a GenAI call's) moves in whole.
            self.attributes = kvs;
        } else {
            self.attributes.append(&mut kvs);
        }
    }

    /// Adds an event built elsewhere: its values are held to the value
    /// length limit first.
    pub(crate) fn add_event(&mut self, mut event: Event) {
        if self
            .extras
            .as_ref()
            .is_none_or(|e| e.events.len() < MAX_EVENTS)
        {
            self.limit_list(&mut event.attributes);
        }
        self.push_event(event);
    }

    /// Adds an event unless the span has too many (then it is counted).
    /// Its values are already within the value length limit and counted.
    pub(crate) fn push_event(&mut self, event: Event) {
        let extras = self.extras();
        if extras.events.len() < MAX_EVENTS {
            extras.events.push(event);
        } else {
            extras.dropped_events = extras.dropped_events.saturating_add(1);
        }
    }

    /// Adds a link unless the span has too many (then it is counted).
    pub(crate) fn push_link(&mut self, mut link: Link) {
        if !link.attributes.is_empty() {
            self.limit_list(&mut link.attributes);
        }
        let extras = self.extras();
        if extras.links.len() < MAX_LINKS {
            extras.links.push(link);
        } else {
            extras.dropped_links = extras.dropped_links.saturating_add(1);
        }
    }

    /// Sets the status the way OpenTelemetry orders them: `Ok` is final, an
    /// error replaces `Unset` or another error, nothing goes back to `Unset`.
    /// A bare error (`otel.status_code = "error"`) keeps a description that
    /// is already there.
    pub(crate) fn set_status(&mut self, status: Status) {
        match (self.status(), &status) {
            (Status::Ok, _) | (_, Status::Unset) => {}
            (Status::Error { .. }, Status::Error { description }) if description.is_empty() => {}
            _ => self.extras().status = status,
        }
    }

    /// What the record holds on the heap, roughly, for the queue's byte
    /// budget: itself, its lists' slots and the string values recorded.
    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        let mut bytes = std::mem::size_of::<Self>()
            + self.attributes.capacity() * std::mem::size_of::<KeyValue>()
            + self.text.capacity()
            + self.value_bytes as usize;
        if let Some(extras) = &self.extras {
            bytes += std::mem::size_of::<Extras>()
                + extras.events.capacity() * std::mem::size_of::<Event>()
                + extras.links.capacity() * std::mem::size_of::<Link>();
        }
        bytes
    }

    /// The OpenTelemetry span, built on the worker: the record's lists move
    /// in; labels and code location go first, so an attribute limit never
    /// drops them.
    pub(crate) fn into_span_data(self, scope: &InstrumentationScope) -> SpanData {
        let span_context = self.span_context();
        let extras = self.extras.map(|e| *e).unwrap_or_default();
        let end_time = self.end.unwrap_or_else(SystemTime::now);
        // Labels and code location lead, so an attribute limit never drops
        // them; one list of the final size is built (no shifting).
        let labels = self.labels.map_or(0, |_| 2);
        let location = if self.location {
            usize::from(self.meta.file().is_some())
                + usize::from(self.meta.module_path().is_some())
                + usize::from(self.meta.line().is_some())
        } else {
            0
        };
        let mut dropped_attributes_count = self.dropped_attributes;
        let texts = self.texts as usize;
        let attributes = if labels + location + texts == 0 {
            self.attributes
        } else {
            let limit = self.attribute_limit as usize;
            let mut attributes =
                Vec::with_capacity((labels + location + self.attributes.len() + texts).min(limit));
            if let Some(labels) = self.labels {
                attributes.push(KeyValue::new(CORESDK_INTENT, labels.intent));
                attributes.push(KeyValue::new(CODE_FUNCTION_NAME, labels.function));
            }
            if self.location {
                if let Some(file) = self.meta.file() {
                    attributes.push(KeyValue::new(CODE_FILE_PATH, file));
                }
                if let Some(module) = self.meta.module_path() {
                    attributes.push(KeyValue::new(CODE_MODULE_NAME, module));
                }
                if let Some(line) = self.meta.line() {
                    attributes.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(line)));
                }
            }
            let room = limit.saturating_sub(attributes.len());
            let mut over = (self.attributes.len() + texts).saturating_sub(room);
            let kept = self.attributes.len().min(room);
            attributes.extend(self.attributes.into_iter().take(room));
            attributes.extend(text_fields(&self.text, self.meta).take(room - kept));
            // A limit below the leading attributes' count cuts them too.
            if attributes.len() > limit {
                over += attributes.len() - limit;
                attributes.truncate(limit);
            }
            dropped_attributes_count =
                dropped_attributes_count.saturating_add(u32::try_from(over).unwrap_or(u32::MAX));
            attributes
        };
        let mut events = SpanEvents::default();
        events.events = extras.events;
        events.dropped_count = extras.dropped_events;
        let mut links = SpanLinks::default();
        links.links = extras.links;
        links.dropped_count = extras.dropped_links;
        SpanData {
            span_context,
            parent_span_id: self.parent_span_id,
            parent_span_is_remote: self.parent_is_remote,
            span_kind: self.kind,
            name: extras.name.unwrap_or(Cow::Borrowed(self.meta.name())),
            start_time: self.start,
            end_time,
            attributes,
            dropped_attributes_count,
            events,
            links,
            status: extras.status,
            instrumentation_scope: scope.clone(),
        }
    }
}

/// The string field values in a record's `text`: key and value, in order.
fn text_fields<'a>(
    text: &'a [u8],
    meta: &'static Metadata<'static>,
) -> impl Iterator<Item = KeyValue> + 'a {
    let fields = meta.fields();
    let mut rest = text;
    std::iter::from_fn(move || {
        let (&index, after) = rest.split_first()?;
        let (len, after) = after.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let (value, after) = after.split_at_checked(len)?;
        rest = after;
        let name = fields.iter().nth(usize::from(index))?.name();
        // Written from a `&str`: always UTF-8, so this never replaces.
        // Reference-counted: the local viewer's copy of the span (and any
        // other clone down the chain) shares the text instead of copying it.
        let value: Arc<str> = String::from_utf8_lossy(value).into();
        Some(KeyValue::new(Key::from_static_str(name), value))
    })
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
    const LABELS: Labels = Labels::new("do the work", "app::work::run");

    fn record(limit: u32) -> SpanRecord {
        let mut record = SpanRecord::new(
            TraceId::from_bytes([1; 16]),
            SpanId::from_bytes([2; 8]),
            SpanId::INVALID,
            &META,
            true,
            limit,
            8,
        );
        record.labels = Some(LABELS);
        record
    }

    #[test]
    fn the_record_stays_small() {
        // It is moved into a span store slot and through the queue per span.
        // (The string-field buffer added 32 bytes and saves three
        // allocations per span with three string fields.)
        assert!(
            std::mem::size_of::<SpanRecord>() <= 192,
            "{}",
            std::mem::size_of::<SpanRecord>()
        );
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
    fn values_are_cut_at_the_value_limit_counted_and_weighed() {
        let mut rec = record(16);
        let base = rec.heap_bytes();
        assert_eq!(rec.text("short"), "short");
        assert_eq!(rec.truncated_values(), 0, "within the limit: nothing cut");
        let long = "x".repeat(1000);
        let cut = rec.text(&long);
        assert_eq!(cut, format!("xxxxxxxx{}", crate::genai::TRUNCATION_MARKER));
        let rendered = rec.rendered(format_args!("{long:?}"));
        assert!(rendered.starts_with("\"xxxxxxx") && rendered.len() < 30);
        rec.set_attribute(KeyValue::new("set", long.clone()));
        rec.extend_attributes(vec![
            KeyValue::new("moved", long.clone()),
            KeyValue::new("kept", "ok"),
        ]);
        assert_eq!(rec.truncated_values(), 4);
        assert_eq!(rec.value_bytes as usize, 5 + 4 * cut.len() + 2);
        assert!(rec.heap_bytes() >= base + rec.value_bytes as usize);
    }

    #[test]
    fn status_ok_is_final_and_unset_never_overrides() {
        let mut rec = record(8);
        assert!(rec.extras.is_none(), "nothing set yet");
        rec.set_status(Status::Unset);
        assert!(rec.extras.is_none(), "unset sets nothing");
        rec.set_status(Status::error("a"));
        rec.set_status(Status::Unset);
        rec.set_status(Status::error(""));
        assert_eq!(rec.status(), &Status::error("a"));
        rec.set_status(Status::Ok);
        rec.set_status(Status::error("b"));
        assert_eq!(rec.status(), &Status::Ok);
    }
}

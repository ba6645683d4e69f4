//! [`CoreLayer`]: CoreSDK's `tracing` layer. It records each span into a
//! compact [`SpanRecord`] — in a registry's extensions when it is a layer
//! ([`layer`](crate::layer)), in [`CoreSubscriber`](super::CoreSubscriber)'s
//! own store under [`instrument`](crate::instrument) — and hands the record
//! to the pipeline's worker when the span closes.
//!
//! Everything here runs on the application's threads, so it does the least
//! that keeps the facts: ids, times, typed field values with `&'static`
//! keys. Building the OpenTelemetry span, code location, labels and every
//! processor run on the worker.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, Status, TraceContextExt as _, TraceId, TraceState,
};
use opentelemetry::{Context as OtelContext, ContextGuard, KeyValue};
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event as TracingEvent, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::fields::{EventFields, SpanFields};
use super::sampler::HeadSampler;
use crate::genai::attributes::{EVENT_LEVEL, EVENT_TARGET};
use crate::pipeline::handoff::Handoff;
use crate::pipeline::record::SpanRecord;

/// CoreSDK's `tracing` layer. [`instrument`](crate::instrument) runs it in
/// CoreSDK's own subscriber (no `Registry` underneath: nothing else reads the
/// spans); [`layer`](crate::layer) returns it (behind CoreSDK's target filter) for a
/// subscriber you assemble yourself.
///
/// Every span it records goes through PII masking, the diagnostic stage and
/// the exporters on the pipeline's worker thread. Use [`SpanExt`](crate::SpanExt)
/// for the OpenTelemetry side of a span (its context, a remote parent, links).
#[derive(Debug, Clone)]
pub struct CoreLayer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    handoff: Arc<Handoff>,
    pub(crate) sampler: HeadSampler,
    ids: RandomIdGenerator,
    attribute_limit: u32,
    /// Longest string attribute value, in characters.
    value_limit: u32,
    /// Whether entering a span also makes it the current OpenTelemetry context.
    activation: bool,
    /// Whether this layer is the subscriber's only one ([`instrument`](crate::instrument)):
    /// then `#[trace]` labels can travel typed, as no other layer reads them,
    /// and the layer is the subscriber's filter.
    exclusive: bool,
    /// The configured filter, when it is one of targets and levels only and
    /// the layer applies it (exclusive).
    targets: Option<Targets>,
}

/// How the layer sits in its subscriber.
#[derive(Debug)]
pub(crate) enum Composition {
    /// The subscriber's only layer (`instrument()`): it also filters,
    /// internal targets always and the configured targets when given.
    Exclusive(Option<Targets>),
    /// Beside other layers (`layer()`): a per-layer filter is put in front.
    Beside,
}

/// A span's parent as far as ids and sampling go.
pub(super) struct Parent {
    trace_id: TraceId,
    span_id: SpanId,
    sampled: bool,
    trace_state: TraceState,
    remote: bool,
}

thread_local! {
    /// OpenTelemetry contexts made current by entering spans (context
    /// activation), innermost last.
    static ACTIVE: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

impl CoreLayer {
    pub(crate) fn new(
        handoff: Arc<Handoff>,
        sampler: HeadSampler,
        attribute_limit: u32,
        value_limit: u32,
        activation: bool,
        composition: Composition,
    ) -> Self {
        let (exclusive, targets) = match composition {
            Composition::Exclusive(targets) => (true, targets),
            Composition::Beside => (false, None),
        };
        Self {
            shared: Arc::new(Shared {
                handoff,
                sampler,
                ids: RandomIdGenerator::default(),
                attribute_limit,
                value_limit,
                activation,
                exclusive,
                targets,
            }),
        }
    }

    /// Whether this layer is the only one of its subscriber (set up by
    /// [`instrument`](crate::instrument)).
    pub(crate) fn is_exclusive(&self) -> bool {
        self.shared.exclusive
    }

    /// The layer's own filter decision for a callsite (exclusive only; beside
    /// other layers everything passes, a per-layer filter decides).
    pub(super) fn passes(&self, meta: &tracing::Metadata<'_>) -> bool {
        if !self.shared.exclusive {
            return true;
        }
        super::export_filter::is_exported(meta)
            && self
                .shared
                .targets
                .as_ref()
                .is_none_or(|t| t.would_enable(meta.target(), meta.level()))
    }

    /// The callsite's interest: always when it passes the layer's filter.
    pub(super) fn interest(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if self.passes(meta) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    /// The most verbose level the configured filter lets through.
    pub(super) fn level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        let targets = self.shared.targets.as_ref()?;
        tracing_subscriber::layer::Layer::<tracing_subscriber::Registry>::max_level_hint(targets)
    }

    /// The head sampler, for a parent set after the span started.
    pub(crate) fn sampler(&self) -> &HeadSampler {
        &self.shared.sampler
    }

    /// The current OpenTelemetry context's span, when it is valid: a span
    /// started through the OpenTelemetry API, or a remote parent attached by
    /// the application.
    fn otel_parent() -> Option<Parent> {
        OtelContext::map_current(|cx| {
            let sc = cx.span().span_context().clone();
            sc.is_valid().then(|| Parent {
                trace_id: sc.trace_id(),
                span_id: sc.span_id(),
                sampled: sc.is_sampled(),
                remote: sc.is_remote(),
                trace_state: sc.trace_state().clone(),
            })
        })
    }

    #[inline]
    fn new_record(
        &self,
        meta: &'static tracing::Metadata<'static>,
        parent: Option<Parent>,
    ) -> SpanRecord {
        let shared = &*self.shared;
        let (trace_id, parent_span_id, sampled, trace_state, parent_is_remote) = match parent {
            // In-process children share their root's decision.
            Some(p) if !p.remote => (p.trace_id, p.span_id, p.sampled, p.trace_state, false),
            Some(p) => (
                p.trace_id,
                p.span_id,
                shared.sampler.sample(p.trace_id, Some(p.sampled)),
                p.trace_state,
                true,
            ),
            None => {
                let trace_id = shared.ids.new_trace_id();
                let sampled = shared.sampler.sample(trace_id, None);
                (trace_id, SpanId::INVALID, sampled, TraceState::NONE, false)
            }
        };
        let mut record = SpanRecord::new(
            trace_id,
            shared.ids.new_span_id(),
            parent_span_id,
            meta,
            sampled,
            shared.attribute_limit,
            shared.value_limit,
        );
        record.parent_is_remote = parent_is_remote;
        if trace_state != TraceState::NONE {
            record.extras().trace_state = trace_state;
        }
        record
    }
}

/// What the layer does on each `tracing` callback, apart from where the
/// records live: shared by the [`Layer`] (records in a registry's
/// extensions) and by [`CoreSubscriber`](super::CoreSubscriber) (records in
/// its own slab).
impl CoreLayer {
    /// A parent as far as ids and sampling go, from its record.
    pub(super) fn parent_of(record: &SpanRecord) -> Parent {
        Parent {
            trace_id: record.trace_id,
            span_id: record.span_id,
            sampled: record.sampled,
            trace_state: record.trace_state(),
            remote: false,
        }
    }

    /// The record of a new span: ids, sampling, and (when kept) its fields.
    /// `parent` is the in-process parent; without one the current
    /// OpenTelemetry context's span is the parent.
    #[inline]
    pub(super) fn open(&self, attrs: &Attributes<'_>, parent: Option<Parent>) -> SpanRecord {
        let parent = parent.or_else(Self::otel_parent);
        let mut record = self.new_record(attrs.metadata(), parent);
        // A root keeps its fields even when not sampled: `set_parent` may
        // still give it a sampled remote parent. Others cost only their ids.
        if record.sampled || record.parent_span_id == SpanId::INVALID {
            // The request's app context (user, session, feature, prompt,
            // conversation) lands on every span started in its scope.
            crate::context::with_attributes(|app| {
                for kv in app {
                    record.push_attribute(kv.clone());
                }
            });
            attrs.record(&mut SpanFields(&mut record));
        }
        record
    }

    /// Records values given after the span opened.
    pub(super) fn record(record: &mut SpanRecord, values: &Record<'_>) {
        if record.sampled || record.parent_span_id == SpanId::INVALID {
            values.record(&mut SpanFields(record));
        }
    }

    /// Links `record` to the span `other`.
    pub(super) fn follows(record: &mut SpanRecord, other: SpanContext) {
        if record.sampled {
            record.push_link(Link::with_context(other));
        }
    }

    /// Adds an event to its span's record.
    pub(super) fn event(record: &mut SpanRecord, event: &TracingEvent<'_>) {
        if !record.sampled {
            return;
        }
        let meta = event.metadata();
        let mut otel_event = Event::new(
            "",
            SystemTime::now(),
            vec![
                KeyValue::new(EVENT_LEVEL, meta.level().as_str()),
                KeyValue::new(EVENT_TARGET, meta.target()),
            ],
            0,
        );
        let mut fields = EventFields {
            record: &mut *record,
            event: &mut otel_event,
            error: None,
        };
        event.record(&mut fields);
        let error = fields.error;
        if otel_event.name.is_empty() {
            otel_event.name = meta.name().into();
        }
        if let Some(description) = error {
            record.set_status(Status::error(description));
        } else if *meta.level() == Level::ERROR && *record.status() == Status::Unset {
            record.set_status(Status::error(""));
        }
        record.push_event(otel_event);
    }

    /// Whether entering a span also makes it the current OpenTelemetry context.
    pub(super) fn activates(&self) -> bool {
        self.shared.activation
    }

    /// Makes the entered span `id` the current OpenTelemetry context.
    pub(super) fn activate(id: &Id, sc: SpanContext) {
        let guard = OtelContext::current().with_remote_span_context(sc).attach();
        let _ = ACTIVE.try_with(|active| active.borrow_mut().push((id.clone(), guard)));
    }

    /// Restores the OpenTelemetry context from before span `id` was entered.
    pub(super) fn deactivate(id: &Id) {
        let _ = ACTIVE.try_with(|active| {
            let mut active = active.borrow_mut();
            // Spans exit in reverse order of entry; search in case they did not.
            if let Some(at) = active.iter().rposition(|(entered, _)| entered == id) {
                let (_, guard) = active.remove(at);
                drop(active);
                drop(guard);
            }
        });
    }

    /// Ends a closed span's record and hands it to the worker.
    #[inline]
    pub(super) fn close(&self, mut record: SpanRecord) {
        if !record.sampled {
            return;
        }
        record.end.get_or_insert_with(SystemTime::now);
        self.shared.handoff.send_record(record);
    }
}

impl<S> Layer<S> for CoreLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    // As its subscriber's only layer, CoreLayer is also the global target
    // filter: one `Layered` level less on every span callback than a
    // separate filter layer. Beside other layers it filters nothing globally
    // (`layer()` puts it behind a per-layer filter instead), so the
    // application's own layers still see every target.
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        self.interest(meta)
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        self.passes(meta)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        self.level_hint()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span
            .parent()
            .and_then(|p| p.extensions().get::<SpanRecord>().map(Self::parent_of));
        let record = self.open(attrs, parent);
        span.extensions_mut().insert(record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if let Some(record) = span.extensions_mut().get_mut::<SpanRecord>() {
            Self::record(record, values);
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let Some(other) = ctx.span(follows).and_then(|s| {
            s.extensions()
                .get::<SpanRecord>()
                .map(SpanRecord::span_context)
        }) else {
            return;
        };
        let Some(span) = ctx.span(id) else { return };
        if let Some(record) = span.extensions_mut().get_mut::<SpanRecord>() {
            Self::follows(record, other);
        }
    }

    fn on_event(&self, event: &TracingEvent<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        if let Some(record) = span.extensions_mut().get_mut::<SpanRecord>() {
            Self::event(record, event);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if !self.activates() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let Some(sc) = span
            .extensions()
            .get::<SpanRecord>()
            .map(SpanRecord::span_context)
        else {
            return;
        };
        Self::activate(id, sc);
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        if self.activates() {
            Self::deactivate(id);
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let Some(record) = span.extensions_mut().remove::<SpanRecord>() else {
            return;
        };
        self.close(record);
    }
}

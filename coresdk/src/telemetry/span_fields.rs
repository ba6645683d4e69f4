//! The span a `#[trace]` function opens: its fixed fields, the enabled check
//! and construction. Used by the macro expansion through `coresdk::__private`.

use opentelemetry::trace::{SpanId, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};
use tracing::Span;
use tracing_core::callsite::{Callsite, DefaultCallsite};
use tracing_core::field::Value;
use tracing_core::{Level, LevelFilter, Metadata};

/// The level of every `#[trace]` span.
pub const LEVEL: Level = Level::INFO;

/// The field names every `#[trace]` callsite declares, in this order,
/// before the user's `attrs(...)` keys.
///
/// `coresdk.intent` and `code.function.name` are declared but usually not
/// given when the span opens: see [`Labels`].
///
/// `code.file.path`, `code.line.number` and `code.module.name` are not
/// fields: `tracing-opentelemetry` records them from the callsite metadata,
/// which the macro points at the user's function.
pub mod fields {
    use crate::genai::attributes;

    /// `coresdk.intent`, set when the span opens.
    pub const INTENT: &str = attributes::CORESDK_INTENT;
    /// `code.function.name` (module path + fn name), set when the span opens.
    pub const FUNCTION: &str = attributes::CODE_FUNCTION_NAME;
    /// `coresdk.recovery_hint`, set on failure.
    pub const RECOVERY_HINT: &str = attributes::CORESDK_RECOVERY_HINT;
    /// `error.type`, set on failure.
    pub const ERROR_TYPE: &str = attributes::ERROR_TYPE;
    /// `coresdk.problem.type`, set on failure.
    pub const PROBLEM_TYPE: &str = attributes::CORESDK_PROBLEM_TYPE;
    /// `coresdk.problem.title`, set on failure.
    pub const PROBLEM_TITLE: &str = attributes::CORESDK_PROBLEM_TITLE;
    /// `coresdk.problem.status`, set on failure.
    pub const PROBLEM_STATUS: &str = attributes::CORESDK_PROBLEM_STATUS;
    /// `coresdk.problem.detail`, set on failure.
    pub const PROBLEM_DETAIL: &str = attributes::CORESDK_PROBLEM_DETAIL;
    /// `coresdk.cancelled`, set when a traced future is dropped early.
    pub const CANCELLED: &str = attributes::CORESDK_CANCELLED;
}

/// How many fields precede the user's `attrs(...)`.
pub const FIXED_FIELDS: usize = 9;

/// The most `attrs(...)` entries one function may have (tracing allows 32
/// fields per callsite).
pub const MAX_ATTRS: usize = 32 - FIXED_FIELDS;

/// Whether a span at this callsite would be recorded by the current
/// subscriber. With no subscriber this is a single relaxed atomic load.
#[inline]
pub fn enabled(callsite: &'static DefaultCallsite) -> bool {
    if LEVEL > tracing::level_filters::STATIC_MAX_LEVEL || LEVEL > LevelFilter::current() {
        return false;
    }
    let interest = callsite.interest();
    if interest.is_never() {
        return false;
    }
    interest.is_always()
        || tracing_core::dispatcher::get_default(|d| d.enabled(callsite.metadata()))
}

/// Opens the span of a `#[trace]` callsite (call only when [`enabled`]).
///
/// `values` has one entry per field of the callsite, in order (built by
/// `__private::span_values!`).
#[inline]
pub fn new_span(meta: &'static Metadata<'static>, values: &[Option<&dyn Value>]) -> Span {
    Span::new(meta, &meta.fields().value_set_all(values))
}

/// The per-callsite constants of a `#[trace]` span: `coresdk.intent` and
/// `code.function.name`.
///
/// They are set when the span is first entered, and preferably directly on
/// its OpenTelemetry span as `&'static str` values: given as `tracing` fields
/// when the span opens, `tracing-opentelemetry` would copy each into a new
/// `String` (plus a `Vec` to collect them), about a seventh of the
/// application thread's cost of a `#[trace]` call. That needs the layer's
/// context activation (on in CoreSDK's layer and by default), which makes the
/// entered span the current OpenTelemetry span; without it (or without an
/// OpenTelemetry layer) they are recorded as ordinary `tracing` fields.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    intent: &'static str,
    function: &'static str,
}

impl Labels {
    /// The labels of one callsite.
    #[inline]
    pub const fn new(intent: &'static str, function: &'static str) -> Self {
        Self { intent, function }
    }

    /// Enters `span` (enabled) and sets the labels on it. Drop the returned
    /// guard to exit.
    #[inline]
    pub(crate) fn enter(self, span: &Span) -> tracing::span::Entered<'_> {
        let outer = active_span_id();
        let entered = span.enter();
        self.record(span, outer);
        entered
    }

    /// Sets the labels on `span`, just entered; `outer` is the id of the
    /// OpenTelemetry span that was current before.
    fn record(self, span: &Span, outer: SpanId) {
        let on_otel_span = Context::map_current(|cx| {
            let active = cx.span();
            // Only if entering `span` activated its OpenTelemetry span: never
            // label someone else's span.
            if active.span_context().span_id() == outer {
                return false;
            }
            active.set_attributes([
                KeyValue::new(fields::INTENT, self.intent),
                KeyValue::new(fields::FUNCTION, self.function),
            ]);
            true
        });
        if !on_otel_span {
            self.record_fields(span);
        }
    }

    /// Records the labels as `tracing` fields of `span`.
    pub(crate) fn record_fields(self, span: &Span) {
        // One record for both: each record is a registry lookup per layer.
        let Some(meta) = span.metadata() else {
            return;
        };
        let set = meta.fields();
        let (Some(intent), Some(function)) =
            (set.field(fields::INTENT), set.field(fields::FUNCTION))
        else {
            return;
        };
        span.record_all(&set.value_set(&[
            (&intent, Some(&self.intent as &dyn Value)),
            (&function, Some(&self.function as &dyn Value)),
        ]));
    }
}

/// The id of the current OpenTelemetry span (invalid if there is none).
#[inline]
fn active_span_id() -> SpanId {
    Context::map_current(|cx| cx.span().span_context().span_id())
}

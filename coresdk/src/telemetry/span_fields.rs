//! The span a `#[trace]` function opens: its fixed fields, the enabled check
//! and construction. Used by the macro expansion through `coresdk::__private`.

use tracing::Span;
use tracing_core::callsite::{Callsite, DefaultCallsite};
use tracing_core::field::{Field, Value};
use tracing_core::{Level, LevelFilter, Metadata};

pub use crate::pipeline::record::Labels;

/// The level of every `#[trace]` span.
pub const LEVEL: Level = Level::INFO;

/// The field names every `#[trace]` callsite declares, in this order,
/// before the user's `attrs(...)` keys.
///
/// `coresdk.intent` and `code.function.name` are recorded when the span opens,
/// unless the subscriber is CoreSDK's, whose pipeline adds them: see
/// [`new_span`].
///
/// `code.file.path`, `code.line.number` and `code.module.name` are not
/// fields: CoreSDK's layer records them from the callsite metadata, which the
/// macro points at the user's function.
pub mod fields {
    use crate::genai::attributes;

    /// `coresdk.intent` (see [`Labels`](super::Labels)).
    pub const INTENT: &str = attributes::CORESDK_INTENT;
    /// `code.function.name`, module path + fn name (see [`Labels`](super::Labels)).
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
/// `attrs` are the values of the user's `attrs(...)`, in order (built by
/// `__private::span_values!`); only they are given when the span opens, so
/// the layers' visitors never walk the fixed fields. Under CoreSDK's layer
/// the span's record points at the labels (see [`Labels`]); under any other
/// subscriber they are recorded right after, so every layer sees them.
#[inline]
pub fn new_span<const M: usize>(
    meta: &'static Metadata<'static>,
    labels: &'static Labels,
    attrs: [&dyn Value; M],
) -> Span {
    tracing_core::dispatcher::get_default(|dispatch| {
        let fields = meta.fields();
        let mut names = fields.iter();
        // The macro declares the fixed fields first, labels leading.
        let (Some(intent), Some(function)) = (names.next(), names.next()) else {
            return Span::none();
        };
        let mut names = names.skip(FIXED_FIELDS - 2);
        // Every attr has its field (the macro declared them after the fixed
        // ones); the fallback is never taken.
        let attr_fields: [Field; M] =
            std::array::from_fn(|_| names.next().unwrap_or_else(|| intent.clone()));
        let values: [(&Field, Option<&dyn Value>); M] =
            std::array::from_fn(|i| (&attr_fields[i], Some(attrs[i])));
        let span = Span::new_with(meta, &fields.value_set(&values), dispatch);
        let labelled = span.id().and_then(|id| {
            crate::layer::record_in(dispatch, &id, |record| record.labels = Some(labels))
        });
        if labelled.is_none() {
            span.record_all(&fields.value_set(&[
                (&intent, Some(&labels.intent as &dyn Value)),
                (&function, Some(&labels.function as &dyn Value)),
            ]));
        }
        span
    })
}

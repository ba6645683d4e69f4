//! The span a `#[trace]` function opens: its fixed fields, the enabled check
//! and construction. Used by the macro expansion through `coresdk::__private`.

use tracing::Span;
use tracing_core::callsite::{Callsite, DefaultCallsite};
use tracing_core::field::{Field, Value};
use tracing_core::{Level, LevelFilter, Metadata};

use crate::layer::CoreLayer;
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
/// `values` are two placeholders for the labels followed by the values of
/// the user's `attrs(...)`, in order (built by `__private::span_values!`);
/// only these fields are given when the span opens, so the layers' visitors
/// never walk the other fixed fields. When CoreSDK's layer is the
/// subscriber's only layer ([`instrument`](crate::instrument)) the labels go
/// in typed, as the `coresdk.intent` value (see [`Labels`]); otherwise as the
/// two string fields every layer reads.
#[inline]
pub fn new_span<const N: usize>(
    meta: &'static Metadata<'static>,
    labels: &'static Labels,
    values: [&dyn Value; N],
) -> Span {
    tracing_core::dispatcher::get_default(|dispatch| {
        let fields = meta.fields();
        let mut names = fields.iter();
        // The macro declares the fixed fields first, labels leading.
        let (Some(intent), Some(function)) = (names.next(), names.next()) else {
            return Span::none();
        };
        let mut attrs = names.skip(FIXED_FIELDS - 2);
        // Every attr has its field (the macro declared them after the fixed
        // ones); the fallback is never taken.
        let all_fields: [Field; N] = std::array::from_fn(|i| match i {
            0 => intent.clone(),
            1 => function.clone(),
            _ => attrs.next().unwrap_or_else(|| intent.clone()),
        });
        let typed: &'static (dyn std::error::Error + 'static) = labels;
        let typed_labels = crate::layer::core_layer(dispatch).is_some_and(CoreLayer::is_exclusive);
        let label_values: [Option<&dyn Value>; 2] = if typed_labels {
            [Some(&typed), None]
        } else {
            [Some(&labels.intent), Some(&labels.function)]
        };
        let values: [(&Field, Option<&dyn Value>); N] = std::array::from_fn(|i| {
            let value = match i {
                0 | 1 => label_values[i],
                _ => Some(values[i]),
            };
            (&all_fields[i], value)
        });
        Span::new_with(meta, &fields.value_set(&values), dispatch)
    })
}

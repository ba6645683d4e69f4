//! What `#[trace]` expansions refer to, by absolute path
//! (`::coresdk::__private::…`). **Not public API**: anything here may change
//! in any release, which is why `coresdk` pins `coresdk-macros` with `=`.
//!
//! Everything the expansion names comes from here, including `Option` and the
//! `file!`/`line!` macros, so it compiles under `#![no_implicit_prelude]`.

pub use ::core::option::Option::{self, None, Some};
pub use ::core::pin::pin;
pub use ::core::{concat, file, line, module_path};
/// What `#[trace(recovery_hint = "…")]` expansions call as
/// `Cow::Borrowed(text)` to build `RecoveryHint::Custom`: since the variant
/// holds a `&'static str`, the "borrowed" text is passed through unchanged.
#[allow(non_snake_case)]
pub mod Cow {
    /// The text itself.
    pub const fn Borrowed(text: &'static str) -> &'static str {
        text
    }
}
pub use tracing::Span;
pub use tracing_core::callsite::{DefaultCallsite, Identifier};
pub use tracing_core::field::{Empty, FieldSet, Value, debug, display};
pub use tracing_core::{Kind, Metadata};

pub use crate::telemetry::RecoveryHint;
pub use crate::telemetry::outcome::{
    DisplayOutcome, ErrorView, Hint, Outcome, PlainOutcome, ProblemOutcome, ResultOutcome,
    ReturnsResult, record_outcome, require_result,
};
pub use crate::telemetry::span_fields::{
    FIXED_FIELDS, LEVEL, Labels, MAX_ATTRS, enabled, fields, new_span,
};
pub use crate::telemetry::traced_future::TracedFuture;
pub use crate::telemetry::traced_sync::run_sync;

/// `FieldSet` of a `#[trace]` callsite: the fixed fields (see
/// `telemetry::span_fields::fields`) followed by the `attrs(...)` keys.
#[doc(hidden)]
#[macro_export]
macro_rules! __coresdk_trace_field_set {
    ($callsite:expr; $($key:expr),* $(,)?) => {
        $crate::__private::FieldSet::new(
            &[
                $crate::__private::fields::INTENT,
                $crate::__private::fields::FUNCTION,
                $crate::__private::fields::RECOVERY_HINT,
                $crate::__private::fields::ERROR_TYPE,
                $crate::__private::fields::PROBLEM_TYPE,
                $crate::__private::fields::PROBLEM_TITLE,
                $crate::__private::fields::PROBLEM_STATUS,
                $crate::__private::fields::PROBLEM_DETAIL,
                $crate::__private::fields::CANCELLED,
                $($key),*
            ],
            $crate::__private::Identifier($callsite),
        )
    };
}

/// The values of a `#[trace]` span when it opens: two slots that
/// `new_span` fills with the labels, then the `attrs(...)` values in
/// `field_set!` order.
#[doc(hidden)]
#[macro_export]
macro_rules! __coresdk_trace_span_values {
    ($($value:expr),* $(,)?) => {
        [
            &$crate::__private::Empty as &dyn $crate::__private::Value,
            &$crate::__private::Empty as &dyn $crate::__private::Value,
            $($value as &dyn $crate::__private::Value),*
        ]
    };
}

pub use crate::__coresdk_trace_field_set as field_set;
pub use crate::__coresdk_trace_span_values as span_values;

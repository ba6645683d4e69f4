//! How a `#[trace]` function ended: `Err` values and panics recorded on its
//! span (error type, RFC 9457 problem, exception event, recovery hint, status).
//!
//! The macro classifies the return value by autoref specialisation (stable
//! Rust): `(&&&&Outcome(&value)).__coresdk_error()` resolves to the most
//! specific impl that applies, from "`Result` whose error is a [`Problem`]"
//! down to "not a `Result`".

use std::any::Any;
use std::fmt;

use opentelemetry::KeyValue;
use opentelemetry::trace::Status;
use tracing::Span;

use super::problem::{ABOUT_BLANK, Problem, short_type_name};
use super::recovery_hint::RecoveryHint;
use super::span_fields::fields;
use crate::genai::attributes;
use crate::layer::SpanExt as _;

/// The recovery hint of a callsite: a non-capturing closure, evaluated only
/// when the function fails.
pub type Hint = Option<fn() -> RecoveryHint>;

/// `error.type` of a span that ended in a panic.
const PANIC_ERROR_TYPE: &str = "panic";

/// A borrowed return value, to classify by autoref specialisation.
#[derive(Debug)]
pub struct Outcome<'a, T: ?Sized>(pub &'a T);

/// What is known about an error value.
#[derive(Clone, Copy)]
pub struct ErrorView<'a> {
    type_name: &'static str,
    problem: Option<&'a dyn Problem>,
    display: Option<&'a dyn fmt::Display>,
}

impl fmt::Debug for ErrorView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorView")
            .field("type_name", &self.type_name)
            .field("problem", &self.problem.is_some())
            .finish_non_exhaustive()
    }
}

/// `Result<_, E>` where `E: Problem` (most specific).
pub trait ProblemOutcome<'a> {
    /// The error, if the value is one.
    fn __coresdk_error(&self) -> Option<ErrorView<'a>>;
}

impl<'a, T, E: Problem> ProblemOutcome<'a> for &&&Outcome<'a, Result<T, E>> {
    #[inline]
    fn __coresdk_error(&self) -> Option<ErrorView<'a>> {
        match self.0 {
            Ok(_) => None,
            Err(e) => Some(ErrorView {
                type_name: std::any::type_name::<E>(),
                problem: Some(e),
                display: Some(e),
            }),
        }
    }
}

/// `Result<_, E>` where `E: Display`.
pub trait DisplayOutcome<'a> {
    /// The error, if the value is one.
    fn __coresdk_error(&self) -> Option<ErrorView<'a>>;
}

impl<'a, T, E: fmt::Display> DisplayOutcome<'a> for &&Outcome<'a, Result<T, E>> {
    #[inline]
    fn __coresdk_error(&self) -> Option<ErrorView<'a>> {
        match self.0 {
            Ok(_) => None,
            Err(e) => Some(ErrorView {
                type_name: std::any::type_name::<E>(),
                problem: None,
                display: Some(e),
            }),
        }
    }
}

/// Any other `Result`: only the error's type is known.
pub trait ResultOutcome<'a> {
    /// The error, if the value is one.
    fn __coresdk_error(&self) -> Option<ErrorView<'a>>;
}

impl<'a, T, E> ResultOutcome<'a> for &Outcome<'a, Result<T, E>> {
    #[inline]
    fn __coresdk_error(&self) -> Option<ErrorView<'a>> {
        match self.0 {
            Ok(_) => None,
            Err(_) => Some(ErrorView {
                type_name: std::any::type_name::<E>(),
                problem: None,
                display: None,
            }),
        }
    }
}

/// Not a `Result`: never an error.
pub trait PlainOutcome<'a> {
    /// Always `None`.
    fn __coresdk_error(&self) -> Option<ErrorView<'a>>;
}

impl<'a, T: ?Sized> PlainOutcome<'a> for Outcome<'a, T> {
    #[inline]
    fn __coresdk_error(&self) -> Option<ErrorView<'a>> {
        None
    }
}

/// Types `#[trace(on_error = ...)]` accepts as a return type.
#[diagnostic::on_unimplemented(
    message = "`#[trace(on_error = ...)]` needs a function that returns a `Result`, not `{Self}`",
    label = "this recovery hint can only be recorded on an `Err`",
    note = "remove `on_error`/`recovery_hint`, or return `Result<_, _>`"
)]
pub trait ReturnsResult {}

impl<T, E> ReturnsResult for Result<T, E> {}

/// Compile-time check that a function with `on_error` returns a `Result`.
#[inline(always)]
pub fn require_result<R: ReturnsResult>(_value: &R) {}

/// Records an `Err` (if `error` is one) on `span`.
#[inline]
pub fn record_outcome(span: &Span, error: Option<ErrorView<'_>>, hint: Hint) {
    if let Some(error) = error {
        record_error(span, error, hint);
    }
}

#[cold]
fn record_error(span: &Span, error: ErrorView<'_>, hint: Hint) {
    let type_name = error.type_name;
    let (problem_type, title, status, detail) = match error.problem {
        Some(p) => (
            p.problem_type().to_owned(),
            p.title().to_owned(),
            p.status(),
            Some(p.detail()),
        ),
        None => (
            ABOUT_BLANK.to_owned(),
            short_type_name(type_name).to_owned(),
            500,
            error.display.map(ToString::to_string),
        ),
    };
    span.record(fields::ERROR_TYPE, type_name);
    span.record(fields::PROBLEM_TYPE, problem_type.as_str());
    span.record(fields::PROBLEM_TITLE, title.as_str());
    span.record(fields::PROBLEM_STATUS, i64::from(status));
    if let Some(detail) = &detail {
        span.record(fields::PROBLEM_DETAIL, detail.as_str());
    }
    record_hint(span, hint);
    let message = error
        .display
        .map_or_else(|| title.clone(), ToString::to_string);
    span.set_status(Status::error(title));
    span.add_event(
        attributes::EXCEPTION_EVENT,
        vec![
            KeyValue::new(attributes::EXCEPTION_TYPE, type_name),
            KeyValue::new(attributes::EXCEPTION_MESSAGE, message),
        ],
    );
}

/// Records a panic (payload `payload`) on `span`; the caller resumes unwinding.
#[cold]
pub(crate) fn record_panic(span: &Span, payload: &(dyn Any + Send), hint: Hint) {
    if span.is_disabled() {
        return;
    }
    let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        String::from("panic with a non-string payload")
    };
    span.record(fields::ERROR_TYPE, PANIC_ERROR_TYPE);
    record_hint(span, hint);
    span.set_status(Status::error(PANIC_ERROR_TYPE));
    span.add_event(
        attributes::EXCEPTION_EVENT,
        vec![
            KeyValue::new(attributes::EXCEPTION_TYPE, PANIC_ERROR_TYPE),
            KeyValue::new(attributes::EXCEPTION_MESSAGE, message),
        ],
    );
}

fn record_hint(span: &Span, hint: Hint) {
    if let Some(hint) = hint {
        let hint = hint();
        span.record(fields::RECOVERY_HINT, hint.as_str());
    }
}

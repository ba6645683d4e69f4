//! `#[trace]` error semantics: `Err` returns (RFC 9457 problem fields,
//! exception event, recovery hint, status), panics and cancellation.

use crate::support;

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use coresdk::genai::attributes::{
    CORESDK_CANCELLED, CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TITLE,
    CORESDK_PROBLEM_TYPE, CORESDK_RECOVERY_HINT, ERROR_TYPE, EXCEPTION_EVENT, EXCEPTION_MESSAGE,
    EXCEPTION_TYPE,
};
use coresdk::{Problem, RecoveryHint, trace};
use opentelemetry::Value;
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use support::{attr, attr_str, capture, capture_async, is_error};

#[derive(Debug)]
struct DbError {
    table: &'static str,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "insert into {} failed", self.table)
    }
}

impl std::error::Error for DbError {}

#[derive(Debug)]
struct UpstreamTimeout {
    after_ms: u64,
}

impl fmt::Display for UpstreamTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inventory did not respond within {}ms", self.after_ms)
    }
}

impl Problem for UpstreamTimeout {
    fn problem_type(&self) -> &'static str {
        "https://coresdk.dev/errors/upstream-timeout"
    }
    fn title(&self) -> &'static str {
        "Upstream Timeout"
    }
    fn status(&self) -> u16 {
        504
    }
}

/// Not `Display`: only its type is known.
#[derive(Debug)]
struct Opaque;

fn exception(span: &SpanData) -> (String, String) {
    let events: Vec<_> = span
        .events
        .iter()
        .filter(|e| e.name == EXCEPTION_EVENT)
        .collect();
    assert_eq!(events.len(), 1, "one exception event on {}", span.name);
    let get = |key: &str| {
        events[0]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map_or_else(
                || panic!("exception event has no {key}"),
                |kv| kv.value.as_str().into_owned(),
            )
    };
    (get(EXCEPTION_TYPE), get(EXCEPTION_MESSAGE))
}

#[trace(intent = "persist order to database", on_error = RecoveryHint::RetryWithBackoff)]
fn save_order(fail: bool) -> Result<u64, DbError> {
    if fail {
        Err(DbError { table: "orders" })
    } else {
        Ok(7)
    }
}

#[test]
fn err_without_problem_impl_gets_defaults() {
    let (r, spans) = capture(|| save_order(true));
    assert!(r.is_err());
    let span = spans.one("save_order");
    assert!(is_error(span));
    assert_eq!(
        span.status,
        Status::error("DbError"),
        "status description is the problem title"
    );
    assert_eq!(attr_str(span, ERROR_TYPE), "it::trace_errors::DbError");
    assert_eq!(attr_str(span, CORESDK_PROBLEM_TYPE), "about:blank");
    assert_eq!(attr_str(span, CORESDK_PROBLEM_TITLE), "DbError");
    assert_eq!(attr(span, CORESDK_PROBLEM_STATUS), Some(&Value::I64(500)));
    assert_eq!(
        attr_str(span, CORESDK_PROBLEM_DETAIL),
        "insert into orders failed"
    );
    assert_eq!(
        attr_str(span, CORESDK_RECOVERY_HINT),
        "retry with exponential backoff"
    );
    assert_eq!(
        exception(span),
        (
            "it::trace_errors::DbError".to_owned(),
            "insert into orders failed".to_owned()
        )
    );
}

#[test]
fn ok_records_no_error_fields() {
    let (r, spans) = capture(|| save_order(false));
    assert_eq!(r.ok(), Some(7));
    let span = spans.one("save_order");
    assert_eq!(span.status, Status::Unset);
    for key in [
        ERROR_TYPE,
        CORESDK_PROBLEM_TYPE,
        CORESDK_PROBLEM_TITLE,
        CORESDK_PROBLEM_STATUS,
        CORESDK_PROBLEM_DETAIL,
        CORESDK_RECOVERY_HINT,
        CORESDK_CANCELLED,
    ] {
        assert!(
            attr(span, key).is_none(),
            "{key} must not be set on success"
        );
    }
    assert!(span.events.is_empty());
}

#[trace(
    intent = "call downstream inventory service",
    recovery_hint = "check inventory service health"
)]
async fn check_inventory(sku: &str) -> Result<u32, UpstreamTimeout> {
    tokio::task::yield_now().await;
    if sku.is_empty() {
        return Ok(0);
    }
    Err(UpstreamTimeout { after_ms: 2000 })
}

#[test]
fn problem_impl_gives_its_own_fields() {
    let (r, spans) = capture_async(|| check_inventory("sku-1"));
    assert!(r.is_err());
    let span = spans.one("check_inventory");
    assert!(is_error(span));
    assert_eq!(
        attr_str(span, ERROR_TYPE),
        "it::trace_errors::UpstreamTimeout"
    );
    assert_eq!(
        attr_str(span, CORESDK_PROBLEM_TYPE),
        "https://coresdk.dev/errors/upstream-timeout"
    );
    assert_eq!(attr_str(span, CORESDK_PROBLEM_TITLE), "Upstream Timeout");
    assert_eq!(attr(span, CORESDK_PROBLEM_STATUS), Some(&Value::I64(504)));
    assert_eq!(
        attr_str(span, CORESDK_PROBLEM_DETAIL),
        "inventory did not respond within 2000ms"
    );
    assert_eq!(
        attr_str(span, CORESDK_RECOVERY_HINT),
        "check inventory service health"
    );
    assert_eq!(exception(span).1, "inventory did not respond within 2000ms");
}

#[trace(intent = "custom hint expression", on_error = RecoveryHint::custom("page the on-call"))]
fn opaque_failure() -> Result<(), Opaque> {
    Err(Opaque)
}

#[test]
fn error_without_display_records_type_only() {
    let (_, spans) = capture(opaque_failure);
    let span = spans.one("opaque_failure");
    assert!(is_error(span));
    assert_eq!(attr_str(span, ERROR_TYPE), "it::trace_errors::Opaque");
    assert_eq!(attr_str(span, CORESDK_PROBLEM_TITLE), "Opaque");
    assert!(attr(span, CORESDK_PROBLEM_DETAIL).is_none());
    assert_eq!(attr_str(span, CORESDK_RECOVERY_HINT), "page the on-call");
    assert_eq!(
        exception(span),
        ("it::trace_errors::Opaque".to_owned(), "Opaque".to_owned())
    );
}

#[trace(intent = "boxed dyn error")]
fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err(Box::new(DbError { table: "boxed" }))
}

#[trace(intent = "generic error")]
fn generic<E: fmt::Display>(e: E) -> Result<(), E> {
    Err(e)
}

#[test]
fn boxed_and_generic_errors_use_display() {
    let (_, spans) = capture(|| (boxed().is_err(), generic("text error").is_err()));
    let span = spans.one("boxed");
    assert_eq!(
        attr_str(span, CORESDK_PROBLEM_DETAIL),
        "insert into boxed failed"
    );
    assert_eq!(
        attr_str(span, CORESDK_PROBLEM_TITLE),
        "Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>"
    );
    let span = spans.one("generic");
    assert_eq!(attr_str(span, ERROR_TYPE), "&str");
    assert_eq!(attr_str(span, CORESDK_PROBLEM_DETAIL), "text error");
}

#[trace(intent = "panics", on_error = RecoveryHint::CheckDownstreamHealth)]
fn panics(n: u32) -> Result<u32, DbError> {
    assert!(n < 10, "n too large: {n}");
    Ok(n)
}

#[test]
fn panic_ends_span_with_error_and_keeps_unwinding() {
    let (r, spans) = capture(|| std::panic::catch_unwind(|| panics(11)));
    let payload = r.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("n too large: 11")
    );
    let span = spans.one("panics");
    assert!(is_error(span));
    assert_eq!(attr_str(span, ERROR_TYPE), "panic");
    assert_eq!(
        attr_str(span, CORESDK_RECOVERY_HINT),
        "check downstream service health"
    );
    assert_eq!(
        exception(span),
        ("panic".to_owned(), "n too large: 11".to_owned())
    );
}

#[trace(intent = "async panic")]
async fn async_panics() -> u32 {
    tokio::task::yield_now().await;
    panic!("async boom");
}

#[test]
fn async_panic_ends_span_with_error() {
    let (r, spans) = capture_async(|| async { tokio::spawn(async_panics()).await });
    assert!(r.expect_err("task panicked").is_panic());
    let span = spans.one("async_panics");
    assert!(is_error(span));
    assert_eq!(attr_str(span, ERROR_TYPE), "panic");
    assert_eq!(exception(span).1, "async boom");
    assert!(
        attr(span, CORESDK_CANCELLED).is_none(),
        "a panic is not a cancellation"
    );
}

#[trace(intent = "never finishes")]
async fn slow() -> Result<(), DbError> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn dropped_future_is_marked_cancelled() {
    let ((), spans) = capture(|| {
        let mut future = pin!(slow());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
    });
    let span = spans.one("slow");
    assert_eq!(attr(span, CORESDK_CANCELLED), Some(&Value::Bool(true)));
    assert!(!is_error(span), "cancellation is not an error");
}

#[test]
fn timeout_cancellation_through_tokio() {
    let (r, spans) = capture_async(|| async {
        tokio::time::timeout(std::time::Duration::from_millis(5), slow()).await
    });
    assert!(r.is_err(), "timed out");
    let span = spans.one("slow");
    assert_eq!(attr(span, CORESDK_CANCELLED), Some(&Value::Bool(true)));
}

#[test]
fn completed_future_is_not_cancelled() {
    let (_, spans) = capture_async(|| check_inventory(""));
    let span = spans.one("check_inventory");
    assert!(attr(span, CORESDK_CANCELLED).is_none());
    assert!(!is_error(span));
}

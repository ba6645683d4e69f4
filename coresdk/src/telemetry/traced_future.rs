//! [`TracedFuture`]: an `async` `#[trace]` body polled inside its span.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tracing::Span;

use super::outcome::{Hint, record_panic};
use super::span_fields::fields;

/// Polls the (stack-pinned) body future inside its span; records an `Err`
/// output, a panic during a poll, or cancellation (dropped before completion:
/// `coresdk.cancelled = true`). The span closes when this is dropped.
///
/// Holds the body as `Pin<&mut F>` (pinned by the caller with
/// `core::pin::pin!`), so it needs neither `unsafe` nor an allocation.
#[must_use = "futures do nothing unless polled"]
pub struct TracedFuture<'a, F: Future, C> {
    span: Span,
    hint: Hint,
    inner: Pin<&'a mut F>,
    classify: C,
    done: bool,
}

impl<'a, F, C> TracedFuture<'a, F, C>
where
    F: Future,
    C: Fn(&F::Output, &Span, Hint) + Unpin,
{
    /// Wraps `inner`.
    #[inline]
    pub fn new(span: Span, hint: Hint, inner: Pin<&'a mut F>, classify: C) -> Self {
        Self {
            span,
            hint,
            inner,
            classify,
            done: false,
        }
    }
}

impl<F, C> Future for TracedFuture<'_, F, C>
where
    F: Future,
    C: Fn(&F::Output, &Span, Hint) + Unpin,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        if this.span.is_disabled() {
            return this.inner.as_mut().poll(cx);
        }
        let _entered = this.span.enter();
        match catch_unwind(AssertUnwindSafe(|| this.inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                this.done = true;
                (this.classify)(&output, &this.span, this.hint);
                Poll::Ready(output)
            }
            Err(payload) => {
                this.done = true;
                record_panic(&this.span, &*payload, this.hint);
                resume_unwind(payload)
            }
        }
    }
}

impl<F: Future, C> Drop for TracedFuture<'_, F, C> {
    fn drop(&mut self) {
        if self.span.is_disabled() {
            return;
        }
        if !self.done {
            self.span.record(fields::CANCELLED, true);
        }
    }
}

impl<F: Future, C> fmt::Debug for TracedFuture<'_, F, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedFuture")
            .field("span", &self.span)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

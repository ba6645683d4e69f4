//! [`InSpan`]: an SDK request future, boxed and polled inside its call's span.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tracing::Span;

/// Boxes `future` and polls it inside `span`.
///
/// Boxed, the SDK's request future (some 7 KB for Converse) does not make the
/// traced `send` future that awaits it as large, which is copied whole each
/// time it moves (into `block_on`, `spawn`, a join).
pub(crate) fn in_span<F: Future>(span: &Span, future: F) -> InSpan<'_, F> {
    InSpan {
        span,
        inner: Some(Box::pin(future)),
    }
}

/// The future of [`in_span`]. Unlike `tracing::Instrumented` it borrows the
/// span (no handle to clone and close) and drops the finished future during
/// its last poll, so that dropping it does not enter the span once more; a
/// future dropped unfinished is dropped inside the span, as `Instrumented`
/// does.
#[must_use = "futures do nothing unless polled"]
pub(crate) struct InSpan<'a, F> {
    span: &'a Span,
    inner: Option<Pin<Box<F>>>,
}

impl<F: Future> Future for InSpan<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        // Polled again after completion: nothing more will come.
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Pending;
        };
        let _entered = this.span.enter();
        let output = ready!(inner.as_mut().poll(cx));
        this.inner = None;
        Poll::Ready(output)
    }
}

impl<F> Drop for InSpan<'_, F> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let _entered = self.span.enter();
            drop(inner);
        }
    }
}

impl<F> fmt::Debug for InSpan<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InSpan")
            .field("span", self.span)
            .field("finished", &self.inner.is_none())
            .finish()
    }
}

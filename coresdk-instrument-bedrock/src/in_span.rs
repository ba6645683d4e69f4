//! [`InSpan`]: an SDK request future polled inside its call's span.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tracing::Span;

/// Polls `future` inside `span`.
///
/// The future stays inline rather than boxed: the SDK's request future is
/// some 7 KB, and a heap allocation of that size per call (a large-bin
/// request, then its free) costs more (about a microsecond in the overhead
/// bench) than copying the traced future, 2 KB larger than the SDK's own,
/// when it moves.
pub(crate) fn in_span<F: Future>(span: &Span, future: F) -> InSpan<'_, F> {
    InSpan {
        span,
        inner: Some(future),
    }
}

pin_project_lite::pin_project! {
    /// The future of [`in_span`]. Unlike `tracing::Instrumented` it borrows
    /// the span (no handle to clone and close) and drops the finished future
    /// during its last poll, so that dropping it does not enter the span once
    /// more; a future dropped unfinished is dropped inside the span, as
    /// `Instrumented` does.
    #[must_use = "futures do nothing unless polled"]
    pub(crate) struct InSpan<'a, F> {
        span: &'a Span,
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for InSpan<'_, F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some() {
                let _entered = this.span.enter();
                this.inner.set(None);
            }
        }
    }
}

impl<F: Future> Future for InSpan<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        // Polled again after completion: nothing more will come.
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let _entered = this.span.enter();
        let output = ready!(inner.poll(cx));
        this.inner.set(None);
        Poll::Ready(output)
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

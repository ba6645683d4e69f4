//! Running a sync `#[trace]` body inside its span.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use tracing::Span;

use super::outcome::{Hint, record_panic};

/// Runs `body` inside `span`, then lets `classify` record an `Err` result.
///
/// A panic is recorded (`error.type = "panic"`, status Error) and keeps
/// unwinding. The span closes when this returns or unwinds. With a disabled
/// span this is just `body()`.
#[inline]
#[allow(clippy::needless_pass_by_value)] // owns the span: it closes when this returns
pub fn run_sync<R, B, C>(span: Span, hint: Hint, body: B, classify: C) -> R
where
    B: FnOnce() -> R,
    C: FnOnce(&R, &Span, Hint),
{
    if span.is_disabled() {
        return body();
    }
    let result = {
        let _entered = span.enter();
        match catch_unwind(AssertUnwindSafe(body)) {
            Ok(result) => result,
            Err(payload) => {
                record_panic(&span, &*payload, hint);
                resume_unwind(payload)
            }
        }
    };
    classify(&result, &span, hint);
    result
}

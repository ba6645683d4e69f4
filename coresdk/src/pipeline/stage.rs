//! [`Stage`]: one step of the worker's chain, and [`Chain`], the ordered list
//! of stages a span goes through:
//!
//! ```text
//! PiiMasking ─► LlmDiagnostic ─► [TailSampling] ─► user processors ─► export
//! ```
//!
//! The worker owns the chain, so stages take `&mut self` and need no locks.
//! Masking is first by construction: nothing sees a span before it.

use std::fmt;
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanProcessor};

/// What a stage does with a span it was given.
// The span moves through unboxed: boxing would cost an allocation per span
// per stage on the worker.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Pass it to the next stage.
    Forward(SpanData),
    /// Pass these on (a held trace, decided): the span given may be among them.
    Release(Vec<SpanData>),
    /// Keep it for now; it may come out of a later call ([`Stage::tick`]).
    Hold,
    /// It goes no further (counted by the stage).
    Drop,
}

/// One step of the worker's chain. See the module docs.
pub(crate) trait Stage: Send + fmt::Debug {
    /// Takes one span and decides where it goes.
    fn on_span(&mut self, span: SpanData) -> Verdict;

    /// Work due by time (a partial batch, traces that timed out); spans it
    /// releases continue down the chain. Called every batch delay.
    fn tick(&mut self, _now: Instant) -> Vec<SpanData> {
        Vec::new()
    }

    /// The worker found the queue empty: a stage that gathers work for
    /// another thread hands it over now.
    fn idle(&mut self) {}

    /// Hands on everything held and waits for it (bounded by `deadline`);
    /// released spans continue down the chain before the next stage flushes.
    fn flush(&mut self, _deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (Vec::new(), Ok(()))
    }

    /// Like [`flush`](Self::flush), then stops: nothing is accepted after.
    fn shutdown(&mut self, _deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (Vec::new(), Ok(()))
    }
}

/// A user's [`SpanProcessor`] as a stage: it gets a copy of each span, the
/// rest of the chain the span itself.
#[derive(Debug)]
pub(crate) struct UserProcessor(pub(crate) Box<dyn SpanProcessor>);

impl Stage for UserProcessor {
    fn on_span(&mut self, span: SpanData) -> Verdict {
        self.0.on_end(span.clone());
        Verdict::Forward(span)
    }

    fn flush(&mut self, _deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (Vec::new(), self.0.force_flush())
    }

    fn shutdown(&mut self, deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        let left = deadline.saturating_duration_since(Instant::now());
        (Vec::new(), self.0.shutdown_with_timeout(left))
    }
}

/// The stages, front to back.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    stages: Vec<Box<dyn Stage>>,
}

impl Chain {
    /// An empty chain (spans go nowhere).
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends a stage at the end.
    #[must_use]
    pub(crate) fn then(mut self, stage: impl Stage + 'static) -> Self {
        self.stages.push(Box::new(stage));
        self
    }

    /// Appends a boxed stage at the end.
    pub(crate) fn push(&mut self, stage: Box<dyn Stage>) {
        self.stages.push(stage);
    }

    /// Runs one span through the chain.
    pub(crate) fn on_span(&mut self, span: SpanData) {
        run_from(&mut self.stages, span);
    }

    /// Tells every stage the worker found the queue empty.
    pub(crate) fn idle(&mut self) {
        for stage in &mut self.stages {
            stage.idle();
        }
    }

    /// Ticks every stage, front to back; what one releases goes on from there.
    pub(crate) fn tick(&mut self, now: Instant) {
        for i in 0..self.stages.len() {
            let released = self.stages[i].tick(now);
            let rest = &mut self.stages[i + 1..];
            for span in released {
                run_from(rest, span);
            }
        }
    }

    /// Flushes every stage, front to back, within `deadline`; reports the
    /// first failure.
    pub(crate) fn flush(&mut self, deadline: Instant) -> OTelSdkResult {
        self.each_until(deadline, |stage, deadline| stage.flush(deadline))
    }

    /// Shuts every stage down, front to back, within `deadline`.
    pub(crate) fn shutdown(&mut self, deadline: Instant) -> OTelSdkResult {
        self.each_until(deadline, |stage, deadline| stage.shutdown(deadline))
    }

    fn each_until(
        &mut self,
        deadline: Instant,
        mut call: impl FnMut(&mut dyn Stage, Instant) -> (Vec<SpanData>, OTelSdkResult),
    ) -> OTelSdkResult {
        let mut first: Option<OTelSdkError> = None;
        for i in 0..self.stages.len() {
            let (released, result) = call(self.stages[i].as_mut(), deadline);
            let rest = &mut self.stages[i + 1..];
            for span in released {
                run_from(rest, span);
            }
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        }
        if first.is_none() && Instant::now() > deadline + Duration::from_millis(1) {
            first = Some(OTelSdkError::Timeout(Duration::ZERO));
        }
        first.map_or(Ok(()), Err)
    }
}

/// Runs `span` through `stages` in order.
fn run_from(stages: &mut [Box<dyn Stage>], span: SpanData) {
    let mut span = span;
    for i in 0..stages.len() {
        match stages[i].on_span(span) {
            Verdict::Forward(next) => span = next,
            Verdict::Release(spans) => {
                let rest = &mut stages[i + 1..];
                for s in spans {
                    run_from(rest, s);
                }
                return;
            }
            Verdict::Hold | Verdict::Drop => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(name: &'static str) -> SpanData {
        SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: Cow::Borrowed(name),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    /// Holds spans named "hold" until ticked; drops "drop"; renames the rest.
    #[derive(Debug, Default)]
    struct Holder(Vec<SpanData>);

    impl Stage for Holder {
        fn on_span(&mut self, mut span: SpanData) -> Verdict {
            match span.name.as_ref() {
                "hold" => {
                    self.0.push(span);
                    Verdict::Hold
                }
                "drop" => Verdict::Drop,
                _ => {
                    span.name = Cow::Owned(format!("{}+", span.name));
                    Verdict::Forward(span)
                }
            }
        }

        fn tick(&mut self, _now: Instant) -> Vec<SpanData> {
            std::mem::take(&mut self.0)
        }
    }

    #[derive(Debug, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl Stage for Sink {
        fn on_span(&mut self, span: SpanData) -> Verdict {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(span.name.into_owned());
            Verdict::Drop
        }
    }

    #[test]
    fn spans_go_front_to_back_and_held_ones_resume_after_their_stage() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut chain = Chain::new()
            .then(Holder::default())
            .then(Sink(std::sync::Arc::clone(&seen)));
        for name in ["a", "hold", "drop", "b"] {
            chain.on_span(span(name));
        }
        assert_eq!(*seen.lock().expect("lock"), ["a+", "b+"]);
        chain.tick(Instant::now());
        assert_eq!(*seen.lock().expect("lock"), ["a+", "b+", "hold"]);
        assert!(chain.flush(Instant::now() + Duration::from_secs(1)).is_ok());
    }
}

//! [`CoreSubscriber`]: the subscriber [`instrument`](crate::instrument)
//! installs when CoreSDK is the only consumer of spans.
//!
//! With one layer and no other, a `Registry` underneath [`CoreLayer`] does
//! work nobody reads: a span-data slot with a type map of extensions, a
//! boxed record inserted into it, a parent reference held until every child
//! closes, a close guard per close. `CoreSubscriber` keeps the same
//! [`SpanRecord`] in a [`SpanStore`] and the entered spans in a thread-local
//! stack, and runs the layer's callbacks on them directly.

use std::cell::RefCell;

use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

use super::core_layer::{CoreLayer, Parent};
use super::span_store::SpanStore;
use crate::pipeline::record::SpanRecord;

/// CoreSDK's own `tracing` subscriber: [`CoreLayer`]'s callbacks on span
/// records kept in a [`SpanStore`], without a `Registry`.
#[derive(Debug)]
pub(crate) struct CoreSubscriber {
    layer: CoreLayer,
    spans: SpanStore,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<Id>> = const { RefCell::new(Vec::new()) };
}

/// The id of a span that could not be kept: it names no record.
const UNRECORDED: u64 = u64::MAX;

impl CoreSubscriber {
    pub(crate) fn new(layer: CoreLayer) -> Self {
        Self {
            layer,
            spans: SpanStore::new(),
        }
    }

    /// The layer whose callbacks this subscriber runs.
    pub(crate) fn layer(&self) -> &CoreLayer {
        &self.layer
    }

    /// Runs `f` on the record of span `id`, while the span is open.
    pub(crate) fn with_record<R>(
        &self,
        id: &Id,
        f: impl FnOnce(&mut SpanRecord) -> R,
    ) -> Option<R> {
        self.spans.with_record(id, f)
    }
}

/// The innermost span entered on this thread.
fn current() -> Option<Id> {
    ENTERED
        .try_with(|entered| entered.borrow().last().cloned())
        .ok()
        .flatten()
}

impl Subscriber for CoreSubscriber {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        self.layer.interest(meta)
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        self.layer.passes(meta)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        self.layer.level_hint()
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let parent = if attrs.is_contextual() {
            current()
        } else {
            attrs.parent().cloned()
        };
        let parent: Option<Parent> =
            parent.and_then(|p| self.with_record(&p, |r| CoreLayer::parent_of(r)));
        let record = self.layer.open(attrs, parent);
        self.spans
            .insert(attrs.metadata(), record)
            .unwrap_or_else(|| Id::from_u64(UNRECORDED))
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        self.with_record(span, |r| CoreLayer::record(r, values));
    }

    fn record_follows_from(&self, span: &Id, follows: &Id) {
        if let Some(other) = self.with_record(follows, |r| r.span_context()) {
            self.with_record(span, |r| CoreLayer::follows(r, other));
        }
    }

    fn event(&self, event: &Event<'_>) {
        let span = if event.is_contextual() {
            current()
        } else {
            event.parent().cloned()
        };
        if let Some(span) = span {
            self.with_record(&span, |r| CoreLayer::event(r, event));
        }
    }

    fn enter(&self, span: &Id) {
        let _ = ENTERED.try_with(|entered| entered.borrow_mut().push(span.clone()));
        if self.layer.activates()
            && let Some(sc) = self.with_record(span, |r| r.span_context())
        {
            CoreLayer::activate(span, sc);
        }
    }

    fn exit(&self, span: &Id) {
        let _ = ENTERED.try_with(|entered| {
            let mut entered = entered.borrow_mut();
            // Spans exit in reverse order of entry; search in case they did not.
            if entered.last() == Some(span) {
                entered.pop();
            } else if let Some(at) = entered.iter().rposition(|e| e == span) {
                entered.remove(at);
            }
        });
        if self.layer.activates() {
            CoreLayer::deactivate(span);
        }
    }

    fn clone_span(&self, id: &Id) -> Id {
        self.spans.clone_span(id);
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        match self.spans.release(&id) {
            Some(record) => {
                self.layer.close(record);
                true
            }
            None => false,
        }
    }

    fn current_span(&self) -> Current {
        current()
            .and_then(|id| self.spans.meta(&id).map(|meta| Current::new(id, meta)))
            .unwrap_or_else(Current::none)
    }
}

//! [`CoreSubscriber`]: the subscriber [`instrument`](crate::instrument)
//! installs when CoreSDK is the only consumer of spans.
//!
//! With one layer and no other, a `Registry` underneath [`CoreLayer`] does
//! work nobody reads: a span-data slot with a type map of extensions, a
//! boxed record inserted into it, a parent reference held until every child
//! closes, a close guard per close. `CoreSubscriber` keeps the same
//! [`SpanRecord`] in a slab slot of its own and the entered spans in a
//! thread-local stack, and runs the layer's callbacks on them directly.
//!
//! Ids are slab keys plus one (ids are non-zero). The slab's keys carry a
//! generation, so the id of a closed span never reaches a newer span.

use std::cell::RefCell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use sharded_slab::Slab;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_core::span::Current;

use super::core_layer::{CoreLayer, Parent};
use crate::pipeline::record::SpanRecord;

/// CoreSDK's own `tracing` subscriber: [`CoreLayer`]'s callbacks on span
/// records kept in a slab, without a `Registry`.
#[derive(Debug)]
pub(crate) struct CoreSubscriber {
    layer: CoreLayer,
    spans: Slab<Slot>,
}

/// One open span.
#[derive(Debug)]
struct Slot {
    /// Handles to the span (`tracing` counts them through `clone_span` and
    /// `try_close`); the span closes when the last one goes.
    refs: AtomicUsize,
    meta: &'static Metadata<'static>,
    /// `None` once the span closed (the slot is then on its way out).
    record: Mutex<Option<SpanRecord>>,
}

thread_local! {
    /// The spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<Id>> = const { RefCell::new(Vec::new()) };
}

impl CoreSubscriber {
    pub(crate) fn new(layer: CoreLayer) -> Self {
        Self {
            layer,
            spans: Slab::new(),
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
        let slot = self.spans.get(key(id)?)?;
        // A panic while a record was borrowed (in a visitor of the user's
        // values) leaves a record that is still whole: keep using it.
        let mut record = slot
            .record
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        record.as_mut().map(f)
    }

    /// The innermost span entered on this thread.
    fn current() -> Option<Id> {
        ENTERED
            .try_with(|entered| entered.borrow().last().cloned())
            .ok()
            .flatten()
    }
}

/// The slab key of span id `id`.
fn key(id: &Id) -> Option<usize> {
    usize::try_from(id.into_u64().checked_sub(1)?).ok()
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
            Self::current()
        } else {
            attrs.parent().cloned()
        };
        let parent: Option<Parent> =
            parent.and_then(|p| self.with_record(&p, |r| CoreLayer::parent_of(r)));
        let record = self.layer.open(attrs, parent);
        let slot = Slot {
            refs: AtomicUsize::new(1),
            meta: attrs.metadata(),
            record: Mutex::new(Some(record)),
        };
        match self.spans.insert(slot) {
            Some(key) => Id::from_u64(key as u64 + 1),
            // The slab is full only with more live threads than it has
            // shards: the span goes unrecorded (its id names no slot).
            None => Id::from_u64(u64::MAX),
        }
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
            Self::current()
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
        if let Some(slot) = key(id).and_then(|k| self.spans.get(k)) {
            slot.refs.fetch_add(1, Ordering::Relaxed);
        }
        id.clone()
    }

    fn try_close(&self, id: Id) -> bool {
        let Some(key) = key(&id) else { return false };
        let record = {
            let Some(slot) = self.spans.get(key) else {
                return false;
            };
            // Release/acquire as `Arc` does: every write through another
            // handle happens before the close.
            if slot.refs.fetch_sub(1, Ordering::AcqRel) != 1 {
                return false;
            }
            let mut record = slot
                .record
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            record.take()
        };
        // Freed now, or when the last concurrent reader lets go.
        self.spans.remove(key);
        if let Some(record) = record {
            self.layer.close(record);
        }
        true
    }

    fn current_span(&self) -> Current {
        match Self::current() {
            Some(id) => match key(&id).and_then(|k| self.spans.get(k)) {
                Some(slot) => Current::new(id, slot.meta),
                None => Current::none(),
            },
            None => Current::none(),
        }
    }
}

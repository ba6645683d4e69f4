//! [`SpanStore`]: where [`CoreSubscriber`](super::CoreSubscriber) keeps the
//! records of open spans.
//!
//! Slots live in shards, each behind its own lock; a thread opens its spans
//! in one shard (given out round-robin when the thread first opens one), so
//! threads rarely meet on a lock, and a span closed on another thread (a
//! task that moved) still finds its shard from its id. Every operation is one
//! uncontended lock and an index: cheaper on the application's thread than a
//! lock-free slab's per-slot reference counting.
//!
//! Field values are recorded under the lock, and a value's `Debug` or
//! `Display` is the application's code: should it open a span or emit an
//! event, that nested call is not recorded (it would wait for the lock its
//! own thread holds).
//!
//! An id packs the shard, the slot and the slot's generation (bumped each
//! time the slot is freed), so the id of a closed span never reaches the
//! span that reuses its slot.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tracing::Metadata;
use tracing::span::Id;

use crate::pipeline::record::SpanRecord;

/// Shards: enough that threads seldom share one.
const SHARDS: usize = 64;
const SHARD_BITS: u32 = 6;
const SLOT_BITS: u32 = 32;
const GENERATION_BITS: u32 = 64 - SHARD_BITS - SLOT_BITS;
const GENERATION_MASK: u64 = (1 << GENERATION_BITS) - 1;

/// The records of open spans.
#[derive(Debug)]
pub(super) struct SpanStore {
    shards: Box<[Mutex<Shard>]>,
    /// The shard the next thread gets.
    next_shard: AtomicUsize,
}

#[derive(Debug, Default)]
struct Shard {
    slots: Vec<Slot>,
    /// Free slots, most recently freed last (reused first: warm in cache).
    free: Vec<u32>,
}

#[derive(Debug)]
struct Slot {
    generation: u64,
    span: Option<OpenSpan>,
}

#[derive(Debug)]
struct OpenSpan {
    /// Handles to the span (`tracing` counts them through `clone_span` and
    /// `try_close`); the span closes when the last one goes.
    refs: usize,
    meta: &'static Metadata<'static>,
    record: SpanRecord,
}

thread_local! {
    /// This thread's shard, once it opened a span.
    static SHARD: Cell<Option<usize>> = const { Cell::new(None) };
    /// Whether this thread holds a shard's lock.
    static LOCKED: Cell<bool> = const { Cell::new(false) };
}

/// A shard's lock, held by this thread.
struct Locked<'a>(MutexGuard<'a, Shard>);

impl Deref for Locked<'_> {
    type Target = Shard;

    fn deref(&self) -> &Shard {
        &self.0
    }
}

impl DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut Shard {
        &mut self.0
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = LOCKED.try_with(|locked| locked.set(false));
    }
}

/// Where an id points.
struct Key {
    shard: usize,
    slot: usize,
    generation: u64,
}

impl Key {
    fn of(id: &Id) -> Option<Self> {
        let raw = id.into_u64().checked_sub(1)?;
        Some(Self {
            shard: usize::try_from(raw >> (SLOT_BITS + GENERATION_BITS)).ok()?,
            generation: (raw >> SLOT_BITS) & GENERATION_MASK,
            slot: usize::try_from(raw & ((1 << SLOT_BITS) - 1)).ok()?,
        })
    }

    fn id(&self) -> Option<Id> {
        let slot = u64::try_from(self.slot)
            .ok()
            .filter(|s| s >> SLOT_BITS == 0)?;
        let raw = (self.shard as u64) << (SLOT_BITS + GENERATION_BITS)
            | (self.generation & GENERATION_MASK) << SLOT_BITS
            | slot;
        Some(Id::from_u64(raw + 1))
    }
}

impl SpanStore {
    pub(super) fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            next_shard: AtomicUsize::new(0),
        }
    }

    /// Locks `shard`; `None` when this thread already holds a shard's lock
    /// (a span or event from inside a field value's formatting).
    fn lock(&self, shard: usize) -> Option<Locked<'_>> {
        let shard = self.shards.get(shard)?;
        if LOCKED
            .try_with(|locked| locked.replace(true))
            .unwrap_or(true)
        {
            return None;
        }
        // A panic while a record was borrowed (in a visitor of the user's
        // values) leaves the slots whole: keep using them.
        Some(Locked(shard.lock().unwrap_or_else(PoisonError::into_inner)))
    }

    fn own_shard(&self) -> usize {
        SHARD
            .try_with(|own| {
                own.get().unwrap_or_else(|| {
                    let shard = self.next_shard.fetch_add(1, Ordering::Relaxed) % SHARDS;
                    own.set(Some(shard));
                    shard
                })
            })
            // Thread-local storage is gone only while the thread exits.
            .unwrap_or(0)
    }

    /// Keeps a new span's record; `None` only when a shard has no slot
    /// number left (2³² spans open at once).
    #[inline]
    pub(super) fn insert(
        &self,
        meta: &'static Metadata<'static>,
        record: SpanRecord,
    ) -> Option<Id> {
        let shard = self.own_shard();
        let mut slots = self.lock(shard)?;
        let span = Some(OpenSpan {
            refs: 1,
            meta,
            record,
        });
        let slot = if let Some(free) = slots.free.pop() {
            let slot = free as usize;
            slots.slots.get_mut(slot)?.span = span;
            slot
        } else {
            let slot = slots.slots.len();
            u32::try_from(slot).ok()?;
            slots.slots.push(Slot {
                generation: 0,
                span,
            });
            slot
        };
        let generation = slots.slots.get(slot)?.generation;
        Key {
            shard,
            slot,
            generation,
        }
        .id()
    }

    /// Runs `f` on the open span `id`, under its shard's lock.
    fn with_span<R>(&self, id: &Id, f: impl FnOnce(&mut OpenSpan) -> R) -> Option<R> {
        let key = Key::of(id)?;
        let mut shard = self.lock(key.shard)?;
        let slot = shard.slots.get_mut(key.slot)?;
        if slot.generation != key.generation {
            return None;
        }
        slot.span.as_mut().map(f)
    }

    /// Runs `f` on the record of the open span `id`.
    pub(super) fn with_record<R>(
        &self,
        id: &Id,
        f: impl FnOnce(&mut SpanRecord) -> R,
    ) -> Option<R> {
        self.with_span(id, |span| f(&mut span.record))
    }

    /// The callsite of the open span `id`.
    pub(super) fn meta(&self, id: &Id) -> Option<&'static Metadata<'static>> {
        self.with_span(id, |span| span.meta)
    }

    /// Counts one more handle to span `id`.
    pub(super) fn clone_span(&self, id: &Id) {
        self.with_span(id, |span| span.refs += 1);
    }

    /// Counts one handle less; when it was the last, frees the slot and
    /// returns the record (`None`: the span stays open, or the id is
    /// unknown).
    #[inline]
    pub(super) fn release(&self, id: &Id) -> Option<SpanRecord> {
        let key = Key::of(id)?;
        let mut shard = self.lock(key.shard)?;
        let slot = shard.slots.get_mut(key.slot)?;
        if slot.generation != key.generation {
            return None;
        }
        let span = slot.span.as_mut()?;
        span.refs = span.refs.saturating_sub(1);
        if span.refs > 0 {
            return None;
        }
        let span = slot.span.take()?;
        slot.generation = (slot.generation + 1) & GENERATION_MASK;
        // The slot number fits: it was handed out as a `u32`.
        if let Ok(free) = u32::try_from(key.slot) {
            shard.free.push(free);
        }
        Some(span.record)
    }
}

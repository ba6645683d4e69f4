//! Pipeline counters: what was exported, dropped, or failed to export.
//!
//! Every span the handoff accepts ends up in exactly one of `exported`,
//! `dropped`, `export_failed` and `sampled_out`. The worker's side counts a
//! span when it settles; a shutdown that cannot wait for the worker seals the
//! ledger instead: what was accepted and not yet settled is counted as
//! dropped at once, and the worker's later counts are ignored, so the totals
//! add up the moment `shutdown()` returns.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// A snapshot of pipeline counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Spans dropped because the handoff queue or the retry buffer was full,
    /// the queue's byte budget was used up, or the pipeline was shut down
    /// (including spans still queued or in flight when a shutdown's budget
    /// ran out: counted before `shutdown` returns).
    pub dropped: u64,
    /// Spans an exporter accepted.
    pub exported: u64,
    /// Spans given up on after the exporter kept failing.
    pub export_failed: u64,
    /// Spans of traces the tail sampler chose not to keep.
    pub sampled_out: u64,
    /// String attribute values cut at the attribute value length limit
    /// (`pipeline.span_attribute_value_length_limit`); the spans themselves
    /// are kept.
    pub attributes_truncated: u64,
    /// LLM diagnostic payloads built for failed (or slow) traces. Payload
    /// counters are process-wide, in [`crate::stats()`] and `Guard::stats` alike.
    pub payloads_built: u64,
    /// Payloads the egress policy allowed (or no policy was configured).
    pub payloads_allowed: u64,
    /// Payloads the egress policy denied; each denial also logs one line.
    pub payloads_denied: u64,
    /// Payloads the external LLM endpoint answered.
    pub payloads_sent: u64,
    /// Payloads whose external request failed (transport, error status,
    /// redirect, invalid answer) or that were dropped on a full queue.
    pub payloads_failed: u64,
}

/// The counter values themselves, lock-free.
#[derive(Debug, Default)]
struct Totals {
    dropped: AtomicU64,
    exported: AtomicU64,
    export_failed: AtomicU64,
    sampled_out: AtomicU64,
    attributes_truncated: AtomicU64,
}

impl Totals {
    const fn new() -> Self {
        Self {
            dropped: AtomicU64::new(0),
            exported: AtomicU64::new(0),
            export_failed: AtomicU64::new(0),
            sampled_out: AtomicU64::new(0),
            attributes_truncated: AtomicU64::new(0),
        }
    }

    fn snapshot(&self) -> Stats {
        let mut stats = Stats {
            dropped: self.dropped.load(Ordering::Relaxed),
            exported: self.exported.load(Ordering::Relaxed),
            export_failed: self.export_failed.load(Ordering::Relaxed),
            sampled_out: self.sampled_out.load(Ordering::Relaxed),
            attributes_truncated: self.attributes_truncated.load(Ordering::Relaxed),
            ..Stats::default()
        };
        let payloads = crate::egress::payload_totals();
        stats.payloads_built = payloads.built;
        stats.payloads_allowed = payloads.allowed;
        stats.payloads_denied = payloads.denied;
        stats.payloads_sent = payloads.sent;
        stats.payloads_failed = payloads.failed;
        stats
    }
}

/// The worker side's part of the ledger.
#[derive(Debug, Default)]
struct Ledger {
    /// Spans the worker side has counted, under any counter.
    settled: u64,
    /// A shutdown counted what was still open: the worker side counts no more.
    sealed: bool,
}

/// Shared counters of one pipeline; every increment also lands in the
/// process-wide totals returned by [`crate::stats`]. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    totals: Totals,
    // A lock, not atomics: sealing must see a settled count that no
    // in-progress increment can still add to. It is taken once per batch or
    // per dropped span on the worker side, never on the application's
    // fast path.
    ledger: Mutex<Ledger>,
}

static GLOBAL: Totals = Totals::new();

/// Which counter a settled span goes to.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Dropped,
    Exported,
    ExportFailed,
    SampledOut,
}

impl Counters {
    /// Spans accepted by the handoff and dropped on the worker side.
    pub(crate) fn dropped(&self, n: u64) {
        self.settle(Outcome::Dropped, n);
    }

    pub(crate) fn exported(&self, n: u64) {
        self.settle(Outcome::Exported, n);
    }

    pub(crate) fn export_failed(&self, n: u64) {
        self.settle(Outcome::ExportFailed, n);
    }

    pub(crate) fn sampled_out(&self, n: u64) {
        self.settle(Outcome::SampledOut, n);
    }

    /// Spans the handoff refused (full queue, byte budget, shut down): they
    /// were never accepted, so they are outside the worker's ledger and are
    /// counted even after it is sealed.
    pub(crate) fn refused(&self, n: u64) {
        add(&self.totals.dropped, &GLOBAL.dropped, n);
    }

    /// Attribute values cut at the value length limit.
    pub(crate) fn attributes_truncated(&self, n: u64) {
        if n > 0 {
            add(
                &self.totals.attributes_truncated,
                &GLOBAL.attributes_truncated,
                n,
            );
        }
    }

    fn settle(&self, outcome: Outcome, n: u64) {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        if ledger.sealed {
            // Already counted as dropped when the ledger was sealed.
            return;
        }
        ledger.settled = ledger.settled.saturating_add(n);
        let (local, global) = match outcome {
            Outcome::Dropped => (&self.totals.dropped, &GLOBAL.dropped),
            Outcome::Exported => (&self.totals.exported, &GLOBAL.exported),
            Outcome::ExportFailed => (&self.totals.export_failed, &GLOBAL.export_failed),
            Outcome::SampledOut => (&self.totals.sampled_out, &GLOBAL.sampled_out),
        };
        add(local, global, n);
    }

    /// Counts as dropped every span of the `accepted` (by the handoff) that
    /// the worker side has not counted yet, and ignores the worker side's
    /// counts from now on. Returns how many that was. A second call does
    /// nothing.
    pub(crate) fn seal(&self, accepted: u64) -> u64 {
        let mut ledger = self.ledger.lock().unwrap_or_else(PoisonError::into_inner);
        if ledger.sealed {
            return 0;
        }
        ledger.sealed = true;
        let open = accepted.saturating_sub(ledger.settled);
        if open > 0 {
            add(&self.totals.dropped, &GLOBAL.dropped, open);
        }
        open
    }

    pub(crate) fn snapshot(&self) -> Stats {
        self.totals.snapshot()
    }
}

fn add(local: &AtomicU64, global: &AtomicU64, n: u64) {
    local.fetch_add(n, Ordering::Relaxed);
    global.fetch_add(n, Ordering::Relaxed);
}

/// Process-wide pipeline counters, summed over every pipeline this process set up.
pub fn stats() -> Stats {
    GLOBAL.snapshot()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_ledger_counts_what_is_open_once_and_ignores_late_counts() {
        let counters = Counters::default();
        counters.exported(3);
        counters.sampled_out(1);
        counters.refused(2);
        assert_eq!(counters.seal(10), 6, "10 accepted, 4 settled");
        counters.exported(5);
        counters.export_failed(1);
        assert_eq!(counters.seal(10), 0);
        counters.refused(1);
        let stats = counters.snapshot();
        assert_eq!(stats.exported, 3);
        assert_eq!(stats.export_failed, 0);
        assert_eq!(stats.sampled_out, 1);
        assert_eq!(stats.dropped, 2 + 6 + 1);
    }
}

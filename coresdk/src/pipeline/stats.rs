//! Pipeline counters: what was exported, dropped, or failed to export.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of pipeline counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Spans dropped because the handoff queue or the retry buffer was full,
    /// or because the pipeline was shut down.
    pub dropped: u64,
    /// Spans an exporter accepted.
    pub exported: u64,
    /// Spans given up on after the exporter kept failing.
    pub export_failed: u64,
    /// Spans of traces the tail sampler chose not to keep.
    pub sampled_out: u64,
    /// LLM diagnostic payloads built for failed (or slow) traces. Payload
    /// counters are process-wide, in [`crate::stats`] and `Guard::stats` alike.
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

/// Shared, lock-free counters of one pipeline; every increment also lands in the
/// process-wide totals returned by [`crate::stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    dropped: AtomicU64,
    exported: AtomicU64,
    export_failed: AtomicU64,
    sampled_out: AtomicU64,
}

static GLOBAL: Counters = Counters {
    dropped: AtomicU64::new(0),
    exported: AtomicU64::new(0),
    export_failed: AtomicU64::new(0),
    sampled_out: AtomicU64::new(0),
};

impl Counters {
    pub(crate) fn dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
        GLOBAL.dropped.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn exported(&self, n: u64) {
        self.exported.fetch_add(n, Ordering::Relaxed);
        GLOBAL.exported.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn export_failed(&self, n: u64) {
        self.export_failed.fetch_add(n, Ordering::Relaxed);
        GLOBAL.export_failed.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn sampled_out(&self, n: u64) {
        self.sampled_out.fetch_add(n, Ordering::Relaxed);
        GLOBAL.sampled_out.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Stats {
        let mut stats = Stats {
            dropped: self.dropped.load(Ordering::Relaxed),
            exported: self.exported.load(Ordering::Relaxed),
            export_failed: self.export_failed.load(Ordering::Relaxed),
            sampled_out: self.sampled_out.load(Ordering::Relaxed),
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

/// Process-wide pipeline counters, summed over every pipeline this process set up.
pub fn stats() -> Stats {
    GLOBAL.snapshot()
}

//! Process-wide counters of the diagnostic payloads (built, allowed, denied,
//! sent, failed), read by `coresdk::stats()`.

use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of [`PAYLOADS`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PayloadTotals {
    pub(crate) built: u64,
    pub(crate) allowed: u64,
    pub(crate) denied: u64,
    pub(crate) sent: u64,
    pub(crate) failed: u64,
}

/// Process-wide counters of the diagnostic payloads.
#[derive(Debug)]
pub(crate) struct PayloadCounters {
    built: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
}

/// What happened to a payload.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PayloadEvent {
    Built,
    Allowed,
    Denied,
    Sent,
    Failed,
}

pub(crate) static PAYLOADS: PayloadCounters = PayloadCounters {
    built: AtomicU64::new(0),
    allowed: AtomicU64::new(0),
    denied: AtomicU64::new(0),
    sent: AtomicU64::new(0),
    failed: AtomicU64::new(0),
};

impl PayloadCounters {
    pub(crate) fn count(&self, event: PayloadEvent) {
        let counter = match event {
            PayloadEvent::Built => &self.built,
            PayloadEvent::Allowed => &self.allowed,
            PayloadEvent::Denied => &self.denied,
            PayloadEvent::Sent => &self.sent,
            PayloadEvent::Failed => &self.failed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> PayloadTotals {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        PayloadTotals {
            built: get(&self.built),
            allowed: get(&self.allowed),
            denied: get(&self.denied),
            sent: get(&self.sent),
            failed: get(&self.failed),
        }
    }
}

/// The process-wide payload counters now.
pub(crate) fn payload_totals() -> PayloadTotals {
    PAYLOADS.snapshot()
}

//! Periodic work of a stage, run by the pipeline worker.

/// A stage with work that is due by time rather than by arriving spans
/// (export of a partial batch, decisions on traces that timed out). The worker
/// calls [`Tick::tick`] every batch delay, between drains of the queue.
pub(crate) trait Tick: Send + Sync + std::fmt::Debug {
    /// Does whatever is due now. Must not block for long.
    fn tick(&self);
}

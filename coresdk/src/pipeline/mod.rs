//! The worker side: the handoff queue and the stage chain.
//!
//! ```text
//! app thread: span closes ─► Handoff (bounded queue; full ⇒ drop + count)
//! worker:     record → SpanData ─► PiiMasking ─► LlmDiagnostic ─► [TailSampling]
//!                                  ─► user processors ─► export
//! ```
//!
//! Each step is a `Stage` in one ordered list owned by the
//! worker thread, so masking runs before anything else sees a span.

pub(crate) mod deadline;
pub mod diagnostic;
pub mod export;
mod failure_report;
pub(crate) mod handoff;
pub mod masking;
pub(crate) mod otlp_traces;
mod otlp_wire;
pub mod pii;
pub(crate) mod record;
mod retry;
pub mod sampling;
pub(crate) mod stage;
pub mod stats;
mod stdout;
mod trace_table;
pub(crate) mod value_limit;

pub use diagnostic::{DiagnosticLimits, LlmDiagnostic};
pub use export::ExportError;
pub use masking::PiiMasking;
pub use record::Labels;
pub use stats::{Stats, stats};
pub use trace_table::TableStats;

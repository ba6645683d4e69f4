//! The span processor chain.
//!
//! ```text
//! app thread: span ends ─► Handoff (bounded queue; full ⇒ drop + count)
//! worker:     PiiMasking ─► LlmDiagnostic ─► user processors ─► export
//! ```
//!
//! Each stage is a [`SpanProcessor`](opentelemetry_sdk::trace::SpanProcessor)
//! that owns the next one; only the handoff is registered with the provider.
//! (opentelemetry-rust hands every registered processor its own copy of a span,
//! so a sibling processor could not mask for another: hence composition.)

pub(crate) mod deadline;
pub(crate) mod deferred;
pub mod diagnostic;
pub mod export;
mod failure_report;
pub(crate) mod fanout;
pub(crate) mod handoff;
pub mod masking;
mod otlp_http;
mod otlp_size;
pub mod pii;
pub mod sampling;
pub mod stats;
mod stdout;
pub(crate) mod tick;
mod trace_table;

pub use diagnostic::{DiagnosticLimits, LlmDiagnostic};
pub use export::ExportError;
pub use masking::PiiMasking;
pub use stats::{Stats, stats};
pub use trace_table::TableStats;

//! The span processor chain.
//!
//! ```text
//! app thread: span ends ─► Handoff (bounded queue; full ⇒ drop + count)
//! worker:     PiiMasking ─► LlmDiagnostic ─► user processors ─► exporters
//! ```
//!
//! Each stage is a [`SpanProcessor`](opentelemetry_sdk::trace::SpanProcessor)
//! that owns the next one; only the handoff is registered with the provider.

pub mod diagnostic;
pub mod masking;
mod trace_table;

pub use diagnostic::{DiagnosticLimits, LlmDiagnostic};
pub use masking::PiiMasking;
pub use trace_table::TableStats;

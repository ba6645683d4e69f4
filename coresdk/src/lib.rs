//! CoreSDK: make LLM applications debuggable.
//!
//! Call [`instrument`] once at startup: every `tracing` span becomes an
//! OpenTelemetry span that passes PII masking and the LLM-diagnostic stage on a
//! worker thread before it is exported over OTLP.
//!
//! ```no_run
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let _guard = coresdk::instrument()?; // coresdk-sidecar.yaml + env; flushes on drop
//!     let span = tracing::info_span!("handle_request", "coresdk.intent" = "answer a question");
//!     span.in_scope(|| { /* your code */ });
//!     Ok(())
//! }
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod config;
pub mod context;
pub mod egress;
pub mod genai;
#[cfg(doctest)]
mod guides;
pub mod metrics;
pub mod pipeline;
pub mod propagation;
pub mod quality;
mod setup;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{Config, ConfigBuilder, ConfigError};
pub use pipeline::{Stats, stats};
pub use quality::{score, score_trace};
pub use setup::{
    CoreLayer, Guard, SDK_VERSION, SetupError, ShutdownError, instrument, instrument_with, layer,
};

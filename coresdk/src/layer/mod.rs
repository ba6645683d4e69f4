//! The application side: [`CoreLayer`], CoreSDK's own `tracing` layer, the
//! subscriber `instrument()` runs it in (`CoreSubscriber`, records in a
//! `SpanStore` of locked shards), and [`SpanExt`], the OpenTelemetry view of
//! its spans.
//!
//! ```text
//! #[trace] fn / GenAI call / any tracing span
//!    │  CoreSubscriber (instrument) or Registry + CoreLayer (layer):
//!    │  ids, parent, start, &'static metadata, typed fields → SpanRecord
//!    ▼  on close: the record goes to the pipeline's handoff queue
//! ```

mod core_layer;
pub(crate) mod export_filter;
mod fields;
pub(crate) mod sampler;
mod span_ext;
mod span_store;
mod subscriber;

pub(crate) use core_layer::Composition;
pub use core_layer::CoreLayer;
pub use span_ext::{SetParentError, SpanExt};

pub(crate) use span_ext::{core_layer, with_record};
pub(crate) use subscriber::CoreSubscriber;

//! CoreSDK: make LLM applications debuggable.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod config;
pub mod genai;
pub mod pipeline;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use config::{Config, ConfigBuilder, ConfigError};
pub use coresdk_macros::trace;
pub use telemetry::{Problem, RecoveryHint};

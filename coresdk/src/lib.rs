//! CoreSDK: make LLM applications debuggable.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod config;
pub mod egress;
pub mod genai;
pub mod pipeline;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{Config, ConfigBuilder, ConfigError};

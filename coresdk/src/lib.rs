//! CoreSDK: make LLM applications debuggable.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod config;
pub mod genai;

pub use config::{Config, ConfigBuilder, ConfigError};

//! GenAI semantic conventions shared by every provider instrumentation.
//!
//! Provider crates translate their SDK types into this module's neutral model;
//! attribute naming, content capture, truncation and cost live here, once.

pub mod attributes;

//! The integration tests of `coresdk`: one test binary, a module per
//! behaviour, so the workspace links one binary here instead of one per
//! file.
//!
//! Every pipeline set up by the modules at the top level uses the default
//! GenAI and propagation settings, which a pipeline installs process-wide,
//! and none of them sets a global subscriber, reads process-wide counters or
//! measures memory. Tests that do are under `solo`: each runs alone in a
//! child process of this binary, while the others go on beside it.
//!
//! Module paths here start with `it::` (`code.function.name` and
//! `error.type` of the traced test functions: `it::trace_shapes::free`), and
//! `code.file.path` is the module's file under `tests/it/`.
//!
//! The compile-fail tests of `#[trace]` are `ui` (cases in `tests/ui/fail/`).
//! What must compile and run is tested here (`attributes_kept`,
//! `trace_hygiene`) and in the `trace` docs (`unsafe fn`).

mod common;
mod pii_support;
mod support;

// Public: it denies `missing_docs`, which checks only what the crate exports.
pub mod attributes_kept;
mod byte_bounds;
mod config;
mod diagnostic_detail;
mod diagnostic_payload;
mod diagnostic_privacy;
mod diagnostic_trace_macro;
mod export_retry;
mod interop;
mod local_socket;
mod pii_corpus;
mod pii_false_positives;
mod pii_phone_locales;
mod pii_pipeline;
mod pii_properties;
mod pipeline;
mod solo;
mod tail_sampling;
mod terminal_safety;
mod trace_attrs;
mod trace_errors;
mod trace_hygiene;
mod trace_labels;
mod trace_shapes;
mod ui;

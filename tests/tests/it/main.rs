//! The cross-crate end-to-end tests that can share a process: one test
//! binary, a module per behaviour. A scenario that needs a process to itself
//! (`instrument()` sets the global subscriber; the export-failure report and
//! the soak's RSS) re-executes this binary and runs there alone, by its full
//! test name (`module::test`).
//!
//! Binaries of their own (`tests/*.rs`), each needing its process alone:
//! - `host_safety`: sets the global default subscriber, which every later
//!   `instrument()` in the process would collide with, and times flush and
//!   shutdown budgets to a quarter second;
//! - `metrics_e2e`: installs the process-wide GenAI metric instruments and
//!   asserts exact counts, which GenAI calls of other tests would add to;
//! - `backpressure`: times the application thread per span against a
//!   baseline taken in the same process, which tests running beside it skew.

mod export_resilience;
mod llm_diagnostic_e2e;
mod pipeline_e2e;

//! The cross-crate end-to-end tests: one test binary, a module per
//! behaviour. A scenario that needs a process to itself (`instrument()` sets
//! the global subscriber; the export-failure report and the soak's RSS)
//! re-executes this binary and runs there alone, by its full test name
//! (`module::test`); the modules under `solo` run every test that way.

mod export_resilience;
mod llm_diagnostic_e2e;
mod pipeline_e2e;
mod solo;

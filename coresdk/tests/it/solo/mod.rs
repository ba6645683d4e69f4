//! The tests that need a process to themselves: each starts with
//! `if delegated() { return; }` (`coresdk_tests::solo`), which runs it again,
//! alone, in a child process of this binary. The modules install or measure
//! process-wide state that other tests would meet:
//! - `app_context`: opts in baggage keys, process-wide propagation settings;
//! - `genai_spans`, `pricing_file`, `quality`: install GenAI settings
//!   (content capture, prices) that every GenAI span in the process reads;
//! - `propagation`, `egress_e2e`: set the global default subscriber, and
//!   `egress_e2e` compares process-wide payload counters before and after;
//! - `switches`: `instrument_with` installs the global subscriber and
//!   propagator (and `OTEL_SDK_DISABLED` a no-op);
//! - `attribute_memory`, `diagnostic_soak`: measure the process's RSS.

mod app_context;
mod attribute_memory;
mod diagnostic_soak;
mod egress_e2e;
mod genai_spans;
mod pricing_file;
mod propagation;
mod quality;
mod switches;

//! The tests that need a process to themselves: each starts with
//! `if delegated() { return; }` (`coresdk_tests::solo`), which runs it again,
//! alone, in a child process of this binary.
//! - `host_safety`: sets the global default subscriber, which every later
//!   `instrument()` in the process would collide with, and times flush and
//!   shutdown budgets to a quarter second;
//! - `metrics_e2e`: installs the process-wide GenAI metric instruments and
//!   asserts exact counts, which GenAI calls of other tests would add to;
//! - `backpressure`: times the application thread per span against a
//!   baseline taken in the same process.

mod backpressure;
mod host_safety;
mod metrics_e2e;

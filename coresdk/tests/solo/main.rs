//! The integration tests of `coresdk` that need a process to themselves, in
//! one test binary (each used to be a binary of its own, linking the whole
//! tree): every test here starts with `if crate::delegated() { return; }`,
//! which runs it again, alone, in a child process of this binary. The
//! modules install or measure process-wide state that other tests would
//! meet:
//! - `app_context`: opts in baggage keys, process-wide propagation settings;
//! - `genai_spans`, `pricing_file`, `quality`: install GenAI settings
//!   (content capture, prices) that every GenAI span in the process reads;
//! - `propagation`, `egress_e2e`: set the global default subscriber, and
//!   `egress_e2e` compares process-wide payload counters before and after;
//! - `switches`: `instrument_with` installs the global subscriber and
//!   propagator (and `OTEL_SDK_DISABLED` a no-op);
//! - `attribute_memory`, `diagnostic_soak`: measure the process's RSS.

#[path = "../it/common.rs"]
mod common;

mod app_context;
mod attribute_memory;
mod diagnostic_soak;
mod egress_e2e;
mod genai_spans;
mod pricing_file;
mod propagation;
mod quality;
mod switches;

use std::process::Command;

/// Names the test a child process runs; unset in the parent.
const CHILD: &str = "CORESDK_SOLO_TEST";

/// Runs the calling test in a child process of its own: in the parent,
/// runs this binary filtered to the test, fails if it failed there, and
/// returns `true` (the caller returns); in that child, returns `false` and
/// the test goes on.
fn delegated() -> bool {
    // libtest runs each test on a thread named after it.
    let name = std::thread::current()
        .name()
        .map(str::to_owned)
        .expect("libtest names each test's thread after the test");
    if std::env::var(CHILD).as_deref() == Ok(name.as_str()) {
        return false;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, &name)
        .output()
        .expect("run the test in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed;"),
        "{name} failed in its own process:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

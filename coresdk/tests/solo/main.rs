//! The integration tests of `coresdk` that need a process to themselves, in
//! one test binary: a module per group, and `each_module_alone` runs each
//! module's tests in a child process of this binary, by module prefix, as
//! the module's own binary used to. The modules install or measure
//! process-wide state that other tests would meet:
//! - `app_context`: opts in baggage keys, process-wide propagation settings;
//! - `genai_spans`, `pricing_file`, `quality`: install GenAI settings
//!   (content capture, prices) that every GenAI span in the process reads;
//! - `propagation`, `egress_e2e`: set the global default subscriber, and
//!   `egress_e2e` compares process-wide payload counters before and after;
//! - `switches`: `instrument_with` installs the global subscriber and
//!   propagator (and `OTEL_SDK_DISABLED` a no-op);
//! - `attribute_memory`, `diagnostic_soak`: measure the process's RSS.
//!
//! Their tests are `#[ignore]`d in the parent process, which runs only the
//! driver. One module alone:
//! `CORESDK_SOLO_MODULE=quality cargo test -p coresdk --test solo quality:: -- --ignored`.

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

/// Names the module a child process runs; unset in the parent.
const MODULE: &str = "CORESDK_SOLO_MODULE";

/// Every module, each run alone in a child process.
const MODULES: [&str; 9] = [
    "app_context",
    "attribute_memory",
    "diagnostic_soak",
    "egress_e2e",
    "genai_spans",
    "pricing_file",
    "propagation",
    "quality",
    "switches",
];

/// Stops a module's test that runs anywhere but in its module's own child
/// process (for example under `--include-ignored` beside other modules).
fn alone(module: &str) {
    let running = std::env::var(MODULE).unwrap_or_default();
    assert_eq!(
        running, module,
        "needs a process of its own: run by `each_module_alone` (or set {MODULE}={module} and filter by `{module}::`)"
    );
}

#[test]
fn each_module_alone() {
    if std::env::var_os(MODULE).is_some() {
        // A child process: the module's own tests are what it runs.
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let mut failed = Vec::new();
    for module in MODULES {
        let out = Command::new(&exe)
            .args([&format!("{module}::"), "--ignored"])
            .env(MODULE, module)
            .output()
            .expect("run a child test process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        print!("{stdout}");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        let ran = stdout.contains("test result: ok.") && !stdout.contains(" 0 passed;");
        if !out.status.success() || !ran {
            failed.push(module);
        }
    }
    assert!(failed.is_empty(), "modules failed: {failed:?}");
}

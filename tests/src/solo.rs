//! Tests that need a process to themselves, inside a test binary shared with
//! tests that do not.
//!
//! A test that installs or measures process-wide state (the global
//! subscriber, the GenAI settings, the stats counters, the RSS) starts with
//! `if coresdk_tests::solo::delegated() { return; }`. In the test binary's
//! own process that runs the test again, alone, in a child process of the
//! same binary, and reports its result; in the child it returns `false` and
//! the test goes on. So a crate links one integration-test binary instead of
//! one per such file, every test is still reported by its name, and none
//! has to be skipped by default to keep the others' process clean.

use std::process::{Command, Output};

/// Names the test a child process runs; unset in the parent.
const CHILD: &str = "CORESDK_SOLO_TEST";

/// Runs the calling test in a child process of its own: in the parent,
/// runs this binary filtered to the test, panics if it failed there, and
/// returns `true` (the caller returns); in that child, returns `false`.
///
/// Call it first thing in a `#[test]` function: it finds the test by the
/// name of the thread libtest runs it on.
pub fn delegated() -> bool {
    let name = std::thread::current()
        .name()
        .map(str::to_owned)
        .expect("libtest names each test's thread after the test");
    if std::env::var(CHILD).as_deref() == Ok(name.as_str()) {
        return false;
    }
    let out = run_alone(&name, &[(CHILD, &name)]);
    // A filter that matched nothing would pass as well.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("test result: ok. 1 passed;"),
        "{name} did not run in its own process:\n{stdout}"
    );
    true
}

/// The libtest name of the test function `function` in the module
/// `module_path` (pass `module_path!()`): the path without the crate name,
/// which is how a test filters to a sibling test it runs in a child.
pub fn test_name(module_path: &str, function: &str) -> String {
    match module_path.split_once("::") {
        Some((_, module)) => format!("{module}::{function}"),
        None => function.to_owned(),
    }
}

/// Runs the test `function` of the module `module_path` (pass
/// `module_path!()`) alone in a child process of this binary, with `envs`
/// set there, and returns its output once it has passed (panics with both
/// streams when it did not). The child test reads its instructions from
/// `envs` and returns at once when they are unset, as in the test process.
pub fn run_sibling(module_path: &str, function: &str, envs: &[(&str, &str)]) -> Output {
    run_alone(&test_name(module_path, function), envs)
}

/// Runs the test named `name` (its full libtest name) alone in a child
/// process of this binary with `envs`; its output, once it has passed.
fn run_alone(name: &str, envs: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .envs(envs.iter().copied())
        .output()
        .expect("run a test in a child process");
    assert!(
        out.status.success(),
        "{name} failed in its own process:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

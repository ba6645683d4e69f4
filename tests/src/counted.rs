//! The fixed-iteration loop of the instruction-counting bench drivers
//! (`benches/instructions.rs` in the provider crates).
//!
//! A driver runs one mode per process, so one loop function serves every
//! mode: callgrind collects only inside it
//! (`--toggle-collect='*counted_loop*'`), and instructions per call are the
//! collected total divided by the iterations. The call goes through a
//! `dyn FnMut`, the same few instructions for a raw and a traced call, so
//! they cancel in traced − raw.

use std::time::Instant;

/// Runs `call` `warm_up` times (connection pools, lazy statics), then
/// `iters` times inside [`counted_loop`], and prints the wall-clock time
/// per call under `mode`.
pub fn counted(mode: &str, iters: u64, warm_up: u32, call: &mut dyn FnMut()) {
    for _ in 0..warm_up {
        call();
    }
    let start = Instant::now();
    counted_loop(iters, call);
    let per_call = start.elapsed() / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
    eprintln!("{mode}: {iters} calls, {per_call:?} per call (wall clock)");
}

/// The loop callgrind collects in.
#[inline(never)]
pub fn counted_loop(iters: u64, call: &mut dyn FnMut()) {
    for _ in 0..iters {
        call();
    }
}

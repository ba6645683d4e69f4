//! Shared by the benches that measure spans under a running pipeline.

use std::time::{Duration, Instant};

use criterion::Bencher;

/// Measures `f` in bursts of `burst` calls; between bursts, outside the
/// measurement, `flush` waits until the processor has taken every span.
/// Back to back, spans outrun the pipeline's worker and a share of them take
/// the full-queue path (dropped and counted) instead of the handoff, so the
/// figure would be the overload path's as much as the span's.
pub(crate) fn paced(b: &mut Bencher<'_>, burst: u64, flush: impl Fn(), mut f: impl FnMut()) {
    b.iter_custom(|iters| {
        let mut measured = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(burst);
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            measured += start.elapsed();
            flush();
            left -= n;
        }
        measured
    });
}

//! Export failures on stderr: the first one at once, then at most one line per
//! interval, each naming the endpoint and the cause.
//!
//! Not through `tracing`: the export runs on CoreSDK's own threads, where
//! `tracing` events either go nowhere (the pipeline thread has no subscriber,
//! so that exporters' own events do not become spans) or back into the
//! pipeline that is failing.

use std::fmt::Display;
use std::io::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Rate-limited reporter of export failures.
#[derive(Debug)]
pub(crate) struct FailureReporter {
    endpoint: String,
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last: Option<Instant>,
    /// Failures since the last line.
    unreported: u64,
}

impl FailureReporter {
    /// A reporter for exports to `endpoint`, writing at most once per `interval`.
    pub(crate) fn new(endpoint: String, interval: Duration) -> Self {
        Self {
            endpoint,
            interval,
            state: Mutex::default(),
        }
    }

    /// Notes a failure and writes it to stderr unless a line was written
    /// less than the interval ago. `what` says what happened and why.
    pub(crate) fn report(&self, what: &dyn Display) {
        if let Some(line) = self.line(what, Instant::now()) {
            // Nowhere to report a failing stderr.
            let _ = writeln!(std::io::stderr().lock(), "{line}");
        }
    }

    /// The line to write for a failure at `now`, if one is due.
    fn line(&self, what: &dyn Display, now: Instant) -> Option<String> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state
            .last
            .is_some_and(|last| now.duration_since(last) < self.interval)
        {
            state.unreported += 1;
            return None;
        }
        let earlier = std::mem::take(&mut state.unreported);
        state.last = Some(now);
        let earlier = if earlier > 0 {
            format!(" ({earlier} more failures since the last report)")
        } else {
            String::new()
        };
        Some(format!(
            "coresdk: span export to {} {what}{earlier} (reported at most once every {}s)",
            self.endpoint,
            self.interval.as_secs()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_failure_at_once_then_one_line_per_interval() {
        let reporter = FailureReporter::new("http://127.0.0.1:4317".into(), Duration::from_mins(1));
        let t0 = Instant::now();
        let first = reporter
            .line(&"failed: connection refused", t0)
            .expect("first is reported");
        assert_eq!(
            first,
            "coresdk: span export to http://127.0.0.1:4317 failed: connection refused \
             (reported at most once every 60s)"
        );
        for s in 1..60 {
            assert!(
                reporter
                    .line(&"again", t0 + Duration::from_secs(s))
                    .is_none()
            );
        }
        let next = reporter
            .line(&"failed: timed out", t0 + Duration::from_mins(1))
            .expect("a minute later");
        assert!(
            next.contains("failed: timed out (59 more failures since the last report)"),
            "{next}"
        );
    }
}

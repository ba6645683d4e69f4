//! The one deadline a flush or shutdown gives every exporter of a pipeline.
//!
//! `Guard::flush` and `Guard::shutdown` set it before they start; the span
//! export stage and the metrics exporter read it, so traces and metrics share
//! one budget instead of each spending its own. An export that is already on
//! the wire when the deadline is set is cut short when it passes: the metrics
//! SDK waits for its exporter without a bound of its own.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use tokio::sync::Notify;

/// A deadline shared by the exporters of one pipeline; `None` between flushes.
#[derive(Debug, Default)]
pub(crate) struct Deadline {
    at: Mutex<Option<Instant>>,
    changed: Notify,
}

impl Deadline {
    /// Sets the deadline and wakes the exports waiting on it.
    pub(crate) fn set(&self, at: Instant) {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner) = Some(at);
        self.changed.notify_waiters();
    }

    /// Clears the deadline if it is still `at`: a flush that overlapped
    /// another one does not take the other's deadline away.
    pub(crate) fn clear(&self, at: Instant) {
        let mut current = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        if *current == Some(at) {
            *current = None;
            drop(current);
            self.changed.notify_waiters();
        }
    }

    /// The deadline, when a flush or shutdown is running.
    pub(crate) fn get(&self) -> Option<Instant> {
        *self.at.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The earlier of `now + budget` and the deadline.
    pub(crate) fn bound(&self, budget: Duration) -> Instant {
        let own = Instant::now() + budget;
        self.get().map_or(own, |at| at.min(own))
    }

    /// Resolves when the deadline passes, following later changes to it.
    async fn passed(&self) {
        loop {
            // Registered before the deadline is read, so a change between the
            // read and the wait still wakes this loop.
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.get() {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at.into()) => return,
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    /// Runs an export for at most `timeout`, and not past the deadline.
    /// Needs a Tokio runtime with the time driver.
    pub(crate) async fn run(
        &self,
        timeout: Duration,
        export: impl Future<Output = OTelSdkResult>,
    ) -> OTelSdkResult {
        if self.get().is_some_and(|at| at <= Instant::now()) {
            return Err(OTelSdkError::Timeout(Duration::ZERO));
        }
        tokio::select! {
            result = tokio::time::timeout(timeout, export) => {
                result.unwrap_or(Err(OTelSdkError::Timeout(timeout)))
            }
            () = self.passed() => Err(OTelSdkError::Timeout(timeout)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn a_deadline_set_during_an_export_cuts_it_short() {
        let deadline = std::sync::Arc::new(Deadline::default());
        let setter = std::sync::Arc::clone(&deadline);
        let start = Instant::now();
        let thread = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            setter.set(Instant::now() + Duration::from_millis(100));
        });
        let result = runtime().block_on(deadline.run(
            Duration::from_secs(30),
            std::future::pending::<OTelSdkResult>(),
        ));
        let _ = thread.join();
        assert!(matches!(result, Err(OTelSdkError::Timeout(_))));
        let took = start.elapsed();
        assert!(
            (Duration::from_millis(190)..Duration::from_secs(2)).contains(&took),
            "{took:?}"
        );
    }

    #[test]
    fn a_passed_deadline_fails_at_once_and_none_leaves_the_timeout() {
        let deadline = Deadline::default();
        let rt = runtime();
        assert!(
            rt.block_on(deadline.run(Duration::from_secs(1), async { Ok(()) }))
                .is_ok()
        );
        let start = Instant::now();
        let result = rt.block_on(deadline.run(
            Duration::from_millis(50),
            std::future::pending::<OTelSdkResult>(),
        ));
        assert!(matches!(result, Err(OTelSdkError::Timeout(d)) if d == Duration::from_millis(50)));
        assert!(start.elapsed() < Duration::from_secs(1));
        deadline.set(Instant::now());
        assert!(
            rt.block_on(deadline.run(Duration::from_secs(1), async { Ok(()) }))
                .is_err()
        );
        let at = Instant::now() + Duration::from_secs(1);
        deadline.set(at);
        deadline.clear(at + Duration::from_secs(1));
        assert_eq!(deadline.get(), Some(at), "another flush's deadline stays");
        deadline.clear(at);
        assert!(deadline.get().is_none());
    }
}

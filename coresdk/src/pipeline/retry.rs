//! Which failed exports may be retried, and when: the OTLP specification's
//! rules, as the OTLP exporter's own retry policy applies them.
//!
//! The exporter's policy retries inside one export call; the export stage
//! retries across ticks instead (a batch waits through an outage while the
//! worker keeps draining the queue), so it applies the same rules itself:
//! no retry of a permanent error (HTTP 400, gRPC `InvalidArgument`, ...),
//! a server's `Retry-After` honoured, jitter on every delay.

use std::cell::Cell;
use std::time::Duration;

/// What may be done with a failed export request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Advice {
    /// Permanent: the same request would fail again.
    Never,
    /// Transient: retry with backoff.
    Backoff,
    /// Throttled: retry no sooner than this.
    After(Duration),
}

/// Longest server-requested delay honoured (the OTLP exporter's cap).
const MAX_THROTTLE: Duration = Duration::from_secs(30);
/// Most jitter added to a retry delay (the OTLP exporter's recommended policy).
pub(crate) const MAX_JITTER: Duration = Duration::from_millis(100);

/// The OTLP/HTTP rules: 429 and 503 are throttling (with `Retry-After`,
/// seconds or an HTTP date, when given), 502 and 504 transient, anything
/// else permanent.
pub(crate) fn http(status: u16, retry_after: Option<&str>) -> Advice {
    match status {
        429 | 503 => retry_after
            .and_then(parse_retry_after)
            .map_or(Advice::Backoff, |d| Advice::After(d.min(MAX_THROTTLE))),
        502 | 504 => Advice::Backoff,
        _ => Advice::Never,
    }
}

/// `Retry-After`: delay seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The OTLP/gRPC rules, by status code name: `Unavailable`, `Cancelled`,
/// `DeadlineExceeded`, `Aborted`, `OutOfRange` and `DataLoss` are transient,
/// `ResourceExhausted` without retry info and every other code permanent.
pub(crate) fn grpc(code: &str) -> Advice {
    match code {
        "Unavailable" | "Cancelled" | "DeadlineExceeded" | "Aborted" | "OutOfRange"
        | "DataLoss" => Advice::Backoff,
        _ => Advice::Never,
    }
}

/// The gRPC status code named in the OTLP exporter's error message
/// (`… export failed with gRPC code: InvalidArgument…`): the exporter
/// reports a failed call only as text. A message without one (a timeout,
/// a transport error) is transient.
pub(crate) fn grpc_from_message(message: &str) -> Advice {
    const MARK: &str = "gRPC code: ";
    let Some(at) = message.find(MARK) else {
        return Advice::Backoff;
    };
    let code: String = message[at + MARK.len()..]
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    grpc(&code)
}

/// Up to [`MAX_JITTER`], so clients that failed together do not retry together.
pub(crate) fn jitter() -> Duration {
    let random = getrandom::u32().unwrap_or_else(|_| std::process::id());
    Duration::from_millis(u64::from(random) % (MAX_JITTER.as_millis() as u64 + 1))
}

tokio::task_local! {
    /// The advice of the HTTP answer to the export request of this task: the
    /// OTLP exporter turns a failed answer into text without its status, so
    /// the HTTP client notes it here for the export stage.
    static ANSWER: Cell<Option<Advice>>;
}

/// Runs `export` (one export request) and returns its result with what its
/// HTTP client noted about the answer.
pub(crate) async fn noting_answer<F: Future>(export: F) -> (F::Output, Option<Advice>) {
    ANSWER
        .scope(Cell::new(None), async {
            let out = export.await;
            (out, ANSWER.with(Cell::get))
        })
        .await
}

/// Notes the advice of an HTTP answer for the export running on this task
/// (nothing outside [`noting_answer`]).
pub(crate) fn note_answer(advice: Advice) {
    let _ = ANSWER.try_with(|cell| cell.set(Some(advice)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_rules() {
        assert_eq!(http(400, None), Advice::Never);
        assert_eq!(http(401, None), Advice::Never);
        assert_eq!(http(413, None), Advice::Never);
        assert_eq!(http(502, None), Advice::Backoff);
        assert_eq!(http(503, None), Advice::Backoff);
        assert_eq!(http(503, Some("1")), Advice::After(Duration::from_secs(1)));
        assert_eq!(
            http(429, Some(" 7 ")),
            Advice::After(Duration::from_secs(7))
        );
        assert_eq!(http(429, Some("3600")), Advice::After(MAX_THROTTLE));
        assert_eq!(http(429, Some("soon")), Advice::Backoff);
        assert_eq!(
            http(503, Some("Thu, 01 Jan 1970 00:00:00 GMT")),
            Advice::After(Duration::ZERO)
        );
    }

    #[test]
    fn grpc_rules_from_the_exporter_message() {
        assert_eq!(
            grpc_from_message("TonicTracesClient export failed with gRPC code: InvalidArgument"),
            Advice::Never
        );
        assert_eq!(
            grpc_from_message("TonicTracesClient export failed with gRPC code: Unavailable: x"),
            Advice::Backoff
        );
        assert_eq!(grpc_from_message("timed out"), Advice::Backoff);
        assert_eq!(grpc("ResourceExhausted"), Advice::Never);
    }

    #[test]
    fn jitter_is_bounded() {
        for _ in 0..100 {
            assert!(jitter() <= MAX_JITTER);
        }
    }
}

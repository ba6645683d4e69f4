//! Which failed exports may be retried, and when: the OTLP specification's
//! rules, as the OTLP exporter's own retry policy applies them.
//!
//! The exporter's policy retries inside one export call; the export stage
//! retries across ticks instead (a batch waits through an outage while the
//! worker keeps draining the queue), so it applies the same rules itself:
//! no retry of a permanent error (HTTP 400, gRPC `InvalidArgument`, ...),
//! a server's `Retry-After` honoured, jitter on every delay.

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

/// The OTLP/gRPC rules: `Unavailable`, `Cancelled`, `DeadlineExceeded`,
/// `Aborted`, `OutOfRange` and `DataLoss` are transient; `ResourceExhausted`
/// without retry info and every other code permanent.
pub(crate) fn grpc(code: tonic::Code) -> Advice {
    use tonic::Code;
    match code {
        Code::Unavailable
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::DataLoss => Advice::Backoff,
        _ => Advice::Never,
    }
}

/// Up to [`MAX_JITTER`], so clients that failed together do not retry together.
pub(crate) fn jitter() -> Duration {
    let random = getrandom::u32().unwrap_or_else(|_| std::process::id());
    Duration::from_millis(u64::from(random) % (MAX_JITTER.as_millis() as u64 + 1))
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
    fn grpc_rules() {
        assert_eq!(grpc(tonic::Code::InvalidArgument), Advice::Never);
        assert_eq!(grpc(tonic::Code::Unavailable), Advice::Backoff);
        assert_eq!(grpc(tonic::Code::DeadlineExceeded), Advice::Backoff);
        assert_eq!(grpc(tonic::Code::ResourceExhausted), Advice::Never);
    }

    #[test]
    fn jitter_is_bounded() {
        for _ in 0..100 {
            assert!(jitter() <= MAX_JITTER);
        }
    }
}

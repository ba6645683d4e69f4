//! CloudEvents 1.0 JSON envelopes for the events written to the local socket,
//! one JSON object per line.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A finished span, with its full (masked) data: what `core trace tail` shows.
pub const TYPE_TRACE_SPAN: &str = "dev.coresdk.trace.span";
/// A diagnostic payload built for a failed trace.
pub const TYPE_LLM_DIAGNOSTIC: &str = "dev.coresdk.llm.diagnostic";
/// The egress policy denied sending a diagnostic payload off the host.
pub const TYPE_LLM_EGRESS_DENIED: &str = "dev.coresdk.llm.egress_denied";
/// The external LLM's root-cause analysis of a diagnostic payload.
pub const TYPE_LLM_ANALYSIS: &str = "dev.coresdk.llm.analysis";
/// The CloudEvents version written.
pub const SPEC_VERSION: &str = "1.0";

/// A CloudEvents 1.0 event in the JSON event format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent<D = serde_json::Value> {
    /// Always `1.0`.
    pub specversion: String,
    /// Unique per source: `<pid>-<sequence>`.
    pub id: String,
    /// `/coresdk/<service.name>`.
    pub source: String,
    /// One of the `TYPE_*` constants.
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339 timestamp of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Always `application/json` for CoreSDK events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacontenttype: Option<String>,
    /// What the event is about (the trace id for span and diagnostic events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The event's data.
    pub data: D,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(1);

impl<D: Serialize> CloudEvent<D> {
    /// A new event of `event_type` from `service`, stamped now.
    pub fn new(event_type: &str, service: &str, subject: Option<String>, data: D) -> Self {
        let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        Self {
            specversion: SPEC_VERSION.to_owned(),
            id: format!("{}-{seq}", std::process::id()),
            source: format!("/coresdk/{service}"),
            event_type: event_type.to_owned(),
            time: Some(rfc3339(SystemTime::now())),
            datacontenttype: Some("application/json".to_owned()),
            subject,
            data,
        }
    }

    /// The event as one line of JSON, newline included.
    pub fn to_json_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

impl CloudEvent {
    /// The service name from a `/coresdk/<service>` source.
    pub fn service(&self) -> &str {
        self.source
            .strip_prefix("/coresdk/")
            .unwrap_or(&self.source)
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, day) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 → (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.123Z");
    }

    #[test]
    fn envelope() {
        let ev = CloudEvent::new(
            TYPE_LLM_DIAGNOSTIC,
            "orders-service",
            Some("abc".into()),
            serde_json::json!({"k": 1}),
        );
        let line = ev.to_json_line();
        assert!(line.ends_with('\n'));
        let back: CloudEvent = serde_json::from_str(line.trim_end()).expect("parses");
        assert_eq!(back, ev);
        assert_eq!(back.service(), "orders-service");
        let v: serde_json::Value = serde_json::from_str(&line).expect("json");
        assert_eq!(v["specversion"], "1.0");
        assert_eq!(v["type"], "dev.coresdk.llm.diagnostic");
    }
}

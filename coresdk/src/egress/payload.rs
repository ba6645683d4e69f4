//! The diagnostic payload: the value-free JSON document describing one failed
//! (or slow) trace, in the shape of seed 000 ("What the payload looks like").
//!
//! Every field is structural: the RFC 9457 problem of the failing span, and one
//! frame per span on the path from the local root to the failing span (module,
//! file, line, intent, duration, error flag, recovery hint). No attribute value
//! outside that whitelist is ever copied in.

use serde::{Deserialize, Serialize};

/// The CoreSDK version written as `sdk_version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The smallest limit [`DiagnosticPayload::truncate_to`] honours; smaller
/// limits are raised to it (the configuration already refuses less than 512).
pub const MIN_PAYLOAD_BYTES: usize = 256;

/// Marker appended to a shortened string.
const ELLIPSIS: &str = "…";

/// A diagnostic payload, serialized exactly as the seed's example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticPayload {
    /// CoreSDK version.
    pub sdk_version: String,
    /// `service.name` of the process that produced the trace.
    pub service: String,
    /// The RFC 9457 problem of the failing span.
    pub error: ProblemDetail,
    /// The path from the local root span to the failing span, root first.
    pub call_chain: Vec<ChainEntry>,
    /// The Rego package that gated egress (`acme/llm`), if one is configured.
    pub egress_policy: Option<String>,
    /// The gate's decision; absent in the policy's input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_decision: Option<EgressDecision>,
}

/// RFC 9457 problem details of the failing span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDetail {
    /// Problem type URI (`about:blank` when the span carried none).
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP-style status code, when known.
    pub status: Option<u16>,
    /// The (masked) explanation of this occurrence, when known.
    pub detail: Option<String>,
}

/// One element of the call chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChainEntry {
    /// A span on the path.
    Frame(Frame),
    /// Frames removed to fit `max_payload_bytes`.
    Elided {
        /// How many frames were removed here.
        elided_frames: usize,
    },
}

/// One span of the call chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// `code.function.name` (or the module / crate of a span without one).
    pub module: String,
    /// `code.file.path`, when known.
    pub file: Option<String>,
    /// `code.line.number`, when known.
    pub line: Option<u32>,
    /// `coresdk.intent`, or the span name (`chat gpt-4o`) for spans without one.
    pub intent: String,
    /// Wall-clock duration of the span.
    pub duration_ms: u64,
    /// Whether the span ended with status Error.
    pub error: bool,
    /// `coresdk.recovery_hint`, when the span carried one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_hint: Option<String>,
}

/// What the egress gate decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EgressDecision {
    /// The payload may leave the host (to the configured endpoint, if any).
    Allow,
    /// The payload stays on the host.
    Deny,
}

impl EgressDecision {
    /// `allow` / `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            EgressDecision::Allow => "allow",
            EgressDecision::Deny => "deny",
        }
    }
}

impl DiagnosticPayload {
    /// A payload for `service` with this problem and call chain; no decision yet.
    pub fn new(
        service: impl Into<String>,
        error: ProblemDetail,
        call_chain: Vec<Frame>,
        egress_policy: Option<String>,
    ) -> Self {
        Self {
            sdk_version: SDK_VERSION.to_owned(),
            service: service.into(),
            error,
            call_chain: call_chain.into_iter().map(ChainEntry::Frame).collect(),
            egress_policy,
            egress_decision: None,
        }
    }

    /// A payload whose call chain already marks where frames were left out.
    pub(crate) fn with_chain(
        service: impl Into<String>,
        error: ProblemDetail,
        call_chain: Vec<ChainEntry>,
        egress_policy: Option<String>,
    ) -> Self {
        Self {
            sdk_version: SDK_VERSION.to_owned(),
            service: service.into(),
            error,
            call_chain,
            egress_policy,
            egress_decision: None,
        }
    }

    /// The frames of the chain (without elision markers).
    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.call_chain.iter().filter_map(|e| match e {
            ChainEntry::Frame(f) => Some(f),
            ChainEntry::Elided { .. } => None,
        })
    }

    /// The compact JSON text of the payload.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The policy's input: the payload without `egress_decision`.
    pub fn policy_input(&self) -> serde_json::Value {
        let mut input = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(map) = input.as_object_mut() {
            map.remove("egress_decision");
        }
        input
    }

    /// Serialized size with the longest decision, so that setting either
    /// decision afterwards keeps the payload within the measured size.
    fn measured_len(&self) -> usize {
        let mut probe = self.clone();
        if probe.egress_decision.is_none() {
            probe.egress_decision = Some(EgressDecision::Allow);
        }
        probe.to_json().len()
    }

    /// Shrinks the payload until its JSON (with any `egress_decision`) fits in
    /// `max_bytes`: first elides middle frames (keeping the root and the
    /// failing end, with an `{"elided_frames": N}` marker), then shortens
    /// `detail`, then shortens the remaining strings. Returns whether anything
    /// was cut. Limits below [`MIN_PAYLOAD_BYTES`] are raised to it.
    pub fn truncate_to(&mut self, max_bytes: usize) -> bool {
        let max = max_bytes.max(MIN_PAYLOAD_BYTES);
        if self.measured_len() <= max {
            return false;
        }

        // 1. Elide middle frames: keep the root and as much of the tail as fits.
        let mut frames: Vec<Frame> = Vec::with_capacity(self.call_chain.len());
        let mut already_elided = 0;
        for entry in self.call_chain.drain(..) {
            match entry {
                ChainEntry::Frame(f) => frames.push(f),
                ChainEntry::Elided { elided_frames } => already_elided += elided_frames,
            }
        }
        let n = frames.len();
        if n > 2 || (already_elided > 0 && n >= 2) {
            let chain_for = |tail: usize| -> Vec<ChainEntry> {
                let elided = n - 1 - tail + already_elided;
                let mut chain = Vec::with_capacity(tail + 2);
                chain.push(ChainEntry::Frame(frames[0].clone()));
                if elided > 0 {
                    chain.push(ChainEntry::Elided {
                        elided_frames: elided,
                    });
                }
                chain.extend(frames[n - tail..].iter().cloned().map(ChainEntry::Frame));
                chain
            };
            // The size grows with the tail: binary search the longest tail that fits.
            let (mut lo, mut hi) = (1, n - 1);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                self.call_chain = chain_for(mid);
                if self.measured_len() <= max {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            self.call_chain = chain_for(lo);
        } else {
            let elided = (already_elided > 0).then_some(ChainEntry::Elided {
                elided_frames: already_elided,
            });
            self.call_chain = frames.into_iter().map(ChainEntry::Frame).collect();
            if let Some(marker) = elided {
                self.call_chain.insert(1.min(self.call_chain.len()), marker);
            }
        }
        if self.measured_len() <= max {
            return true;
        }

        // 2. Shorten the detail.
        if let Some(detail) = self.error.detail.take() {
            let chars = detail.chars().count();
            let (mut lo, mut hi) = (0, chars);
            while lo < hi {
                let mid = lo + (hi - lo).div_ceil(2);
                self.error.detail = Some(shorten(&detail, mid));
                if self.measured_len() <= max {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            self.error.detail = Some(shorten(&detail, lo));
            if self.measured_len() <= max {
                return true;
            }
        }

        // 3. Shorten every other string, halving the allowance until it fits.
        let mut limit = 256;
        loop {
            self.shorten_strings(limit);
            if self.measured_len() <= max || limit == 0 {
                break;
            }
            limit /= 2;
        }

        // 4. Last resort: drop the remaining frames.
        if self.measured_len() > max {
            let frames = self.frames().count();
            let elided: usize = self
                .call_chain
                .iter()
                .map(|e| match e {
                    ChainEntry::Elided { elided_frames } => *elided_frames,
                    ChainEntry::Frame(_) => 0,
                })
                .sum();
            self.call_chain = vec![ChainEntry::Elided {
                elided_frames: frames + elided,
            }];
        }
        true
    }

    fn shorten_strings(&mut self, limit: usize) {
        let cut = |s: &mut String| {
            if s.chars().count() > limit {
                *s = shorten(s, limit);
            }
        };
        cut(&mut self.sdk_version);
        cut(&mut self.service);
        cut(&mut self.error.type_uri);
        cut(&mut self.error.title);
        if let Some(d) = &mut self.error.detail {
            cut(d);
        }
        if let Some(p) = &mut self.egress_policy {
            cut(p);
        }
        for entry in &mut self.call_chain {
            if let ChainEntry::Frame(f) = entry {
                cut(&mut f.module);
                cut(&mut f.intent);
                if let Some(file) = &mut f.file {
                    cut(file);
                }
                if let Some(h) = &mut f.recovery_hint {
                    cut(h);
                }
            }
        }
    }
}

/// The first `chars` characters of `s` followed by `…` (or `s` if it is short enough).
fn shorten(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        None => s.to_owned(),
        Some((at, _)) => {
            let mut out = String::with_capacity(at + ELLIPSIS.len());
            out.push_str(&s[..at]);
            out.push_str(ELLIPSIS);
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(i: usize, error: bool) -> Frame {
        Frame {
            module: format!("orders::step{i}"),
            file: Some(format!("src/orders/step{i}.rs")),
            line: Some(10 + i as u32),
            intent: format!("step number {i} of the order flow"),
            duration_ms: 100 + i as u64,
            error,
            recovery_hint: error.then(|| "check inventory service health".to_owned()),
        }
    }

    fn payload(frames: usize, detail: &str) -> DiagnosticPayload {
        let chain = (0..frames).map(|i| frame(i, i + 1 == frames)).collect();
        DiagnosticPayload::new(
            "orders-service",
            ProblemDetail {
                type_uri: "https://coresdk.dev/errors/upstream-timeout".into(),
                title: "Upstream Timeout".into(),
                status: Some(504),
                detail: Some(detail.into()),
            },
            chain,
            Some("acme/llm".into()),
        )
    }

    #[test]
    fn small_payload_is_untouched() {
        let mut p = payload(2, "inventory service did not respond within 2000ms");
        let before = p.clone();
        assert!(!p.truncate_to(8192));
        assert_eq!(p, before);
    }

    #[test]
    fn elides_middle_frames_first_keeping_root_and_failing_end() {
        let mut p = payload(100, "short detail");
        assert!(p.to_json().len() > 2048);
        assert!(p.truncate_to(2048));
        p.egress_decision = Some(EgressDecision::Allow);
        let json = p.to_json();
        assert!(json.len() <= 2048, "{} bytes", json.len());
        assert_eq!(p.error.detail.as_deref(), Some("short detail"));
        let ChainEntry::Frame(first) = &p.call_chain[0] else {
            panic!("root must stay first")
        };
        assert_eq!(first.module, "orders::step0");
        let ChainEntry::Elided { elided_frames } = p.call_chain[1] else {
            panic!("marker expected second")
        };
        let kept = p.frames().count();
        assert_eq!(kept + elided_frames, 100);
        let ChainEntry::Frame(last) = p.call_chain.last().expect("non-empty") else {
            panic!("failing frame must stay last")
        };
        assert!(last.error);
        assert_eq!(last.module, "orders::step99");
        // As many frames as fit: one more would not.
        assert!(kept >= 5);
    }

    #[test]
    fn shortens_detail_after_eliding() {
        let detail = "é".repeat(5000);
        let mut p = payload(3, &detail);
        assert!(p.truncate_to(1024));
        let json = p.to_json();
        assert!(json.len() <= 1024);
        let d = p.error.detail.as_deref().expect("detail kept");
        assert!(d.ends_with(ELLIPSIS));
        assert!(d.len() > 100, "detail should keep what fits: {}", d.len());
        let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(parsed["call_chain"][1]["elided_frames"], 1);
    }

    #[test]
    fn always_fits_even_with_huge_strings() {
        let mut p = payload(4, "d");
        p.service = "s".repeat(10_000);
        for f in &mut p.call_chain {
            if let ChainEntry::Frame(f) = f {
                f.intent = "i".repeat(10_000);
            }
        }
        for max in [256, 512, 700, 1000, 4096] {
            let mut q = p.clone();
            q.truncate_to(max);
            q.egress_decision = Some(EgressDecision::Deny);
            let json = q.to_json();
            assert!(json.len() <= max, "{max}: {}", json.len());
            let back: DiagnosticPayload = serde_json::from_str(&json).expect("round trip");
            assert_eq!(back, q);
        }
    }

    #[test]
    fn seed_shape_round_trips() {
        let mut p = payload(2, "inventory service did not respond within 2000ms");
        p.egress_decision = Some(EgressDecision::Allow);
        let json = p.to_json();
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        let order = [
            "sdk_version",
            "service",
            "error",
            "call_chain",
            "egress_policy",
            "egress_decision",
        ];
        assert_eq!(v.as_object().expect("object").len(), order.len());
        let positions: Vec<usize> = order
            .iter()
            .map(|k| json.find(&format!("\"{k}\":")).expect("key present"))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert_eq!(
            v["error"]["type"],
            "https://coresdk.dev/errors/upstream-timeout"
        );
        assert_eq!(v["egress_decision"], "allow");
        assert!(v["call_chain"][0].get("recovery_hint").is_none());
        assert_eq!(
            v["call_chain"][1]["recovery_hint"],
            "check inventory service health"
        );
        assert!(p.policy_input().get("egress_decision").is_none());
    }
}

//! Tail sampling: keep whole traces or none, decided once the trace's local
//! root has ended (or the trace timed out).
//!
//! Runs after masking and after the diagnostic stage, so diagnostics still see
//! every trace. Kept always: traces with an error, a truncated completion
//! (`llm.truncated`), a span slower than the latency threshold, or a span
//! matching a `keep_if` rule. Of the rest, `base_rate` is kept, decided on the
//! trace id so every service sampling the same trace agrees.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use foldhash::{HashMap, HashSet};
use opentelemetry::Value;
use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::SpanData;

use super::stage::{Stage, Verdict};
use super::stats::Counters;
use crate::config::{KeepCondition, KeepRule, TailSamplingConfig};
use crate::genai::attributes as attr;

/// Most spans held for one undecided trace; past it the trace is decided early.
const MAX_SPANS_PER_TRACE: usize = 4096;
/// Decisions remembered for spans that end after their trace was decided.
const DECIDED_MEMORY: usize = 65_536;

/// The tail sampling stage.
#[derive(Debug)]
pub struct TailSampling {
    config: TailSamplingConfig,
    /// `base_rate` scaled to the range of the trace id's low 64 bits.
    threshold: u64,
    state: State,
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct State {
    pending: HashMap<TraceId, Pending>,
    /// Undecided traces, oldest first (by first span seen).
    order: VecDeque<(TraceId, Instant)>,
    decided: HashSet<TraceId>,
    decided_order: VecDeque<(TraceId, bool)>,
    kept: HashSet<TraceId>,
}

#[derive(Debug)]
struct Pending {
    spans: Vec<SpanData>,
    keep: bool,
}

impl TailSampling {
    /// Builds the stage.
    pub(crate) fn from_config(config: &TailSamplingConfig, counters: Arc<Counters>) -> Self {
        let threshold = if config.base_rate() >= 1.0 {
            u64::MAX
        } else {
            (config.base_rate() * u64::MAX as f64) as u64
        };
        Self {
            config: config.clone(),
            threshold,
            state: State::default(),
            counters,
        }
    }

    /// Whether the trace id falls in the kept share (used for traces no rule keeps).
    fn in_base_rate(&self, trace_id: TraceId) -> bool {
        let bytes = trace_id.to_bytes();
        let mut low = [0u8; 8];
        low.copy_from_slice(&bytes[8..]);
        u64::from_be_bytes(low) < self.threshold || self.threshold == u64::MAX
    }

    fn must_keep(&self, span: &SpanData) -> bool {
        if matches!(span.status, Status::Error { .. }) {
            return true;
        }
        if let Some(limit) = self.config.latency_threshold() {
            let took = span
                .end_time
                .duration_since(span.start_time)
                .unwrap_or(Duration::ZERO);
            if took > limit {
                return true;
            }
        }
        span.attributes.iter().any(|kv| {
            (kv.key.as_str() == attr::LLM_TRUNCATED && kv.value == Value::Bool(true))
                || self
                    .config
                    .keep_if()
                    .iter()
                    .any(|rule| rule_matches(rule, kv.key.as_str(), &kv.value))
        })
    }

    /// Decides a trace: its spans go to `out` if kept, are counted if not.
    fn decide(&mut self, trace_id: TraceId, out: &mut Vec<SpanData>) {
        let Some(pending) = self.state.pending.remove(&trace_id) else {
            return;
        };
        let keep = pending.keep || self.in_base_rate(trace_id);
        remember(&mut self.state, trace_id, keep);
        if keep {
            out.extend(pending.spans);
        } else {
            self.counters.sampled_out(pending.spans.len() as u64);
        }
    }

    /// Decides traces that timed out, and the oldest ones past the trace cap.
    fn expire(&mut self, now: Instant, out: &mut Vec<SpanData>) {
        let timeout = self.config.decision_timeout();
        while let Some(&(trace_id, first_seen)) = self.state.order.front() {
            let over_cap = self.state.pending.len() > self.config.max_traces();
            let timed_out = now.duration_since(first_seen) >= timeout;
            if !self.state.pending.contains_key(&trace_id) {
                self.state.order.pop_front();
                continue;
            }
            if !(over_cap || timed_out) {
                break;
            }
            self.state.order.pop_front();
            self.decide(trace_id, out);
        }
    }

    /// Decides every undecided trace now.
    fn decide_all(&mut self) -> Vec<SpanData> {
        let mut out = Vec::new();
        let undecided: Vec<TraceId> = self.state.order.drain(..).map(|(t, _)| t).collect();
        for trace_id in undecided {
            self.decide(trace_id, &mut out);
        }
        out
    }
}

/// The verdict for the spans a call released, plus `span` (the one given,
/// when it goes on at once); a single span goes on without a list.
fn release(mut out: Vec<SpanData>, span: Option<SpanData>) -> Verdict {
    match (out.is_empty(), span) {
        (true, None) => Verdict::Hold,
        (true, Some(span)) => Verdict::Forward(span),
        (false, span) => {
            out.extend(span);
            if out.len() == 1
                && let Some(only) = out.pop()
            {
                return Verdict::Forward(only);
            }
            Verdict::Release(out)
        }
    }
}

fn remember(state: &mut State, trace_id: TraceId, keep: bool) {
    if state.decided.insert(trace_id) {
        state.decided_order.push_back((trace_id, keep));
        if keep {
            state.kept.insert(trace_id);
        }
    }
    while state.decided_order.len() > DECIDED_MEMORY {
        if let Some((old, _)) = state.decided_order.pop_front() {
            state.decided.remove(&old);
            state.kept.remove(&old);
        }
    }
}

fn rule_matches(rule: &KeepRule, key: &str, value: &Value) -> bool {
    if rule.attribute() != key {
        return false;
    }
    let number = || match value {
        Value::I64(i) => Some(*i as f64),
        Value::F64(f) => Some(*f),
        Value::String(s) => s.as_str().parse().ok(),
        _ => None,
    };
    match rule.condition() {
        KeepCondition::Equals(expected) => value.as_str() == expected.as_str(),
        KeepCondition::GreaterThan(limit) => number().is_some_and(|n| n > *limit),
        KeepCondition::LessThan(limit) => number().is_some_and(|n| n < *limit),
        // `Exists` and any future condition that only needs the key.
        _ => true,
    }
}

impl Stage for TailSampling {
    fn on_span(&mut self, span: SpanData) -> Verdict {
        let trace_id = span.span_context.trace_id();
        let now = Instant::now();
        if self.state.decided.contains(&trace_id) {
            // A span that ended after its trace was decided follows the decision.
            if self.state.kept.contains(&trace_id) {
                return Verdict::Forward(span);
            }
            self.counters.sampled_out(1);
            return Verdict::Drop;
        }
        let must_keep = self.must_keep(&span);
        let is_local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        if is_local_root && !self.state.pending.contains_key(&trace_id) {
            // A trace of one span (nothing held for it): decided at once,
            // without holding it.
            let keep = must_keep || self.in_base_rate(trace_id);
            remember(&mut self.state, trace_id, keep);
            let mut out = Vec::new();
            self.expire(now, &mut out);
            if !keep {
                self.counters.sampled_out(1);
                return release(out, None);
            }
            return release(out, Some(span));
        }
        let state = &mut self.state;
        let pending = state.pending.entry(trace_id).or_insert_with(|| {
            state.order.push_back((trace_id, now));
            Pending {
                spans: Vec::new(),
                keep: false,
            }
        });
        pending.keep |= must_keep;
        pending.spans.push(span);
        let full = pending.spans.len() >= MAX_SPANS_PER_TRACE;
        let mut out = Vec::new();
        if is_local_root || full {
            self.decide(trace_id, &mut out);
        }
        self.expire(now, &mut out);
        release(out, None)
    }

    fn tick(&mut self, now: Instant) -> Vec<SpanData> {
        let mut out = Vec::new();
        self.expire(now, &mut out);
        out
    }

    fn flush(&mut self, _deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        let mut out = Vec::new();
        self.expire(Instant::now(), &mut out);
        (out, Ok(()))
    }

    fn shutdown(&mut self, _deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (self.decide_all(), Ok(()))
    }
}

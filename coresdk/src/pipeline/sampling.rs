//! Tail sampling: keep whole traces or none, decided once the trace's local
//! root has ended (or the trace timed out).
//!
//! Runs after masking and after the diagnostic stage, so diagnostics still see
//! every trace. Kept always: traces with an error, a truncated completion
//! (`llm.truncated`), a span slower than the latency threshold, or a span
//! matching a `keep_if` rule. Of the rest, `base_rate` is kept, decided on the
//! trace id so every service sampling the same trace agrees.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::stats::Counters;
use super::tick::Tick;
use crate::config::{KeepCondition, KeepRule, TailSamplingConfig};
use crate::genai::attributes as attr;

/// Most spans held for one undecided trace; past it the trace is decided early.
const MAX_SPANS_PER_TRACE: usize = 4096;
/// Decisions remembered for spans that end after their trace was decided.
const DECIDED_MEMORY: usize = 65_536;

/// The tail sampling stage. Cloning shares the state (the worker ticks a clone).
#[derive(Debug, Clone)]
pub struct TailSampling {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: TailSamplingConfig,
    /// `base_rate` scaled to the range of the trace id's low 64 bits.
    threshold: u64,
    state: Mutex<State>,
    next: Box<dyn SpanProcessor>,
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
    /// Builds the stage in front of `next`.
    pub(crate) fn from_config(
        config: &TailSamplingConfig,
        next: Box<dyn SpanProcessor>,
        counters: Arc<Counters>,
    ) -> Self {
        let threshold = if config.base_rate() >= 1.0 {
            u64::MAX
        } else {
            (config.base_rate() * u64::MAX as f64) as u64
        };
        Self {
            inner: Arc::new(Inner {
                config: config.clone(),
                threshold,
                state: Mutex::new(State::default()),
                next,
                counters,
            }),
        }
    }

    /// Whether the trace id falls in the kept share (used for traces no rule keeps).
    fn in_base_rate(&self, trace_id: TraceId) -> bool {
        let bytes = trace_id.to_bytes();
        let mut low = [0u8; 8];
        low.copy_from_slice(&bytes[8..]);
        u64::from_be_bytes(low) < self.inner.threshold || self.inner.threshold == u64::MAX
    }

    fn must_keep(&self, span: &SpanData) -> bool {
        if matches!(span.status, Status::Error { .. }) {
            return true;
        }
        if let Some(limit) = self.inner.config.latency_threshold() {
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
                    .inner
                    .config
                    .keep_if()
                    .iter()
                    .any(|rule| rule_matches(rule, kv.key.as_str(), &kv.value))
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides a trace: forwards its spans if kept, counts them if not.
    fn decide(&self, state: &mut State, trace_id: TraceId) {
        let Some(pending) = state.pending.remove(&trace_id) else {
            return;
        };
        let keep = pending.keep || self.in_base_rate(trace_id);
        remember(state, trace_id, keep);
        if keep {
            for span in pending.spans {
                self.inner.next.on_end(span);
            }
        } else {
            self.inner.counters.sampled_out(pending.spans.len() as u64);
        }
    }

    /// Decides traces that timed out, and the oldest ones past the trace cap.
    fn expire(&self, state: &mut State, now: Instant) {
        let timeout = self.inner.config.decision_timeout();
        while let Some(&(trace_id, first_seen)) = state.order.front() {
            let over_cap = state.pending.len() > self.inner.config.max_traces();
            let timed_out = now.duration_since(first_seen) >= timeout;
            if !state.pending.contains_key(&trace_id) {
                state.order.pop_front();
                continue;
            }
            if !(over_cap || timed_out) {
                break;
            }
            state.order.pop_front();
            self.decide(state, trace_id);
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

impl SpanProcessor for TailSampling {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        let trace_id = span.span_context.trace_id();
        let now = Instant::now();
        let mut state = self.lock();
        if state.decided.contains(&trace_id) {
            // A span that ended after its trace was decided follows the decision.
            if state.kept.contains(&trace_id) {
                self.inner.next.on_end(span);
            } else {
                self.inner.counters.sampled_out(1);
            }
            return;
        }
        let must_keep = self.must_keep(&span);
        let is_local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
        let state = &mut *state;
        let pending = state.pending.entry(trace_id).or_insert_with(|| {
            state.order.push_back((trace_id, now));
            Pending {
                spans: Vec::new(),
                keep: false,
            }
        });
        pending.keep |= must_keep;
        pending.spans.push(span);
        if is_local_root || pending.spans.len() >= MAX_SPANS_PER_TRACE {
            self.decide(state, trace_id);
        }
        self.expire(state, now);
    }

    fn force_flush(&self) -> OTelSdkResult {
        {
            let mut state = self.lock();
            self.expire(&mut state, Instant::now());
        }
        self.inner.next.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        {
            let mut state = self.lock();
            let undecided: Vec<TraceId> = state.order.drain(..).map(|(t, _)| t).collect();
            for trace_id in undecided {
                self.decide(&mut state, trace_id);
            }
        }
        self.inner.next.shutdown_with_timeout(timeout)
    }
}

impl Tick for TailSampling {
    fn tick(&self) {
        let mut state = self.lock();
        self.expire(&mut state, Instant::now());
    }
}

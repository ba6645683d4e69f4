//! Per-trace assembly for the diagnostic stage: the structural facts of each
//! ended span, kept until the trace's local root ends, under hard bounds.
//!
//! Only whitelisted attributes are copied (code location, intent, recovery
//! hint, `error.type`, `coresdk.problem.*`); every other attribute value is
//! ignored, so no payload can carry it.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::egress::{ChainEntry, DiagnosticPayload, Frame, ProblemDetail, template_detail};
use crate::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CODE_MODULE_NAME, CORESDK_INTENT,
    CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TITLE, CORESDK_PROBLEM_TYPE,
    CORESDK_RECOVERY_HINT, ERROR_TYPE, GEN_AI_PROVIDER_NAME,
};
use crate::telemetry::ABOUT_BLANK;

/// Spans beyond a trace's frame allowance keep only their ids, up to this many
/// times the allowance: enough to walk a deep chain from the failing span to
/// the root and count exactly the frames a payload leaves out.
const IDS_PER_FRAME: usize = 64;

/// Problem type of payloads built for slow (not failed) traces.
pub const SLOW_SPAN_PROBLEM_TYPE: &str = "https://coresdk.dev/errors/slow-span";

/// Bounds on the state the diagnostic stage keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DiagnosticLimits {
    pub(crate) max_traces: usize,
    pub(crate) max_frames_per_trace: usize,
    pub(crate) max_total_frames: usize,
    pub(crate) idle_timeout: Duration,
}

impl Default for DiagnosticLimits {
    fn default() -> Self {
        Self {
            max_traces: 4096,
            max_frames_per_trace: 256,
            max_total_frames: 65_536,
            idle_timeout: Duration::from_mins(1),
        }
    }
}

impl DiagnosticLimits {
    /// Traces assembled at once; beyond it the least recently seen are evicted.
    #[must_use]
    pub fn with_max_traces(mut self, traces: usize) -> Self {
        self.max_traces = traces.max(1);
        self
    }
    /// Frames kept per trace; further non-error spans keep only their ids
    /// (up to 64 times as many), so that a payload still counts them exactly.
    #[must_use]
    pub fn with_max_frames_per_trace(mut self, frames: usize) -> Self {
        self.max_frames_per_trace = frames.max(2);
        self
    }
    /// Frames kept over all traces; beyond it the least recently seen traces are evicted.
    #[must_use]
    pub fn with_max_total_frames(mut self, frames: usize) -> Self {
        self.max_total_frames = frames.max(2);
        self
    }
    /// A trace with no span ending for this long is forgotten (its root never ended).
    #[must_use]
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Traces assembled at once.
    pub fn max_traces(&self) -> usize {
        self.max_traces
    }
    /// Frames kept per trace.
    pub fn max_frames_per_trace(&self) -> usize {
        self.max_frames_per_trace
    }
    /// Frames kept over all traces.
    pub fn max_total_frames(&self) -> usize {
        self.max_total_frames
    }
    /// Idle timeout of a trace.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }
}

/// The whitelisted facts of one ended span.
#[derive(Debug, Clone)]
pub(crate) struct FrameRec {
    span_id: SpanId,
    parent: SpanId,
    name: Cow<'static, str>,
    scope: Option<String>,
    function: Option<StringValue>,
    module: Option<StringValue>,
    file: Option<StringValue>,
    line: Option<u32>,
    intent: Option<StringValue>,
    hint: Option<StringValue>,
    error_type: Option<StringValue>,
    provider: Option<StringValue>,
    problem: Option<Box<ProblemRec>>,
    duration: Duration,
    error: bool,
}

#[derive(Debug, Clone, Default)]
struct ProblemRec {
    type_uri: Option<StringValue>,
    title: Option<StringValue>,
    status: Option<u16>,
    detail: Option<StringValue>,
}

fn string(v: &Value) -> Option<StringValue> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::I64(i) => Some(*i),
        Value::String(s) => s.as_str().trim().parse().ok(),
        _ => None,
    }
}

impl FrameRec {
    pub(crate) fn from_span(span: &SpanData) -> Self {
        let mut rec = FrameRec {
            span_id: span.span_context.span_id(),
            parent: span.parent_span_id,
            name: span.name.clone(),
            scope: None,
            function: None,
            module: None,
            file: None,
            line: None,
            intent: None,
            hint: None,
            error_type: None,
            provider: None,
            problem: None,
            duration: span
                .end_time
                .duration_since(span.start_time)
                .unwrap_or_default(),
            error: matches!(span.status, Status::Error { .. }),
        };
        let mut problem = ProblemRec::default();
        let mut has_problem = false;
        // Later values win, as if the attributes were set in order.
        for kv in &span.attributes {
            let v = &kv.value;
            match kv.key.as_str() {
                CODE_FUNCTION_NAME => rec.function = string(v),
                CODE_MODULE_NAME => rec.module = string(v),
                CODE_FILE_PATH => rec.file = string(v),
                CODE_LINE_NUMBER => rec.line = integer(v).and_then(|l| u32::try_from(l).ok()),
                CORESDK_INTENT => rec.intent = string(v),
                CORESDK_RECOVERY_HINT => rec.hint = string(v),
                ERROR_TYPE => rec.error_type = string(v),
                GEN_AI_PROVIDER_NAME => rec.provider = string(v),
                CORESDK_PROBLEM_TYPE => {
                    problem.type_uri = string(v);
                    has_problem = true;
                }
                CORESDK_PROBLEM_TITLE => {
                    problem.title = string(v);
                    has_problem = true;
                }
                CORESDK_PROBLEM_STATUS => {
                    problem.status = integer(v).and_then(|s| u16::try_from(s).ok());
                    has_problem = true;
                }
                CORESDK_PROBLEM_DETAIL => {
                    problem.detail = string(v);
                    has_problem = true;
                }
                _ => {}
            }
        }
        if has_problem {
            rec.problem = Some(Box::new(problem));
        }
        if rec.function.is_none() && rec.module.is_none() {
            rec.scope = Some(span.instrumentation_scope.name().to_owned());
        }
        rec
    }

    fn frame(&self) -> Frame {
        // A GenAI client span is opened by CoreSDK's shared recorder on behalf
        // of a provider crate: its code location is that helper, not user
        // code, so it carries the provider's module and no location.
        // Tool and retrieval spans come from the same helper without a provider.
        let genai_helper = self
            .module
            .as_ref()
            .is_some_and(|m| m.as_str().starts_with("coresdk::genai"));
        if self.provider.is_some() || genai_helper {
            let module = self.provider.as_ref().map_or_else(
                || "coresdk::genai".to_owned(),
                |p| format!("coresdk::genai::{}", p.as_str()),
            );
            return Frame {
                module,
                file: None,
                line: None,
                intent: self.name.to_string(),
                duration_ms: self.duration.as_millis() as u64,
                error: self.error,
                recovery_hint: self.hint.as_ref().map(|s| s.as_str().to_owned()),
            };
        }
        let module = self
            .function
            .as_ref()
            .or(self.module.as_ref())
            .map(|s| s.as_str().to_owned())
            .or_else(|| self.scope.clone())
            .unwrap_or_else(|| "unknown".to_owned());
        Frame {
            module,
            file: self.file.as_ref().map(|s| s.as_str().to_owned()),
            line: self.line,
            intent: self
                .intent
                .as_ref()
                .map_or_else(|| self.name.to_string(), |s| s.as_str().to_owned()),
            duration_ms: self.duration.as_millis() as u64,
            error: self.error,
            recovery_hint: self.hint.as_ref().map(|s| s.as_str().to_owned()),
        }
    }
}

#[derive(Debug)]
struct TraceState {
    frames: Vec<FrameRec>,
    /// `(span, parent)` of the spans beyond the frame allowance.
    ids: Vec<(SpanId, SpanId)>,
    /// Spans beyond both allowances: counted only.
    untracked: usize,
    has_error: bool,
    last_seen: Instant,
}

impl TraceState {
    /// Entries counted against `max_total_frames`.
    fn held(&self) -> usize {
        self.frames.len() + self.ids.len()
    }
}

/// What a completed, interesting trace hands to the payload builder.
#[derive(Debug)]
pub(crate) struct CompletedTrace {
    frames: Vec<FrameRec>,
    ids: Vec<(SpanId, SpanId)>,
    untracked: usize,
    has_error: bool,
}

/// Counters of the table, for tests and benches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableStats {
    /// Traces being assembled now.
    pub traces: usize,
    /// Frames held now, over all traces.
    pub frames: usize,
    /// Traces forgotten because they were idle or the table was full.
    pub evicted: u64,
    /// Spans not recorded in full because their trace had too many frames.
    pub frames_dropped: u64,
    /// Traces completed (their local root ended).
    pub completed: u64,
}

/// The bounded per-trace store.
#[derive(Debug)]
pub(crate) struct TraceTable {
    traces: foldhash::HashMap<TraceId, TraceState>,
    limits: DiagnosticLimits,
    slow_threshold: Option<Duration>,
    total_frames: usize,
    last_sweep: Instant,
    evicted: u64,
    frames_dropped: u64,
    completed: u64,
}

impl TraceTable {
    pub(crate) fn new(limits: DiagnosticLimits, slow_threshold: Option<Duration>) -> Self {
        Self {
            traces: foldhash::HashMap::default(),
            limits,
            slow_threshold,
            total_frames: 0,
            last_sweep: Instant::now(),
            evicted: 0,
            frames_dropped: 0,
            completed: 0,
        }
    }

    pub(crate) fn stats(&self) -> TableStats {
        TableStats {
            traces: self.traces.len(),
            frames: self.total_frames,
            evicted: self.evicted,
            frames_dropped: self.frames_dropped,
            completed: self.completed,
        }
    }

    /// Records an ended span. When it is the local root of a trace that failed
    /// (or was slow), returns the trace for payload building.
    pub(crate) fn observe(&mut self, span: &SpanData, now: Instant) -> Option<CompletedTrace> {
        if now.duration_since(self.last_sweep) >= Duration::from_secs(1) {
            self.sweep(now);
        }
        let trace_id = span.span_context.trace_id();
        let is_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;

        if is_root {
            // A healthy trace of one span has nothing to report: decided
            // before its frame is built (the common case of a short request).
            if !matches!(span.status, Status::Error { .. })
                && self.slow_threshold.is_none_or(|t| {
                    span.end_time
                        .duration_since(span.start_time)
                        .unwrap_or_default()
                        <= t
                })
                && !self.traces.contains_key(&trace_id)
            {
                self.completed += 1;
                return None;
            }
            let rec = FrameRec::from_span(span);
            let state = self.traces.remove(&trace_id);
            let (mut frames, ids, untracked, mut has_error) = match state {
                Some(s) => {
                    self.total_frames -= s.held();
                    (s.frames, s.ids, s.untracked, s.has_error)
                }
                None => (Vec::new(), Vec::new(), 0, false),
            };
            self.completed += 1;
            has_error |= rec.error;
            frames.push(rec);
            let slow = self
                .slow_threshold
                .is_some_and(|t| frames.iter().any(|f| f.duration > t));
            return (has_error || slow).then_some(CompletedTrace {
                frames,
                ids,
                untracked,
                has_error,
            });
        }

        if !self.traces.contains_key(&trace_id) {
            if self.traces.len() >= self.limits.max_traces {
                self.sweep(now);
            }
            if self.traces.len() >= self.limits.max_traces {
                self.evict_oldest();
            }
        }
        let state = self.traces.entry(trace_id).or_insert_with(|| TraceState {
            frames: Vec::new(),
            ids: Vec::new(),
            untracked: 0,
            has_error: false,
            last_seen: now,
        });
        state.last_seen = now;
        let error = matches!(span.status, Status::Error { .. });
        state.has_error |= error;
        // Error frames get a second allowance: they are what the payload is about.
        let cap = if error {
            self.limits.max_frames_per_trace * 2
        } else {
            self.limits.max_frames_per_trace
        };
        if state.frames.len() < cap {
            state.frames.push(FrameRec::from_span(span));
        } else {
            self.frames_dropped += 1;
            if state.ids.len() >= self.limits.max_frames_per_trace * IDS_PER_FRAME {
                state.untracked += 1;
                return None;
            }
            state
                .ids
                .push((span.span_context.span_id(), span.parent_span_id));
        }
        self.total_frames += 1;
        if self.total_frames > self.limits.max_total_frames {
            self.sweep(now);
            while self.total_frames > self.limits.max_total_frames && !self.traces.is_empty() {
                self.evict_oldest();
            }
        }
        None
    }

    /// Forgets traces idle for longer than the idle timeout.
    pub(crate) fn sweep(&mut self, now: Instant) {
        self.last_sweep = now;
        let timeout = self.limits.idle_timeout;
        let before = self.traces.len();
        let mut freed = 0;
        self.traces.retain(|_, s| {
            let keep = now.duration_since(s.last_seen) < timeout;
            if !keep {
                freed += s.held();
            }
            keep
        });
        self.total_frames -= freed;
        self.evicted += (before - self.traces.len()) as u64;
    }

    /// Evicts the least recently seen sixteenth of the traces (at least one).
    fn evict_oldest(&mut self) {
        let mut seen: Vec<Instant> = self.traces.values().map(|s| s.last_seen).collect();
        if seen.is_empty() {
            return;
        }
        let k = (seen.len() / 16).max(1) - 1;
        let (_, cutoff, _) = seen.select_nth_unstable(k);
        let cutoff = *cutoff;
        let before = self.traces.len();
        let mut freed = 0;
        self.traces.retain(|_, s| {
            let keep = s.last_seen > cutoff;
            if !keep {
                freed += s.held();
            }
            keep
        });
        self.total_frames -= freed;
        self.evicted += (before - self.traces.len()) as u64;
    }
}

impl CompletedTrace {
    /// The payload: the path from the local root (the last frame) down to the
    /// deepest failing span (or, for a slow trace, the deepest slow span).
    pub(crate) fn into_payload(
        self,
        service: &str,
        policy: Option<&str>,
        slow_threshold: Option<Duration>,
    ) -> Option<DiagnosticPayload> {
        let frames = self.frames;
        let root = frames.len().checked_sub(1)?;
        let tree = Tree::new(&frames, &self.ids);
        let wanted = |f: &FrameRec| {
            if self.has_error {
                f.error
            } else {
                slow_threshold.is_some_and(|t| f.duration > t)
            }
        };
        // Deepest match; on a tie the first to end (where the error started).
        let mut depths = HashMap::with_capacity(tree.nodes.len());
        let mut target: Option<(usize, usize)> = None;
        for (i, f) in frames.iter().enumerate() {
            if wanted(f) {
                let d = tree.depth(f.span_id, &mut depths);
                if target.is_none_or(|(_, best)| d > best) {
                    target = Some((i, d));
                }
            }
        }
        let (target, _) = target?;

        // From the target up to the root: full frames as they are, runs of
        // id-only spans as one elision marker with their exact count.
        let mut path = vec![target];
        let mut chain = vec![ChainEntry::Frame(frames[target].frame())];
        let mut missing = 0;
        let mut seen = HashSet::from([frames[target].span_id]);
        let mut at = frames[target].span_id;
        let mut reached_root = target == root;
        while !reached_root {
            let Some(parent) = tree.parent(at) else { break };
            if !seen.insert(parent) {
                break;
            }
            match tree.nodes.get(&parent) {
                Some(Node::Frame(i)) => {
                    if missing > 0 {
                        chain.push(ChainEntry::Elided {
                            elided_frames: std::mem::take(&mut missing),
                        });
                    }
                    path.push(*i);
                    chain.push(ChainEntry::Frame(frames[*i].frame()));
                    reached_root = *i == root;
                }
                Some(Node::Ids(_)) => missing += 1,
                None => break,
            }
            at = parent;
        }
        if !reached_root {
            // The chain broke at a span beyond every allowance: those are only
            // counted, and in a deep chain they all lie on this path.
            missing += self.untracked;
            if missing > 0 {
                chain.push(ChainEntry::Elided {
                    elided_frames: missing,
                });
            }
            path.push(root);
            chain.push(ChainEntry::Frame(frames[root].frame()));
        }
        path.reverse();
        chain.reverse();

        let error = if self.has_error {
            problem_of(&frames, &path)
        } else {
            let slow = &frames[target];
            let threshold = slow_threshold.map_or(0, |t| t.as_millis());
            ProblemDetail {
                type_uri: SLOW_SPAN_PROBLEM_TYPE.to_owned(),
                title: "Slow Span".to_owned(),
                status: None,
                detail: Some(format!(
                    "span took {} ms, over the {threshold} ms threshold",
                    slow.duration.as_millis()
                )),
            }
        };
        Some(DiagnosticPayload::with_chain(
            service,
            error,
            chain,
            policy.map(str::to_owned),
        ))
    }
}

/// A span of a completed trace: a full frame, or only its parent's id.
#[derive(Debug, Clone, Copy)]
enum Node {
    Frame(usize),
    Ids(SpanId),
}

/// The parent links of a completed trace, walked without recursion so that
/// traces of any depth are safe.
#[derive(Debug)]
struct Tree<'a> {
    frames: &'a [FrameRec],
    nodes: HashMap<SpanId, Node>,
}

impl<'a> Tree<'a> {
    fn new(frames: &'a [FrameRec], ids: &[(SpanId, SpanId)]) -> Self {
        let mut nodes = HashMap::with_capacity(frames.len() + ids.len());
        nodes.extend(ids.iter().map(|&(span, parent)| (span, Node::Ids(parent))));
        nodes.extend(
            frames
                .iter()
                .enumerate()
                .map(|(i, f)| (f.span_id, Node::Frame(i))),
        );
        Self { frames, nodes }
    }

    fn parent(&self, span: SpanId) -> Option<SpanId> {
        match self.nodes.get(&span)? {
            Node::Frame(i) => Some(self.frames[*i].parent),
            Node::Ids(parent) => Some(*parent),
        }
    }

    /// Known ancestors above `span`, memoized in `depths` so that all the
    /// frames of a trace are measured in linear time.
    fn depth(&self, span: SpanId, depths: &mut HashMap<SpanId, usize>) -> usize {
        let mut below = Vec::new();
        let mut at = span;
        let mut depth = loop {
            if let Some(&d) = depths.get(&at) {
                break d;
            }
            below.push(at);
            if below.len() > self.nodes.len() {
                // A parent cycle: ids from elsewhere cannot be trusted.
                break 0;
            }
            match self.parent(at) {
                Some(parent) if self.nodes.contains_key(&parent) => at = parent,
                _ => {
                    below.pop();
                    depths.insert(at, 0);
                    break 0;
                }
            }
        };
        while let Some(id) = below.pop() {
            depth += 1;
            depths.insert(id, depth);
        }
        depth
    }
}

/// The problem of the failing span: the first `coresdk.problem.*` found from
/// the failing end upwards, completed with `error.type` for the title.
fn problem_of(frames: &[FrameRec], path: &[usize]) -> ProblemDetail {
    let mut problem = ProblemDetail {
        type_uri: ABOUT_BLANK.to_owned(),
        title: String::new(),
        status: None,
        detail: None,
    };
    let from_problem = path
        .iter()
        .rev()
        .find_map(|&i| frames[i].problem.as_deref());
    if let Some(p) = from_problem {
        if let Some(t) = &p.type_uri {
            t.as_str().clone_into(&mut problem.type_uri);
        }
        if let Some(t) = &p.title {
            t.as_str().clone_into(&mut problem.title);
        }
        problem.status = p.status;
        problem.detail = p.detail.as_ref().map(|d| d.as_str().to_owned());
    }
    // A detail without a problem type came from an arbitrary error's
    // `Display`, which carries values: only its template may leave the span.
    // A typed `Problem` wrote its detail for this payload and keeps it.
    if problem.type_uri == ABOUT_BLANK {
        problem.detail = problem.detail.as_deref().map(template_detail);
    }
    if problem.title.is_empty() {
        problem.title = path
            .iter()
            .rev()
            .find_map(|&i| frames[i].error_type.as_ref())
            .map_or_else(|| "Error".to_owned(), |t| t.as_str().to_owned());
    }
    problem
}

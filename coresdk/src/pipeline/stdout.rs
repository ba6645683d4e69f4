//! The `stdout` exporter: a human-readable span tree per trace.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::egress::escape_controls as safe;

/// Traces held while waiting for their local root; the oldest is printed early past this.
const MAX_PENDING_TRACES: usize = 1024;
/// Attribute values longer than this are shortened in the tree.
const MAX_VALUE_CHARS: usize = 80;

/// Collects spans per trace and prints the tree when the trace's local root ends.
pub(crate) struct SpanTreeWriter {
    out: Mutex<Box<dyn Write + Send>>,
    pending: Mutex<Pending>,
}

#[derive(Default)]
struct Pending {
    traces: HashMap<TraceId, Vec<SpanData>>,
    order: VecDeque<TraceId>,
}

impl std::fmt::Debug for SpanTreeWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpanTreeWriter").finish_non_exhaustive()
    }
}

impl SpanTreeWriter {
    pub(crate) fn stdout() -> Self {
        Self::new(Box::new(std::io::stdout()))
    }

    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Mutex::new(out),
            pending: Mutex::new(Pending::default()),
        }
    }

    pub(crate) fn write_batch(&self, batch: Vec<SpanData>) {
        let mut ready = Vec::new();
        {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for span in batch {
                let trace_id = span.span_context.trace_id();
                let is_local_root =
                    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
                if !pending.traces.contains_key(&trace_id) {
                    pending.order.push_back(trace_id);
                }
                pending.traces.entry(trace_id).or_default().push(span);
                if is_local_root && let Some(spans) = pending.traces.remove(&trace_id) {
                    pending.order.retain(|t| *t != trace_id);
                    ready.push(spans);
                }
            }
            while pending.order.len() > MAX_PENDING_TRACES {
                if let Some(oldest) = pending.order.pop_front()
                    && let Some(spans) = pending.traces.remove(&oldest)
                {
                    ready.push(spans);
                }
            }
        }
        self.print(ready);
    }

    /// Prints every trace still waiting for its root.
    pub(crate) fn flush(&self) {
        let ready: Vec<Vec<SpanData>> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.order.clear();
            pending.traces.drain().map(|(_, spans)| spans).collect()
        };
        self.print(ready);
    }

    fn print(&self, traces: Vec<Vec<SpanData>>) {
        if traces.is_empty() {
            return;
        }
        let mut text = String::new();
        for spans in traces {
            render_trace(&spans, &mut text);
        }
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // A closed stdout must not take the pipeline down: drop the text.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

fn render_trace(spans: &[SpanData], out: &mut String) {
    let Some(first) = spans.first() else {
        return;
    };
    let _ = writeln!(out, "trace {}", first.span_context.trace_id());
    let ids: HashMap<SpanId, usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.span_context.span_id(), i))
        .collect();
    let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, s) in spans.iter().enumerate() {
        if ids.contains_key(&s.parent_span_id) {
            children.entry(s.parent_span_id).or_default().push(i);
        } else {
            roots.push(i);
        }
    }
    // Children in start order read like the program ran.
    let by_start = |v: &mut Vec<usize>| v.sort_by_key(|&i| spans[i].start_time);
    by_start(&mut roots);
    for v in children.values_mut() {
        by_start(v);
    }
    let count = roots.len();
    for (n, &root) in roots.iter().enumerate() {
        render_span(spans, &children, root, "", n + 1 == count, out);
    }
}

fn render_span(
    spans: &[SpanData],
    children: &HashMap<SpanId, Vec<usize>>,
    index: usize,
    prefix: &str,
    last: bool,
    out: &mut String,
) {
    let span = &spans[index];
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or(Duration::ZERO);
    let branch = if last { "└─ " } else { "├─ " };
    let _ = write!(
        out,
        "{prefix}{branch}{} ({:.2} ms)",
        safe(&span.name),
        duration.as_secs_f64() * 1000.0
    );
    if let Status::Error { description } = &span.status {
        let _ = write!(out, "  ERROR");
        if !description.is_empty() {
            let _ = write!(out, ": {}", safe(description));
        }
    }
    out.push('\n');
    let child_prefix = format!("{prefix}{}", if last { "   " } else { "│  " });
    for kv in span.attributes.iter().filter(|kv| shown(kv)) {
        let _ = writeln!(
            out,
            "{child_prefix}   · {} = {}",
            safe(kv.key.as_str()),
            short(&kv.value)
        );
    }
    for event in &span.events.events {
        let _ = writeln!(out, "{child_prefix}   ! event {}", safe(&event.name));
    }
    if let Some(kids) = children.get(&span.span_context.span_id()) {
        let n = kids.len();
        for (i, &kid) in kids.iter().enumerate() {
            render_span(spans, children, kid, &child_prefix, i + 1 == n, out);
        }
    }
}

/// Bookkeeping attributes of tracing-opentelemetry clutter the tree.
fn shown(kv: &KeyValue) -> bool {
    let key = kv.key.as_str();
    !(key.starts_with("thread.")
        || key == "busy_ns"
        || key == "idle_ns"
        || key == "target"
        || key == "level")
}

fn short(value: &Value) -> String {
    let text = safe(&value.to_string()).into_owned();
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(MAX_VALUE_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, SystemTime};

    use opentelemetry::trace::{SpanContext, SpanKind, TraceFlags, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(name: &'static str, id: u64, parent: u64, start_ms: u64, error: bool) -> SpanData {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7u128),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: t0 + Duration::from_millis(start_ms),
            end_time: t0 + Duration::from_millis(start_ms + 2),
            attributes: vec![
                KeyValue::new("coresdk.intent", "do the thing"),
                KeyValue::new("busy_ns", 5),
            ],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: if error {
                Status::error("timeout")
            } else {
                Status::Unset
            },
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn prints_the_tree_when_the_local_root_ends() {
        let sink = Sink::default();
        let writer = SpanTreeWriter::new(Box::new(sink.clone()));
        // Children end first, as they do in real programs.
        writer.write_batch(vec![
            span("child_b", 3, 1, 5, true),
            span("child_a", 2, 1, 1, false),
        ]);
        assert!(sink.0.lock().expect("sink").is_empty(), "no root yet");
        writer.write_batch(vec![span("root", 1, 0, 0, false)]);
        let text = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf8");
        let expected = "\
trace 00000000000000000000000000000007
└─ root (2.00 ms)
      · coresdk.intent = do the thing
   ├─ child_a (2.00 ms)
   │     · coresdk.intent = do the thing
   └─ child_b (2.00 ms)  ERROR: timeout
         · coresdk.intent = do the thing
";
        assert_eq!(text, expected);
    }

    #[test]
    fn flush_prints_traces_without_a_root() {
        let sink = Sink::default();
        let writer = SpanTreeWriter::new(Box::new(sink.clone()));
        writer.write_batch(vec![span("orphan", 9, 8, 0, false)]);
        writer.flush();
        let text = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf8");
        assert!(text.contains("└─ orphan"), "{text}");
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let sink = Sink::default();
        let writer = SpanTreeWriter::new(Box::new(sink.clone()));
        let mut evil = span("evil\x1b]0;title\x07", 1, 0, 0, false);
        evil.status = Status::error("\x1b[2J\u{9b}31mforged\nline");
        evil.attributes.push(KeyValue::new(
            "k\x1b[1m",
            "\x1b]52;c;aGk=\x07 and \x1b]8;;http://x\x1b\\",
        ));
        evil.events.events.push(opentelemetry::trace::Event::new(
            "exception\x1b[31m",
            SystemTime::UNIX_EPOCH,
            vec![],
            0,
        ));
        writer.write_batch(vec![evil]);
        let text = String::from_utf8(sink.0.lock().expect("sink").clone()).expect("utf8");
        assert!(!text.contains('\x1b') && !text.contains('\u{9b}') && !text.contains('\x07'));
        assert!(text.contains("evil\\x1b]0;title\\x07"), "{text}");
        assert!(!text.contains("forged\nline"), "no forged line: {text}");
    }
}

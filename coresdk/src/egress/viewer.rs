//! The listening side of the local socket and the renderers behind the `core`
//! CLI (`core trace tail`, `core llm tail`, `core policy test`).
//!
//! The binary only parses arguments and maps errors to exit codes; everything
//! here is library code so that it can be tested end to end.
//!
//! Listening needs a Unix-domain socket: off Unix [`Viewer::listen`] fails
//! with [`SocketError::Unsupported`]; the renderers and `policy test` work
//! everywhere.

use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::io::{self, Write};
#[cfg(unix)]
use std::io::{BufRead, BufReader};
#[cfg(unix)]
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::cloudevent::{
    CloudEvent, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC, TYPE_LLM_EGRESS_DENIED, TYPE_TRACE_SPAN,
};
use super::policy::{EgressPolicy, PolicyDecision, PolicyError};
use super::socket::SocketError;
#[cfg(unix)]
use super::socket::bind_shared_listener;
use super::span_record::SpanRecord;
use super::terminal::{escape_controls as safe, escape_controls_multiline, escape_json_line};

/// A trace whose root has not arrived after this long is printed as is.
pub const INCOMPLETE_TRACE_AFTER: Duration = Duration::from_secs(2);

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Events a [`Viewer`] holds for its reader by default; past this, arriving
/// events are dropped and counted instead of queued without bound.
pub const VIEWER_QUEUE_EVENTS: usize = 4096;

/// Listens on the local socket and yields the events traced programs send.
///
/// Each connection is read on its own thread; lines that are not CloudEvents
/// are skipped. When the reader falls behind (e.g. a blocked stdout), events
/// beyond the queue are dropped and counted ([`Viewer::dropped`]), so memory
/// stays bounded and traced programs are never held up. Dropping the viewer
/// stops accepting and removes the socket.
#[derive(Debug)]
pub struct Viewer {
    path: PathBuf,
    rx: Mutex<mpsc::Receiver<CloudEvent>>,
    stop: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
    accept: Option<JoinHandle<()>>,
}

impl Viewer {
    /// Binds `path` (directory 0700, socket 0600; `<path>.<pid>` when
    /// another listener serves `path`, so both get every event) and starts
    /// accepting.
    pub fn listen(path: &Path) -> Result<Self, SocketError> {
        Self::listen_bounded(path, VIEWER_QUEUE_EVENTS)
    }

    /// [`Viewer::listen`] holding at most `queue` events for the reader.
    #[cfg(unix)]
    pub fn listen_bounded(path: &Path, queue: usize) -> Result<Self, SocketError> {
        let (listener, path) = bind_shared_listener(path)?;
        let path = path.as_path();
        listener
            .set_nonblocking(true)
            .map_err(|source| SocketError::Bind {
                path: path.to_owned(),
                source,
            })?;
        let (tx, rx) = mpsc::sync_channel(queue.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let accept = {
            let stop = Arc::clone(&stop);
            let dropped = Arc::clone(&dropped);
            std::thread::Builder::new()
                .name("coresdk-viewer".to_owned())
                .spawn(move || accept_loop(&listener, &tx, &stop, &dropped))
                .map_err(|source| SocketError::Bind {
                    path: path.to_owned(),
                    source,
                })?
        };
        Ok(Self {
            path: path.to_owned(),
            rx: Mutex::new(rx),
            stop,
            dropped,
            accept: Some(accept),
        })
    }

    /// [`Viewer::listen`] holding at most `queue` events for the reader;
    /// this platform has no Unix-domain sockets, so it always fails with
    /// [`SocketError::Unsupported`].
    #[cfg(not(unix))]
    pub fn listen_bounded(path: &Path, queue: usize) -> Result<Self, SocketError> {
        let _ = queue;
        Err(SocketError::Unsupported {
            path: path.to_owned(),
        })
    }

    /// The socket path bound (the requested one, or `<path>.<pid>` beside it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Events dropped because the reader did not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The next event, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<CloudEvent> {
        self.rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv_timeout(timeout)
            .ok()
    }

    /// Collects events until `done` returns true for the collection so far or
    /// `timeout` passes.
    pub fn collect_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[CloudEvent]) -> bool,
    ) -> Vec<CloudEvent> {
        let deadline = Instant::now() + timeout;
        let mut events = Vec::new();
        while !done(&events) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if let Some(ev) = self.recv_timeout(left.min(Duration::from_millis(50))) {
                events.push(ev);
            }
        }
        events
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
fn accept_loop(
    listener: &UnixListener,
    tx: &mpsc::SyncSender<CloudEvent>,
    stop: &AtomicBool,
    dropped: &Arc<AtomicU64>,
) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(false).is_err() {
                    continue;
                }
                let tx = tx.clone();
                let dropped = Arc::clone(dropped);
                let _ = std::thread::Builder::new()
                    .name("coresdk-viewer-conn".to_owned())
                    .spawn(move || {
                        for line in BufReader::new(stream).lines() {
                            let Ok(line) = line else { break };
                            let Ok(ev) = serde_json::from_str::<CloudEvent>(&line) else {
                                continue;
                            };
                            // Never wait for the reader: keep reading the
                            // socket, drop what does not fit.
                            match tx.try_send(ev) {
                                Ok(()) => {}
                                Err(mpsc::TrySendError::Full(_)) => {
                                    dropped.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(mpsc::TrySendError::Disconnected(_)) => break,
                            }
                        }
                    });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Options shared by the tail commands.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct TailOptions {
    json: bool,
    service: Option<String>,
    errors_only: bool,
    color: bool,
}

impl TailOptions {
    /// Human-readable output, no filter, no color.
    pub fn new() -> Self {
        Self::default()
    }
    /// Print raw CloudEvents JSON lines instead of rendering them.
    pub fn with_json(mut self, json: bool) -> Self {
        self.json = json;
        self
    }
    /// Only events from this `service.name`.
    pub fn with_service(mut self, service: Option<String>) -> Self {
        self.service = service;
        self
    }
    /// Only traces (or spans, with `--json`) that failed.
    pub fn with_errors_only(mut self, errors_only: bool) -> Self {
        self.errors_only = errors_only;
        self
    }
    /// ANSI colors (errors in red).
    pub fn with_color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    fn paint(&self, color: &str, text: &str) -> String {
        if self.color {
            format!("{color}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn wants_service(&self, ev: &CloudEvent) -> bool {
        self.service.as_deref().is_none_or(|s| ev.service() == s)
    }
}

#[derive(Debug)]
struct PendingTrace {
    service: String,
    spans: Vec<SpanRecord>,
    last: Instant,
}

/// `core trace tail`: groups span events by trace and prints each trace as a
/// tree when its local root arrives (or when it has been idle for
/// [`INCOMPLETE_TRACE_AFTER`]).
#[derive(Debug)]
pub struct TraceTail {
    opts: TailOptions,
    pending: HashMap<String, PendingTrace>,
}

impl TraceTail {
    /// A renderer with these options.
    pub fn new(opts: TailOptions) -> Self {
        Self {
            opts,
            pending: HashMap::new(),
        }
    }

    /// Handles one event (others than `dev.coresdk.trace.span` are ignored).
    pub fn handle(&mut self, ev: &CloudEvent, out: &mut dyn Write) -> io::Result<()> {
        if ev.event_type != TYPE_TRACE_SPAN || !self.opts.wants_service(ev) {
            return Ok(());
        }
        let Ok(span) = serde_json::from_value::<SpanRecord>(ev.data.clone()) else {
            return Ok(());
        };
        if self.opts.json {
            if !self.opts.errors_only || span.is_error() {
                out.write_all(json_line(ev).as_bytes())?;
            }
            return Ok(());
        }
        let is_root = span.parent_span_id.is_none() || span.parent_is_remote;
        let trace_id = span.trace_id.clone();
        let entry = self
            .pending
            .entry(trace_id.clone())
            .or_insert_with(|| PendingTrace {
                service: ev.service().to_owned(),
                spans: Vec::new(),
                last: Instant::now(),
            });
        entry.spans.push(span);
        entry.last = Instant::now();
        if is_root && let Some(trace) = self.pending.remove(&trace_id) {
            self.render(&trace_id, &trace, false, out)?;
        }
        Ok(())
    }

    /// Prints traces idle for longer than [`INCOMPLETE_TRACE_AFTER`].
    pub fn tick(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let idle: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, t)| t.last.elapsed() >= INCOMPLETE_TRACE_AFTER)
            .map(|(id, _)| id.clone())
            .collect();
        for id in idle {
            if let Some(trace) = self.pending.remove(&id) {
                self.render(&id, &trace, true, out)?;
            }
        }
        Ok(())
    }

    /// Prints every trace still waiting for its root.
    pub fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let pending: Vec<(String, PendingTrace)> = self.pending.drain().collect();
        for (id, trace) in pending {
            self.render(&id, &trace, true, out)?;
        }
        Ok(())
    }

    fn render(
        &self,
        trace_id: &str,
        trace: &PendingTrace,
        incomplete: bool,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let failed = trace.spans.iter().any(SpanRecord::is_error);
        if self.opts.errors_only && !failed {
            return Ok(());
        }
        let ids: HashMap<&str, usize> = trace
            .spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id.as_str(), i))
            .collect();
        let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
        for (i, s) in trace.spans.iter().enumerate() {
            let parent = s
                .parent_span_id
                .as_deref()
                .and_then(|p| ids.get(p).copied());
            children.entry(parent).or_default().push(i);
        }
        for list in children.values_mut() {
            list.sort_by_key(|&i| trace.spans[i].start_unix_nano);
        }
        let status = if failed {
            self.opts.paint(RED, "FAILED")
        } else {
            self.opts.paint(GREEN, "ok")
        };
        writeln!(
            out,
            "{} {} {} {}{}",
            self.opts.paint(BOLD, "trace"),
            safe(trace_id),
            self.opts.paint(DIM, &format!("[{}]", safe(&trace.service))),
            status,
            if incomplete { " (root not seen)" } else { "" }
        )?;
        let mut stack: Vec<(usize, usize)> = children
            .get(&None)
            .map(|roots| roots.iter().rev().map(|&i| (i, 0)).collect())
            .unwrap_or_default();
        while let Some((i, depth)) = stack.pop() {
            let span = &trace.spans[i];
            let indent = "  ".repeat(depth + 1);
            let mut line = format!(
                "{indent}{} {}",
                safe(&span.name),
                format_ms(span.duration_ms)
            );
            if span.is_error() {
                let msg = span.status_message.as_deref().unwrap_or("error");
                line.push_str(" ✗ ");
                line.push_str(&safe(msg));
                line = self.opts.paint(RED, &line);
            }
            writeln!(out, "{line}")?;
            for (k, v) in &span.attributes {
                writeln!(
                    out,
                    "{}",
                    self.opts
                        .paint(DIM, &format!("{indent}  · {} = {}", safe(k), text_of(v)))
                )?;
            }
            // Events (`exception`, first token, logs) in time order, after the attributes.
            for event in &span.events {
                let offset_ms =
                    event.time_unix_nano.saturating_sub(span.start_unix_nano) as f64 / 1e6;
                let mut line = format!(
                    "{indent}  ! {} at +{}",
                    safe(&event.name),
                    format_ms(offset_ms)
                );
                for (k, v) in &event.attributes {
                    let _ = write!(line, " {}={}", safe(k), text_of(v));
                }
                let color = if event.name == "exception" { RED } else { DIM };
                writeln!(out, "{}", self.opts.paint(color, &line))?;
            }
            if let Some(kids) = children.get(&Some(i)) {
                stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
            }
        }
        out.flush()
    }
}

fn format_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2}s", ms / 1000.0)
    } else {
        format!("{ms:.1}ms")
    }
}

/// An attribute value as terminal-safe text (strings unquoted).
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => safe(s).into_owned(),
        other => escape_json_line(&other.to_string()).into_owned(),
    }
}

fn json_line(ev: &CloudEvent) -> String {
    let line = serde_json::to_string(ev).unwrap_or_default();
    let mut line = escape_json_line(&line).into_owned();
    line.push('\n');
    line
}

/// `core llm tail`: prints diagnostic payloads, egress denials and analyses.
#[derive(Debug)]
pub struct LlmTail {
    opts: TailOptions,
}

impl LlmTail {
    /// A renderer with these options.
    pub fn new(opts: TailOptions) -> Self {
        Self { opts }
    }

    /// Handles one event (span events are ignored).
    pub fn handle(&mut self, ev: &CloudEvent, out: &mut dyn Write) -> io::Result<()> {
        let ours = [
            TYPE_LLM_DIAGNOSTIC,
            TYPE_LLM_EGRESS_DENIED,
            TYPE_LLM_ANALYSIS,
        ];
        if !ours.contains(&ev.event_type.as_str()) || !self.opts.wants_service(ev) {
            return Ok(());
        }
        if self.opts.json {
            return out.write_all(json_line(ev).as_bytes());
        }
        let trace = safe(ev.subject.as_deref().unwrap_or("-"));
        let field = |v: &Value| safe(v.as_str().unwrap_or("")).into_owned();
        match ev.event_type.as_str() {
            TYPE_LLM_DIAGNOSTIC => {
                let title = field(&ev.data["error"]["title"]);
                let status = escape_json_line(&ev.data["error"]["status"].to_string()).into_owned();
                let decision = ev.data["egress_decision"].as_str().map_or("?".into(), safe);
                writeln!(
                    out,
                    "{} trace {trace} [{}] {title} (status {status}), egress {decision}",
                    self.opts.paint(BOLD, "diagnostic"),
                    safe(ev.service())
                )?;
                let pretty = serde_json::to_string_pretty(&ev.data).unwrap_or_default();
                writeln!(out, "{}", escape_json_line(&pretty))?;
            }
            TYPE_LLM_EGRESS_DENIED => {
                let policy = field(&ev.data["policy"]);
                let reason = field(&ev.data["reason"]);
                let line =
                    format!("egress denied by policy `{policy}` for trace {trace}: {reason}");
                writeln!(out, "{}", self.opts.paint(YELLOW, &line))?;
            }
            _ => {
                let model = field(&ev.data["model"]);
                if let Some(err) = ev.data["error"].as_str() {
                    let line = format!("analysis of trace {trace} failed: {}", safe(err));
                    writeln!(out, "{}", self.opts.paint(RED, &line))?;
                } else {
                    // The remote model's answer is multi-line and untrusted:
                    // indented, so none of its lines passes for one of ours.
                    let text =
                        escape_controls_multiline(ev.data["analysis"].as_str().unwrap_or(""));
                    writeln!(
                        out,
                        "{} of trace {trace} ({model}):",
                        self.opts.paint(BOLD, "analysis")
                    )?;
                    for line in text.lines() {
                        writeln!(out, "  {line}")?;
                    }
                }
            }
        }
        out.flush()
    }
}

/// The result of `core policy test`.
#[derive(Debug, Clone)]
pub struct PolicyReport {
    /// The policy's name (`acme/llm`).
    pub policy: String,
    /// The file evaluated.
    pub file: PathBuf,
    /// The decision and why.
    pub decision: PolicyDecision,
    /// Every rule value of the package for this input, when it evaluates.
    pub rules: Option<Value>,
}

impl fmt::Display for PolicyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decision = if self.decision.allow { "allow" } else { "deny" };
        writeln!(f, "decision: {decision}")?;
        writeln!(f, "because:  {}", safe(&self.decision.reason))?;
        writeln!(
            f,
            "policy:   {} ({})",
            safe(&self.policy),
            safe(&self.file.display().to_string())
        )?;
        if let Some(rules) = &self.rules {
            writeln!(f, "rules:    {}", escape_json_line(&rules.to_string()))?;
        }
        Ok(())
    }
}

/// Evaluates a policy file on an input file, as the egress gate would: the
/// input is a payload (its `egress_decision` is removed) or a
/// `dev.coresdk.llm.diagnostic` CloudEvent (its `data` is used).
pub fn policy_test(
    policy: &Path,
    input: &Path,
    package: Option<&str>,
) -> Result<PolicyReport, PolicyError> {
    let mut engine = EgressPolicy::load(policy, package)?;
    let text = std::fs::read_to_string(input).map_err(|source| PolicyError::Io {
        path: input.to_owned(),
        source,
    })?;
    let mut value: Value = serde_json::from_str(&text).map_err(|source| PolicyError::Input {
        path: input.to_owned(),
        source,
    })?;
    if value.get("specversion").is_some() {
        value = value["data"].take();
    }
    if let Some(map) = value.as_object_mut() {
        map.remove("egress_decision");
    }
    let decision = engine.evaluate(&value);
    let rules = engine.package_values(&value);
    Ok(PolicyReport {
        policy: engine.name().to_owned(),
        file: policy.to_owned(),
        decision,
        rules,
    })
}

/// A renderer fed by [`run_tail`].
pub trait Tail: fmt::Debug {
    /// Handles one event.
    fn handle(&mut self, ev: &CloudEvent, out: &mut dyn Write) -> io::Result<()>;
    /// Called about every 200 ms (e.g. to print traces whose root never came).
    fn tick(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

impl Tail for TraceTail {
    fn handle(&mut self, ev: &CloudEvent, out: &mut dyn Write) -> io::Result<()> {
        TraceTail::handle(self, ev, out)
    }
    fn tick(&mut self, out: &mut dyn Write) -> io::Result<()> {
        TraceTail::tick(self, out)
    }
}

impl Tail for LlmTail {
    fn handle(&mut self, ev: &CloudEvent, out: &mut dyn Write) -> io::Result<()> {
        LlmTail::handle(self, ev, out)
    }
}

/// Runs a tail loop: feeds every event to `tail` and ticks it about every
/// 200 ms, until `stop` returns true.
pub fn run_tail(
    viewer: &Viewer,
    tail: &mut dyn Tail,
    out: &mut dyn Write,
    stop: impl FnMut() -> bool,
) -> io::Result<()> {
    run_tail_reporting(viewer, tail, out, &mut io::sink(), stop)
}

/// [`run_tail`], also writing a line to `notices` whenever events were
/// dropped because `out` did not keep up (at most once a tick).
pub fn run_tail_reporting(
    viewer: &Viewer,
    tail: &mut dyn Tail,
    out: &mut dyn Write,
    notices: &mut dyn Write,
    mut stop: impl FnMut() -> bool,
) -> io::Result<()> {
    let mut reported = 0;
    while !stop() {
        if let Some(ev) = viewer.recv_timeout(Duration::from_millis(200)) {
            tail.handle(&ev, out)?;
        }
        tail.tick(out)?;
        let dropped = viewer.dropped();
        if dropped > reported {
            // A notice that cannot be written is not worth failing the tail.
            let _ = writeln!(
                notices,
                "core: {} events dropped (output not keeping up), {dropped} in total",
                dropped - reported
            );
            reported = dropped;
        }
    }
    Ok(())
}

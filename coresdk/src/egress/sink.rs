//! The egress thread: everything that does I/O for the diagnostic stage runs
//! here, off the pipeline worker — span events for the local viewer, the egress
//! policy, payload truncation, the socket, and the external LLM request.
//!
//! The stage feeds it through a bounded channel with `try_send`: when the
//! thread falls behind, messages are dropped and counted, never waited for.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanData;
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::cloudevent::{
    CloudEvent, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC, TYPE_LLM_EGRESS_DENIED,
};
use super::llm::{LlmClient, LlmError};
use super::payload::{DiagnosticPayload, EgressDecision};
use super::payload_counts::{PAYLOADS, PayloadEvent};
use super::policy::{EgressPolicy, PolicyDecision};
use super::socket::{
    DEFAULT_BACKLOG_EVENTS, DEFAULT_PAYLOAD_BACKLOG, Outgoing, RECONNECT_INTERVAL, SocketWriter,
};

/// Messages queued for the egress thread.
pub const DEFAULT_QUEUE: usize = 4096;
/// External requests in flight at once; further allowed payloads are dropped and counted.
pub const MAX_REQUESTS_IN_FLIGHT: usize = 4;

/// What the egress thread needs.
#[derive(Debug)]
pub(crate) struct SinkSettings {
    pub(crate) socket_path: std::path::PathBuf,
    pub(crate) service: Arc<str>,
    pub(crate) policy: Option<EgressPolicy>,
    pub(crate) llm: Option<LlmClient>,
    pub(crate) max_payload_bytes: usize,
    pub(crate) backlog_events: usize,
    pub(crate) payload_backlog: usize,
    pub(crate) queue: usize,
}

impl SinkSettings {
    pub(crate) fn new(socket_path: std::path::PathBuf, service: &str) -> Self {
        Self {
            socket_path,
            service: Arc::from(service),
            policy: None,
            llm: None,
            max_payload_bytes: 8192,
            backlog_events: DEFAULT_BACKLOG_EVENTS,
            payload_backlog: DEFAULT_PAYLOAD_BACKLOG,
            queue: DEFAULT_QUEUE,
        }
    }
}

#[derive(Debug)]
enum SinkMsg {
    /// Span events, sent in batches (see [`EgressSink::send_span`]).
    Spans(Vec<SpanData>),
    Diagnostic {
        payload: Box<DiagnosticPayload>,
        trace_id: String,
    },
    Flush(std_mpsc::SyncSender<()>),
    Shutdown {
        deadline: Instant,
        done: std_mpsc::SyncSender<()>,
    },
}

/// Counters of the egress side, shared with the stage.
#[derive(Debug, Default)]
pub(crate) struct EgressStats {
    spans_dropped: AtomicU64,
    payloads_dropped: AtomicU64,
    payloads: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    sent: AtomicU64,
    send_failed: AtomicU64,
    requests_dropped: AtomicU64,
    backlog_dropped: AtomicU64,
    payload_backlog_dropped: AtomicU64,
    untrusted_listeners: AtomicU64,
    events_written: AtomicU64,
}

/// A snapshot of the egress counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EgressCounts {
    /// Span events dropped because the egress queue was full.
    pub spans_dropped: u64,
    /// Payloads dropped because the egress queue was full.
    pub payloads_dropped: u64,
    /// Payloads handled by the egress thread.
    pub payloads: u64,
    /// Payloads the egress gate allowed.
    pub allowed: u64,
    /// Payloads the egress gate denied.
    pub denied: u64,
    /// Payloads the external endpoint answered.
    pub sent: u64,
    /// Payloads whose external request failed (after retries).
    pub send_failed: u64,
    /// Allowed payloads not sent because too many requests were in flight.
    pub requests_dropped: u64,
    /// Span events dropped from the socket backlog (no listener for a long time).
    pub backlog_dropped: u64,
    /// Payload events dropped from their own socket backlog (no listener
    /// while more than its capacity of payloads were built).
    pub payload_backlog_dropped: u64,
    /// Connections refused because the listening process runs as another user.
    pub untrusted_listeners: u64,
    /// Events written to a listener.
    pub events_written: u64,
}

impl EgressStats {
    pub(crate) fn snapshot(&self) -> EgressCounts {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        EgressCounts {
            spans_dropped: get(&self.spans_dropped),
            payloads_dropped: get(&self.payloads_dropped),
            payloads: get(&self.payloads),
            allowed: get(&self.allowed),
            denied: get(&self.denied),
            sent: get(&self.sent),
            send_failed: get(&self.send_failed),
            requests_dropped: get(&self.requests_dropped),
            backlog_dropped: get(&self.backlog_dropped),
            payload_backlog_dropped: get(&self.payload_backlog_dropped),
            untrusted_listeners: get(&self.untrusted_listeners),
            events_written: get(&self.events_written),
        }
    }
}

fn bump(a: &AtomicU64) {
    a.fetch_add(1, Ordering::Relaxed);
}

/// Span events gathered before they are queued together.
const SPAN_BATCH: usize = 32;

/// The handle the stage holds.
#[derive(Debug)]
pub(crate) struct EgressSink {
    tx: mpsc::Sender<SinkMsg>,
    /// Span events gathered on the worker, queued by [`Self::send_spans`].
    pending: Mutex<Vec<SpanData>>,
    /// Span events queued and not yet taken by the egress thread.
    queued: Arc<AtomicUsize>,
    /// Most span events queued at once: three quarters of the queue, as
    /// when each was a message of its own (the rest is kept for payloads
    /// and control).
    max_queued: usize,
    stats: Arc<EgressStats>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl EgressSink {
    /// Starts the egress thread.
    pub(crate) fn start(settings: SinkSettings) -> std::io::Result<Self> {
        let queue = settings.queue.max(4);
        let (tx, rx) = mpsc::channel(queue);
        let stats = Arc::new(EgressStats::default());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let queued = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            queued: Arc::clone(&queued),
            writer: SocketWriter::new(settings.socket_path.clone(), settings.backlog_events)
                .with_payload_capacity(settings.payload_backlog),
            settings,
            stats: Arc::clone(&stats),
            requests: JoinSet::new(),
            denial_log: RateLimited::default(),
            failure_log: RateLimited::default(),
        };
        let thread = std::thread::Builder::new()
            .name("coresdk-egress".to_owned())
            .spawn(move || runtime.block_on(worker.run(rx)))?;
        Ok(Self {
            tx,
            pending: Mutex::new(Vec::with_capacity(SPAN_BATCH)),
            queued,
            max_queued: queue - queue / 4,
            stats,
            thread: Mutex::new(Some(thread)),
        })
    }

    pub(crate) fn stats(&self) -> EgressCounts {
        self.stats.snapshot()
    }

    /// Gathers a span event for the viewer; a full batch is queued at once,
    /// the rest when the worker finds its queue empty ([`Self::send_spans`]).
    /// One message per batch: a message each cost the egress thread more
    /// than the event itself.
    pub(crate) fn send_span(&self, span: &SpanData) {
        if cfg!(not(unix)) {
            // No local socket to show it on.
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.push(span.clone());
        if pending.len() >= SPAN_BATCH {
            self.queue_spans(&mut pending);
        }
    }

    /// Queues the span events gathered so far.
    pub(crate) fn send_spans(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if !pending.is_empty() {
            self.queue_spans(&mut pending);
        }
    }

    /// Queues `pending` as one message; drops and counts them when the
    /// queue holds its share of span events already, or is full.
    fn queue_spans(&self, pending: &mut Vec<SpanData>) {
        let n = pending.len();
        if self.queued.load(Ordering::Relaxed) + n > self.max_queued {
            pending.clear();
            self.stats
                .spans_dropped
                .fetch_add(n as u64, Ordering::Relaxed);
            return;
        }
        let batch = std::mem::replace(pending, Vec::with_capacity(SPAN_BATCH));
        self.queued.fetch_add(n, Ordering::Relaxed);
        if let Err(mpsc::error::TrySendError::Full(_) | mpsc::error::TrySendError::Closed(_)) =
            self.tx.try_send(SinkMsg::Spans(batch))
        {
            self.queued.fetch_sub(n, Ordering::Relaxed);
            self.stats
                .spans_dropped
                .fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// Queues a payload; drops and counts when full.
    pub(crate) fn send_payload(&self, payload: DiagnosticPayload, trace_id: String) {
        PAYLOADS.count(PayloadEvent::Built);
        let msg = SinkMsg::Diagnostic {
            payload: Box::new(payload),
            trace_id,
        };
        if self.tx.try_send(msg).is_err() {
            bump(&self.stats.payloads_dropped);
            PAYLOADS.count(PayloadEvent::Failed);
        }
    }

    /// Sends a control message, retrying while the queue is full, until `deadline`.
    fn send_control(&self, mut msg: SinkMsg, deadline: Instant) -> bool {
        loop {
            match self.tx.try_send(msg) {
                Ok(()) => return true,
                Err(mpsc::error::TrySendError::Closed(_)) => return false,
                Err(mpsc::error::TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    msg = back;
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }

    /// Waits (up to `timeout`) until everything queued before was handled and
    /// written to the socket (or its backlog).
    pub(crate) fn flush(&self, timeout: Duration) -> bool {
        self.send_spans();
        let deadline = Instant::now() + timeout;
        let (reply, done) = std_mpsc::sync_channel(1);
        self.send_control(SinkMsg::Flush(reply), deadline)
            && done
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .is_ok()
    }

    /// Handles everything queued, waits for in-flight external requests and
    /// delivers the backlog, all within `timeout`; then stops the thread.
    pub(crate) fn shutdown(&self, timeout: Duration) -> bool {
        self.send_spans();
        let deadline = Instant::now() + timeout;
        let (reply, done) = std_mpsc::sync_channel(1);
        let inner_deadline = deadline.checked_sub(timeout / 10).unwrap_or(deadline);
        let finished = self.send_control(
            SinkMsg::Shutdown {
                deadline: inner_deadline,
                done: reply,
            },
            deadline,
        ) && done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok();
        if finished {
            let handle = self
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(h) = handle {
                let _ = h.join();
            }
        }
        finished
    }
}

type RequestResult = (String, String, Result<String, LlmError>);

struct Worker {
    /// Shared with the handle: span events queued and not taken yet.
    queued: Arc<AtomicUsize>,
    settings: SinkSettings,
    writer: SocketWriter,
    stats: Arc<EgressStats>,
    requests: JoinSet<RequestResult>,
    denial_log: RateLimited,
    failure_log: RateLimited,
}

impl Worker {
    /// Puts a batch of span events in the backlog, then writes what it can.
    async fn spans(&mut self, spans: Vec<SpanData>) {
        self.queued.fetch_sub(spans.len(), Ordering::Relaxed);
        for span in spans {
            let service = Arc::clone(&self.settings.service);
            self.writer.queue(Outgoing::Span {
                span: Box::new(span),
                service,
            });
        }
        self.writer.pump().await;
    }

    async fn run(mut self, mut rx: mpsc::Receiver<SinkMsg>) {
        let mut tick = tokio::time::interval(RECONNECT_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                msg = rx.recv() => match msg {
                    Some(SinkMsg::Spans(spans)) => self.spans(spans).await,
                    Some(SinkMsg::Diagnostic { payload, trace_id }) => {
                        self.diagnostic(*payload, trace_id).await;
                    }
                    Some(SinkMsg::Flush(reply)) => {
                        self.writer.pump().await;
                        let _ = reply.send(());
                    }
                    Some(SinkMsg::Shutdown { deadline, done }) => {
                        rx.close();
                        while let Ok(msg) = rx.try_recv() {
                            if let SinkMsg::Diagnostic { payload, trace_id } = msg {
                                self.diagnostic(*payload, trace_id).await;
                            } else if let SinkMsg::Spans(spans) = msg {
                                self.spans(spans).await;
                            }
                        }
                        self.finish(deadline).await;
                        let _ = done.send(());
                        return;
                    }
                    None => {
                        self.finish(Instant::now() + Duration::from_millis(500)).await;
                        return;
                    }
                },
                Some(done) = self.requests.join_next(), if !self.requests.is_empty() => {
                    if let Ok(result) = done {
                        self.analysis(result).await;
                    }
                }
                _ = tick.tick() => self.writer.pump().await,
            }
            self.sync_counters();
        }
    }

    fn sync_counters(&self) {
        self.stats
            .backlog_dropped
            .store(self.writer.dropped, Ordering::Relaxed);
        self.stats
            .events_written
            .store(self.writer.written, Ordering::Relaxed);
        self.stats
            .payload_backlog_dropped
            .store(self.writer.payloads_dropped, Ordering::Relaxed);
        self.stats
            .untrusted_listeners
            .store(self.writer.untrusted, Ordering::Relaxed);
    }

    async fn diagnostic(&mut self, mut payload: DiagnosticPayload, trace_id: String) {
        bump(&self.stats.payloads);
        payload.truncate_to(self.settings.max_payload_bytes);
        let decision = match self.settings.policy.as_mut() {
            Some(policy) => policy.evaluate(&payload.policy_input()),
            None => PolicyDecision {
                allow: true,
                reason: "no egress policy configured".to_owned(),
            },
        };
        payload.egress_decision = Some(if decision.allow {
            EgressDecision::Allow
        } else {
            EgressDecision::Deny
        });
        let json = payload.to_json();
        let service = Arc::clone(&self.settings.service);
        let event = CloudEvent::new(
            TYPE_LLM_DIAGNOSTIC,
            &service,
            Some(trace_id.clone()),
            &payload,
        );
        let diagnostic_id = event.id.clone();
        self.writer.send(Outgoing::Line(event.to_json_line())).await;

        if decision.allow {
            bump(&self.stats.allowed);
            PAYLOADS.count(PayloadEvent::Allowed);
            if let Some(llm) = &self.settings.llm {
                if self.requests.len() >= MAX_REQUESTS_IN_FLIGHT {
                    bump(&self.stats.requests_dropped);
                    PAYLOADS.count(PayloadEvent::Failed);
                    return;
                }
                let llm = llm.clone();
                self.requests.spawn(async move {
                    let answer = llm.analyze(&json).await;
                    (diagnostic_id, trace_id, answer)
                });
            }
        } else {
            bump(&self.stats.denied);
            PAYLOADS.count(PayloadEvent::Denied);
            let policy = payload.egress_policy.clone().unwrap_or_default();
            if let Some(suppressed) = self.denial_log.ready() {
                tracing::warn!(
                    target: "coresdk::egress",
                    policy = %policy,
                    reason = %decision.reason,
                    suppressed,
                    "LLM diagnostic payload not exported: egress policy denied it"
                );
            }
            let data = json!({
                "policy": policy,
                "reason": decision.reason,
                "diagnostic_id": diagnostic_id,
            });
            let event = CloudEvent::new(TYPE_LLM_EGRESS_DENIED, &service, Some(trace_id), data);
            self.writer.send(Outgoing::Line(event.to_json_line())).await;
        }
    }

    async fn analysis(&mut self, (diagnostic_id, trace_id, answer): RequestResult) {
        let (endpoint, model) = self
            .settings
            .llm
            .as_ref()
            .map(|l| (l.endpoint_shown(), l.model().to_owned()))
            .unwrap_or_default();
        let data = match answer {
            Ok(text) => {
                bump(&self.stats.sent);
                PAYLOADS.count(PayloadEvent::Sent);
                json!({
                    "diagnostic_id": diagnostic_id,
                    "endpoint": endpoint,
                    "model": model,
                    "analysis": text,
                })
            }
            Err(err) => {
                bump(&self.stats.send_failed);
                PAYLOADS.count(PayloadEvent::Failed);
                if let Some(suppressed) = self.failure_log.ready() {
                    tracing::warn!(
                        target: "coresdk::egress",
                        error = %err,
                        suppressed,
                        "LLM diagnostic export failed"
                    );
                }
                json!({
                    "diagnostic_id": diagnostic_id,
                    "endpoint": endpoint,
                    "model": model,
                    "error": err.to_string(),
                })
            }
        };
        let event = CloudEvent::new(
            TYPE_LLM_ANALYSIS,
            &self.settings.service,
            Some(trace_id),
            data,
        );
        self.writer.send(Outgoing::Line(event.to_json_line())).await;
    }

    /// Waits for in-flight requests and delivers the backlog, until `deadline`.
    async fn finish(&mut self, deadline: Instant) {
        let until = tokio::time::Instant::from_std(deadline);
        while !self.requests.is_empty() {
            match tokio::time::timeout_at(until, self.requests.join_next()).await {
                Ok(Some(Ok(result))) => self.analysis(result).await,
                Ok(Some(Err(_))) => {}
                Ok(None) | Err(_) => break,
            }
        }
        self.requests.abort_all();
        self.writer.drain(deadline).await;
        self.sync_counters();
    }
}

/// Allows one log line per second; counts the ones suppressed in between.
#[derive(Debug, Default)]
struct RateLimited {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimited {
    fn ready(&mut self) -> Option<u64> {
        if self
            .last
            .is_some_and(|t| t.elapsed() < Duration::from_secs(1))
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(Instant::now());
        Some(std::mem::take(&mut self.suppressed))
    }
}

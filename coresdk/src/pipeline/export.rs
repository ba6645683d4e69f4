//! The export stage: batching, retry with backoff, and the exporters
//! (OTLP gRPC, OTLP HTTP/protobuf, stdout span tree, none).
//!
//! Spans arrive on the pipeline's worker thread. OTLP requests do not run
//! there: each batch is encoded (`otlp_wire.rs`) and sent (`otlp_traces.rs`)
//! as a task on the stage's own one-thread Tokio runtime, several at once,
//! so the worker keeps draining the handoff while a batch is on the wire
//! (waiting for each answer on the worker made it fall behind, and the
//! handoff drop spans, at 50 k spans/s). The application's runtime (if any)
//! is never used, so a `current_thread` app runtime or no runtime at all
//! work alike.
//!
//! Batches are cut by span count (`pipeline.batch_size`) and by encoded size
//! (`otlp.max_message_bytes`, 4 MiB by default, the collector's usual limit);
//! a span that cannot fit in a request on its own is dropped and counted.
//!
//! Failed requests are sent again as they were encoded, with a backoff that
//! starts at 100 ms and doubles per consecutive failure up to a cap of one
//! second, plus up to
//! 100 ms of jitter: during an outage spans wait (bounded by the queue size,
//! which covers what is buffered, awaiting a retry and in flight), and the
//! first retry after the backend is back comes within that second. The
//! OTLP rules decide what is retried (see `pipeline/retry.rs`): a
//! permanent error (HTTP 400, gRPC `InvalidArgument`, ...) is not, and a
//! server's `Retry-After` is waited for. A batch still failing 30 s after its
//! first failure is given up and counted as failed. Spans a collector
//! rejects in a partial success are counted as failed and not sent again.
//! Failures are reported on stderr, the first at once and then at most once
//! a minute.
//!
//! A flush or shutdown drains within one deadline, shared with the metrics
//! exporter (see `Deadline`); what is still held when it passes is counted.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::SpanData;

use super::deadline::Deadline;
use super::failure_report::FailureReporter;
use super::otlp_traces::{Accepted, Failure, TracesClient};
use super::otlp_wire::{self, ResourceBytes};
use super::retry::{self, Advice};
use super::stage::{Stage, Verdict};
use super::stats::Counters;
use super::stdout::SpanTreeWriter;
use crate::config::{Config, ExporterKind};

/// Give up on a batch this long after its first failed attempt.
const RETRY_WINDOW: Duration = Duration::from_secs(30);
/// First retry delay; doubles per consecutive failure.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// Longest retry delay: bounds how long after an outage ends the first
/// retry is sent.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Export requests on the wire at once, at most (fewer with a small queue).
/// Throughput is bounded by what is on the wire per round trip: with four
/// requests of 512 spans the stage filled up at 200 k spans/s on 2 cores
/// (a round trip waits for the collector's thread to be scheduled).
const MAX_IN_FLIGHT: usize = 8;
/// Log an export failure at most this often.
const LOG_INTERVAL: Duration = Duration::from_mins(1);

/// Why the exporter could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// opentelemetry-otlp rejected the exporter configuration.
    #[error("cannot build the OTLP exporter for {endpoint}: {reason}")]
    Build {
        /// The traces endpoint.
        endpoint: String,
        /// What the OTLP crate reported.
        reason: String,
    },
    /// The worker's runtime could not be created.
    #[error("cannot start the export runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// The configured exporter.
#[derive(Debug)]
enum Exporter {
    Otlp(Otlp),
    Stdout(SpanTreeWriter),
    None,
}

impl Exporter {
    fn build(config: &Config, resource: &Resource) -> Result<Self, ExportError> {
        match config.exporter() {
            ExporterKind::None => Ok(Exporter::None),
            ExporterKind::Stdout => Ok(Exporter::Stdout(SpanTreeWriter::stdout())),
            ExporterKind::Otlp => {
                let endpoint = config.otlp().resolved_traces_endpoint();
                let client = TracesClient::new(config.otlp(), &endpoint).map_err(|e| {
                    ExportError::Build {
                        endpoint: crate::config::redact_url_text(&endpoint),
                        reason: e.to_string(),
                    }
                })?;
                Ok(Exporter::Otlp(Otlp {
                    client,
                    resource: ResourceBytes::new(resource),
                }))
            }
        }
    }

    /// Exports a batch that needs no network at once; gives an OTLP batch back.
    fn export_local(&self, batch: Vec<SpanData>) -> Option<Vec<SpanData>> {
        match self {
            Exporter::Otlp(_) => Some(batch),
            Exporter::Stdout(w) => {
                w.write_batch(batch);
                None
            }
            Exporter::None => None,
        }
    }

    /// Encodes an OTLP request (called on the export thread).
    fn encode(&self, batch: &[SpanData]) -> Bytes {
        match self {
            Exporter::Otlp(otlp) => Bytes::from(otlp_wire::request(&otlp.resource, batch)),
            Exporter::Stdout(_) | Exporter::None => Bytes::new(),
        }
    }

    async fn export_remote(&self, request: Bytes, timeout: Duration) -> Result<Accepted, Failure> {
        match self {
            Exporter::Otlp(otlp) => otlp.client.send(request, timeout).await,
            Exporter::Stdout(_) | Exporter::None => Ok(Accepted::default()),
        }
    }

    fn flush(&self) {
        if let Exporter::Stdout(w) = self {
            w.flush();
        }
    }

    fn shutdown(&self) {
        if let Exporter::Stdout(w) = self {
            w.flush();
        }
    }
}

/// The OTLP exporter: the client, and the resource every request carries.
#[derive(Debug)]
struct Otlp {
    client: TracesClient,
    resource: ResourceBytes,
}

/// What a request sends: new spans (encoded on the export thread), or a
/// failed request again.
#[derive(Debug)]
enum Outgoing {
    Spans(Vec<SpanData>),
    Encoded { request: Bytes, spans: usize },
}

impl Outgoing {
    fn spans(&self) -> usize {
        match self {
            Outgoing::Spans(batch) => batch.len(),
            Outgoing::Encoded { spans, .. } => *spans,
        }
    }
}

/// A request that failed and waits for its next attempt.
#[derive(Debug)]
struct Retry {
    /// The encoded request, sent again as it is.
    request: Bytes,
    spans: usize,
    /// When its first attempt failed.
    first_failed: Instant,
}

/// A span waiting for a batch, with the bound of its encoded size.
#[derive(Debug)]
struct Pending {
    span: SpanData,
    bytes: usize,
}

/// Batching, retry and in-flight state, shared by the worker thread (which
/// pushes spans and ticks) and the export tasks (which settle their batch).
#[derive(Debug, Default)]
struct State {
    /// Spans waiting for a batch, oldest first.
    buffer: VecDeque<Pending>,
    /// Sum of their encoded size bounds.
    buffered_bytes: usize,
    /// Failed batches waiting for their retry, oldest first; sent before `buffer`.
    retries: VecDeque<Retry>,
    /// Spans held in `retries`.
    retry_spans: usize,
    /// Export requests on the wire.
    in_flight: usize,
    /// Spans in those requests.
    in_flight_spans: usize,
    /// Consecutive failures, for the backoff.
    failures: u32,
    retry_at: Option<Instant>,
    /// Set while a flush or shutdown drains: backoff is ignored, failures are final.
    deadline: Option<Instant>,
    /// The first failure of the current flush.
    flush_error: Option<OTelSdkError>,
    /// Shut down: what was in flight has been counted; late answers change nothing.
    closed: bool,
}

impl State {
    fn ready(&self, now: Instant) -> bool {
        self.deadline.is_some() || self.retry_at.is_none_or(|at| now >= at)
    }

    /// Spans the stage holds: waiting, waiting for a retry, or in flight.
    fn held(&self) -> usize {
        self.buffer.len() + self.retry_spans + self.in_flight_spans
    }

    fn is_idle(&self) -> bool {
        self.buffer.is_empty() && self.retries.is_empty() && self.in_flight == 0
    }
}

/// What the export tasks share with the worker thread.
#[derive(Debug)]
struct Shared {
    exporter: Exporter,
    state: Mutex<State>,
    /// Signalled when an export request settles (flush and shutdown wait on it).
    settled: Condvar,
    /// The export runtime (OTLP only).
    handle: Option<tokio::runtime::Handle>,
    /// Bound on the spans held (buffered, awaiting retry, or in flight).
    max_held: usize,
    batch_size: usize,
    max_in_flight: usize,
    /// Bound on the spans' encoded size in one request (OTLP only; the
    /// resource and framing are already taken off).
    request_bytes: Option<usize>,
    timeout: Duration,
    flush_timeout: Duration,
    /// Set by the `Guard` for a flush or shutdown, shared with the metrics.
    deadline: Arc<Deadline>,
    reporter: Arc<FailureReporter>,
    counters: Arc<Counters>,
}

/// Owns the export runtime; dropped on the worker thread, never inside the runtime.
#[derive(Debug)]
struct Core {
    runtime: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
}

impl Drop for Core {
    fn drop(&mut self) {
        // Flush and shutdown have already waited (bounded) for what was in
        // flight; a stuck request or DNS lookup must not hold up the caller.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The export stage, the last [`Stage`] of the chain. Its requests' tasks
/// share its state (hence the `Arc`).
///
/// OTLP requests run as tasks on the stage's own one-thread Tokio runtime, at
/// most a few at once, so the worker keeps draining the handoff queue while a
/// batch is on the wire. The stdout and none exporters run inline.
#[derive(Debug, Clone)]
pub(crate) struct ExportCore {
    core: Arc<Core>,
}

impl ExportCore {
    /// Builds the exporter. The OTLP exporter binds to the runtime that is
    /// current when it is built: the stage's own.
    pub(crate) fn new(
        config: &Config,
        resource: &Resource,
        counters: Arc<Counters>,
        deadline: Arc<Deadline>,
    ) -> Result<Self, ExportError> {
        let runtime = if config.exporter() == ExporterKind::Otlp {
            Some(
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .thread_name("coresdk-export")
                    .build()
                    .map_err(ExportError::Runtime)?,
            )
        } else {
            None
        };
        let reporter = Arc::new(FailureReporter::new(
            config.otlp().resolved_traces_endpoint(),
            LOG_INTERVAL,
        ));
        let exporter = {
            // The gRPC channel starts its worker on the current runtime.
            let _entered = runtime.as_ref().map(tokio::runtime::Runtime::enter);
            Exporter::build(config, resource)?
        };
        let pipeline = config.pipeline();
        let batch_size = pipeline.batch_size();
        let max_held = pipeline.queue_size().max(batch_size);
        let request_bytes = match &exporter {
            Exporter::Otlp(otlp) => {
                // Headroom for what the size bounds do not cover (gRPC framing).
                const SLACK: usize = 1024;
                Some(
                    config
                        .otlp()
                        .max_message_bytes()
                        .saturating_sub(otlp_wire::request_overhead(&otlp.resource) + SLACK),
                )
            }
            Exporter::Stdout(_) | Exporter::None => None,
        };
        Ok(Self {
            core: Arc::new(Core {
                shared: Arc::new(Shared {
                    exporter,
                    state: Mutex::new(State::default()),
                    settled: Condvar::new(),
                    handle: runtime.as_ref().map(|r| r.handle().clone()),
                    max_held,
                    batch_size,
                    // At most half of what the stage may hold is on the wire,
                    // so new spans still find room while requests are slow.
                    max_in_flight: (max_held / batch_size / 2).clamp(1, MAX_IN_FLIGHT),
                    request_bytes,
                    timeout: config.otlp().timeout(),
                    flush_timeout: pipeline.flush_timeout(),
                    deadline,
                    reporter,
                    counters,
                }),
                runtime,
            }),
        })
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.core.shared
    }

    /// Sends everything held, ignoring the backoff, and waits until it has
    /// settled or `deadline` passes. Stops sending after the first failure.
    fn drain(&self, deadline: Instant) -> OTelSdkResult {
        let shared = self.shared();
        let mut state = shared.lock();
        state.deadline = Some(deadline);
        state.flush_error = None;
        let result = loop {
            if state.flush_error.is_none() {
                shared.pump(&mut state, true);
            }
            if state.in_flight == 0 && (state.is_idle() || state.flush_error.is_some()) {
                break state.flush_error.take().map_or(Ok(()), Err);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break Err(OTelSdkError::Timeout(Duration::ZERO));
            }
            state = shared
                .settled
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        state.deadline = None;
        state.flush_error = None;
        result
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(self: &Arc<Self>, span: SpanData) {
        let bytes = match self.request_bytes {
            Some(limit) => {
                let bytes = otlp_wire::span_size(&span);
                if bytes > limit {
                    // Alone over the limit: it would fail every request it
                    // were part of, and the spans sent with it.
                    self.counters.dropped(1);
                    self.reporter.report(&format_args!(
                        "dropped a span of up to {bytes} bytes: a request may carry \
                         {limit} bytes of spans (otlp.max_message_bytes)"
                    ));
                    return;
                }
                bytes
            }
            None => 0,
        };
        let mut state = self.lock();
        if state.held() >= self.max_held {
            // Bounded memory while the backend is slow or down: the oldest
            // span waiting goes (a whole failed batch first), or this one when
            // everything held is on the wire.
            if let Some(retry) = state.retries.pop_front() {
                state.retry_spans -= retry.spans;
                self.counters.dropped(retry.spans as u64);
            } else if let Some(oldest) = state.buffer.pop_front() {
                state.buffered_bytes -= oldest.bytes;
                self.counters.dropped(1);
            } else {
                self.counters.dropped(1);
                return;
            }
        }
        state.buffer.push_back(Pending { span, bytes });
        state.buffered_bytes += bytes;
        if self.batch_full(&state) {
            self.pump(&mut state, false);
        }
    }

    /// Whether the buffer holds a batch's worth of spans, by count or size.
    fn batch_full(&self, state: &State) -> bool {
        state.buffer.len() >= self.batch_size
            || self
                .request_bytes
                .is_some_and(|limit| state.buffered_bytes >= limit)
    }

    /// Takes the next batch off the buffer: at most `batch_size` spans, and
    /// no more than fit in one request.
    fn take_batch(&self, state: &mut State) -> Vec<SpanData> {
        let limit = self.request_bytes.unwrap_or(usize::MAX);
        let mut bytes = 0usize;
        let mut n = 0;
        for pending in state.buffer.iter().take(self.batch_size) {
            if n > 0 && bytes.saturating_add(pending.bytes) > limit {
                break;
            }
            bytes += pending.bytes;
            n += 1;
        }
        state.buffered_bytes -= bytes;
        state.buffer.drain(..n).map(|p| p.span).collect()
    }

    /// Sends batches while requests may be added: failed batches first, then
    /// full batches of new spans, and a partial one if `partial`.
    fn pump(self: &Arc<Self>, state: &mut State, partial: bool) {
        let now = Instant::now();
        while state.in_flight < self.max_in_flight && state.ready(now) {
            let (outgoing, first_failed) = if let Some(retry) = state.retries.pop_front() {
                state.retry_spans -= retry.spans;
                let outgoing = Outgoing::Encoded {
                    request: retry.request,
                    spans: retry.spans,
                };
                (outgoing, Some(retry.first_failed))
            } else if self.batch_full(state) || (partial && !state.buffer.is_empty()) {
                (Outgoing::Spans(self.take_batch(state)), None)
            } else {
                return;
            };
            self.send(state, outgoing, first_failed, now);
        }
    }

    fn send(
        self: &Arc<Self>,
        state: &mut State,
        outgoing: Outgoing,
        first_failed: Option<Instant>,
        now: Instant,
    ) {
        let n = outgoing.spans();
        let outgoing = match outgoing {
            Outgoing::Spans(batch) => {
                let Some(batch) = self.exporter.export_local(batch) else {
                    self.counters.exported(n as u64);
                    return;
                };
                Outgoing::Spans(batch)
            }
            encoded @ Outgoing::Encoded { .. } => encoded,
        };
        let Some(handle) = &self.handle else {
            // Not reached: the OTLP exporter always has its runtime.
            self.counters.export_failed(n as u64);
            return;
        };
        let timeout = state.deadline.map_or(self.timeout, |deadline| {
            self.timeout.min(deadline.saturating_duration_since(now))
        });
        state.in_flight += 1;
        state.in_flight_spans += n;
        let shared = Arc::clone(self);
        handle.spawn(async move {
            // Encoded here, on the export thread, not on the worker; the
            // bytes are kept for a retry (a reference count, not a copy).
            let request = match outgoing {
                Outgoing::Spans(batch) => shared.exporter.encode(&batch),
                Outgoing::Encoded { request, .. } => request,
            };
            let result = shared
                .exporter
                .export_remote(request.clone(), timeout)
                .await;
            shared.settle(request, n, first_failed, result);
        });
    }

    /// Records the outcome of one request and sends what may follow.
    fn settle(
        self: &Arc<Self>,
        request: Bytes,
        n: usize,
        first_failed: Option<Instant>,
        result: Result<Accepted, Failure>,
    ) {
        let mut state = self.lock();
        state.in_flight -= 1;
        state.in_flight_spans -= n;
        if state.closed {
            // Counted as failed at shutdown.
            drop(state);
            self.settled.notify_all();
            return;
        }
        match result {
            Ok(accepted) => {
                // A partial success is final: the rejected spans would be
                // rejected again (the OTLP rules say not to retry them).
                let rejected = (accepted.rejected as usize).min(n);
                self.counters.exported((n - rejected) as u64);
                if rejected > 0 {
                    self.counters.export_failed(rejected as u64);
                    self.reporter.report(&format_args!(
                        "the collector rejected {rejected} of {n} spans (not retried): {}",
                        accepted.message
                    ));
                } else if !accepted.message.is_empty() {
                    self.reporter.report(&format_args!(
                        "the collector accepted the spans with a warning: {}",
                        accepted.message
                    ));
                }
                state.failures = 0;
                state.retry_at = None;
            }
            Err(Failure { advice, message }) => {
                let now = Instant::now();
                let first_failed = first_failed.unwrap_or(now);
                if advice == Advice::Never {
                    // The request is at fault, not the backend: no backoff
                    // for the batches behind it.
                    self.counters.export_failed(n as u64);
                    self.reporter.report(&format_args!(
                        "rejected (not retried, its spans were given up): {message}"
                    ));
                    if state.deadline.is_some() {
                        state
                            .flush_error
                            .get_or_insert(OTelSdkError::InternalFailure(message));
                    }
                    if state.flush_error.is_none() {
                        let flushing = state.deadline.is_some();
                        self.pump(&mut state, flushing);
                    }
                    drop(state);
                    self.settled.notify_all();
                    return;
                }
                state.failures = state.failures.saturating_add(1);
                let backoff = INITIAL_BACKOFF
                    .saturating_mul(1 << (state.failures - 1).min(10))
                    .min(MAX_BACKOFF);
                let delay = match advice {
                    Advice::After(wait) => wait.max(backoff),
                    _ => backoff,
                } + retry::jitter();
                // A server asking to wait past the window is not waited for.
                let give_up = state.deadline.is_some()
                    || now.duration_since(first_failed) >= RETRY_WINDOW
                    || matches!(advice, Advice::After(wait)
                        if (now + wait).duration_since(first_failed) > RETRY_WINDOW);
                if give_up {
                    self.counters.export_failed(n as u64);
                } else {
                    state.retry_spans += n;
                    state.retries.push_back(Retry {
                        request,
                        spans: n,
                        first_failed,
                    });
                }
                state.retry_at = Some(now + delay);
                let outcome = if give_up {
                    "its spans were given up"
                } else {
                    "retrying with backoff"
                };
                self.reporter
                    .report(&format_args!("failed ({outcome}): {message}"));
                if state.deadline.is_some() {
                    state
                        .flush_error
                        .get_or_insert(OTelSdkError::InternalFailure(message));
                }
            }
        }
        // Keep the wire busy without waiting for the worker's next span or tick;
        // a flush that saw a failure stops sending.
        if state.flush_error.is_none() {
            let flushing = state.deadline.is_some();
            self.pump(&mut state, flushing);
        }
        drop(state);
        self.settled.notify_all();
    }
}

impl Stage for ExportCore {
    fn on_span(&mut self, span: SpanData) -> Verdict {
        self.shared().push(span);
        // Held until a batch carries it (or it is counted as failed).
        Verdict::Hold
    }

    /// Sends what is buffered, unless a retry is still backing off.
    fn tick(&mut self, _now: Instant) -> Vec<SpanData> {
        let shared = self.shared();
        {
            let mut state = shared.lock();
            shared.pump(&mut state, true);
        }
        shared.exporter.flush();
        Vec::new()
    }

    fn flush(&mut self, deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (Vec::new(), self.force_flush_until(deadline))
    }

    fn shutdown(&mut self, deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        (Vec::new(), self.shutdown_until(deadline))
    }
}

impl ExportCore {
    fn force_flush_until(&self, deadline: Instant) -> OTelSdkResult {
        let shared = self.shared();
        let deadline = deadline.min(shared.deadline.bound(shared.flush_timeout));
        let result = self.drain(deadline);
        self.shared().exporter.flush();
        result
    }

    fn shutdown_until(&self, deadline: Instant) -> OTelSdkResult {
        let shared = self.shared();
        let deadline = shared
            .deadline
            .bound(deadline.saturating_duration_since(Instant::now()));
        let flushed = self.drain(deadline);
        {
            let mut state = shared.lock();
            let left = state.buffer.len() + state.retry_spans + state.in_flight_spans;
            if left > 0 {
                shared.counters.export_failed(left as u64);
            }
            state.buffer.clear();
            state.buffered_bytes = 0;
            state.retries.clear();
            state.retry_spans = 0;
            state.closed = true;
        }
        shared.exporter.shutdown();
        flushed
    }
}

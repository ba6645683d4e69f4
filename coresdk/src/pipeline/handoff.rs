//! The handoff: the bounded queue between the application's threads and the
//! pipeline's worker thread, and the worker loop itself.
//!
//! On the application thread a closing span costs a non-blocking `try_send`
//! of its [`SpanRecord`]; a full queue, or a span that would take the queue
//! over its byte budget (`pipeline.queue_max_bytes`, an estimate of what the
//! waiting spans hold on the heap), drops the span and counts it. Spans
//! started through the OpenTelemetry API arrive the same way as `SpanData`
//! (see [`ApiSpans`]). The worker turns records into `SpanData` and runs them
//! through the [`Chain`].
//!
//! The worker does not block in `recv`: a blocked receiver makes every send pay
//! for a futex wake-up (about a microsecond). Instead it drains the queue, then
//! parks with a timeout; senders wake it only when the queue is a quarter full,
//! so the wake-up cost is paid once per many spans.
//!
//! A shutdown that cannot wait for the worker (its budget ran out while the
//! backend stalls) does not leave spans uncounted: it seals the counters'
//! ledger (see [`Counters::seal`]), counting what the handoff accepted and the
//! worker has not settled as dropped, and the worker discards what it still
//! finds in the queue.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::{Context, InstrumentationScope};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};

use super::record::SpanRecord;
use super::stage::Chain;
use super::stats::Counters;
use super::value_limit;

/// What travels from the application threads to the worker.
// Records travel unboxed: the queue's slots are allocated once, and boxing
// would cost the application thread an allocation per span. OpenTelemetry
// API spans are rarer and three times larger: boxed, they keep every slot
// (and every move of a record) small.
enum Message {
    Record(SpanRecord),
    Span(Box<SpanData>),
    Flush(Instant, SyncSender<OTelSdkResult>),
    Shutdown(Instant, SyncSender<OTelSdkResult>),
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Record(_) => "Record",
            Message::Span(_) => "Span",
            Message::Flush(..) => "Flush",
            Message::Shutdown(..) => "Shutdown",
        })
    }
}

/// Longest the worker sleeps between drains when nothing wakes it.
const MAX_PARK: Duration = Duration::from_millis(100);

/// Spans the worker takes before it gives their bytes back to the budget.
// Once per span, the worker's write would pull the line the senders update
// away from them on every span; once per drain, a long drain would hold
// bytes that are already gone.
const RETURN_BYTES_EVERY: usize = 64;

/// State shared by the senders and the worker: wake-ups, the byte budget,
/// and what was accepted.
#[derive(Debug, Default)]
struct Wake {
    /// Spans accepted into the queue, ever (plus sends under way). With
    /// `taken`, what is waiting; at shutdown, what the ledger is sealed with.
    sent: AtomicUsize,
    /// Spans the worker has taken off the queue, ever.
    taken: AtomicUsize,
    /// The worker is parked (or about to park).
    parked: AtomicBool,
    /// Estimated heap bytes of the spans in the queue.
    bytes: AtomicUsize,
    /// A shutdown stopped waiting for the worker and counted what it had
    /// not: the worker discards whatever it still finds.
    abandoned: AtomicBool,
}

/// Why the worker could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum WorkerError {
    /// The thread could not be spawned.
    #[error("cannot start the pipeline thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The thread stopped while it was being set up.
    #[error("the pipeline thread stopped during setup")]
    Gone,
}

/// Builds the chain on the worker thread (the exporter's runtime lives there).
pub(crate) type BuildChain<E> = Box<dyn FnOnce() -> Result<Chain, E> + Send>;

/// What the worker thread is given when it starts.
pub(crate) struct WorkerSetup<E> {
    /// Builds the chain; runs first thing on the worker.
    pub(crate) build: BuildChain<E>,
    /// How often stages are ticked.
    pub(crate) batch_delay: Duration,
    /// The instrumentation scope of spans recorded by CoreSDK's layer.
    pub(crate) scope: InstrumentationScope,
    /// The attribute value length limit (characters) for spans that arrive
    /// built, through the OpenTelemetry API.
    pub(crate) value_limit: usize,
}

/// The sending side of the queue. See the module docs.
#[derive(Debug)]
pub(crate) struct Handoff {
    tx: SyncSender<Message>,
    counters: Arc<Counters>,
    closed: AtomicBool,
    wake: Arc<Wake>,
    wake_at: usize,
    /// Bound on `wake.bytes`.
    max_bytes: usize,
    thread: std::thread::Thread,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Handoff {
    /// Starts the worker thread and waits until its chain is built.
    pub(crate) fn start<E: From<WorkerError> + Send + 'static>(
        queue_size: usize,
        max_bytes: usize,
        counters: Arc<Counters>,
        setup: WorkerSetup<E>,
    ) -> Result<Self, E> {
        let (tx, rx) = mpsc::sync_channel::<Message>(queue_size);
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), E>>(1);
        let wake = Arc::new(Wake::default());
        let wake_at = (queue_size / 4).max(1);
        let worker_wake = Arc::clone(&wake);
        let worker_counters = Arc::clone(&counters);
        let worker = std::thread::Builder::new()
            .name("coresdk-pipeline".into())
            .spawn(move || {
                // Anything the exporters' libraries (tonic, hyper, reqwest) trace
                // on this thread must not become spans of the pipeline itself.
                let _quiet =
                    tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
                match (setup.build)() {
                    Ok(mut chain) => {
                        let _ = ready_tx.send(Ok(()));
                        let worker = Worker {
                            rx: &rx,
                            wake: &worker_wake,
                            wake_at,
                            scope: &setup.scope,
                            delay: setup.batch_delay,
                            value_limit: setup.value_limit,
                            counters: &worker_counters,
                        };
                        worker.run(&mut chain);
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(|e| E::from(WorkerError::Thread(e)))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                tx,
                counters,
                closed: AtomicBool::new(false),
                wake,
                wake_at,
                max_bytes,
                thread: worker.thread().clone(),
                worker: Mutex::new(Some(worker)),
            }),
            Ok(Err(e)) => {
                let _ = worker.join();
                Err(e)
            }
            Err(_) => Err(E::from(WorkerError::Gone)),
        }
    }

    /// Hands a closed span to the worker. Never blocks: a full queue (or a
    /// pipeline that was shut down) drops the span and counts it.
    #[inline]
    pub(crate) fn send_record(&self, record: SpanRecord) {
        let bytes = record.heap_bytes();
        self.send(Message::Record(record), bytes);
    }

    /// Hands a span ended through the OpenTelemetry API to the worker.
    fn send_span(&self, span: SpanData) {
        let bytes = value_limit::span_bytes(&span);
        self.send(Message::Span(Box::new(span)), bytes);
    }

    #[inline]
    fn send(&self, message: Message, bytes: usize) {
        if self.closed.load(Ordering::Relaxed) {
            self.counters.refused(1);
            return;
        }
        // One read-modify-write when under the budget; undone when over.
        let queued = self.wake.bytes.fetch_add(bytes, Ordering::Relaxed);
        if queued.saturating_add(bytes) > self.max_bytes {
            self.wake.bytes.fetch_sub(bytes, Ordering::Relaxed);
            self.counters.refused(1);
            return;
        }
        // SeqCst pairs with the worker's store of `parked` then load of
        // `sent`, so a wake-up is never lost (see `Worker::run`).
        let sent = self.wake.sent.fetch_add(1, Ordering::SeqCst) + 1;
        if self.tx.try_send(message).is_err() {
            self.wake.sent.fetch_sub(1, Ordering::SeqCst);
            self.wake.bytes.fetch_sub(bytes, Ordering::Relaxed);
            self.counters.refused(1);
            return;
        }
        if self.wake.parked.load(Ordering::SeqCst)
            && sent.saturating_sub(self.wake.taken.load(Ordering::Relaxed)) >= self.wake_at
        {
            self.thread.unpark();
        }
    }

    /// Runs everything queued so far through the chain and flushes every
    /// stage, waiting at most `timeout`.
    pub(crate) fn flush(&self, timeout: Duration) -> OTelSdkResult {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let deadline = Instant::now() + timeout;
        self.control(deadline, |reply| Message::Flush(deadline, reply))
    }

    /// Flushes and stops the worker within `timeout`. Spans sent after this
    /// are dropped and counted.
    pub(crate) fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let deadline = Instant::now() + timeout;
        // The worker gets slightly less than the whole budget so its answer can
        // still arrive in time.
        let budget = Instant::now() + timeout.mul_f64(0.9);
        let result = self.control(deadline, |reply| Message::Shutdown(budget, reply));
        if result.is_ok() {
            if let Some(worker) = self
                .worker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                // It has answered, so it is about to return.
                let _ = worker.join();
            }
        } else {
            // The worker is left to finish (or die with the process): joining
            // it could block the caller for as long as the backend stalls.
            // What it still finds in the queue is counted below, so it
            // discards it rather than export spans reported as dropped.
            self.wake.abandoned.store(true, Ordering::SeqCst);
            self.thread.unpark();
        }
        // Whatever was accepted and is not counted yet — still queued, in a
        // stage, or on the wire — is counted as dropped now, so the counters
        // add up when this returns; the worker's later counts are ignored.
        // After a clean shutdown this finds nothing (or spans a stage let go
        // of without counting them).
        self.counters
            .seal(self.wake.sent.load(Ordering::SeqCst) as u64);
        result
    }

    /// Sends a control message, waiting for queue space until `deadline`, then
    /// waits for the worker's answer until `deadline`.
    fn control(
        &self,
        deadline: Instant,
        make: impl Fn(SyncSender<OTelSdkResult>) -> Message,
    ) -> OTelSdkResult {
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        let mut message = make(reply_tx);
        let start = Instant::now();
        loop {
            match self.tx.try_send(message) {
                Ok(()) => {
                    self.thread.unpark();
                    break;
                }
                Err(TrySendError::Full(m)) => {
                    if Instant::now() >= deadline {
                        return Err(OTelSdkError::Timeout(start.elapsed()));
                    }
                    message = m;
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(TrySendError::Disconnected(_)) => return Err(OTelSdkError::AlreadyShutdown),
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match reply_rx.recv_timeout(left) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(start.elapsed())),
            Err(RecvTimeoutError::Disconnected) => Err(OTelSdkError::AlreadyShutdown),
        }
    }
}

/// The processor of the OpenTelemetry tracer provider CoreSDK sets up for
/// code that uses the OpenTelemetry API directly: its spans join the same
/// queue, and so the same chain, as `tracing` spans.
#[derive(Debug, Clone)]
pub(crate) struct ApiSpans(pub(crate) Arc<Handoff>);

impl SpanProcessor for ApiSpans {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            self.0.send_span(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        // The pipeline is flushed through its guard.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        // The pipeline is shut down through its guard.
        Ok(())
    }
}

/// The worker loop's inputs.
struct Worker<'a> {
    rx: &'a Receiver<Message>,
    wake: &'a Wake,
    wake_at: usize,
    scope: &'a InstrumentationScope,
    delay: Duration,
    value_limit: usize,
    counters: &'a Counters,
}

impl Worker<'_> {
    /// Whether a shutdown stopped waiting and counted what is left.
    fn abandoned(&self) -> bool {
        self.wake.abandoned.load(Ordering::Relaxed)
    }

    fn run(&self, chain: &mut Chain) {
        let mut next_tick = Instant::now() + self.delay;
        let mut taken_total = 0usize;
        loop {
            let mut taken = 0;
            let mut freed = 0;
            loop {
                if taken % RETURN_BYTES_EVERY == 0 && freed > 0 {
                    self.wake.bytes.fetch_sub(freed, Ordering::Relaxed);
                    freed = 0;
                }
                match self.rx.try_recv() {
                    Ok(Message::Record(record)) => {
                        taken += 1;
                        freed += record.heap_bytes();
                        if self.abandoned() {
                            continue;
                        }
                        self.counters
                            .attributes_truncated(u64::from(record.truncated_values()));
                        chain.on_span(record.into_span_data(self.scope));
                    }
                    Ok(Message::Span(mut span)) => {
                        taken += 1;
                        freed += value_limit::span_bytes(&span);
                        if self.abandoned() {
                            continue;
                        }
                        let cut = value_limit::limit_span(&mut span, self.value_limit);
                        self.counters.attributes_truncated(u64::from(cut));
                        chain.on_span(*span);
                    }
                    Ok(Message::Flush(deadline, reply)) => {
                        // A flush may wait on the backend: give the bytes back first.
                        self.wake
                            .bytes
                            .fetch_sub(std::mem::take(&mut freed), Ordering::Relaxed);
                        let _ = reply.send(chain.flush(deadline));
                    }
                    Ok(Message::Shutdown(deadline, reply)) => {
                        let result = chain.shutdown(deadline);
                        let _ = reply.send(result);
                        return;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        let _ = chain.shutdown(Instant::now() + Duration::from_secs(1));
                        return;
                    }
                }
            }
            if freed > 0 {
                self.wake.bytes.fetch_sub(freed, Ordering::Relaxed);
            }
            if taken > 0 {
                chain.idle();
            }
            taken_total = taken_total.wrapping_add(taken);
            self.wake.taken.store(taken_total, Ordering::SeqCst);
            let now = Instant::now();
            if now >= next_tick {
                chain.tick(now);
                next_tick = Instant::now() + self.delay;
            }
            self.wake.parked.store(true, Ordering::SeqCst);
            // A sender that raised `sent` past the mark before seeing `parked`
            // did not wake us: look again before sleeping.
            let waiting = self
                .wake
                .sent
                .load(Ordering::SeqCst)
                .saturating_sub(taken_total);
            if waiting < self.wake_at {
                let until_tick = next_tick.saturating_duration_since(Instant::now());
                std::thread::park_timeout(until_tick.min(MAX_PARK));
            }
            self.wake.parked.store(false, Ordering::SeqCst);
        }
    }
}

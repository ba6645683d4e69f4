//! The head of the chain: the only processor registered with the provider.
//!
//! `on_end` runs on the application's thread inside `Span::end`; all it does is
//! a non-blocking `try_send` into a bounded queue. A full queue drops the span
//! and counts it. One worker thread drains the queue through the stages.
//!
//! The worker does not block in `recv`: a blocked receiver makes every send pay
//! for a futex wake-up (about a microsecond). Instead it drains the queue, then
//! parks with a timeout; senders wake it only when the queue is a quarter full,
//! so the wake-up cost is paid once per many spans.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry::trace::Span as _;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanLimits, SpanProcessor};

use super::deferred;
use super::stats::Counters;
use super::tick::Tick;
use crate::setup::SetupError;
use crate::telemetry::labels;

/// What travels from the application threads to the worker.
// Spans travel unboxed: the queue's slots are allocated once, and boxing would
// cost the application thread an allocation per span.
#[allow(clippy::large_enum_variant)]
enum Message {
    Span(SpanData),
    Flush(SyncSender<OTelSdkResult>),
    Shutdown(Duration, SyncSender<OTelSdkResult>),
}

/// Longest the worker sleeps between drains when nothing wakes it.
const MAX_PARK: Duration = Duration::from_millis(100);

/// State shared by the senders and the worker for wake-ups.
#[derive(Debug, Default)]
struct Wake {
    /// Spans sent and not yet taken by the worker (approximate).
    pending: AtomicUsize,
    /// The worker is parked (or about to park).
    parked: AtomicBool,
}

/// The handoff processor. See the module docs.
#[derive(Debug)]
pub(crate) struct Handoff {
    tx: SyncSender<Message>,
    counters: Arc<Counters>,
    closed: AtomicBool,
    wake: Arc<Wake>,
    wake_at: usize,
    /// The provider's attribute count limit, for attributes handed over at
    /// the end of a span (see [`deferred`]).
    attribute_limit: usize,
    thread: std::thread::Thread,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Span(_) => "Span",
            Message::Flush(_) => "Flush",
            Message::Shutdown(..) => "Shutdown",
        })
    }
}

/// Builds the stage chain on the worker thread (the exporter's runtime lives there).
/// It returns the head of the chain and the stages to tick, in tick order.
pub(crate) type BuildChain = Box<dyn FnOnce() -> Result<Chain, SetupError> + Send>;

/// The head of the stage chain and the stages the worker ticks, in tick order.
pub(crate) type Chain = (Box<dyn SpanProcessor>, Vec<Arc<dyn Tick>>);

/// What the worker thread is given when it starts.
pub(crate) struct WorkerSetup {
    /// Builds the chain; runs first thing on the worker.
    pub(crate) build: BuildChain,
    pub(crate) batch_delay: Duration,
}

impl Handoff {
    /// Starts the worker thread and waits until its chain is built.
    pub(crate) fn start(
        queue_size: usize,
        counters: Arc<Counters>,
        setup: WorkerSetup,
    ) -> Result<Self, SetupError> {
        let (tx, rx) = mpsc::sync_channel::<Message>(queue_size);
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<(), SetupError>>(1);
        let wake = Arc::new(Wake::default());
        let wake_at = (queue_size / 4).max(1);
        let worker_wake = Arc::clone(&wake);
        let worker = std::thread::Builder::new()
            .name("coresdk-pipeline".into())
            .spawn(move || {
                // Anything the exporters' libraries (tonic, hyper, reqwest) trace
                // on this thread must not become spans of the pipeline itself.
                let _quiet =
                    tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
                match (setup.build)() {
                    Ok((chain, tickers)) => {
                        let _ = ready_tx.send(Ok(()));
                        run(
                            &rx,
                            &worker_wake,
                            wake_at,
                            chain.as_ref(),
                            &tickers,
                            setup.batch_delay,
                        );
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            })
            .map_err(SetupError::Thread)?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Self {
                tx,
                counters,
                closed: AtomicBool::new(false),
                wake,
                wake_at,
                attribute_limit: usize::try_from(SpanLimits::default().max_attributes_per_span)
                    .unwrap_or(usize::MAX),
                thread: worker.thread().clone(),
                worker: Mutex::new(Some(worker)),
            }),
            Ok(Err(e)) => {
                let _ = worker.join();
                Err(e)
            }
            Err(_) => Err(SetupError::WorkerGone),
        }
    }

    /// The attribute count limit of the provider this handoff is registered
    /// with (the SDK's default, 128, unless set).
    pub(crate) fn with_attribute_limit(mut self, limit: u32) -> Self {
        self.attribute_limit = usize::try_from(limit).unwrap_or(usize::MAX);
        self
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
        loop {
            match self.tx.try_send(message) {
                Ok(()) => {
                    self.thread.unpark();
                    break;
                }
                Err(TrySendError::Full(m)) => {
                    if Instant::now() >= deadline {
                        return Err(OTelSdkError::Timeout(Duration::ZERO));
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
            Err(RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(left)),
            Err(RecvTimeoutError::Disconnected) => Err(OTelSdkError::AlreadyShutdown),
        }
    }
}

impl SpanProcessor for Handoff {
    fn on_start(&self, span: &mut Span, _cx: &Context) {
        deferred::note_started(span.span_context().span_id());
    }

    fn on_end(&self, mut span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        if self.closed.load(Ordering::Relaxed) {
            self.counters.dropped(1);
            return;
        }
        deferred::append_parked(&mut span, self.attribute_limit);
        // Never block the application: a full queue costs one span, not latency.
        // SeqCst pairs with the worker's store of `parked` then load of
        // `pending`, so a wake-up is never lost (see `run`).
        let pending = self.wake.pending.fetch_add(1, Ordering::SeqCst) + 1;
        if self.tx.try_send(Message::Span(span)).is_err() {
            self.wake.pending.fetch_sub(1, Ordering::SeqCst);
            self.counters.dropped(1);
            return;
        }
        if pending >= self.wake_at && self.wake.parked.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        if self.closed.load(Ordering::Relaxed) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.control(Instant::now() + Duration::from_secs(30), Message::Flush)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.closed.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let deadline = Instant::now() + timeout;
        // The worker gets slightly less than the whole budget so its answer can
        // still arrive in time.
        let budget = timeout.mul_f64(0.9);
        let result = self.control(deadline, |reply| Message::Shutdown(budget, reply));
        if result.is_ok()
            && let Some(worker) = self
                .worker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
        {
            // It has answered, so it is about to return.
            let _ = worker.join();
        }
        // On timeout the worker is left to finish (or die with the process):
        // joining it could block the caller for as long as the backend stalls.
        result
    }
}

fn run(
    rx: &Receiver<Message>,
    wake: &Wake,
    wake_at: usize,
    chain: &dyn SpanProcessor,
    tickers: &[Arc<dyn Tick>],
    delay: Duration,
) {
    let mut next_tick = Instant::now() + delay;
    loop {
        let mut taken = 0;
        loop {
            match rx.try_recv() {
                Ok(Message::Span(mut span)) => {
                    taken += 1;
                    // Here rather than on the application thread: see `Labels`.
                    labels::resolve(&span.name, &mut span.attributes);
                    chain.on_end(span);
                }
                Ok(Message::Flush(reply)) => {
                    let _ = reply.send(chain.force_flush());
                }
                Ok(Message::Shutdown(budget, reply)) => {
                    let result = chain.shutdown_with_timeout(budget);
                    let _ = reply.send(result);
                    return;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    let _ = chain.shutdown_with_timeout(Duration::from_secs(1));
                    return;
                }
            }
        }
        wake.pending.fetch_sub(taken, Ordering::SeqCst);
        if Instant::now() >= next_tick {
            for ticker in tickers {
                ticker.tick();
            }
            next_tick = Instant::now() + delay;
        }
        wake.parked.store(true, Ordering::SeqCst);
        // A sender that raised `pending` past the mark before seeing `parked`
        // did not wake us: look again before sleeping.
        if wake.pending.load(Ordering::SeqCst) < wake_at {
            let until_tick = next_tick.saturating_duration_since(Instant::now());
            std::thread::park_timeout(until_tick.min(MAX_PARK));
        }
        wake.parked.store(false, Ordering::SeqCst);
    }
}

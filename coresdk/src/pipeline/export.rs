//! The export stage: batching, retry with backoff, and the exporters
//! (OTLP gRPC, OTLP HTTP/protobuf, stdout span tree, none).
//!
//! Runs only on the pipeline's worker thread, which owns a small current-thread
//! Tokio runtime for the async exporters: the application's runtime (if any) is
//! never used, so a `current_thread` app runtime or no runtime at all work alike.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::Context;
use opentelemetry_otlp::{RetryPolicy, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};

use super::stats::Counters;
use super::stdout::SpanTreeWriter;
use crate::config::{Config, ExporterKind, OtlpProtocol};

/// Give up on a batch after this many failed attempts.
const MAX_ATTEMPTS: u32 = 5;
/// First retry delay; doubles per attempt.
const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
/// Longest retry delay.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
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
    Otlp(opentelemetry_otlp::SpanExporter),
    Stdout(SpanTreeWriter),
    None,
}

impl Exporter {
    fn build(config: &Config, resource: &Resource) -> Result<Self, ExportError> {
        let mut exporter = match config.exporter() {
            ExporterKind::None => return Ok(Exporter::None),
            ExporterKind::Stdout => return Ok(Exporter::Stdout(SpanTreeWriter::stdout())),
            ExporterKind::Otlp => {
                let otlp = config.otlp();
                let endpoint = otlp.resolved_traces_endpoint();
                // Retries are ours (with backoff between worker ticks), so the
                // exporter itself must not sleep inside an export.
                let built = match otlp.protocol() {
                    OtlpProtocol::Grpc => {
                        // Names and values were validated as HTTP headers by the config.
                        let mut headers = http::HeaderMap::new();
                        for (k, v) in otlp.headers() {
                            if let (Ok(k), Ok(v)) = (
                                http::HeaderName::from_bytes(k.as_bytes()),
                                http::HeaderValue::from_str(v),
                            ) {
                                headers.insert(k, v);
                            }
                        }
                        let metadata =
                            opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(
                                headers,
                            );
                        opentelemetry_otlp::SpanExporter::builder()
                            .with_tonic()
                            .with_endpoint(endpoint.clone())
                            .with_timeout(otlp.timeout())
                            .with_metadata(metadata)
                            .with_retry_policy(RetryPolicy::disabled())
                            .build()
                    }
                    OtlpProtocol::HttpProtobuf => {
                        let headers: HashMap<String, String> =
                            otlp.headers().iter().cloned().collect();
                        opentelemetry_otlp::SpanExporter::builder()
                            .with_http()
                            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                            .with_endpoint(endpoint.clone())
                            .with_timeout(otlp.timeout())
                            .with_headers(headers)
                            .with_retry_policy(RetryPolicy::disabled())
                            .build()
                    }
                };
                Exporter::Otlp(built.map_err(|e| ExportError::Build {
                    endpoint,
                    reason: e.to_string(),
                })?)
            }
        };
        exporter.set_resource(resource);
        Ok(exporter)
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Exporter::Otlp(e) = self {
            e.set_resource(resource);
        }
    }

    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        match self {
            Exporter::Otlp(e) => e.export(batch).await,
            Exporter::Stdout(w) => {
                w.write_batch(batch);
                Ok(())
            }
            Exporter::None => Ok(()),
        }
    }

    fn flush(&self) {
        if let Exporter::Stdout(w) = self {
            w.flush();
        }
    }

    fn shutdown(&self, timeout: Duration) -> OTelSdkResult {
        match self {
            Exporter::Otlp(e) => e.shutdown_with_timeout(timeout),
            Exporter::Stdout(w) => {
                w.flush();
                Ok(())
            }
            Exporter::None => Ok(()),
        }
    }

    fn needs_copy_for_retry(&self) -> bool {
        matches!(self, Exporter::Otlp(_))
    }
}

/// Batching + retry state, driven by the worker thread.
#[derive(Debug)]
struct Inner {
    runtime: tokio::runtime::Runtime,
    exporter: Exporter,
    buffer: VecDeque<SpanData>,
    max_buffer: usize,
    batch_size: usize,
    timeout: Duration,
    attempt: u32,
    retry_at: Option<Instant>,
    last_log: Option<Instant>,
    counters: Arc<Counters>,
}

/// The export stage, shared between the chain (as its last [`SpanProcessor`]) and
/// the worker loop (which calls [`ExportCore::tick`] when the batch delay passes).
#[derive(Debug, Clone)]
pub(crate) struct ExportCore {
    inner: Arc<Mutex<Inner>>,
}

impl ExportCore {
    /// Builds the exporter. Must run on the worker thread: the gRPC exporter
    /// binds to the runtime that is current when it is built.
    pub(crate) fn new(
        config: &Config,
        resource: &Resource,
        counters: Arc<Counters>,
    ) -> Result<Self, ExportError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("coresdk-export")
            .build()
            .map_err(ExportError::Runtime)?;
        let exporter = {
            let _entered = runtime.enter();
            Exporter::build(config, resource)?
        };
        let pipeline = config.pipeline();
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                runtime,
                exporter,
                buffer: VecDeque::new(),
                max_buffer: pipeline.queue_size().max(pipeline.batch_size()),
                batch_size: pipeline.batch_size(),
                timeout: config.otlp().timeout(),
                attempt: 0,
                retry_at: None,
                last_log: None,
                counters,
            })),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl super::tick::Tick for ExportCore {
    /// Exports what is buffered, unless a retry is still backing off.
    fn tick(&self) {
        let mut inner = self.lock();
        if !inner.buffer.is_empty() && inner.ready(Instant::now()) {
            // A failure is counted, logged and retried after the backoff.
            let _ = inner.export_buffered(None);
        }
        inner.exporter.flush();
    }
}

impl Inner {
    fn ready(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }

    fn push(&mut self, span: SpanData) {
        if self.buffer.len() >= self.max_buffer {
            // Bounded memory while the backend is down: the oldest span goes.
            self.buffer.pop_front();
            self.counters.dropped(1);
        }
        self.buffer.push_back(span);
        if self.buffer.len() >= self.batch_size && self.ready(Instant::now()) {
            // A failure is counted, logged and retried after the backoff.
            let _ = self.export_buffered(None);
        }
    }

    /// Exports full and partial batches until the buffer is empty or an export
    /// fails. With a deadline (flush/shutdown) it ignores the backoff and gives
    /// up on what is left when the deadline passes.
    fn export_buffered(&mut self, deadline: Option<Instant>) -> OTelSdkResult {
        while !self.buffer.is_empty() {
            let now = Instant::now();
            let mut timeout = self.timeout;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(now);
                if left.is_zero() {
                    return Err(OTelSdkError::Timeout(Duration::ZERO));
                }
                timeout = timeout.min(left);
            }
            let n = self.buffer.len().min(self.batch_size);
            let batch: Vec<SpanData> = if self.exporter.needs_copy_for_retry() {
                // Kept in the buffer until the backend acknowledges it.
                self.buffer.iter().take(n).cloned().collect()
            } else {
                self.buffer.drain(..n).collect()
            };
            let result = self.runtime.block_on(async {
                tokio::time::timeout(timeout, self.exporter.export(batch)).await
            });
            let error = match result {
                Ok(Ok(())) => {
                    if self.exporter.needs_copy_for_retry() {
                        self.buffer.drain(..n);
                    }
                    self.counters.exported(n as u64);
                    self.attempt = 0;
                    self.retry_at = None;
                    continue;
                }
                Ok(Err(e)) => e,
                Err(_) => OTelSdkError::Timeout(timeout),
            };
            self.attempt += 1;
            if self.attempt >= MAX_ATTEMPTS || deadline.is_some() {
                self.buffer.drain(..n.min(self.buffer.len()));
                self.counters.export_failed(n as u64);
                self.attempt = 0;
            }
            let backoff = INITIAL_BACKOFF
                .saturating_mul(1 << self.attempt.min(10))
                .min(MAX_BACKOFF);
            self.retry_at = Some(Instant::now() + backoff);
            self.log_failure(&error);
            return Err(error);
        }
        Ok(())
    }

    fn log_failure(&mut self, error: &OTelSdkError) {
        let now = Instant::now();
        if self
            .last_log
            .is_none_or(|t| now.duration_since(t) >= LOG_INTERVAL)
        {
            self.last_log = Some(now);
            tracing::warn!(
                target: "coresdk",
                error = %error,
                "span export failed; retrying with backoff (logged at most once a minute)"
            );
        }
    }
}

impl SpanProcessor for ExportCore {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.lock().push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        let mut inner = self.lock();
        let deadline = Instant::now() + inner.timeout;
        let result = inner.export_buffered(Some(deadline));
        inner.exporter.flush();
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let mut inner = self.lock();
        let deadline = Instant::now() + timeout;
        let flushed = inner.export_buffered(Some(deadline));
        let left = deadline.saturating_duration_since(Instant::now());
        if !inner.buffer.is_empty() {
            let n = inner.buffer.len() as u64;
            inner.buffer.clear();
            inner.counters.export_failed(n);
        }
        let shut = inner.exporter.shutdown(left);
        flushed.and(shut)
    }
}

//! `instrument()`, `layer()` and the `Guard`: wiring config into a running pipeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider, SpanProcessor};
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetryLayer;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::config::{Config, ConfigError, SamplerConfig};
use crate::export_filter::ExportFilter;
use crate::genai::attributes as attr;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::diagnostic::{DiagnosticError, LlmDiagnostic};
use crate::pipeline::export::{ExportCore, ExportError};
use crate::pipeline::fanout::Fanout;
use crate::pipeline::handoff::{Chain, Handoff, WorkerSetup};
use crate::pipeline::masking::{MaskingError, PiiMasking};
use crate::pipeline::sampling::TailSampling;
use crate::pipeline::stats::{Counters, Stats};
use crate::pipeline::tick::Tick;

/// The CoreSDK version, as reported in `telemetry.distro.version`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Why CoreSDK could not be set up. The application can log it and carry on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The PII masking rules are invalid.
    #[error(transparent)]
    Masking(#[from] MaskingError),
    /// The diagnostic / egress configuration is invalid.
    #[error(transparent)]
    Diagnostic(#[from] DiagnosticError),
    /// The exporter could not be built.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// `instrument()` was already called in this process.
    #[error("coresdk::instrument() was already called in this process")]
    AlreadyInstalled,
    /// Another global `tracing` subscriber is installed; use [`layer`] to compose with it.
    #[error(
        "a global tracing subscriber is already set ({0}); use coresdk::layer() to add CoreSDK to it"
    )]
    SubscriberExists(String),
    /// The pipeline thread could not be started.
    #[error("cannot start the pipeline thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The pipeline thread stopped while it was being set up.
    #[error("the pipeline thread stopped during setup")]
    WorkerGone,
}

/// Why a flush or shutdown did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShutdownError {
    /// The pipeline did not finish within the configured timeout; spans still
    /// queued may be lost (they are counted as dropped or failed).
    #[error("the pipeline did not finish within {0:?}")]
    Timeout(Duration),
    /// The pipeline was already shut down.
    #[error("the pipeline was already shut down")]
    AlreadyShutdown,
    /// An exporter reported an error while flushing.
    #[error("export failed while flushing: {0}")]
    Export(String),
}

impl ShutdownError {
    /// The error of a flush or shutdown given `budget` until `deadline`: a
    /// timeout names the budget, not what a stage happened to have left of
    /// it, and so does any failure once the deadline has passed (the SDK
    /// wraps its processors' timeouts in a message).
    fn within(e: OTelSdkError, budget: Duration, deadline: Instant) -> Self {
        match e {
            OTelSdkError::Timeout(_) => ShutdownError::Timeout(budget),
            _ if Instant::now() >= deadline => ShutdownError::Timeout(budget),
            other => other.into(),
        }
    }
}

impl From<OTelSdkError> for ShutdownError {
    fn from(e: OTelSdkError) -> Self {
        match e {
            OTelSdkError::Timeout(d) => ShutdownError::Timeout(d),
            OTelSdkError::AlreadyShutdown => ShutdownError::AlreadyShutdown,
            OTelSdkError::InternalFailure(msg) => ShutdownError::Export(msg),
        }
    }
}

/// Keeps the pipeline running; flushes and shuts it down when dropped.
///
/// Drop (or [`Guard::shutdown`]) waits at most `pipeline.shutdown_timeout`
/// (default 5 s) for spans and metrics together, also when the backend is down
/// or stalls. It is safe on any thread: plain code, a `current_thread` or
/// multi-thread Tokio runtime, inside `block_on` or `spawn_blocking`.
#[must_use = "dropping the Guard shuts the pipeline down: keep it alive for the program's lifetime"]
#[derive(Debug)]
pub struct Guard {
    provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    counters: Arc<Counters>,
    /// Shared with the span and metric exporters: one budget for both.
    deadline: Arc<Deadline>,
    timeout: Duration,
    flush_timeout: Duration,
}

impl Guard {
    /// Exports everything queued so far (spans, and metrics when enabled) and
    /// waits for it, at most `pipeline.flush_timeout` for both together.
    pub fn flush(&self) -> Result<(), ShutdownError> {
        let Some(provider) = &self.provider else {
            return Err(ShutdownError::AlreadyShutdown);
        };
        let budget = self.flush_timeout;
        let deadline = Instant::now() + budget;
        self.deadline.set(deadline);
        let traces = provider.force_flush();
        let metrics = self
            .meter_provider
            .as_ref()
            .map_or(Ok(()), SdkMeterProvider::force_flush);
        self.deadline.clear(deadline);
        traces
            .and(metrics)
            .map_err(|e| ShutdownError::within(e, budget, deadline))
    }

    /// Flushes and stops the pipeline within the shutdown timeout.
    pub fn shutdown(mut self) -> Result<(), ShutdownError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), ShutdownError> {
        let Some(provider) = self.provider.take() else {
            return Err(ShutdownError::AlreadyShutdown);
        };
        let budget = self.timeout;
        let deadline = Instant::now() + budget;
        self.deadline.set(deadline);
        // Spans first, so the final pipeline counters include them. The
        // metrics' last export keeps at least a quarter of the budget and gets
        // whatever the spans leave of the rest.
        let traces = provider.shutdown_with_timeout(budget.mul_f64(0.75));
        let metrics = self.meter_provider.take().map_or(Ok(()), |meters| {
            meters.shutdown_with_timeout(deadline.saturating_duration_since(Instant::now()))
        });
        traces
            .and(metrics)
            .map_err(|e| ShutdownError::within(e, budget, deadline))
    }

    /// Counters of this pipeline.
    pub fn stats(&self) -> Stats {
        self.counters.snapshot()
    }

    /// The OpenTelemetry meter provider behind this pipeline (OTLP exporter
    /// with metrics enabled only).
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.meter_provider.as_ref()
    }

    /// The OpenTelemetry tracer provider behind this pipeline, for code that
    /// uses the OpenTelemetry API directly.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Errors here have nowhere to go; they are visible in the counters.
        let _ = self.shutdown_inner();
    }
}

/// Sets CoreSDK up from `coresdk-sidecar.yaml` and the environment and installs
/// it as the global `tracing` subscriber.
///
/// ```no_run
/// let _guard = coresdk::instrument()?;
/// tracing::info_span!("work").in_scope(|| { /* ... */ });
/// # Ok::<(), coresdk::SetupError>(())
/// ```
pub fn instrument() -> Result<Guard, SetupError> {
    instrument_with(Config::load()?)
}

/// Like [`instrument`], with an explicit [`Config`].
pub fn instrument_with(config: Config) -> Result<Guard, SetupError> {
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return Err(SetupError::AlreadyInstalled);
    }
    let installed = (|| {
        // CoreSDK owns the whole subscriber here, so the internal targets are
        // filtered out globally: their callsites are disabled once, and the
        // OpenTelemetry layer is not wrapped in a per-layer filter, which
        // would look every span up in the registry again in each callback.
        let (otel, guard) = otel_layer(config)?;
        tracing_subscriber::registry()
            .with(ExportFilter)
            .with(otel)
            .try_init()
            .map_err(|e| SetupError::SubscriberExists(e.to_string()))?;
        if let Some(provider) = guard.tracer_provider() {
            opentelemetry::global::set_tracer_provider(provider.clone());
        }
        if let Some(meters) = &guard.meter_provider {
            opentelemetry::global::set_meter_provider(meters.clone());
        }
        Ok(guard)
    })();
    if installed.is_err() {
        INSTALLED.store(false, Ordering::Release);
    }
    installed
}

/// Builds the CoreSDK pipeline and returns its `tracing` layer, for applications
/// that assemble their own subscriber (for example with a `fmt` layer):
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let (otel, _guard) = coresdk::layer(coresdk::Config::load()?)?;
/// tracing_subscriber::registry()
///     .with(tracing_subscriber::fmt::layer())
///     .with(otel)
///     .init();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn layer<S>(config: Config) -> Result<(CoreLayer<S>, Guard), SetupError>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    let (otel, guard) = otel_layer(config)?;
    // A per-layer filter: the internal targets stay visible to the
    // application's own layers (a `fmt` layer, say).
    let otel = otel.with_filter(ExportFilter);
    Ok((Box::new(otel), guard))
}

/// The `tracing` → OpenTelemetry layer, unfiltered, and the pipeline's [`Guard`].
fn otel_layer<S>(config: Config) -> Result<(OpenTelemetryLayer<S, SdkTracer>, Guard), SetupError>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    let provider_parts = ProviderParts::from(&config);
    let context_activation = config.pipeline().otel_context_activation();
    crate::genai::set_settings(crate::genai::GenAiSettings::from_config(config.genai()));
    let counters = Arc::new(Counters::default());
    let deadline = Arc::new(Deadline::default());
    // Metrics start after the span pipeline, so a setup error there leaves no
    // meter provider to shut down on the caller's thread.
    let metrics_config = crate::metrics::MetricsStart::from(&config);
    let handoff = start_pipeline(config, &provider_parts.resource, &counters, &deadline)?
        .with_attribute_limit(provider_parts.attribute_limit);
    let meter_provider = crate::metrics::start(
        &metrics_config,
        &provider_parts.resource,
        &counters,
        &deadline,
    )?;

    let provider = SdkTracerProvider::builder()
        .with_span_processor(handoff)
        .with_resource(provider_parts.resource)
        .with_sampler(provider_parts.sampler)
        .with_max_attributes_per_span(provider_parts.attribute_limit)
        .build();
    let scope = InstrumentationScope::builder("coresdk")
        .with_version(SDK_VERSION)
        .build();
    let tracer = provider.tracer_with_scope(scope);

    // Thread, target and busy/idle attributes are about a third of the layer's
    // per-span cost and carry nothing an LLM trace needs. Context activation
    // (a fifth of a `#[trace]` call) is opt-in: see
    // `PipelineConfig::otel_context_activation`.
    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_context_activation(context_activation);

    Ok((
        otel,
        Guard {
            provider: Some(provider),
            meter_provider,
            counters,
            deadline,
            timeout: provider_parts.shutdown_timeout,
            flush_timeout: provider_parts.flush_timeout,
        },
    ))
}

/// The `tracing` layer returned by [`layer`]: the OpenTelemetry layer with
/// CoreSDK's filters, boxed so the type stays nameable.
pub type CoreLayer<S> = Box<dyn Layer<S> + Send + Sync + 'static>;

/// The provider settings taken from the config before it moves to the worker.
struct ProviderParts {
    resource: Resource,
    sampler: Sampler,
    attribute_limit: u32,
    shutdown_timeout: Duration,
    flush_timeout: Duration,
}

impl From<&Config> for ProviderParts {
    fn from(config: &Config) -> Self {
        let mut attributes = vec![
            KeyValue::new(attr::TELEMETRY_DISTRO_NAME, "coresdk"),
            KeyValue::new(attr::TELEMETRY_DISTRO_VERSION, SDK_VERSION),
        ];
        if let Some(version) = config.service_version() {
            attributes.push(KeyValue::new(attr::SERVICE_VERSION, version.to_owned()));
        }
        if let Some(env) = config.environment() {
            attributes.push(KeyValue::new(attr::DEPLOYMENT_ENVIRONMENT, env.to_owned()));
            attributes.push(KeyValue::new(
                attr::DEPLOYMENT_ENVIRONMENT_NAME,
                env.to_owned(),
            ));
        }
        let resource = Resource::builder()
            .with_service_name(config.service_name().to_owned())
            .with_attributes(attributes)
            .build();
        let sampler = match config.sampler() {
            SamplerConfig::AlwaysOff => Sampler::AlwaysOff,
            SamplerConfig::TraceIdRatio(r) => Sampler::TraceIdRatioBased(r),
            SamplerConfig::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            SamplerConfig::ParentBasedAlwaysOff => {
                Sampler::ParentBased(Box::new(Sampler::AlwaysOff))
            }
            SamplerConfig::ParentBasedTraceIdRatio(r) => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(r)))
            }
            // `AlwaysOn` and any future variant.
            _ => Sampler::AlwaysOn,
        };
        Self {
            resource,
            sampler,
            attribute_limit: config.pipeline().span_attribute_count_limit(),
            shutdown_timeout: config.pipeline().shutdown_timeout(),
            flush_timeout: config.pipeline().flush_timeout(),
        }
    }
}

/// Starts the worker and builds the stage chain on it:
/// `PiiMasking → LlmDiagnostic → [TailSampling] → user processors → export`.
fn start_pipeline(
    mut config: Config,
    resource: &Resource,
    counters: &Arc<Counters>,
    deadline: &Arc<Deadline>,
) -> Result<Handoff, SetupError> {
    let queue_size = config.pipeline().queue_size();
    let batch_delay = config.pipeline().batch_delay();
    let resource = resource.clone();
    let export_counters = Arc::clone(counters);
    let deadline = Arc::clone(deadline);
    let build = move || -> Result<Chain, SetupError> {
        let export = ExportCore::new(&config, &resource, Arc::clone(&export_counters), deadline)?;
        let mut targets = std::mem::take(&mut config.processors);
        targets.push(Box::new(export.clone()));
        let mut tickers: Vec<Arc<dyn Tick>> = Vec::new();
        let after_diagnostic: Box<dyn SpanProcessor> = if config.tail_sampling().enabled() {
            let sampling = TailSampling::from_config(
                config.tail_sampling(),
                Box::new(Fanout::new(targets)),
                export_counters,
            );
            tickers.push(Arc::new(sampling.clone()));
            Box::new(sampling)
        } else {
            Box::new(Fanout::new(targets))
        };
        tickers.push(Arc::new(export));
        let diagnostic = LlmDiagnostic::from_config(&config, after_diagnostic)?;
        let chain: Box<dyn SpanProcessor> = if config.pii().enabled() {
            Box::new(PiiMasking::from_config(config.pii(), Box::new(diagnostic))?)
        } else {
            Box::new(diagnostic)
        };
        Ok((chain, tickers))
    };
    Handoff::start(
        queue_size,
        Arc::clone(counters),
        WorkerSetup {
            build: Box::new(build),
            batch_delay,
        },
    )
}

//! `instrument()`, `layer()` and the `Guard`: wiring config into a running pipeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing::Subscriber;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{Config, ConfigError, SamplerConfig};
use crate::genai::attributes as attr;
use crate::layer::export_filter::ExportFilter;
use crate::layer::sampler::HeadSampler;
use crate::layer::{Composition, CoreLayer, CoreSubscriber};
use crate::pipeline::deadline::Deadline;
use crate::pipeline::diagnostic::{DiagnosticError, LlmDiagnostic};
use crate::pipeline::export::{ExportCore, ExportError};
use crate::pipeline::handoff::{ApiSpans, Handoff, WorkerError, WorkerSetup};
use crate::pipeline::masking::{MaskingError, PiiMasking};
use crate::pipeline::sampling::TailSampling;
use crate::pipeline::stage::{Chain, UserProcessor};
use crate::pipeline::stats::{Counters, Stats};

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
    /// `genai.pricing_file` could not be read or is invalid.
    #[error(transparent)]
    Pricing(#[from] crate::genai::PricingFileError),
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

impl From<WorkerError> for SetupError {
    fn from(e: WorkerError) -> Self {
        match e {
            WorkerError::Thread(e) => SetupError::Thread(e),
            WorkerError::Gone => SetupError::WorkerGone,
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
///
/// With the SDK turned off (`OTEL_SDK_DISABLED=true`) the guard holds no
/// pipeline: flushing and shutting down succeed at once.
#[must_use = "dropping the Guard shuts the pipeline down: keep it alive for the program's lifetime"]
#[derive(Debug)]
pub struct Guard {
    /// `None` when the SDK is turned off.
    running: Option<Running>,
}

/// The parts of a running pipeline the guard stops.
#[derive(Debug)]
struct Running {
    handoff: Arc<Handoff>,
    /// For spans started through the OpenTelemetry API; they join the handoff.
    provider: SdkTracerProvider,
    meter_provider: Option<SdkMeterProvider>,
    counters: Arc<Counters>,
    /// Shared with the span and metric exporters: one budget for both.
    deadline: Arc<Deadline>,
    timeout: Duration,
    flush_timeout: Duration,
    shut_down: bool,
}

impl Guard {
    /// A guard with no pipeline behind it (the SDK is turned off).
    fn disabled() -> Self {
        Self { running: None }
    }

    /// Whether this guard runs a pipeline (`false` when `OTEL_SDK_DISABLED=true`).
    pub fn is_enabled(&self) -> bool {
        self.running.is_some()
    }

    /// Exports everything queued so far (spans, and metrics when enabled) and
    /// waits for it, at most `pipeline.flush_timeout` for both together.
    pub fn flush(&self) -> Result<(), ShutdownError> {
        let Some(running) = &self.running else {
            return Ok(());
        };
        if running.shut_down {
            return Err(ShutdownError::AlreadyShutdown);
        }
        let budget = running.flush_timeout;
        let deadline = Instant::now() + budget;
        running.deadline.set(deadline);
        let traces = running.handoff.flush(budget);
        let metrics = running
            .meter_provider
            .as_ref()
            .map_or(Ok(()), SdkMeterProvider::force_flush);
        running.deadline.clear(deadline);
        traces
            .and(metrics)
            .map_err(|e| ShutdownError::within(e, budget, deadline))
    }

    /// Flushes and stops the pipeline within the shutdown timeout. Spans it
    /// could not finish in time (still queued, or on the wire to a stalled
    /// collector) are counted as dropped before it returns, so the counters
    /// ([`crate::stats()`]) add up to the spans sent.
    pub fn shutdown(mut self) -> Result<(), ShutdownError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), ShutdownError> {
        let Some(running) = &mut self.running else {
            return Ok(());
        };
        if std::mem::replace(&mut running.shut_down, true) {
            return Err(ShutdownError::AlreadyShutdown);
        }
        let budget = running.timeout;
        let deadline = Instant::now() + budget;
        running.deadline.set(deadline);
        // Spans first, so the final pipeline counters include them. The
        // metrics' last export keeps at least a quarter of the budget and gets
        // whatever the spans leave of the rest.
        let traces = running.handoff.shutdown(budget.mul_f64(0.75));
        let _ = running.provider.shutdown_with_timeout(Duration::ZERO);
        let metrics = running.meter_provider.take().map_or(Ok(()), |meters| {
            meters.shutdown_with_timeout(deadline.saturating_duration_since(Instant::now()))
        });
        traces
            .and(metrics)
            .map_err(|e| ShutdownError::within(e, budget, deadline))
    }

    /// Counters of this pipeline (all zero when the SDK is turned off).
    pub fn stats(&self) -> Stats {
        self.running
            .as_ref()
            .map_or_else(|| Counters::default().snapshot(), |r| r.counters.snapshot())
    }

    /// The OpenTelemetry meter provider behind this pipeline (OTLP exporter
    /// with metrics enabled only).
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.running.as_ref()?.meter_provider.as_ref()
    }

    /// A tracer provider for code that uses the OpenTelemetry API directly:
    /// its spans go through the same pipeline as `tracing` spans.
    /// [`instrument`] also installs it as the global tracer provider.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        let running = self.running.as_ref()?;
        (!running.shut_down).then_some(&running.provider)
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
///
/// Spans and events pass the config's `filter` (`RUST_LOG` syntax, default
/// `info`) before CoreSDK records them. With `OTEL_SDK_DISABLED=true` nothing
/// is installed and the returned guard does nothing. The configured
/// propagation formats (`OTEL_PROPAGATORS`) become OpenTelemetry's global
/// propagator.
pub fn instrument_with(config: Config) -> Result<Guard, SetupError> {
    if config.sdk_disabled() {
        return Ok(Guard::disabled());
    }
    if INSTALLED.swap(true, Ordering::AcqRel) {
        return Err(SetupError::AlreadyInstalled);
    }
    let installed = (|| {
        let propagator = crate::propagation::composite(config.propagation().propagators());
        // A filter of targets and levels only (the usual case, `info` by
        // default) is applied by the layer itself, with the internal targets:
        // decided once per callsite, no filter layer on the span path.
        // Span-field directives need `EnvFilter`, which follows every span.
        // (Validated when the config was built; parsed again here.)
        let targets = config.filter().parse::<Targets>().ok();
        let dynamic = match &targets {
            Some(_) => None,
            None => Some(EnvFilter::builder().parse(config.filter()).map_err(|e| {
                ConfigError::InvalidValue {
                    key: "filter".into(),
                    origin: config.origin("filter"),
                    reason: e.to_string(),
                }
            })?),
        };
        let (layer, guard) = start(config, Composition::Exclusive(targets))?;
        match dynamic {
            Some(filter) => tracing_subscriber::registry()
                .with(filter)
                .with(layer)
                .try_init()
                .map_err(|e| e.to_string()),
            // CoreSDK alone: its own subscriber, no registry underneath.
            None => tracing::subscriber::set_global_default(CoreSubscriber::new(layer))
                .map_err(|e| e.to_string()),
        }
        .map_err(SetupError::SubscriberExists)?;
        opentelemetry::global::set_text_map_propagator(propagator);
        if let Some(running) = &guard.running {
            opentelemetry::global::set_tracer_provider(running.provider.clone());
            if let Some(meters) = &running.meter_provider {
                opentelemetry::global::set_meter_provider(meters.clone());
            }
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
/// let (core, _guard) = coresdk::layer(coresdk::Config::load()?)?;
/// tracing_subscriber::registry()
///     .with(tracing_subscriber::fmt::layer())
///     .with(core)
///     .init();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The layer is [`CoreLayer`] behind a per-layer filter that keeps the HTTP
/// stacks' and provider SDKs' own spans out of the pipeline, while the
/// application's other layers still see them. Use it on a
/// `tracing_subscriber::Registry`: CoreSDK keeps its span records in the
/// registry's extensions.
///
/// With `OTEL_SDK_DISABLED=true` the layer records nothing and the guard does
/// nothing. The config's `filter` is not applied here: add an `EnvFilter` of
/// your own where you want one.
pub fn layer<S>(
    config: Config,
) -> Result<(impl Layer<S> + Send + Sync + 'static, Guard), SetupError>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    if config.sdk_disabled() {
        return Ok((None, Guard::disabled()));
    }
    let (layer, guard) = start(config, Composition::Beside)?;
    Ok((Some(layer.with_filter(ExportFilter)), guard))
}

/// Starts the pipeline: its worker and stage chain, the layer that feeds it,
/// and the guard that stops it.
fn start(config: Config, composition: Composition) -> Result<(CoreLayer, Guard), SetupError> {
    let parts = ProviderParts::from(&config);
    crate::genai::set_settings(crate::genai::GenAiSettings::try_from_config(
        config.genai(),
    )?);
    crate::propagation::set_config(config.propagation());
    for notice in config.notices() {
        notice.report_once();
    }
    let counters = Arc::new(Counters::default());
    let deadline = Arc::new(Deadline::default());
    let head_sampler = HeadSampler::from_config(config.sampler());
    let activation = config.pipeline().otel_context_activation();
    // Metrics start after the span pipeline, so a setup error there leaves no
    // meter provider to shut down on the caller's thread.
    let metrics_config = crate::metrics::MetricsStart::from(&config);
    let handoff = Arc::new(start_pipeline(
        config,
        &parts.resource,
        &counters,
        &deadline,
    )?);
    let meter_provider =
        crate::metrics::start(&metrics_config, &parts.resource, &counters, &deadline)?;

    let provider = SdkTracerProvider::builder()
        .with_span_processor(ApiSpans(Arc::clone(&handoff)))
        .with_resource(parts.resource)
        .with_sampler(parts.sampler)
        .with_max_attributes_per_span(parts.attribute_limit)
        .build();
    let layer = CoreLayer::new(
        Arc::clone(&handoff),
        head_sampler,
        parts.attribute_limit,
        parts.value_limit,
        activation,
        composition,
    );
    Ok((
        layer,
        Guard {
            running: Some(Running {
                handoff,
                provider,
                meter_provider,
                counters,
                deadline,
                timeout: parts.shutdown_timeout,
                flush_timeout: parts.flush_timeout,
                shut_down: false,
            }),
        },
    ))
}

/// The provider settings taken from the config before it moves to the worker.
struct ProviderParts {
    resource: Resource,
    sampler: Sampler,
    attribute_limit: u32,
    value_limit: u32,
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
            value_limit: config.pipeline().span_attribute_value_length_limit(),
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
    let queue_max_bytes = config.pipeline().queue_max_bytes();
    let value_limit = config.pipeline().span_attribute_value_length_limit() as usize;
    let batch_delay = config.pipeline().batch_delay();
    let resource = resource.clone();
    let export_counters = Arc::clone(counters);
    let deadline = Arc::clone(deadline);
    let build = move || -> Result<Chain, SetupError> {
        let mut chain = Chain::new();
        if config.pii().enabled() {
            chain = chain.then(PiiMasking::from_config(config.pii())?);
        }
        chain = chain.then(LlmDiagnostic::from_config(&config)?);
        if config.tail_sampling().enabled() {
            chain = chain.then(TailSampling::from_config(
                config.tail_sampling(),
                Arc::clone(&export_counters),
            ));
        }
        for processor in std::mem::take(&mut config.processors) {
            chain.push(Box::new(UserProcessor(processor)));
        }
        Ok(chain.then(ExportCore::new(
            &config,
            &resource,
            export_counters,
            deadline,
        )?))
    };
    Handoff::start(
        queue_size,
        queue_max_bytes,
        Arc::clone(counters),
        WorkerSetup {
            build: Box::new(build),
            batch_delay,
            scope: InstrumentationScope::builder("coresdk")
                .with_version(SDK_VERSION)
                .build(),
            value_limit,
        },
    )
}

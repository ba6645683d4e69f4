//! GenAI client metrics and pipeline counters through the OpenTelemetry
//! metrics SDK, exported over OTLP next to the traces.
//!
//! Instruments follow the OTel GenAI semantic conventions:
//! `gen_ai.client.operation.duration` (s), `gen_ai.client.token.usage`
//! (`{token}`, by `gen_ai.token.type`), time to first chunk for streams (s), and
//! CoreSDK's `llm.cost_usd` counter, each with operation, provider,
//! request/response model, server and `error.type` attributes. Provider
//! instrumentations call [`GenAiOperation::record`] once per call.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};

use crate::config::{Config, ExporterKind, MetricsConfig, OtlpConfig, OtlpProtocol};
use crate::genai::attributes as attr;
use crate::pipeline::ExportError;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::stats::Counters;

/// Bucket boundaries of the duration histograms (OTel GenAI semconv), seconds.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/// Bucket boundaries of the token usage histogram (OTel GenAI semconv).
pub const TOKEN_BUCKETS: [f64; 14] = [
    1.0,
    4.0,
    16.0,
    64.0,
    256.0,
    1024.0,
    4096.0,
    16384.0,
    65536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
    67_108_864.0,
];

#[derive(Debug)]
struct Instruments {
    duration: Histogram<f64>,
    tokens: Histogram<u64>,
    time_to_first_chunk: Histogram<f64>,
    cost: Counter<f64>,
}

static INSTRUMENTS: RwLock<Option<Arc<Instruments>>> = RwLock::new(None);

impl Instruments {
    fn new(meter: &Meter) -> Self {
        Self {
            duration: meter
                .f64_histogram(attr::METRIC_GEN_AI_CLIENT_OPERATION_DURATION)
                .with_unit("s")
                .with_description("GenAI operation duration")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            tokens: meter
                .u64_histogram(attr::METRIC_GEN_AI_CLIENT_TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used")
                .with_boundaries(TOKEN_BUCKETS.to_vec())
                .build(),
            time_to_first_chunk: meter
                .f64_histogram(attr::METRIC_GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK)
                .with_unit("s")
                .with_description("Time from request to the first streamed chunk")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            cost: meter
                .f64_counter(attr::METRIC_LLM_COST_USD)
                .with_unit("USD")
                .with_description("Estimated cost of GenAI calls")
                .build(),
        }
    }
}

/// One GenAI client operation, to be recorded on the GenAI metrics.
///
/// ```
/// use std::time::Duration;
/// coresdk::metrics::GenAiOperation::new("chat", "openai", Duration::from_millis(420))
///     .request_model("gpt-4o")
///     .response_model("gpt-4o-2024-08-06")
///     .tokens(Some(120), Some(48))
///     .cost_usd(0.0012)
///     .record();
/// ```
#[derive(Debug, Clone)]
#[must_use = "call `.record()` to record the operation"]
pub struct GenAiOperation<'a> {
    operation: &'a str,
    provider: &'a str,
    duration: Duration,
    request_model: Option<&'a str>,
    response_model: Option<&'a str>,
    server: Option<(&'a str, Option<u16>)>,
    error_type: Option<&'a str>,
    time_to_first_chunk: Option<Duration>,
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cost_usd: Option<f64>,
}

impl<'a> GenAiOperation<'a> {
    /// An operation (`chat`, `embeddings`, ...) of a provider (`openai`, `aws.bedrock`).
    pub fn new(operation: &'a str, provider: &'a str, duration: Duration) -> Self {
        Self {
            operation,
            provider,
            duration,
            request_model: None,
            response_model: None,
            server: None,
            error_type: None,
            time_to_first_chunk: None,
            input_tokens: None,
            output_tokens: None,
            cost_usd: None,
        }
    }
    /// `gen_ai.request.model`.
    pub fn request_model(mut self, model: &'a str) -> Self {
        self.request_model = Some(model);
        self
    }
    /// `gen_ai.response.model`.
    pub fn response_model(mut self, model: &'a str) -> Self {
        self.response_model = Some(model);
        self
    }
    /// `server.address` / `server.port`.
    pub fn server(mut self, address: &'a str, port: Option<u16>) -> Self {
        self.server = Some((address, port));
        self
    }
    /// `error.type` of a failed operation.
    pub fn error_type(mut self, error_type: &'a str) -> Self {
        self.error_type = Some(error_type);
        self
    }
    /// Time to the first streamed chunk.
    pub fn time_to_first_chunk(mut self, ttfc: Duration) -> Self {
        self.time_to_first_chunk = Some(ttfc);
        self
    }
    /// Input and output token counts, when the provider reported them.
    pub fn tokens(mut self, input: Option<u64>, output: Option<u64>) -> Self {
        self.input_tokens = input;
        self.output_tokens = output;
        self
    }
    /// Estimated cost.
    pub fn cost_usd(mut self, cost: f64) -> Self {
        self.cost_usd = Some(cost);
        self
    }

    /// Records the operation on the installed pipeline's instruments; a no-op
    /// when no pipeline with metrics is set up.
    pub fn record(&self) {
        let Some(instruments) = INSTRUMENTS
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        else {
            return;
        };
        let mut attrs = Vec::with_capacity(8);
        attrs.push(KeyValue::new(
            attr::GEN_AI_OPERATION_NAME,
            self.operation.to_owned(),
        ));
        attrs.push(KeyValue::new(
            attr::GEN_AI_PROVIDER_NAME,
            self.provider.to_owned(),
        ));
        attrs.push(KeyValue::new(attr::GEN_AI_SYSTEM, self.provider.to_owned()));
        if let Some(m) = self.request_model {
            attrs.push(KeyValue::new(attr::GEN_AI_REQUEST_MODEL, m.to_owned()));
        }
        if let Some(m) = self.response_model {
            attrs.push(KeyValue::new(attr::GEN_AI_RESPONSE_MODEL, m.to_owned()));
        }
        if let Some((address, port)) = self.server {
            attrs.push(KeyValue::new(attr::SERVER_ADDRESS, address.to_owned()));
            if let Some(port) = port {
                attrs.push(KeyValue::new(attr::SERVER_PORT, i64::from(port)));
            }
        }
        if let Some(e) = self.error_type {
            attrs.push(KeyValue::new(attr::ERROR_TYPE, e.to_owned()));
        }
        instruments
            .duration
            .record(self.duration.as_secs_f64(), &attrs);
        if let Some(ttfc) = self.time_to_first_chunk {
            instruments
                .time_to_first_chunk
                .record(ttfc.as_secs_f64(), &attrs);
        }
        if let Some(cost) = self.cost_usd {
            instruments.cost.add(cost, &attrs);
        }
        for (kind, count) in [("input", self.input_tokens), ("output", self.output_tokens)] {
            if let Some(count) = count {
                let mut with_type = attrs.clone();
                with_type.push(KeyValue::new(attr::GEN_AI_TOKEN_TYPE, kind));
                instruments.tokens.record(count, &with_type);
            }
        }
    }
}

/// Records the GenAI metrics of a finished GenAI client call
/// (called by [`GenAiSpan`](crate::genai::GenAiSpan) for every provider).
pub(crate) fn record_span_metrics(call: &crate::genai::CallSummary) {
    if INSTRUMENTS
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .is_none()
    {
        return;
    }
    let provider = call.provider.map_or("", |p| p.name());
    let mut op = GenAiOperation::new(call.operation.as_str(), provider, call.duration)
        .tokens(call.usage.input_tokens, call.usage.output_tokens);
    if let Some(m) = &call.request_model {
        op = op.request_model(m.as_str());
    }
    if let Some(m) = &call.response_model {
        op = op.response_model(m.as_str());
    }
    if let Some((address, port)) = &call.server {
        op = op.server(address.as_str(), *port);
    }
    if let Some(e) = &call.error_type {
        op = op.error_type(e.as_str());
    }
    if let Some(ttfc) = call.time_to_first_chunk {
        op = op.time_to_first_chunk(ttfc);
    }
    if let Some(cost) = call.cost_usd {
        op = op.cost_usd(cost);
    }
    op.record();
}

/// Runs the async OTLP exporter on a runtime of its own: the periodic reader
/// exports from its own thread, which has no Tokio runtime.
///
/// The reader waits for its exporter without a bound, so every export here
/// is bounded by the OTLP timeout and by the pipeline's flush or shutdown
/// [`Deadline`].
struct OnRuntime {
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    inner: opentelemetry_otlp::MetricExporter,
    deadline: Arc<Deadline>,
    timeout: Duration,
}

impl std::fmt::Debug for OnRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnRuntime").finish_non_exhaustive()
    }
}

impl Drop for OnRuntime {
    fn drop(&mut self) {
        // The last reference can go on any thread, an application's async
        // worker included, where dropping a runtime panics. Shutting it down
        // in the background never blocks: its thread-less scheduler is
        // released here and nothing is left waiting for.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl PushMetricExporter for OnRuntime {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let result = match &self.runtime {
            Some(runtime) => {
                runtime.block_on(self.deadline.run(self.timeout, self.inner.export(metrics)))
            }
            None => Err(OTelSdkError::AlreadyShutdown),
        };
        std::future::ready(result)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

/// The part of the [`Config`] the metrics pipeline needs, taken before the
/// config moves to the span pipeline's worker.
#[derive(Debug)]
pub(crate) struct MetricsStart {
    /// `None` for other exporters or when metrics are off.
    otlp: Option<(OtlpConfig, MetricsConfig)>,
}

impl From<&Config> for MetricsStart {
    fn from(config: &Config) -> Self {
        let on = config.exporter() == ExporterKind::Otlp && config.metrics().enabled();
        Self {
            otlp: on.then(|| (config.otlp().clone(), config.metrics().clone())),
        }
    }
}

/// Builds the meter provider for an OTLP pipeline (`None` for other exporters
/// or when metrics are off), registers the pipeline counters and installs the
/// GenAI instruments.
pub(crate) fn start(
    config: &MetricsStart,
    resource: &Resource,
    counters: &Arc<Counters>,
    deadline: &Arc<Deadline>,
) -> Result<Option<SdkMeterProvider>, ExportError> {
    let Some((otlp, metrics)) = &config.otlp else {
        return Ok(None);
    };
    let endpoint = metrics.resolved_endpoint(otlp);
    if otlp.protocol() == OtlpProtocol::HttpProtobuf
        && crate::pipeline::otlp_traces::lacks_tls(&endpoint)
    {
        return Err(ExportError::Build {
            endpoint,
            reason: crate::pipeline::otlp_traces::NO_TLS.to_owned(),
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("coresdk-metrics")
        .build()
        .map_err(ExportError::Runtime)?;
    let built = {
        let _entered = runtime.enter();
        match otlp.protocol() {
            OtlpProtocol::Grpc => {
                let mut headers = http::HeaderMap::new();
                for (k, v) in otlp.headers() {
                    if let (Ok(k), Ok(v)) = (
                        http::HeaderName::from_bytes(k.as_bytes()),
                        http::HeaderValue::from_str(v),
                    ) {
                        headers.insert(k, v);
                    }
                }
                opentelemetry_otlp::MetricExporter::builder()
                    .with_tonic()
                    .with_endpoint(endpoint.clone())
                    .with_timeout(otlp.timeout())
                    .with_metadata(
                        opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(
                            headers,
                        ),
                    )
                    .build()
            }
            OtlpProtocol::HttpProtobuf => opentelemetry_otlp::MetricExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(endpoint.clone())
                .with_timeout(otlp.timeout())
                .with_headers(otlp.headers().iter().cloned().collect())
                .build(),
        }
    };
    let exporter = match built {
        Ok(exporter) => exporter,
        Err(e) => {
            // Setup may run on an async thread, where dropping a runtime panics.
            runtime.shutdown_background();
            return Err(ExportError::Build {
                endpoint,
                reason: e.to_string(),
            });
        }
    };
    let reader = PeriodicReader::builder(OnRuntime {
        runtime: Some(runtime),
        inner: exporter,
        deadline: Arc::clone(deadline),
        timeout: otlp.timeout(),
    })
    .with_interval(metrics.export_interval())
    .build();
    let provider = SdkMeterProvider::builder()
        .with_resource(resource.clone())
        .with_reader(reader)
        .build();
    let meter = provider.meter("coresdk");
    register_pipeline_counters(&meter, counters);
    *INSTRUMENTS.write().unwrap_or_else(PoisonError::into_inner) =
        Some(Arc::new(Instruments::new(&meter)));
    Ok(Some(provider))
}

fn register_pipeline_counters(meter: &Meter, counters: &Arc<Counters>) {
    type Read = fn(&crate::Stats) -> u64;
    const SPANS: &str = "{span}";
    let series: [(&'static str, &'static str, &'static str, Read); 5] = [
        (
            attr::METRIC_CORESDK_SPANS_DROPPED,
            "Spans dropped by the pipeline",
            SPANS,
            |s| s.dropped,
        ),
        (
            attr::METRIC_CORESDK_SPANS_EXPORTED,
            "Spans exported",
            SPANS,
            |s| s.exported,
        ),
        (
            attr::METRIC_CORESDK_SPANS_EXPORT_FAILED,
            "Spans given up on after export failures",
            SPANS,
            |s| s.export_failed,
        ),
        (
            attr::METRIC_CORESDK_SPANS_SAMPLED_OUT,
            "Spans of traces not kept by tail sampling",
            SPANS,
            |s| s.sampled_out,
        ),
        (
            attr::METRIC_CORESDK_ATTRIBUTES_TRUNCATED,
            "String attribute values cut at the value length limit",
            "{attribute}",
            |s| s.attributes_truncated,
        ),
    ];
    for (name, description, unit, read) in series {
        let counters = Arc::clone(counters);
        // The SDK keeps the instrument alive through its callback registration.
        let _counter = meter
            .u64_observable_counter(name)
            .with_unit(unit)
            .with_description(description)
            .with_callback(move |observer| observer.observe(read(&counters.snapshot()), &[]))
            .build();
    }
}

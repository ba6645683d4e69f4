//! `Config`, its builder, and the layering of defaults, file, environment and code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use opentelemetry_sdk::trace::SpanProcessor;
use serde_json::Value;

use super::env::{CORESDK_CONFIG, ENV_KEYS, OTEL_SEMCONV_STABILITY_OPT_IN, SemconvOptIn};
use super::error::{ConfigError, Origin};
use super::keys::{Raw, apply};
use super::model::{
    Conventions, ExporterKind, GenAiConfig, LlmExportConfig, MessageFormat, MetricsConfig,
    OtlpConfig, OtlpProtocol, PiiAction, PiiConfig, PiiRule, PipelineConfig, PropagationConfig,
    Propagator, SamplerConfig, TailSamplingConfig,
};
use super::yaml;

/// Name of the configuration file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "coresdk-sidecar.yaml";
/// `service.name` when nothing sets it (the OTel spec's default).
pub const DEFAULT_SERVICE_NAME: &str = "unknown_service";
/// `filter` when nothing sets it: info and above, from every target.
pub const DEFAULT_FILTER: &str = "info";

/// Head sampler name, kept apart from its ratio so file and env can set either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SamplerName {
    AlwaysOn,
    AlwaysOff,
    TraceIdRatio,
    ParentBasedAlwaysOn,
    ParentBasedAlwaysOff,
    ParentBasedTraceIdRatio,
}

/// The resolved CoreSDK configuration.
///
/// Build one with [`Config::builder`] (or [`Config::load`] for file + environment
/// only). Values are layered with this precedence, highest first:
/// builder calls > environment (`CORESDK_*`, standard `OTEL_*`) >
/// `coresdk-sidecar.yaml` > defaults. Every problem is a [`ConfigError`] that
/// names the key and where its value came from.
#[derive(Debug)]
#[must_use = "a Config does nothing until passed to `coresdk::instrument_with`"]
pub struct Config {
    pub(crate) service_name: String,
    pub(crate) service_version: Option<String>,
    pub(crate) environment: Option<String>,
    pub(crate) sdk_disabled: bool,
    pub(crate) filter: String,
    pub(crate) propagation: PropagationConfig,
    pub(crate) exporter: ExporterKind,
    pub(crate) socket: Option<PathBuf>,
    pub(crate) otlp: OtlpConfig,
    pub(crate) sampler_name: SamplerName,
    pub(crate) sampler_arg: f64,
    pub(crate) pipeline: PipelineConfig,
    pub(crate) tail_sampling: TailSamplingConfig,
    pub(crate) metrics: MetricsConfig,
    pub(crate) genai: GenAiConfig,
    pub(crate) pii: PiiConfig,
    pub(crate) llm_export: LlmExportConfig,
    pub(crate) processors: Vec<Box<dyn SpanProcessor>>,
    pub(crate) origins: BTreeMap<String, Origin>,
    pub(crate) file: Option<PathBuf>,
}

impl Default for Config {
    /// The built-in defaults, ignoring the environment and any file.
    fn default() -> Self {
        Self {
            service_name: DEFAULT_SERVICE_NAME.to_owned(),
            service_version: None,
            environment: None,
            sdk_disabled: false,
            filter: DEFAULT_FILTER.to_owned(),
            propagation: PropagationConfig::default(),
            exporter: ExporterKind::default(),
            socket: None,
            otlp: OtlpConfig::default(),
            sampler_name: SamplerName::ParentBasedAlwaysOn,
            sampler_arg: 1.0,
            pipeline: PipelineConfig::default(),
            tail_sampling: TailSamplingConfig::default(),
            metrics: MetricsConfig::default(),
            genai: GenAiConfig::default(),
            pii: PiiConfig::default(),
            llm_export: LlmExportConfig::default(),
            processors: Vec::new(),
            origins: BTreeMap::new(),
            file: None,
        }
    }
}

impl Config {
    /// A builder that starts from defaults, the config file and the environment.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Defaults, then `coresdk-sidecar.yaml` (or `CORESDK_CONFIG`), then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        Self::builder().build()
    }

    /// `service.name`.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }
    /// `service.version`.
    pub fn service_version(&self) -> Option<&str> {
        self.service_version.as_deref()
    }
    /// `deployment.environment`.
    pub fn environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }
    /// Whether the SDK is turned off (`OTEL_SDK_DISABLED=true`): then
    /// [`instrument`](crate::instrument) installs nothing and the application
    /// runs untraced.
    pub fn sdk_disabled(&self) -> bool {
        self.sdk_disabled
    }
    /// The level and target filter of recorded spans and events, in
    /// `RUST_LOG` syntax (default `info`), applied by
    /// [`instrument`](crate::instrument).
    pub fn filter(&self) -> &str {
        &self.filter
    }
    /// The `propagation` block.
    pub fn propagation(&self) -> &PropagationConfig {
        &self.propagation
    }
    /// The exporter.
    pub fn exporter(&self) -> ExporterKind {
        self.exporter
    }
    /// Path of the local socket, when set explicitly.
    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }
    /// The `otlp` block.
    pub fn otlp(&self) -> &OtlpConfig {
        &self.otlp
    }
    /// The head sampler.
    pub fn sampler(&self) -> SamplerConfig {
        match self.sampler_name {
            SamplerName::AlwaysOn => SamplerConfig::AlwaysOn,
            SamplerName::AlwaysOff => SamplerConfig::AlwaysOff,
            SamplerName::TraceIdRatio => SamplerConfig::TraceIdRatio(self.sampler_arg),
            SamplerName::ParentBasedAlwaysOn => SamplerConfig::ParentBasedAlwaysOn,
            SamplerName::ParentBasedAlwaysOff => SamplerConfig::ParentBasedAlwaysOff,
            SamplerName::ParentBasedTraceIdRatio => {
                SamplerConfig::ParentBasedTraceIdRatio(self.sampler_arg)
            }
        }
    }
    /// The `pipeline` block.
    pub fn pipeline(&self) -> &PipelineConfig {
        &self.pipeline
    }
    /// The `metrics` block.
    pub fn metrics(&self) -> &MetricsConfig {
        &self.metrics
    }
    /// The `sampling.tail` block.
    pub fn tail_sampling(&self) -> &TailSamplingConfig {
        &self.tail_sampling
    }
    /// The `genai` block.
    pub fn genai(&self) -> &GenAiConfig {
        &self.genai
    }
    /// The `pii` block.
    pub fn pii(&self) -> &PiiConfig {
        &self.pii
    }
    /// The `llm_export` block.
    pub fn llm_export(&self) -> &LlmExportConfig {
        &self.llm_export
    }
    /// The configuration file that was read, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }
    /// Where the value of a dotted key came from (`Origin::Default` if nothing set it).
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }
    /// Every key that was set by a file, the environment or the builder, with its origin.
    pub fn origins(&self) -> impl Iterator<Item = (&str, &Origin)> {
        self.origins.iter().map(|(k, o)| (k.as_str(), o))
    }
}

#[derive(Debug, Default)]
enum FileSource {
    /// `CORESDK_CONFIG`, else `./coresdk-sidecar.yaml` if it exists.
    #[default]
    Auto,
    Path(PathBuf),
    Inline(String),
    Disabled,
}

#[derive(Debug, Default)]
enum EnvSource {
    #[default]
    Process,
    Vars(Vec<(String, String)>),
    Disabled,
}

/// Builds a [`Config`]; values set here win over the environment and the file.
#[derive(Debug, Default)]
#[must_use = "call `.build()` to resolve the configuration"]
pub struct ConfigBuilder {
    file: FileSource,
    env: EnvSource,
    overrides: Vec<(&'static str, Value)>,
    headers: Vec<(String, String)>,
    pii_rules: Vec<PiiRule>,
    pii_keys: Vec<(String, PiiAction)>,
    processors: Vec<Box<dyn SpanProcessor>>,
    tail_sampling: Option<TailSamplingConfig>,
}

impl ConfigBuilder {
    fn set(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.overrides.push((key, value.into()));
        self
    }

    /// Reads this YAML file instead of `CORESDK_CONFIG` / `./coresdk-sidecar.yaml`.
    pub fn with_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = FileSource::Path(path.into());
        self
    }
    /// Uses this YAML text as the configuration file (errors name `<inline>`).
    pub fn with_config_yaml(mut self, yaml: impl Into<String>) -> Self {
        self.file = FileSource::Inline(yaml.into());
        self
    }
    /// Reads no configuration file at all.
    pub fn without_config_file(mut self) -> Self {
        self.file = FileSource::Disabled;
        self
    }
    /// Reads these variables instead of the process environment.
    pub fn with_env_vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = EnvSource::Vars(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }
    /// Ignores the process environment.
    pub fn without_env(mut self) -> Self {
        self.env = EnvSource::Disabled;
        self
    }

    /// `service.name` (`OTEL_SERVICE_NAME`).
    pub fn with_service_name(self, name: impl Into<String>) -> Self {
        self.set("service_name", name.into())
    }
    /// `service.version`.
    pub fn with_service_version(self, version: impl Into<String>) -> Self {
        self.set("service_version", version.into())
    }
    /// `deployment.environment`.
    pub fn with_environment(self, environment: impl Into<String>) -> Self {
        self.set("environment", environment.into())
    }
    /// Turns the SDK off (`OTEL_SDK_DISABLED`): [`instrument`](crate::instrument)
    /// returns a guard that does nothing.
    pub fn with_sdk_disabled(self, disabled: bool) -> Self {
        self.set("sdk_disabled", disabled)
    }
    /// The level and target filter, in `RUST_LOG` syntax (`"warn,my_app=debug"`).
    pub fn with_filter(self, directives: impl Into<String>) -> Self {
        self.set("filter", directives.into())
    }
    /// The propagation formats (`OTEL_PROPAGATORS`); an empty list writes and
    /// reads nothing.
    pub fn with_propagators(self, propagators: &[Propagator]) -> Self {
        let names: Vec<Value> = propagators
            .iter()
            .map(|p| match p {
                Propagator::TraceContext => "tracecontext",
                Propagator::Baggage => "baggage",
            })
            .map(Value::from)
            .collect();
        if names.is_empty() {
            return self.set("propagation.propagators", "none");
        }
        self.set("propagation.propagators", Value::Array(names))
    }
    /// Application context keys sent to other services as W3C baggage
    /// (see [`PropagationConfig::baggage_keys`]).
    pub fn with_baggage_keys<I, S>(self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let keys: Vec<Value> = keys.into_iter().map(|k| Value::from(k.into())).collect();
        self.set("propagation.baggage_keys", Value::Array(keys))
    }
    /// A YAML or JSON file of model prices merged over the built-in table.
    pub fn with_pricing_file(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.set("genai.pricing_file", path)
    }
    /// HMAC key of the PII `hash` action (`CORESDK_PII_HASH_KEY`): with the
    /// same key, every process hashes a value the same way.
    pub fn with_pii_hash_key(self, key: impl Into<String>) -> Self {
        self.set("pii.hash_key", key.into())
    }
    /// Which exporter receives spans.
    pub fn with_exporter(self, exporter: ExporterKind) -> Self {
        let name = match exporter {
            ExporterKind::Otlp => "otlp",
            ExporterKind::Stdout => "stdout",
            ExporterKind::None => "none",
        };
        self.set("exporter", name)
    }
    /// Path of the local socket the `core` CLI reads.
    pub fn with_socket(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().to_string_lossy().into_owned();
        self.set("socket", path)
    }
    /// Base OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub fn with_otlp_endpoint(self, url: impl Into<String>) -> Self {
        self.set("otlp.endpoint", url.into())
    }
    /// Traces OTLP endpoint, used as is (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    pub fn with_otlp_traces_endpoint(self, url: impl Into<String>) -> Self {
        self.set("otlp.traces_endpoint", url.into())
    }
    /// OTLP protocol.
    pub fn with_otlp_protocol(self, protocol: OtlpProtocol) -> Self {
        let name = match protocol {
            OtlpProtocol::Grpc => "grpc",
            OtlpProtocol::HttpProtobuf => "http/protobuf",
        };
        self.set("otlp.protocol", name)
    }
    /// Adds an OTLP request header (e.g. `authorization`).
    pub fn with_otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// OTLP request timeout.
    pub fn with_otlp_timeout(self, timeout: Duration) -> Self {
        self.set("otlp.timeout_ms", millis(timeout))
    }
    /// Largest OTLP export request, in bytes (default 4 MiB, the usual
    /// collector limit): batches are split to stay under it.
    pub fn with_otlp_max_message_bytes(self, bytes: usize) -> Self {
        self.set("otlp.max_message_bytes", bytes)
    }
    /// Head sampler.
    pub fn with_sampler(self, sampler: SamplerConfig) -> Self {
        let (name, arg) = match sampler {
            SamplerConfig::AlwaysOn => ("always_on", None),
            SamplerConfig::AlwaysOff => ("always_off", None),
            SamplerConfig::TraceIdRatio(r) => ("traceidratio", Some(r)),
            SamplerConfig::ParentBasedAlwaysOn => ("parentbased_always_on", None),
            SamplerConfig::ParentBasedAlwaysOff => ("parentbased_always_off", None),
            SamplerConfig::ParentBasedTraceIdRatio(r) => ("parentbased_traceidratio", Some(r)),
        };
        let this = self.set("sampler.name", name);
        match arg.and_then(serde_json::Number::from_f64) {
            Some(r) => this.set("sampler.arg", Value::Number(r)),
            None if arg.is_some() => this.set("sampler.arg", "NaN"),
            None => this,
        }
    }
    /// Capacity of the handoff queue.
    pub fn with_queue_size(self, spans: usize) -> Self {
        self.set("pipeline.queue_size", spans)
    }
    /// Spans per export batch.
    pub fn with_batch_size(self, spans: usize) -> Self {
        self.set("pipeline.batch_size", spans)
    }
    /// Longest a span waits in a partial batch.
    pub fn with_batch_delay(self, delay: Duration) -> Self {
        self.set("pipeline.batch_delay_ms", millis(delay))
    }
    /// Bound of `Guard::shutdown` and of the flush on drop.
    pub fn with_shutdown_timeout(self, timeout: Duration) -> Self {
        self.set("pipeline.shutdown_timeout_ms", millis(timeout))
    }
    /// Bound of `Guard::flush` (spans and metrics together).
    pub fn with_flush_timeout(self, timeout: Duration) -> Self {
        self.set("pipeline.flush_timeout_ms", millis(timeout))
    }
    /// Attributes kept per span (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`).
    pub fn with_span_attribute_count_limit(self, limit: u32) -> Self {
        self.set("pipeline.span_attribute_count_limit", limit)
    }
    /// Longest string attribute value, in characters
    /// (`OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`); longer ones are truncated.
    pub fn with_span_attribute_value_length_limit(self, chars: u32) -> Self {
        self.set("pipeline.span_attribute_value_length_limit", chars)
    }
    /// Bound on the bytes of the spans waiting in the handoff queue; spans
    /// over it are dropped and counted.
    pub fn with_queue_max_bytes(self, bytes: usize) -> Self {
        self.set("pipeline.queue_max_bytes", bytes)
    }
    /// Makes an entered `tracing` span the current OpenTelemetry context too,
    /// so spans started through the OpenTelemetry API nest under it (see
    /// [`PipelineConfig::otel_context_activation`](crate::config::PipelineConfig::otel_context_activation)).
    pub fn with_otel_context_activation(self, activate: bool) -> Self {
        self.set("pipeline.otel_context_activation", activate)
    }
    /// Whether prompt and completion content is recorded.
    pub fn with_capture_content(self, capture: bool) -> Self {
        self.set("genai.capture_content", capture)
    }
    /// Content longer than this many characters is truncated.
    pub fn with_content_max_chars(self, chars: usize) -> Self {
        self.set("genai.content_max_chars", chars)
    }
    /// Which GenAI semantic conventions spans follow (default
    /// [`Conventions::Compat`]).
    pub fn with_conventions(self, conventions: Conventions) -> Self {
        let name = match conventions {
            Conventions::Compat => "compat",
            Conventions::Latest => "latest",
        };
        self.set("genai.conventions", name)
    }
    /// Whether traced OpenAI chat streams ask for a final usage chunk
    /// (`stream_options.include_usage`, default `false`).
    pub fn with_openai_stream_include_usage(self, include: bool) -> Self {
        self.set("genai.openai.stream_include_usage", include)
    }
    /// Layout of GenAI message attributes.
    pub fn with_message_format(self, format: MessageFormat) -> Self {
        let name = match format {
            MessageFormat::Indexed => "indexed",
            MessageFormat::Json => "json",
            MessageFormat::Both => "both",
        };
        self.set("genai.message_format", name)
    }
    /// Turns PII masking on or off.
    pub fn with_pii_masking(self, enabled: bool) -> Self {
        self.set("pii.enabled", enabled)
    }
    /// Adds a custom PII rule (after those of the file).
    pub fn with_pii_rule(mut self, rule: PiiRule) -> Self {
        self.pii_rules.push(rule);
        self
    }
    /// Handles attributes whose key matches `glob` with `action`, whatever their value.
    pub fn with_pii_key(mut self, glob: impl Into<String>, action: PiiAction) -> Self {
        self.pii_keys.push((glob.into(), action));
        self
    }
    /// Turns the LLM diagnostic pipeline on or off (`CORESDK_LLM_EXPORT`).
    pub fn with_llm_export(self, enabled: bool) -> Self {
        self.set("llm_export.enabled", enabled)
    }
    /// External LLM endpoint (`CORESDK_LLM_ENDPOINT`); opting in to egress.
    pub fn with_llm_endpoint(self, url: impl Into<String>) -> Self {
        self.set("llm_export.endpoint", url.into())
    }
    /// Rego egress policy: package (`acme/llm`) and `.rego` file.
    pub fn with_egress_policy(self, package: impl Into<String>, file: impl AsRef<Path>) -> Self {
        let file = file.as_ref().to_string_lossy().into_owned();
        self.set("llm_export.customer_egress_policy", package.into())
            .set("llm_export.policy_file", file)
    }
    /// Upper bound of a diagnostic payload.
    pub fn with_max_payload_bytes(self, bytes: usize) -> Self {
        self.set("llm_export.max_payload_bytes", bytes)
    }
    /// Turns GenAI metrics and pipeline counters (OTLP only) on or off.
    pub fn with_metrics(self, enabled: bool) -> Self {
        self.set("metrics.enabled", enabled)
    }
    /// Time between metric exports.
    pub fn with_metrics_interval(self, interval: Duration) -> Self {
        self.set("metrics.export_interval_ms", millis(interval))
    }
    /// Tail sampling: keep whole traces with errors, truncations, slow spans or
    /// matching attributes, and `base_rate` of the rest.
    pub fn with_tail_sampling(mut self, tail: TailSamplingConfig) -> Self {
        self.tail_sampling = Some(tail);
        self
    }
    /// Adds a span processor after the built-in stages (it sees masked spans only).
    pub fn with_processor(mut self, processor: impl SpanProcessor + 'static) -> Self {
        self.processors.push(Box::new(processor));
        self
    }

    /// Resolves the configuration.
    pub fn build(self) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = match self.env {
            EnvSource::Process => std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .filter(|(k, _)| {
                    k == CORESDK_CONFIG
                        || k == OTEL_SEMCONV_STABILITY_OPT_IN
                        || ENV_KEYS.iter().any(|(n, _)| n == k)
                })
                .collect(),
            EnvSource::Vars(vars) => vars,
            EnvSource::Disabled => Vec::new(),
        };
        // The OTel spec treats an empty variable as unset.
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.clone())
        };

        let mut cfg = Config::default();
        let file = match self.file {
            FileSource::Auto => {
                if let Some(path) = lookup(CORESDK_CONFIG) {
                    Some((PathBuf::from(path), None))
                } else {
                    let local = PathBuf::from(DEFAULT_CONFIG_FILE);
                    local.is_file().then_some((local, None))
                }
            }
            FileSource::Path(path) => Some((path, None)),
            FileSource::Inline(text) => Some((PathBuf::from("<inline>"), Some(text))),
            FileSource::Disabled => None,
        };
        if let Some((path, text)) = file {
            let text = match text {
                Some(text) => text,
                None => std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                    path: path.clone(),
                    source,
                })?,
            };
            for entry in yaml::parse(&text, &path)? {
                let origin = Origin::File {
                    path: path.clone(),
                    line: entry.line,
                };
                cfg.set(&entry.key, &entry.value, origin)?;
            }
            cfg.file = Some(path);
        }

        for (var, key) in ENV_KEYS {
            if let Some(value) = lookup(var) {
                cfg.set(key, &Value::String(value), Origin::Env(var))?;
            }
        }
        // A list shared with other domains' instrumentations: only our value
        // sets the key, so `http/dup` alone leaves the file's choice alone.
        if let Some(list) = lookup(OTEL_SEMCONV_STABILITY_OPT_IN) {
            let opt_in = SemconvOptIn::parse(&list);
            if opt_in.gen_ai_latest {
                cfg.set(
                    "genai.conventions",
                    &Value::from("latest"),
                    Origin::Env(OTEL_SEMCONV_STABILITY_OPT_IN),
                )?;
            }
            cfg.genai.unknown_opt_in = opt_in.unknown;
        }

        for (key, value) in &self.overrides {
            cfg.set(key, value, Origin::Builder)?;
        }
        if !self.headers.is_empty() {
            let map: serde_json::Map<String, Value> = cfg
                .otlp
                .headers
                .iter()
                .cloned()
                .chain(self.headers)
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            cfg.set("otlp.headers", &Value::Object(map), Origin::Builder)?;
        }
        for rule in &self.pii_rules {
            regex::Regex::new(&rule.regex).map_err(|e| ConfigError::InvalidValue {
                key: "pii.rules".into(),
                origin: Origin::Builder,
                reason: format!("rule `{}`: invalid regex: {e}", rule.name),
            })?;
        }
        cfg.pii.rules.extend(self.pii_rules);
        cfg.pii.keys.extend(self.pii_keys);
        cfg.processors = self.processors;
        if let Some(tail) = self.tail_sampling {
            if !(0.0..=1.0).contains(&tail.base_rate) {
                return Err(ConfigError::InvalidValue {
                    key: "sampling.tail.base_rate".into(),
                    origin: Origin::Builder,
                    reason: format!("{} is not a rate between 0 and 1", tail.base_rate),
                });
            }
            cfg.tail_sampling = tail;
            cfg.origins
                .insert("sampling.tail.enabled".into(), Origin::Builder);
        }
        cfg.validate()?;
        Ok(cfg)
    }
}

impl Config {
    fn set(&mut self, key: &str, value: &Value, origin: Origin) -> Result<(), ConfigError> {
        apply(
            self,
            &Raw {
                key,
                value,
                origin: &origin,
            },
        )?;
        self.origins.insert(key.to_owned(), origin);
        Ok(())
    }

    /// Checks that need more than one key.
    fn validate(&mut self) -> Result<(), ConfigError> {
        if self.pipeline.batch_size > self.pipeline.queue_size {
            let batch_origin = self.origin("pipeline.batch_size");
            if batch_origin == Origin::Default {
                // Only the queue was set: a batch can never hold more than the
                // queue, so the default batch size follows it down.
                self.pipeline.batch_size = self.pipeline.queue_size;
            } else {
                let queue_origin = self.origin("pipeline.queue_size");
                return Err(ConfigError::InvalidValue {
                    key: "pipeline.batch_size".into(),
                    reason: format!(
                        "{} is larger than pipeline.queue_size ({}, from {}): lower {} or raise {}",
                        self.pipeline.batch_size,
                        self.pipeline.queue_size,
                        queue_origin,
                        setting_name("pipeline.batch_size", &batch_origin),
                        setting_name("pipeline.queue_size", &queue_origin),
                    ),
                    origin: batch_origin,
                });
            }
        }
        if let Some(url) = &self.llm_export.endpoint {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if url.scheme() == "http" && !loopback && !self.llm_export.allow_insecure_http {
                return Err(ConfigError::InvalidValue {
                    key: "llm_export.endpoint".into(),
                    origin: self.origin("llm_export.endpoint"),
                    reason: format!(
                        "plain http is only allowed for loopback hosts, got `{}` \
                         (set llm_export.allow_insecure_http to override)",
                        super::redact_url(url)
                    ),
                });
            }
        }
        Ok(())
    }
}

/// What a user edits to change `key`: the variable or file line it came from,
/// else the key itself.
fn setting_name(key: &str, origin: &Origin) -> String {
    match origin {
        Origin::Env(var) => (*var).to_owned(),
        Origin::File { path, line } => format!("`{key}` ({}:{line})", path.display()),
        _ => format!("`{key}`"),
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

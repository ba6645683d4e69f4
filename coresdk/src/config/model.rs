//! The resolved configuration values, grouped by block of `coresdk-sidecar.yaml`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::redact::redact_url;

/// Which exporter receives the (masked) spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExporterKind {
    /// OTLP to a collector or backend (gRPC or HTTP/protobuf).
    #[default]
    Otlp,
    /// A human-readable span tree on standard output.
    Stdout,
    /// No exporter: spans still pass masking and diagnostics.
    None,
}

/// OTLP transport protocol (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// OTLP/gRPC, default port 4317.
    #[default]
    Grpc,
    /// OTLP/HTTP with protobuf bodies, default port 4318.
    HttpProtobuf,
}

/// Head sampler (`OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum SamplerConfig {
    /// Record every trace.
    AlwaysOn,
    /// Record no trace.
    AlwaysOff,
    /// Record a fraction of traces, decided on the trace id.
    TraceIdRatio(f64),
    /// Follow the parent's decision; record roots.
    #[default]
    ParentBasedAlwaysOn,
    /// Follow the parent's decision; drop roots.
    ParentBasedAlwaysOff,
    /// Follow the parent's decision; sample roots by trace id ratio.
    ParentBasedTraceIdRatio(f64),
}

/// How GenAI messages are written on spans (`genai.message_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MessageFormat {
    /// `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` (llm-tracekit / OpenLLMetry layout).
    #[default]
    Indexed,
    /// `gen_ai.input.messages` / `gen_ai.output.messages` JSON (OTel GenAI v1.37+).
    Json,
    /// Both layouts.
    Both,
}

/// Which generation of the GenAI semantic conventions spans follow
/// (`genai.conventions`, or `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`).
///
/// The conventions' transition plan asks instrumentations to keep their
/// existing output by default and to switch when the user opts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Conventions {
    /// The output CoreSDK has always written, the one llm-tracekit and
    /// OpenLLMetry backends read: `gen_ai.system` beside
    /// `gen_ai.provider.name`, provider words as finish reasons, and messages
    /// in the layout [`MessageFormat`] chooses (indexed by default).
    #[default]
    Compat,
    /// The latest experimental GenAI conventions only: messages as JSON
    /// (`gen_ai.input.messages`, `gen_ai.output.messages`,
    /// `gen_ai.system_instructions`) whatever [`MessageFormat`] says, no
    /// `gen_ai.system`, no indexed keys or legacy `gen_ai.openai.*` aliases,
    /// finish reasons in the conventions' enum, `gen_ai.request.stream` only
    /// on streams.
    Latest,
}

/// What the PII stage does with a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PiiAction {
    /// Replace with a token such as `<EMAIL>`.
    Redact,
    /// Replace with a keyed hash token such as `<EMAIL:1a2b3c4d>`.
    Hash,
    /// Remove the whole attribute.
    Drop,
}

/// A checksum a custom PII rule can require of its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PiiValidator {
    /// The Luhn check used by payment cards.
    Luhn,
    /// The ISO 7064 mod-97 check used by IBANs.
    Mod97,
}

/// A user-defined PII rule (`pii.rules[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct PiiRule {
    pub(crate) name: String,
    pub(crate) regex: String,
    pub(crate) action: PiiAction,
    pub(crate) validator: Option<PiiValidator>,
    pub(crate) keys: Vec<String>,
}

impl PiiRule {
    /// A rule that replaces matches of `regex` with `<NAME>` (the name upper-cased).
    pub fn new(name: impl Into<String>, regex: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            regex: regex.into(),
            action: PiiAction::Redact,
            validator: None,
            keys: Vec::new(),
        }
    }

    /// Sets what happens to a match (default [`PiiAction::Redact`]).
    #[must_use]
    pub fn with_action(mut self, action: PiiAction) -> Self {
        self.action = action;
        self
    }

    /// Only count matches that pass this checksum.
    #[must_use]
    pub fn with_validator(mut self, validator: PiiValidator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Only apply the rule to attributes whose key matches one of these globs.
    #[must_use]
    pub fn with_keys<I, S>(mut self, globs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys = globs.into_iter().map(Into::into).collect();
        self
    }

    /// The rule's name (used in its replacement token and in errors).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The rule's regular expression.
    pub fn regex(&self) -> &str {
        &self.regex
    }
    /// What happens to a match.
    pub fn action(&self) -> PiiAction {
        self.action
    }
    /// The checksum matches must pass, if any.
    pub fn validator(&self) -> Option<PiiValidator> {
        self.validator
    }
    /// Key globs the rule is limited to; empty means every key.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
}

/// A secret string (API key, hash key): never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(crate) String);

impl Secret {
    /// The secret value.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `otlp` block.
#[derive(Clone, PartialEq)]
pub struct OtlpConfig {
    pub(crate) endpoint: Option<Url>,
    pub(crate) traces_endpoint: Option<Url>,
    pub(crate) protocol: OtlpProtocol,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) max_message_bytes: usize,
}

/// Default bound of one OTLP export request: the default gRPC message limit of
/// the OpenTelemetry Collector (and of tonic and grpc-go servers).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 << 20;

/// Smallest accepted `otlp.max_message_bytes`: room for the resource and one
/// small span.
pub(crate) const MIN_MESSAGE_BYTES: u64 = 4096;

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            traces_endpoint: None,
            protocol: OtlpProtocol::Grpc,
            headers: Vec::new(),
            timeout: Duration::from_secs(10),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

impl fmt::Debug for OtlpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are credentials for hosted backends: print names only.
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("OtlpConfig")
            .field("endpoint", &self.endpoint.as_ref().map(redact_url))
            .field(
                "traces_endpoint",
                &self.traces_endpoint.as_ref().map(redact_url),
            )
            .field("protocol", &self.protocol)
            .field("headers", &header_names)
            .field("timeout", &self.timeout)
            .field("max_message_bytes", &self.max_message_bytes)
            .finish()
    }
}

impl OtlpConfig {
    /// The URL traces are sent to, following the OTel exporter spec: the
    /// signal-specific endpoint is used as is; the base endpoint gets
    /// `/v1/traces` appended for HTTP and is used as is for gRPC.
    pub fn resolved_traces_endpoint(&self) -> String {
        if let Some(url) = &self.traces_endpoint {
            return url.as_str().to_owned();
        }
        match self.protocol {
            OtlpProtocol::Grpc => self.endpoint.as_ref().map_or_else(
                || "http://localhost:4317".to_owned(),
                |u| u.as_str().to_owned(),
            ),
            OtlpProtocol::HttpProtobuf => {
                let base = self
                    .endpoint
                    .as_ref()
                    .map_or("http://localhost:4318", Url::as_str);
                format!("{}/v1/traces", base.trim_end_matches('/'))
            }
        }
    }

    /// The transport protocol.
    pub fn protocol(&self) -> OtlpProtocol {
        self.protocol
    }

    /// Export timeout per request.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Extra request headers (e.g. `authorization` for hosted backends).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// Largest export request, in bytes; larger batches are split, and a span
    /// that cannot fit in a request on its own is dropped and counted.
    pub fn max_message_bytes(&self) -> usize {
        self.max_message_bytes
    }
}

/// `pipeline` block: the handoff queue and export batching.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineConfig {
    pub(crate) queue_size: usize,
    pub(crate) batch_size: usize,
    pub(crate) batch_delay: Duration,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) flush_timeout: Duration,
    pub(crate) span_attribute_count_limit: u32,
    pub(crate) span_attribute_value_length_limit: u32,
    pub(crate) queue_max_bytes: usize,
    pub(crate) otel_context_activation: bool,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            queue_size: 8192,
            batch_size: 512,
            batch_delay: Duration::from_secs(1),
            shutdown_timeout: Duration::from_secs(5),
            flush_timeout: Duration::from_secs(5),
            span_attribute_count_limit: 512,
            span_attribute_value_length_limit: 64 * 1024,
            queue_max_bytes: 64 * 1024 * 1024,
            otel_context_activation: false,
        }
    }
}

impl PipelineConfig {
    /// Capacity of the handoff queue; spans beyond it are dropped and counted.
    pub fn queue_size(&self) -> usize {
        self.queue_size
    }
    /// Spans per export request.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
    /// Longest a span waits in a partial batch.
    pub fn batch_delay(&self) -> Duration {
        self.batch_delay
    }
    /// Bound on `Guard::shutdown` / drop.
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
    /// Bound on `Guard::flush` (and on a flush of the tracer provider).
    pub fn flush_timeout(&self) -> Duration {
        self.flush_timeout
    }
    /// Attributes kept per span.
    pub fn span_attribute_count_limit(&self) -> u32 {
        self.span_attribute_count_limit
    }
    /// Longest string attribute value, in characters (Unicode scalar values,
    /// as OpenTelemetry counts them); each string of a string array is held
    /// to it too. A longer value is cut on a character boundary and ends
    /// with [`TRUNCATION_MARKER`](crate::genai::TRUNCATION_MARKER); the cuts
    /// are counted in [`Stats::attributes_truncated`](crate::Stats::attributes_truncated).
    /// Values are cut before they are copied, so a huge value costs the
    /// application no more than the limit.
    pub fn span_attribute_value_length_limit(&self) -> u32 {
        self.span_attribute_value_length_limit
    }
    /// Bound on the bytes of the spans waiting in the handoff queue (an
    /// estimate of what they hold on the heap); a span that would go over
    /// it is dropped and counted, like one that finds the queue full.
    pub fn queue_max_bytes(&self) -> usize {
        self.queue_max_bytes
    }
    /// Whether entering a `tracing` span also makes its OpenTelemetry span
    /// the current OpenTelemetry context (`opentelemetry::Context::current()`),
    /// for code instrumented with the OpenTelemetry API directly. Off by
    /// default: `tracing` code, CoreSDK's own instrumentation and
    /// [`SpanExt::context`](crate::SpanExt::context) do not need it.
    pub fn otel_context_activation(&self) -> bool {
        self.otel_context_activation
    }
}

/// `genai` block.
#[derive(Debug, Clone, PartialEq)]
pub struct GenAiConfig {
    pub(crate) capture_content: bool,
    pub(crate) content_max_chars: usize,
    pub(crate) message_format: MessageFormat,
    pub(crate) conventions: Conventions,
    pub(crate) openai_stream_include_usage: bool,
    pub(crate) pricing_file: Option<PathBuf>,
    /// `OTEL_SEMCONV_STABILITY_OPT_IN` values CoreSDK does not know (reported, ignored).
    pub(crate) unknown_opt_in: Vec<String>,
}

impl Default for GenAiConfig {
    fn default() -> Self {
        Self {
            capture_content: false,
            content_max_chars: 4000,
            message_format: MessageFormat::Indexed,
            conventions: Conventions::Compat,
            openai_stream_include_usage: false,
            pricing_file: None,
            unknown_opt_in: Vec::new(),
        }
    }
}

impl GenAiConfig {
    /// Whether prompt/completion content is recorded.
    pub fn capture_content(&self) -> bool {
        self.capture_content
    }
    /// Content longer than this many characters is truncated.
    pub fn content_max_chars(&self) -> usize {
        self.content_max_chars
    }
    /// Layout of message attributes under [`Conventions::Compat`]; the
    /// latest conventions always write JSON messages.
    pub fn message_format(&self) -> MessageFormat {
        self.message_format
    }
    /// Which GenAI semantic conventions spans follow.
    pub fn conventions(&self) -> Conventions {
        self.conventions
    }
    /// Whether traced OpenAI chat streams ask for a final usage chunk
    /// (`stream_options.include_usage`), so streams get token counts and cost.
    pub fn openai_stream_include_usage(&self) -> bool {
        self.openai_stream_include_usage
    }
    /// A YAML or JSON file of model prices merged over the built-in table
    /// (`genai.pricing_file`, `CORESDK_PRICING_FILE`).
    pub fn pricing_file(&self) -> Option<&std::path::Path> {
        self.pricing_file.as_deref()
    }
}

/// A context propagation format (`OTEL_PROPAGATORS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Propagator {
    /// W3C Trace Context: `traceparent`, `tracestate`.
    TraceContext,
    /// W3C Baggage: `baggage`.
    Baggage,
}

/// `propagation` block: how context crosses process boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct PropagationConfig {
    pub(crate) propagators: Vec<Propagator>,
    pub(crate) baggage_keys: Vec<String>,
}

impl Default for PropagationConfig {
    fn default() -> Self {
        Self {
            propagators: vec![Propagator::TraceContext, Propagator::Baggage],
            baggage_keys: Vec::new(),
        }
    }
}

impl PropagationConfig {
    /// The formats written and read, in order (default `tracecontext,baggage`;
    /// empty for `none`).
    pub fn propagators(&self) -> &[Propagator] {
        &self.propagators
    }
    /// The application context keys (`session.id`, `user.id`, ...; see
    /// [`context::KEYS`](crate::context::KEYS)) sent to other services as W3C
    /// baggage. None by default: each key is an explicit opt-in, as baggage
    /// leaves the process in plain text.
    pub fn baggage_keys(&self) -> &[String] {
        &self.baggage_keys
    }
}

/// `pii` block.
#[derive(Debug, Clone, PartialEq)]
pub struct PiiConfig {
    pub(crate) enabled: bool,
    pub(crate) rules: Vec<PiiRule>,
    pub(crate) keys: Vec<(String, PiiAction)>,
    pub(crate) disabled_builtins: Vec<String>,
    pub(crate) hash_key: Option<Secret>,
}

impl Default for PiiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            rules: Vec::new(),
            keys: Vec::new(),
            disabled_builtins: Vec::new(),
            hash_key: None,
        }
    }
}

impl PiiConfig {
    /// Whether masking runs (it should, except in tests of masking itself).
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// Custom value rules.
    pub fn rules(&self) -> &[PiiRule] {
        &self.rules
    }
    /// Key globs and what to do with matching attributes, on top of the defaults.
    pub fn keys(&self) -> &[(String, PiiAction)] {
        &self.keys
    }
    /// Names of built-in rules turned off.
    pub fn disabled_builtins(&self) -> &[String] {
        &self.disabled_builtins
    }
    /// HMAC key for the `hash` action (`CORESDK_PII_HASH_KEY`).
    pub fn hash_key(&self) -> Option<&Secret> {
        self.hash_key.as_ref()
    }
}

/// `llm_export` block.
#[derive(Clone, PartialEq)]
pub struct LlmExportConfig {
    pub(crate) enabled: bool,
    pub(crate) endpoint: Option<Url>,
    pub(crate) customer_egress_policy: Option<String>,
    pub(crate) policy_file: Option<PathBuf>,
    pub(crate) max_payload_bytes: usize,
    pub(crate) slow_threshold_ms: Option<u64>,
    pub(crate) model: String,
    pub(crate) api_key: Option<Secret>,
    pub(crate) allow_insecure_http: bool,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for LlmExportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The endpoint may carry credentials in its user info or query.
        f.debug_struct("LlmExportConfig")
            .field("enabled", &self.enabled)
            .field("endpoint", &self.endpoint.as_ref().map(redact_url))
            .field("customer_egress_policy", &self.customer_egress_policy)
            .field("policy_file", &self.policy_file)
            .field("max_payload_bytes", &self.max_payload_bytes)
            .field("slow_threshold_ms", &self.slow_threshold_ms)
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for LlmExportConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            endpoint: None,
            customer_egress_policy: None,
            policy_file: None,
            max_payload_bytes: 8192,
            slow_threshold_ms: None,
            model: "gpt-4o-mini".to_owned(),
            api_key: None,
            allow_insecure_http: false,
            timeout: Duration::from_secs(30),
        }
    }
}

impl LlmExportConfig {
    /// Whether diagnostic payloads are built at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// External LLM endpoint; `None` keeps payloads on the host.
    pub fn endpoint(&self) -> Option<&Url> {
        self.endpoint.as_ref()
    }
    /// Rego package gating egress (`acme/llm` → `data.acme.llm.allow`).
    pub fn customer_egress_policy(&self) -> Option<&str> {
        self.customer_egress_policy.as_deref()
    }
    /// The `.rego` file.
    pub fn policy_file(&self) -> Option<&std::path::Path> {
        self.policy_file.as_deref()
    }
    /// Upper bound of a serialized payload.
    pub fn max_payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }
    /// Spans slower than this also produce a payload.
    pub fn slow_threshold_ms(&self) -> Option<u64> {
        self.slow_threshold_ms
    }
    /// Model asked for the analysis.
    pub fn model(&self) -> &str {
        &self.model
    }
    /// API key for the external endpoint (`CORESDK_LLM_API_KEY`).
    pub fn api_key(&self) -> Option<&Secret> {
        self.api_key.as_ref()
    }
    /// Whether plain `http://` is allowed for a non-loopback endpoint.
    pub fn allow_insecure_http(&self) -> bool {
        self.allow_insecure_http
    }
    /// Timeout of one request to the external endpoint.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// A rule that keeps a trace whole when any of its spans matches (`sampling.tail.keep_if[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct KeepRule {
    pub(crate) attribute: String,
    pub(crate) condition: KeepCondition,
}

/// What a [`KeepRule`] checks of the attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum KeepCondition {
    /// The attribute is present, whatever its value.
    Exists,
    /// The attribute's value, as text, equals this.
    Equals(String),
    /// The attribute is a number greater than this.
    GreaterThan(f64),
    /// The attribute is a number less than this.
    LessThan(f64),
}

impl KeepRule {
    /// Keeps traces where `attribute` meets `condition` on any span.
    pub fn new(attribute: impl Into<String>, condition: KeepCondition) -> Self {
        Self {
            attribute: attribute.into(),
            condition,
        }
    }
    /// The attribute key.
    pub fn attribute(&self) -> &str {
        &self.attribute
    }
    /// The condition.
    pub fn condition(&self) -> &KeepCondition {
        &self.condition
    }
}

/// `sampling.tail` block: keep whole traces or none, decided when the local root ends.
#[derive(Debug, Clone, PartialEq)]
pub struct TailSamplingConfig {
    pub(crate) enabled: bool,
    pub(crate) base_rate: f64,
    pub(crate) latency_threshold_ms: Option<u64>,
    pub(crate) keep_if: Vec<KeepRule>,
    pub(crate) decision_timeout: Duration,
    pub(crate) max_traces: usize,
}

impl Default for TailSamplingConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            base_rate: 0.1,
            latency_threshold_ms: None,
            keep_if: Vec::new(),
            decision_timeout: Duration::from_secs(30),
            max_traces: 10_000,
        }
    }
}

impl TailSamplingConfig {
    /// Tail sampling on, keeping `base_rate` of the traces no rule keeps.
    pub fn new(base_rate: f64) -> Self {
        Self {
            enabled: true,
            base_rate,
            ..Self::default()
        }
    }
    /// Also keeps traces with a span slower than this.
    #[must_use]
    pub fn with_latency_threshold(mut self, threshold: Duration) -> Self {
        self.latency_threshold_ms = Some(u64::try_from(threshold.as_millis()).unwrap_or(u64::MAX));
        self
    }
    /// Also keeps traces matching this rule.
    #[must_use]
    pub fn with_keep_rule(mut self, rule: KeepRule) -> Self {
        self.keep_if.push(rule);
        self
    }
    /// Decides traces whose root has not ended after this long.
    #[must_use]
    pub fn with_decision_timeout(mut self, timeout: Duration) -> Self {
        self.decision_timeout = timeout;
        self
    }
    /// Most undecided traces held; past it the oldest is decided early.
    #[must_use]
    pub fn with_max_traces(mut self, traces: usize) -> Self {
        self.max_traces = traces;
        self
    }
    /// Whether the stage runs.
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// Share of otherwise uninteresting traces kept (deterministic on the trace id).
    pub fn base_rate(&self) -> f64 {
        self.base_rate
    }
    /// Traces with a span slower than this are kept.
    pub fn latency_threshold(&self) -> Option<Duration> {
        self.latency_threshold_ms.map(Duration::from_millis)
    }
    /// Attribute rules that keep a trace.
    pub fn keep_if(&self) -> &[KeepRule] {
        &self.keep_if
    }
    /// Decision timeout for traces whose root never ends.
    pub fn decision_timeout(&self) -> Duration {
        self.decision_timeout
    }
    /// Bound on undecided traces.
    pub fn max_traces(&self) -> usize {
        self.max_traces
    }
}

/// `metrics` block: GenAI metrics and pipeline counters over OTLP.
#[derive(Clone, PartialEq)]
pub struct MetricsConfig {
    pub(crate) enabled: bool,
    pub(crate) export_interval: Duration,
    pub(crate) endpoint: Option<Url>,
}

impl fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The endpoint may carry credentials in its user info or query.
        f.debug_struct("MetricsConfig")
            .field("enabled", &self.enabled)
            .field("export_interval", &self.export_interval)
            .field("endpoint", &self.endpoint.as_ref().map(redact_url))
            .finish()
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            export_interval: Duration::from_mins(1),
            endpoint: None,
        }
    }
}

impl MetricsConfig {
    /// Whether metrics are exported (only with the OTLP exporter).
    pub fn enabled(&self) -> bool {
        self.enabled
    }
    /// Time between metric exports (`OTEL_METRIC_EXPORT_INTERVAL`).
    pub fn export_interval(&self) -> Duration {
        self.export_interval
    }
    /// The URL metrics are sent to: the metrics-specific endpoint as is, else
    /// the base endpoint (+ `/v1/metrics` for HTTP).
    pub fn resolved_endpoint(&self, otlp: &OtlpConfig) -> String {
        if let Some(url) = &self.endpoint {
            return url.as_str().to_owned();
        }
        match otlp.protocol {
            OtlpProtocol::Grpc => otlp.endpoint.as_ref().map_or_else(
                || "http://localhost:4317".to_owned(),
                |u| u.as_str().to_owned(),
            ),
            OtlpProtocol::HttpProtobuf => {
                let base = otlp
                    .endpoint
                    .as_ref()
                    .map_or("http://localhost:4318", Url::as_str);
                format!("{}/v1/metrics", base.trim_end_matches('/'))
            }
        }
    }
}

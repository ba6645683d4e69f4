//! Environment variables CoreSDK reads, and the configuration key each one sets.

/// Path of the YAML configuration file.
pub const CORESDK_CONFIG: &str = "CORESDK_CONFIG";
/// Enables the LLM diagnostic export pipeline (`true`/`false`).
pub const CORESDK_LLM_EXPORT: &str = "CORESDK_LLM_EXPORT";
/// External LLM endpoint; unset keeps diagnostics on the host.
pub const CORESDK_LLM_ENDPOINT: &str = "CORESDK_LLM_ENDPOINT";
/// Path of the Rego egress policy file.
pub const CORESDK_LLM_EGRESS_POLICY: &str = "CORESDK_LLM_EGRESS_POLICY";
/// API key sent to the external LLM endpoint.
pub const CORESDK_LLM_API_KEY: &str = "CORESDK_LLM_API_KEY";
/// Path of the local Unix socket read by the `core` CLI.
pub const CORESDK_SOCKET: &str = "CORESDK_SOCKET";
/// HMAC key for the PII `hash` action.
pub const CORESDK_PII_HASH_KEY: &str = "CORESDK_PII_HASH_KEY";
/// `service.version` resource attribute.
pub const CORESDK_SERVICE_VERSION: &str = "CORESDK_SERVICE_VERSION";
/// `deployment.environment` resource attribute.
pub const CORESDK_ENVIRONMENT: &str = "CORESDK_ENVIRONMENT";
/// Exporter choice (`otlp`, `stdout`, `none`).
pub const CORESDK_EXPORTER: &str = "CORESDK_EXPORTER";
/// YAML or JSON file of model prices (`genai.pricing_file`).
pub const CORESDK_PRICING_FILE: &str = "CORESDK_PRICING_FILE";
/// Application context keys sent as W3C baggage (`propagation.baggage_keys`).
pub const CORESDK_BAGGAGE_KEYS: &str = "CORESDK_BAGGAGE_KEYS";
/// Level and target filter of recorded spans, `tracing-subscriber`
/// `EnvFilter` syntax (`filter`).
pub const RUST_LOG: &str = "RUST_LOG";

/// Standard OTel: `true` turns the SDK off; `instrument()` then returns a
/// guard that does nothing.
pub const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
/// Standard OTel: propagation formats, `tracecontext,baggage` (or `none`).
pub const OTEL_PROPAGATORS: &str = "OTEL_PROPAGATORS";

/// Standard OTel: service name.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
/// Standard OTel: traces exporter (`otlp`, `console`, `none`).
pub const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
/// Standard OTel: base OTLP endpoint.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Standard OTel: traces-only OTLP endpoint, used as is.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// Standard OTel: OTLP protocol (`grpc`, `http/protobuf`).
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// Standard OTel: traces-only OTLP protocol.
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// Standard OTel: OTLP request headers, `k=v,k2=v2`.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// Standard OTel: traces-only OTLP request headers.
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// Standard OTel: OTLP timeout in milliseconds.
pub const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// Standard OTel: traces-only OTLP timeout in milliseconds.
pub const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// Standard OTel: metrics-only OTLP endpoint, used as is.
pub const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// Standard OTel: time between metric exports, in milliseconds.
pub const OTEL_METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
/// Standard OTel: head sampler name.
pub const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
/// Standard OTel: head sampler argument (ratio).
pub const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
/// Standard OTel: handoff queue capacity.
pub const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
/// Standard OTel: spans per export batch.
pub const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
/// Standard OTel: longest wait of a partial batch, in milliseconds.
pub const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
/// Whether entered `tracing` spans become the current OpenTelemetry context.
pub const CORESDK_OTEL_CONTEXT_ACTIVATION: &str = "CORESDK_OTEL_CONTEXT_ACTIVATION";
/// Standard OTel: attributes kept per span.
pub const OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";
/// Standard OTel: longest attribute value (characters), for every signal;
/// [`OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`] wins over it.
pub const OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";
/// Standard OTel: longest span attribute value (characters).
pub const OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";
/// OTel GenAI: whether message content is captured.
pub const OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: &str =
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
/// Standard OTel: comma-separated semantic-convention opt-ins;
/// `gen_ai_latest_experimental` sets `genai.conventions` to `latest`. Values
/// for other domains (`http`, `database/dup`, ...) are left to the
/// instrumentations they name; unknown values are reported, not fatal.
pub const OTEL_SEMCONV_STABILITY_OPT_IN: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";

/// The `OTEL_SEMCONV_STABILITY_OPT_IN` value that opts GenAI spans in to the
/// latest experimental conventions.
pub const GEN_AI_LATEST_EXPERIMENTAL: &str = "gen_ai_latest_experimental";

/// Opt-in values the OTel specification defines for other domains: accepted
/// silently, since other instrumentations in the process read them.
const OTHER_DOMAIN_OPT_INS: &[&str] = &[
    "http",
    "http/dup",
    "database",
    "database/dup",
    "messaging",
    "messaging/dup",
    "rpc",
    "rpc/dup",
    "code",
    "code/dup",
    "k8s",
    "k8s/dup",
];

/// A parsed `OTEL_SEMCONV_STABILITY_OPT_IN` list.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct SemconvOptIn {
    /// Whether `gen_ai_latest_experimental` is in the list.
    pub(crate) gen_ai_latest: bool,
    /// Values no domain defines, as written.
    pub(crate) unknown: Vec<String>,
}

impl SemconvOptIn {
    /// Parses the comma-separated list: items are trimmed, empty items
    /// skipped, and matched case-insensitively.
    pub(crate) fn parse(list: &str) -> Self {
        let mut parsed = Self::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let lower = item.to_ascii_lowercase();
            if lower == GEN_AI_LATEST_EXPERIMENTAL {
                parsed.gen_ai_latest = true;
            } else if !OTHER_DOMAIN_OPT_INS.contains(&lower.as_str()) {
                parsed.unknown.push(item.to_owned());
            }
        }
        parsed
    }
}

/// Environment variable → configuration key. Later entries win over earlier
/// ones for the same key, so signal-specific variables follow generic ones.
pub(crate) const ENV_KEYS: &[(&str, &str)] = &[
    (OTEL_SERVICE_NAME, "service_name"),
    (OTEL_SDK_DISABLED, "sdk_disabled"),
    (RUST_LOG, "filter"),
    (OTEL_PROPAGATORS, "propagation.propagators"),
    (CORESDK_BAGGAGE_KEYS, "propagation.baggage_keys"),
    (CORESDK_PRICING_FILE, "genai.pricing_file"),
    (CORESDK_SERVICE_VERSION, "service_version"),
    (CORESDK_ENVIRONMENT, "environment"),
    (OTEL_TRACES_EXPORTER, "exporter"),
    (CORESDK_EXPORTER, "exporter"),
    (CORESDK_SOCKET, "socket"),
    (OTEL_EXPORTER_OTLP_ENDPOINT, "otlp.endpoint"),
    (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, "otlp.traces_endpoint"),
    (OTEL_EXPORTER_OTLP_PROTOCOL, "otlp.protocol"),
    (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, "otlp.protocol"),
    (OTEL_EXPORTER_OTLP_HEADERS, "otlp.headers"),
    (OTEL_EXPORTER_OTLP_TRACES_HEADERS, "otlp.headers"),
    (OTEL_EXPORTER_OTLP_TIMEOUT, "otlp.timeout_ms"),
    (OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, "otlp.timeout_ms"),
    (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, "metrics.endpoint"),
    (OTEL_METRIC_EXPORT_INTERVAL, "metrics.export_interval_ms"),
    (OTEL_TRACES_SAMPLER, "sampler.name"),
    (OTEL_TRACES_SAMPLER_ARG, "sampler.arg"),
    (OTEL_BSP_MAX_QUEUE_SIZE, "pipeline.queue_size"),
    (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, "pipeline.batch_size"),
    (OTEL_BSP_SCHEDULE_DELAY, "pipeline.batch_delay_ms"),
    (
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
        "pipeline.span_attribute_count_limit",
    ),
    (
        OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
        "pipeline.span_attribute_value_length_limit",
    ),
    (
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
        "pipeline.span_attribute_value_length_limit",
    ),
    (
        CORESDK_OTEL_CONTEXT_ACTIVATION,
        "pipeline.otel_context_activation",
    ),
    (
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
        "genai.capture_content",
    ),
    (CORESDK_PII_HASH_KEY, "pii.hash_key"),
    (CORESDK_LLM_EXPORT, "llm_export.enabled"),
    (CORESDK_LLM_ENDPOINT, "llm_export.endpoint"),
    (CORESDK_LLM_EGRESS_POLICY, "llm_export.policy_file"),
    (CORESDK_LLM_API_KEY, "llm_export.api_key"),
];

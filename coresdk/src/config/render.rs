//! Every configuration key with its resolved value and origin, for
//! `core config validate`. Secret values are redacted.

use std::fmt;

use super::error::Origin;
use super::keys::{KEYS, SECRET_KEYS};
use super::model::{
    Conventions, ExporterKind, KeepCondition, MessageFormat, OtlpProtocol, PiiAction, Propagator,
};
use super::redact::{redact_url, redact_url_text};
use super::settings::{Config, SamplerName};

/// Shown instead of a secret value.
pub const REDACTED: &str = "<redacted>";

/// One resolved configuration key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedValue {
    key: &'static str,
    value: String,
    origin: Origin,
}

impl ResolvedValue {
    /// The dotted key (`llm_export.endpoint`).
    pub fn key(&self) -> &'static str {
        self.key
    }
    /// The value as text (`<redacted>` for set secrets, `-` for unset values).
    pub fn value(&self) -> &str {
        &self.value
    }
    /// Where the value came from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

impl fmt::Display for ResolvedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}  ({})", self.key, self.value, self.origin)
    }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn action(a: PiiAction) -> &'static str {
    match a {
        PiiAction::Redact => "redact",
        PiiAction::Hash => "hash",
        PiiAction::Drop => "drop",
    }
}

impl Config {
    /// Every key the configuration knows, with its resolved value and origin,
    /// in the order of the file's blocks. Secrets are shown as `<redacted>`.
    pub fn resolved_values(&self) -> Vec<ResolvedValue> {
        KEYS.iter()
            .map(|&key| {
                let mut value = self.render_key(key);
                if SECRET_KEYS.contains(&key) && value != "-" && value != "{}" {
                    REDACTED.clone_into(&mut value);
                }
                ResolvedValue {
                    key,
                    value,
                    origin: self.origin(key),
                }
            })
            .collect()
    }

    fn render_key(&self, key: &str) -> String {
        let ms = |d: std::time::Duration| d.as_millis().to_string();
        let llm = &self.llm_export;
        match key {
            "service_name" => self.service_name.clone(),
            "service_version" => opt(self.service_version.as_deref()),
            "environment" => opt(self.environment.as_deref()),
            "sdk_disabled" => self.sdk_disabled.to_string(),
            "filter" => self.filter.clone(),
            "exporter" => match self.exporter {
                ExporterKind::Otlp => "otlp",
                ExporterKind::Stdout => "stdout",
                ExporterKind::None => "none",
            }
            .to_owned(),
            "socket" => self.socket.as_ref().map_or_else(
                || crate::egress::default_socket_path().display().to_string(),
                |p| p.display().to_string(),
            ),
            "otlp.endpoint" => opt(self.otlp.endpoint.as_ref().map(redact_url)),
            "otlp.traces_endpoint" => redact_url_text(&self.otlp.resolved_traces_endpoint()),
            "otlp.protocol" => match self.otlp.protocol {
                OtlpProtocol::Grpc => "grpc",
                OtlpProtocol::HttpProtobuf => "http/protobuf",
            }
            .to_owned(),
            "otlp.headers" => {
                if self.otlp.headers.is_empty() {
                    "{}".to_owned()
                } else {
                    let names: Vec<&str> =
                        self.otlp.headers.iter().map(|(k, _)| k.as_str()).collect();
                    format!("{{{}: {REDACTED}}}", names.join(", "))
                }
            }
            "otlp.timeout_ms" => ms(self.otlp.timeout),
            "otlp.max_message_bytes" => self.otlp.max_message_bytes.to_string(),
            "sampler.name" => match self.sampler_name {
                SamplerName::AlwaysOn => "always_on",
                SamplerName::AlwaysOff => "always_off",
                SamplerName::TraceIdRatio => "traceidratio",
                SamplerName::ParentBasedAlwaysOn => "parentbased_always_on",
                SamplerName::ParentBasedAlwaysOff => "parentbased_always_off",
                SamplerName::ParentBasedTraceIdRatio => "parentbased_traceidratio",
            }
            .to_owned(),
            "sampler.arg" => self.sampler_arg.to_string(),
            "metrics.enabled" => self.metrics.enabled.to_string(),
            "metrics.export_interval_ms" => ms(self.metrics.export_interval),
            "metrics.endpoint" => opt(self.metrics.endpoint.as_ref().map(redact_url)),
            "sampling.tail.enabled" => self.tail_sampling.enabled.to_string(),
            "sampling.tail.base_rate" => self.tail_sampling.base_rate.to_string(),
            "sampling.tail.latency_threshold_ms" => opt(self.tail_sampling.latency_threshold_ms),
            "sampling.tail.keep_if" => {
                let rules: Vec<String> = self
                    .tail_sampling
                    .keep_if
                    .iter()
                    .map(|r| match &r.condition {
                        KeepCondition::Exists => format!("{} exists", r.attribute),
                        KeepCondition::Equals(v) => format!("{} == {v}", r.attribute),
                        KeepCondition::GreaterThan(v) => format!("{} > {v}", r.attribute),
                        KeepCondition::LessThan(v) => format!("{} < {v}", r.attribute),
                    })
                    .collect();
                format!("[{}]", rules.join(", "))
            }
            "sampling.tail.decision_timeout_ms" => ms(self.tail_sampling.decision_timeout),
            "sampling.tail.max_traces" => self.tail_sampling.max_traces.to_string(),
            "pipeline.queue_size" => self.pipeline.queue_size.to_string(),
            "pipeline.batch_size" => self.pipeline.batch_size.to_string(),
            "pipeline.batch_delay_ms" => ms(self.pipeline.batch_delay),
            "pipeline.shutdown_timeout_ms" => ms(self.pipeline.shutdown_timeout),
            "pipeline.flush_timeout_ms" => ms(self.pipeline.flush_timeout),
            "pipeline.span_attribute_count_limit" => {
                self.pipeline.span_attribute_count_limit.to_string()
            }
            "pipeline.span_attribute_value_length_limit" => {
                self.pipeline.span_attribute_value_length_limit.to_string()
            }
            "pipeline.queue_max_bytes" => self.pipeline.queue_max_bytes.to_string(),
            "pipeline.otel_context_activation" => self.pipeline.otel_context_activation.to_string(),
            "genai.capture_content" => self.genai.capture_content.to_string(),
            "genai.content_max_chars" => self.genai.content_max_chars.to_string(),
            "genai.message_format" => match self.genai.message_format {
                MessageFormat::Indexed => "indexed",
                MessageFormat::Json => "json",
                MessageFormat::Both => "both",
            }
            .to_owned(),
            "genai.conventions" => match self.genai.conventions {
                Conventions::Compat => "compat",
                Conventions::Latest => "latest",
            }
            .to_owned(),
            "genai.openai.stream_include_usage" => {
                self.genai.openai_stream_include_usage.to_string()
            }
            "genai.pricing_file" => opt(self.genai.pricing_file.as_ref().map(|p| p.display())),
            "propagation.propagators" => {
                let names: Vec<&str> = self
                    .propagation
                    .propagators
                    .iter()
                    .map(|p| match p {
                        Propagator::TraceContext => "tracecontext",
                        Propagator::Baggage => "baggage",
                    })
                    .collect();
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(",")
                }
            }
            "propagation.baggage_keys" => format!("[{}]", self.propagation.baggage_keys.join(", ")),
            "pii.enabled" => self.pii.enabled.to_string(),
            "pii.rules" => {
                let names: Vec<&str> = self.pii.rules.iter().map(|r| r.name.as_str()).collect();
                format!("[{}]", names.join(", "))
            }
            "pii.keys" => {
                let keys: Vec<String> = self
                    .pii
                    .keys
                    .iter()
                    .map(|(k, a)| format!("{k}: {}", action(*a)))
                    .collect();
                format!("{{{}}}", keys.join(", "))
            }
            "pii.disabled_rules" => format!("[{}]", self.pii.disabled_builtins.join(", ")),
            "pii.hash_key" => opt(self.pii.hash_key.as_ref().map(|_| REDACTED)),
            "llm_export.enabled" => llm.enabled.to_string(),
            "llm_export.endpoint" => opt(llm.endpoint.as_ref().map(redact_url)),
            "llm_export.customer_egress_policy" => opt(llm.customer_egress_policy.as_deref()),
            "llm_export.policy_file" => opt(llm.policy_file.as_ref().map(|p| p.display())),
            "llm_export.max_payload_bytes" => llm.max_payload_bytes.to_string(),
            "llm_export.slow_threshold_ms" => opt(llm.slow_threshold_ms),
            "llm_export.model" => llm.model.clone(),
            "llm_export.api_key" => opt(llm.api_key.as_ref().map(|_| REDACTED)),
            "llm_export.allow_insecure_http" => llm.allow_insecure_http.to_string(),
            "llm_export.timeout_ms" => ms(llm.timeout),
            // A key added to `keys::KEYS` without a line here; the test below names it.
            _ => "?".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_rendered_with_origin_and_secrets_redacted() {
        let cfg = Config::builder()
            .without_env()
            .with_config_yaml(
                "service_name: orders-service\nllm_export:\n  api_key: sk-very-secret\n",
            )
            .with_env_vars([("CORESDK_LLM_EXPORT", "true")])
            .with_max_payload_bytes(4096)
            .build()
            .expect("valid");
        let values = cfg.resolved_values();
        assert_eq!(values.len(), KEYS.len());
        let get = |k: &str| {
            values
                .iter()
                .find(|v| v.key() == k)
                .cloned()
                .expect("key present")
        };
        let service = get("service_name");
        assert_eq!(service.value(), "orders-service");
        assert_eq!(
            service.to_string(),
            "service_name = orders-service  (<inline>:1)"
        );
        assert_eq!(
            get("llm_export.enabled").origin(),
            &Origin::Env("CORESDK_LLM_EXPORT")
        );
        assert_eq!(
            get("llm_export.max_payload_bytes").origin(),
            &Origin::Builder
        );
        assert_eq!(get("otlp.protocol").origin(), &Origin::Default);
        assert_eq!(get("llm_export.api_key").value(), REDACTED);
        let all: String = values.iter().map(ToString::to_string).collect();
        assert!(!all.contains("sk-very-secret"));
        let missing: Vec<&str> = values
            .iter()
            .filter(|v| v.value() == "?")
            .map(ResolvedValue::key)
            .collect();
        assert!(missing.is_empty(), "keys without a renderer: {missing:?}");
    }
}

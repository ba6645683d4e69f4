//! The table of configuration keys: how each dotted key is parsed and validated.
//!
//! File entries, environment variables and builder calls all end up here as
//! `(key, serde_json::Value, Origin)`, so a value is checked the same way
//! whichever layer it came from, and the error names the key and its origin.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::error::{ConfigError, Origin};
use super::model::{
    Conventions, ExporterKind, KeepCondition, KeepRule, MIN_MESSAGE_BYTES, MessageFormat,
    OtlpProtocol, PiiAction, PiiRule, PiiValidator, Propagator, Secret,
};
use super::settings::{Config, SamplerName};

/// Blocks of the file that hold further keys (flattened as `block.key`).
const SECTIONS: &[&str] = &[
    "otlp",
    "sampler",
    "metrics",
    "sampling",
    "sampling.tail",
    "pipeline",
    "genai",
    "genai.openai",
    "propagation",
    "pii",
    "llm_export",
];

/// Every leaf key the configuration accepts.
pub(crate) const KEYS: &[&str] = &[
    "service_name",
    "service_version",
    "environment",
    "sdk_disabled",
    "filter",
    "exporter",
    "socket",
    "otlp.endpoint",
    "otlp.traces_endpoint",
    "otlp.protocol",
    "otlp.headers",
    "otlp.timeout_ms",
    "otlp.max_message_bytes",
    "sampler.name",
    "sampler.arg",
    "metrics.enabled",
    "metrics.export_interval_ms",
    "metrics.endpoint",
    "sampling.tail.enabled",
    "sampling.tail.base_rate",
    "sampling.tail.latency_threshold_ms",
    "sampling.tail.keep_if",
    "sampling.tail.decision_timeout_ms",
    "sampling.tail.max_traces",
    "pipeline.queue_size",
    "pipeline.batch_size",
    "pipeline.batch_delay_ms",
    "pipeline.shutdown_timeout_ms",
    "pipeline.flush_timeout_ms",
    "pipeline.span_attribute_count_limit",
    "pipeline.span_attribute_value_length_limit",
    "pipeline.queue_max_bytes",
    "pipeline.otel_context_activation",
    "genai.capture_content",
    "genai.content_max_chars",
    "genai.message_format",
    "genai.conventions",
    "genai.openai.stream_include_usage",
    "genai.pricing_file",
    "propagation.propagators",
    "propagation.baggage_keys",
    "pii.enabled",
    "pii.rules",
    "pii.keys",
    "pii.disabled_rules",
    "pii.hash_key",
    "llm_export.enabled",
    "llm_export.endpoint",
    "llm_export.customer_egress_policy",
    "llm_export.policy_file",
    "llm_export.max_payload_bytes",
    "llm_export.slow_threshold_ms",
    "llm_export.model",
    "llm_export.api_key",
    "llm_export.allow_insecure_http",
    "llm_export.timeout_ms",
];

/// Keys whose values are secrets: never echoed in errors or `config validate`.
pub(crate) const SECRET_KEYS: &[&str] = &["otlp.headers", "pii.hash_key", "llm_export.api_key"];

pub(crate) fn is_section(key: &str) -> bool {
    SECTIONS.contains(&key)
}

/// A value with the context needed to report a problem with it.
pub(crate) struct Raw<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: &'a Value,
    pub(crate) origin: &'a Origin,
}

impl Raw<'_> {
    fn invalid(&self, reason: impl Into<String>) -> ConfigError {
        ConfigError::InvalidValue {
            key: self.key.to_owned(),
            origin: self.origin.clone(),
            reason: reason.into(),
        }
    }

    /// Environment values are always text; YAML values must have the right type.
    fn lenient(&self) -> bool {
        matches!(self.origin, Origin::Env(_))
    }

    fn shown(&self) -> String {
        if SECRET_KEYS.contains(&self.key) {
            return "<redacted>".to_owned();
        }
        let mut text = match self.value {
            Value::String(s) => format!("`{s}`"),
            other => other.to_string(),
        };
        if text.len() > 80 {
            let mut cut = 77;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("...");
        }
        text
    }

    fn string(&self) -> Result<String, ConfigError> {
        match self.value {
            Value::String(s) => Ok(s.clone()),
            _ => Err(self.invalid(format!("expected a string, got {}", self.shown()))),
        }
    }

    fn non_empty_string(&self) -> Result<String, ConfigError> {
        let s = self.string()?;
        if s.trim().is_empty() {
            return Err(self.invalid("must not be empty"));
        }
        Ok(s)
    }

    fn bool(&self) -> Result<bool, ConfigError> {
        match self.value {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if self.lenient() => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(self.invalid(format!("expected true or false, got {}", self.shown()))),
            },
            _ => Err(self.invalid(format!("expected true or false, got {}", self.shown()))),
        }
    }

    fn u64(&self) -> Result<u64, ConfigError> {
        let parsed = match self.value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) if self.lenient() => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.invalid(format!(
                "expected a non-negative whole number, got {}",
                self.shown()
            ))
        })
    }

    fn u64_in(&self, min: u64, max: u64) -> Result<u64, ConfigError> {
        let n = self.u64()?;
        if n < min || n > max {
            return Err(self.invalid(format!("{n} is out of range {min}..={max}")));
        }
        Ok(n)
    }

    fn f64(&self) -> Result<f64, ConfigError> {
        let parsed = match self.value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) if self.lenient() => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        parsed
            .filter(|f| f.is_finite())
            .ok_or_else(|| self.invalid(format!("expected a number, got {}", self.shown())))
    }

    fn url(&self) -> Result<Url, ConfigError> {
        let s = self.non_empty_string()?;
        // An endpoint may carry credentials (`https://user:token@host`): never echo them.
        let shown = if SECRET_KEYS.contains(&self.key) {
            "<redacted>".to_owned()
        } else {
            format!("`{}`", super::redact::redact_url_text(s.trim()))
        };
        let url = Url::parse(s.trim())
            .map_err(|e| self.invalid(format!("{shown} is not a valid URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(self.invalid(format!(
                "{shown} must use http or https, not `{}`",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(self.invalid(format!("{shown} has no host")));
        }
        Ok(url)
    }

    fn millis(&self, max: u64) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.u64_in(0, max)?))
    }

    fn one_of<T: Copy>(&self, choices: &[(&str, T)]) -> Result<T, ConfigError> {
        let s = self.string()?;
        let wanted = s.trim().to_ascii_lowercase();
        choices
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                self.invalid(format!(
                    "{} is not one of: {}",
                    self.shown(),
                    names.join(", ")
                ))
            })
    }

    fn string_list(&self) -> Result<Vec<String>, ConfigError> {
        match self.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    other => Err(self.invalid(format!("item {i}: expected a string, got {other}"))),
                })
                .collect(),
            Value::String(s) if self.lenient() => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()),
            _ => Err(self.invalid(format!("expected a list of strings, got {}", self.shown()))),
        }
    }
}

/// Applies one value to the configuration.
pub(crate) fn apply(cfg: &mut Config, raw: &Raw<'_>) -> Result<(), ConfigError> {
    match raw.key {
        "service_name" => cfg.service_name = raw.non_empty_string()?,
        "service_version" => cfg.service_version = optional_string(raw)?,
        "environment" => cfg.environment = optional_string(raw)?,
        "sdk_disabled" => cfg.sdk_disabled = raw.bool()?,
        "filter" => cfg.filter = filter(raw)?,
        "exporter" => {
            cfg.exporter = raw.one_of(&[
                ("otlp", ExporterKind::Otlp),
                ("stdout", ExporterKind::Stdout),
                ("console", ExporterKind::Stdout),
                ("none", ExporterKind::None),
            ])?;
        }
        "socket" => cfg.socket = optional_string(raw)?.map(PathBuf::from),
        "otlp.endpoint" => cfg.otlp.endpoint = optional_url(raw)?,
        "otlp.traces_endpoint" => cfg.otlp.traces_endpoint = optional_url(raw)?,
        "otlp.protocol" => {
            cfg.otlp.protocol = raw.one_of(&[
                ("grpc", OtlpProtocol::Grpc),
                ("http/protobuf", OtlpProtocol::HttpProtobuf),
            ])?;
        }
        "otlp.headers" => cfg.otlp.headers = headers(raw)?,
        "otlp.timeout_ms" => cfg.otlp.timeout = non_zero_millis(raw, 600_000)?,
        "otlp.max_message_bytes" => {
            cfg.otlp.max_message_bytes = raw.u64_in(MIN_MESSAGE_BYTES, 1 << 30)? as usize;
        }
        "sampler.name" => {
            cfg.sampler_name = raw.one_of(&[
                ("always_on", SamplerName::AlwaysOn),
                ("always_off", SamplerName::AlwaysOff),
                ("traceidratio", SamplerName::TraceIdRatio),
                ("parentbased_always_on", SamplerName::ParentBasedAlwaysOn),
                ("parentbased_always_off", SamplerName::ParentBasedAlwaysOff),
                (
                    "parentbased_traceidratio",
                    SamplerName::ParentBasedTraceIdRatio,
                ),
            ])?;
        }
        "sampler.arg" => {
            let ratio = raw.f64()?;
            if !(0.0..=1.0).contains(&ratio) {
                return Err(raw.invalid(format!("{ratio} is not a ratio between 0 and 1")));
            }
            cfg.sampler_arg = ratio;
        }
        "metrics.enabled" => cfg.metrics.enabled = raw.bool()?,
        "metrics.export_interval_ms" => {
            cfg.metrics.export_interval = non_zero_millis(raw, 86_400_000)?;
        }
        "metrics.endpoint" => cfg.metrics.endpoint = optional_url(raw)?,
        "sampling.tail.enabled" => cfg.tail_sampling.enabled = raw.bool()?,
        "sampling.tail.base_rate" => {
            let rate = raw.f64()?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(raw.invalid(format!("{rate} is not a rate between 0 and 1")));
            }
            cfg.tail_sampling.base_rate = rate;
        }
        "sampling.tail.latency_threshold_ms" => {
            cfg.tail_sampling.latency_threshold_ms = match raw.value {
                Value::Null => None,
                _ => Some(raw.u64_in(1, u64::from(u32::MAX))?),
            };
        }
        "sampling.tail.keep_if" => cfg.tail_sampling.keep_if = keep_rules(raw)?,
        "sampling.tail.decision_timeout_ms" => {
            cfg.tail_sampling.decision_timeout = non_zero_millis(raw, 3_600_000)?;
        }
        "sampling.tail.max_traces" => {
            cfg.tail_sampling.max_traces = raw.u64_in(1, 1 << 24)? as usize;
        }
        "pipeline.queue_size" => cfg.pipeline.queue_size = raw.u64_in(1, 1 << 20)? as usize,
        "pipeline.batch_size" => cfg.pipeline.batch_size = raw.u64_in(1, 1 << 16)? as usize,
        "pipeline.batch_delay_ms" => cfg.pipeline.batch_delay = non_zero_millis(raw, 600_000)?,
        "pipeline.shutdown_timeout_ms" => {
            cfg.pipeline.shutdown_timeout = raw.millis(600_000)?;
        }
        "pipeline.flush_timeout_ms" => {
            cfg.pipeline.flush_timeout = raw.millis(600_000)?;
        }
        "pipeline.span_attribute_count_limit" => {
            cfg.pipeline.span_attribute_count_limit = raw.u64_in(1, 1 << 16)? as u32;
        }
        "pipeline.span_attribute_value_length_limit" => {
            cfg.pipeline.span_attribute_value_length_limit = raw.u64_in(1, 1 << 30)? as u32;
        }
        "pipeline.queue_max_bytes" => {
            cfg.pipeline.queue_max_bytes = raw.u64_in(1 << 10, 1 << 40)? as usize;
        }
        "pipeline.otel_context_activation" => {
            cfg.pipeline.otel_context_activation = raw.bool()?;
        }
        "genai.capture_content" => cfg.genai.capture_content = capture_content(raw)?,
        "genai.content_max_chars" => {
            cfg.genai.content_max_chars = raw.u64_in(1, 1 << 24)? as usize;
        }
        "genai.message_format" => {
            cfg.genai.message_format = raw.one_of(&[
                ("indexed", MessageFormat::Indexed),
                ("json", MessageFormat::Json),
                ("both", MessageFormat::Both),
            ])?;
        }
        "genai.conventions" => {
            cfg.genai.conventions = raw.one_of(&[
                ("compat", Conventions::Compat),
                ("latest", Conventions::Latest),
            ])?;
        }
        "genai.openai.stream_include_usage" => {
            cfg.genai.openai_stream_include_usage = raw.bool()?;
        }
        "genai.pricing_file" => {
            cfg.genai.pricing_file = optional_string(raw)?.map(PathBuf::from);
        }
        "propagation.propagators" => cfg.propagation.propagators = propagators(raw)?,
        "propagation.baggage_keys" => cfg.propagation.baggage_keys = baggage_keys(raw)?,
        "pii.enabled" => cfg.pii.enabled = raw.bool()?,
        "pii.rules" => cfg.pii.rules = pii_rules(raw)?,
        "pii.keys" => cfg.pii.keys = pii_keys(raw)?,
        "pii.disabled_rules" => cfg.pii.disabled_builtins = raw.string_list()?,
        "pii.hash_key" => cfg.pii.hash_key = optional_string(raw)?.map(Secret),
        "llm_export.enabled" => cfg.llm_export.enabled = raw.bool()?,
        "llm_export.endpoint" => cfg.llm_export.endpoint = optional_url(raw)?,
        "llm_export.customer_egress_policy" => {
            let policy = optional_string(raw)?;
            if let Some(p) = &policy {
                validate_package(raw, p)?;
            }
            cfg.llm_export.customer_egress_policy = policy;
        }
        "llm_export.policy_file" => {
            cfg.llm_export.policy_file = optional_string(raw)?.map(PathBuf::from);
        }
        "llm_export.max_payload_bytes" => {
            cfg.llm_export.max_payload_bytes = raw.u64_in(512, 1 << 20)? as usize;
        }
        "llm_export.slow_threshold_ms" => {
            cfg.llm_export.slow_threshold_ms = match raw.value {
                Value::Null => None,
                _ => Some(raw.u64_in(1, u64::from(u32::MAX))?),
            };
        }
        "llm_export.model" => cfg.llm_export.model = raw.non_empty_string()?,
        "llm_export.api_key" => cfg.llm_export.api_key = optional_string(raw)?.map(Secret),
        "llm_export.allow_insecure_http" => cfg.llm_export.allow_insecure_http = raw.bool()?,
        "llm_export.timeout_ms" => cfg.llm_export.timeout = non_zero_millis(raw, 600_000)?,
        unknown => {
            return Err(ConfigError::UnknownKey {
                key: unknown.to_owned(),
                origin: raw.origin.clone(),
                suggestion: suggest(unknown),
            });
        }
    }
    Ok(())
}

fn optional_string(raw: &Raw<'_>) -> Result<Option<String>, ConfigError> {
    if raw.value.is_null() {
        return Ok(None);
    }
    let s = raw.string()?;
    Ok((!s.trim().is_empty()).then(|| s.trim().to_owned()))
}

/// An empty string (or null) means "unset", as in the seed's `endpoint: ""`.
fn optional_url(raw: &Raw<'_>) -> Result<Option<Url>, ConfigError> {
    match raw.value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        _ => raw.url().map(Some),
    }
}

fn non_zero_millis(raw: &Raw<'_>, max: u64) -> Result<Duration, ConfigError> {
    Ok(Duration::from_millis(raw.u64_in(1, max)?))
}

/// A `tracing-subscriber` `EnvFilter` directive list, checked here so a typo
/// is a config error naming the key rather than a filter that lets nothing
/// (or everything) through.
fn filter(raw: &Raw<'_>) -> Result<String, ConfigError> {
    let text = raw.non_empty_string()?;
    tracing_subscriber::EnvFilter::builder()
        .parse(text.trim())
        .map_err(|e| raw.invalid(format!("{} is not a filter: {e}", raw.shown())))?;
    Ok(text.trim().to_owned())
}

/// A list of names: a YAML list, or comma-separated text (as environment
/// variables give them); empty entries are skipped.
fn name_list(raw: &Raw<'_>) -> Result<Vec<String>, ConfigError> {
    Ok(match raw.value {
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => raw.string_list()?,
    })
}

/// `tracecontext`, `baggage` (a list, or comma-separated text), or `none`.
fn propagators(raw: &Raw<'_>) -> Result<Vec<Propagator>, ConfigError> {
    let names = name_list(raw)?;
    let mut out = Vec::new();
    for name in names {
        match name.to_ascii_lowercase().as_str() {
            "tracecontext" => out.push(Propagator::TraceContext),
            "baggage" => out.push(Propagator::Baggage),
            "none" => return Ok(Vec::new()),
            other => {
                return Err(raw.invalid(format!(
                    "propagator `{other}` is not one of: tracecontext, baggage, none"
                )));
            }
        }
    }
    out.dedup();
    Ok(out)
}

fn baggage_keys(raw: &Raw<'_>) -> Result<Vec<String>, ConfigError> {
    let keys = name_list(raw)?;
    for key in &keys {
        if !crate::context::KEYS.contains(&key.as_str()) {
            return Err(raw.invalid(format!(
                "`{key}` is not an application context key (expected one of: {})",
                crate::context::KEYS.join(", ")
            )));
        }
    }
    Ok(keys)
}

fn capture_content(raw: &Raw<'_>) -> Result<bool, ConfigError> {
    if let Value::String(s) = raw.value {
        // The OTel GenAI instrumentations accept these modes; we record content
        // on spans, so every mode but NO_CONTENT turns capture on.
        match s.trim().to_ascii_uppercase().as_str() {
            "SPAN_ONLY" | "SPAN_AND_EVENT" | "EVENT_ONLY" => return Ok(true),
            "NO_CONTENT" => return Ok(false),
            _ => {}
        }
    }
    raw.bool().map_err(|_| {
        raw.invalid(format!(
            "expected true, false, SPAN_ONLY, SPAN_AND_EVENT, EVENT_ONLY or NO_CONTENT, got {}",
            raw.shown()
        ))
    })
}

fn headers(raw: &Raw<'_>) -> Result<Vec<(String, String)>, ConfigError> {
    let pairs: Vec<(String, String)> = match raw.value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(raw.invalid(format!("header `{k}` must have a string value"))),
            })
            .collect::<Result<_, _>>()?,
        // W3C-baggage-like list: `k1=v1,k2=v2`, values percent-encoded.
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (k, v) = item.split_once('=').ok_or_else(|| {
                    raw.invalid("expected `name=value` pairs separated by commas")
                })?;
                Ok((k.trim().to_owned(), percent_decode(v.trim())))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(raw.invalid("expected a map of header names to values")),
    };
    for (name, value) in &pairs {
        http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| raw.invalid(format!("`{name}` is not a valid header name")))?;
        http::HeaderValue::from_str(value)
            .map_err(|_| raw.invalid(format!("the value of header `{name}` is not valid")))?;
    }
    Ok(pairs
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect())
}

/// `%XX` escapes decoded; invalid escapes are kept as written, invalid
/// UTF-8 replaced (the OTel spec leaves both to the implementation).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn pii_action(raw: &Raw<'_>, s: &str, what: &str) -> Result<PiiAction, ConfigError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "redact" => Ok(PiiAction::Redact),
        "hash" => Ok(PiiAction::Hash),
        "drop" => Ok(PiiAction::Drop),
        other => Err(raw.invalid(format!(
            "{what}: action `{other}` is not one of: redact, hash, drop"
        ))),
    }
}

fn pii_keys(raw: &Raw<'_>) -> Result<Vec<(String, PiiAction)>, ConfigError> {
    let Value::Object(map) = raw.value else {
        return Err(raw.invalid("expected a map of key globs to actions (redact, hash, drop)"));
    };
    map.iter()
        .map(|(glob, v)| {
            let Value::String(action) = v else {
                return Err(raw.invalid(format!("`{glob}`: expected an action string")));
            };
            Ok((glob.clone(), pii_action(raw, action, &format!("`{glob}`"))?))
        })
        .collect()
}

fn pii_rules(raw: &Raw<'_>) -> Result<Vec<PiiRule>, ConfigError> {
    let Value::Array(items) = raw.value else {
        return Err(raw.invalid("expected a list of rules"));
    };
    let mut rules = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(raw.invalid(format!("rule {i}: expected a mapping")));
        };
        let field = |name: &str| obj.get(name).and_then(Value::as_str);
        let Some(name) = field("name").filter(|n| !n.trim().is_empty()) else {
            return Err(raw.invalid(format!("rule {i}: `name` is required")));
        };
        let what = format!("rule `{name}`");
        for key in obj.keys() {
            if !["name", "regex", "action", "validator", "keys"].contains(&key.as_str()) {
                return Err(raw.invalid(format!(
                    "{what}: unknown field `{key}` (expected name, regex, action, validator, keys)"
                )));
            }
        }
        let Some(pattern) = field("regex") else {
            return Err(raw.invalid(format!("{what}: `regex` is required")));
        };
        regex::Regex::new(pattern)
            .map_err(|e| raw.invalid(format!("{what}: invalid regex: {e}")))?;
        let mut rule = PiiRule::new(name, pattern);
        if let Some(action) = obj.get("action") {
            let action = action
                .as_str()
                .ok_or_else(|| raw.invalid(format!("{what}: `action` must be a string")))?;
            rule.action = pii_action(raw, action, &what)?;
        }
        if let Some(v) = obj.get("validator") {
            rule.validator = match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("luhn") => Some(PiiValidator::Luhn),
                Some("mod97") => Some(PiiValidator::Mod97),
                _ => {
                    return Err(
                        raw.invalid(format!("{what}: `validator` must be `luhn` or `mod97`"))
                    );
                }
            };
        }
        if let Some(keys) = obj.get("keys") {
            let Value::Array(globs) = keys else {
                return Err(raw.invalid(format!("{what}: `keys` must be a list of globs")));
            };
            rule.keys = globs
                .iter()
                .map(|g| {
                    g.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| raw.invalid(format!("{what}: `keys` must hold strings")))
                })
                .collect::<Result<_, _>>()?;
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn keep_rules(raw: &Raw<'_>) -> Result<Vec<KeepRule>, ConfigError> {
    let Value::Array(items) = raw.value else {
        return Err(raw.invalid(
            "expected a list of rules such as `{ attribute: user.tier, equals: enterprise }`",
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(obj) = item else {
                return Err(raw.invalid(format!("rule {i}: expected a mapping")));
            };
            let Some(attribute) = obj.get("attribute").and_then(Value::as_str) else {
                return Err(raw.invalid(format!("rule {i}: `attribute` is required")));
            };
            let conditions: Vec<_> = obj.iter().filter(|(k, _)| *k != "attribute").collect();
            let [(op, value)] = conditions.as_slice() else {
                return Err(raw.invalid(format!(
                    "rule {i}: give exactly one of equals, exists, greater_than, less_than"
                )));
            };
            let number = |v: &Value| {
                v.as_f64()
                    .ok_or_else(|| raw.invalid(format!("rule {i}: `{op}` needs a number")))
            };
            let condition = match op.as_str() {
                "equals" => KeepCondition::Equals(match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
                "exists" if *value == &Value::Bool(true) => KeepCondition::Exists,
                "greater_than" => KeepCondition::GreaterThan(number(value)?),
                "less_than" => KeepCondition::LessThan(number(value)?),
                other => {
                    return Err(raw.invalid(format!(
                        "rule {i}: unknown condition `{other}` (expected equals, exists: true, \
                         greater_than, less_than)"
                    )));
                }
            };
            Ok(KeepRule::new(attribute, condition))
        })
        .collect()
}

/// `acme/llm` (or `acme.llm`): Rego package path segments.
fn validate_package(raw: &Raw<'_>, package: &str) -> Result<(), ConfigError> {
    let ok = package.split(['/', '.']).all(|seg| {
        !seg.is_empty()
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !seg.starts_with(|c: char| c.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        Err(raw.invalid(format!(
            "{} is not a Rego package path such as `acme/llm`",
            raw.shown()
        )))
    }
}

/// The closest known key by edit distance, if it is close enough to be a typo.
fn suggest(unknown: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("Bearer%20abc"), "Bearer abc");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("otlp.endpont"), Some("otlp.endpoint"));
        assert_eq!(suggest("completely.different"), None);
    }
}

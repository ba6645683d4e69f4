//! Configuration: builder, `coresdk-sidecar.yaml`, environment overrides.
//!
//! Precedence, highest first: [`ConfigBuilder`] calls > environment variables >
//! the YAML file > defaults. See [`Config`].

mod env;
mod error;
mod keys;
mod model;
mod notice;
mod redact;
mod render;
mod settings;
mod yaml;

pub use env::*;
pub use error::{ConfigError, Origin};
pub use model::DEFAULT_MAX_MESSAGE_BYTES;
pub use model::{
    Conventions, ExporterKind, GenAiConfig, KeepCondition, KeepRule, LlmExportConfig,
    MessageFormat, MetricsConfig, OtlpConfig, OtlpProtocol, PiiAction, PiiConfig, PiiRule,
    PiiValidator, PipelineConfig, PropagationConfig, Propagator, SamplerConfig, Secret,
    TailSamplingConfig,
};
pub use notice::ConfigNotice;
pub use redact::{redact_url, redact_url_text};
pub use render::{REDACTED, ResolvedValue};
pub use settings::{
    Config, ConfigBuilder, DEFAULT_CONFIG_FILE, DEFAULT_FILTER, DEFAULT_SERVICE_NAME,
};

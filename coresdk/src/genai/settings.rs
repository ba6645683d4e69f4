//! Run-time GenAI settings (content capture, truncation, message format,
//! pricing), installed once by the pipeline setup and read by every recorder.

use std::sync::{Arc, LazyLock, PoisonError, RwLock};

use crate::config::{Conventions, GenAiConfig, MessageFormat};

use super::pricing::{ModelPrice, PricingTable};
use super::pricing_file::PricingFileError;

/// Default of [`GenAiSettings::content_max_chars`].
pub const DEFAULT_CONTENT_MAX_CHARS: usize = 4000;

/// How GenAI spans are recorded. Built from the `genai` config block with
/// [`GenAiSettings::from_config`] or by hand with [`GenAiSettings::builder`].
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct GenAiSettings {
    pub(crate) capture_content: bool,
    pub(crate) content_max_chars: usize,
    pub(crate) message_format: MessageFormat,
    pub(crate) conventions: Conventions,
    pub(crate) openai_stream_include_usage: bool,
    pub(crate) pricing: PricingTable,
}

impl Default for GenAiSettings {
    fn default() -> Self {
        Self {
            capture_content: false,
            content_max_chars: DEFAULT_CONTENT_MAX_CHARS,
            message_format: MessageFormat::Indexed,
            conventions: Conventions::Compat,
            openai_stream_include_usage: false,
            pricing: PricingTable::builtin(),
        }
    }
}

impl GenAiSettings {
    /// A builder starting from the defaults (no content, 4000 chars, indexed, built-in prices).
    pub fn builder() -> GenAiSettingsBuilder {
        GenAiSettingsBuilder {
            settings: Self::default(),
        }
    }

    /// Settings from the resolved `genai` config block, with the built-in prices.
    pub fn from_config(config: &GenAiConfig) -> Self {
        Self {
            capture_content: config.capture_content(),
            content_max_chars: config.content_max_chars(),
            message_format: config.message_format(),
            conventions: config.conventions(),
            openai_stream_include_usage: config.openai_stream_include_usage(),
            pricing: PricingTable::builtin(),
        }
    }

    /// Settings from the resolved `genai` config block, with the prices of
    /// `genai.pricing_file` (if set) merged over the built-in ones.
    pub fn try_from_config(config: &GenAiConfig) -> Result<Self, PricingFileError> {
        Ok(Self {
            pricing: super::pricing_file::pricing_from_config(config)?,
            ..Self::from_config(config)
        })
    }

    /// Whether message content and tool-call arguments are recorded.
    pub fn capture_content(&self) -> bool {
        self.capture_content
    }
    /// Content longer than this many characters is truncated.
    pub fn content_max_chars(&self) -> usize {
        self.content_max_chars
    }
    /// Layout of message attributes as configured; see
    /// [`effective_message_format`](Self::effective_message_format).
    pub fn message_format(&self) -> MessageFormat {
        self.message_format
    }
    /// Which GenAI semantic conventions spans follow.
    pub fn conventions(&self) -> Conventions {
        self.conventions
    }
    /// Whether spans follow the latest experimental conventions only.
    pub fn latest_conventions(&self) -> bool {
        self.conventions == Conventions::Latest
    }
    /// The layout messages are written in: JSON under the latest
    /// conventions, the configured format otherwise.
    pub fn effective_message_format(&self) -> MessageFormat {
        if self.latest_conventions() {
            MessageFormat::Json
        } else {
            self.message_format
        }
    }
    /// Whether traced OpenAI chat streams ask for a final usage chunk
    /// (`stream_options.include_usage`).
    pub fn openai_stream_include_usage(&self) -> bool {
        self.openai_stream_include_usage
    }
    /// The model prices behind `llm.cost_usd`.
    pub fn pricing(&self) -> &PricingTable {
        &self.pricing
    }

    /// A builder starting from these settings.
    pub fn to_builder(&self) -> GenAiSettingsBuilder {
        GenAiSettingsBuilder {
            settings: self.clone(),
        }
    }
}

/// Builder of [`GenAiSettings`].
#[derive(Debug, Clone)]
#[must_use]
pub struct GenAiSettingsBuilder {
    settings: GenAiSettings,
}

impl GenAiSettingsBuilder {
    /// Record message content and tool-call arguments (default `false`).
    pub fn with_capture_content(mut self, capture: bool) -> Self {
        self.settings.capture_content = capture;
        self
    }
    /// Truncate content beyond this many characters (default 4000; at least 1).
    pub fn with_content_max_chars(mut self, chars: usize) -> Self {
        self.settings.content_max_chars = chars.max(1);
        self
    }
    /// Message attribute layout (default [`MessageFormat::Indexed`]).
    pub fn with_message_format(mut self, format: MessageFormat) -> Self {
        self.settings.message_format = format;
        self
    }
    /// Which GenAI semantic conventions spans follow (default [`Conventions::Compat`]).
    pub fn with_conventions(mut self, conventions: Conventions) -> Self {
        self.settings.conventions = conventions;
        self
    }
    /// Ask traced OpenAI chat streams for a final usage chunk (default `false`).
    pub fn with_openai_stream_include_usage(mut self, include: bool) -> Self {
        self.settings.openai_stream_include_usage = include;
        self
    }
    /// Adds or overrides one model's price.
    pub fn with_price(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        self.settings.pricing = self.settings.pricing.with_price(model, price);
        self
    }
    /// Replaces the whole pricing table.
    pub fn with_pricing(mut self, pricing: PricingTable) -> Self {
        self.settings.pricing = pricing;
        self
    }
    /// The settings.
    pub fn build(self) -> GenAiSettings {
        self.settings
    }
}

static DEFAULT: LazyLock<Arc<GenAiSettings>> = LazyLock::new(|| Arc::new(GenAiSettings::default()));
static INSTALLED: RwLock<Option<Arc<GenAiSettings>>> = RwLock::new(None);

/// Installs the process-wide GenAI settings every instrumented client reads
/// at call time. `coresdk::instrument()` calls this with the `genai` config
/// block; call it again to change settings at run time.
pub fn set_settings(settings: GenAiSettings) {
    *INSTALLED.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(settings));
}

/// The installed GenAI settings, or the defaults when none were installed.
pub fn settings() -> Arc<GenAiSettings> {
    INSTALLED
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map_or_else(|| Arc::clone(&DEFAULT), Arc::clone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_and_config_agree_on_defaults() {
        let from_cfg = GenAiSettings::from_config(&GenAiConfig::default());
        assert_eq!(from_cfg, GenAiSettings::builder().build());
        assert!(!from_cfg.capture_content());
        assert_eq!(from_cfg.content_max_chars(), 4000);
        assert_eq!(from_cfg.message_format(), MessageFormat::Indexed);
    }

    #[test]
    fn builder_overrides_prices() {
        let s = GenAiSettings::builder()
            .with_capture_content(true)
            .with_content_max_chars(0)
            .with_message_format(MessageFormat::Both)
            .with_price("acme", ModelPrice::new(1.0, 1.0))
            .build();
        assert!(s.capture_content());
        assert_eq!(s.content_max_chars(), 1);
        assert!(s.pricing().price("acme").is_some());
        assert!(s.pricing().price("gpt-4o").is_some());
    }
}

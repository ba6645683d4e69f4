//! [`check_config`]: every check `instrument()` makes on a configuration,
//! without starting anything. `core config validate` runs it, so the tool
//! fails exactly where setup would.

use crate::config::Config;
use crate::pipeline::diagnostic::EgressSetup;
use crate::pipeline::pii::PiiMasker;
use crate::setup::SetupError;

/// Checks `config` the way [`instrument_with`](crate::instrument_with) does
/// before it starts the pipeline: the PII rules (when masking is on), the
/// egress policy file and its package, and the external LLM endpoint. The
/// configuration's own values were checked when it was built.
///
/// ```
/// let config = coresdk::Config::builder()
///     .without_env()
///     .without_config_file()
///     .with_llm_export(true)
///     .with_config_yaml("llm_export:\n  customer_egress_policy: acme/llm\n")
///     .build()?;
/// let err = coresdk::check_config(&config).expect_err("no policy file");
/// assert!(err.to_string().contains("no policy file is set"), "{err}");
/// # Ok::<(), coresdk::ConfigError>(())
/// ```
pub fn check_config(config: &Config) -> Result<(), SetupError> {
    if config.pii().enabled() {
        PiiMasker::from_config(config.pii())?;
    }
    EgressSetup::from_config(config)?;
    Ok(())
}

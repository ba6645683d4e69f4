//! Notices about a valid configuration: things that work, but not the way a
//! user may expect. `core config validate` prints them; setup reports each
//! once per process on stderr.

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use super::env::{CORESDK_PII_HASH_KEY, GEN_AI_LATEST_EXPERIMENTAL, OTEL_SEMCONV_STABILITY_OPT_IN};
use super::error::Origin;
use super::model::{Conventions, MessageFormat};
use super::settings::Config;

/// Something about a valid configuration worth saying once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigNotice {
    /// PII masking hashes values (`user.id` by default) with a key made up
    /// for this process: the same user gets a different hash in every
    /// process and after every restart.
    EphemeralHashKey,
    /// `OTEL_SEMCONV_STABILITY_OPT_IN` holds values no domain defines
    /// (a typo of `gen_ai_latest_experimental`, say): they are ignored.
    UnknownSemconvOptIn(Vec<String>),
    /// `genai.message_format` was set, but the latest conventions write JSON
    /// messages only: the setting has no effect.
    MessageFormatUnderLatest,
}

impl fmt::Display for ConfigNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigNotice::EphemeralHashKey => write!(
                f,
                "pii.hash_key is not set: hashed values such as user.id change per process \
                 and restart; set {CORESDK_PII_HASH_KEY} (the same in every process) to keep \
                 them stable"
            ),
            ConfigNotice::UnknownSemconvOptIn(values) => write!(
                f,
                "{OTEL_SEMCONV_STABILITY_OPT_IN}: `{}` not recognised, ignored (GenAI spans \
                 switch to the latest conventions with `{GEN_AI_LATEST_EXPERIMENTAL}`)",
                values.join("`, `")
            ),
            ConfigNotice::MessageFormatUnderLatest => write!(
                f,
                "genai.message_format has no effect with genai.conventions = latest: the \
                 latest conventions write JSON messages only (use compat with \
                 message_format both to write both layouts)"
            ),
        }
    }
}

/// One flag per notice: reported once per process however many pipelines start.
static EPHEMERAL_HASH_KEY_REPORTED: AtomicBool = AtomicBool::new(false);
static UNKNOWN_OPT_IN_REPORTED: AtomicBool = AtomicBool::new(false);
static MESSAGE_FORMAT_REPORTED: AtomicBool = AtomicBool::new(false);

impl ConfigNotice {
    /// Writes the notice to stderr, the first time in this process only.
    pub(crate) fn report_once(&self) {
        let flag = match self {
            ConfigNotice::EphemeralHashKey => &EPHEMERAL_HASH_KEY_REPORTED,
            ConfigNotice::UnknownSemconvOptIn(_) => &UNKNOWN_OPT_IN_REPORTED,
            ConfigNotice::MessageFormatUnderLatest => &MESSAGE_FORMAT_REPORTED,
        };
        if !flag.swap(true, Ordering::Relaxed) {
            // Not through `tracing`: the subscriber is being set up.
            let _ = writeln!(std::io::stderr().lock(), "coresdk: note: {self}");
        }
    }
}

impl Config {
    /// What is worth knowing about this configuration although it is valid.
    pub fn notices(&self) -> Vec<ConfigNotice> {
        let mut notices = Vec::new();
        if self.pii().enabled() && self.pii().hash_key().is_none() {
            notices.push(ConfigNotice::EphemeralHashKey);
        }
        let genai = self.genai();
        if !genai.unknown_opt_in.is_empty() {
            notices.push(ConfigNotice::UnknownSemconvOptIn(
                genai.unknown_opt_in.clone(),
            ));
        }
        if genai.conventions() == Conventions::Latest
            && genai.message_format() != MessageFormat::Json
            && self.origin("genai.message_format") != Origin::Default
        {
            notices.push(ConfigNotice::MessageFormatUnderLatest);
        }
        notices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_hash_key_is_noticed_and_named() {
        let without = Config::builder()
            .without_config_file()
            .without_env()
            .build()
            .expect("valid");
        assert_eq!(without.notices(), [ConfigNotice::EphemeralHashKey]);
        assert!(
            without.notices()[0]
                .to_string()
                .contains(CORESDK_PII_HASH_KEY)
        );
        let with = Config::builder()
            .without_config_file()
            .without_env()
            .with_pii_hash_key("k")
            .build()
            .expect("valid");
        assert!(with.notices().is_empty());
    }

    fn from_env(vars: &[(&str, &str)]) -> Config {
        Config::builder()
            .without_config_file()
            .with_env_vars(
                vars.iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect::<Vec<_>>(),
            )
            .with_pii_hash_key("k")
            .build()
            .expect("valid")
    }

    #[test]
    fn the_opt_in_list_is_parsed_and_unknown_values_are_reported() {
        let cfg = from_env(&[(
            OTEL_SEMCONV_STABILITY_OPT_IN,
            " http/dup, GEN_AI_LATEST_EXPERIMENTAL ,,gen_ai_latest_experimentl",
        )]);
        assert_eq!(cfg.genai().conventions(), Conventions::Latest);
        assert_eq!(
            cfg.origin("genai.conventions"),
            Origin::Env(OTEL_SEMCONV_STABILITY_OPT_IN)
        );
        let notices = cfg.notices();
        assert_eq!(
            notices,
            [ConfigNotice::UnknownSemconvOptIn(vec![
                "gen_ai_latest_experimentl".to_owned()
            ])]
        );
        assert!(
            notices[0]
                .to_string()
                .contains("`gen_ai_latest_experimentl`")
        );
    }

    #[test]
    fn other_domains_opt_ins_leave_the_conventions_alone() {
        let cfg = from_env(&[(OTEL_SEMCONV_STABILITY_OPT_IN, "http,database/dup")]);
        assert_eq!(cfg.genai().conventions(), Conventions::Compat);
        assert_eq!(cfg.origin("genai.conventions"), Origin::Default);
        assert!(cfg.notices().is_empty());
    }

    #[test]
    fn a_message_format_set_under_latest_is_noticed() {
        let cfg = Config::builder()
            .without_config_file()
            .without_env()
            .with_pii_hash_key("k")
            .with_conventions(Conventions::Latest)
            .with_message_format(MessageFormat::Both)
            .build()
            .expect("valid");
        assert_eq!(cfg.notices(), [ConfigNotice::MessageFormatUnderLatest]);
        let json = Config::builder()
            .without_config_file()
            .without_env()
            .with_pii_hash_key("k")
            .with_conventions(Conventions::Latest)
            .build()
            .expect("valid");
        assert!(json.notices().is_empty());
    }
}

//! Notices about a valid configuration: things that work, but not the way a
//! user may expect. `core config validate` prints them; setup reports each
//! once per process on stderr.

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use super::env::CORESDK_PII_HASH_KEY;
use super::settings::Config;

/// Something about a valid configuration worth saying once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigNotice {
    /// PII masking hashes values (`user.id` by default) with a key made up
    /// for this process: the same user gets a different hash in every
    /// process and after every restart.
    EphemeralHashKey,
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
        }
    }
}

/// One flag per notice: reported once per process however many pipelines start.
static EPHEMERAL_HASH_KEY_REPORTED: AtomicBool = AtomicBool::new(false);

impl ConfigNotice {
    /// Writes the notice to stderr, the first time in this process only.
    pub(crate) fn report_once(self) {
        let flag = match self {
            ConfigNotice::EphemeralHashKey => &EPHEMERAL_HASH_KEY_REPORTED,
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
}

//! Errors raised while resolving configuration.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from.
///
/// Used both in error messages (so a bad value can be found and fixed) and in
/// `core config validate`, which prints the origin of every resolved value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// The built-in default.
    Default,
    /// A line of a YAML configuration file.
    File {
        /// Path of the file (`<inline>` for YAML given as a string).
        path: PathBuf,
        /// 1-based line of the key.
        line: usize,
    },
    /// An environment variable.
    Env(&'static str),
    /// A `ConfigBuilder::with_*` call in code.
    Builder,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::Builder => f.write_str("builder"),
        }
    }
}

/// A configuration problem: every variant names the key and where it came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid YAML.
    #[error("{}:{line}:{column}: invalid YAML: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
        /// What the YAML parser reported.
        message: String,
    },
    /// A key that CoreSDK does not know (a typo, or a key of a newer version).
    #[error("{origin}: unknown key `{key}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownKey {
        /// The dotted key path, e.g. `otlp.endpont`.
        key: String,
        /// Where it was found.
        origin: Origin,
        /// The closest known key, when one is close.
        suggestion: Option<&'static str>,
    },
    /// A known key with a value of the wrong type or out of range.
    #[error("{origin}: invalid value for `{key}`: {reason}")]
    InvalidValue {
        /// The dotted key path, e.g. `otlp.endpoint`.
        key: String,
        /// Where the value came from.
        origin: Origin,
        /// Why it was rejected, including the offending value where it is not secret.
        reason: String,
    },
}

impl ConfigError {
    /// The dotted key this error is about, when it is about one key.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey { key, .. } | ConfigError::InvalidValue { key, .. } => {
                Some(key)
            }
            ConfigError::Io { .. } | ConfigError::Yaml { .. } => None,
        }
    }

    /// Where the offending value came from, when known.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            ConfigError::UnknownKey { origin, .. } | ConfigError::InvalidValue { origin, .. } => {
                Some(origin)
            }
            ConfigError::Io { .. } | ConfigError::Yaml { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_key_file_and_line() {
        let err = ConfigError::InvalidValue {
            key: "otlp.endpoint".into(),
            origin: Origin::File {
                path: "coresdk-sidecar.yaml".into(),
                line: 7,
            },
            reason: "not a URL".into(),
        };
        assert_eq!(
            err.to_string(),
            "coresdk-sidecar.yaml:7: invalid value for `otlp.endpoint`: not a URL"
        );
        let err = ConfigError::UnknownKey {
            key: "otlp.endpont".into(),
            origin: Origin::Env("X"),
            suggestion: Some("otlp.endpoint"),
        };
        assert_eq!(
            err.to_string(),
            "env X: unknown key `otlp.endpont` (did you mean `otlp.endpoint`?)"
        );
    }
}

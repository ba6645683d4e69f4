//! The customer egress policy: a Rego package evaluated with `regorus` before a
//! diagnostic payload may leave the host.
//!
//! `llm_export.customer_egress_policy` names the package (`acme/llm` →
//! `data.acme.llm.allow`), `llm_export.policy_file` / `CORESDK_LLM_EGRESS_POLICY`
//! the `.rego` file. Problems with the file are setup errors ([`PolicyError`]);
//! at run time anything but a boolean `true` denies.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The rule every egress policy must define.
pub const ALLOW_RULE: &str = "allow";

/// A problem with an egress policy file, found when it is loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read egress policy {}: {source}", path.display())]
    Io {
        /// The policy file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid Rego (neither v1 nor v0 syntax).
    #[error("{}:{line}:{column}: invalid Rego: {message}", path.display())]
    Parse {
        /// The policy file.
        path: PathBuf,
        /// 1-based line of the error (0 if regorus did not say).
        line: usize,
        /// 1-based column of the error (0 if regorus did not say).
        column: usize,
        /// What the Rego parser reported.
        message: String,
    },
    /// The file declares another package than the configured one.
    #[error("{}:{line}: policy declares package `{found}`, but `{expected}` is configured (llm_export.customer_egress_policy)", path.display())]
    WrongPackage {
        /// The policy file.
        path: PathBuf,
        /// Line of the `package` declaration.
        line: usize,
        /// The configured package, dotted (`acme.llm`).
        expected: String,
        /// The package the file declares.
        found: String,
    },
    /// The package has no `allow` rule.
    #[error("{}:{line}: package `{package}` defines no `{rule}` rule", path.display())]
    MissingRule {
        /// The policy file.
        path: PathBuf,
        /// Line of the `package` declaration.
        line: usize,
        /// The package, dotted.
        package: String,
        /// The missing rule (`allow`).
        rule: &'static str,
    },
    /// The configured package name is not a Rego package path.
    #[error("`{package}` is not a Rego package path such as `acme/llm`")]
    InvalidPackage {
        /// The configured value.
        package: String,
    },
    /// The input document is not valid JSON (e.g. for `core policy test`).
    #[error("{}: input is not valid JSON: {source}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// The result of evaluating the policy on one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    /// Whether egress is allowed.
    pub allow: bool,
    /// Why: `allow = true`, `allow = false`, or the evaluation problem.
    pub reason: String,
}

/// A loaded, validated egress policy.
#[derive(Clone)]
pub struct EgressPolicy {
    engine: regorus::Engine,
    /// `acme/llm`, as configured (used in payloads and logs).
    name: String,
    /// `data.acme.llm.allow`.
    query: String,
    path: PathBuf,
}

impl fmt::Debug for EgressPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EgressPolicy")
            .field("name", &self.name)
            .field("query", &self.query)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl EgressPolicy {
    /// Reads and validates `path`. `package` is the configured package
    /// (`acme/llm` or `acme.llm`); `None` takes the file's own package.
    pub fn load(path: &Path, package: Option<&str>) -> Result<Self, PolicyError> {
        let source = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_source(path, &source, package)
    }

    /// Validates Rego `source`, reported as coming from `path`.
    pub fn from_source(
        path: &Path,
        source: &str,
        package: Option<&str>,
    ) -> Result<Self, PolicyError> {
        let name = path.to_string_lossy().into_owned();
        // Rego v1 first (regorus' default, and what OPA 1.x expects); policies
        // written for OPA 0.x (`allow { … }` without `if`) still load as v0.
        let mut engine = regorus::Engine::new();
        let declared = match engine.add_policy(name.clone(), source.to_owned()) {
            Ok(pkg) => pkg,
            Err(v1_err) => {
                let mut v0 = regorus::Engine::new();
                v0.set_rego_v0(true);
                match v0.add_policy(name.clone(), source.to_owned()) {
                    Ok(pkg) => {
                        engine = v0;
                        pkg
                    }
                    Err(_) => return Err(parse_error(path, &v1_err.to_string())),
                }
            }
        };
        let declared = declared
            .strip_prefix("data.")
            .unwrap_or(&declared)
            .to_owned();
        let package_line = package_line(source);
        let dotted = match package {
            Some(p) => {
                let dotted = p.replace('/', ".");
                let valid = dotted.split('.').all(|seg| {
                    !seg.is_empty()
                        && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && !seg.starts_with(|c: char| c.is_ascii_digit())
                });
                if !valid {
                    return Err(PolicyError::InvalidPackage {
                        package: p.to_owned(),
                    });
                }
                if dotted != declared {
                    return Err(PolicyError::WrongPackage {
                        path: path.to_owned(),
                        line: package_line,
                        expected: dotted,
                        found: declared,
                    });
                }
                dotted
            }
            None => declared,
        };
        let has_allow = engine
            .has_declared_rule_rooted_at(&name, ALLOW_RULE)
            .unwrap_or(false);
        if !has_allow {
            return Err(PolicyError::MissingRule {
                path: path.to_owned(),
                line: package_line,
                package: dotted,
                rule: ALLOW_RULE,
            });
        }
        Ok(Self {
            engine,
            name: package.map_or_else(|| dotted.replace('.', "/"), str::to_owned),
            query: format!("data.{dotted}.{ALLOW_RULE}"),
            path: path.to_owned(),
        })
    }

    /// The policy's name as written in payloads (`acme/llm`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The query evaluated (`data.acme.llm.allow`).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The policy file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Evaluates the policy on `input`. An evaluation error, an undefined rule
    /// or a non-boolean result denies.
    pub fn evaluate(&mut self, input: &Value) -> PolicyDecision {
        let deny = |reason: String| PolicyDecision {
            allow: false,
            reason,
        };
        let input = match regorus::Value::from_json_str(&input.to_string()) {
            Ok(v) => v,
            Err(e) => return deny(format!("input could not be converted: {e}")),
        };
        self.engine.set_input(input);
        let results = match self.engine.eval_query(self.query.clone(), false) {
            Ok(r) => r,
            Err(e) => return deny(format!("evaluation error: {}", one_line(&e.to_string()))),
        };
        let mut values = results
            .result
            .iter()
            .flat_map(|r| r.expressions.iter().map(|e| &e.value));
        match (values.next(), values.next()) {
            (None, _) => deny(format!("{} is undefined", self.query)),
            (Some(_), Some(_)) => deny(format!("{} produced more than one value", self.query)),
            (Some(regorus::Value::Bool(true)), None) => PolicyDecision {
                allow: true,
                reason: format!("{} = true", self.query),
            },
            (Some(regorus::Value::Bool(false)), None) => deny(format!("{} = false", self.query)),
            (Some(other), None) => deny(format!(
                "{} is not a boolean: {}",
                self.query,
                other.to_json_str().unwrap_or_else(|_| "?".to_owned())
            )),
        }
    }

    /// Every rule value of the package for `input`, as JSON (for `core policy test`).
    pub fn package_values(&mut self, input: &Value) -> Option<Value> {
        let input = regorus::Value::from_json_str(&input.to_string()).ok()?;
        self.engine.set_input(input);
        let package = self
            .query
            .strip_suffix(&format!(".{ALLOW_RULE}"))?
            .to_owned();
        let results = self.engine.eval_query(package, false).ok()?;
        let value = &results.result.first()?.expressions.first()?.value;
        serde_json::from_str(&value.to_json_str().ok()?).ok()
    }
}

/// `package acme.llm` line (1-based), or 1.
fn package_line(source: &str) -> usize {
    source
        .lines()
        .position(|l| l.trim_start().starts_with("package "))
        .map_or(1, |i| i + 1)
}

/// Turns regorus' "--> file:line:col … error: msg" into a [`PolicyError::Parse`].
fn parse_error(path: &Path, text: &str) -> PolicyError {
    let (mut line, mut column) = (0, 0);
    if let Some(at) = text.find("--> ") {
        let location = text[at + 4..].lines().next().unwrap_or_default();
        let mut parts = location.rsplitn(3, ':');
        column = parts
            .next()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(0);
        line = parts
            .next()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
    }
    let message = text
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .map_or_else(|| one_line(text), |m| m.trim().to_owned());
    PolicyError::Parse {
        path: path.to_owned(),
        line,
        column,
        message,
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy of seed 000, verbatim.
    pub(crate) const SEED_POLICY: &str = r#"package acme.llm

import future.keywords.if

default allow = false

# Only export LLM diagnostics for errors — not slow-but-successful spans
allow if {
    input.error.status >= 500
    not contains(input.service, "payment") # payment service exports nothing externally
}
"#;

    fn seed() -> EgressPolicy {
        EgressPolicy::from_source(Path::new("acme_llm.rego"), SEED_POLICY, Some("acme/llm"))
            .expect("seed policy loads")
    }

    #[allow(clippy::needless_pass_by_value)]
    fn input(service: &str, status: Value) -> Value {
        serde_json::json!({
            "sdk_version": "0.1.0",
            "service": service,
            "error": {"type": "about:blank", "title": "t", "status": status, "detail": null},
            "call_chain": [],
            "egress_policy": "acme/llm",
        })
    }

    #[test]
    fn seed_policy_allows_server_errors() {
        let mut p = seed();
        assert_eq!(p.query(), "data.acme.llm.allow");
        let d = p.evaluate(&input("orders-service", 504.into()));
        assert!(d.allow, "{d:?}");
        assert_eq!(d.reason, "data.acme.llm.allow = true");
    }

    #[test]
    fn seed_policy_denies_client_errors_and_payment() {
        let mut p = seed();
        assert!(!p.evaluate(&input("orders-service", 404.into())).allow);
        let d = p.evaluate(&input("payment-service", 503.into()));
        assert!(!d.allow);
        assert_eq!(d.reason, "data.acme.llm.allow = false");
        // A slow-span payload has no status: the default applies.
        assert!(!p.evaluate(&input("orders-service", Value::Null)).allow);
    }

    #[test]
    fn v0_policy_loads() {
        let src = "package acme.llm\n\ndefault allow = false\n\nallow {\n  input.error.status >= 500\n}\n";
        let mut p = EgressPolicy::from_source(Path::new("v0.rego"), src, Some("acme/llm"))
            .expect("v0 syntax is accepted");
        assert!(p.evaluate(&input("orders", 500.into())).allow);
    }

    #[test]
    fn malformed_policy_names_file_and_line() {
        let src = "package acme.llm\n\nallow if {\n  input.x ==\n}\n";
        let err = EgressPolicy::from_source(Path::new("bad.rego"), src, Some("acme/llm"))
            .expect_err("must not load");
        let PolicyError::Parse { line, column, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!((*line, *column), (5, 1));
        assert_eq!(
            err.to_string(),
            "bad.rego:5:1: invalid Rego: expecting expression"
        );
    }

    #[test]
    fn missing_allow_rule_is_a_setup_error() {
        let src = "package acme.llm\n\ndeny if input.error.status >= 500\n";
        let err = EgressPolicy::from_source(Path::new("norule.rego"), src, Some("acme/llm"))
            .expect_err("must not load");
        assert!(
            matches!(err, PolicyError::MissingRule { line: 1, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "norule.rego:1: package `acme.llm` defines no `allow` rule"
        );
    }

    #[test]
    fn wrong_package_is_a_setup_error() {
        let err = EgressPolicy::from_source(Path::new("p.rego"), SEED_POLICY, Some("other/pkg"))
            .expect_err("must not load");
        assert_eq!(
            err.to_string(),
            "p.rego:1: policy declares package `acme.llm`, but `other.pkg` is configured (llm_export.customer_egress_policy)"
        );
    }

    #[test]
    fn runtime_error_denies() {
        let src = "package acme.llm\n\nallow if input.error.status / 0 > 1\n";
        let mut p =
            EgressPolicy::from_source(Path::new("rt.rego"), src, Some("acme/llm")).expect("loads");
        let d = p.evaluate(&input("orders", 500.into()));
        assert!(!d.allow);
        assert!(d.reason.starts_with("evaluation error:"), "{}", d.reason);
        // A type error inside a builtin is an error too.
        let mut s = seed();
        let d = s.evaluate(
            &input("x", 500.into()).as_object().map_or(Value::Null, |m| {
                let mut m = m.clone();
                m.insert("service".into(), 5.into());
                Value::Object(m)
            }),
        );
        assert!(!d.allow, "{d:?}");
    }

    #[test]
    fn non_boolean_and_undefined_deny() {
        let src = "package acme.llm\n\nallow := \"yes\"\n";
        let mut p = EgressPolicy::from_source(Path::new("nb.rego"), src, None).expect("loads");
        let d = p.evaluate(&input("orders", 500.into()));
        assert!(!d.allow);
        assert_eq!(d.reason, "data.acme.llm.allow is not a boolean: \"yes\"");
        // No default: undefined when the body fails.
        let src = "package acme.llm\n\nallow if input.error.status >= 500\n";
        let mut p = EgressPolicy::from_source(Path::new("u.rego"), src, None).expect("loads");
        let d = p.evaluate(&input("orders", 400.into()));
        assert!(!d.allow);
        assert_eq!(d.reason, "data.acme.llm.allow is undefined");
        assert_eq!(p.name(), "acme/llm");
    }
}

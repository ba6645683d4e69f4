//! `core config validate` runs exactly what setup checks: for every setup
//! error it exits non-zero with the same message, and it accepts what setup
//! accepts.

use std::path::Path;
use std::process::Command;

use crate::common::{CORE, SEED_POLICY};
use coresdk::Config;

/// The outcome of `core config validate --config <file>`: exit code and stderr.
fn validate(file: &Path) -> (Option<i32>, String) {
    let out = Command::new(CORE)
        .args(["config", "validate", "--config"])
        .arg(file)
        .env_clear()
        .output()
        .expect("run core");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The outcome of setting the pipeline up from the same file.
fn setup(file: &Path) -> Result<(), String> {
    let config = Config::builder()
        .without_env()
        .with_config_file(file)
        .build()
        .map_err(|e| e.to_string())?;
    let (_layer, guard) =
        coresdk::layer::<tracing_subscriber::Registry>(config).map_err(|e| e.to_string())?;
    guard.shutdown().map_err(|e| e.to_string())
}

#[test]
fn validate_fails_exactly_where_setup_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("acme_llm.rego");
    std::fs::write(&good, SEED_POLICY).expect("policy");
    let broken = dir.path().join("broken.rego");
    std::fs::write(
        &broken,
        "package acme.llm\n\nallow if {\n  input.error.status >=\n",
    )
    .expect("policy");
    let no_allow = dir.path().join("no_allow.rego");
    std::fs::write(&no_allow, "package acme.llm\n\ndeny := true\n").expect("policy");
    let missing = dir.path().join("missing.rego");
    let a_directory = dir.path().join("policies");
    std::fs::create_dir(&a_directory).expect("dir");

    let head = "service_name: parity\nexporter: none\n";
    let egress = |package: &str, file: Option<&Path>| {
        let mut yaml =
            format!("{head}llm_export:\n  enabled: true\n  customer_egress_policy: {package}\n");
        if let Some(f) = file {
            yaml = format!("{yaml}  policy_file: \"{}\"\n", f.display());
        }
        yaml
    };
    let cases: Vec<(&str, String, bool)> = vec![
        ("seed policy", egress("acme/llm", Some(&good)), true),
        ("no egress", head.to_owned(), true),
        (
            "package without a policy file",
            egress("acme/llm", None),
            false,
        ),
        (
            "missing policy file",
            egress("acme/llm", Some(&missing)),
            false,
        ),
        (
            "unreadable policy file",
            egress("acme/llm", Some(&a_directory)),
            false,
        ),
        (
            "policy syntax error",
            egress("acme/llm", Some(&broken)),
            false,
        ),
        (
            "package not in the file",
            egress("other/pkg", Some(&good)),
            false,
        ),
        (
            "policy without allow",
            egress("acme/llm", Some(&no_allow)),
            false,
        ),
        (
            "invalid PII regex",
            format!("{head}pii:\n  rules:\n    - name: bad\n      regex: \"(unclosed\"\n"),
            false,
        ),
        (
            "unknown disabled rule",
            format!("{head}pii:\n  disabled_rules: [no_such_rule]\n"),
            false,
        ),
        (
            "plain http to a remote LLM",
            format!(
                "{head}llm_export:\n  enabled: true\n  endpoint: \"http://llm.example.com/v1\"\n"
            ),
            false,
        ),
        (
            "unknown key",
            format!("{head}llm_exprt:\n  enabled: true\n"),
            false,
        ),
        ("YAML syntax", format!("{head}pii: [\n"), false),
    ];
    for (i, (name, yaml, ok)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("case{i}.yaml"));
        std::fs::write(&file, yaml).expect("config");
        let (code, stderr) = validate(&file);
        let setup = setup(&file);
        assert_eq!(setup.is_ok(), *ok, "{name}: setup said {setup:?}");
        if *ok {
            assert_eq!(code, Some(0), "{name}: validate said {stderr}");
        } else {
            assert_eq!(code, Some(2), "{name}: validate said {stderr}");
            let message = setup.expect_err("failed");
            assert!(
                stderr.contains(&message),
                "{name}: validate and setup disagree:\n  validate: {stderr}\n  setup:    {message}"
            );
        }
    }
}

//! Configuration: precedence, file/env/builder parsing, and one test per kind of
//! bad value, each checking the error names the key (and line, for the file).

use std::time::Duration;

use coresdk::config::{
    ConfigError, Conventions, ExporterKind, MessageFormat, OTEL_SEMCONV_STABILITY_OPT_IN, Origin,
    OtlpProtocol, PiiAction, SamplerConfig,
};
use coresdk::{Config, ConfigBuilder};

fn base() -> ConfigBuilder {
    Config::builder().without_env().without_config_file()
}

fn env_err(var: &str, value: &str) -> ConfigError {
    Config::builder()
        .without_config_file()
        .with_env_vars([(var, value)])
        .build()
        .expect_err(&format!("{var}={value} must be rejected"))
}

fn yaml_err(yaml: &str) -> ConfigError {
    base()
        .with_config_yaml(yaml)
        .build()
        .expect_err(&format!("must be rejected:\n{yaml}"))
}

#[test]
fn defaults() {
    let c = base().build().expect("defaults");
    assert_eq!(c.service_name(), "unknown_service");
    assert_eq!(c.exporter(), ExporterKind::Otlp);
    assert_eq!(c.otlp().protocol(), OtlpProtocol::Grpc);
    assert_eq!(c.otlp().resolved_traces_endpoint(), "http://localhost:4317");
    assert_eq!(c.sampler(), SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(c.pipeline().span_attribute_count_limit(), 512);
    assert_eq!(c.pipeline().queue_size(), 8192);
    assert!(!c.genai().capture_content());
    assert_eq!(c.genai().content_max_chars(), 4000);
    assert_eq!(c.genai().message_format(), MessageFormat::Indexed);
    assert!(c.pii().enabled());
    assert!(!c.llm_export().enabled());
    assert_eq!(c.llm_export().max_payload_bytes(), 8192);
    assert_eq!(c.origin("service_name"), Origin::Default);
}

#[test]
fn full_sidecar_file() {
    let yaml = r#"
service_name: orders-service
service_version: "2.1.0"
environment: staging
exporter: otlp
otlp: { endpoint: "http://127.0.0.1:4317", protocol: grpc, timeout_ms: 2500, headers: { authorization: "Bearer abc" } }
sampler: { name: parentbased_traceidratio, arg: 0.25 }
pipeline: { queue_size: 4096, batch_size: 256, batch_delay_ms: 200 }
genai: { capture_content: true, content_max_chars: 1000, message_format: both }
pii:
  enabled: true
  rules:
    - { name: order_id, regex: "ORD-[0-9]{6}", action: hash }
  keys: { "customer.*": redact }
llm_export:
  enabled: true
  endpoint: ""
  customer_egress_policy: "acme/llm"
  policy_file: "policies/acme_llm.rego"
  max_payload_bytes: 4096
"#;
    let c = base().with_config_yaml(yaml).build().expect("valid file");
    assert_eq!(c.service_name(), "orders-service");
    assert_eq!(c.service_version(), Some("2.1.0"));
    assert_eq!(c.environment(), Some("staging"));
    assert_eq!(c.otlp().timeout(), Duration::from_millis(2500));
    assert_eq!(
        c.otlp().headers(),
        &[("authorization".to_owned(), "Bearer abc".to_owned())]
    );
    assert_eq!(c.sampler(), SamplerConfig::ParentBasedTraceIdRatio(0.25));
    assert_eq!(c.pipeline().batch_delay(), Duration::from_millis(200));
    assert!(c.genai().capture_content());
    assert_eq!(c.genai().message_format(), MessageFormat::Both);
    assert_eq!(c.pii().rules()[0].name(), "order_id");
    assert_eq!(c.pii().rules()[0].action(), PiiAction::Hash);
    assert_eq!(
        c.pii().keys(),
        &[("customer.*".to_owned(), PiiAction::Redact)]
    );
    assert!(c.llm_export().enabled());
    assert!(
        c.llm_export().endpoint().is_none(),
        "empty endpoint = local only"
    );
    assert_eq!(c.llm_export().customer_egress_policy(), Some("acme/llm"));
    assert_eq!(c.llm_export().max_payload_bytes(), 4096);
    assert_eq!(
        c.origin("genai.message_format"),
        Origin::File {
            path: "<inline>".into(),
            line: 9
        }
    );
}

#[test]
fn precedence_builder_over_env_over_file_over_default() {
    let yaml = "service_name: from-file\nenvironment: file-env\nservice_version: \"1\"\n";
    let c = Config::builder()
        .with_config_yaml(yaml)
        .with_env_vars([
            ("OTEL_SERVICE_NAME", "from-env"),
            ("CORESDK_ENVIRONMENT", "env-env"),
        ])
        .with_service_name("from-builder")
        .build()
        .expect("config");
    assert_eq!(c.service_name(), "from-builder");
    assert_eq!(c.origin("service_name"), Origin::Builder);
    assert_eq!(c.environment(), Some("env-env"));
    assert_eq!(c.origin("environment"), Origin::Env("CORESDK_ENVIRONMENT"));
    assert_eq!(c.service_version(), Some("1"));
    assert!(matches!(
        c.origin("service_version"),
        Origin::File { line: 3, .. }
    ));
    assert_eq!(c.origin("exporter"), Origin::Default);
}

#[test]
fn config_file_from_coresdk_config_env() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("custom.yaml");
    std::fs::write(&path, "service_name: via-env-path\n").expect("write");
    let c = Config::builder()
        .with_env_vars([("CORESDK_CONFIG", path.to_string_lossy().into_owned())])
        .build()
        .expect("config");
    assert_eq!(c.service_name(), "via-env-path");
    assert_eq!(c.file(), Some(path.as_path()));

    let missing = dir.path().join("missing.yaml");
    let err = Config::builder()
        .with_env_vars([("CORESDK_CONFIG", missing.to_string_lossy().into_owned())])
        .build()
        .expect_err("missing file");
    assert!(matches!(err, ConfigError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing.yaml"), "{err}");
}

#[test]
fn otlp_endpoint_rules_follow_the_spec() {
    let http = |vars: &[(&str, &str)]| {
        Config::builder()
            .without_config_file()
            .with_env_vars(vars.iter().copied())
            .build()
            .expect("config")
            .otlp()
            .resolved_traces_endpoint()
    };
    assert_eq!(
        http(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
        ]),
        "http://collector:4318/v1/traces"
    );
    assert_eq!(
        http(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/base/")
        ]),
        "http://collector:4318/base/v1/traces"
    );
    assert_eq!(
        http(&[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://other:9999/custom"
            )
        ]),
        "http://other:9999/custom"
    );
    assert_eq!(
        http(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]),
        "http://localhost:4318/v1/traces"
    );
    assert_eq!(
        http(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")]),
        "http://collector:4317/"
    );
}

#[test]
fn env_values_are_parsed() {
    let c = Config::builder()
        .without_config_file()
        .with_env_vars([
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.1"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1024"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "1500"),
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "SPAN_ONLY",
            ),
            ("CORESDK_LLM_EXPORT", "true"),
            (
                "CORESDK_LLM_ENDPOINT",
                "http://127.0.0.1:8080/v1/chat/completions",
            ),
            ("OTEL_TRACES_EXPORTER", "console"),
            ("OTEL_SERVICE_NAME", ""), // empty = unset
        ])
        .build()
        .expect("config");
    assert_eq!(c.sampler(), SamplerConfig::TraceIdRatio(0.1));
    assert_eq!(c.pipeline().span_attribute_count_limit(), 1024);
    assert_eq!(c.pipeline().queue_size(), 100);
    assert_eq!(c.pipeline().batch_size(), 10);
    assert_eq!(c.pipeline().batch_delay(), Duration::from_millis(250));
    assert_eq!(c.otlp().timeout(), Duration::from_millis(1500));
    assert!(c.genai().capture_content());
    assert!(c.llm_export().enabled());
    assert!(c.llm_export().endpoint().is_some());
    assert_eq!(c.exporter(), ExporterKind::Stdout);
    assert_eq!(c.service_name(), "unknown_service");
}

fn assert_names(err: &ConfigError, key: &str, origin_text: &str) {
    assert_eq!(err.key(), Some(key), "{err}");
    let text = err.to_string();
    assert!(text.contains(key), "error must name `{key}`: {text}");
    assert!(
        text.contains(origin_text),
        "error must name `{origin_text}`: {text}"
    );
}

#[test]
fn bad_env_values_name_their_variable_and_key() {
    let cases = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "otlp.endpoint"),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "ftp://host:21",
            "otlp.endpoint",
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://",
            "otlp.traces_endpoint",
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "otlp.protocol"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization",
            "otlp.headers",
        ),
        ("OTEL_EXPORTER_OTLP_HEADERS", "bad header=x", "otlp.headers"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "otlp.timeout_ms"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "0", "otlp.timeout_ms"),
        ("OTEL_TRACES_SAMPLER", "sometimes", "sampler.name"),
        ("OTEL_TRACES_SAMPLER_ARG", "1.5", "sampler.arg"),
        ("OTEL_TRACES_SAMPLER_ARG", "half", "sampler.arg"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "-1", "pipeline.queue_size"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0", "pipeline.queue_size"),
        ("OTEL_BSP_SCHEDULE_DELAY", "soon", "pipeline.batch_delay_ms"),
        (
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
            "lots",
            "pipeline.span_attribute_count_limit",
        ),
        ("OTEL_TRACES_EXPORTER", "zipkin", "exporter"),
        (
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "maybe",
            "genai.capture_content",
        ),
        ("CORESDK_LLM_EXPORT", "yes please", "llm_export.enabled"),
        (
            "CORESDK_LLM_ENDPOINT",
            "http://llm.example.com/v1",
            "llm_export.endpoint",
        ),
    ];
    for (var, value, key) in cases {
        let err = env_err(var, value);
        assert_names(&err, key, &format!("env {var}"));
    }
}

#[test]
fn bad_file_values_name_key_and_line() {
    let cases = [
        (
            "service_name: orders\notlp:\n  endpoint: 42\n",
            "otlp.endpoint",
            3,
        ),
        (
            "otlp:\n  protocol: grpc\n  endpont: \"http://x\"\n",
            "otlp.endpont",
            3,
        ),
        ("exporter: kafka\n", "exporter", 1),
        (
            "pipeline:\n  queue_size: \"big\"\n",
            "pipeline.queue_size",
            2,
        ),
        (
            "pipeline:\n  queue_size: 10\n  batch_size: 20\n",
            "pipeline.batch_size",
            3,
        ),
        (
            "genai:\n  content_max_chars: -5\n",
            "genai.content_max_chars",
            2,
        ),
        (
            "genai:\n  capture_content: \"sometimes\"\n",
            "genai.capture_content",
            2,
        ),
        ("genai:\n  message_format: xml\n", "genai.message_format", 2),
        ("genai:\n  conventions: newest\n", "genai.conventions", 2),
        (
            "genai:\n  openai: { stream_include_usage: maybe }\n",
            "genai.openai.stream_include_usage",
            2,
        ),
        (
            "sampler: { name: traceidratio, arg: 2 }\n",
            "sampler.arg",
            1,
        ),
        ("pii:\n  enabled: 1\n", "pii.enabled", 2),
        (
            "pii:\n  rules:\n    - { name: broken, regex: \"([a-z\" }\n",
            "pii.rules",
            2,
        ),
        ("pii:\n  rules:\n    - { regex: \"x\" }\n", "pii.rules", 2),
        ("pii:\n  keys: { \"user.*\": scramble }\n", "pii.keys", 2),
        (
            "llm_export:\n  max_payload_bytes: 10\n",
            "llm_export.max_payload_bytes",
            2,
        ),
        (
            "llm_export:\n  customer_egress_policy: \"acme llm\"\n",
            "llm_export.customer_egress_policy",
            2,
        ),
        (
            "llm_export:\n  enabled: true\n  colour: red\n",
            "llm_export.colour",
            3,
        ),
        ("surprise: true\n", "surprise", 1),
    ];
    for (yaml, key, line) in cases {
        let err = yaml_err(yaml);
        assert_names(&err, key, &format!("<inline>:{line}"));
    }
}

#[test]
fn yaml_syntax_errors_have_a_line() {
    let err = yaml_err("service_name: a\notlp: { endpoint: \"x\"\n");
    assert!(matches!(err, ConfigError::Yaml { .. }), "{err}");
    assert!(err.to_string().starts_with("<inline>:"), "{err}");
}

#[test]
fn typos_get_a_suggestion() {
    let err = yaml_err("otlp:\n  endpont: \"http://x\"\n");
    assert!(
        err.to_string().contains("did you mean `otlp.endpoint`"),
        "{err}"
    );
}

#[test]
fn secrets_are_not_echoed() {
    let err = env_err(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "authorization=Bearer\u{7f}secret",
    );
    assert!(!err.to_string().contains("secret"), "{err}");
    let c = Config::builder()
        .without_config_file()
        .with_env_vars([("CORESDK_LLM_API_KEY", "sk-very-secret")])
        .build()
        .expect("config");
    assert!(!format!("{c:?}").contains("sk-very-secret"));
}

#[test]
fn bad_builder_values_are_errors_too() {
    let err = base()
        .with_otlp_endpoint("nope")
        .build()
        .expect_err("bad url");
    assert_names(&err, "otlp.endpoint", "builder");
    let err = base().with_queue_size(0).build().expect_err("zero queue");
    assert_names(&err, "pipeline.queue_size", "builder");
    let err = base()
        .with_sampler(SamplerConfig::TraceIdRatio(f64::NAN))
        .build()
        .expect_err("NaN ratio");
    assert_names(&err, "sampler.arg", "builder");
    let err = base()
        .with_pii_rule(coresdk::config::PiiRule::new("bad", "(unclosed"))
        .build()
        .expect_err("bad regex");
    assert!(err.to_string().contains("rule `bad`"), "{err}");
}

#[test]
fn tail_sampling_block() {
    let yaml = "sampling:\n  tail:\n    enabled: true\n    base_rate: 0.2\n    latency_threshold_ms: 500\n    keep_if:\n      - { attribute: user.tier, equals: enterprise }\n      - { attribute: llm.cost_usd, greater_than: 0.5 }\n";
    let c = base().with_config_yaml(yaml).build().expect("valid");
    let tail = c.tail_sampling();
    assert!(tail.enabled());
    assert!((tail.base_rate() - 0.2).abs() < f64::EPSILON);
    assert_eq!(tail.latency_threshold(), Some(Duration::from_millis(500)));
    assert_eq!(tail.keep_if().len(), 2);
    assert_eq!(
        tail.keep_if()[0].condition(),
        &coresdk::config::KeepCondition::Equals("enterprise".into())
    );

    let err = yaml_err("sampling:\n  tail:\n    keep_if:\n      - { attribute: a, matches: b }\n");
    assert_names(&err, "sampling.tail.keep_if", "<inline>:3");
    let err = yaml_err("sampling:\n  tail:\n    base_rate: 1.5\n");
    assert_names(&err, "sampling.tail.base_rate", "<inline>:3");
}

#[test]
fn a_small_queue_alone_clamps_the_default_batch_size() {
    let c = Config::builder()
        .without_config_file()
        .with_env_vars([("OTEL_BSP_MAX_QUEUE_SIZE", "100")])
        .build()
        .expect("a queue smaller than the default batch is accepted");
    assert_eq!(c.pipeline().queue_size(), 100);
    assert_eq!(c.pipeline().batch_size(), 100);
}

#[test]
fn a_batch_larger_than_the_queue_names_both_variables() {
    let err = Config::builder()
        .without_config_file()
        .with_env_vars([
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "200"),
        ])
        .build()
        .expect_err("a batch larger than the queue");
    assert_names(
        &err,
        "pipeline.batch_size",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    );
    let text = err.to_string();
    assert!(
        text.contains("lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE or raise OTEL_BSP_MAX_QUEUE_SIZE"),
        "{text}"
    );
    // From the file: the lines to edit.
    let err = yaml_err("pipeline:\n  queue_size: 10\n  batch_size: 20\n");
    let text = err.to_string();
    assert!(
        text.contains("<inline>:3") && text.contains("<inline>:2"),
        "{text}"
    );
}

#[test]
fn flush_budget_and_message_size_are_configurable() {
    let c = base().build().expect("defaults");
    assert_eq!(c.otlp().max_message_bytes(), 4 * 1024 * 1024);
    assert_eq!(c.pipeline().flush_timeout(), Duration::from_secs(5));
    let c = base()
        .with_config_yaml(
            "otlp: { max_message_bytes: 65536 }\npipeline: { flush_timeout_ms: 750 }\n",
        )
        .build()
        .expect("config");
    assert_eq!(c.otlp().max_message_bytes(), 65536);
    assert_eq!(c.pipeline().flush_timeout(), Duration::from_millis(750));
    let c = base()
        .with_otlp_max_message_bytes(1 << 20)
        .with_flush_timeout(Duration::from_secs(2))
        .build()
        .expect("config");
    assert_eq!(c.otlp().max_message_bytes(), 1 << 20);
    assert_eq!(c.pipeline().flush_timeout(), Duration::from_secs(2));
    let err = yaml_err("otlp:\n  max_message_bytes: 10\n");
    assert_names(&err, "otlp.max_message_bytes", "<inline>:2");
}

#[test]
fn attribute_value_length_limit_and_queue_bytes() {
    let c = base().build().expect("defaults");
    assert_eq!(c.pipeline().span_attribute_value_length_limit(), 64 * 1024);
    assert_eq!(c.pipeline().queue_max_bytes(), 64 * 1024 * 1024);

    let env = |vars: &[(&str, &str)]| {
        Config::builder()
            .without_config_file()
            .with_env_vars(vars.iter().copied())
    };
    let generic = env(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100")])
        .build()
        .expect("generic");
    assert_eq!(generic.pipeline().span_attribute_value_length_limit(), 100);
    // The span-specific variable wins, whatever the order they are given in.
    for vars in [
        [
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
        ],
        [
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
            ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50"),
        ],
    ] {
        let c = env(&vars).build().expect("both");
        assert_eq!(c.pipeline().span_attribute_value_length_limit(), 50);
    }
    // The file is below the environment, code above it.
    let c = env(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50")])
        .with_config_yaml(
            "pipeline: { span_attribute_value_length_limit: 10, queue_max_bytes: 4096 }\n",
        )
        .build()
        .expect("file and env");
    assert_eq!(c.pipeline().span_attribute_value_length_limit(), 50);
    assert_eq!(c.pipeline().queue_max_bytes(), 4096);
    let c = env(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50")])
        .with_span_attribute_value_length_limit(7)
        .with_queue_max_bytes(1 << 20)
        .build()
        .expect("code");
    assert_eq!(c.pipeline().span_attribute_value_length_limit(), 7);
    assert_eq!(c.pipeline().queue_max_bytes(), 1 << 20);

    for (var, value) in [
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "long"),
    ] {
        let err = env_err(var, value);
        let text = err.to_string();
        assert!(
            text.contains("pipeline.span_attribute_value_length_limit") && text.contains(var),
            "{text}"
        );
    }
    let err = yaml_err("pipeline: { queue_max_bytes: 10 }\n");
    assert!(
        err.to_string().contains("pipeline.queue_max_bytes"),
        "{err}"
    );
}

#[test]
fn genai_conventions_and_stream_usage_from_file_env_and_builder() {
    let yaml = "genai:\n  conventions: latest\n  openai:\n    stream_include_usage: true\n";
    let c = base().with_config_yaml(yaml).build().expect("valid file");
    assert_eq!(c.genai().conventions(), Conventions::Latest);
    assert!(c.genai().openai_stream_include_usage());
    // `config validate` lists both keys with their origin.
    let shown: Vec<String> = c
        .resolved_values()
        .iter()
        .filter(|v| v.key().starts_with("genai.conventions") || v.key().contains("include_usage"))
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        shown,
        [
            "genai.conventions = latest  (<inline>:2)",
            "genai.openai.stream_include_usage = true  (<inline>:4)",
        ]
    );

    // The variable opts in over the file; another domain's value alone does not opt out.
    let env = |value: &str| {
        Config::builder()
            .without_config_file()
            .with_env_vars([(OTEL_SEMCONV_STABILITY_OPT_IN, value)])
            .with_config_yaml("genai: { conventions: compat }\n")
            .build()
            .expect("valid")
    };
    assert_eq!(
        env("http,gen_ai_latest_experimental").genai().conventions(),
        Conventions::Latest
    );
    assert_eq!(env("http/dup").genai().conventions(), Conventions::Compat);
    // A builder call wins over both.
    let built = Config::builder()
        .without_config_file()
        .with_env_vars([(OTEL_SEMCONV_STABILITY_OPT_IN, "gen_ai_latest_experimental")])
        .with_conventions(Conventions::Compat)
        .build()
        .expect("valid");
    assert_eq!(built.genai().conventions(), Conventions::Compat);
    assert_eq!(built.origin("genai.conventions"), Origin::Builder);
    // Off by default.
    let d = base().build().expect("defaults");
    assert_eq!(d.genai().conventions(), Conventions::Compat);
    assert!(!d.genai().openai_stream_include_usage());
}

//! End to end: a traced program whose spans, events, error messages, links,
//! status and gen_ai prompt/completion attributes carry PII runs through
//! `coresdk::layer` (handoff → `PiiMasking` → diagnostic → user processors →
//! OTLP/gRPC export to the in-process receiver on 127.0.0.1); neither the
//! receiver nor a user processor sees any of it.
//!
//! Spans started through the OpenTelemetry API go through the same chain.

use std::time::Duration;

use coresdk::Config;
use coresdk::SpanExt as _;
use coresdk::config::{ExporterKind, OtlpProtocol, PiiAction, PiiRule};
use coresdk::genai::attributes::{
    CORESDK_PII_MASKED, GEN_AI_COMPLETION, GEN_AI_PROMPT, GEN_AI_REQUEST_MAX_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS, SUFFIX_CONTENT, SUFFIX_ROLE,
};
use coresdk::pipeline::PiiMasking;
use coresdk::testing::SpanCapture;
use coresdk_tests::otlp::{OtlpReceiver, Transport};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceFlags, TraceId, TraceState, Tracer, TracerProvider as _,
};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use tracing_subscriber::layer::SubscriberExt;

const EMAIL: &str = "jane.doe@example.com";
const PHONE: &str = "+1 (415) 555-0132";
const CARD: &str = "4111 1111 1111 1111";
const SSN: &str = "123-45-6789";
const IBAN: &str = "DE89 3704 0044 0532 0130 00";
const OPENAI_KEY: &str = "sk-proj-abcdefghij0123456789XYZ";
const AWS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const PASSWORD: &str = "hunter2-correct-horse";
const USER_ID: &str = "user-8842";
const IP: &str = "203.0.113.77";
const DB_PASS: &str = "s3cr3tP4ss";

const ALL_PII: &[&str] = &[
    EMAIL, PHONE, CARD, SSN, IBAN, OPENAI_KEY, AWS_KEY, PASSWORD, USER_ID, IP, DB_PASS,
];

fn prompt_key(suffix: &str) -> String {
    format!("{GEN_AI_PROMPT}.0.{suffix}")
}

fn completion_key(suffix: &str) -> String {
    format!("{GEN_AI_COMPLETION}.0.{suffix}")
}

fn builder() -> coresdk::ConfigBuilder {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_pii_key("internal.*", PiiAction::Drop)
        .with_pii_rule(PiiRule::new("ticket", r"TCK-\d{5}"))
}

fn config() -> Config {
    builder()
        .with_exporter(ExporterKind::None)
        .build()
        .expect("config builds")
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

#[derive(Debug)]
struct PaymentError(String);

impl std::fmt::Display for PaymentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PaymentError {}

/// The traced program.
fn program() {
    let root = tracing::info_span!(
        "checkout",
        "otel.name" = format!("checkout for {EMAIL}").as_str(),
        "user.id" = USER_ID,
        "db.password" = PASSWORD,
        "client.address" = IP,
        "internal.debug_blob" = "anything",
        note = format!("ticket TCK-12345 from {PHONE}").as_str(),
    );
    root.add_link_with_attributes(
        SpanContext::new(
            TraceId::from_bytes([7; 16]),
            SpanId::from_bytes([9; 8]),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ),
        vec![KeyValue::new("peer.note", format!("from {EMAIL}"))],
    );
    let _root = root.enter();
    tracing::info!(card = CARD, "charging card {CARD} for {EMAIL}");
    {
        let llm = tracing::info_span!(
            "chat gpt-4o",
            "otel.status_code" = "ERROR",
            "otel.status_description" = format!("lookup of {SSN} failed").as_str(),
        );
        llm.set_attribute(prompt_key(SUFFIX_ROLE), "user");
        llm.set_attribute(
            prompt_key(SUFFIX_CONTENT),
            format!("My SSN is {SSN}, IBAN {IBAN}, call {PHONE}"),
        );
        llm.set_attribute(
            completion_key(SUFFIX_CONTENT),
            format!("Sure, I noted {EMAIL} and key {OPENAI_KEY}"),
        );
        llm.set_attribute(GEN_AI_USAGE_INPUT_TOKENS, 42_i64);
        llm.set_attribute(GEN_AI_REQUEST_MAX_TOKENS, 256_i64);
        let _llm = llm.enter();
        tracing::warn!(aws = AWS_KEY, "credentials leaked in a log line");
    }
    let err = PaymentError(format!(
        "card {CARD} declined for {EMAIL} via postgres://app:{DB_PASS}@db.internal/pay"
    ));
    tracing::error!(
        error = &err as &(dyn std::error::Error + 'static),
        "payment failed: {err}"
    );
}

#[test]
fn traced_program_exports_no_pii_over_otlp() {
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let capture = SpanCapture::new();
    let config = builder()
        .with_exporter(ExporterKind::Otlp)
        .with_otlp_endpoint(receiver.endpoint())
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_processor(capture.clone())
        .build()
        .expect("config builds");
    let (layer, guard) = coresdk::layer(config).expect("pipeline starts");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, program);
    guard.shutdown().expect("shutdown flushes");

    let received = receiver.wait_for_spans(2, Duration::from_secs(10));
    assert_eq!(received.len(), 2, "{received:#?}");
    let wire = format!("{:?}", receiver.requests());
    for pii in ALL_PII {
        assert!(
            !wire.contains(pii),
            "{pii:?} reached the OTLP receiver:\n{wire}"
        );
    }
    let root = received
        .iter()
        .find(|s| s.name.starts_with("checkout"))
        .expect("root span");
    assert_eq!(root.name, "checkout for <EMAIL>");
    assert_eq!(root.attr_str("db.password"), Some("<REDACTED>"));
    assert_eq!(root.attr_str("client.address"), Some("<IPV4>"));
    assert_eq!(root.attr_str("note"), Some("ticket <TICKET> from <PHONE>"));
    assert!(root.attr("internal.debug_blob").is_none());
    assert!(
        root.attr_str("user.id")
            .is_some_and(|v| v.starts_with("<HASH:"))
    );
    assert!(root.attr(CORESDK_PII_MASKED).is_some());
    assert_eq!(root.status_code, 2, "the error event sets the status");
    let events = format!("{:?}", root.events);
    assert!(
        events.contains("<URL_CREDENTIALS>") && events.contains("<EMAIL>"),
        "{events}"
    );
    let llm = received
        .iter()
        .find(|s| s.name == "chat gpt-4o")
        .expect("llm span");
    assert_eq!(
        llm.attr_str(&prompt_key(SUFFIX_CONTENT)),
        Some("My SSN is <SSN>, IBAN <IBAN>, call <PHONE>")
    );
    assert_eq!(
        llm.attr_str(&completion_key(SUFFIX_CONTENT)),
        Some("Sure, I noted <EMAIL> and key <OPENAI_KEY>")
    );
    assert_eq!(llm.status_message, "lookup of <SSN> failed");

    // A user processor runs after masking and sees the same masked spans,
    // links included.
    let captured = capture.spans();
    let dump = format!("{captured:?}");
    for pii in ALL_PII {
        assert!(!dump.contains(pii), "{pii:?} reached a user processor");
    }
    let root = captured
        .iter()
        .find(|s| s.name.starts_with("checkout"))
        .expect("captured root");
    assert_eq!(
        root.links.links[0].attributes[0].value.as_str(),
        "from <EMAIL>"
    );
    let llm = captured
        .iter()
        .find(|s| s.name == "chat gpt-4o")
        .expect("captured llm span");
    assert_eq!(attr(llm, GEN_AI_USAGE_INPUT_TOKENS), Some(&Value::I64(42)));
    assert_eq!(attr(llm, GEN_AI_REQUEST_MAX_TOKENS), Some(&Value::I64(256)));
}

/// The pipeline with a capture, and the tracer provider for OpenTelemetry API
/// spans that feeds the same chain.
fn api_pipeline() -> (coresdk::Guard, SpanCapture) {
    let capture = SpanCapture::new();
    let config = builder()
        .with_exporter(ExporterKind::None)
        .with_processor(capture.clone())
        .build()
        .expect("config builds");
    let (_layer, guard) =
        coresdk::layer::<tracing_subscriber::Registry>(config).expect("pipeline starts");
    (guard, capture)
}

#[test]
fn api_spans_have_status_links_and_names_masked() {
    let (guard, capture) = api_pipeline();
    let provider = guard.tracer_provider().expect("running").clone();
    let tracer = provider.tracer("pii-e2e-links");
    let linked = SpanContext::new(
        TraceId::from_bytes([7; 16]),
        SpanId::from_bytes([9; 8]),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    );
    let mut span = tracer
        .span_builder(format!("sync {EMAIL}"))
        .with_links(vec![opentelemetry::trace::Link::new(
            linked,
            vec![KeyValue::new("peer.note", format!("from {EMAIL}"))],
            0,
        )])
        .start(&tracer);
    opentelemetry::trace::Span::set_status(
        &mut span,
        opentelemetry::trace::Status::error(format!("lookup of {SSN} failed")),
    );
    drop(span);
    guard.flush().expect("flush");
    let spans = capture.wait_for(1, Duration::from_secs(5));
    let linked = &spans[0];
    assert_eq!(linked.name, "sync <EMAIL>");
    assert_eq!(
        linked.links.links[0].attributes[0].value.as_str(),
        "from <EMAIL>"
    );
    assert_eq!(
        linked.status,
        opentelemetry::trace::Status::error("lookup of <SSN> failed")
    );
    assert_eq!(attr(linked, CORESDK_PII_MASKED), Some(&Value::I64(3)));
    guard.shutdown().expect("shutdown");
}

#[test]
fn masking_a_span_twice_changes_nothing_more() {
    let (guard, capture) = api_pipeline();
    let provider = guard.tracer_provider().expect("running").clone();
    let tracer = provider.tracer("twice");
    let mut span = tracer
        .span_builder("op")
        .with_attributes(vec![
            KeyValue::new("msg", format!("mail {EMAIL}")),
            KeyValue::new("session.id", "abc"),
            KeyValue::new("api_token", "t-1"),
            KeyValue::new("tags", strings(&[EMAIL, "plain"])),
        ])
        .start(&tracer);
    opentelemetry::trace::Span::end(&mut span);
    guard.flush().expect("flush");
    let mut once = capture.wait_for(1, Duration::from_secs(5)).remove(0);
    // session.id is an opaque id, exported as it is.
    assert_eq!(attr(&once, CORESDK_PII_MASKED), Some(&Value::I64(3)));
    assert_eq!(attr(&once, "session.id"), Some(&Value::from("abc")));
    assert_eq!(attr(&once, "tags"), Some(&strings(&["<EMAIL>", "plain"])));
    let before = format!("{:?}", once.attributes);
    let again = PiiMasking::from_config(config().pii()).expect("valid");
    assert_eq!(again.mask_span(&mut once), 0);
    assert_eq!(format!("{:?}", once.attributes), before);
}

#[test]
fn server_address_is_never_masked() {
    // It names the server a client span talks to, not a person: an IP or a
    // host name that looks like an e-mail stays, even under a key rule.
    let stage = PiiMasking::from_config(
        builder()
            .with_pii_key("server.*", PiiAction::Redact)
            .build()
            .expect("config builds")
            .pii(),
    )
    .expect("valid");
    for address in [IP, "2001:db8::1", "bedrock-runtime.us-east-1.amazonaws.com"] {
        let mut span = SpanData {
            attributes: vec![
                KeyValue::new("server.address", address),
                KeyValue::new("peer.note", format!("from {IP}")),
            ],
            ..empty_span()
        };
        assert_eq!(stage.mask_span(&mut span), 1, "{address}");
        assert_eq!(attr(&span, "server.address"), Some(&Value::from(address)));
        assert_eq!(attr(&span, "peer.note"), Some(&Value::from("from <IPV4>")));
    }
}

#[test]
fn hash_key_from_environment_is_stable_across_pipelines() {
    let build = || {
        Config::builder()
            .without_config_file()
            .with_env_vars([("CORESDK_PII_HASH_KEY", "tenant-secret")])
            .build()
            .expect("config builds")
    };
    let a = coresdk::pipeline::pii::PiiMasker::from_config(build().pii()).expect("valid");
    let b = coresdk::pipeline::pii::PiiMasker::from_config(build().pii()).expect("valid");
    assert!(!a.hash_key_is_ephemeral());
    let stage_a = PiiMasking::new(a);
    let stage_b = PiiMasking::new(b);
    let token = |stage: &PiiMasking| {
        let mut span = SpanData {
            attributes: vec![KeyValue::new("user.id", USER_ID)],
            ..empty_span()
        };
        stage.mask_span(&mut span);
        attr(&span, "user.id")
            .map(Value::as_str)
            .map(std::borrow::Cow::into_owned)
    };
    assert_eq!(token(&stage_a), token(&stage_b));
}

#[test]
fn yaml_disabled_rules_are_validated() {
    let config = Config::builder()
        .without_env()
        .with_config_yaml("pii:\n  disabled_rules: [ipv4, emial]\n")
        .build()
        .expect("config builds");
    let err = PiiMasking::from_config(config.pii()).expect_err("unknown rule");
    assert_eq!(err.to_string(), "pii.disabled_rules: unknown rule `emial`");

    let config = Config::builder()
        .without_env()
        .with_config_yaml("pii:\n  disabled_rules: [ipv4]\n")
        .build()
        .expect("config builds");
    let stage = PiiMasking::from_config(config.pii()).expect("valid");
    let masker = stage.masker().expect("enabled");
    assert_eq!(
        masker.mask(&format!("{IP} {EMAIL}")),
        format!("{IP} <EMAIL>")
    );

    let config = Config::builder()
        .without_env()
        .without_config_file()
        .with_pii_masking(false)
        .build()
        .expect("config builds");
    let stage = PiiMasking::from_config(config.pii()).expect("valid");
    assert!(stage.masker().is_none());
}

fn strings(items: &[&str]) -> Value {
    Value::Array(opentelemetry::Array::String(
        items
            .iter()
            .map(|s| opentelemetry::StringValue::from(s.to_string()))
            .collect(),
    ))
}

fn empty_span() -> SpanData {
    SpanData {
        span_context: SpanContext::empty_context(),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: opentelemetry::trace::SpanKind::Internal,
        name: "x".into(),
        start_time: std::time::SystemTime::UNIX_EPOCH,
        end_time: std::time::SystemTime::UNIX_EPOCH,
        attributes: Vec::new(),
        dropped_attributes_count: 0,
        events: opentelemetry_sdk::trace::SpanEvents::default(),
        links: opentelemetry_sdk::trace::SpanLinks::default(),
        status: opentelemetry::trace::Status::Unset,
        instrumentation_scope: opentelemetry::InstrumentationScope::builder("t").build(),
    }
}

//! `genai.pricing_file` through the public API: the file's prices replace
//! built-in ones and add models; a model known to neither has no cost.
//! One binary, as the GenAI settings (and so the prices) are process-wide.

use coresdk::config::ExporterKind;
use coresdk::genai::{ChatResponse, GenAiSpan, Operation, Provider, Usage};
use coresdk::testing::SpanCapture;
use opentelemetry::Value;
use tracing_subscriber::layer::SubscriberExt as _;

#[test]
fn a_pricing_file_overrides_a_built_in_price_and_adds_a_model() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("prices.yaml");
    std::fs::write(
        &file,
        "models:\n  gpt-4o: { input: 1.0, output: 2.0 }\n  acme-large: { input: 3.0, output: 4.0 }\n",
    )
    .expect("write");
    let capture = SpanCapture::new();
    let config = capture
        .config_builder()
        .with_pricing_file(&file)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let _default = tracing::subscriber::set_default(subscriber);

    let mut costs = Vec::new();
    for model in ["gpt-4o", "acme-large", "gpt-4o-mini", "unknown-model"] {
        let mut span = GenAiSpan::start(Provider::OPENAI, Operation::Chat, model);
        span.record_chat_response(&ChatResponse {
            model: Some(model.to_owned()),
            usage: Usage {
                input_tokens: Some(1_000_000),
                output_tokens: Some(1_000_000),
                ..Usage::default()
            },
            ..ChatResponse::default()
        });
        span.end();
        guard.flush().expect("flush");
        costs.push(cost_of_last(&capture));
    }
    // Overridden (built in: 2.50 + 10.00), added, untouched, unknown.
    assert_eq!(costs, [Some(3.0), Some(7.0), Some(0.75), None]);
}

fn cost_of_last(capture: &SpanCapture) -> Option<f64> {
    let spans = capture.spans();
    let last = spans.last()?;
    last.attributes
        .iter()
        .find(|kv| kv.key.as_str() == "llm.cost_usd")
        .map(|kv| match kv.value {
            Value::F64(v) => v,
            _ => f64::NAN,
        })
}

#[test]
fn an_invalid_pricing_file_is_a_setup_error_naming_the_line() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("prices.json");
    std::fs::write(
        &file,
        "{\"models\": {\"m\": {\"input\": \"cheap\", \"output\": 1}}}",
    )
    .expect("write");
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_pricing_file(&file)
        .build()
        .expect("the path itself is valid");
    let err = coresdk::genai::pricing_from_config(config.genai()).expect_err("invalid price");
    assert!(err.to_string().contains(":1: model `m`: `input`"), "{err}");
}

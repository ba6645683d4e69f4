//! GenAI metrics and pipeline counters through OTLP to the in-process receiver:
//! names, units, bucket boundaries and attributes, over gRPC and HTTP.

use std::time::Duration;

use coresdk::config::OtlpProtocol;
use coresdk::metrics::{DURATION_BUCKETS, GenAiOperation, TOKEN_BUCKETS};
use coresdk_tests::otlp::{OtlpReceiver, ReceivedMetric, ReceivedPoint, Transport};
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt as _;

fn metric<'a>(metrics: &'a [ReceivedMetric], name: &str) -> &'a ReceivedMetric {
    metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name} in {metrics:#?}"))
}

/// The two `gen_ai.client.operation.duration` points of `provider`, one per
/// call: `(failed, succeeded)`, told apart by `error.type`.
fn failed_and_ok_durations<'a>(
    metrics: &'a [ReceivedMetric],
    provider: &str,
) -> (&'a ReceivedPoint, &'a ReceivedPoint) {
    let duration = metric(metrics, "gen_ai.client.operation.duration");
    let points: Vec<_> = duration
        .points
        .iter()
        .filter(|p| p.attributes.get("gen_ai.provider.name") == Some(&json!(provider)))
        .collect();
    assert_eq!(points.len(), 2, "{points:#?}");
    let failed = points
        .iter()
        .find(|p| p.attributes.contains_key("error.type"))
        .expect("failed call point");
    let ok = points
        .iter()
        .find(|p| !p.attributes.contains_key("error.type"))
        .expect("ok call point");
    (failed, ok)
}

fn run(transport: Transport, protocol: OtlpProtocol) {
    let receiver = OtlpReceiver::start(transport);
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_service_name("metrics-test")
        .with_otlp_endpoint(receiver.endpoint())
        .with_otlp_protocol(protocol)
        .with_metrics_interval(Duration::from_mins(1))
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("work").in_scope(|| {});
    });
    GenAiOperation::new("chat", "openai", Duration::from_millis(300))
        .request_model("gpt-4o")
        .response_model("gpt-4o-2024-08-06")
        .server("api.openai.com", Some(443))
        .tokens(Some(100), Some(20))
        .cost_usd(0.00045)
        .record();
    GenAiOperation::new("chat", "openai", Duration::from_millis(900))
        .request_model("gpt-4o")
        .response_model("gpt-4o-2024-08-06")
        .server("api.openai.com", Some(443))
        .time_to_first_chunk(Duration::from_millis(120))
        .tokens(Some(50), None)
        .record();
    GenAiOperation::new("chat", "aws.bedrock", Duration::from_millis(50))
        .request_model("anthropic.claude-3-haiku-20240307-v1:0")
        .error_type("ThrottlingException")
        .record();
    guard.shutdown().expect("shutdown");

    let metrics = receiver.metrics();
    let duration = metric(&metrics, "gen_ai.client.operation.duration");
    assert_eq!(duration.unit, "s");
    assert_eq!(duration.kind, "histogram");
    assert_eq!(duration.resource["service.name"], json!("metrics-test"));
    let ok = duration
        .points
        .iter()
        .find(|p| p.attributes.get("gen_ai.provider.name") == Some(&json!("openai")))
        .expect("openai point");
    assert_eq!(ok.count, 2);
    assert!((ok.value - 1.2).abs() < 1e-9, "{}", ok.value);
    assert_eq!(ok.bounds, DURATION_BUCKETS.to_vec());
    assert_eq!(ok.attributes["gen_ai.operation.name"], json!("chat"));
    assert_eq!(ok.attributes["gen_ai.request.model"], json!("gpt-4o"));
    assert_eq!(
        ok.attributes["gen_ai.response.model"],
        json!("gpt-4o-2024-08-06")
    );
    assert_eq!(ok.attributes["server.address"], json!("api.openai.com"));
    assert_eq!(ok.attributes["server.port"], json!(443));
    assert!(!ok.attributes.contains_key("error.type"));
    let failed = duration
        .points
        .iter()
        .find(|p| p.attributes.get("gen_ai.provider.name") == Some(&json!("aws.bedrock")))
        .expect("bedrock point");
    assert_eq!(
        failed.attributes["error.type"],
        json!("ThrottlingException")
    );
    assert_eq!(failed.count, 1);

    let tokens = metric(&metrics, "gen_ai.client.token.usage");
    assert_eq!(tokens.unit, "{token}");
    let input = tokens
        .points
        .iter()
        .find(|p| p.attributes.get("gen_ai.token.type") == Some(&json!("input")))
        .expect("input tokens");
    assert_eq!((input.count, input.value), (2, 150.0));
    assert_eq!(input.bounds, TOKEN_BUCKETS.to_vec());
    let output = tokens
        .points
        .iter()
        .find(|p| p.attributes.get("gen_ai.token.type") == Some(&json!("output")))
        .expect("output tokens");
    assert_eq!((output.count, output.value), (1, 20.0));

    let ttfc = metric(&metrics, "gen_ai.client.operation.time_to_first_chunk");
    assert_eq!(ttfc.unit, "s");
    assert_eq!(ttfc.points.len(), 1);
    assert!((ttfc.points[0].value - 0.12).abs() < 1e-9);

    let cost = metric(&metrics, "llm.cost_usd");
    assert_eq!((cost.kind, cost.unit.as_str()), ("sum", "USD"));
    assert!((cost.points[0].value - 0.00045).abs() < 1e-12);

    let exported = metric(&metrics, "coresdk.spans.exported");
    assert_eq!(exported.kind, "sum");
    assert!(exported.points[0].value >= 0.0);
    for name in [
        "coresdk.spans.dropped",
        "coresdk.spans.export_failed",
        "coresdk.spans.sampled_out",
        "coresdk.attributes.truncated",
    ] {
        assert!(
            metric(&metrics, name).points[0].value.abs() < f64::EPSILON,
            "{name}"
        );
    }
    // The span went out over the same endpoint.
    assert!(receiver.spans().iter().any(|s| s.name == "work"));
}

#[test]
fn genai_metrics_over_grpc() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    run(Transport::Grpc, OtlpProtocol::Grpc);
}

#[test]
fn genai_metrics_over_http() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    run(Transport::Http, OtlpProtocol::HttpProtobuf);
}

/// A pipeline with the default settings exporting to `receiver`, as this
/// thread's default subscriber while the returned guard lives.
fn default_pipeline_to(
    receiver: &OtlpReceiver,
) -> (coresdk::Guard, tracing::subscriber::DefaultGuard) {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_otlp_endpoint(receiver.endpoint())
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    (guard, tracing::subscriber::set_default(subscriber))
}

/// The OpenAI instrumentation records the metrics for every call, failures included.
#[test]
fn openai_calls_record_metrics() {
    use async_openai::types::chat::{
        ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
    };
    use coresdk_tests::openai_server::{Canned, OpenAiServer};
    if coresdk_tests::solo::delegated() {
        return;
    }

    let receiver = OtlpReceiver::start(Transport::Grpc);
    let server = OpenAiServer::start().expect("openai server");
    server.push(Canned::chat_completion());
    server.push(Canned::error_400());
    let (guard, _default) = default_pipeline_to(&receiver);
    let client = coresdk_instrument_openai::instrument(async_openai::Client::with_config(
        async_openai::config::OpenAIConfig::new()
            .with_api_base(server.base_url())
            .with_api_key("sk-test"),
    ));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![ChatCompletionRequestUserMessage::from("Hi").into()])
        .build()
        .expect("request");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
        .block_on(async {
            client
                .chat()
                .create(request.clone())
                .await
                .expect("first call");
            assert!(client.chat().create(request).await.is_err(), "400");
        });
    guard.shutdown().expect("shutdown");

    let metrics = receiver.metrics();
    let (failed, ok) = failed_and_ok_durations(&metrics, "openai");
    assert_eq!(failed.attributes["gen_ai.request.model"], json!("gpt-4o"));
    assert_eq!(failed.count, 1);
    assert!(ok.attributes.contains_key("gen_ai.response.model"));
    assert_eq!(ok.attributes["server.address"], json!("127.0.0.1"));
    let tokens = metric(&metrics, "gen_ai.client.token.usage");
    assert!(
        tokens
            .points
            .iter()
            .any(|p| p.attributes.get("gen_ai.token.type") == Some(&json!("output"))),
        "{tokens:#?}"
    );
}

/// The Bedrock instrumentation records the same metrics, failures included.
#[test]
fn bedrock_calls_record_metrics() {
    use aws_sdk_bedrockruntime::config::retry::RetryConfig;
    use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
    use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
    use coresdk_tests::bedrock_server::{BedrockServer, Canned};
    const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    if coresdk_tests::solo::delegated() {
        return;
    }

    let receiver = OtlpReceiver::start(Transport::Grpc);
    let server = BedrockServer::start().expect("bedrock server");
    server.push(Canned::converse());
    server.push(Canned::aws_error("ThrottlingException"));
    let (guard, _default) = default_pipeline_to(&receiver);
    let sdk = aws_sdk_bedrockruntime::Client::from_conf(
        aws_sdk_bedrockruntime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(server.endpoint_url())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let client = coresdk_instrument_bedrock::instrument(sdk);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("hi".into()))
        .build()
        .expect("message");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
        .block_on(async {
            client
                .converse()
                .model_id(MODEL)
                .messages(message.clone())
                .send()
                .await
                .expect("converse");
            assert!(
                client
                    .converse()
                    .model_id(MODEL)
                    .messages(message)
                    .send()
                    .await
                    .is_err(),
                "throttled"
            );
        });
    guard.shutdown().expect("shutdown");

    let metrics = receiver.metrics();
    let (failed, _) = failed_and_ok_durations(&metrics, "aws.bedrock");
    assert_eq!(
        failed.attributes["error.type"],
        json!("ThrottlingException")
    );
    assert_eq!(failed.attributes["gen_ai.request.model"], json!(MODEL));
    assert!(
        metric(&metrics, "gen_ai.client.token.usage")
            .points
            .iter()
            .any(|p| p.attributes.get("gen_ai.provider.name") == Some(&json!("aws.bedrock"))),
        "token usage from the Converse response"
    );
}

//! What the Bedrock benches share: the request, a SigV4-signing client for
//! the local server, the pipeline (discarding exporter) and a no-op
//! interceptor that prices the SDK's per-call interceptor mechanism alone.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Intercept, Region};
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SystemContentBlock,
};
use coresdk::config::{ExporterKind, MessageFormat};
use coresdk::genai::GenAiSettings;
use coresdk_instrument_bedrock::TracedClient;
use coresdk_tests::bedrock_server::BedrockServer;
use tracing_subscriber::layer::SubscriberExt;

pub(crate) const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

pub(crate) fn message() -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text("What is 3 * 7?".into()))
        .build()
        .unwrap()
}

pub(crate) fn system() -> SystemContentBlock {
    SystemContentBlock::Text("Answer with a number only.".into())
}

pub(crate) fn inference() -> InferenceConfiguration {
    InferenceConfiguration::builder()
        .max_tokens(256)
        .temperature(0.7)
        .build()
}

/// A raw client for `server`, SigV4-signing with static credentials, no retries.
pub(crate) fn client(server: &BedrockServer) -> Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint_url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDBENCH",
            "bench-secret",
            None,
            None,
            "bench",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

pub(crate) fn settings(capture: bool) -> GenAiSettings {
    GenAiSettings::builder()
        .with_capture_content(capture)
        .with_message_format(MessageFormat::Indexed)
        .build()
}

/// Installs the full pipeline with a discarding exporter as the global subscriber.
pub(crate) fn install_pipeline() -> coresdk::Guard {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .build()
        .unwrap();
    let (layer, guard) = coresdk::layer(config).unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();
    guard
}

#[derive(Debug)]
pub(crate) struct NoopInterceptor;

impl Intercept for NoopInterceptor {
    fn name(&self) -> &'static str {
        "Noop"
    }
}

/// One `Converse` call through the raw client.
pub(crate) async fn converse_raw(raw: &Client) -> ConverseOutput {
    raw.converse()
        .model_id(MODEL)
        .system(system())
        .messages(message())
        .inference_config(inference())
        .send()
        .await
        .unwrap()
}

/// The same call with a no-op per-call interceptor.
pub(crate) async fn converse_interceptor(raw: &Client) -> ConverseOutput {
    raw.converse()
        .model_id(MODEL)
        .system(system())
        .messages(message())
        .inference_config(inference())
        .customize()
        .interceptor(NoopInterceptor)
        .send()
        .await
        .unwrap()
}

/// The same call through `TracedClient`.
pub(crate) async fn converse_traced(traced: &TracedClient) -> ConverseOutput {
    traced
        .converse()
        .model_id(MODEL)
        .system(system())
        .messages(message())
        .inference_config(inference())
        .send()
        .await
        .unwrap()
}

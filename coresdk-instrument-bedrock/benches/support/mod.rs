//! What the Bedrock benches share: the request, the local server with a
//! SigV4-signing raw client and two traced ones, and a no-op
//! interceptor that prices the SDK's per-call interceptor mechanism alone.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Intercept, Region};
use aws_sdk_bedrockruntime::operation::converse::ConverseOutput;
use aws_sdk_bedrockruntime::operation::converse::builders::ConverseFluentBuilder;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SystemContentBlock,
};
use coresdk::config::MessageFormat;
use coresdk::genai::GenAiSettings;
use coresdk_instrument_bedrock::TracedClient;
use coresdk_tests::bedrock_server::BedrockServer;

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

/// The local server and the clients the benches call it through.
pub(crate) struct Clients {
    /// Kept alive for the clients; drop it last.
    pub(crate) server: BedrockServer,
    pub(crate) raw: Client,
    /// Traced, content capture off.
    pub(crate) traced: TracedClient,
    /// Traced, content capture on.
    pub(crate) capture: TracedClient,
}

impl Clients {
    /// Starts the server (requests not recorded) and builds the clients.
    pub(crate) fn start() -> Self {
        let server = BedrockServer::start().unwrap();
        server.set_record_requests(false);
        let raw = client(&server);
        let traced =
            coresdk_instrument_bedrock::instrument(raw.clone()).with_settings(settings(false));
        let capture =
            coresdk_instrument_bedrock::instrument(raw.clone()).with_settings(settings(true));
        Self {
            server,
            raw,
            traced,
            capture,
        }
    }
}

#[derive(Debug)]
pub(crate) struct NoopInterceptor;

impl Intercept for NoopInterceptor {
    fn name(&self) -> &'static str {
        "Noop"
    }
}

/// The benches' `Converse` request on the raw client, ready to send.
fn converse_request(raw: &Client) -> ConverseFluentBuilder {
    raw.converse()
        .model_id(MODEL)
        .system(system())
        .messages(message())
        .inference_config(inference())
}

/// One `Converse` call through the raw client.
pub(crate) async fn converse_raw(raw: &Client) -> ConverseOutput {
    converse_request(raw).send().await.unwrap()
}

/// The same call with a no-op per-call interceptor.
pub(crate) async fn converse_interceptor(raw: &Client) -> ConverseOutput {
    converse_request(raw)
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

/// Installs the discarding pipeline as `coresdk::instrument()` sets it up,
/// or, with `CORESDK_BENCH_COMPOSE=layer`, as `coresdk::layer()` composed
/// on a registry (its per-layer filter costs each span callback a lookup).
pub(crate) fn install() -> coresdk::Guard {
    let layer = std::env::var("CORESDK_BENCH_COMPOSE").is_ok_and(|v| v == "layer");
    eprintln!(
        "subscriber: {}",
        if layer {
            "coresdk::layer() on a registry"
        } else {
            "as coresdk::instrument()"
        }
    );
    if layer {
        coresdk::testing::install_discarding_layer().unwrap()
    } else {
        coresdk::testing::install_discarding_pipeline().unwrap()
    }
}

/// An Anthropic messages body for `InvokeModel`.
pub(crate) fn invoke_body() -> aws_smithy_types::Blob {
    aws_smithy_types::Blob::new(
        r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":256,"temperature":0.7,"system":"Answer with a number only.","messages":[{"role":"user","content":[{"type":"text","text":"What is 3 * 7?"}]}]}"#,
    )
}

pub(crate) async fn invoke_raw(
    raw: &Client,
) -> aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelOutput {
    raw.invoke_model()
        .model_id(MODEL)
        .body(invoke_body())
        .send()
        .await
        .unwrap()
}

pub(crate) async fn invoke_traced(
    traced: &TracedClient,
) -> aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelOutput {
    traced
        .invoke_model()
        .model_id(MODEL)
        .body(invoke_body())
        .send()
        .await
        .unwrap()
}

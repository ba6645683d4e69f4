//! Shared test harness: a local Bedrock server, a CoreSDK pipeline capturing
//! every exported span, an SDK client signed with static test credentials,
//! and attribute-map helpers.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use coresdk::config::{Conventions, MessageFormat};
use coresdk::genai::GenAiSettings;
use coresdk::genai::attributes::{
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, LLM_COST_USD, LLM_LATENCY_MS, LLM_TIME_TO_FIRST_TOKEN_MS,
    SERVER_PORT,
};
use coresdk::testing::SpanCapture;
use coresdk_instrument_bedrock::TracedClient;
use coresdk_tests::bedrock_server::BedrockServer;
use opentelemetry_sdk::trace::SpanData;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::SubscriberExt;

/// A server plus a pipeline installed as this thread's default subscriber.
pub(crate) struct Harness {
    pub(crate) server: BedrockServer,
    pub(crate) capture: SpanCapture,
    guard: Option<coresdk::Guard>,
    _default: DefaultGuard,
}

/// An SDK client for `endpoint`, SigV4-signing with static test credentials.
pub(crate) fn sdk_client(endpoint: &str, retry: RetryConfig) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDTESTCORESDK",
            "test-secret-key",
            None,
            None,
            "coresdk-tests",
        ))
        .retry_config(retry)
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

impl Harness {
    pub(crate) fn new() -> Self {
        let server = BedrockServer::start().expect("server");
        let capture = SpanCapture::new();
        let config = capture
            .config_builder()
            .with_pii_masking(false)
            .build()
            .expect("config");
        let (layer, guard) = coresdk::layer(config).expect("layer");
        let subscriber = tracing_subscriber::registry().with(layer);
        let default = tracing::subscriber::set_default(subscriber);
        Self {
            server,
            capture,
            guard: Some(guard),
            _default: default,
        }
    }

    /// A traced client talking to the local server (no retries) with `settings`.
    pub(crate) fn client(&self, settings: GenAiSettings) -> TracedClient {
        self.client_with_retry(settings, RetryConfig::disabled())
    }

    /// A traced client with the given retry policy.
    pub(crate) fn client_with_retry(
        &self,
        settings: GenAiSettings,
        retry: RetryConfig,
    ) -> TracedClient {
        coresdk_instrument_bedrock::instrument(sdk_client(&self.server.endpoint_url(), retry))
            .with_settings(settings)
    }

    /// Flushes the pipeline and returns every exported span, each checked
    /// against the semantic-conventions JSON schemas.
    pub(crate) fn finish(mut self) -> Vec<SpanData> {
        if let Some(guard) = self.guard.take() {
            guard.shutdown().expect("shutdown");
        }
        let spans = self.capture.wait_for(1, Duration::from_secs(2));
        coresdk_tests::semconv::assert_spans_follow_schemas(&spans);
        spans
    }

    pub(crate) fn port(&self) -> u16 {
        self.server.addr().port()
    }
}

pub(crate) fn settings(capture: bool, format: MessageFormat) -> GenAiSettings {
    GenAiSettings::builder()
        .with_capture_content(capture)
        .with_message_format(format)
        .build()
}

/// Settings following the latest GenAI conventions only.
pub(crate) fn latest(capture: bool) -> GenAiSettings {
    GenAiSettings::builder()
        .with_capture_content(capture)
        .with_conventions(Conventions::Latest)
        .build()
}

/// The span's attributes as strings, minus the location attributes the
/// tracing layer adds; timings (checked to be positive numbers) become `*`
/// the server port (checked) becomes `PORT`, and `llm.cost_usd` is rounded
/// to 12 decimals.
pub(crate) fn attribute_map(span: &SpanData, port: u16) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for kv in &span.attributes {
        let key = kv.key.as_str();
        if key.starts_with("code.") {
            continue;
        }
        let mut value = kv.value.to_string();
        if [
            LLM_LATENCY_MS,
            GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
            LLM_TIME_TO_FIRST_TOKEN_MS,
        ]
        .contains(&key)
        {
            let n: f64 = value.parse().expect("timing is a number");
            assert!(n > 0.0, "{key} = {n}");
            value = "*".into();
        }
        if key == LLM_COST_USD {
            // Costs are sums of float products: compare them to 12 decimals.
            let n: f64 = value.parse().expect("cost is a number");
            let fixed = format!("{n:.12}");
            fixed
                .trim_end_matches('0')
                .trim_end_matches('.')
                .clone_into(&mut value);
        }
        if key == SERVER_PORT {
            assert_eq!(value, port.to_string());
            value = "PORT".into();
        }
        assert!(
            map.insert(key.to_owned(), value).is_none(),
            "duplicate {key}"
        );
    }
    map
}

/// `key = value` lines (the wire names, spelled out as test data).
pub(crate) fn expected(blocks: &[&str]) -> BTreeMap<String, String> {
    coresdk_tests::attrs::expected_lines(blocks.iter().flat_map(|b| b.lines()))
}

// Each test module uses a different subset of the shared helpers.
#[allow(unused_imports)]
pub(crate) use coresdk_tests::attrs::{assert_attributes, span};

/// `gen_ai.completion.0.content`.
pub(crate) fn completion_0_content() -> String {
    format!(
        "{}.0.{}",
        coresdk::genai::attributes::GEN_AI_COMPLETION,
        coresdk::genai::attributes::SUFFIX_CONTENT
    )
}

/// The attributes every successful call through the local server has.
pub(crate) const CORE: &str = r"
    gen_ai.provider.name = aws.bedrock
    gen_ai.system = aws.bedrock
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
    http.response.status_code = 200
";

/// The request id the local server sends when the fixture recorded none.
pub(crate) const SYNTHETIC_REQUEST_ID: &str = r"
    aws.request_id = 5b3f2a1e-7c4d-4e8f-9a6b-0c1d2e3f4a5b
";

//! Shared test harness: a local OpenAI server, a CoreSDK pipeline capturing
//! every exported span, and attribute-map helpers.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use coresdk::config::{Conventions, MessageFormat};
use coresdk::genai::GenAiSettings;
use coresdk::genai::attributes::{
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, LLM_LATENCY_MS, LLM_TIME_TO_FIRST_TOKEN_MS, SERVER_PORT,
};
use coresdk::testing::SpanCapture;
use coresdk_instrument_openai::TracedClient;
use coresdk_tests::openai_server::OpenAiServer;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::SubscriberExt;

/// A server plus a pipeline installed as this thread's default subscriber.
pub(crate) struct Harness {
    pub(crate) server: OpenAiServer,
    pub(crate) capture: SpanCapture,
    guard: Option<coresdk::Guard>,
    _default: DefaultGuard,
}

impl Harness {
    pub(crate) fn new() -> Self {
        let server = OpenAiServer::start().expect("server");
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

    /// A traced client talking to the local server with `settings`.
    pub(crate) fn client(&self, settings: GenAiSettings) -> TracedClient<OpenAIConfig> {
        let config = OpenAIConfig::new()
            .with_api_base(self.server.base_url())
            .with_api_key("sk-test");
        coresdk_instrument_openai::instrument(async_openai::Client::with_config(config))
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

fn render(value: &Value) -> String {
    value.to_string()
}

/// The span's attributes as strings, minus the location attributes the
/// tracing layer adds; timings (checked to be positive numbers) become `*`
/// and the server port (checked) becomes `PORT`.
pub(crate) fn attribute_map(span: &SpanData, port: u16) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for kv in &span.attributes {
        let key = kv.key.as_str();
        if key.starts_with("code.") {
            continue;
        }
        let mut value = render(&kv.value);
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
pub(crate) fn expected(block: &str) -> BTreeMap<String, String> {
    coresdk_tests::attrs::expected_lines(block.lines())
}

// Each test module uses a different subset of the shared helpers.
#[allow(unused_imports)]
pub(crate) use coresdk_tests::attrs::{assert_attributes, span};

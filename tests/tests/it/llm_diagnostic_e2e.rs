//! Cross-crate: a failed OpenAI call (real provider span from
//! `coresdk-instrument-openai`, content capture on) produces a diagnostic
//! payload; the opt-in external LLM (a second local OpenAI-compatible server)
//! receives that payload and nothing else; its answer comes back to the
//! local socket.

use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use coresdk::config::ExporterKind;
use coresdk::egress::viewer::Viewer;
use coresdk::egress::{CloudEvent, DiagnosticPayload, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC};
use coresdk::genai::GenAiSettings;
use coresdk::genai::attributes::CORESDK_INTENT;
use coresdk_tests::openai_server::{Canned, OpenAiServer};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

const PROMPT: &str = "My card number is 4111 1111 1111 1111, why was I charged twice?";

fn wait(viewer: &Viewer, ty: &str) -> Vec<CloudEvent> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut events = Vec::new();
    while !events.iter().any(|e: &CloudEvent| e.event_type == ty) {
        assert!(Instant::now() < deadline, "no {ty}: {events:#?}");
        if let Some(ev) = viewer.recv_timeout(Duration::from_millis(100)) {
            events.push(ev);
        }
    }
    events
}

#[tokio::test]
async fn failed_provider_call_is_diagnosed_by_the_external_llm() {
    let provider = OpenAiServer::start().expect("provider server");
    provider.push(Canned::error_400());
    let llm = OpenAiServer::start().expect("llm server");
    llm.push(Canned::chat_completion());

    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("core.sock");
    let viewer = Viewer::listen(&socket).expect("listen");
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_service_name("support-bot")
        .with_socket(&socket)
        .with_capture_content(true)
        .with_llm_export(true)
        .with_llm_endpoint(format!("{}/chat/completions", llm.base_url()))
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("pipeline");
    let default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let client = coresdk_instrument_openai::instrument(async_openai::Client::with_config(
        OpenAIConfig::new()
            .with_api_base(provider.base_url())
            .with_api_key("sk-provider-key"),
    ))
    .with_settings(GenAiSettings::builder().with_capture_content(true).build());
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![ChatCompletionRequestUserMessage::from(PROMPT).into()])
        .build()
        .expect("request");
    let root = tracing::info_span!("answer", { CORESDK_INTENT } = "answer a billing question");
    let result = async { client.chat().create(request).await }
        .instrument(root)
        .await;
    assert!(result.is_err(), "the provider answered 400");
    drop(default);
    guard.shutdown().expect("shutdown");

    let events = wait(&viewer, TYPE_LLM_ANALYSIS);
    let diagnostic = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .expect("diagnostic event");
    let payload: DiagnosticPayload =
        serde_json::from_value(diagnostic.data.clone()).expect("payload");
    let frames: Vec<_> = payload.frames().collect();
    assert_eq!(frames.len(), 2, "{frames:#?}");
    assert_eq!(frames[0].intent, "answer a billing question");
    assert!(!frames[0].error);
    assert_eq!(frames[1].intent, "chat gpt-4o");
    assert!(frames[1].error);
    // A provider span: the provider's module, no code location, no content.
    assert_eq!(frames[1].module, "coresdk::genai::openai");
    assert_eq!(frames[1].file, None);
    assert_eq!(frames[1].line, None);

    let requests = llm.requests();
    assert_eq!(requests.len(), 1);
    let body = &requests[0].body;
    let sent = body["messages"][1]["content"]
        .as_str()
        .expect("user message");
    let sent: DiagnosticPayload = serde_json::from_str(sent).expect("payload JSON");
    assert_eq!(sent, payload);
    let raw = body.to_string();
    assert!(!raw.contains("4111"), "no prompt content");
    assert!(!raw.contains("sk-provider-key"));
    assert!(!raw.contains("127.0.0.1"), "no server address");
    let analysis = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_ANALYSIS)
        .expect("analysis");
    assert!(
        analysis.data["analysis"]
            .as_str()
            .is_some_and(|a| !a.is_empty())
    );
    // The provider server saw the prompt, of course; the diagnostics never did.
    assert_eq!(provider.requests().len(), 1);
}

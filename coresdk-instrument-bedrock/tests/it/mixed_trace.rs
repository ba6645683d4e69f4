//! One trace across providers: a root span → a Bedrock `Converse` call → an
//! OpenAI chat call → a failing child span. Checks nesting and trace identity
//! of the exported spans. (The `#[trace]`-macro / diagnostic-payload version of
//! this acceptance test waits for those features to land on main.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{self, Harness, settings};
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::OpenAiServer;
use opentelemetry::trace::{SpanKind, Status};
use tracing::Instrument as _;

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

#[tokio::test]
async fn bedrock_then_openai_then_a_failing_child_share_one_trace() {
    let h = Harness::new();
    let openai_server = OpenAiServer::start().unwrap();
    let bedrock = h.client(settings(false, MessageFormat::Indexed));
    let openai = coresdk_instrument_openai::instrument(async_openai::Client::with_config(
        OpenAIConfig::new()
            .with_api_base(openai_server.base_url())
            .with_api_key("sk-test"),
    ))
    .with_settings(settings(false, MessageFormat::Indexed));

    let root = tracing::info_span!("answer_question");
    async {
        bedrock
            .converse()
            .model_id(MODEL)
            .messages(
                Message::builder()
                    .role(ConversationRole::User)
                    .content(ContentBlock::Text("What is 3 * 7?".into()))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let request = CreateChatCompletionRequestArgs::default()
            .model("gpt-4o")
            .messages([ChatCompletionRequestUserMessage::from("Check: 3 * 7 = 21?").into()])
            .build()
            .unwrap();
        openai.chat().create(request).await.unwrap();
        let child = tracing::info_span!("validate_answer", otel.status_code = "error");
        child.in_scope(|| tracing::error!("answer failed validation"));
    }
    .instrument(root)
    .await;

    let spans = h.finish();
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(spans.len(), 4, "{names:?}");
    let find = |name: &str| spans.iter().find(|s| s.name == name).unwrap();
    let root = find("answer_question");
    let bedrock = find(&format!("chat {MODEL}"));
    let openai = find("chat gpt-4o");
    let child = find("validate_answer");
    let trace_id = root.span_context.trace_id();
    for s in [bedrock, openai, child] {
        assert_eq!(s.span_context.trace_id(), trace_id, "{}", s.name);
        assert_eq!(s.parent_span_id, root.span_context.span_id(), "{}", s.name);
    }
    assert_eq!(bedrock.span_kind, SpanKind::Client);
    assert_eq!(openai.span_kind, SpanKind::Client);
    assert!(matches!(child.status, Status::Error { .. }));
    // Provider spans started in order and ended before the failing child began.
    assert!(bedrock.end_time <= openai.start_time);
    assert!(openai.end_time <= child.start_time);
}

/// The same trace through the real diagnostic stage: the payload read from the
/// local socket names the failing frame. The root and the child carry the
/// attributes `#[trace(intent = ..)]` records (the macro itself is not on main
/// yet), written by hand.
#[tokio::test]
async fn failed_mixed_trace_yields_a_diagnostic_payload_naming_the_failing_frame() {
    use coresdk::config::ExporterKind;
    use coresdk::egress::viewer::Viewer;
    use coresdk::egress::{DiagnosticPayload, TYPE_LLM_DIAGNOSTIC};
    use coresdk::genai::attributes::{
        CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CORESDK_INTENT,
        CORESDK_PROBLEM_TITLE, ERROR_TYPE,
    };
    use tracing_subscriber::layer::SubscriberExt as _;

    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run").join("core.sock");
    let viewer = Viewer::listen(&socket).unwrap();
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_service_name("answers-service")
        .with_socket(&socket)
        .with_llm_export(true)
        .build()
        .unwrap();
    let (layer, guard) = coresdk::layer(config).unwrap();
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let bedrock_server = coresdk_tests::bedrock_server::BedrockServer::start().unwrap();
    let openai_server = OpenAiServer::start().unwrap();
    let bedrock = coresdk_instrument_bedrock::instrument(support::sdk_client(
        &bedrock_server.endpoint_url(),
        aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled(),
    ));
    let openai = coresdk_instrument_openai::instrument(async_openai::Client::with_config(
        OpenAIConfig::new()
            .with_api_base(openai_server.base_url())
            .with_api_key("sk-test"),
    ));

    let root = tracing::info_span!(
        "answer_question",
        { CORESDK_INTENT } = "answer a user's arithmetic question",
        { CODE_FUNCTION_NAME } = "answers::answer_question",
        { CODE_FILE_PATH } = "src/answers.rs",
        { CODE_LINE_NUMBER } = 10_i64,
        otel.status_code = "ERROR",
    );
    async {
        bedrock
            .converse()
            .model_id(MODEL)
            .messages(
                Message::builder()
                    .role(ConversationRole::User)
                    .content(ContentBlock::Text("What is 3 * 7?".into()))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let request = CreateChatCompletionRequestArgs::default()
            .model("gpt-4o")
            .messages([ChatCompletionRequestUserMessage::from("Check: 3 * 7 = 21?").into()])
            .build()
            .unwrap();
        openai.chat().create(request).await.unwrap();
        let child = tracing::info_span!(
            "validate_answer",
            { CORESDK_INTENT } = "validate the model's answer",
            { CODE_FUNCTION_NAME } = "answers::validate_answer",
            { CODE_FILE_PATH } = "src/answers.rs",
            { CODE_LINE_NUMBER } = 42_i64,
            { ERROR_TYPE } = "validation",
            { CORESDK_PROBLEM_TITLE } = "Answer failed validation",
            otel.status_code = "ERROR",
        );
        child.in_scope(|| ());
    }
    .instrument(root)
    .await;
    guard.shutdown().unwrap();

    let events = viewer.collect_until(std::time::Duration::from_secs(10), |evs| {
        evs.iter().any(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
    });
    let payloads: Vec<DiagnosticPayload> = events
        .iter()
        .filter(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .map(|e| serde_json::from_value(e.data.clone()).unwrap())
        .collect();
    assert_eq!(payloads.len(), 1, "one failed trace, one payload");
    let p = &payloads[0];
    assert_eq!(p.service, "answers-service");
    let frames: Vec<_> = p.frames().collect();
    let failing: Vec<_> = frames
        .iter()
        .filter(|f| f.module == "answers::validate_answer")
        .collect();
    assert_eq!(failing.len(), 1, "{frames:?}");
    assert!(failing[0].error);
    assert_eq!(failing[0].intent, "validate the model's answer");
    assert_eq!(failing[0].line, Some(42));
    assert!(
        frames
            .iter()
            .any(|f| f.module == "answers::answer_question")
    );
}

//! One trace across providers: a root span → a Bedrock `Converse` call → an
//! OpenAI chat call → a failing child span. Checks nesting and trace identity
//! of the exported spans. (The `#[trace]`-macro / diagnostic-payload version of
//! this acceptance test waits for those features to land on main.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::OpenAiServer;
use opentelemetry::trace::{SpanKind, Status};
use support::{Harness, settings};
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

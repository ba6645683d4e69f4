//! `ConverseStream` through `TracedClient`: real event-stream frames from the
//! local server; each test asserts the exact exported attribute map.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{
    self, CORE, Harness, SYNTHETIC_REQUEST_ID, assert_attributes, attribute_map, expected,
    settings, span,
};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseStreamOutput, Message,
};
use coresdk::config::MessageFormat;
use coresdk::genai::attributes::CORESDK_PROBLEM_DETAIL;
use coresdk_tests::bedrock_server::{Canned, Frame, converse_frames, fixtures};
use opentelemetry::trace::Status;

const SONNET: &str = "anthropic.claude-3-5-sonnet-20240620-v1:0";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

const STREAMED: &str = r"
    gen_ai.operation.name = chat
    gen_ai.request.model = anthropic.claude-3-5-sonnet-20240620-v1:0
    gen_ai.request.stream = true
    gen_ai.response.time_to_first_chunk = *
    llm.time_to_first_token_ms = *
";

#[tokio::test]
async fn text_stream_accumulates_content_usage_and_time_to_first_token() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut output = client
        .converse_stream()
        .model_id(SONNET)
        .messages(user("Hello, how are you?"))
        .send()
        .await
        .unwrap();
    let mut events = 0;
    let mut text = String::new();
    while let Some(event) = output.stream.recv().await.unwrap() {
        events += 1;
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event
            && let Some(aws_sdk_bedrockruntime::types::ContentBlockDelta::Text(t)) = delta.delta
        {
            text.push_str(&t);
        }
    }
    // The caller sees every event the SDK decodes, unchanged.
    assert_eq!(events, 16);
    let want_text = "Hello! As an AI language model, I don't have feelings, but I'm functioning well and ready to assist you. How can I help you today?";
    assert_eq!(text, want_text);
    assert_eq!(h.server.requests()[0].operation, "converse-stream");
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {SONNET}"));
    assert_eq!(s.status, Status::Unset);
    let events: Vec<&str> = s.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(events, ["first_token_received"]);
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        STREAMED,
        &format!("{} = {want_text}", support::completion_0_content()),
        r#"
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Hello, how are you?
        gen_ai.response.finish_reasons = ["end_turn"]
        gen_ai.response.model = anthropic.claude-3-5-sonnet-20240620-v1:0
        gen_ai.usage.input_tokens = 13
        gen_ai.usage.output_tokens = 35
        llm.cost_usd = 0.000564
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = end_turn
        "#,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn tool_use_stream_assembles_the_tool_call() {
    let h = Harness::new();
    h.server.push(Canned::converse_stream_tool_use());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut output = client
        .converse_stream()
        .model_id(SONNET)
        .messages(user("What is the weather in Barcelona?"))
        .send()
        .await
        .unwrap();
    while output.stream.recv().await.unwrap().is_some() {}
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {SONNET}"));
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        STREAMED,
        r#"
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = What is the weather in Barcelona?
        gen_ai.response.finish_reasons = ["tool_use"]
        gen_ai.response.model = anthropic.claude-3-5-sonnet-20240620-v1:0
        gen_ai.usage.input_tokens = 236
        gen_ai.usage.output_tokens = 58
        llm.cost_usd = 0.001578
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = Okay, let me check the weather for Barcelona using the available tool:
        gen_ai.completion.0.tool_calls.0.id = tooluse_yypYDr71TwCwByoyao4-Vg
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_weather
        gen_ai.completion.0.tool_calls.0.function.arguments = {"location": "Barcelona"}
        gen_ai.completion.0.finish_reason = tool_use
        "#,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn dropping_the_stream_early_marks_the_span_cancelled() {
    let h = Harness::new();
    // messageStart + 3 deltas, then the server keeps the response open.
    h.server.push(Canned::converse_stream().hang_after(4));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut output = client
        .converse_stream()
        .model_id(SONNET)
        .messages(user("Hello, how are you?"))
        .send()
        .await
        .unwrap();
    for _ in 0..4 {
        output.stream.recv().await.unwrap().unwrap();
    }
    drop(output);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {SONNET}"));
    assert_eq!(s.status, Status::Unset);
    let want = expected(&[
        CORE,
        "gen_ai.response.model = anthropic.claude-3-5-sonnet-20240620-v1:0",
        SYNTHETIC_REQUEST_ID,
        STREAMED,
        r"
        coresdk.cancelled = true
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Hello, how are you?
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = Hello! As an AI
        ",
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn in_stream_exception_fails_the_span_with_the_aws_code() {
    let h = Harness::new();
    let mut frames = converse_frames(fixtures::CONVERSE_STREAM_EVENTS);
    frames.truncate(3);
    let message = "Too many requests, please wait before trying again. You have sent too many requests.  Wait before trying again.";
    frames.push(Frame::exception("throttlingException", message));
    h.server.push(Canned::frames(&frames));
    let client = h.client(settings(false, MessageFormat::Indexed));
    let mut output = client
        .converse_stream()
        .model_id(SONNET)
        .messages(user("Hello, how are you?"))
        .send()
        .await
        .unwrap();
    let error = loop {
        match output.stream.recv().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("stream ended without the exception"),
            Err(error) => break error,
        }
    };
    assert!(matches!(
        error.as_service_error(),
        Some(
            aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError::ThrottlingException(_)
        )
    ));
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {SONNET}"));
    assert_eq!(
        s.status,
        Status::error(format!("Rate limited by the model provider: {message}"))
    );
    let want = expected(&[
        CORE,
        "gen_ai.response.model = anthropic.claude-3-5-sonnet-20240620-v1:0",
        SYNTHETIC_REQUEST_ID,
        STREAMED,
        &format!("{CORESDK_PROBLEM_DETAIL} = {message}"),
        r"
        gen_ai.prompt.0.role = user
        gen_ai.completion.0.role = assistant
        error.type = ThrottlingException
        coresdk.problem.type = https://coresdk.dev/problems/genai/rate-limited
        coresdk.problem.title = Rate limited by the model provider
        coresdk.recovery_hint = retry with exponential backoff
        ",
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

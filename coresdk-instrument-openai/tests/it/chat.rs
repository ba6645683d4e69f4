//! Non-streaming chat calls through `TracedClient` against the local
//! OpenAI-compatible server: each test asserts the exact exported attribute map.
#![allow(
    deprecated,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)] // `seed`, `user`

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestToolMessageArgs,
    ChatCompletionRequestUserMessage, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, FunctionCall, FunctionObject,
    ResponseFormat, ServiceTier, StopConfiguration,
};
use coresdk::config::MessageFormat;
use coresdk::context::{self, AppContext};
use coresdk_tests::openai_server::Canned;
use opentelemetry::trace::{SpanKind, Status};
use tracing::Instrument as _;

fn geography() -> Vec<ChatCompletionRequestMessage> {
    vec![
        ChatCompletionRequestSystemMessage::from("You are a geography tutor.").into(),
        ChatCompletionRequestUserMessage::from("What is the capital of Mexico?").into(),
    ]
}

fn every_parameter() -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(geography())
        .max_completion_tokens(256_u32)
        .temperature(0.7)
        .top_p(0.9)
        .frequency_penalty(0.5)
        .presence_penalty(0.25)
        .stop(StopConfiguration::StringArray(vec![
            "END".into(),
            "STOP".into(),
        ]))
        .seed(42)
        .n(1)
        .user("user-1234")
        .service_tier(ServiceTier::Default)
        .response_format(ResponseFormat::Text)
        .build()
        .unwrap()
}

const CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    gen_ai.system = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
"#;

const FIXTURE_RESPONSE: &str = r#"
    gen_ai.response.id = chatcmpl-CMKB2zKd9FIICG7iouTBKPCs0fLnL
    gen_ai.response.model = gpt-4o-2024-08-06
    gen_ai.response.finish_reasons = ["stop"]
    openai.response.system_fingerprint = fp_cbf1785567
    gen_ai.openai.response.service_tier = default
    gen_ai.usage.input_tokens = 14
    gen_ai.usage.output_tokens = 8
    gen_ai.usage.cache_read.input_tokens = 0
    gen_ai.usage.reasoning.output_tokens = 0
    llm.cost_usd = 0.000115
"#;

fn with_core(parts: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut all = String::from(CORE);
    for p in parts {
        all.push_str(p);
    }
    expected(&all)
}

#[tokio::test]
async fn system_and_user_chat_with_every_sampling_parameter() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let response = client.chat().create(every_parameter()).await.unwrap();
    assert_eq!(
        response.choices[0].message.content.as_deref(),
        Some("The capital of Mexico is Mexico City.")
    );
    let sent = h.server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/v1/chat/completions");
    assert_eq!(sent[0].body["seed"], 42);
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1);
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(s.status, Status::Unset);
    assert!(s.events.is_empty());
    let want = with_core(&[
        r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.max_tokens = 256
        gen_ai.request.temperature = 0.7
        gen_ai.request.top_p = 0.9
        gen_ai.request.frequency_penalty = 0.5
        gen_ai.request.presence_penalty = 0.25
        gen_ai.request.stop_sequences = ["END","STOP"]
        gen_ai.request.seed = 42
        gen_ai.request.choice.count = 1
        gen_ai.request.stream = false
        gen_ai.request.user = user-1234
        gen_ai.openai.request.user = user-1234
        gen_ai.openai.request.seed = 42
        gen_ai.openai.request.service_tier = default
        gen_ai.openai.request.response_format = text
        gen_ai.output.type = text
        gen_ai.prompt.0.role = system
        gen_ai.prompt.0.content = You are a geography tutor.
        gen_ai.prompt.1.role = user
        gen_ai.prompt.1.content = What is the capital of Mexico?
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital of Mexico is Mexico City.
        gen_ai.completion.0.finish_reason = stop
        "#,
        FIXTURE_RESPONSE,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn content_capture_off_keeps_roles_ids_and_finish_reasons() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Indexed));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(geography())
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = with_core(&[
        r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = system
        gen_ai.prompt.1.role = user
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = stop
        "#,
        FIXTURE_RESPONSE,
    ]);
    assert_attributes(&attribute_map(span(&spans, "chat gpt-4o"), port), &want);
}

fn weather_tool() -> ChatCompletionTools {
    ChatCompletionTools::Function(ChatCompletionTool {
        function: FunctionObject {
            name: "get_temperature".into(),
            description: Some("Current temperature in a city".into()),
            parameters: Some(serde_json::json!({
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"]
            })),
            strict: None,
        },
    })
}

#[tokio::test]
async fn tool_definition_tool_call_and_tool_result_turn() {
    let h = Harness::new();
    h.server.push(Canned::chat_completion_tool_call());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let question: ChatCompletionRequestMessage =
        ChatCompletionRequestUserMessage::from("How warm is it in Tokyo?").into();
    let first = CreateChatCompletionRequestArgs::default()
        .model("gpt-4.1-mini")
        .messages(vec![question.clone()])
        .tools(vec![weather_tool()])
        .build()
        .unwrap();
    let response = client.chat().create(first).await.unwrap();
    let calls = response.choices[0].message.tool_calls.clone().unwrap();

    // The tool-result turn: the assistant's call and the tool's answer go back.
    let ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall { id, .. }) =
        &calls[0]
    else {
        panic!("expected a function call");
    };
    let second = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![
            question,
            ChatCompletionRequestAssistantMessageArgs::default()
                .tool_calls(vec![ChatCompletionMessageToolCalls::Function(
                    ChatCompletionMessageToolCall {
                        id: id.clone(),
                        function: FunctionCall {
                            name: "get_temperature".into(),
                            arguments: r#"{"city":"Tokyo"}"#.into(),
                        },
                    },
                )])
                .build()
                .unwrap()
                .into(),
            ChatCompletionRequestToolMessageArgs::default()
                .tool_call_id(id.clone())
                .content("21C and sunny")
                .build()
                .unwrap()
                .into(),
        ])
        .tools(vec![weather_tool()])
        .build()
        .unwrap();
    client.chat().create(second).await.unwrap();

    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 2);
    let params = r#"{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}"#;
    let tools = format!(
        r#"
        gen_ai.request.tools.0.type = function
        gen_ai.request.tools.0.function.name = get_temperature
        gen_ai.request.tools.0.function.description = Current temperature in a city
        gen_ai.request.tools.0.function.parameters = {params}
        gen_ai.openai.request.tools.0.type = function
        gen_ai.openai.request.tools.0.function.name = get_temperature
        gen_ai.openai.request.tools.0.function.description = Current temperature in a city
        gen_ai.openai.request.tools.0.function.parameters = {params}
        "#
    );
    let want_first = with_core(&[
        &tools,
        r#"
        gen_ai.request.model = gpt-4.1-mini
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = How warm is it in Tokyo?
        gen_ai.response.id = chatcmpl-BMxEwRA0p0gJ52oKS7806KAlfMhqq
        gen_ai.response.model = gpt-4.1-mini-2025-04-14
        gen_ai.response.finish_reasons = ["tool_calls"]
        openai.response.system_fingerprint = fp_38647f5e19
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 50
        gen_ai.usage.output_tokens = 15
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000044
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = tool_calls
        gen_ai.completion.0.tool_calls.0.id = call_bhZkmIKKItNGJ41whHUHB7p9
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_temperature
        gen_ai.completion.0.tool_calls.0.function.arguments = {"city":"Tokyo"}
        "#,
    ]);
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4.1-mini"), port),
        &want_first,
    );
    let want_second = with_core(&[
        &tools,
        r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = How warm is it in Tokyo?
        gen_ai.prompt.1.role = assistant
        gen_ai.prompt.1.tool_calls.0.id = call_bhZkmIKKItNGJ41whHUHB7p9
        gen_ai.prompt.1.tool_calls.0.type = function
        gen_ai.prompt.1.tool_calls.0.function.name = get_temperature
        gen_ai.prompt.1.tool_calls.0.function.arguments = {"city":"Tokyo"}
        gen_ai.prompt.2.role = tool
        gen_ai.prompt.2.content = 21C and sunny
        gen_ai.prompt.2.tool_call_id = call_bhZkmIKKItNGJ41whHUHB7p9
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital of Mexico is Mexico City.
        gen_ai.completion.0.finish_reason = stop
        "#,
        FIXTURE_RESPONSE,
    ]);
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want_second,
    );
}

#[tokio::test]
async fn two_choices_one_cut_at_length() {
    let h = Harness::new();
    h.server.push(Canned::chat_completion_n2_length());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![
            ChatCompletionRequestUserMessage::from("What is the capital of Mexico?").into(),
        ])
        .n(2)
        .max_completion_tokens(12_u32)
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    let want = with_core(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.max_tokens = 12
        gen_ai.request.choice.count = 2
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = What is the capital of Mexico?
        gen_ai.response.id = chatcmpl-CMKB7xQ2fVn8pL0aR4tYc1ZsHk3Wd
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["stop","length"]
        llm.truncated = true
        openai.response.system_fingerprint = fp_cbf1785567
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 14
        gen_ai.usage.output_tokens = 20
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000235
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = Mexico City is the capital of Mexico.
        gen_ai.completion.0.finish_reason = stop
        gen_ai.completion.1.role = assistant
        gen_ai.completion.1.content = The capital of Mexico is Mexico City, which is also
        gen_ai.completion.1.finish_reason = length
        "#]);
    assert_attributes(&attribute_map(s, port), &want);
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].name, "response_truncated");
    assert_eq!(s.events[0].attributes[0].value.to_string(), "12");
}

#[tokio::test]
async fn json_message_format() {
    let h = Harness::new();
    h.server.push(Canned::chat_completion_tool_call());
    let client = h.client(settings(true, MessageFormat::Json));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4.1-mini")
        .messages(geography())
        .tools(vec![weather_tool()])
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, "chat gpt-4.1-mini"), port);
    let want = with_core(&[r#"
        gen_ai.request.model = gpt-4.1-mini
        gen_ai.request.stream = false
        gen_ai.response.id = chatcmpl-BMxEwRA0p0gJ52oKS7806KAlfMhqq
        gen_ai.response.model = gpt-4.1-mini-2025-04-14
        gen_ai.response.finish_reasons = ["tool_calls"]
        openai.response.system_fingerprint = fp_38647f5e19
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 50
        gen_ai.usage.output_tokens = 15
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000044
        gen_ai.input.messages = [{"parts":[{"content":"You are a geography tutor.","type":"text"}],"role":"system"},{"parts":[{"content":"What is the capital of Mexico?","type":"text"}],"role":"user"}]
        gen_ai.output.messages = [{"finish_reason":"tool_call","parts":[{"arguments":{"city":"Tokyo"},"id":"call_bhZkmIKKItNGJ41whHUHB7p9","name":"get_temperature","type":"tool_call"}],"role":"assistant"}]
        gen_ai.tool.definitions = [{"description":"Current temperature in a city","name":"get_temperature","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"},"type":"function"}]
        "#]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn both_message_formats_without_content() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Both));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(geography())
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = with_core(&[
        r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = system
        gen_ai.prompt.1.role = user
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = stop
        gen_ai.input.messages = [{"parts":[{"type":"text"}],"role":"system"},{"parts":[{"type":"text"}],"role":"user"}]
        gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"type":"text"}],"role":"assistant"}]
        "#,
        FIXTURE_RESPONSE,
    ]);
    assert_attributes(&attribute_map(span(&spans, "chat gpt-4o"), port), &want);
}

#[tokio::test]
async fn nests_under_the_caller_span_and_carries_app_context() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Indexed));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(geography())
        .build()
        .unwrap();
    let ctx = AppContext::new()
        .with_user_id("u-42")
        .with_session_id("s-7")
        .with_feature("geo-quiz")
        .with_prompt_version("tutor-v3");
    context::scope(ctx, async {
        client.chat().create(request).await.unwrap();
    })
    .instrument(tracing::info_span!("answer_question"))
    .await;
    // Outside the scope: no application context.
    let plain = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages(geography())
        .build()
        .unwrap();
    client.chat().create(plain).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let parent = span(&spans, "answer_question");
    let chat = span(&spans, "chat gpt-4o");
    assert_eq!(chat.parent_span_id, parent.span_context.span_id());
    assert_eq!(chat.span_context.trace_id(), parent.span_context.trace_id());
    let got = attribute_map(chat, port);
    assert_eq!(got["user.id"], "u-42");
    assert_eq!(got["session.id"], "s-7");
    assert_eq!(got["app.feature"], "geo-quiz");
    assert_eq!(got["app.prompt.version"], "tutor-v3");
    let other = attribute_map(span(&spans, "chat gpt-4o-mini"), port);
    assert!(!other.contains_key("user.id"));
}

const LATEST_CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
"#;

#[tokio::test]
async fn latest_conventions_every_parameter() {
    let h = Harness::new();
    let client = h.client(crate::support::latest(true));
    client.chat().create(every_parameter()).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = expected(&format!(
        "{LATEST_CORE}{}",
        r#"
        gen_ai.request.model = gpt-4o
        gen_ai.request.max_tokens = 256
        gen_ai.request.temperature = 0.7
        gen_ai.request.top_p = 0.9
        gen_ai.request.frequency_penalty = 0.5
        gen_ai.request.presence_penalty = 0.25
        gen_ai.request.stop_sequences = ["END","STOP"]
        gen_ai.request.seed = 42
        gen_ai.request.choice.count = 1
        gen_ai.request.user = user-1234
        gen_ai.output.type = text
        openai.request.service_tier = default
        gen_ai.input.messages = [{"parts":[{"content":"You are a geography tutor.","type":"text"}],"role":"system"},{"parts":[{"content":"What is the capital of Mexico?","type":"text"}],"role":"user"}]
        gen_ai.response.id = chatcmpl-CMKB2zKd9FIICG7iouTBKPCs0fLnL
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["stop"]
        openai.response.system_fingerprint = fp_cbf1785567
        openai.response.service_tier = default
        gen_ai.usage.input_tokens = 14
        gen_ai.usage.output_tokens = 8
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000115
        gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"content":"The capital of Mexico is Mexico City.","type":"text"}],"role":"assistant"}]
        "#
    ));
    assert_attributes(&attribute_map(span(&spans, "chat gpt-4o"), port), &want);
}

#[tokio::test]
async fn latest_conventions_tool_call_without_content() {
    let h = Harness::new();
    h.server.push(Canned::chat_completion_tool_call());
    let client = h.client(crate::support::latest(false));
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4.1-mini")
        .messages(geography())
        .tools(vec![weather_tool()])
        .response_format(ResponseFormat::JsonObject)
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = expected(&format!(
        "{LATEST_CORE}{}",
        r#"
        gen_ai.request.model = gpt-4.1-mini
        gen_ai.output.type = json
        gen_ai.input.messages = [{"parts":[{"type":"text"}],"role":"system"},{"parts":[{"type":"text"}],"role":"user"}]
        gen_ai.tool.definitions = [{"description":"Current temperature in a city","name":"get_temperature","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"},"type":"function"}]
        gen_ai.response.id = chatcmpl-BMxEwRA0p0gJ52oKS7806KAlfMhqq
        gen_ai.response.model = gpt-4.1-mini-2025-04-14
        gen_ai.response.finish_reasons = ["tool_call"]
        openai.response.system_fingerprint = fp_38647f5e19
        openai.response.service_tier = default
        gen_ai.usage.input_tokens = 50
        gen_ai.usage.output_tokens = 15
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000044
        gen_ai.output.messages = [{"finish_reason":"tool_call","parts":[{"id":"call_bhZkmIKKItNGJ41whHUHB7p9","name":"get_temperature","type":"tool_call"}],"role":"assistant"}]
        "#
    ));
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4.1-mini"), port),
        &want,
    );
}

/// A user turn with every media kind chat completions take.
fn media_request() -> CreateChatCompletionRequest {
    serde_json::from_value(serde_json::json!({
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Compare these."},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,/9j/4AAQ"}},
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            {"type": "file", "file": {"file_id": "file-abc"}}
        ]}]
    }))
    .unwrap()
}

#[tokio::test]
async fn latest_conventions_media_parts_with_and_without_content() {
    for capture in [true, false] {
        let h = Harness::new();
        let client = h.client(crate::support::latest(capture));
        client.chat().create(media_request()).await.unwrap();
        let port = h.port();
        let spans = h.finish();
        let got = attribute_map(span(&spans, "chat gpt-4o"), port);
        let input: serde_json::Value = serde_json::from_str(&got["gen_ai.input.messages"]).unwrap();
        let want = if capture {
            serde_json::json!([{"role": "user", "parts": [
                {"type": "text", "content": "Compare these."},
                {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
                {"type": "blob", "modality": "image", "mime_type": "image/jpeg",
                 "content": "/9j/4AAQ"},
                {"type": "blob", "modality": "audio", "mime_type": "audio/wav",
                 "content": "UklGRg=="},
                {"type": "file", "modality": "document", "file_id": "file-abc"}
            ]}])
        } else {
            serde_json::json!([{"role": "user", "parts": [
                {"type": "text"},
                {"type": "uri", "modality": "image"},
                {"type": "blob", "modality": "image", "mime_type": "image/jpeg"},
                {"type": "blob", "modality": "audio", "mime_type": "audio/wav"},
                {"type": "file", "modality": "document", "file_id": "file-abc"}
            ]}])
        };
        assert_eq!(input, want, "capture {capture}");
    }
}

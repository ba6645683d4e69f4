//! Streamed chat calls: accumulation, usage, time to first token, streamed
//! tool calls and a stream dropped half-way. Exact attribute maps.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::{Canned, fixtures};
use futures_util::StreamExt as _;
use opentelemetry::trace::Status;

fn request(
    model: &str,
    include_usage: bool,
) -> async_openai::types::chat::CreateChatCompletionRequest {
    let mut args = CreateChatCompletionRequestArgs::default();
    args.model(model).messages(vec![
        ChatCompletionRequestUserMessage::from("What is the capital of Mexico?").into(),
    ]);
    if include_usage {
        args.stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        });
    }
    args.build().unwrap()
}

const STREAM_CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    gen_ai.system = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
    gen_ai.response.time_to_first_chunk = *
    llm.time_to_first_token_ms = *
    gen_ai.request.stream = true
    gen_ai.prompt.0.role = user
    gen_ai.prompt.0.content = What is the capital of Mexico?
"#;

fn want(parts: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut all = String::from(STREAM_CORE);
    for p in parts {
        all.push_str(p);
    }
    expected(&all)
}

#[tokio::test]
async fn stream_with_include_usage() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", true))
        .await
        .unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.next().await {
        for choice in chunk.unwrap().choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or_default());
        }
    }
    assert_eq!(text, "The capital of Mexico is Mexico City.");
    drop(stream);
    assert_eq!(h.server.requests()[0].body["stream"], true);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.status, Status::Unset);
    let events: Vec<&str> = s.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(events, ["first_token_received"]);
    assert_attributes(
        &attribute_map(s, port),
        &want(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.response.id = chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["stop"]
        openai.response.system_fingerprint = fp_cbf1785567
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 14
        gen_ai.usage.output_tokens = 8
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000115
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital of Mexico is Mexico City.
        gen_ai.completion.0.finish_reason = stop
        "#]),
    );
}

#[tokio::test]
async fn stream_without_include_usage_has_no_usage_or_cost() {
    let h = Harness::new();
    // The same stream without the final usage chunk.
    let sse: String = fixtures::CHAT_STREAM
        .split_inclusive("\n\n")
        .filter(|event| !event.contains(r#""choices":[]"#))
        .collect();
    h.server.push(Canned::sse(&sse));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", false))
        .await
        .unwrap();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
        chunks += 1;
    }
    assert_eq!(chunks, 10);
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.response.id = chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["stop"]
        openai.response.system_fingerprint = fp_cbf1785567
        gen_ai.openai.response.service_tier = default
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital of Mexico is Mexico City.
        gen_ai.completion.0.finish_reason = stop
        "#]),
    );
}

#[tokio::test]
async fn streamed_tool_call_is_reassembled() {
    let h = Harness::new();
    h.server.push(Canned::chat_stream_tool_call());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", true))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.response.id = chatcmpl-C1KMJC4uUHgeJ4A0e8jM8wufrmdxX
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["tool_calls"]
        openai.response.system_fingerprint = fp_ff25b2783a
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 423
        gen_ai.usage.output_tokens = 15
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.0012075
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = tool_calls
        gen_ai.completion.0.tool_calls.0.id = call_Vz0Sie91Ap56nH0ThKGrZXT7
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_weather
        gen_ai.completion.0.tool_calls.0.function.arguments = {"city":"Mexico City"}
        "#]),
    );
}

#[tokio::test]
async fn stream_dropped_half_way_is_cancelled_with_what_arrived() {
    let h = Harness::new();
    // Four events (role, "The", " capital", " of"), then the server goes quiet.
    h.server.push(Canned::chat_stream().hang_after(4));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", true))
        .await
        .unwrap();
    for _ in 0..3 {
        stream.next().await.unwrap().unwrap();
    }
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.status, Status::Unset);
    assert_attributes(
        &attribute_map(s, port),
        &want(&[r#"
        gen_ai.request.model = gpt-4o
        coresdk.cancelled = true
        gen_ai.response.id = chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT
        gen_ai.response.model = gpt-4o-2024-08-06
        openai.response.system_fingerprint = fp_cbf1785567
        gen_ai.openai.response.service_tier = default
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital
        "#]),
    );
}

#[tokio::test]
async fn stream_without_content_capture() {
    let h = Harness::new();
    h.server.push(Canned::chat_stream_tool_call());
    let client = h.client(settings(false, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", true))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    let mut want = want(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.response.id = chatcmpl-C1KMJC4uUHgeJ4A0e8jM8wufrmdxX
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["tool_calls"]
        openai.response.system_fingerprint = fp_ff25b2783a
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 423
        gen_ai.usage.output_tokens = 15
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.0012075
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = tool_calls
        gen_ai.completion.0.tool_calls.0.id = call_Vz0Sie91Ap56nH0ThKGrZXT7
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_weather
        "#]);
    want.retain(|k, _| !k.ends_with(".content"));
    assert_attributes(&attribute_map(span(&spans, "chat gpt-4o"), port), &want);
}

#[tokio::test]
async fn stream_include_usage_setting_asks_for_usage_and_passes_the_chunk_on() {
    let h = Harness::new();
    let client = h.client(
        coresdk::genai::GenAiSettings::builder()
            .with_capture_content(true)
            .with_openai_stream_include_usage(true)
            .build(),
    );
    // The caller did not ask for usage: the setting does.
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", false))
        .await
        .unwrap();
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next().await {
        chunks.push(chunk.unwrap());
    }
    drop(stream);
    let body = &h.server.requests()[0].body;
    assert_eq!(body["stream_options"]["include_usage"], true);
    // Every chunk reaches the caller, the usage-only one last and unchanged.
    let sent = fixtures::CHAT_STREAM.matches("data: {").count();
    assert_eq!(chunks.len(), sent);
    let last = chunks.last().unwrap();
    assert!(last.choices.is_empty());
    assert_eq!(last.id, "chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT");
    let usage = last.usage.as_ref().unwrap();
    assert_eq!(
        (
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.total_tokens
        ),
        (14, 8, 22)
    );
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want(&[r#"
        gen_ai.request.model = gpt-4o
        gen_ai.response.id = chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT
        gen_ai.response.model = gpt-4o-2024-08-06
        gen_ai.response.finish_reasons = ["stop"]
        openai.response.system_fingerprint = fp_cbf1785567
        gen_ai.openai.response.service_tier = default
        gen_ai.usage.input_tokens = 14
        gen_ai.usage.output_tokens = 8
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.reasoning.output_tokens = 0
        llm.cost_usd = 0.000115
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = The capital of Mexico is Mexico City.
        gen_ai.completion.0.finish_reason = stop
        "#]),
    );
}

#[tokio::test]
async fn stream_include_usage_setting_off_leaves_the_request_alone() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Indexed));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", false))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    drop(stream);
    assert!(h.server.requests()[0].body.get("stream_options").is_none());
    h.finish();
}

#[tokio::test]
async fn latest_conventions_stream() {
    let h = Harness::new();
    let client = h.client(crate::support::latest(true));
    let mut stream = client
        .chat()
        .create_stream(request("gpt-4o", true))
        .await
        .unwrap();
    while let Some(chunk) = stream.next().await {
        chunk.unwrap();
    }
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &expected(
            r#"
        gen_ai.operation.name = chat
        gen_ai.provider.name = openai
        server.address = 127.0.0.1
        server.port = PORT
        llm.latency_ms = *
        gen_ai.response.time_to_first_chunk = *
        llm.time_to_first_token_ms = *
        gen_ai.request.model = gpt-4o
        gen_ai.request.stream = true
        gen_ai.input.messages = [{"parts":[{"content":"What is the capital of Mexico?","type":"text"}],"role":"user"}]
        gen_ai.response.id = chatcmpl-CMKB4CzjM9AbvNcftqEsFcWBSrZNT
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
        "#,
        ),
    );
}

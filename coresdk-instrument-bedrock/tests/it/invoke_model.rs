//! `InvokeModel` / `InvokeModelWithResponseStream` through `TracedClient`:
//! each model family's recorded body, an unknown family, bodies that are not
//! JSON, embeddings, and a streamed Anthropic body. Each test asserts the
//! exact exported attribute map.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use crate::support::{
    self, CORE, Harness, assert_attributes, attribute_map, expected, settings, span,
};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::ResponseStream;
use coresdk::config::MessageFormat;
use coresdk::genai::attributes::GEN_AI_REQUEST_MODEL;
use coresdk_tests::bedrock_server::{Canned, fixtures};
use opentelemetry::trace::Status;
use serde_json::Value;

struct Fixture {
    model: String,
    request: String,
    response: Value,
}

fn fixture(text: &str) -> Fixture {
    let file: Value = serde_json::from_str(text).unwrap();
    Fixture {
        model: file["model_id"].as_str().unwrap().to_owned(),
        request: file["request"].to_string(),
        response: file["response"].clone(),
    }
}

/// Removes and returns an attribute whose value spans lines.
fn take(got: &mut BTreeMap<String, String>, key: &str) -> String {
    got.remove(key).unwrap_or_else(|| panic!("missing {key}"))
}

/// Sends `fixture`'s recorded request with content capture `capture`;
/// returns the attribute map of the one exported span, named `name`.
async fn invoke(text: &str, capture: bool, name_op: &str) -> (Fixture, BTreeMap<String, String>) {
    let f = fixture(text);
    let h = Harness::new();
    let client = h.client(settings(capture, MessageFormat::Indexed));
    let output = client
        .invoke_model()
        .model_id(&f.model)
        .content_type("application/json")
        .body(Blob::new(f.request.clone()))
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(output.body.as_ref()).unwrap();
    assert_eq!(body, f.response, "the caller gets the body unchanged");
    let sent = h.server.requests();
    assert!(sent[0].signed);
    assert_eq!(sent[0].operation, "invoke");
    assert_eq!(sent[0].model_id, f.model);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("{name_op} {}", f.model));
    assert_eq!(s.status, Status::Unset);
    let map = attribute_map(s, port);
    (f, map)
}

fn sizes(f: &Fixture, response_len: usize) -> String {
    format!(
        "
        gen_ai.request.model = {}
        http.request.body.size = {}
        http.response.body.size = {response_len}
        gen_ai.request.stream = false
        ",
        f.model,
        f.request.len()
    )
}

#[tokio::test]
async fn anthropic_messages_body_with_prompt_cache() {
    let (f, mut got) = invoke(fixtures::INVOKE_ANTHROPIC, true, "chat").await;
    let content = take(&mut got, &support::completion_0_content());
    assert_eq!(content, f.response["content"][0]["text"].as_str().unwrap());
    let want = expected(&[
        CORE,
        &sizes(&f, 557),
        r#"
        gen_ai.operation.name = chat
        aws.request_id = 0a3a8d2d-dfe0-499b-8bf5-5517a07e67d2
        gen_ai.request.max_tokens = 50
        gen_ai.request.temperature = 0.1
        gen_ai.request.top_p = 0.1
        gen_ai.request.top_k = 250
        gen_ai.request.stop_sequences = ["stop"]
        gen_ai.prompt.0.role = system
        gen_ai.prompt.0.content = very very long system prompt
        gen_ai.prompt.1.role = user
        gen_ai.prompt.1.content = How do I write js?
        gen_ai.response.id = msg_bdrk_01FmwvNC1ksCq1T8tjvgUdDB
        gen_ai.response.model = claude-3-5-haiku-20241022
        gen_ai.response.finish_reasons = ["max_tokens"]
        llm.truncated = true
        gen_ai.usage.input_tokens = 18135
        gen_ai.usage.output_tokens = 50
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.cache_creation.input_tokens = 18131
        llm.cost_usd = 0.0183342
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = max_tokens
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn anthropic_tool_use_body() {
    let f = fixture(fixtures::INVOKE_ANTHROPIC_TOOL_USE);
    let h = Harness::new();
    h.server
        .push(Canned::invoke_fixture(fixtures::INVOKE_ANTHROPIC_TOOL_USE));
    let client = h.client(settings(true, MessageFormat::Indexed));
    client
        .invoke_model()
        .model_id(&f.model)
        .body(Blob::new(f.request.clone()))
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, &format!("chat {}", f.model)), port);
    let params = r#"{"properties":{"location":{"description":"The city and state","type":"string"}},"required":["location"],"type":"object"}"#;
    let want = expected(&[
        CORE,
        &sizes(&f, 533),
        &format!(
            "
            gen_ai.request.tools.0.function.parameters = {params}
            gen_ai.bedrock.request.tools.0.function.parameters = {params}
            "
        ),
        r#"
        gen_ai.operation.name = chat
        aws.request_id = ac155db7-f18e-4cee-9a76-5f518d18ba73
        gen_ai.request.max_tokens = 100
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = What's the weather like in San Francisco?
        gen_ai.request.tools.0.type = function
        gen_ai.request.tools.0.function.name = get_weather
        gen_ai.request.tools.0.function.description = Get current weather for a location
        gen_ai.bedrock.request.tools.0.type = function
        gen_ai.bedrock.request.tools.0.function.name = get_weather
        gen_ai.bedrock.request.tools.0.function.description = Get current weather for a location
        gen_ai.response.id = msg_bdrk_01UCkMJ9Yp7J1ZpAWtK8CdYN
        gen_ai.response.model = claude-3-5-sonnet-20240620
        gen_ai.response.finish_reasons = ["tool_use"]
        gen_ai.usage.input_tokens = 373
        gen_ai.usage.output_tokens = 94
        llm.cost_usd = 0.002529
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = Certainly! I can help you with that information. To get the current weather for San Francisco, I'll use the get_weather function. Let me fetch that data for you.
        gen_ai.completion.0.tool_calls.0.id = toolu_bdrk_01MqHGzs8QwkdkVjJYrbLTPp
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_weather
        gen_ai.completion.0.tool_calls.0.function.arguments = {"location":"San Francisco, CA"}
        gen_ai.completion.0.finish_reason = tool_use
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn amazon_nova_body() {
    let (f, mut got) = invoke(fixtures::INVOKE_NOVA, true, "chat").await;
    let content = take(&mut got, &support::completion_0_content());
    assert!(content.starts_with("Sure, here's a joke for you:\n\n"));
    let want = expected(&[
        CORE,
        &sizes(&f, 463),
        r#"
        gen_ai.operation.name = chat
        aws.request_id = ae14e85a-2f22-46b0-8540-277b810fab77
        gen_ai.request.max_tokens = 500
        gen_ai.request.temperature = 0.7
        gen_ai.request.top_p = 0.9
        gen_ai.request.top_k = 20
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Tell me a joke about OpenTelemetry
        gen_ai.response.finish_reasons = ["end_turn"]
        gen_ai.usage.input_tokens = 7
        gen_ai.usage.output_tokens = 53
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.cache_creation.input_tokens = 0
        llm.cost_usd = 0.00001314
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = end_turn
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn amazon_titan_text_body_is_a_text_completion() {
    let (f, got) = invoke(fixtures::INVOKE_TITAN_TEXT, false, "text_completion").await;
    let want = expected(&[
        CORE,
        &sizes(&f, 195),
        r#"
        gen_ai.operation.name = text_completion
        aws.request_id = c3d3e98a-d317-4bf2-a16e-481e56e7f112
        gen_ai.request.max_tokens = 100
        gen_ai.request.temperature = 0.7
        gen_ai.prompt.0.role = user
        gen_ai.response.finish_reasons = ["FINISH"]
        gen_ai.usage.input_tokens = 6
        gen_ai.usage.output_tokens = 26
        llm.cost_usd = 0.0000168
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = FINISH
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn meta_llama_body() {
    let (f, mut got) = invoke(fixtures::INVOKE_LLAMA, true, "text_completion").await;
    let content = take(&mut got, &support::completion_0_content());
    assert_eq!(content, f.response["generation"].as_str().unwrap());
    let want = expected(&[
        CORE,
        &sizes(&f, 236),
        r#"
        gen_ai.operation.name = text_completion
        aws.request_id = 49f48fb6-28ab-4471-95e3-57e5579f3a52
        gen_ai.request.max_tokens = 128
        gen_ai.request.temperature = 0.1
        gen_ai.request.top_p = 0.9
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Tell me a joke about opentelemetry
        gen_ai.response.finish_reasons = ["stop"]
        gen_ai.usage.input_tokens = 8
        gen_ai.usage.output_tokens = 35
        llm.cost_usd = 0.0001437
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = stop
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn mistral_body_takes_usage_from_the_bedrock_headers() {
    let (f, got) = invoke(fixtures::INVOKE_MISTRAL, true, "text_completion").await;
    let want = expected(&[
        CORE,
        &sizes(&f, 232),
        &format!(
            "{} = {}",
            support::completion_0_content(),
            f.response["outputs"][0]["text"].as_str().unwrap()
        ),
        r#"
        gen_ai.operation.name = text_completion
        aws.request_id = 5d1c8e7a-3f42-4b9e-a0d6-7c2b9e41f853
        gen_ai.request.max_tokens = 200
        gen_ai.request.temperature = 0.5
        gen_ai.request.top_p = 0.9
        gen_ai.request.top_k = 50
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = <s>[INST] What is your favourite condiment? [/INST]
        gen_ai.response.finish_reasons = ["stop"]
        gen_ai.usage.input_tokens = 15
        gen_ai.usage.output_tokens = 38
        llm.cost_usd = 0.000516
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = stop
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn cohere_command_r_chat_history_and_preamble() {
    let (f, got) = invoke(fixtures::INVOKE_COHERE, true, "chat").await;
    let want = expected(&[
        CORE,
        &sizes(&f, 604),
        &format!(
            "{} = {}",
            support::completion_0_content(),
            f.response["text"].as_str().unwrap()
        ),
        r#"
        gen_ai.operation.name = chat
        aws.request_id = 0c9d451a-3951-4f78-8d71-d398d40ee299
        gen_ai.request.max_tokens = 200
        gen_ai.request.temperature = 0.3
        gen_ai.request.top_p = 0.75
        gen_ai.request.top_k = 0
        gen_ai.prompt.0.role = system
        gen_ai.prompt.0.content = You are a concise assistant.
        gen_ai.prompt.1.role = user
        gen_ai.prompt.1.content = Who discovered gravity?
        gen_ai.prompt.2.role = assistant
        gen_ai.prompt.2.content = The man who is widely credited with discovering gravity is Sir Isaac Newton
        gen_ai.prompt.3.role = user
        gen_ai.prompt.3.content = When did he publish it?
        gen_ai.response.id = 0c9d451a-3951-4f78-8d71-d398d40ee299
        gen_ai.response.finish_reasons = ["COMPLETE"]
        gen_ai.usage.input_tokens = 41
        gen_ai.usage.output_tokens = 22
        llm.cost_usd = 0.0000535
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = COMPLETE
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn unknown_family_keeps_model_status_sizes_and_header_usage() {
    let h = Harness::new();
    let response = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}"#;
    h.server.push(
        Canned::json(200, response)
            .with_header("X-Amzn-Bedrock-Input-Token-Count", "10")
            .with_header("X-Amzn-Bedrock-Output-Token-Count", "20"),
    );
    let client = h.client(settings(true, MessageFormat::Indexed));
    let model = "ai21.jamba-1-5-mini-v1:0";
    let request = r#"{"messages":[{"role":"user","content":"Hello"}],"max_tokens":64}"#;
    client
        .invoke_model()
        .model_id(model)
        .body(Blob::new(request))
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, &format!("chat {model}")), port);
    let want = expected(&[
        CORE,
        support::SYNTHETIC_REQUEST_ID,
        &format!(
            "
            gen_ai.operation.name = chat
            gen_ai.request.model = {model}
            http.request.body.size = {}
            http.response.body.size = {}
            gen_ai.usage.input_tokens = 10
            gen_ai.usage.output_tokens = 20
            ",
            request.len(),
            response.len()
        ),
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn bodies_that_are_not_json_are_noted_not_failed() {
    let h = Harness::new();
    h.server.push(Canned::raw(
        200,
        "application/json",
        "<html>upstream proxy</html>",
    ));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let model = "anthropic.claude-3-5-haiku-20241022-v1:0";
    let output = client
        .invoke_model()
        .model_id(model)
        .body(Blob::new("{not json"))
        .send()
        .await
        .unwrap();
    assert_eq!(output.body.as_ref(), b"<html>upstream proxy</html>");
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("text_completion {model}"));
    assert_eq!(s.status, Status::Unset);
    let want = expected(&[
        CORE,
        support::SYNTHETIC_REQUEST_ID,
        &format!("{GEN_AI_REQUEST_MODEL} = {model}"),
        r"
        gen_ai.operation.name = text_completion
        http.request.body.size = 9
        http.response.body.size = 27
        coresdk.genai.request.body_error = request body is not JSON: key must be a string at line 1 column 2
        coresdk.genai.response.body_error = response body is not JSON: expected value at line 1 column 1
        ",
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn titan_embeddings_body() {
    let h = Harness::new();
    let response = r#"{"embedding":[0.0123,-0.0456,0.0789],"inputTextTokenCount":2}"#;
    h.server.push(Canned::json(200, response));
    let client = h.client(settings(false, MessageFormat::Indexed));
    let model = "amazon.titan-embed-text-v2:0";
    let request = r#"{"inputText":"hello world","dimensions":256,"normalize":true}"#;
    client
        .invoke_model()
        .model_id(model)
        .body(Blob::new(request))
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, &format!("embeddings {model}")), port);
    let want = expected(&[
        CORE,
        support::SYNTHETIC_REQUEST_ID,
        &format!(
            "
            gen_ai.operation.name = embeddings
            gen_ai.request.model = {model}
            http.request.body.size = {}
            http.response.body.size = {}
            gen_ai.embeddings.input.count = 1
            gen_ai.embeddings.dimension.count = 256
            gen_ai.usage.input_tokens = 2
            llm.cost_usd = 0.00000004
            ",
            request.len(),
            response.len()
        ),
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn anthropic_response_stream_decodes_chunks() {
    let h = Harness::new();
    let file: Value = serde_json::from_str(fixtures::INVOKE_STREAM_ANTHROPIC).unwrap();
    let model = file["model_id"].as_str().unwrap();
    let request = file["request"].to_string();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut output = client
        .invoke_model_with_response_stream()
        .model_id(model)
        .body(Blob::new(request.clone()))
        .send()
        .await
        .unwrap();
    let mut chunks = 0;
    while let Some(event) = output.body.recv().await.unwrap() {
        assert!(matches!(event, ResponseStream::Chunk(_)));
        chunks += 1;
    }
    assert_eq!(chunks, 26);
    assert_eq!(
        h.server.requests()[0].operation,
        "invoke-with-response-stream"
    );
    let story: String = file["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["decoded_bytes"]["delta"]["text"].as_str())
        .collect();
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {model}"));
    let mut got = attribute_map(s, port);
    assert_eq!(take(&mut got, &support::completion_0_content()), story);
    let want = expected(&[
        CORE,
        &format!(
            "
            gen_ai.request.model = {model}
            http.request.body.size = {}
            ",
            request.len()
        ),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.stream = true
        aws.request_id = 34a8c7a8-854e-4255-91d2-1d9840e60626
        gen_ai.request.max_tokens = 100
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Tell me a short story
        gen_ai.response.time_to_first_chunk = *
        llm.time_to_first_token_ms = *
        gen_ai.response.id = msg_bdrk_012fwxwrP37WDKPK1ShXbCNH
        gen_ai.response.model = claude-3-5-sonnet-20240620
        gen_ai.response.finish_reasons = ["max_tokens"]
        llm.truncated = true
        gen_ai.usage.input_tokens = 12
        gen_ai.usage.output_tokens = 100
        llm.cost_usd = 0.001536
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = max_tokens
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn llama_response_stream_uses_invocation_metrics_and_stream_errors_fail_the_span() {
    use coresdk_tests::bedrock_server::Frame;

    let h = Harness::new();
    let model = "meta.llama3-70b-instruct-v1:0";
    // Llama chunks: generation pieces, then the last one with the stop reason
    // and Bedrock's invocation metrics.
    h.server.push(Canned::frames(&[
        Frame::chunk(r#"{"generation":"Why","prompt_token_count":8,"generation_token_count":1,"stop_reason":null}"#),
        Frame::chunk(r#"{"generation":" not?","prompt_token_count":null,"generation_token_count":2,"stop_reason":null}"#),
        Frame::chunk(r#"{"generation":"","prompt_token_count":null,"generation_token_count":2,"stop_reason":"stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":8,"outputTokenCount":2,"invocationLatency":312,"firstByteLatency":120}}"#),
    ]));
    // A second call whose stream fails half-way with an exception frame.
    h.server.push(Canned::frames(&[
        Frame::chunk(r#"{"generation":"Why","prompt_token_count":8,"generation_token_count":1,"stop_reason":null}"#),
        Frame::exception("modelStreamErrorException", "Model stream failed"),
    ]));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = r#"{"prompt":"Tell me a joke","max_gen_len":16}"#;
    for _ in 0..2 {
        let mut output = client
            .invoke_model_with_response_stream()
            .model_id(model)
            .body(Blob::new(request))
            .send()
            .await
            .unwrap();
        while let Ok(Some(_)) = output.body.recv().await {}
    }
    let port = h.port();
    let spans = h.finish();
    let named: Vec<_> = spans
        .iter()
        .filter(|s| s.name == format!("text_completion {model}"))
        .collect();
    assert_eq!(named.len(), 2);
    let common = format!(
        "
        gen_ai.operation.name = text_completion
        gen_ai.request.model = {model}
        http.request.body.size = {}
        gen_ai.request.stream = true
        gen_ai.request.max_tokens = 16
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = Tell me a joke
        gen_ai.response.time_to_first_chunk = *
        llm.time_to_first_token_ms = *
        gen_ai.completion.0.role = assistant
        ",
        request.len()
    );
    assert_eq!(named[0].status, Status::Unset);
    let want = expected(&[
        CORE,
        support::SYNTHETIC_REQUEST_ID,
        &common,
        r#"
        gen_ai.completion.0.content = Why not?
        gen_ai.completion.0.finish_reason = stop
        gen_ai.response.finish_reasons = ["stop"]
        gen_ai.usage.input_tokens = 8
        gen_ai.usage.output_tokens = 2
        llm.cost_usd = 0.0000282
        "#,
    ]);
    assert_attributes(&attribute_map(named[0], port), &want);
    assert_eq!(
        named[1].status,
        Status::error("Model provider error: Model stream failed")
    );
    let want = expected(&[
        CORE,
        support::SYNTHETIC_REQUEST_ID,
        &common,
        r"
        gen_ai.completion.0.content = Why
        error.type = ModelStreamErrorException
        coresdk.problem.type = https://coresdk.dev/problems/genai/provider-error
        coresdk.problem.title = Model provider error
        coresdk.problem.detail = Model stream failed
        coresdk.recovery_hint = check downstream service health
        ",
    ]);
    assert_attributes(&attribute_map(named[1], port), &want);
}

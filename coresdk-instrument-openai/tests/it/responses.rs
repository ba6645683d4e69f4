//! Responses API calls (`create`, `create_stream`) through `TracedClient`
//! against the local OpenAI-compatible server speaking recorded Responses
//! wire shapes: each test asserts the exact exported attribute map.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use std::collections::BTreeMap;

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::types::responses::{
    ConversationParam, CreateResponse, CreateResponseArgs, EasyInputContent, EasyInputMessage,
    FunctionCallOutput, FunctionCallOutputItemParam, FunctionTool, FunctionToolCall, InputContent,
    InputFileContent, InputImageContent, InputItem, InputParam, InputTextContent, Item, OutputItem,
    ReasoningItem, ResponseStreamEvent, ResponseTextParam, Role, ServiceTierResponses, SummaryPart,
    SummaryTextContent, TextResponseFormatConfiguration, Tool,
};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::Canned;
use futures_util::StreamExt as _;
use opentelemetry::trace::{SpanKind, Status};

const CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    gen_ai.system = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
"#;

fn want(parts: &[&str]) -> BTreeMap<String, String> {
    let mut all = String::from(CORE);
    for p in parts {
        all.push_str(p);
    }
    expected(&all)
}

fn user(text: &str) -> InputItem {
    InputItem::EasyMessage(EasyInputMessage {
        role: Role::User,
        content: EasyInputContent::Text(text.into()),
        ..EasyInputMessage::default()
    })
}

fn capital_request(stream: bool) -> CreateResponse {
    let mut args = CreateResponseArgs::default();
    args.model("gpt-4o").input(InputParam::Items(vec![user(
        "What is the capital of France?",
    )]));
    if stream {
        args.instructions("You are a helpful assistant.");
    }
    args.build().unwrap()
}

fn get_capital() -> Tool {
    Tool::Function(FunctionTool {
        name: "get_capital".into(),
        parameters: Some(serde_json::json!({
            "additionalProperties": false,
            "properties": {"country": {"type": "string"}},
            "required": ["country"],
            "type": "object",
        })),
        strict: Some(true),
        ..FunctionTool::default()
    })
}

/// The recorded plain response (`responses_create.json`).
const PLAIN_RESPONSE: &str = r#"
    gen_ai.response.id = resp_68c2e8c147ac819491bcd667055eadbc02e845978fbbb592
    gen_ai.response.model = gpt-4o-2024-08-06
    gen_ai.response.finish_reasons = ["stop"]
    gen_ai.openai.response.service_tier = default
    gen_ai.usage.input_tokens = 14
    gen_ai.usage.output_tokens = 8
    gen_ai.usage.cache_read.input_tokens = 0
    gen_ai.usage.reasoning.output_tokens = 0
    llm.cost_usd = 0.000115
"#;

#[tokio::test]
async fn plain_response_with_parameters() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = CreateResponseArgs::default()
        .model("gpt-4o")
        .instructions("Answer in one sentence.")
        .input(InputParam::Text("What is the capital of France?".into()))
        .max_output_tokens(256_u32)
        .temperature(0.5)
        .top_p(0.9)
        .service_tier(ServiceTierResponses::Default)
        .previous_response_id("resp_previous")
        .build()
        .unwrap();
    let response = client.responses().create(request).await.unwrap();
    assert_eq!(response.output.len(), 1);
    let sent = h.server.requests();
    assert_eq!(sent[0].path, "/v1/responses");
    assert_eq!(sent[0].body["previous_response_id"], "resp_previous");
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1);
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(s.status, Status::Unset);
    assert_attributes(
        &attribute_map(s, port),
        &want(&[
            r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.max_tokens = 256
            gen_ai.request.temperature = 0.5
            gen_ai.request.top_p = 0.9
            gen_ai.request.stream = false
            gen_ai.openai.request.service_tier = default
            gen_ai.openai.request.previous_response_id = resp_previous
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = Answer in one sentence.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = What is the capital of France?
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = The capital of France is Paris.
            gen_ai.completion.0.finish_reason = stop
            "#,
            PLAIN_RESPONSE,
        ]),
    );
}

#[tokio::test]
async fn content_capture_off_keeps_roles_and_facts() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Indexed));
    client
        .responses()
        .create(capital_request(false))
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want(&[
            r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.stream = false
            gen_ai.prompt.0.role = user
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.finish_reason = stop
            "#,
            PLAIN_RESPONSE,
        ]),
    );
}

#[tokio::test]
async fn json_layout_records_input_and_output_messages() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Json));
    client
        .responses()
        .create(capital_request(false))
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let map = attribute_map(span(&spans, "chat gpt-4o"), port);
    let input: serde_json::Value =
        serde_json::from_str(&map["gen_ai.input.messages"]).expect("input JSON");
    assert_eq!(
        input,
        serde_json::json!([{"role": "user", "parts": [
            {"type": "text", "content": "What is the capital of France?"}
        ]}])
    );
    let output: serde_json::Value =
        serde_json::from_str(&map["gen_ai.output.messages"]).expect("output JSON");
    assert_eq!(
        output,
        serde_json::json!([{"role": "assistant", "finish_reason": "stop", "parts": [
            {"type": "text", "content": "The capital of France is Paris."}
        ]}])
    );
    assert!(!map.keys().any(|k| k.starts_with("gen_ai.prompt.")));
}

#[tokio::test]
async fn media_parts_reasoning_conversation_and_output_type() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Json));
    let request = CreateResponseArgs::default()
        .model("gpt-4o")
        .conversation(ConversationParam::ConversationID("conv_123".into()))
        .text(ResponseTextParam {
            format: TextResponseFormatConfiguration::JsonObject,
            verbosity: None,
        })
        .input(InputParam::Items(vec![
            InputItem::Item(Item::Reasoning(ReasoningItem {
                id: Some("rs_1".into()),
                summary: vec![SummaryPart::SummaryText(SummaryTextContent {
                    text: "The user wants a description.".into(),
                })],
                ..ReasoningItem::default()
            })),
            InputItem::EasyMessage(EasyInputMessage {
                role: Role::User,
                content: EasyInputContent::ContentList(vec![
                    InputContent::InputText(InputTextContent {
                        text: "Describe these.".into(),
                        prompt_cache_breakpoint: None,
                    }),
                    InputContent::InputImage(InputImageContent {
                        image_url: Some("https://example.com/cat.png".into()),
                        ..InputImageContent::default()
                    }),
                    InputContent::InputImage(InputImageContent {
                        image_url: Some("data:image/png;base64,iVBORw0KGgo=".into()),
                        ..InputImageContent::default()
                    }),
                    InputContent::InputFile(InputFileContent {
                        file_id: Some("file-abc".into()),
                        ..InputFileContent::default()
                    }),
                ]),
                ..EasyInputMessage::default()
            }),
        ]))
        .build()
        .unwrap();
    client.responses().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    let map = attribute_map(span(&spans, "chat gpt-4o"), port);
    assert_eq!(map["gen_ai.conversation.id"], "conv_123");
    assert_eq!(map["gen_ai.output.type"], "json");
    let input: serde_json::Value =
        serde_json::from_str(&map["gen_ai.input.messages"]).expect("input JSON");
    assert_eq!(
        input,
        serde_json::json!([
            {"role": "assistant", "parts": [
                {"type": "reasoning", "content": "The user wants a description."}
            ]},
            {"role": "user", "parts": [
                {"type": "text", "content": "Describe these."},
                {"type": "uri", "modality": "image", "uri": "https://example.com/cat.png"},
                {"type": "blob", "modality": "image", "mime_type": "image/png",
                 "content": "iVBORw0KGgo="},
                {"type": "file", "modality": "document", "file_id": "file-abc"}
            ]}
        ])
    );
}

#[tokio::test]
async fn function_call_and_output_round_trip() {
    let h = Harness::new();
    h.server.push(Canned::responses_tool_call());
    h.server.push(Canned::responses_tool_result());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let first = CreateResponseArgs::default()
        .model("gpt-4o")
        .input(InputParam::Items(vec![user(
            "What is the capital of PotatoLand?",
        )]))
        .tools(vec![get_capital()])
        .build()
        .unwrap();
    let response = client.responses().create(first).await.unwrap();
    let OutputItem::FunctionCall(call) = &response.output[0] else {
        panic!("a function call: {:?}", response.output);
    };
    let second = CreateResponseArgs::default()
        .model("gpt-4o")
        .input(InputParam::Items(vec![
            user("What is the capital of PotatoLand?"),
            InputItem::Item(Item::FunctionCall(FunctionToolCall {
                arguments: call.arguments.clone(),
                call_id: call.call_id.clone(),
                namespace: None,
                name: call.name.clone(),
                id: None,
                status: None,
                caller: None,
                r#async: None,
            })),
            InputItem::Item(Item::FunctionCallOutput(FunctionCallOutputItemParam {
                call_id: Some(call.call_id.clone()),
                output: FunctionCallOutput::Text("Potato City".into()),
                id: None,
                status: None,
                name: None,
                namespace: None,
                caller: None,
            })),
        ]))
        .tools(vec![get_capital()])
        .build()
        .unwrap();
    client.responses().create(second).await.unwrap();
    let sent = h.server.requests();
    assert_eq!(sent[1].body["input"][2]["type"], "function_call_output");
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 2);
    let tools = r#"
        gen_ai.request.tools.0.type = function
        gen_ai.request.tools.0.function.name = get_capital
        gen_ai.request.tools.0.function.parameters = {"additionalProperties":false,"properties":{"country":{"type":"string"}},"required":["country"],"type":"object"}
        gen_ai.openai.request.tools.0.type = function
        gen_ai.openai.request.tools.0.function.name = get_capital
        gen_ai.openai.request.tools.0.function.parameters = {"additionalProperties":false,"properties":{"country":{"type":"string"}},"required":["country"],"type":"object"}
    "#;
    let mut by_id: Vec<_> = spans.iter().collect();
    by_id.sort_by_key(|s| s.start_time);
    assert_attributes(
        &attribute_map(by_id[0], port),
        &want(&[
            tools,
            r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.stream = false
            gen_ai.prompt.0.role = user
            gen_ai.prompt.0.content = What is the capital of PotatoLand?
            gen_ai.response.id = resp_04907f5d3de791830068fbaa19bb908195a91378279dba0f14
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["tool_calls"]
            gen_ai.openai.response.service_tier = default
            gen_ai.usage.input_tokens = 40
            gen_ai.usage.output_tokens = 18
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.00028
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.finish_reason = tool_calls
            gen_ai.completion.0.tool_calls.0.id = call_YfwRsW8sUxDKipwyhWTzOXCA
            gen_ai.completion.0.tool_calls.0.type = function
            gen_ai.completion.0.tool_calls.0.function.name = get_capital
            gen_ai.completion.0.tool_calls.0.function.arguments = {"country":"PotatoLand"}
            "#,
        ]),
    );
    assert_attributes(
        &attribute_map(by_id[1], port),
        &want(&[
            tools,
            r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.stream = false
            gen_ai.prompt.0.role = user
            gen_ai.prompt.0.content = What is the capital of PotatoLand?
            gen_ai.prompt.1.role = assistant
            gen_ai.prompt.1.tool_calls.0.id = call_YfwRsW8sUxDKipwyhWTzOXCA
            gen_ai.prompt.1.tool_calls.0.type = function
            gen_ai.prompt.1.tool_calls.0.function.name = get_capital
            gen_ai.prompt.1.tool_calls.0.function.arguments = {"country":"PotatoLand"}
            gen_ai.prompt.2.role = tool
            gen_ai.prompt.2.content = Potato City
            gen_ai.prompt.2.tool_call_id = call_YfwRsW8sUxDKipwyhWTzOXCA
            gen_ai.response.id = resp_0e9950da9eac6a780068fbaa1bc030819da585a6f85ddad1e6
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["stop"]
            gen_ai.openai.response.service_tier = default
            gen_ai.usage.input_tokens = 67
            gen_ai.usage.output_tokens = 11
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.0002775
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = The capital of PotatoLand is Potato City.
            gen_ai.completion.0.finish_reason = stop
            "#,
        ]),
    );
}

async fn drain(stream: &mut coresdk_instrument_openai::TracedResponseStream) -> usize {
    let mut n = 0;
    while let Some(event) = stream.next().await {
        event.unwrap();
        n += 1;
    }
    n
}

#[tokio::test]
async fn stream_with_instructions_and_usage() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .responses()
        .create_stream(capital_request(true))
        .await
        .unwrap();
    assert_eq!(drain(&mut stream).await, 21);
    drop(stream);
    let sent = h.server.requests();
    assert_eq!(sent[0].body["stream"], true);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.status, Status::Unset);
    assert_eq!(s.events.len(), 1, "first_token_received");
    assert_attributes(
        &attribute_map(s, port),
        &want(&[r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.stream = true
            gen_ai.response.time_to_first_chunk = *
            llm.time_to_first_token_ms = *
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = You are a helpful assistant.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = What is the capital of France?
            gen_ai.response.id = resp_006dcb10dc68b990006931d756c6fc819ba28a90e19a504ee0
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["stop"]
            gen_ai.openai.response.service_tier = default
            gen_ai.usage.input_tokens = 1177
            gen_ai.usage.output_tokens = 37
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.0033125
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = The capital of France is Paris.
            gen_ai.completion.0.finish_reason = stop
            "#]),
    );
}

#[tokio::test]
async fn streamed_function_call_with_reasoning_tokens() {
    let h = Harness::new();
    h.server.push(Canned::responses_stream_tool_usage());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = CreateResponseArgs::default()
        .model("gpt-5")
        .input(InputParam::Items(vec![user("Calculate 100 * 200 / 3")]))
        .service_tier(ServiceTierResponses::Flex)
        .build()
        .unwrap();
    let mut stream = client.responses().create_stream(request).await.unwrap();
    drain(&mut stream).await;
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-5"), port),
        &want(&[r#"
            gen_ai.request.model = gpt-5
            gen_ai.request.stream = true
            gen_ai.openai.request.service_tier = flex
            gen_ai.response.time_to_first_chunk = *
            llm.time_to_first_token_ms = *
            gen_ai.prompt.0.role = user
            gen_ai.prompt.0.content = Calculate 100 * 200 / 3
            gen_ai.response.id = resp_0050471a34b36ae60068c97b94a480819587a9d70cf2979b33
            gen_ai.response.model = gpt-5-2025-08-07
            gen_ai.response.finish_reasons = ["tool_calls"]
            gen_ai.openai.response.service_tier = flex
            gen_ai.usage.input_tokens = 53
            gen_ai.usage.output_tokens = 469
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 448
            llm.cost_usd = 0.00475625
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.finish_reason = tool_calls
            gen_ai.completion.0.tool_calls.0.id = call_CWXgs68YprAjp6t0371hiPOI
            gen_ai.completion.0.tool_calls.0.type = function
            gen_ai.completion.0.tool_calls.0.function.name = final_result
            gen_ai.completion.0.tool_calls.0.function.arguments = {"result":6666}
            "#]),
    );
}

#[tokio::test]
async fn response_failed_event_fails_the_span() {
    let h = Harness::new();
    h.server.push(Canned::responses_stream_failed());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .responses()
        .create_stream(capital_request(true))
        .await
        .unwrap();
    let mut last = None;
    while let Some(event) = stream.next().await {
        last = Some(event.unwrap());
    }
    assert!(matches!(last, Some(ResponseStreamEvent::ResponseFailed(_))));
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert!(matches!(s.status, Status::Error { .. }), "{:?}", s.status);
    let map = attribute_map(s, port);
    assert_attributes(
        &map,
        &want(&[r#"
            gen_ai.request.model = gpt-4o
            gen_ai.request.stream = true
            gen_ai.response.time_to_first_chunk = *
            llm.time_to_first_token_ms = *
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = You are a helpful assistant.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = What is the capital of France?
            error.type = server_error
            coresdk.problem.type = https://coresdk.dev/problems/genai/provider-error
            coresdk.problem.title = Model provider error
            coresdk.problem.detail = The server had an error processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if you keep seeing this error.
            gen_ai.response.id = resp_006dcb10dc68b990006931d756c6fc819ba28a90e19a504ee0
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["error"]
            gen_ai.openai.response.service_tier = auto
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = The capital
            gen_ai.completion.0.finish_reason = error
            "#]),
    );
}

#[tokio::test]
async fn error_event_fails_the_span() {
    let h = Harness::new();
    // The recorded stream's first event, then an `error` event in the shape
    // of the API reference's `ResponseErrorEvent`; the server then closes.
    let first = coresdk_tests::openai_server::fixtures::RESPONSES_STREAM
        .split_inclusive("\n\n")
        .next()
        .unwrap();
    h.server.push(Canned::sse(&format!(
        "{first}event: error\ndata: {{\"type\":\"error\",\"sequence_number\":1,\"code\":\"ERR_SOMETHING\",\"message\":\"Something went wrong\",\"param\":null}}\n\n"
    )));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .responses()
        .create_stream(capital_request(true))
        .await
        .unwrap();
    let mut errors = 0;
    while let Some(event) = stream.next().await {
        if matches!(event.unwrap(), ResponseStreamEvent::ResponseError(_)) {
            errors += 1;
        }
    }
    assert_eq!(errors, 1);
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert!(matches!(s.status, Status::Error { .. }), "{:?}", s.status);
    let map = attribute_map(s, port);
    assert_eq!(map["error.type"], "ERR_SOMETHING");
    assert_eq!(map["coresdk.problem.detail"], "Something went wrong");
    assert_eq!(
        map["gen_ai.response.id"],
        "resp_006dcb10dc68b990006931d756c6fc819ba28a90e19a504ee0"
    );
    assert!(!map.contains_key("gen_ai.response.finish_reasons"));
}

#[tokio::test]
async fn http_error_on_create_and_on_stream() {
    let h = Harness::new();
    h.server.push(Canned::responses_error_400());
    h.server.push(Canned::responses_error_400());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let bad = || {
        CreateResponseArgs::default()
            .model("gpt-4o")
            .input(InputParam::Text("What is the capital of France?".into()))
            .temperature(-1.0)
            .build()
            .unwrap()
    };
    let error = client.responses().create(bad()).await.unwrap_err();
    assert!(error.to_string().contains("temperature"), "{error}");
    let opened = client.responses().create_stream(bad()).await;
    if let Ok(mut stream) = opened {
        // async-openai reports a refused stream on its first poll.
        assert!(stream.next().await.is_some_and(|e| e.is_err()));
    }
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 2);
    for s in &spans {
        assert!(matches!(s.status, Status::Error { .. }), "{:?}", s.status);
        let map = attribute_map(s, port);
        assert_eq!(map["error.type"], "decimal_below_min_value");
        assert_eq!(map["http.response.status_code"], "400");
        assert_eq!(map["gen_ai.request.temperature"], "-1");
    }
}

#[tokio::test]
async fn stream_dropped_half_way_is_cancelled_with_what_arrived() {
    let h = Harness::new();
    // created, in_progress, file search (5 events), message added, part added,
    // "The", " capital", " of": then the server goes quiet.
    h.server.push(Canned::responses_stream().hang_after(12));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let mut stream = client
        .responses()
        .create_stream(capital_request(true))
        .await
        .unwrap();
    for _ in 0..12 {
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
            gen_ai.request.stream = true
            gen_ai.response.time_to_first_chunk = *
            llm.time_to_first_token_ms = *
            coresdk.cancelled = true
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = You are a helpful assistant.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = What is the capital of France?
            gen_ai.response.id = resp_006dcb10dc68b990006931d756c6fc819ba28a90e19a504ee0
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = The capital of
            "#]),
    );
}

#[tokio::test]
async fn stream_without_content_capture() {
    let h = Harness::new();
    h.server.push(Canned::responses_stream_tool_usage());
    let client = h.client(settings(false, MessageFormat::Indexed));
    let request = CreateResponseArgs::default()
        .model("gpt-5")
        .input(InputParam::Items(vec![user("Calculate 100 * 200 / 3")]))
        .build()
        .unwrap();
    let mut stream = client.responses().create_stream(request).await.unwrap();
    drain(&mut stream).await;
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    let map = attribute_map(span(&spans, "chat gpt-5"), port);
    assert!(
        !map.keys()
            .any(|k| k.ends_with(".content") || k.ends_with(".arguments")),
        "{map:#?}"
    );
    assert_eq!(
        map["gen_ai.completion.0.tool_calls.0.function.name"],
        "final_result"
    );
    assert_eq!(map["gen_ai.usage.reasoning.output_tokens"], "448");
}

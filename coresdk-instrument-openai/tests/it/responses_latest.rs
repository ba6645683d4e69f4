//! Responses API calls under the latest GenAI conventions
//! (`genai.conventions: latest`): JSON messages only, no `gen_ai.system`, no
//! indexed keys; the harness checks every span against the conventions' JSON
//! schemas. Exact attribute maps.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, assert_attributes, attribute_map, expected, latest, span};
use async_openai::types::responses::{
    ConversationParam, CreateResponseArgs, EasyInputContent, EasyInputMessage, FunctionCallOutput,
    FunctionCallOutputItemParam, FunctionTool, FunctionToolCall, InputContent, InputImageContent,
    InputItem, InputParam, InputTextContent, Item, ReasoningItem, ResponseTextParam, Role,
    SummaryPart, SummaryTextContent, TextResponseFormatConfiguration, Tool,
};
use coresdk_tests::openai_server::Canned;
use futures_util::StreamExt as _;

const CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
    gen_ai.request.model = gpt-4o
"#;

fn user(text: &str) -> InputItem {
    InputItem::EasyMessage(EasyInputMessage {
        role: Role::User,
        content: EasyInputContent::Text(text.into()),
        ..EasyInputMessage::default()
    })
}

#[tokio::test]
async fn function_call_output_turn_with_content() {
    let h = Harness::new();
    h.server.push(Canned::responses_tool_result());
    let client = h.client(latest(true));
    let request = CreateResponseArgs::default()
        .model("gpt-4o")
        .instructions("Answer briefly.")
        .input(InputParam::Items(vec![
            user("What is the capital of PotatoLand?"),
            InputItem::Item(Item::FunctionCall(FunctionToolCall {
                arguments: r#"{"country":"PotatoLand"}"#.into(),
                call_id: "call_YfwRsW8sUxDKipwyhWTzOXCA".into(),
                namespace: None,
                name: "get_capital".into(),
                id: None,
                status: None,
                caller: None,
                r#async: None,
            })),
            InputItem::Item(Item::FunctionCallOutput(FunctionCallOutputItemParam {
                call_id: Some("call_YfwRsW8sUxDKipwyhWTzOXCA".into()),
                output: FunctionCallOutput::Text("Potato City".into()),
                id: None,
                status: None,
                name: None,
                namespace: None,
                caller: None,
            })),
        ]))
        .tools(vec![Tool::Function(FunctionTool {
            name: "get_capital".into(),
            parameters: Some(serde_json::json!({"type": "object"})),
            ..FunctionTool::default()
        })])
        .previous_response_id("resp_previous")
        .build()
        .unwrap();
    client.responses().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &expected(&format!(
            "{CORE}{}",
            r#"
            openai.request.previous_response_id = resp_previous
            gen_ai.system_instructions = [{"content":"Answer briefly.","type":"text"}]
            gen_ai.input.messages = [{"parts":[{"content":"What is the capital of PotatoLand?","type":"text"}],"role":"user"},{"parts":[{"arguments":{"country":"PotatoLand"},"id":"call_YfwRsW8sUxDKipwyhWTzOXCA","name":"get_capital","type":"tool_call"}],"role":"assistant"},{"parts":[{"id":"call_YfwRsW8sUxDKipwyhWTzOXCA","response":"Potato City","type":"tool_call_response"}],"role":"tool"}]
            gen_ai.tool.definitions = [{"name":"get_capital","parameters":{"type":"object"},"type":"function"}]
            gen_ai.response.id = resp_0e9950da9eac6a780068fbaa1bc030819da585a6f85ddad1e6
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["stop"]
            openai.response.service_tier = default
            gen_ai.usage.input_tokens = 67
            gen_ai.usage.output_tokens = 11
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.0002775
            gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"content":"The capital of PotatoLand is Potato City.","type":"text"}],"role":"assistant"}]
            "#
        )),
    );
}

#[tokio::test]
async fn media_reasoning_and_conversation_without_content() {
    let h = Harness::new();
    let client = h.client(latest(false));
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
                        text: "Describe this.".into(),
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
                ]),
                ..EasyInputMessage::default()
            }),
        ]))
        .build()
        .unwrap();
    client.responses().create(request).await.unwrap();
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &expected(&format!(
            "{CORE}{}",
            r#"
            gen_ai.conversation.id = conv_123
            gen_ai.output.type = json
            gen_ai.input.messages = [{"parts":[{"type":"reasoning"}],"role":"assistant"},{"parts":[{"type":"text"},{"modality":"image","type":"uri"},{"mime_type":"image/png","modality":"image","type":"blob"}],"role":"user"}]
            gen_ai.response.id = resp_68c2e8c147ac819491bcd667055eadbc02e845978fbbb592
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["stop"]
            openai.response.service_tier = default
            gen_ai.usage.input_tokens = 14
            gen_ai.usage.output_tokens = 8
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.000115
            gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"type":"text"}],"role":"assistant"}]
            "#
        )),
    );
}

#[tokio::test]
async fn stream_with_instructions() {
    let h = Harness::new();
    let client = h.client(latest(true));
    let request = CreateResponseArgs::default()
        .model("gpt-4o")
        .instructions("You are a helpful assistant.")
        .input(InputParam::Items(vec![user(
            "What is the capital of France?",
        )]))
        .build()
        .unwrap();
    let mut stream = client.responses().create_stream(request).await.unwrap();
    while let Some(event) = stream.next().await {
        event.unwrap();
    }
    drop(stream);
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &expected(&format!(
            "{CORE}{}",
            r#"
            gen_ai.request.stream = true
            gen_ai.response.time_to_first_chunk = *
            llm.time_to_first_token_ms = *
            gen_ai.system_instructions = [{"content":"You are a helpful assistant.","type":"text"}]
            gen_ai.input.messages = [{"parts":[{"content":"What is the capital of France?","type":"text"}],"role":"user"}]
            gen_ai.response.id = resp_006dcb10dc68b990006931d756c6fc819ba28a90e19a504ee0
            gen_ai.response.model = gpt-4o-2024-08-06
            gen_ai.response.finish_reasons = ["stop"]
            openai.response.service_tier = default
            gen_ai.usage.input_tokens = 1177
            gen_ai.usage.output_tokens = 37
            gen_ai.usage.cache_read.input_tokens = 0
            gen_ai.usage.reasoning.output_tokens = 0
            llm.cost_usd = 0.0033125
            gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"content":"The capital of France is Paris.","type":"text"}],"role":"assistant"}]
            "#
        )),
    );
}

//! `Converse` through `TracedClient` against the local Bedrock server: each
//! test asserts the exact exported attribute map.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use crate::support::{
    self, CORE, Harness, SYNTHETIC_REQUEST_ID, assert_attributes, attribute_map, expected,
    settings, span,
};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, GuardrailConfiguration, InferenceConfiguration, Message,
    SystemContentBlock, Tool, ToolConfiguration, ToolInputSchema, ToolResultBlock,
    ToolResultContentBlock, ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::{Document, Number};
use coresdk::config::MessageFormat;
use coresdk::genai::attributes::GEN_AI_REQUEST_MODEL;
use coresdk_tests::bedrock_server::Canned;
use opentelemetry::trace::{SpanKind, Status};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

fn inference() -> InferenceConfiguration {
    InferenceConfiguration::builder()
        .max_tokens(256)
        .temperature(0.7)
        .top_p(0.9)
        .stop_sequences("END")
        .build()
}

/// converse.json: `21`, end_turn, 2 input + 1322 cache-write tokens, 5 output.
/// Converse names no model: the response model is the requested id.
const FIXTURE_RESPONSE: &str = r#"
    gen_ai.response.model = us.anthropic.claude-sonnet-4-5-20250929-v1:0
    gen_ai.response.finish_reasons = ["end_turn"]
    gen_ai.usage.input_tokens = 1324
    gen_ai.usage.output_tokens = 5
    gen_ai.usage.cache_read.input_tokens = 0
    gen_ai.usage.cache_creation.input_tokens = 1322
    llm.cost_usd = 0.0050385
"#;

#[tokio::test]
async fn system_prompt_parameters_and_cache_usage_with_content() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let output = client
        .converse()
        .model_id(MODEL)
        .system(SystemContentBlock::Text(
            "Answer with a number only.".into(),
        ))
        .messages(user("What is 3 * 7?"))
        .inference_config(inference())
        .additional_model_request_fields(Document::Object(HashMap::from([(
            "top_k".to_owned(),
            Document::Number(Number::PosInt(250)),
        )])))
        .send()
        .await
        .unwrap();
    // The caller gets the SDK's own output, untouched.
    let Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(message)) = &output.output
    else {
        panic!("no message")
    };
    assert_eq!(message.content[0].as_text().unwrap(), "21");
    let sent = h.server.requests();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].signed, "SigV4 Authorization header");
    assert_eq!(sent[0].operation, "converse");
    assert_eq!(sent[0].model_id, MODEL);
    assert_eq!(sent[0].json()["inferenceConfig"]["maxTokens"], 256);
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1, "SDK-internal spans stay out of the export");
    let s = span(&spans, &format!("chat {MODEL}"));
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_eq!(s.status, Status::Unset);
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        FIXTURE_RESPONSE,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.max_tokens = 256
        gen_ai.request.temperature = 0.7
        gen_ai.request.top_p = 0.9
        gen_ai.request.top_k = 250
        gen_ai.request.stop_sequences = ["END"]
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = system
        gen_ai.prompt.0.content = Answer with a number only.
        gen_ai.prompt.1.role = user
        gen_ai.prompt.1.content = What is 3 * 7?
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = 21
        gen_ai.completion.0.finish_reason = end_turn
        "#,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn content_capture_off_keeps_roles_and_finish_reasons() {
    let h = Harness::new();
    let client = h.client(settings(false, MessageFormat::Indexed));
    client
        .converse()
        .model_id(MODEL)
        .system(SystemContentBlock::Text(
            "Answer with a number only.".into(),
        ))
        .messages(user("What is 3 * 7?"))
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {MODEL}"));
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        FIXTURE_RESPONSE,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r"
        gen_ai.operation.name = chat
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = system
        gen_ai.prompt.1.role = user
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = end_turn
        ",
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

fn weather_tool() -> ToolConfiguration {
    let schema = Document::Object(HashMap::from([
        ("type".to_owned(), Document::String("object".into())),
        (
            "properties".to_owned(),
            Document::Object(HashMap::from([(
                "country".to_owned(),
                Document::Object(HashMap::from([(
                    "type".to_owned(),
                    Document::String("string".into()),
                )])),
            )])),
        ),
    ]));
    ToolConfiguration::builder()
        .tools(Tool::ToolSpec(
            ToolSpecification::builder()
                .name("get_capital")
                .description("Returns the capital of a country")
                .input_schema(ToolInputSchema::Json(schema))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap()
}

const NOVA: &str = "us.amazon.nova-micro-v1:0";

#[tokio::test]
async fn tool_use_response_and_tool_definitions() {
    let h = Harness::new();
    h.server.push(Canned::converse_tool_use());
    let client = h.client(settings(true, MessageFormat::Indexed));
    client
        .converse()
        .model_id(NOVA)
        .messages(user("What is the capital of France?"))
        .tool_config(weather_tool())
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {NOVA}"));
    let params = r#"{"properties":{"country":{"type":"string"}},"type":"object"}"#;
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        &format!("{GEN_AI_REQUEST_MODEL} = {NOVA}"),
        &format!(
            "
            gen_ai.request.tools.0.function.parameters = {params}
            gen_ai.bedrock.request.tools.0.function.parameters = {params}
            "
        ),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = What is the capital of France?
        gen_ai.request.tools.0.type = function
        gen_ai.request.tools.0.function.name = get_capital
        gen_ai.request.tools.0.function.description = Returns the capital of a country
        gen_ai.bedrock.request.tools.0.type = function
        gen_ai.bedrock.request.tools.0.function.name = get_capital
        gen_ai.bedrock.request.tools.0.function.description = Returns the capital of a country
        gen_ai.response.finish_reasons = ["tool_use"]
        gen_ai.response.model = us.amazon.nova-micro-v1:0
        gen_ai.usage.input_tokens = 426
        gen_ai.usage.output_tokens = 66
        llm.cost_usd = 0.00002415
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = <thinking> To determine the capital of France, I can use the provided tool that returns the capital of a given country. Since the country in question is France, I will use the tool with the country parameter set to "France". </thinking>
        gen_ai.completion.0.tool_calls.0.id = tooluse_Ze_bgl9CSqu8aJv7XD-_Dw
        gen_ai.completion.0.tool_calls.0.type = function
        gen_ai.completion.0.tool_calls.0.function.name = get_capital
        gen_ai.completion.0.tool_calls.0.function.arguments = {"country":"France"}
        gen_ai.completion.0.finish_reason = tool_use
        "#,
    ]);
    let mut got = attribute_map(s, port);
    // The model's text ends in a newline; compare it apart from the line format.
    let content = got.remove(&support::completion_0_content()).unwrap();
    assert!(content.ends_with("</thinking>\n"), "{content:?}");
    got.insert(
        support::completion_0_content(),
        content.trim_end().to_owned(),
    );
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn tool_result_turn_becomes_a_tool_message() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let assistant = Message::builder()
        .role(ConversationRole::Assistant)
        .content(ContentBlock::ToolUse(
            ToolUseBlock::builder()
                .tool_use_id("tooluse_Ze_bgl9CSqu8aJv7XD-_Dw")
                .name("get_capital")
                .input(Document::Object(HashMap::from([(
                    "country".to_owned(),
                    Document::String("France".into()),
                )])))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    let tool_result = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::ToolResult(
            ToolResultBlock::builder()
                .tool_use_id("tooluse_Ze_bgl9CSqu8aJv7XD-_Dw")
                .content(ToolResultContentBlock::Text("Paris".into()))
                .build()
                .unwrap(),
        ))
        .build()
        .unwrap();
    client
        .converse()
        .model_id(MODEL)
        .messages(user("What is the capital of France?"))
        .messages(assistant)
        .messages(tool_result)
        .tool_config(weather_tool())
        .guardrail_config(
            GuardrailConfiguration::builder()
                .guardrail_identifier("gr-7x2k9q")
                .guardrail_version("3")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let sent = h.server.requests();
    assert_eq!(
        sent[0].json()["messages"][2]["content"][0]["toolResult"]["toolUseId"],
        "tooluse_Ze_bgl9CSqu8aJv7XD-_Dw"
    );
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {MODEL}"));
    let mut got = attribute_map(s, port);
    // Tool definitions are covered above; here: the turns and the guardrail.
    got.retain(|k, _| !k.contains(".tools."));
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        FIXTURE_RESPONSE,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.stream = false
        aws.bedrock.guardrail.id = gr-7x2k9q
        aws.bedrock.guardrail.version = 3
        gen_ai.prompt.0.role = user
        gen_ai.prompt.0.content = What is the capital of France?
        gen_ai.prompt.1.role = assistant
        gen_ai.prompt.1.tool_calls.0.id = tooluse_Ze_bgl9CSqu8aJv7XD-_Dw
        gen_ai.prompt.1.tool_calls.0.type = function
        gen_ai.prompt.1.tool_calls.0.function.name = get_capital
        gen_ai.prompt.1.tool_calls.0.function.arguments = {"country":"France"}
        gen_ai.prompt.2.role = tool
        gen_ai.prompt.2.content = Paris
        gen_ai.prompt.2.tool_call_id = tooluse_Ze_bgl9CSqu8aJv7XD-_Dw
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.content = 21
        gen_ai.completion.0.finish_reason = end_turn
        "#,
    ]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn json_message_format_records_system_instructions_apart() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Json));
    client
        .converse()
        .model_id(MODEL)
        .system(SystemContentBlock::Text(
            "Answer with a number only.".into(),
        ))
        .messages(user("What is 3 * 7?"))
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, &format!("chat {MODEL}"));
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        FIXTURE_RESPONSE,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.stream = false
        gen_ai.system_instructions = [{"content":"Answer with a number only.","type":"text"}]
        gen_ai.input.messages = [{"parts":[{"content":"What is 3 * 7?","type":"text"}],"role":"user"}]
        gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"content":"21","type":"text"}],"role":"assistant"}]
        "#,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

#[tokio::test]
async fn untraced_inner_client_and_no_subscriber_still_work() {
    let server = coresdk_tests::bedrock_server::BedrockServer::start().unwrap();
    let client = coresdk_instrument_bedrock::instrument(support::sdk_client(
        &server.endpoint_url(),
        aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled(),
    ));
    // No subscriber: the traced call is a plain call.
    let out = client
        .converse()
        .model_id(MODEL)
        .messages(user("hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.usage.unwrap().output_tokens, 5);
    let out = client
        .inner()
        .converse()
        .model_id(MODEL)
        .messages(user("hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.stop_reason.as_str(), "end_turn");
    assert_eq!(server.requests().len(), 2);
}

/// Once a call has shown the server, Converse calls go without the per-call
/// wire tap: their spans must carry the same wire facts (server, status,
/// request id) as calls through the tap, for successes and errors alike.
#[tokio::test]
async fn calls_after_the_first_record_the_same_wire_facts() {
    let h = Harness::new();
    let warm = h.client(settings(false, MessageFormat::Indexed));
    let cold = h.client(settings(false, MessageFormat::Indexed));
    let call = |client: &coresdk_instrument_bedrock::TracedClient| {
        client
            .converse()
            .model_id(MODEL)
            .messages(user("hi"))
            .send()
    };
    call(&warm).await.unwrap();
    call(&warm).await.unwrap();
    h.server.push(Canned::aws_error("ThrottlingException"));
    call(&warm).await.unwrap_err();
    h.server.push(Canned::aws_error("ThrottlingException"));
    call(&cold).await.unwrap_err();
    let port = h.port();
    let spans = h.finish();
    let maps: Vec<_> = spans
        .iter()
        .filter(|s| s.name == format!("chat {MODEL}"))
        .map(|s| attribute_map(s, port))
        .collect();
    assert_eq!(maps.len(), 4);
    // Through the tap, then without it.
    assert_attributes(&maps[1], &maps[0]);
    // An error without the tap, then one through it (a fresh client).
    assert_attributes(&maps[2], &maps[3]);
}

/// The core attributes under the latest conventions: no `gen_ai.system`.
const LATEST_CORE: &str = r"
    gen_ai.operation.name = chat
    gen_ai.provider.name = aws.bedrock
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
    http.response.status_code = 200
";

#[tokio::test]
async fn latest_conventions_with_system_instructions_and_content() {
    let h = Harness::new();
    let client = h.client(support::latest(true));
    client
        .converse()
        .model_id(MODEL)
        .system(SystemContentBlock::Text(
            "Answer with a number only.".into(),
        ))
        .messages(user("What is 3 * 7?"))
        .inference_config(inference())
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = expected(&[
        LATEST_CORE,
        SYNTHETIC_REQUEST_ID,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r#"
        gen_ai.request.max_tokens = 256
        gen_ai.request.temperature = 0.7
        gen_ai.request.top_p = 0.9
        gen_ai.request.stop_sequences = ["END"]
        gen_ai.system_instructions = [{"content":"Answer with a number only.","type":"text"}]
        gen_ai.input.messages = [{"parts":[{"content":"What is 3 * 7?","type":"text"}],"role":"user"}]
        gen_ai.response.model = us.anthropic.claude-sonnet-4-5-20250929-v1:0
        gen_ai.response.finish_reasons = ["stop"]
        gen_ai.usage.input_tokens = 1324
        gen_ai.usage.output_tokens = 5
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.cache_creation.input_tokens = 1322
        llm.cost_usd = 0.0050385
        gen_ai.output.messages = [{"finish_reason":"stop","parts":[{"content":"21","type":"text"}],"role":"assistant"}]
        "#,
    ]);
    assert_attributes(
        &attribute_map(span(&spans, &format!("chat {MODEL}")), port),
        &want,
    );
}

#[tokio::test]
async fn latest_conventions_tool_use_without_content() {
    let h = Harness::new();
    h.server.push(Canned::converse_tool_use());
    let client = h.client(support::latest(false));
    client
        .converse()
        .model_id(NOVA)
        .system(SystemContentBlock::Text("Be brief.".into()))
        .messages(user("What is the capital of France?"))
        .tool_config(weather_tool())
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let want = expected(&[
        LATEST_CORE,
        SYNTHETIC_REQUEST_ID,
        &format!("{GEN_AI_REQUEST_MODEL} = {NOVA}"),
        r#"
        gen_ai.system_instructions = [{"type":"text"}]
        gen_ai.input.messages = [{"parts":[{"type":"text"}],"role":"user"}]
        gen_ai.tool.definitions = [{"description":"Returns the capital of a country","name":"get_capital","parameters":{"properties":{"country":{"type":"string"}},"type":"object"},"type":"function"}]
        gen_ai.response.model = us.amazon.nova-micro-v1:0
        gen_ai.response.finish_reasons = ["tool_call"]
        gen_ai.usage.input_tokens = 426
        gen_ai.usage.output_tokens = 66
        llm.cost_usd = 0.00002415
        gen_ai.output.messages = [{"finish_reason":"tool_call","parts":[{"type":"text"},{"id":"tooluse_Ze_bgl9CSqu8aJv7XD-_Dw","name":"get_capital","type":"tool_call"}],"role":"assistant"}]
        "#,
    ]);
    assert_attributes(
        &attribute_map(span(&spans, &format!("chat {NOVA}")), port),
        &want,
    );
}

#[tokio::test]
async fn latest_conventions_image_bytes_are_a_blob_part() {
    let h = Harness::new();
    let client = h.client(support::latest(true));
    let image = aws_sdk_bedrockruntime::types::ImageBlock::builder()
        .format(aws_sdk_bedrockruntime::types::ImageFormat::Png)
        .source(aws_sdk_bedrockruntime::types::ImageSource::Bytes(
            aws_smithy_types::Blob::new(b"\x89PNG".to_vec()),
        ))
        .build()
        .unwrap();
    client
        .converse()
        .model_id(MODEL)
        .messages(
            Message::builder()
                .role(ConversationRole::User)
                .content(ContentBlock::Text("What is this?".into()))
                .content(ContentBlock::Image(image))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, &format!("chat {MODEL}")), port);
    assert_eq!(
        got["gen_ai.input.messages"],
        r#"[{"parts":[{"content":"What is this?","type":"text"},{"content":"iVBORw==","mime_type":"image/png","modality":"image","type":"blob"}],"role":"user"}]"#
    );
}

//! Responses API types → the neutral `coresdk::genai` model.
//!
//! A Responses request is a chat request: `instructions` are its system
//! instructions, `input` items its messages (a `function_call` item is an
//! assistant tool call, a `function_call_output` item a tool message), and
//! the `output` items of the response one completion whose finish reason
//! comes from `status` and `incomplete_details`.

use async_openai::types::responses::{
    ConversationParam, CreateResponse, CustomToolCall, CustomToolCallOutputOutput,
    EasyInputContent, FunctionCallOutput, FunctionToolCall, IncompleteDetails, InputContent,
    InputItem, InputParam, InputRole, Item, MessageItem, OutputItem, OutputMessageContent,
    ReasoningItem, Response as OaiResponse, ResponseError, ResponseUsage, Role as OaiRole,
    ServiceTierResponses, Status, SummaryPart, TextResponseFormatConfiguration, Tool,
};
use coresdk::genai::attributes::{
    GEN_AI_OPENAI_REQUEST_PREVIOUS_RESPONSE_ID, GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT,
    GEN_AI_OPENAI_REQUEST_SERVICE_TIER, GEN_AI_OPENAI_RESPONSE_SERVICE_TIER,
};
use coresdk::genai::{
    CallError, CallErrorKind, ChatRequest, ChatResponse, Completion, ContentPart, FinishReason,
    Media, MediaSource, Message, Outcome, Request, RequestSummary, Response, Role, ToolCall,
    ToolDefinition, Usage, captured, f32_param,
};
use opentelemetry::KeyValue;

use crate::convert::{output_type, wire_name};

/// Media given by URL: a `data:` URL is inline data (its MIME type and
/// base64 payload), any other URL a URI the provider fetches.
pub(crate) fn media_url(modality: &str, url: &str, capture: bool) -> ContentPart {
    if let Some((header, data)) = url
        .strip_prefix("data:")
        .and_then(|rest| rest.split_once(','))
        && let Some(mime) = header.strip_suffix(";base64")
    {
        let media = Media::new(modality, MediaSource::Base64(captured(capture, data)));
        return ContentPart::Media(if mime.is_empty() {
            media
        } else {
            media.with_mime_type(mime)
        });
    }
    ContentPart::uri(modality, captured(capture, url))
}

fn input_part(part: &InputContent, capture: bool) -> ContentPart {
    match part {
        InputContent::InputText(t) => ContentPart::Text(captured(capture, &t.text)),
        InputContent::InputImage(image) => match (&image.image_url, &image.file_id) {
            (Some(url), _) => media_url("image", url, capture),
            (None, Some(id)) => ContentPart::file("image", id.clone()),
            (None, None) => ContentPart::Blob {
                modality: "image".to_owned(),
            },
        },
        InputContent::InputFile(file) => match (&file.file_data, &file.file_url, &file.file_id) {
            (Some(data), _, _) => media_url("document", data, capture),
            (None, Some(url), _) => media_url("document", url, capture),
            (None, None, Some(id)) => ContentPart::file("document", id.clone()),
            (None, None, None) => ContentPart::Blob {
                modality: "document".to_owned(),
            },
        },
    }
}

fn input_role(role: InputRole) -> Role {
    match role {
        InputRole::User => Role::User,
        InputRole::System => Role::System,
        InputRole::Developer => Role::Developer,
    }
}

fn easy_role(role: OaiRole) -> Role {
    match role {
        OaiRole::User => Role::User,
        OaiRole::Assistant => Role::Assistant,
        OaiRole::System => Role::System,
        OaiRole::Developer => Role::Developer,
    }
}

fn output_content(content: &[OutputMessageContent], capture: bool, message: &mut Message) {
    for part in content {
        message.content.push(match part {
            OutputMessageContent::OutputText(t) => ContentPart::Text(captured(capture, &t.text)),
            OutputMessageContent::Refusal(r) => ContentPart::Refusal(captured(capture, &r.refusal)),
        });
    }
}

/// The reasoning summary of a reasoning item, as one text (empty when the
/// model gave none: reasoning models send encrypted content only by default).
fn reasoning_text(item: &ReasoningItem) -> String {
    let mut out = String::new();
    for SummaryPart::SummaryText(part) in &item.summary {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&part.text);
    }
    out
}

/// Adds a tool call to the conversation: to the assistant message just
/// before it (one turn's calls are one message, as in chat), or as a new
/// assistant message.
fn push_tool_call(messages: &mut Vec<Message>, call: ToolCall) {
    match messages.last_mut() {
        Some(last) if last.role == Role::Assistant => last.tool_calls.push(call),
        _ => messages.push(Message::new(Role::Assistant).with_tool_call(call)),
    }
}

fn tool_output_message(call_id: Option<&str>, parts: Vec<ContentPart>) -> Message {
    let mut message = Message::new(Role::Tool);
    message.content = parts;
    if let Some(id) = call_id {
        message = message.with_tool_call_id(id);
    }
    message
}

fn function_call(call: &FunctionToolCall, capture: bool) -> ToolCall {
    ToolCall::function(
        Some(call.call_id.clone()),
        call.name.clone(),
        captured(capture, &call.arguments),
    )
}

fn custom_call(call: &CustomToolCall, capture: bool) -> ToolCall {
    ToolCall {
        id: Some(call.call_id.clone()),
        kind: "custom".to_owned(),
        name: call.name.clone(),
        arguments: captured(capture, &call.input),
    }
}

fn function_output_parts(output: &FunctionCallOutput, capture: bool) -> Vec<ContentPart> {
    match output {
        FunctionCallOutput::Text(text) => vec![ContentPart::Text(captured(capture, text))],
        FunctionCallOutput::Content(list) => list.iter().map(|p| input_part(p, capture)).collect(),
    }
}

fn custom_output_parts(output: &CustomToolCallOutputOutput, capture: bool) -> Vec<ContentPart> {
    match output {
        CustomToolCallOutputOutput::Text(text) => vec![ContentPart::Text(captured(capture, text))],
        CustomToolCallOutputOutput::List(list) => {
            list.iter().map(|p| input_part(p, capture)).collect()
        }
    }
}

/// One input item into the conversation. Items that are neither messages
/// nor tool calls and their outputs (built-in tool calls the server ran,
/// item references, compaction) carry no message and are left out.
fn input_item(item: &InputItem, capture: bool, messages: &mut Vec<Message>) {
    let item = match item {
        InputItem::EasyMessage(m) => {
            let mut message = Message::new(easy_role(m.role));
            match &m.content {
                EasyInputContent::Text(text) => {
                    message
                        .content
                        .push(ContentPart::Text(captured(capture, text)));
                }
                EasyInputContent::ContentList(list) => {
                    message
                        .content
                        .extend(list.iter().map(|p| input_part(p, capture)));
                }
            }
            messages.push(message);
            return;
        }
        InputItem::Item(item) => item,
        _ => return,
    };
    match item {
        Item::Message(MessageItem::Input(m)) => {
            let mut message = Message::new(input_role(m.role));
            message
                .content
                .extend(m.content.iter().map(|p| input_part(p, capture)));
            messages.push(message);
        }
        Item::Message(MessageItem::Output(m)) => {
            let mut message = Message::new(Role::Assistant);
            output_content(&m.content, capture, &mut message);
            messages.push(message);
        }
        Item::FunctionCall(call) => push_tool_call(messages, function_call(call, capture)),
        Item::FunctionCallOutput(output) => messages.push(tool_output_message(
            output.call_id.as_deref(),
            function_output_parts(&output.output, capture),
        )),
        Item::CustomToolCall(call) => push_tool_call(messages, custom_call(call, capture)),
        Item::CustomToolCallOutput(output) => messages.push(tool_output_message(
            Some(&output.call_id),
            custom_output_parts(&output.output, capture),
        )),
        // Reasoning sent back opens the assistant turn its calls follow.
        Item::Reasoning(reasoning) => {
            let text = reasoning_text(reasoning);
            if !text.is_empty() {
                messages.push(
                    Message::new(Role::Assistant)
                        .with_part(ContentPart::Reasoning(captured(capture, &text))),
                );
            }
        }
        _ => {}
    }
}

fn tools(tools: &[Tool]) -> Vec<ToolDefinition> {
    tools
        .iter()
        .map(|tool| match tool {
            Tool::Function(f) => ToolDefinition {
                kind: "function".to_owned(),
                name: f.name.clone(),
                description: f.description.clone(),
                parameters: f.parameters.as_ref().map(ToString::to_string),
            },
            Tool::Custom(c) => ToolDefinition {
                kind: "custom".to_owned(),
                name: c.name.clone(),
                description: c.description.clone(),
                parameters: None,
            },
            // Built-in tools (web search, file search, ...) have no name of
            // their own: their type names them.
            other => {
                let kind = tool_kind(other);
                ToolDefinition {
                    kind: kind.clone(),
                    name: kind,
                    description: None,
                    parameters: None,
                }
            }
        })
        .collect()
}

/// The wire `type` of a tool (`web_search`, `file_search`, ...).
fn tool_kind(tool: &Tool) -> String {
    serde_json::to_value(tool)
        .ok()
        .and_then(|v| v.get("type")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| "tool".to_owned())
}

/// The conversation a request belongs to (`conversation` parameter).
fn conversation_id(request: &CreateResponse) -> Option<&str> {
    match request.conversation.as_ref()? {
        ConversationParam::ConversationID(id) => Some(id),
        ConversationParam::Object(conversation) => Some(&conversation.id),
    }
}

/// The request summary of `POST /responses`; without `capture` message text
/// is left out.
pub(crate) fn request(request: &CreateResponse, stream: bool, capture: bool) -> RequestSummary {
    let mut messages = Vec::new();
    match &request.input {
        InputParam::Text(text) => messages.push(Message::text(Role::User, captured(capture, text))),
        InputParam::Items(items) => {
            for item in items {
                input_item(item, capture, &mut messages);
            }
        }
    }
    let format = request.text.as_ref().map(|text| match text.format {
        TextResponseFormatConfiguration::Text => "text",
        TextResponseFormatConfiguration::JsonObject => "json_object",
        TextResponseFormatConfiguration::JsonSchema(_) => "json_schema",
    });
    let neutral = ChatRequest {
        model: request.model.clone().unwrap_or_default(),
        system_instructions: request
            .instructions
            .iter()
            .map(|text| captured(capture, text))
            .collect(),
        messages,
        tools: request.tools.as_deref().map(tools).unwrap_or_default(),
        max_tokens: request.max_output_tokens.map(u64::from),
        temperature: request.temperature.map(f32_param),
        top_p: request.top_p.map(f32_param),
        stream,
        conversation_id: conversation_id(request).map(str::to_owned),
        output_type: format.map(output_type),
        ..ChatRequest::default()
    };
    let mut attributes = Vec::new();
    if let Some(tier) = &request.service_tier {
        let tier = tier_name(tier);
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_SERVICE_TIER, tier));
    }
    if let Some(name) = format {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT, name));
    }
    if let Some(id) = &request.previous_response_id {
        let id = id.clone();
        attributes.push(KeyValue::new(
            GEN_AI_OPENAI_REQUEST_PREVIOUS_RESPONSE_ID,
            id,
        ));
    }
    RequestSummary {
        request: Request::Chat(neutral),
        attributes,
    }
}

pub(crate) fn usage(u: &ResponseUsage) -> Usage {
    Usage {
        input_tokens: Some(u64::from(u.input_tokens)),
        output_tokens: Some(u64::from(u.output_tokens)),
        cache_read_input_tokens: Some(u64::from(u.input_tokens_details.cached_tokens)),
        cache_creation_input_tokens: u
            .input_tokens_details
            .cache_write_tokens
            .and_then(|t| u64::try_from(t).ok()),
        reasoning_output_tokens: Some(u64::from(u.output_tokens_details.reasoning_tokens)),
    }
}

/// Why the response stopped, from its status: `completed` is `stop`
/// (`tool_calls` when it called tools), `incomplete` says why
/// (`max_output_tokens` → `length`, `content_filter`), `failed` is `error`.
/// `None` while the response is still in progress or queued.
pub(crate) fn finish_reason(
    status: &Status,
    incomplete: Option<&IncompleteDetails>,
    called_tools: bool,
) -> Option<FinishReason> {
    Some(match status {
        Status::Completed if called_tools => FinishReason::ToolCalls,
        Status::Completed => FinishReason::Stop,
        Status::Incomplete => match incomplete.map(|d| d.reason.as_str()) {
            Some("max_output_tokens") => FinishReason::Length,
            Some("content_filter") => FinishReason::ContentFilter,
            Some(other) => FinishReason::Other(other.to_owned()),
            None => FinishReason::Other("incomplete".to_owned()),
        },
        Status::Failed => FinishReason::Error,
        Status::Cancelled => FinishReason::Other("cancelled".to_owned()),
        Status::InProgress | Status::Queued => return None,
    })
}

/// The failure a `failed` response reports (HTTP 200, or a `response.failed`
/// event): `error.type` is its code (`server_error`, `rate_limit_exceeded`).
pub(crate) fn response_error(error: Option<&ResponseError>) -> CallError {
    match error {
        Some(error) => {
            let code = wire_name(&error.code).unwrap_or_else(|| "failed".to_owned());
            CallError::new(CallErrorKind::ProviderError, error.message.clone())
                .with_error_type(code)
        }
        None => CallError::new(CallErrorKind::ProviderError, "the response failed")
            .with_error_type("failed"),
    }
}

/// The output items as one assistant message.
fn output_message(output: &[OutputItem], capture: bool) -> Message {
    let mut message = Message::new(Role::Assistant);
    for item in output {
        match item {
            OutputItem::Message(m) => output_content(&m.content, capture, &mut message),
            OutputItem::FunctionCall(call) => message.tool_calls.push(function_call(call, capture)),
            OutputItem::CustomToolCall(call) => message.tool_calls.push(custom_call(call, capture)),
            // Only a reasoning summary is text: reasoning models send their
            // reasoning encrypted unless a summary is asked for.
            OutputItem::Reasoning(reasoning) => {
                let text = reasoning_text(reasoning);
                if !text.is_empty() {
                    message
                        .content
                        .push(ContentPart::Reasoning(captured(capture, &text)));
                }
            }
            // Built-in tool calls run by the server: no message content.
            _ => {}
        }
    }
    message
}

/// The response-only attributes (the service tier that served it).
pub(crate) fn response_extras(response: &OaiResponse) -> Vec<KeyValue> {
    response
        .service_tier
        .as_ref()
        .map(|tier| KeyValue::new(GEN_AI_OPENAI_RESPONSE_SERVICE_TIER, tier_name(tier)))
        .into_iter()
        .collect()
}

/// A service tier's wire name (a static string: no serializer, no copy).
fn tier_name(tier: &ServiceTierResponses) -> &'static str {
    match tier {
        ServiceTierResponses::Auto => "auto",
        ServiceTierResponses::Default => "default",
        ServiceTierResponses::Flex => "flex",
        ServiceTierResponses::Scale => "scale",
        ServiceTierResponses::Priority => "priority",
        ServiceTierResponses::Fast => "fast",
        ServiceTierResponses::Ultrafast => "ultrafast",
    }
}

/// The neutral response of a finished Responses call.
pub(crate) fn chat_response(response: &OaiResponse, capture: bool) -> ChatResponse {
    let message = output_message(&response.output, capture);
    let finish_reason = finish_reason(
        &response.status,
        response.incomplete_details.as_ref(),
        !message.tool_calls.is_empty(),
    );
    ChatResponse {
        id: Some(response.id.clone()),
        model: Some(response.model.clone()),
        completions: vec![Completion {
            message,
            finish_reason,
        }],
        usage: response.usage.as_ref().map(usage).unwrap_or_default(),
        conversation_id: response.conversation.as_ref().map(|c| c.id.clone()),
    }
}

/// The outcome of `POST /responses`: a `failed` response is a failed call.
pub(crate) fn outcome(response: &OaiResponse, capture: bool) -> Outcome {
    Outcome {
        attributes: response_extras(response),
        error: (response.status == Status::Failed).then(|| response_error(response.error.as_ref())),
        ..Outcome::response(Response::Chat(chat_response(response, capture)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_openai::types::responses::{
        CreateResponseArgs, EasyInputMessage, FunctionCallOutputItemParam,
    };

    #[test]
    fn a_tool_round_trip_is_an_assistant_call_then_a_tool_message() {
        let request = CreateResponseArgs::default()
            .model("gpt-4o")
            .instructions("Be brief.")
            .input(InputParam::Items(vec![
                InputItem::EasyMessage(EasyInputMessage {
                    role: OaiRole::User,
                    content: EasyInputContent::Text("Capital of PotatoLand?".into()),
                    ..EasyInputMessage::default()
                }),
                InputItem::Item(Item::FunctionCall(FunctionToolCall {
                    arguments: "{\"country\":\"PotatoLand\"}".into(),
                    call_id: "call_1".into(),
                    namespace: None,
                    name: "get_capital".into(),
                    id: None,
                    status: None,
                    caller: None,
                    r#async: None,
                })),
                InputItem::Item(Item::FunctionCallOutput(FunctionCallOutputItemParam {
                    call_id: Some("call_1".into()),
                    output: FunctionCallOutput::Text("Potato City".into()),
                    id: None,
                    status: None,
                    name: None,
                    namespace: None,
                    caller: None,
                })),
            ]))
            .build()
            .expect("request");
        let Request::Chat(chat) = super::request(&request, false, true).request else {
            panic!("a chat request");
        };
        assert_eq!(chat.system_instructions, ["Be brief."]);
        assert_eq!(chat.messages.len(), 3);
        assert_eq!(
            chat.messages[1].tool_calls,
            [ToolCall::function(
                Some("call_1".into()),
                "get_capital",
                "{\"country\":\"PotatoLand\"}"
            )]
        );
        assert_eq!(chat.messages[2].role, Role::Tool);
        assert_eq!(chat.messages[2].tool_call_id.as_deref(), Some("call_1"));
        assert_eq!(
            chat.messages[2].joined_text().as_deref(),
            Some("Potato City")
        );

        let Request::Chat(hidden) = super::request(&request, false, false).request else {
            panic!("a chat request");
        };
        assert_eq!(hidden.system_instructions, [""]);
        assert_eq!(hidden.messages[1].tool_calls[0].arguments, "");
        assert_eq!(hidden.messages[2].joined_text().as_deref(), Some(""));
    }

    #[test]
    fn status_and_incomplete_details_become_finish_reasons() {
        let reason = |status, detail: Option<&str>, tools| {
            let details = detail.map(|r| IncompleteDetails { reason: r.into() });
            finish_reason(&status, details.as_ref(), tools)
        };
        assert_eq!(
            reason(Status::Completed, None, false),
            Some(FinishReason::Stop)
        );
        assert_eq!(
            reason(Status::Completed, None, true),
            Some(FinishReason::ToolCalls)
        );
        assert_eq!(
            reason(Status::Incomplete, Some("max_output_tokens"), false),
            Some(FinishReason::Length)
        );
        assert_eq!(
            reason(Status::Incomplete, Some("content_filter"), false),
            Some(FinishReason::ContentFilter)
        );
        assert_eq!(
            reason(Status::Failed, None, false),
            Some(FinishReason::Error)
        );
        assert_eq!(reason(Status::InProgress, None, false), None);
    }
}

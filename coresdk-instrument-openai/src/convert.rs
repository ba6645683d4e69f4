//! async-openai types → the neutral `coresdk::genai` model.

#![allow(deprecated)] // `max_tokens`, `seed`, `user`, `system_fingerprint` are still sent by users.

use async_openai::types::chat::{
    ChatChoice, ChatCompletionMessageToolCalls, ChatCompletionRequestAssistantMessageContent,
    ChatCompletionRequestAssistantMessageContentPart, ChatCompletionRequestDeveloperMessageContent,
    ChatCompletionRequestDeveloperMessageContentPart, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestSystemMessageContentPart,
    ChatCompletionRequestToolMessageContent, ChatCompletionRequestToolMessageContentPart,
    ChatCompletionRequestUserMessageContent, ChatCompletionRequestUserMessageContentPart,
    ChatCompletionTools, CompletionUsage, CreateChatCompletionRequest,
    CreateChatCompletionResponse, FileObject, FinishReason as OaiFinishReason, InputAudioFormat,
    ResponseFormat, Role as OaiRole, ServiceTier, StopConfiguration,
};
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput, EncodingFormat};
use coresdk::genai::attributes::{
    GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT, GEN_AI_OPENAI_REQUEST_SEED,
    GEN_AI_OPENAI_REQUEST_SERVICE_TIER, GEN_AI_OPENAI_REQUEST_USER,
    GEN_AI_OPENAI_RESPONSE_SERVICE_TIER, OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
};
use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, ContentPart, EmbeddingsRequest, FinishReason, Media,
    MediaSource, Message, Outcome, OutputType, Request, RequestSummary, Response, Role, ToolCall,
    ToolDefinition, Usage, captured, f32_param,
};
use opentelemetry::KeyValue;
use serde::Serialize;

use crate::responses_convert::media_url;

/// The lowercase wire name of a serde enum (`ServiceTierResponses::Flex` →
/// `flex`), for the Responses and endpoint types read once per call.
pub(crate) fn wire_name<T: Serialize>(value: &T) -> Option<String> {
    match serde_json::to_value(value).ok()? {
        serde_json::Value::String(s) => Some(s),
        _ => None,
    }
}

/// A service tier's wire name (a static string: no serializer, no copy).
fn tier_name(tier: &ServiceTier) -> &'static str {
    match tier {
        ServiceTier::Auto => "auto",
        ServiceTier::Default => "default",
        ServiceTier::Flex => "flex",
        ServiceTier::Scale => "scale",
        ServiceTier::Priority => "priority",
        ServiceTier::Fast => "fast",
    }
}

pub(crate) fn role(role: OaiRole) -> Role {
    match role {
        OaiRole::Developer => Role::Developer,
        OaiRole::System => Role::System,
        OaiRole::User => Role::User,
        OaiRole::Assistant => Role::Assistant,
        OaiRole::Tool => Role::Tool,
        OaiRole::Function => Role::Other("function".to_owned()),
    }
}

pub(crate) fn finish_reason(reason: OaiFinishReason) -> FinishReason {
    match reason {
        OaiFinishReason::Stop => FinishReason::Stop,
        OaiFinishReason::Length => FinishReason::Length,
        OaiFinishReason::ToolCalls => FinishReason::ToolCalls,
        OaiFinishReason::ContentFilter => FinishReason::ContentFilter,
        OaiFinishReason::FunctionCall => FinishReason::Other("function_call".to_owned()),
    }
}

fn text(capture: bool, text: &str) -> ContentPart {
    ContentPart::Text(captured(capture, text))
}

/// The parts of a message content that is text or a list of text parts.
macro_rules! text_parts {
    ($content:expr, $content_type:ident, $part_type:ident, $capture:expr) => {
        match $content {
            $content_type::Text(t) => vec![text($capture, t)],
            $content_type::Array(list) => list
                .iter()
                .map(|$part_type::Text(t)| text($capture, &t.text))
                .collect(),
        }
    };
}

/// A file by id or inline data, else only its kind.
fn file(file: &FileObject, capture: bool) -> ContentPart {
    match (&file.file_id, &file.file_data) {
        (Some(id), _) => ContentPart::file("document", id.clone()),
        (None, Some(data)) if data.starts_with("data:") => media_url("document", data, capture),
        (None, Some(data)) => ContentPart::blob("document", captured(capture, data)),
        (None, None) => ContentPart::Blob {
            modality: "document".to_owned(),
        },
    }
}

fn user_part(part: &ChatCompletionRequestUserMessageContentPart, capture: bool) -> ContentPart {
    match part {
        ChatCompletionRequestUserMessageContentPart::Text(t) => text(capture, &t.text),
        ChatCompletionRequestUserMessageContentPart::ImageUrl(image) => {
            media_url("image", &image.image_url.url, capture)
        }
        ChatCompletionRequestUserMessageContentPart::InputAudio(audio) => {
            let mime_type = match audio.input_audio.format {
                InputAudioFormat::Wav => "audio/wav",
                InputAudioFormat::Mp3 => "audio/mpeg",
            };
            let data = MediaSource::Base64(captured(capture, &audio.input_audio.data));
            ContentPart::Media(Media::new("audio", data).with_mime_type(mime_type))
        }
        ChatCompletionRequestUserMessageContentPart::File(f) => file(&f.file, capture),
    }
}

fn tool_calls(calls: &[ChatCompletionMessageToolCalls], capture: bool) -> Vec<ToolCall> {
    calls
        .iter()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(f) => ToolCall::function(
                Some(f.id.clone()),
                f.function.name.clone(),
                captured(capture, &f.function.arguments),
            ),
            ChatCompletionMessageToolCalls::Custom(c) => ToolCall {
                id: Some(c.id.clone()),
                kind: "custom".to_owned(),
                name: c.custom_tool.name.clone(),
                arguments: captured(capture, &c.custom_tool.input),
            },
        })
        .collect()
}

fn message(m: &ChatCompletionRequestMessage, capture: bool) -> Message {
    use ChatCompletionRequestAssistantMessageContent as Assistant;
    use ChatCompletionRequestAssistantMessageContentPart as AssistantPart;
    let (mut message, content) = match m {
        ChatCompletionRequestMessage::Developer(d) => (
            Message::new(Role::Developer),
            text_parts!(
                &d.content,
                ChatCompletionRequestDeveloperMessageContent,
                ChatCompletionRequestDeveloperMessageContentPart,
                capture
            ),
        ),
        ChatCompletionRequestMessage::System(s) => (
            Message::new(Role::System),
            text_parts!(
                &s.content,
                ChatCompletionRequestSystemMessageContent,
                ChatCompletionRequestSystemMessageContentPart,
                capture
            ),
        ),
        ChatCompletionRequestMessage::User(u) => (
            Message::new(Role::User),
            match &u.content {
                ChatCompletionRequestUserMessageContent::Text(t) => vec![text(capture, t)],
                ChatCompletionRequestUserMessageContent::Array(list) => {
                    list.iter().map(|p| user_part(p, capture)).collect()
                }
            },
        ),
        ChatCompletionRequestMessage::Assistant(a) => {
            let mut parts: Vec<ContentPart> = match &a.content {
                Some(Assistant::Text(t)) => vec![text(capture, t)],
                Some(Assistant::Array(list)) => list
                    .iter()
                    .map(|part| match part {
                        AssistantPart::Text(t) => text(capture, &t.text),
                        AssistantPart::Refusal(r) => {
                            ContentPart::Refusal(captured(capture, &r.refusal))
                        }
                    })
                    .collect(),
                None => Vec::new(),
            };
            if let Some(refusal) = &a.refusal {
                parts.push(ContentPart::Refusal(captured(capture, refusal)));
            }
            let mut message = Message::new(Role::Assistant);
            if let Some(calls) = &a.tool_calls {
                message.tool_calls = tool_calls(calls, capture);
            }
            (message, parts)
        }
        ChatCompletionRequestMessage::Tool(t) => (
            Message::new(Role::Tool).with_tool_call_id(t.tool_call_id.clone()),
            text_parts!(
                &t.content,
                ChatCompletionRequestToolMessageContent,
                ChatCompletionRequestToolMessageContentPart,
                capture
            ),
        ),
        ChatCompletionRequestMessage::Function(f) => (
            Message::new(Role::Other("function".to_owned())),
            f.content.iter().map(|c| text(capture, c)).collect(),
        ),
    };
    message.content = content;
    message
}

fn tools(tools: &[ChatCompletionTools]) -> Vec<ToolDefinition> {
    tools
        .iter()
        .map(|tool| match tool {
            ChatCompletionTools::Function(t) => ToolDefinition {
                kind: "function".to_owned(),
                name: t.function.name.clone(),
                description: t.function.description.clone(),
                parameters: t.function.parameters.as_ref().map(ToString::to_string),
            },
            ChatCompletionTools::Custom(c) => ToolDefinition {
                kind: "custom".to_owned(),
                name: c.custom.name.clone(),
                description: c.custom.description.clone(),
                parameters: None,
            },
        })
        .collect()
}

/// The request summary, OpenAI-specific attributes included; without
/// `capture` message text is left out.
pub(crate) fn chat_request(
    request: &CreateChatCompletionRequest,
    stream: bool,
    capture: bool,
) -> RequestSummary {
    let format = request.response_format.as_ref().map(|format| match format {
        ResponseFormat::Text => "text",
        ResponseFormat::JsonObject => "json_object",
        ResponseFormat::JsonSchema { .. } => "json_schema",
    });
    let neutral = ChatRequest {
        model: request.model.clone(),
        messages: request
            .messages
            .iter()
            .map(|m| message(m, capture))
            .collect(),
        tools: request.tools.as_deref().map(tools).unwrap_or_default(),
        max_tokens: request
            .max_completion_tokens
            .or(request.max_tokens)
            .map(u64::from),
        temperature: request.temperature.map(f32_param),
        top_p: request.top_p.map(f32_param),
        frequency_penalty: request.frequency_penalty.map(f32_param),
        presence_penalty: request.presence_penalty.map(f32_param),
        stop_sequences: stop_sequences(request.stop.as_ref()),
        seed: request.seed,
        choice_count: request.n.map(u64::from),
        stream,
        user: request.user.clone(),
        output_type: format.map(output_type),
        ..ChatRequest::default()
    };
    let mut attributes = Vec::new();
    if let Some(user) = &request.user {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_USER, user.clone()));
    }
    if let Some(seed) = request.seed {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_SEED, seed));
    }
    if let Some(tier) = &request.service_tier {
        let tier = tier_name(tier);
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_SERVICE_TIER, tier));
    }
    if let Some(name) = format {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT, name));
    }
    RequestSummary {
        request: Request::Chat(neutral),
        attributes,
    }
}

/// The output type a response format asks for (`text`, `json_object`,
/// `json_schema`).
pub(crate) fn output_type(format: &str) -> OutputType {
    if format == "text" {
        OutputType::Text
    } else {
        OutputType::Json
    }
}

pub(crate) fn usage(u: &CompletionUsage) -> Usage {
    Usage {
        input_tokens: Some(u64::from(u.prompt_tokens)),
        output_tokens: Some(u64::from(u.completion_tokens)),
        cache_read_input_tokens: u
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cached_tokens)
            .map(u64::from),
        cache_creation_input_tokens: u
            .prompt_tokens_details
            .as_ref()
            .and_then(|d| d.cache_write_tokens)
            .and_then(|t| u64::try_from(t).ok()),
        reasoning_output_tokens: u
            .completion_tokens_details
            .as_ref()
            .and_then(|d| d.reasoning_tokens)
            .map(u64::from),
    }
}

fn completion(choice: &ChatChoice, capture: bool) -> Completion {
    let m = &choice.message;
    let mut message = Message::new(role(m.role));
    message
        .content
        .extend(m.content.iter().map(|t| text(capture, t)));
    message.content.extend(
        m.refusal
            .iter()
            .map(|r| ContentPart::Refusal(captured(capture, r))),
    );
    if let Some(calls) = &m.tool_calls {
        message.tool_calls = tool_calls(calls, capture);
    }
    Completion {
        message,
        finish_reason: choice.finish_reason.map(finish_reason),
    }
}

/// The OpenAI response-only attributes.
pub(crate) fn response_extras(
    fingerprint: Option<&String>,
    service_tier: Option<&ServiceTier>,
) -> impl Iterator<Item = KeyValue> {
    let fingerprint =
        fingerprint.map(|fp| KeyValue::new(OPENAI_RESPONSE_SYSTEM_FINGERPRINT, fp.clone()));
    let tier = service_tier
        .map(|tier| KeyValue::new(GEN_AI_OPENAI_RESPONSE_SERVICE_TIER, tier_name(tier)));
    fingerprint.into_iter().chain(tier)
}

/// The outcome of a chat call.
pub(crate) fn chat_outcome(response: &CreateChatCompletionResponse, capture: bool) -> Outcome {
    let neutral = ChatResponse {
        id: Some(response.id.clone()),
        model: Some(response.model.clone()),
        completions: response
            .choices
            .iter()
            .map(|c| completion(c, capture))
            .collect(),
        usage: response.usage.as_ref().map(usage).unwrap_or_default(),
        conversation_id: None,
    };
    Outcome {
        attributes: response_extras(
            response.system_fingerprint.as_ref(),
            response.service_tier.as_ref(),
        )
        .collect(),
        ..Outcome::response(Response::Chat(neutral))
    }
}

/// The neutral form of an embeddings request.
pub(crate) fn embeddings_request(request: &CreateEmbeddingRequest) -> EmbeddingsRequest {
    let input_count = match &request.input {
        EmbeddingInput::String(_) | EmbeddingInput::IntegerArray(_) => 1,
        EmbeddingInput::StringArray(v) => v.len(),
        EmbeddingInput::ArrayOfIntegerArray(v) => v.len(),
    };
    EmbeddingsRequest {
        model: request.model.clone(),
        input_count: input_count as u64,
        dimensions: request.dimensions.map(u64::from),
        encoding_format: request.encoding_format.as_ref().map(|f| {
            match f {
                EncodingFormat::Float => "float",
                EncodingFormat::Base64 => "base64",
            }
            .to_owned()
        }),
        user: request.user.clone(),
    }
}

/// A request's stop sequences (chat and legacy completions say it alike).
pub(crate) fn stop_sequences(stop: Option<&StopConfiguration>) -> Vec<String> {
    match stop {
        Some(StopConfiguration::String(s)) => vec![s.clone()],
        Some(StopConfiguration::StringArray(v)) => v.clone(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncaptured_content_keeps_structure_but_no_text() {
        let m: ChatCompletionRequestMessage =
            async_openai::types::chat::ChatCompletionRequestUserMessage::from("secret").into();
        let out = message(&m, false);
        assert_eq!(out.role, Role::User);
        assert_eq!(out.content, vec![ContentPart::Text(String::new())]);
        let out = message(&m, true);
        assert_eq!(out.content, vec![ContentPart::text("secret")]);
    }
}

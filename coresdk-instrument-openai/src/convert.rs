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
    ToolDefinition, Usage, f32_param,
};
use opentelemetry::KeyValue;
use serde::Serialize;

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

/// Builds content parts, leaving text out when content is not captured.
struct Parts {
    capture: bool,
    parts: Vec<ContentPart>,
}

impl Parts {
    fn new(capture: bool) -> Self {
        Self {
            capture,
            parts: Vec::new(),
        }
    }
    fn text(&mut self, text: &str) {
        if self.capture {
            self.parts.push(ContentPart::Text(text.to_owned()));
        } else {
            // Keep the part (its type is structure), not the text.
            self.parts.push(ContentPart::Text(String::new()));
        }
    }
    fn refusal(&mut self, text: &str) {
        let text = if self.capture { text } else { "" };
        self.parts.push(ContentPart::Refusal(text.to_owned()));
    }
    /// Media given by URL (`data:` URLs are inline data).
    fn media_url(&mut self, modality: &str, url: &str) {
        self.parts.push(crate::responses_convert::media_url(
            modality,
            url,
            self.capture,
        ));
    }
    /// Inline base64 data of a known MIME type.
    fn base64(&mut self, modality: &str, mime_type: &str, data: &str) {
        let data = if self.capture { data } else { "" };
        self.parts.push(ContentPart::Media(
            Media::new(modality, MediaSource::Base64(data.to_owned())).with_mime_type(mime_type),
        ));
    }
    /// A file by id or inline data, else only its kind.
    fn file(&mut self, file: &FileObject) {
        let part = match (&file.file_id, &file.file_data) {
            (Some(id), _) => ContentPart::file("document", id.clone()),
            (None, Some(data)) if data.starts_with("data:") => {
                crate::responses_convert::media_url("document", data, self.capture)
            }
            (None, Some(data)) => {
                let data = if self.capture { data.as_str() } else { "" };
                ContentPart::blob("document", data)
            }
            (None, None) => ContentPart::Blob {
                modality: "document".to_owned(),
            },
        };
        self.parts.push(part);
    }
}

fn tool_calls(calls: &[ChatCompletionMessageToolCalls], capture: bool) -> Vec<ToolCall> {
    calls
        .iter()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(f) => ToolCall::function(
                Some(f.id.clone()),
                f.function.name.clone(),
                if capture {
                    f.function.arguments.clone()
                } else {
                    String::new()
                },
            ),
            ChatCompletionMessageToolCalls::Custom(c) => ToolCall {
                id: Some(c.id.clone()),
                kind: "custom".to_owned(),
                name: c.custom_tool.name.clone(),
                arguments: if capture {
                    c.custom_tool.input.clone()
                } else {
                    String::new()
                },
            },
        })
        .collect()
}

fn message(m: &ChatCompletionRequestMessage, capture: bool) -> Message {
    let mut parts = Parts::new(capture);
    let mut out = match m {
        ChatCompletionRequestMessage::Developer(d) => {
            match &d.content {
                ChatCompletionRequestDeveloperMessageContent::Text(t) => parts.text(t),
                ChatCompletionRequestDeveloperMessageContent::Array(a) => {
                    for ChatCompletionRequestDeveloperMessageContentPart::Text(t) in a {
                        parts.text(&t.text);
                    }
                }
            }
            Message::new(Role::Developer)
        }
        ChatCompletionRequestMessage::System(s) => {
            match &s.content {
                ChatCompletionRequestSystemMessageContent::Text(t) => parts.text(t),
                ChatCompletionRequestSystemMessageContent::Array(a) => {
                    for ChatCompletionRequestSystemMessageContentPart::Text(t) in a {
                        parts.text(&t.text);
                    }
                }
            }
            Message::new(Role::System)
        }
        ChatCompletionRequestMessage::User(u) => {
            match &u.content {
                ChatCompletionRequestUserMessageContent::Text(t) => parts.text(t),
                ChatCompletionRequestUserMessageContent::Array(a) => {
                    for part in a {
                        match part {
                            ChatCompletionRequestUserMessageContentPart::Text(t) => {
                                parts.text(&t.text);
                            }
                            ChatCompletionRequestUserMessageContentPart::ImageUrl(image) => {
                                parts.media_url("image", &image.image_url.url);
                            }
                            ChatCompletionRequestUserMessageContentPart::InputAudio(audio) => {
                                let mime_type = match audio.input_audio.format {
                                    InputAudioFormat::Wav => "audio/wav",
                                    InputAudioFormat::Mp3 => "audio/mpeg",
                                };
                                parts.base64("audio", mime_type, &audio.input_audio.data);
                            }
                            ChatCompletionRequestUserMessageContentPart::File(file) => {
                                parts.file(&file.file);
                            }
                        }
                    }
                }
            }
            Message::new(Role::User)
        }
        ChatCompletionRequestMessage::Assistant(a) => {
            match &a.content {
                Some(ChatCompletionRequestAssistantMessageContent::Text(t)) => parts.text(t),
                Some(ChatCompletionRequestAssistantMessageContent::Array(list)) => {
                    for part in list {
                        match part {
                            ChatCompletionRequestAssistantMessageContentPart::Text(t) => {
                                parts.text(&t.text);
                            }
                            ChatCompletionRequestAssistantMessageContentPart::Refusal(r) => {
                                parts.refusal(&r.refusal);
                            }
                        }
                    }
                }
                None => {}
            }
            if let Some(refusal) = &a.refusal {
                parts.refusal(refusal);
            }
            let mut msg = Message::new(Role::Assistant);
            if let Some(calls) = &a.tool_calls {
                msg.tool_calls = tool_calls(calls, capture);
            }
            msg
        }
        ChatCompletionRequestMessage::Tool(t) => {
            match &t.content {
                ChatCompletionRequestToolMessageContent::Text(text) => parts.text(text),
                ChatCompletionRequestToolMessageContent::Array(a) => {
                    for ChatCompletionRequestToolMessageContentPart::Text(p) in a {
                        parts.text(&p.text);
                    }
                }
            }
            Message::new(Role::Tool).with_tool_call_id(t.tool_call_id.clone())
        }
        ChatCompletionRequestMessage::Function(f) => {
            if let Some(content) = &f.content {
                parts.text(content);
            }
            Message::new(Role::Other("function".to_owned()))
        }
    };
    out.content = parts.parts;
    out
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
    let neutral = ChatRequest {
        model: request.model.clone(),
        system_instructions: Vec::new(),
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
        top_k: None,
        frequency_penalty: request.frequency_penalty.map(f32_param),
        presence_penalty: request.presence_penalty.map(f32_param),
        stop_sequences: stop_sequences(request.stop.as_ref()),
        seed: request.seed,
        choice_count: request.n.map(u64::from),
        stream,
        user: request.user.clone(),
        conversation_id: None,
        output_type: request.response_format.as_ref().map(|format| match format {
            ResponseFormat::Text => OutputType::Text,
            ResponseFormat::JsonObject | ResponseFormat::JsonSchema { .. } => OutputType::Json,
        }),
    };
    let mut attributes = Vec::new();
    if let Some(user) = &request.user {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_USER, user.clone()));
    }
    if let Some(seed) = request.seed {
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_SEED, seed));
    }
    if let Some(tier) = &request.service_tier {
        attributes.push(KeyValue::new(
            GEN_AI_OPENAI_REQUEST_SERVICE_TIER,
            tier_name(tier),
        ));
    }
    if let Some(format) = &request.response_format {
        let name = match format {
            ResponseFormat::Text => "text",
            ResponseFormat::JsonObject => "json_object",
            ResponseFormat::JsonSchema { .. } => "json_schema",
        };
        attributes.push(KeyValue::new(GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT, name));
    }
    RequestSummary {
        request: Request::Chat(neutral),
        attributes,
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
    let mut parts = Parts::new(capture);
    if let Some(content) = &m.content {
        parts.text(content);
    }
    if let Some(refusal) = &m.refusal {
        parts.refusal(refusal);
    }
    let mut message = Message::new(role(m.role));
    message.content = parts.parts;
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

//! Converse API types → the neutral [`coresdk::genai`] model.

use aws_sdk_bedrockruntime::types::{
    ContentBlock, ImageBlock, ImageFormat, ImageSource, InferenceConfiguration,
    Message as BedrockMessage, StopReason, SystemContentBlock, TokenUsage, Tool, ToolConfiguration,
    ToolInputSchema, ToolResultContentBlock,
};
use aws_smithy_types::{Document, Number};
use coresdk::genai::attributes::{AWS_BEDROCK_GUARDRAIL_ID, AWS_BEDROCK_GUARDRAIL_VERSION};
use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, ContentPart, FinishReason, Media, MediaSource, Message,
    Request, RequestSummary, Role, ToolCall, ToolDefinition, Usage, captured, f32_param,
};
use opentelemetry::KeyValue;
use serde_json::Value as Json;

/// A smithy [`Document`] as JSON (object keys sorted, so the text is stable).
pub(crate) fn document_to_json(doc: &Document) -> Json {
    match doc {
        Document::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
        Document::Array(items) => Json::Array(items.iter().map(document_to_json).collect()),
        Document::Number(Number::PosInt(n)) => Json::from(*n),
        Document::Number(Number::NegInt(n)) => Json::from(*n),
        Document::Number(Number::Float(f)) => {
            serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number)
        }
        Document::String(s) => Json::String(s.clone()),
        Document::Bool(b) => Json::Bool(*b),
        Document::Null => Json::Null,
    }
}

fn count(v: i32) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The finish reason of a Bedrock stop reason, in Bedrock's word
/// (`end_turn`, `max_tokens`, `tool_use`, ...) as llm-tracekit records it;
/// the JSON layout maps it to the conventions' enum
/// ([`FinishReason::convention_str`]).
pub(crate) fn finish_reason(reason: &StopReason) -> FinishReason {
    finish_reason_str(reason.as_str())
}

/// The finish reason of a stop reason given as text (InvokeModel bodies),
/// kept as the model wrote it; OpenAI's own words get their typed variants.
pub(crate) fn finish_reason_str(reason: &str) -> FinishReason {
    match reason {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_owned()),
    }
}

/// Bedrock's token counts (in usage objects, invocation metrics and headers
/// alike) report input tokens apart from cache reads and writes; the neutral
/// `input_tokens` includes them.
pub(crate) fn usage(
    input: Option<u64>,
    output: Option<u64>,
    read: Option<u64>,
    write: Option<u64>,
) -> Usage {
    Usage {
        input_tokens: input.map(|i| i + read.unwrap_or(0) + write.unwrap_or(0)),
        output_tokens: output,
        cache_read_input_tokens: read,
        cache_creation_input_tokens: write,
        reasoning_output_tokens: None,
    }
}

/// The usage of a Converse response or stream.
pub(crate) fn token_usage(u: &TokenUsage) -> Usage {
    usage(
        Some(count(u.input_tokens)),
        Some(count(u.output_tokens)),
        u.cache_read_input_tokens.map(count),
        u.cache_write_input_tokens.map(count),
    )
}

/// A content part that is not text (`image`, `video`, `audio`, `file`).
pub(crate) fn blob(modality: &str) -> ContentPart {
    ContentPart::Blob {
        modality: modality.to_owned(),
    }
}

/// A role by name: Converse's and most families' lowercase names, Cohere's
/// uppercase ones (`CHATBOT` is the assistant).
pub(crate) fn role(name: &str) -> Role {
    match name {
        "user" | "USER" => Role::User,
        "assistant" | "CHATBOT" => Role::Assistant,
        "system" | "SYSTEM" => Role::System,
        "tool" | "TOOL" => Role::Tool,
        other => Role::Other(other.to_owned()),
    }
}

/// Text of a tool result: text blocks as they are, JSON blocks as JSON text.
fn tool_result_text(blocks: &[ToolResultContentBlock]) -> Vec<ContentPart> {
    blocks
        .iter()
        .map(|block| match block {
            ToolResultContentBlock::Text(text) => ContentPart::Text(text.clone()),
            ToolResultContentBlock::Json(doc) => {
                ContentPart::Text(document_to_json(doc).to_string())
            }
            ToolResultContentBlock::Image(_) => blob("image"),
            ToolResultContentBlock::Video(_) => blob("video"),
            _ => blob("file"),
        })
        .collect()
}

/// An image block: its bytes (base64, only when content is captured: the
/// encoding is not free) or its S3 URI, with its MIME type.
fn image_part(image: &ImageBlock, capture: bool) -> ContentPart {
    let source = match &image.source {
        Some(ImageSource::Bytes(bytes)) => MediaSource::Base64(if capture {
            aws_smithy_types::base64::encode(bytes.as_ref())
        } else {
            String::new()
        }),
        Some(ImageSource::S3Location(location)) => {
            MediaSource::Uri(captured(capture, &location.uri))
        }
        _ => {
            return ContentPart::Blob {
                modality: "image".into(),
            };
        }
    };
    let media = Media::new("image", source);
    // Formats this SDK version does not know are left without a MIME type.
    ContentPart::Media(if ImageFormat::values().contains(&image.format.as_str()) {
        media.with_mime_type(format!("image/{}", image.format.as_str()))
    } else {
        media
    })
}

/// One Bedrock message → neutral messages. Each `toolResult` block becomes its
/// own `tool` message (with `tool_call_id`) ahead of the rest of the turn.
/// Without `capture`, text is left out (roles, ids and names stay).
pub(crate) fn messages(message: &BedrockMessage, capture: bool, out: &mut Vec<Message>) {
    let mut rest = Message::new(role(message.role.as_str()));
    // Sized once: nearly every block is a content part.
    rest.content.reserve_exact(message.content.len());
    for block in &message.content {
        match block {
            ContentBlock::Text(text) => rest
                .content
                .push(ContentPart::Text(captured(capture, text))),
            ContentBlock::ToolUse(tool_use) => {
                let arguments = if capture {
                    document_to_json(&tool_use.input).to_string()
                } else {
                    String::new()
                };
                rest.tool_calls.push(ToolCall::function(
                    Some(tool_use.tool_use_id.clone()),
                    tool_use.name.clone(),
                    arguments,
                ));
            }
            ContentBlock::ToolResult(result) => {
                let mut tool = Message::new(Role::Tool).with_tool_call_id(&result.tool_use_id);
                if capture {
                    tool.content = tool_result_text(&result.content);
                }
                out.push(tool);
            }
            ContentBlock::Image(image) => rest.content.push(image_part(image, capture)),
            ContentBlock::Video(_) => rest.content.push(blob("video")),
            ContentBlock::Audio(_) => rest.content.push(blob("audio")),
            ContentBlock::Document(_) => rest.content.push(blob("file")),
            // Cache points, reasoning, guard content, citations: no message content.
            _ => {}
        }
    }
    push_rest(out, rest, message.content.is_empty());
}

/// Ends a turn whose tool results went out as `tool` messages of their own:
/// the rest of it follows when it has content or tool calls, or when the
/// message had no blocks at all.
pub(crate) fn push_rest(out: &mut Vec<Message>, rest: Message, no_blocks: bool) {
    if !rest.content.is_empty() || !rest.tool_calls.is_empty() || no_blocks {
        out.push(rest);
    }
}

/// System prompt blocks → system instructions (text blocks only).
pub(crate) fn system(blocks: &[SystemContentBlock], capture: bool) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|block| match block {
            SystemContentBlock::Text(text) => Some(captured(capture, text)),
            _ => None,
        })
        .collect()
}

/// Tool specifications → tool definitions (system tools and cache points skipped).
pub(crate) fn tools(config: &ToolConfiguration) -> Vec<ToolDefinition> {
    config
        .tools
        .iter()
        .filter_map(|tool| match tool {
            Tool::ToolSpec(spec) => {
                let mut def = ToolDefinition::function(spec.name.clone());
                def.description.clone_from(&spec.description);
                if let Some(ToolInputSchema::Json(schema)) = &spec.input_schema {
                    def.parameters = Some(document_to_json(schema).to_string());
                }
                Some(def)
            }
            _ => None,
        })
        .collect()
}

/// The parts of a Converse / ConverseStream request the span records.
pub(crate) struct ConverseParts<'a> {
    pub(crate) model: &'a str,
    pub(crate) system: Option<&'a [SystemContentBlock]>,
    pub(crate) messages: Option<&'a [BedrockMessage]>,
    pub(crate) inference: Option<&'a InferenceConfiguration>,
    pub(crate) tool_config: Option<&'a ToolConfiguration>,
    pub(crate) additional_fields: Option<&'a Document>,
    /// Guardrail identifier and version, when one is configured.
    pub(crate) guardrail: Option<(&'a str, &'a str)>,
    pub(crate) stream: bool,
}

/// `aws.bedrock.guardrail.id` / `.version` of a configured guardrail.
pub(crate) fn guardrail_attributes(id: &str, version: &str) -> Vec<KeyValue> {
    let mut attributes = Vec::new();
    if !id.is_empty() {
        attributes.push(KeyValue::new(AWS_BEDROCK_GUARDRAIL_ID, id.to_owned()));
    }
    if !version.is_empty() {
        attributes.push(KeyValue::new(
            AWS_BEDROCK_GUARDRAIL_VERSION,
            version.to_owned(),
        ));
    }
    attributes
}

/// The summary of a Converse / ConverseStream request.
pub(crate) fn converse_request(parts: &ConverseParts<'_>, capture: bool) -> RequestSummary {
    RequestSummary {
        request: Request::Chat(chat_request(parts, capture)),
        attributes: parts
            .guardrail
            .map(|(id, version)| guardrail_attributes(id, version))
            .unwrap_or_default(),
    }
}

/// A Converse request in the neutral model.
pub(crate) fn chat_request(parts: &ConverseParts<'_>, capture: bool) -> ChatRequest {
    let mut request = ChatRequest {
        model: parts.model.to_owned(),
        stream: parts.stream,
        ..ChatRequest::default()
    };
    if let Some(system) = parts.system {
        request.system_instructions = self::system(system, capture);
    }
    let turns = parts.messages.unwrap_or_default();
    request.messages.reserve_exact(turns.len());
    for message in turns {
        messages(message, capture, &mut request.messages);
    }
    if let Some(config) = parts.tool_config {
        request.tools = tools(config);
    }
    if let Some(inference) = parts.inference {
        request.max_tokens = inference.max_tokens.map(count);
        request.temperature = inference.temperature.map(f32_param);
        request.top_p = inference.top_p.map(f32_param);
        request.stop_sequences = inference.stop_sequences.clone().unwrap_or_default();
    }
    // Model-specific fields commonly carry `top_k`.
    if let Some(Document::Object(fields)) = parts.additional_fields
        && let Some(Document::Number(n)) = fields.get("top_k").or_else(|| fields.get("topK"))
    {
        request.top_k = match n {
            Number::PosInt(v) => Some(*v),
            Number::NegInt(v) => u64::try_from(*v).ok(),
            Number::Float(v) if *v >= 0.0 => Some(*v as u64),
            Number::Float(_) => None,
        };
    }
    request
}

/// A Converse response in the neutral model.
pub(crate) fn chat_response(
    output: &aws_sdk_bedrockruntime::operation::converse::ConverseOutput,
    capture: bool,
) -> ChatResponse {
    let mut completions = Vec::with_capacity(1);
    if let Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(message)) = &output.output {
        let mut converted = Vec::with_capacity(1);
        messages(message, capture, &mut converted);
        // The assistant's turn is the last message `messages` gives (tool
        // results, which a response does not carry, would come first).
        let mut message = converted
            .pop()
            .filter(|m| m.role == Role::Assistant)
            .unwrap_or_else(|| Message::new(Role::Assistant));
        if message.content.is_empty() && message.tool_calls.is_empty() {
            message.content.push(ContentPart::Text(String::new()));
        }
        completions.push(Completion {
            message,
            finish_reason: Some(finish_reason(&output.stop_reason)),
        });
    }
    ChatResponse {
        id: None,
        model: None,
        completions,
        usage: output.usage.as_ref().map(token_usage).unwrap_or_default(),
        conversation_id: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn documents_become_sorted_json() {
        let doc = Document::Object(HashMap::from([
            ("b".to_owned(), Document::Number(Number::PosInt(1))),
            (
                "a".to_owned(),
                Document::Array(vec![Document::Null, Document::Bool(true)]),
            ),
            ("c".to_owned(), Document::Number(Number::Float(0.5))),
        ]));
        assert_eq!(
            document_to_json(&doc).to_string(),
            r#"{"a":[null,true],"b":1,"c":0.5}"#
        );
    }

    #[test]
    fn stop_reasons_keep_the_providers_word() {
        let word = |w: &str| FinishReason::Other(w.into());
        assert_eq!(finish_reason(&StopReason::EndTurn), word("end_turn"));
        assert_eq!(finish_reason(&StopReason::MaxTokens), word("max_tokens"));
        assert_eq!(finish_reason(&StopReason::ToolUse), word("tool_use"));
        assert_eq!(
            finish_reason(&StopReason::MalformedToolUse),
            word("malformed_tool_use")
        );
        assert_eq!(finish_reason_str("FINISH"), word("FINISH"));
        assert_eq!(finish_reason_str("stop"), FinishReason::Stop);
        // The JSON layout and the truncation flag still understand them.
        assert_eq!(
            finish_reason(&StopReason::ToolUse).convention_str(),
            "tool_call"
        );
        assert!(finish_reason(&StopReason::MaxTokens).is_length());
    }
}

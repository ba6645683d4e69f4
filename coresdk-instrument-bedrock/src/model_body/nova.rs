//! Amazon Nova: the Converse shapes in JSON.

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, ContentPart, Message, Operation, Request,
    Response, Role, ToolCall, ToolDefinition, Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use crate::convert::push_rest;

use super::json::{
    arr, blob, captured, completion, f, json_text, role, s, stream_reason, strings, text, texts, u,
    usage,
};

/// Amazon Nova bodies.
#[derive(Debug)]
pub(super) struct Nova;

fn usage_of(v: &Json) -> Usage {
    usage(
        u(v, "inputTokens"),
        u(v, "outputTokens"),
        u(v, "cacheReadInputTokenCount"),
        u(v, "cacheWriteInputTokenCount"),
    )
}

/// One message; each `toolResult` block becomes a `tool` message of its own.
fn message(m: &Json, capture: bool, out: &mut Vec<Message>) {
    let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
    for block in arr(m, "content") {
        if let Some(t) = s(block, "text") {
            message.content.push(text(capture, t));
        } else if let Some(tool_use) = block.get("toolUse") {
            message.tool_calls.push(ToolCall::function(
                s(tool_use, "toolUseId").map(str::to_owned),
                s(tool_use, "name").unwrap_or_default(),
                json_text(capture, tool_use.get("input")),
            ));
        } else if let Some(result) = block.get("toolResult") {
            let mut tool = Message::new(Role::Tool);
            tool.tool_call_id = s(result, "toolUseId").map(str::to_owned);
            for part in arr(result, "content") {
                if let Some(t) = s(part, "text") {
                    tool.content.push(text(capture, t));
                } else if let Some(j) = part.get("json") {
                    tool.content
                        .push(ContentPart::Text(json_text(capture, Some(j))));
                }
            }
            out.push(tool);
        } else if block.get("image").is_some() {
            message.content.push(blob("image"));
        } else if block.get("video").is_some() {
            message.content.push(blob("video"));
        } else if block.get("document").is_some() {
            message.content.push(blob("file"));
        }
    }
    push_rest(out, message, arr(m, "content").is_empty());
}

impl Codec for Nova {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["amazon.nova"]
    }

    fn has_shape(&self, body: &Json) -> bool {
        body.get("schemaVersion").is_some() || body.get("inferenceConfig").is_some()
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let config = body.get("inferenceConfig").unwrap_or(&Json::Null);
        let mut request = ChatRequest {
            model: model.to_owned(),
            max_tokens: u(config, "maxTokens").or_else(|| u(config, "max_new_tokens")),
            temperature: f(config, "temperature"),
            top_p: f(config, "topP").or_else(|| f(config, "top_p")),
            top_k: u(config, "topK").or_else(|| u(config, "top_k")),
            stop_sequences: strings(config, "stopSequences"),
            ..ChatRequest::default()
        };
        request.system_instructions = texts(body.get("system"))
            .map(|t| captured(capture, t))
            .collect();
        for m in arr(body, "messages") {
            message(m, capture, &mut request.messages);
        }
        let tools = body.get("toolConfig").unwrap_or(&Json::Null);
        for tool in arr(tools, "tools") {
            if let Some(spec) = tool.get("toolSpec") {
                let mut def = ToolDefinition::function(s(spec, "name").unwrap_or_default());
                def.description = s(spec, "description").map(str::to_owned);
                def.parameters = spec
                    .get("inputSchema")
                    .and_then(|schema| schema.get("json"))
                    .map(Json::to_string);
                request.tools.push(def);
            }
        }
        (Operation::Chat, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        let message_json = body
            .get("output")
            .and_then(|o| o.get("message"))
            .unwrap_or(&Json::Null);
        let mut messages = Vec::with_capacity(1);
        message(message_json, capture, &mut messages);
        let message = messages
            .into_iter()
            .find(|m| m.role == Role::Assistant)
            .unwrap_or_else(|| Message::new(Role::Assistant));
        Response::Chat(ChatResponse {
            completions: vec![completion(message, s(body, "stopReason"))],
            usage: body.get("usage").map(usage_of).unwrap_or_default(),
            ..ChatResponse::default()
        })
    }

    fn stream_event(&self, chunk: &Json, usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        if let Some(delta) = chunk.get("contentBlockDelta") {
            let index = u(delta, "contentBlockIndex").unwrap_or(0);
            if let Some(t) = delta.get("delta").and_then(|d| s(d, "text")) {
                acc.text(0, index, t);
                return true;
            }
        }
        if let Some(stop) = chunk.get("messageStop") {
            stream_reason(acc, s(stop, "stopReason"));
        }
        if let Some(counts) = chunk.get("metadata").and_then(|m| m.get("usage")) {
            *usage = usage_of(counts);
        }
        false
    }
}

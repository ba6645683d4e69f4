//! Anthropic Claude: the messages API and legacy text completions.

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, Message, Operation, Request, Response, Role,
    ToolCall, ToolDefinition, Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use crate::convert::push_rest;

use super::json::{
    arr, blob, captured, completion, f, json_text, prompt_message, role, s, stream_reason,
    stream_text, strings, text, texts, u, usage,
};

/// Anthropic Claude bodies.
#[derive(Debug)]
pub(super) struct Anthropic;

fn usage_of(v: &Json) -> Usage {
    usage(
        u(v, "input_tokens"),
        u(v, "output_tokens"),
        u(v, "cache_read_input_tokens"),
        u(v, "cache_creation_input_tokens"),
    )
}

/// A `text` or `tool_use` content block, the kinds request messages and
/// responses share; other kinds are left to the caller.
fn push_model_block(message: &mut Message, block: &Json, capture: bool) {
    match s(block, "type").unwrap_or_default() {
        "text" => message
            .content
            .push(text(capture, s(block, "text").unwrap_or_default())),
        "tool_use" => message.tool_calls.push(ToolCall::function(
            s(block, "id").map(str::to_owned),
            s(block, "name").unwrap_or_default(),
            json_text(capture, block.get("input")),
        )),
        _ => {}
    }
}

/// One request message; `tool_result` blocks become `tool` messages of their own.
fn message(m: &Json, capture: bool, out: &mut Vec<Message>) {
    let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
    let Some(Json::Array(blocks)) = m.get("content") else {
        if let Some(Json::String(t)) = m.get("content") {
            message.content.push(text(capture, t));
        }
        out.push(message);
        return;
    };
    for block in blocks {
        match s(block, "type").unwrap_or_default() {
            "text" | "tool_use" => push_model_block(&mut message, block, capture),
            "tool_result" => {
                let mut tool = Message::new(Role::Tool);
                tool.tool_call_id = s(block, "tool_use_id").map(str::to_owned);
                tool.content = texts(block.get("content"))
                    .map(|t| text(capture, t))
                    .collect();
                out.push(tool);
            }
            "image" => message.content.push(blob("image")),
            "document" => message.content.push(blob("file")),
            _ => {}
        }
    }
    push_rest(out, message, false);
}

impl Codec for Anthropic {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["anthropic."]
    }

    fn has_shape(&self, body: &Json) -> bool {
        body.get("anthropic_version").is_some()
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let mut request = ChatRequest {
            model: model.to_owned(),
            max_tokens: u(body, "max_tokens").or_else(|| u(body, "max_tokens_to_sample")),
            temperature: f(body, "temperature"),
            top_p: f(body, "top_p"),
            top_k: u(body, "top_k"),
            stop_sequences: strings(body, "stop_sequences"),
            ..ChatRequest::default()
        };
        if body.get("messages").is_none() {
            prompt_message(body, "prompt", capture, &mut request);
            return (Operation::TextCompletion, Request::Chat(request));
        }
        request.system_instructions = texts(body.get("system"))
            .map(|t| captured(capture, t))
            .collect();
        for m in arr(body, "messages") {
            message(m, capture, &mut request.messages);
        }
        for tool in arr(body, "tools") {
            let mut def = ToolDefinition::function(s(tool, "name").unwrap_or_default());
            def.description = s(tool, "description").map(str::to_owned);
            def.parameters = tool.get("input_schema").map(Json::to_string);
            request.tools.push(def);
        }
        (Operation::Chat, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        let mut message = Message::new(role(s(body, "role").unwrap_or("assistant")));
        if let Some(t) = s(body, "completion") {
            message.content.push(text(capture, t));
        }
        for block in arr(body, "content") {
            push_model_block(&mut message, block, capture);
        }
        Response::Chat(ChatResponse {
            id: s(body, "id").map(str::to_owned),
            model: s(body, "model").map(str::to_owned),
            completions: vec![completion(message, s(body, "stop_reason"))],
            usage: body.get("usage").map(usage_of).unwrap_or_default(),
            ..ChatResponse::default()
        })
    }

    fn stream_event(&self, chunk: &Json, usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        let index = u(chunk, "index").unwrap_or(0);
        match s(chunk, "type").unwrap_or_default() {
            "message_start" => {
                let message = chunk.get("message").unwrap_or(&Json::Null);
                if let Some(id) = s(message, "id") {
                    acc.set_id(id);
                }
                if let Some(model) = s(message, "model") {
                    acc.set_model(model);
                }
                if let Some(counts) = message.get("usage") {
                    *usage = usage_of(counts);
                }
                false
            }
            "content_block_start" => {
                let block = chunk.get("content_block").unwrap_or(&Json::Null);
                if s(block, "type") != Some("tool_use") {
                    return false;
                }
                acc.tool_call(0, index, s(block, "id"), s(block, "name"));
                true
            }
            "content_block_delta" => {
                let delta = chunk.get("delta").unwrap_or(&Json::Null);
                if let Some(t) = s(delta, "text") {
                    acc.text(0, index, t);
                    true
                } else if let Some(part) = s(delta, "partial_json") {
                    acc.tool_arguments(0, index, part);
                    true
                } else {
                    false
                }
            }
            "message_delta" => {
                stream_reason(acc, chunk.get("delta").and_then(|d| s(d, "stop_reason")));
                if let Some(output) = chunk.get("usage").and_then(|c| u(c, "output_tokens")) {
                    usage.output_tokens = Some(output);
                }
                false
            }
            // Legacy text completions stream `{"completion": ..., "stop_reason": ...}`.
            _ => {
                stream_reason(acc, s(chunk, "stop_reason"));
                stream_text(acc, s(chunk, "completion"))
            }
        }
    }
}

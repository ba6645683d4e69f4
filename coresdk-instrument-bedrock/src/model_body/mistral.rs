//! Mistral: the prompt form (`outputs`) and the chat form (`choices`).

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, Message, Operation, Request, Response, ToolCall,
    Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use super::json::{
    arr, assistant_text, captured, completion, f, prompt_message, role, s, stream_reason,
    stream_text, strings, text, u,
};

/// Mistral bodies.
#[derive(Debug)]
pub(super) struct Mistral;

impl Codec for Mistral {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["mistral."]
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let mut request = ChatRequest {
            model: model.to_owned(),
            max_tokens: u(body, "max_tokens"),
            temperature: f(body, "temperature"),
            top_p: f(body, "top_p"),
            top_k: u(body, "top_k"),
            stop_sequences: strings(body, "stop"),
            ..ChatRequest::default()
        };
        if body.get("messages").is_none() {
            prompt_message(body, "prompt", capture, &mut request);
            return (Operation::TextCompletion, Request::Chat(request));
        }
        for m in arr(body, "messages") {
            let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
            if let Some(t) = s(m, "content") {
                message.content.push(text(capture, t));
            }
            if let Some(id) = s(m, "tool_call_id") {
                message.tool_call_id = Some(id.to_owned());
            }
            request.messages.push(message);
        }
        (Operation::Chat, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        let mut response = ChatResponse::default();
        for output in arr(body, "outputs") {
            response.completions.push(completion(
                assistant_text(capture, s(output, "text").unwrap_or_default()),
                s(output, "stop_reason"),
            ));
        }
        for choice in arr(body, "choices") {
            let m = choice.get("message").unwrap_or(&Json::Null);
            let mut message = Message::new(role(s(m, "role").unwrap_or("assistant")));
            if let Some(t) = s(m, "content") {
                message.content.push(text(capture, t));
            }
            for call in arr(m, "tool_calls") {
                let function = call.get("function").unwrap_or(&Json::Null);
                message.tool_calls.push(ToolCall::function(
                    s(call, "id").map(str::to_owned),
                    s(function, "name").unwrap_or_default(),
                    captured(capture, s(function, "arguments").unwrap_or_default()),
                ));
            }
            response
                .completions
                .push(completion(message, s(choice, "finish_reason")));
        }
        Response::Chat(response)
    }

    fn stream_event(&self, chunk: &Json, _usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        let mut token = false;
        for output in arr(chunk, "outputs") {
            stream_reason(acc, s(output, "stop_reason"));
            token |= stream_text(acc, s(output, "text"));
        }
        token
    }
}

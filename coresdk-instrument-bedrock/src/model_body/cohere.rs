//! Cohere: Command R (chat), Command (text) and Embed.

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, EmbeddingsRequest, EmbeddingsResponse, Message,
    Operation, Request, Response, ToolCall, ToolDefinition, Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use super::json::{
    arr, assistant_text, captured, completion, f, json_text, prompt_message, role, s,
    stream_reason, stream_text, strings, text, u,
};

/// The sampling parameters both generation APIs share.
fn sampled(model: &str, body: &Json) -> ChatRequest {
    ChatRequest {
        model: model.to_owned(),
        max_tokens: u(body, "max_tokens"),
        temperature: f(body, "temperature"),
        top_p: f(body, "p"),
        top_k: u(body, "k"),
        stop_sequences: strings(body, "stop_sequences"),
        ..ChatRequest::default()
    }
}

/// Both generation APIs stream the same events.
fn stream_event(chunk: &Json, acc: &mut ChunkAccumulator) -> bool {
    if s(chunk, "event_type") == Some("stream-end")
        || chunk.get("is_finished") == Some(&Json::Bool(true))
    {
        stream_reason(acc, s(chunk, "finish_reason"));
    }
    if s(chunk, "event_type") == Some("stream-start")
        && let Some(id) = s(chunk, "generation_id")
    {
        acc.set_id(id);
    }
    stream_text(acc, s(chunk, "text"))
}

/// Cohere Command R (chat) bodies.
#[derive(Debug)]
pub(super) struct CohereChat;

impl Codec for CohereChat {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["cohere.command-r"]
    }

    fn has_shape(&self, body: &Json) -> bool {
        body.get("chat_history").is_some() || body.get("preamble").is_some()
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let mut request = sampled(model, body);
        if let Some(preamble) = s(body, "preamble") {
            request
                .system_instructions
                .push(captured(capture, preamble));
        }
        for m in arr(body, "chat_history") {
            let mut message = Message::new(role(s(m, "role").unwrap_or("USER")));
            message
                .content
                .push(text(capture, s(m, "message").unwrap_or_default()));
            request.messages.push(message);
        }
        prompt_message(body, "message", capture, &mut request);
        for tool in arr(body, "tools") {
            let mut def = ToolDefinition::function(s(tool, "name").unwrap_or_default());
            def.description = s(tool, "description").map(str::to_owned);
            def.parameters = tool.get("parameter_definitions").map(Json::to_string);
            request.tools.push(def);
        }
        (Operation::Chat, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        let mut message = assistant_text(capture, s(body, "text").unwrap_or_default());
        for call in arr(body, "tool_calls") {
            message.tool_calls.push(ToolCall::function(
                None,
                s(call, "name").unwrap_or_default(),
                json_text(capture, call.get("parameters")),
            ));
        }
        Response::Chat(ChatResponse {
            id: s(body, "response_id").map(str::to_owned),
            completions: vec![completion(message, s(body, "finish_reason"))],
            ..ChatResponse::default()
        })
    }

    fn stream_event(&self, chunk: &Json, _usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        stream_event(chunk, acc)
    }
}

/// Cohere Command (text) bodies.
#[derive(Debug)]
pub(super) struct CohereText;

impl Codec for CohereText {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["cohere.command"]
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let mut request = sampled(model, body);
        prompt_message(body, "prompt", capture, &mut request);
        (Operation::TextCompletion, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        Response::Chat(ChatResponse {
            id: s(body, "id").map(str::to_owned),
            completions: arr(body, "generations")
                .iter()
                .map(|generation| {
                    completion(
                        assistant_text(capture, s(generation, "text").unwrap_or_default()),
                        s(generation, "finish_reason"),
                    )
                })
                .collect(),
            ..ChatResponse::default()
        })
    }

    fn stream_event(&self, chunk: &Json, _usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        stream_event(chunk, acc)
    }
}

/// Cohere Embed bodies.
#[derive(Debug)]
pub(super) struct CohereEmbed;

impl Codec for CohereEmbed {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["cohere.embed"]
    }

    fn request(&self, model: &str, body: &Json, _capture: bool) -> Decoded {
        (
            Operation::Embeddings,
            Request::Embeddings(EmbeddingsRequest {
                model: model.to_owned(),
                input_count: arr(body, "texts").len() as u64,
                encoding_format: strings(body, "embedding_types").into_iter().next(),
                ..EmbeddingsRequest::default()
            }),
        )
    }

    fn response(&self, _body: &Json, _capture: bool) -> Response {
        Response::Embeddings(EmbeddingsResponse::default())
    }
}

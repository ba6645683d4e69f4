//! Meta Llama: a prompt in, a generation out.

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, Operation, Request, Response, Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use super::json::{
    assistant_text, completion, f, prompt_message, s, stream_reason, stream_text, u, usage,
};

/// Meta Llama bodies.
#[derive(Debug)]
pub(super) struct Llama;

impl Codec for Llama {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["meta.llama"]
    }

    fn has_shape(&self, body: &Json) -> bool {
        body.get("max_gen_len").is_some()
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let mut request = ChatRequest {
            model: model.to_owned(),
            max_tokens: u(body, "max_gen_len"),
            temperature: f(body, "temperature"),
            top_p: f(body, "top_p"),
            ..ChatRequest::default()
        };
        prompt_message(body, "prompt", capture, &mut request);
        (Operation::TextCompletion, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        Response::Chat(ChatResponse {
            completions: vec![completion(
                assistant_text(capture, s(body, "generation").unwrap_or_default()),
                s(body, "stop_reason"),
            )],
            usage: usage(
                u(body, "prompt_token_count"),
                u(body, "generation_token_count"),
                None,
                None,
            ),
            ..ChatResponse::default()
        })
    }

    fn stream_event(&self, chunk: &Json, _usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        stream_reason(acc, s(chunk, "stop_reason"));
        stream_text(acc, s(chunk, "generation"))
    }
}

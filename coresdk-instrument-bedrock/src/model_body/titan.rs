//! Amazon Titan: text generation and embeddings.

use coresdk::genai::{
    ChatRequest, ChatResponse, ChunkAccumulator, EmbeddingsRequest, EmbeddingsResponse, Operation,
    Request, Response, Usage,
};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use super::json::{
    arr, assistant_text, completion, f, prompt_message, s, stream_reason, stream_text, strings, u,
    usage,
};

/// Amazon Titan text bodies.
#[derive(Debug)]
pub(super) struct TitanText;

impl Codec for TitanText {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["amazon.titan-text", "amazon.titan-tg"]
    }

    fn has_shape(&self, body: &Json) -> bool {
        body.get("textGenerationConfig").is_some()
    }

    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded {
        let config = body.get("textGenerationConfig").unwrap_or(&Json::Null);
        let mut request = ChatRequest {
            model: model.to_owned(),
            max_tokens: u(config, "maxTokenCount"),
            temperature: f(config, "temperature"),
            top_p: f(config, "topP"),
            stop_sequences: strings(config, "stopSequences"),
            ..ChatRequest::default()
        };
        prompt_message(body, "inputText", capture, &mut request);
        (Operation::TextCompletion, Request::Chat(request))
    }

    fn response(&self, body: &Json, capture: bool) -> Response {
        let mut response = ChatResponse::default();
        let mut output = None;
        for result in arr(body, "results") {
            output = Some(output.unwrap_or(0) + u(result, "tokenCount").unwrap_or(0));
            response.completions.push(completion(
                assistant_text(capture, s(result, "outputText").unwrap_or_default()),
                s(result, "completionReason"),
            ));
        }
        response.usage = usage(u(body, "inputTextTokenCount"), output, None, None);
        Response::Chat(response)
    }

    fn stream_event(&self, chunk: &Json, _usage: &mut Usage, acc: &mut ChunkAccumulator) -> bool {
        stream_reason(acc, s(chunk, "completionReason"));
        stream_text(acc, s(chunk, "outputText"))
    }
}

/// Amazon Titan embeddings bodies.
#[derive(Debug)]
pub(super) struct TitanEmbed;

impl Codec for TitanEmbed {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &["amazon.titan-embed"]
    }

    fn request(&self, model: &str, body: &Json, _capture: bool) -> Decoded {
        (
            Operation::Embeddings,
            Request::Embeddings(EmbeddingsRequest {
                model: model.to_owned(),
                input_count: u64::from(body.get("inputText").is_some()),
                dimensions: u(body, "dimensions"),
                ..EmbeddingsRequest::default()
            }),
        )
    }

    fn response(&self, body: &Json, _capture: bool) -> Response {
        Response::Embeddings(EmbeddingsResponse {
            model: None,
            usage: usage(u(body, "inputTextTokenCount"), None, None, None),
        })
    }
}

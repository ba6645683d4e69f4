//! [`Codec`]: one model family's InvokeModel body schema.

use std::fmt;

use coresdk::genai::{
    ChatRequest, ChunkAccumulator, EmbeddingsRequest, Operation, Request, Response, Usage,
};
use serde_json::Value as Json;

/// A decoded request body.
#[derive(Debug)]
// Not boxed: one value per call, moved once into the request summary.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Decoded {
    /// A chat or text-completion request.
    Chat(Operation, ChatRequest),
    /// An embeddings request.
    Embeddings(EmbeddingsRequest),
    /// A body no codec knows: only its operation is guessed.
    Opaque(Operation),
}

impl Decoded {
    pub(crate) fn operation(&self) -> Operation {
        match self {
            Decoded::Chat(op, _) | Decoded::Opaque(op) => *op,
            Decoded::Embeddings(_) => Operation::Embeddings,
        }
    }

    /// The request in the neutral model (`stream` marks a streamed call).
    pub(crate) fn into_request(self, stream: bool) -> Request {
        match self {
            Decoded::Chat(_, mut request) => {
                request.stream = stream;
                Request::Chat(request)
            }
            Decoded::Embeddings(request) => Request::Embeddings(request),
            Decoded::Opaque(_) => Request::Opaque,
        }
    }
}

/// One model family's body schema: request, response and stream chunks.
pub(crate) trait Codec: Send + Sync + fmt::Debug {
    /// Model id prefixes of the family (after any cross-region prefix).
    fn model_prefixes(&self) -> &'static [&'static str];

    /// Whether a request body of an unrecognised model id (an ARN, a custom
    /// model) has this family's shape.
    fn has_shape(&self, _body: &Json) -> bool {
        false
    }

    /// Decodes a request body; without `capture` text is left out.
    fn request(&self, model: &str, body: &Json, capture: bool) -> Decoded;

    /// Decodes a response body.
    fn response(&self, _body: &Json, _capture: bool) -> Response {
        Response::None
    }

    /// Folds one stream chunk into `acc`, keeping the body's own token counts
    /// in `usage`; returns whether the chunk carried generated content.
    fn stream_event(&self, _chunk: &Json, _usage: &mut Usage, _acc: &mut ChunkAccumulator) -> bool {
        false
    }
}

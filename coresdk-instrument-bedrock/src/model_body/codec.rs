//! [`Codec`]: one model family's InvokeModel body schema.

use std::fmt;

use coresdk::genai::{ChunkAccumulator, Operation, Request, Response, Usage};
use serde_json::Value as Json;

/// A decoded request body: the operation it asks for (which names the
/// span) and the request in the neutral model ([`Request::Opaque`] for a
/// body no codec knows).
pub(crate) type Decoded = (Operation, Request);

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

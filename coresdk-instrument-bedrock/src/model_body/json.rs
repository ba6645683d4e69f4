//! JSON access and neutral-model helpers shared by the codecs.

use coresdk::genai::{ChatRequest, Completion, ContentPart, Message, Role};
use serde_json::Value as Json;

use crate::convert::finish_reason_str;
pub(super) use crate::convert::{blob, role, usage};
pub(super) use coresdk::genai::captured;

pub(super) fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

pub(super) fn u(v: &Json, key: &str) -> Option<u64> {
    v.get(key).and_then(Json::as_u64)
}

pub(super) fn f(v: &Json, key: &str) -> Option<f64> {
    v.get(key).and_then(Json::as_f64)
}

pub(super) fn arr<'a>(v: &'a Json, key: &str) -> &'a [Json] {
    v.get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(super) fn strings(v: &Json, key: &str) -> Vec<String> {
    arr(v, key)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

/// The texts of a field that is one string or a list of blocks with a
/// `text` (system prompts, tool results).
pub(super) fn texts(v: Option<&Json>) -> impl Iterator<Item = &str> {
    let (one, blocks) = match v {
        Some(Json::String(t)) => (Some(t.as_str()), &[][..]),
        Some(Json::Array(blocks)) => (None, blocks.as_slice()),
        _ => (None, &[][..]),
    };
    one.into_iter()
        .chain(blocks.iter().filter_map(|b| s(b, "text")))
}

/// Text kept only when content is captured.
pub(super) fn text(capture: bool, t: &str) -> ContentPart {
    ContentPart::Text(captured(capture, t))
}

pub(super) fn json_text(capture: bool, v: Option<&Json>) -> String {
    match (capture, v) {
        (true, Some(v)) => v.to_string(),
        _ => String::new(),
    }
}

/// The prompt under `key` as one user message.
pub(super) fn prompt_message(body: &Json, key: &str, capture: bool, request: &mut ChatRequest) {
    if let Some(prompt) = s(body, key) {
        request
            .messages
            .push(Message::new(Role::User).with_part(text(capture, prompt)));
    }
}

pub(super) fn completion(message: Message, reason: Option<&str>) -> Completion {
    Completion {
        message,
        finish_reason: reason.map(finish_reason_str),
    }
}

pub(super) fn assistant_text(capture: bool, t: &str) -> Message {
    Message::new(Role::Assistant).with_part(text(capture, t))
}

/// Appends generated text to the single text block of the stream; returns
/// whether there was any.
pub(super) fn stream_text(acc: &mut coresdk::genai::ChunkAccumulator, t: Option<&str>) -> bool {
    match t {
        Some(t) if !t.is_empty() => {
            acc.text(0, 0, t);
            true
        }
        _ => false,
    }
}

/// Records a stop reason given as text.
pub(super) fn stream_reason(acc: &mut coresdk::genai::ChunkAccumulator, reason: Option<&str>) {
    if let Some(reason) = reason {
        acc.finish_reason(0, finish_reason_str(reason));
    }
}

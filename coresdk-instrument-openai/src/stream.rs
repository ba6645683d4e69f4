//! [`TracedChatStream`]: a chat stream carrying its call; [`ChatChunks`]
//! maps each chunk into the call's accumulator.

use async_openai::error::OpenAIError;
use async_openai::types::chat::{ChatCompletionResponseStream, CreateChatCompletionStreamResponse};
use coresdk::genai::{
    CallError, ChunkAccumulator, GenAiCall, Outcome, StreamMapping, TextLayout, TracedStream,
};

use futures_util::FutureExt;

use crate::convert;
use crate::error::call_error;

/// Runs `future`, which opens a stream, inside `call`'s span; the stream
/// returned carries the call, folded by `mapping`.
pub(crate) fn open<S, M: StreamMapping>(
    call: GenAiCall,
    future: impl Future<Output = Result<S, OpenAIError>>,
    layout: TextLayout,
    mapping: M,
) -> impl Future<Output = Result<TracedStream<S, M>, OpenAIError>> {
    let outcome = |result: &Result<S, OpenAIError>| match result {
        Ok(_) => Outcome::default(),
        Err(error) => Outcome::error(call_error(error)),
    };
    call.open_stream(future, outcome, layout, mapping)
        .map(|opened| opened.map(|(stream, call)| TracedStream::new(stream, call)))
}

/// Chat completion chunks → the accumulator: per choice one text field
/// (block 0) and tool calls in blocks `1 + index`.
#[derive(Debug, Clone, Copy)]
pub struct ChatChunks;

impl StreamMapping for ChatChunks {
    type Event = CreateChatCompletionStreamResponse;
    type Error = OpenAIError;

    fn error(&self, error: &OpenAIError) -> CallError {
        call_error(error)
    }

    #[allow(deprecated)] // `system_fingerprint`
    fn event(&mut self, chunk: &Self::Event, acc: &mut ChunkAccumulator) -> bool {
        if !acc.has_id() {
            acc.set_id(chunk.id.clone());
            acc.set_model(chunk.model.clone());
            for kv in convert::response_extras(
                chunk.system_fingerprint.as_ref(),
                chunk.service_tier.as_ref(),
            ) {
                acc.push_attribute(kv);
            }
        }
        if let Some(usage) = &chunk.usage {
            acc.set_usage(convert::usage(usage));
        }
        let mut token = false;
        for choice in &chunk.choices {
            let index = choice.index;
            acc.open_choice(index);
            let delta = &choice.delta;
            if let Some(role) = delta.role {
                acc.set_role(index, convert::role(role));
            }
            if let Some(content) = &delta.content
                && !content.is_empty()
            {
                token = true;
                acc.text(index, 0, content);
            }
            if let Some(refusal) = &delta.refusal
                && !refusal.is_empty()
            {
                token = true;
                acc.refusal(index, refusal);
            }
            for call in delta.tool_calls.iter().flatten() {
                token = true;
                let block = 1 + u64::from(call.index);
                let function = call.function.as_ref();
                acc.tool_call(
                    index,
                    block,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                );
                if let Some(arguments) = function.and_then(|f| f.arguments.as_deref()) {
                    acc.tool_arguments(index, block, arguments);
                }
            }
            if let Some(reason) = choice.finish_reason {
                acc.finish_reason(index, convert::finish_reason(reason));
            }
        }
        token
    }
}

/// A chat completion stream whose span ends with the stream.
///
/// Yields exactly what `async_openai`'s stream yields. When it ends, the span
/// gets the accumulated completions, finish reasons, usage (if the server sent
/// it) and time to first token; dropped before the end, the span records what
/// arrived and `coresdk.cancelled = true`.
pub type TracedChatStream = TracedStream<ChatCompletionResponseStream, ChatChunks>;

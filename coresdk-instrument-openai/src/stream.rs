//! [`TracedChatStream`]: a chat stream carrying its call; [`ChatChunks`]
//! maps each chunk into the call's accumulator.

use std::pin::Pin;
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::types::chat::{ChatCompletionResponseStream, CreateChatCompletionStreamResponse};
use coresdk::genai::{ChunkAccumulator, StreamCall, StreamMapping};
use futures_util::Stream;

use crate::convert;
use crate::error::call_error;

/// Chat completion chunks → the accumulator: per choice one text field
/// (block 0) and tool calls in blocks `1 + index`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChatChunks;

impl StreamMapping for ChatChunks {
    type Event = CreateChatCompletionStreamResponse;

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
#[must_use = "streams do nothing unless polled"]
pub struct TracedChatStream {
    inner: ChatCompletionResponseStream,
    call: StreamCall<ChatChunks>,
}

impl std::fmt::Debug for TracedChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedChatStream")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl TracedChatStream {
    pub(crate) fn new(inner: ChatCompletionResponseStream, call: StreamCall<ChatChunks>) -> Self {
        Self { inner, call }
    }
}

impl Stream for TracedChatStream {
    type Item = Result<CreateChatCompletionStreamResponse, OpenAIError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // Inspect the item in place and hand the poll result back as it is:
        // chunks are large, and every move of one is a copy.
        let poll = this.inner.as_mut().poll_next(cx);
        let Poll::Ready(item) = &poll else {
            return poll;
        };
        match item {
            Some(Ok(chunk)) => this.call.event(chunk),
            Some(Err(error)) => {
                if this.call.is_recording() {
                    this.call.fail(&call_error(error));
                }
            }
            None => this.call.end(),
        }
        poll
    }
}

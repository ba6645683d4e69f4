//! [`TracedResponseStream`]: a Responses event stream carrying its call;
//! [`ResponseEvents`] maps each typed event into the call's accumulator.

use async_openai::error::OpenAIError;
use async_openai::types::responses::{
    OutputItem, Response, ResponseStream, ResponseStreamEvent as Event,
};
use coresdk::genai::{CallError, CallErrorKind, ChunkAccumulator, StreamMapping, TracedStream};

use crate::error::call_error;
use crate::responses_convert;

/// The accumulator block of content part `content` of output item `output`:
/// output items and their parts keep their order, and text parts and tool
/// calls (one per output item) share one index space.
fn block(output: u32, content: u32) -> u64 {
    (u64::from(output) << 32) | u64::from(content)
}

/// Responses stream events → the accumulator, as one choice: text deltas
/// per content part, function calls per output item, and the final
/// response's id, model, usage, finish reason and service tier.
#[derive(Debug, Clone, Copy)]
pub struct ResponseEvents;

impl ResponseEvents {
    /// The terminal event's response: everything but the content, which the
    /// deltas already brought.
    fn settle(response: &Response, acc: &mut ChunkAccumulator) {
        acc.set_id(response.id.clone());
        acc.set_model(response.model.clone());
        if let Some(usage) = &response.usage {
            acc.set_usage(responses_convert::usage(usage));
        }
        let called_tools = response.output.iter().any(|item| {
            matches!(
                item,
                OutputItem::FunctionCall(_) | OutputItem::CustomToolCall(_)
            )
        });
        if let Some(reason) = responses_convert::finish_reason(
            &response.status,
            response.incomplete_details.as_ref(),
            called_tools,
        ) {
            acc.finish_reason(0, reason);
        }
        for kv in responses_convert::response_extras(response) {
            acc.push_attribute(kv);
        }
    }
}

impl StreamMapping for ResponseEvents {
    type Event = Event;
    type Error = OpenAIError;

    fn error(&self, error: &OpenAIError) -> CallError {
        call_error(error)
    }

    /// `response.failed` (the response's error) and `error` events.
    fn event_error(&self, event: &Event) -> Option<CallError> {
        match event {
            Event::ResponseFailed(e) => {
                Some(responses_convert::response_error(e.response.error.as_ref()))
            }
            Event::ResponseError(e) => {
                let error = CallError::new(CallErrorKind::Stream, e.message.clone());
                Some(match &e.code {
                    Some(code) => error.with_error_type(code.clone()),
                    None => error,
                })
            }
            _ => None,
        }
    }

    fn event(&mut self, event: &Event, acc: &mut ChunkAccumulator) -> bool {
        match event {
            Event::ResponseOutputTextDelta(e) => {
                acc.text(0, block(e.output_index, e.content_index), &e.delta);
                true
            }
            Event::ResponseFunctionCallArgumentsDelta(e) => {
                acc.tool_arguments(0, block(e.output_index, 0), &e.delta);
                true
            }
            Event::ResponseRefusalDelta(e) => {
                acc.refusal(0, &e.delta);
                true
            }
            // Reasoning is generated output: it marks the first token.
            Event::ResponseReasoningSummaryTextDelta(_) | Event::ResponseReasoningTextDelta(_) => {
                true
            }
            Event::ResponseOutputItemAdded(e) => {
                match &e.item {
                    OutputItem::FunctionCall(call) => acc.tool_call(
                        0,
                        block(e.output_index, 0),
                        Some(&call.call_id),
                        Some(&call.name),
                    ),
                    OutputItem::CustomToolCall(call) => acc.tool_call(
                        0,
                        block(e.output_index, 0),
                        Some(&call.call_id),
                        Some(&call.name),
                    ),
                    _ => {}
                }
                false
            }
            Event::ResponseCreated(e) if !acc.has_id() => {
                acc.set_id(e.response.id.clone());
                acc.set_model(e.response.model.clone());
                false
            }
            Event::ResponseCompleted(e) => {
                Self::settle(&e.response, acc);
                false
            }
            Event::ResponseIncomplete(e) => {
                Self::settle(&e.response, acc);
                false
            }
            Event::ResponseFailed(e) => {
                Self::settle(&e.response, acc);
                false
            }
            _ => false,
        }
    }
}

/// A Responses event stream whose span ends with the stream.
///
/// Yields exactly what `async_openai`'s stream yields. When it ends, the span
/// gets the accumulated output, finish reason, usage and time to first token;
/// `response.failed` and `error` events mark it failed; dropped before the
/// end, the span records what arrived and `coresdk.cancelled = true`.
pub type TracedResponseStream = TracedStream<ResponseStream, ResponseEvents>;

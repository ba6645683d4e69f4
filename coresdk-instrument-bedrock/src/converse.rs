//! [`TracedConverse`] and [`TracedConverseStream`]: traced `Converse` and
//! `ConverseStream` calls with the SDK's fluent API; a stream's events are
//! read through [`ConverseEventStream`], which carries the call.

use std::collections::HashMap;

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::builders::{
    ConverseFluentBuilder, ConverseInputBuilder,
};
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::operation::converse_stream::ConverseStreamError;
use aws_sdk_bedrockruntime::operation::converse_stream::builders::{
    ConverseStreamFluentBuilder, ConverseStreamInputBuilder,
};
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, GuardrailConfiguration,
    GuardrailStreamConfiguration, InferenceConfiguration, Message, OutputConfig,
    PerformanceConfiguration, PromptVariableValues, ServiceTier, SystemContentBlock,
    ToolConfiguration,
};
use aws_smithy_types::Document;
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::{CallError, ChunkAccumulator, Response, StreamMapping, TextLayout};

use crate::builder::{start_converse, traced_builder};
use crate::convert;
use crate::error::stream_error;
use crate::setters::converse_setters;
use crate::stream::EventStream;

traced_builder! {
    /// A `Converse` request being built; [`send`](Self::send) runs it inside a
    /// `chat {modelId}` span. From [`TracedClient::converse`](crate::TracedClient::converse).
    TracedConverse(ConverseFluentBuilder, ConverseInputBuilder)
}

impl TracedConverse {
    converse_setters!(
        "operation::converse::builders::ConverseFluentBuilder",
        GuardrailConfiguration
    );

    /// Sends the request. The span starts here and covers the whole call
    /// (the SDK's retries included); it ends when the returned future
    /// completes, or, dropped before that, with `coresdk.cancelled = true`.
    ///
    /// Not an `async fn`: an `async fn` keeps its arguments (this builder,
    /// the whole request) in its future beside the SDK's own, and futures
    /// are copied whole each time they move.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<ConverseOutput, SdkError<ConverseError, HttpResponse>>> + Send
    {
        let Self { client, inner } = self;
        let call = start_converse!(client, inner.as_input(), stream: false);
        call.run(inner.send(), move |result, capture| {
            let mut outcome = client.tap().outcome(result);
            if let Ok(output) = result {
                outcome.response = Response::Chat(convert::chat_response(output, capture));
            }
            outcome
        })
    }
}

traced_builder! {
    /// A `ConverseStream` request being built; [`send`](Self::send) opens a
    /// `chat {modelId}` span that the returned event stream carries until it ends.
    TracedConverseStream(ConverseStreamFluentBuilder, ConverseStreamInputBuilder)
}

impl TracedConverseStream {
    converse_setters!(
        "operation::converse_stream::builders::ConverseStreamFluentBuilder",
        GuardrailStreamConfiguration
    );

    /// Sends the request. On success the span stays open in the returned
    /// output's [`stream`](TracedConverseStreamOutput::stream) until the last
    /// event (or an error) is received; dropping the stream early ends the
    /// span with what arrived and `coresdk.cancelled = true`.
    pub async fn send(
        self,
    ) -> Result<TracedConverseStreamOutput, SdkError<ConverseStreamError, HttpResponse>> {
        let Self { client, inner } = self;
        let call = start_converse!(client, inner.as_input(), stream: true);
        let outcome = |result: &Result<_, _>| client.tap().outcome(result);
        let (output, call) = call
            .open_stream(inner.send(), outcome, TextLayout::Blocks, ConverseEvents)
            .await?;
        Ok(TracedConverseStreamOutput {
            stream: EventStream::new(output.stream, call),
        })
    }
}

/// The output of a traced `ConverseStream` call.
#[derive(Debug)]
#[non_exhaustive]
pub struct TracedConverseStreamOutput {
    /// The events, read with [`ConverseEventStream::recv`] as with the SDK's
    /// `EventReceiver`.
    pub stream: ConverseEventStream,
}

/// ConverseStream events → the accumulator: one choice of content blocks.
#[derive(Debug, Clone, Copy)]
pub struct ConverseEvents;

impl StreamMapping for ConverseEvents {
    type Event = ConverseStreamOutput;
    type Error = SdkError<ConverseStreamOutputError, RawMessage>;
    const ENDS_ON_ERROR: bool = true;

    fn error(&self, error: &Self::Error) -> CallError {
        stream_error(error)
    }

    fn event(&mut self, event: &ConverseStreamOutput, acc: &mut ChunkAccumulator) -> bool {
        let block = |index: i32| u64::try_from(index).unwrap_or_default();
        match event {
            ConverseStreamOutput::MessageStart(start) => {
                acc.set_role(0, convert::role(start.role.as_str()));
                false
            }
            ConverseStreamOutput::ContentBlockStart(start) => match &start.start {
                Some(ContentBlockStart::ToolUse(tool)) => {
                    let index = block(start.content_block_index);
                    acc.tool_call(0, index, Some(&tool.tool_use_id), Some(&tool.name));
                    true
                }
                _ => false,
            },
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                let index = block(delta.content_block_index);
                match &delta.delta {
                    Some(ContentBlockDelta::Text(text)) => acc.text(0, index, text),
                    Some(ContentBlockDelta::ToolUse(tool)) => {
                        acc.tool_arguments(0, index, &tool.input);
                    }
                    Some(_) => {}
                    None => return false,
                }
                true
            }
            ConverseStreamOutput::MessageStop(stop) => {
                acc.finish_reason(0, convert::finish_reason(&stop.stop_reason));
                false
            }
            ConverseStreamOutput::Metadata(metadata) => {
                if let Some(usage) = &metadata.usage {
                    acc.set_usage(convert::token_usage(usage));
                }
                false
            }
            _ => false,
        }
    }
}

/// The event stream of a traced `ConverseStream` call, read with
/// [`recv`](EventStream::recv); its span ends with it.
pub type ConverseEventStream =
    EventStream<ConverseStreamOutput, ConverseStreamOutputError, ConverseEvents>;

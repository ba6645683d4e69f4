//! [`TracedInvokeModelWithResponseStream`]: a traced
//! `InvokeModelWithResponseStream` call; chunks are read through
//! [`InvokeEventStream`], which carries the call and decodes each chunk with
//! its model family's codec.

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::builders::{
    InvokeModelWithResponseStreamFluentBuilder, InvokeModelWithResponseStreamInputBuilder,
};
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::{
    InvokeModelWithResponseStreamError, InvokeModelWithResponseStreamOutput,
};
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use aws_sdk_bedrockruntime::types::{
    PerformanceConfigLatency, ResponseStream, ServiceTierType, Trace,
};
use aws_smithy_types::Blob;
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::attributes::CORESDK_GENAI_RESPONSE_BODY_ERROR;
use coresdk::genai::{CallError, ChunkAccumulator, StreamCall, StreamMapping, TextLayout, Usage};
use opentelemetry::KeyValue;
use serde_json::Value as Json;

use crate::builder::traced_builder;
use crate::convert;
use crate::error::stream_error;
use crate::invoke::{Started, start};
use crate::model_body::Codec;
use crate::setters::invoke_setters;
use crate::stream::EventStream;

traced_builder! {
    /// An `InvokeModelWithResponseStream` request being built;
    /// [`send`](Self::send) opens a `{operation} {modelId}` span that the
    /// returned body stream carries until it ends.
    TracedInvokeModelWithResponseStream(InvokeModelWithResponseStreamFluentBuilder, InvokeModelWithResponseStreamInputBuilder)
}

impl TracedInvokeModelWithResponseStream {
    invoke_setters!(
        "operation::invoke_model_with_response_stream::builders::InvokeModelWithResponseStreamFluentBuilder"
    );

    /// Sends the request. On success the span stays open in the returned
    /// output's [`body`](TracedInvokeModelWithResponseStreamOutput::body) until
    /// the last chunk (or an error); dropping it early ends the span with what
    /// arrived and `coresdk.cancelled = true`.
    pub async fn send(
        self,
    ) -> Result<
        TracedInvokeModelWithResponseStreamOutput,
        SdkError<InvokeModelWithResponseStreamError, HttpResponse>,
    > {
        let Self { client, inner } = self;
        let input = inner.as_input();
        let Started { call, codec, .. } = start(
            &client,
            input.get_model_id().as_deref().unwrap_or_default(),
            input.get_body().as_ref(),
            (
                input.get_guardrail_identifier().as_ref(),
                input.get_guardrail_version().as_ref(),
            ),
            true,
        );
        let outcome = |result: &Result<_, _>| client.tap().outcome(result);
        let mapping = InvokeChunks::new(codec);
        let (output, call) = call
            .open_stream(inner.send(), outcome, TextLayout::Blocks, mapping)
            .await?;
        Ok(TracedInvokeModelWithResponseStreamOutput::new(output, call))
    }
}

/// The output of a traced `InvokeModelWithResponseStream` call.
#[derive(Debug)]
#[non_exhaustive]
pub struct TracedInvokeModelWithResponseStreamOutput {
    /// The chunks, read with [`InvokeEventStream::recv`] as with the SDK's
    /// `EventReceiver`.
    pub body: InvokeEventStream,
    /// The MIME type of the chunks' payloads.
    pub content_type: String,
    /// The performance configuration the call ran with.
    pub performance_config_latency: Option<PerformanceConfigLatency>,
    /// The service tier that served the call.
    pub service_tier: Option<ServiceTierType>,
}

impl TracedInvokeModelWithResponseStreamOutput {
    fn new(output: InvokeModelWithResponseStreamOutput, call: StreamCall<InvokeChunks>) -> Self {
        Self {
            body: EventStream::new(output.body, call),
            content_type: output.content_type,
            performance_config_latency: output.performance_config_latency,
            service_tier: output.service_tier,
        }
    }
}

/// Response stream chunks → the accumulator, through the family's codec.
#[derive(Debug)]
pub struct InvokeChunks {
    codec: &'static dyn Codec,
    /// The body's own token counts.
    usage: Usage,
    /// The counts of `amazon-bedrock-invocationMetrics`, which Bedrock adds
    /// to the last chunk of every family's stream.
    metrics: Option<Usage>,
    decode_error: bool,
}

impl InvokeChunks {
    fn new(codec: &'static dyn Codec) -> Self {
        Self {
            codec,
            usage: Usage::default(),
            metrics: None,
            decode_error: false,
        }
    }
}

fn invocation_metrics(chunk: &Json) -> Option<Usage> {
    let metrics = chunk.get("amazon-bedrock-invocationMetrics")?;
    let count = |key: &str| metrics.get(key).and_then(Json::as_u64);
    Some(convert::usage(
        count("inputTokenCount"),
        count("outputTokenCount"),
        count("cacheReadInputTokenCount"),
        count("cacheWriteInputTokenCount"),
    ))
}

impl StreamMapping for InvokeChunks {
    type Event = ResponseStream;
    type Error = SdkError<ResponseStreamError, RawMessage>;
    const ENDS_ON_ERROR: bool = true;

    fn error(&self, error: &Self::Error) -> CallError {
        stream_error(error)
    }

    fn event(&mut self, event: &ResponseStream, acc: &mut ChunkAccumulator) -> bool {
        let ResponseStream::Chunk(part) = event else {
            return false;
        };
        let bytes = part.bytes.as_ref().map_or(&[][..], Blob::as_ref);
        match serde_json::from_slice::<Json>(bytes) {
            Ok(chunk) => {
                if let Some(metrics) = invocation_metrics(&chunk) {
                    self.metrics = Some(metrics);
                }
                self.codec.stream_event(&chunk, &mut self.usage, acc)
            }
            Err(error) => {
                // A chunk that does not parse is noted once; the stream goes on.
                if !self.decode_error {
                    self.decode_error = true;
                    acc.push_attribute(KeyValue::new(
                        CORESDK_GENAI_RESPONSE_BODY_ERROR,
                        format!("stream chunk is not JSON: {error}"),
                    ));
                }
                false
            }
        }
    }

    fn finish(&mut self, acc: &mut ChunkAccumulator) {
        // The body's own counts first; the invocation metrics fill the gaps.
        let mut usage = self.usage;
        if let Some(metrics) = self.metrics {
            if usage.input_tokens.is_none() {
                usage = Usage {
                    output_tokens: usage.output_tokens.or(metrics.output_tokens),
                    ..metrics
                };
            }
            usage.output_tokens = usage.output_tokens.or(metrics.output_tokens);
        }
        acc.set_usage(usage);
    }
}

/// The chunk stream of a traced `InvokeModelWithResponseStream` call, read
/// with [`recv`](EventStream::recv); its span ends with it. Each chunk's JSON
/// is decoded per model family; a chunk that does not parse is noted on the
/// span (`coresdk.genai.response.body_error`) and the stream goes on.
pub type InvokeEventStream = EventStream<ResponseStream, ResponseStreamError, InvokeChunks>;

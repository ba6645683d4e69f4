//! [`TracedInvokeModel`] and [`TracedInvokeModelWithResponseStream`]:
//! traced `InvokeModel` and `InvokeModelWithResponseStream` calls. Bodies and
//! stream chunks are decoded by their model family's codec (see
//! [`model_body`](crate::model_body)); chunks are read through
//! [`InvokeEventStream`], which carries the call.

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::invoke_model::builders::{
    InvokeModelFluentBuilder, InvokeModelInputBuilder,
};
use aws_sdk_bedrockruntime::operation::invoke_model::{InvokeModelError, InvokeModelOutput};
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
use coresdk::genai::attributes::{
    CORESDK_GENAI_REQUEST_BODY_ERROR, CORESDK_GENAI_RESPONSE_BODY_ERROR, HTTP_REQUEST_BODY_SIZE,
    HTTP_RESPONSE_BODY_SIZE,
};
use coresdk::genai::{
    CallError, ChatResponse, ChunkAccumulator, EmbeddingsResponse, GenAiCall, Outcome, Request,
    RequestSummary, Response, StreamCall, StreamMapping, TextLayout, Usage,
};
use opentelemetry::KeyValue;
use serde_json::Value as Json;

use crate::builder::traced_builder;
use crate::client::TracedClient;
use crate::convert::{self, guardrail_attributes};
use crate::error::stream_error;
use crate::model_body::{Codec, codec_for, guess_operation};
use crate::setters::invoke_setters;
use crate::stream::EventStream;

traced_builder! {
    /// A `InvokeModel` request being built; [`send`](Self::send) runs it inside a
    /// `{operation} {modelId}` span. From [`TracedClient::invoke_model`](crate::TracedClient::invoke_model).
    TracedInvokeModel(InvokeModelFluentBuilder, InvokeModelInputBuilder)
}

/// Decodes the request body (the operation names the span), then starts the
/// call: the call, the body's codec and whether the request asked for
/// embeddings. A body that is not JSON is noted on the span; the call goes on.
fn start(
    client: &TracedClient,
    model: &str,
    body: Option<&Blob>,
    guardrail: (Option<&String>, Option<&String>),
    stream: bool,
) -> (GenAiCall, &'static dyn Codec, bool) {
    let parsed = body.map(|b| serde_json::from_slice::<Json>(b.as_ref()));
    let json = parsed.as_ref().and_then(|p| p.as_ref().ok());
    let codec = codec_for(model, json);
    let capture = client.endpoint().settings().capture_content();
    let (operation, mut request) = match json {
        Some(json) => codec.request(model, json, capture),
        None => (guess_operation(model, None), Request::Opaque),
    };
    if let Request::Chat(chat) = &mut request {
        chat.stream = stream;
    }
    let embeddings = matches!(request, Request::Embeddings(_));
    let call = client.endpoint().start(operation, model, |_| {
        let mut attributes = Vec::new();
        if let Some(body) = body {
            attributes.push(KeyValue::new(
                HTTP_REQUEST_BODY_SIZE,
                body.as_ref().len() as i64,
            ));
        }
        if let Some(Err(error)) = &parsed {
            attributes.push(KeyValue::new(
                CORESDK_GENAI_REQUEST_BODY_ERROR,
                format!("request body is not JSON: {error}"),
            ));
        }
        if let Some(id) = guardrail.0 {
            attributes.extend(guardrail_attributes(
                id,
                guardrail.1.map_or("", String::as_str),
            ));
        }
        RequestSummary {
            request,
            attributes,
        }
    });
    // The status, and the token-count headers some families' bodies lack.
    (call.watch_wire(), codec, embeddings)
}

/// Starts the call of an `InvokeModel` or `InvokeModelWithResponseStream`
/// input builder (two types with the same getters): see [`start`].
macro_rules! start_invoke {
    ($client:expr, $input:expr, stream: $stream:expr) => {{
        let input = $input;
        let guardrail = (
            input.get_guardrail_identifier().as_ref(),
            input.get_guardrail_version().as_ref(),
        );
        let model = input.get_model_id().as_deref().unwrap_or_default();
        start(
            &$client,
            model,
            input.get_body().as_ref(),
            guardrail,
            $stream,
        )
    }};
}

impl TracedInvokeModel {
    invoke_setters!("operation::invoke_model::builders::InvokeModelFluentBuilder");

    /// Sends the request. The span covers the whole call and ends when this
    /// returns (dropping the future ends it with `coresdk.cancelled = true`).
    /// A body the decoder does not understand never fails the call.
    pub async fn send(self) -> Result<InvokeModelOutput, SdkError<InvokeModelError, HttpResponse>> {
        let Self { client, inner } = self;
        let (call, codec, embeddings) = start_invoke!(client, inner.as_input(), stream: false);
        let (result, call) = call.open(inner.send()).await;
        let mut outcome = Outcome::default();
        if call.is_recording() {
            outcome = client.tap().outcome(&result);
            if let Ok(output) = &result {
                let capture = call.captures_content();
                let usage = call.wire().usage;
                output_outcome(&mut outcome, codec, embeddings, output, usage, capture);
            }
        }
        call.finish(outcome);
        result
    }
}

/// The response body's part of the outcome. The body's own token counts
/// come first; the usage headers stand in when it has none.
fn output_outcome(
    outcome: &mut Outcome,
    codec: &dyn Codec,
    embeddings: bool,
    output: &InvokeModelOutput,
    header_usage: Usage,
    capture: bool,
) {
    let body = output.body.as_ref();
    outcome
        .attributes
        .push(KeyValue::new(HTTP_RESPONSE_BODY_SIZE, body.len() as i64));
    let response = match serde_json::from_slice::<Json>(body) {
        Ok(json) => codec.response(&json, capture),
        Err(error) => {
            outcome.attributes.push(KeyValue::new(
                CORESDK_GENAI_RESPONSE_BODY_ERROR,
                format!("response body is not JSON: {error}"),
            ));
            Response::None
        }
    };
    let prefer = |usage: Usage| {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            header_usage
        } else {
            usage
        }
    };
    outcome.response = match (response, embeddings) {
        (Response::Embeddings(mut response), true) => {
            response.usage = prefer(response.usage);
            Response::Embeddings(response)
        }
        (Response::Chat(mut response), false) => {
            response.usage = prefer(response.usage);
            Response::Chat(response)
        }
        (_, true) => Response::Embeddings(EmbeddingsResponse {
            model: None,
            usage: header_usage,
        }),
        (_, false) => Response::Chat(ChatResponse {
            usage: header_usage,
            ..ChatResponse::default()
        }),
    };
}

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
        let (call, codec, _) = start_invoke!(client, inner.as_input(), stream: true);
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

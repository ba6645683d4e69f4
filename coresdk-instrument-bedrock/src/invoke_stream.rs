//! [`TracedInvokeModelWithResponseStream`]: a traced
//! `InvokeModelWithResponseStream` call; chunks are read through
//! [`InvokeEventStream`], which decodes them per model family and owns the span.

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::builders::{
    InvokeModelWithResponseStreamFluentBuilder, InvokeModelWithResponseStreamInputBuilder,
};
use aws_sdk_bedrockruntime::operation::invoke_model_with_response_stream::{
    InvokeModelWithResponseStreamError, InvokeModelWithResponseStreamOutput,
};
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_sdk_bedrockruntime::types::error::ResponseStreamError;
use aws_sdk_bedrockruntime::types::{
    PerformanceConfigLatency, ResponseStream, ServiceTierType, Trace,
};
use aws_smithy_types::Blob;
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::attributes::CORESDK_GENAI_RESPONSE_BODY_ERROR;
use coresdk::genai::{CallError, GenAiSpan};
use serde_json::Value as Json;

use crate::client::TracedClient;
use crate::error::{aws_error, call_error};
use crate::in_span::in_span;
use crate::invoke::{Started, start};
use crate::model_body::StreamDecoder;
use crate::setters::delegate_setters;
use crate::wire::WireTap;

/// An `InvokeModelWithResponseStream` request being built;
/// [`send`](Self::send) opens a `{operation} {modelId}` span that the
/// returned body stream carries until it ends.
#[must_use = "the request is sent only by `send`"]
pub struct TracedInvokeModelWithResponseStream {
    client: TracedClient,
    inner: InvokeModelWithResponseStreamFluentBuilder,
}

impl std::fmt::Debug for TracedInvokeModelWithResponseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedInvokeModelWithResponseStream")
            .field("model_id", self.inner.get_model_id())
            .finish_non_exhaustive()
    }
}

impl TracedInvokeModelWithResponseStream {
    pub(crate) fn new(
        client: TracedClient,
        inner: InvokeModelWithResponseStreamFluentBuilder,
    ) -> Self {
        Self { client, inner }
    }

    /// The request as built so far.
    pub fn as_input(&self) -> &InvokeModelWithResponseStreamInputBuilder {
        self.inner.as_input()
    }

    /// Applies `f` to the wrapped SDK builder (for anything not delegated here).
    pub fn map_inner(
        mut self,
        f: impl FnOnce(
            InvokeModelWithResponseStreamFluentBuilder,
        ) -> InvokeModelWithResponseStreamFluentBuilder,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }

    delegate_setters! {
        "operation::invoke_model_with_response_stream::builders::InvokeModelWithResponseStreamFluentBuilder";
        body(input: Blob);
        set_body(input: Option<Blob>);
        content_type(input: impl Into<String>);
        set_content_type(input: Option<String>);
        accept(input: impl Into<String>);
        set_accept(input: Option<String>);
        model_id(input: impl Into<String>);
        set_model_id(input: Option<String>);
        trace(input: Trace);
        set_trace(input: Option<Trace>);
        guardrail_identifier(input: impl Into<String>);
        set_guardrail_identifier(input: Option<String>);
        guardrail_version(input: impl Into<String>);
        set_guardrail_version(input: Option<String>);
        performance_config_latency(input: PerformanceConfigLatency);
        set_performance_config_latency(input: Option<PerformanceConfigLatency>);
        service_tier(input: ServiceTierType);
        set_service_tier(input: Option<ServiceTierType>);
        request_metadata(input: impl Into<String>);
        set_request_metadata(input: Option<String>);
    }

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
        let input = self.inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let Started {
            mut span, family, ..
        } = start(
            &self.client,
            model,
            input.get_body().as_ref(),
            (
                input.get_guardrail_identifier().as_ref(),
                input.get_guardrail_version().as_ref(),
            ),
            true,
        );
        if !span.is_recording() {
            let output = self.inner.send().await?;
            return Ok(TracedInvokeModelWithResponseStreamOutput::new(
                output,
                None,
                StreamDecoder::new(family, false),
            ));
        }
        let decoder = StreamDecoder::new(family, span.captures_content());
        let tap = WireTap::default();
        let result = in_span(
            span.span(),
            self.inner.customize().interceptor(tap.clone()).send(),
        )
        .await;
        let mut facts = tap.facts();
        match result {
            Ok(output) => {
                facts.record(&mut span, None);
                Ok(TracedInvokeModelWithResponseStreamOutput::new(
                    output,
                    Some(span),
                    decoder,
                ))
            }
            Err(error) => {
                let call = call_error(&error, |raw| Some(raw.status().as_u16()));
                facts.record(&mut span, Some(&call));
                span.record_error(&call);
                span.end();
                Err(error)
            }
        }
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
    fn new(
        output: InvokeModelWithResponseStreamOutput,
        span: Option<GenAiSpan>,
        decoder: StreamDecoder,
    ) -> Self {
        Self {
            body: InvokeEventStream {
                inner: output.body,
                span,
                decoder,
                decode_error: false,
            },
            content_type: output.content_type,
            performance_config_latency: output.performance_config_latency,
            service_tier: output.service_tier,
        }
    }
}

/// The chunk stream of a traced `InvokeModelWithResponseStream` call; its span
/// ends with it.
///
/// [`recv`](Self::recv) yields exactly what the SDK's `EventReceiver` yields.
/// Each chunk's JSON is decoded per model family; a chunk that does not parse
/// is noted on the span (`coresdk.genai.response.body_error`) and the stream
/// goes on.
pub struct InvokeEventStream {
    inner: EventReceiver<ResponseStream, ResponseStreamError>,
    span: Option<GenAiSpan>,
    decoder: StreamDecoder,
    decode_error: bool,
}

impl std::fmt::Debug for InvokeEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvokeEventStream")
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

impl InvokeEventStream {
    /// Receives the next chunk; `Ok(None)` at the end of the stream.
    pub async fn recv(
        &mut self,
    ) -> Result<Option<ResponseStream>, SdkError<ResponseStreamError, RawMessage>> {
        let result = self.inner.recv().await;
        let Some(span) = &mut self.span else {
            return result;
        };
        match &result {
            Ok(Some(ResponseStream::Chunk(part))) => {
                let bytes = part.bytes.as_ref().map_or(&[][..], Blob::as_ref);
                match serde_json::from_slice::<Json>(bytes) {
                    Ok(chunk) => {
                        if self.decoder.add(&chunk) && !span.first_token_seen() {
                            span.record_first_token();
                        }
                    }
                    Err(error) if !self.decode_error => {
                        self.decode_error = true;
                        span.set_attribute(
                            CORESDK_GENAI_RESPONSE_BODY_ERROR,
                            format!("stream chunk is not JSON: {error}"),
                        );
                    }
                    Err(_) => {}
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => self.finish(None),
            Err(error) => self.finish(Some(stream_error(error))),
        }
        result
    }

    fn finish(&mut self, error: Option<CallError>) {
        if let Some(mut span) = self.span.take() {
            span.record_chat_response(&self.decoder.response());
            if let Some(error) = error {
                span.record_error(&error);
            }
            span.end();
        }
    }
}

impl Drop for InvokeEventStream {
    fn drop(&mut self) {
        if let Some(mut span) = self.span.take() {
            span.record_chat_response(&self.decoder.response());
            // Dropped without `end`: recorded as cancelled.
            drop(span);
        }
    }
}

/// An in-stream error; exception frames carry no code, the variant names it.
fn stream_error(error: &SdkError<ResponseStreamError, RawMessage>) -> CallError {
    if let SdkError::ServiceError(service) = error {
        let err = service.err();
        let code = err.code().unwrap_or(match err {
            ResponseStreamError::InternalServerException(_) => "InternalServerException",
            ResponseStreamError::ModelStreamErrorException(_) => "ModelStreamErrorException",
            ResponseStreamError::ValidationException(_) => "ValidationException",
            ResponseStreamError::ThrottlingException(_) => "ThrottlingException",
            ResponseStreamError::ModelTimeoutException(_) => "ModelTimeoutException",
            ResponseStreamError::ServiceUnavailableException(_) => "ServiceUnavailableException",
            _ => "",
        });
        return aws_error(code, err.message().unwrap_or(code), None);
    }
    call_error(error, |_| None)
}

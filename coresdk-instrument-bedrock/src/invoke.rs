//! [`TracedInvokeModel`]: a traced `InvokeModel` call; the body is decoded per
//! model family (see [`model_body`](crate::model_body)).

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::invoke_model::builders::{
    InvokeModelFluentBuilder, InvokeModelInputBuilder,
};
use aws_sdk_bedrockruntime::operation::invoke_model::{InvokeModelError, InvokeModelOutput};
use aws_sdk_bedrockruntime::types::{PerformanceConfigLatency, ServiceTierType, Trace};
use aws_smithy_types::Blob;
use coresdk::genai::attributes::{
    CORESDK_GENAI_REQUEST_BODY_ERROR, CORESDK_GENAI_RESPONSE_BODY_ERROR, HTTP_REQUEST_BODY_SIZE,
    HTTP_RESPONSE_BODY_SIZE,
};
use coresdk::genai::{EmbeddingsResponse, GenAiSpan, Usage};
use serde_json::Value as Json;

use crate::client::TracedClient;
use crate::converse::record_guardrail;
use crate::error::call_error;
use crate::in_span::in_span;
use crate::model_body::{self, Decoded, Family};
use crate::setters::delegate_setters;
use crate::wire::WireTap;

/// A `InvokeModel` request being built; [`send`](Self::send) runs it inside a
/// `{operation} {modelId}` span. From [`TracedClient::invoke_model`].
#[must_use = "the request is sent only by `send`"]
pub struct TracedInvokeModel {
    client: TracedClient,
    inner: InvokeModelFluentBuilder,
}

impl std::fmt::Debug for TracedInvokeModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedInvokeModel")
            .field("model_id", self.inner.get_model_id())
            .finish_non_exhaustive()
    }
}

/// The span of an InvokeModel call, its family and decoded request.
pub(crate) struct Started {
    pub(crate) span: GenAiSpan,
    pub(crate) family: Family,
    pub(crate) decoded: Decoded,
}

/// Decodes the request body, starts the span and records the request.
/// A body that is not JSON is noted on the span; the call goes on.
pub(crate) fn start(
    client: &TracedClient,
    model: &str,
    body: Option<&Blob>,
    guardrail: (Option<&String>, Option<&String>),
    stream: bool,
) -> Started {
    let parsed = body.map(|b| serde_json::from_slice::<Json>(b.as_ref()));
    let json = parsed.as_ref().and_then(|p| p.as_ref().ok());
    let family = model_body::family(model, json);
    let capture_hint = client_captures(client);
    let decoded = model_body::decode_request(family, model, json, capture_hint);
    let mut span = client.start_span(decoded.operation(), model);
    if let Some(body) = body {
        span.set_attribute(HTTP_REQUEST_BODY_SIZE, body.as_ref().len() as i64);
    }
    if let Some(Err(error)) = &parsed {
        span.set_attribute(
            CORESDK_GENAI_REQUEST_BODY_ERROR,
            format!("request body is not JSON: {error}"),
        );
    }
    match &decoded {
        Decoded::Chat(_, request) => {
            let mut request = request.clone();
            request.stream = stream;
            span.record_chat_request(&request);
        }
        Decoded::Embeddings(request) => span.record_embeddings_request(request),
        Decoded::Opaque(_) => {}
    }
    if let Some(id) = guardrail.0 {
        record_guardrail(&mut span, id, guardrail.1.map_or("", String::as_str));
    }
    Started {
        span,
        family,
        decoded,
    }
}

/// Whether this client's calls capture content (decided before the span
/// exists, so the request is decoded once).
fn client_captures(client: &TracedClient) -> bool {
    client.settings().capture_content()
}

impl TracedInvokeModel {
    pub(crate) fn new(client: TracedClient, inner: InvokeModelFluentBuilder) -> Self {
        Self { client, inner }
    }

    /// The request as built so far.
    pub fn as_input(&self) -> &InvokeModelInputBuilder {
        self.inner.as_input()
    }

    /// Applies `f` to the wrapped SDK builder (for anything not delegated here).
    pub fn map_inner(
        mut self,
        f: impl FnOnce(InvokeModelFluentBuilder) -> InvokeModelFluentBuilder,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }

    delegate_setters! {
        "operation::invoke_model::builders::InvokeModelFluentBuilder";
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

    /// Sends the request. The span covers the whole call and ends when this
    /// returns (dropping the future ends it with `coresdk.cancelled = true`).
    /// A body the decoder does not understand never fails the call.
    pub async fn send(self) -> Result<InvokeModelOutput, SdkError<InvokeModelError, HttpResponse>> {
        let input = self.inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let Started {
            mut span,
            family,
            decoded,
        } = start(
            &self.client,
            model,
            input.get_body().as_ref(),
            (
                input.get_guardrail_identifier().as_ref(),
                input.get_guardrail_version().as_ref(),
            ),
            false,
        );
        if !span.is_recording() {
            return self.inner.send().await;
        }
        let tap = WireTap::default();
        let result = in_span(
            span.span(),
            self.inner.customize().interceptor(tap.clone()).send(),
        )
        .await;
        let mut facts = tap.facts();
        match &result {
            Ok(output) => {
                facts.record(&mut span, None);
                record_output(&mut span, family, &decoded, output, facts.header_usage);
            }
            Err(error) => {
                let error = call_error(error, |raw| Some(raw.status().as_u16()));
                facts.record(&mut span, Some(&error));
                span.record_error(&error);
            }
        }
        span.end();
        result
    }
}

fn record_output(
    span: &mut GenAiSpan,
    family: Family,
    decoded: &Decoded,
    output: &InvokeModelOutput,
    header_usage: Usage,
) {
    let body = output.body.as_ref();
    span.set_attribute(HTTP_RESPONSE_BODY_SIZE, body.len() as i64);
    let json = match serde_json::from_slice::<Json>(body) {
        Ok(json) => Some(json),
        Err(error) => {
            span.set_attribute(
                CORESDK_GENAI_RESPONSE_BODY_ERROR,
                format!("response body is not JSON: {error}"),
            );
            None
        }
    };
    let capture = span.captures_content();
    let prefer = |usage: Usage| {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            header_usage
        } else {
            usage
        }
    };
    if let Decoded::Embeddings(_) = decoded {
        let usage = json
            .as_ref()
            .map(|j| model_body::embeddings_usage(family, j))
            .unwrap_or_default();
        span.record_embeddings_response(&EmbeddingsResponse {
            model: None,
            usage: prefer(usage),
        });
    } else {
        let mut response = json
            .as_ref()
            .and_then(|j| model_body::decode_response(family, j, capture))
            .unwrap_or_default();
        response.usage = prefer(response.usage);
        span.record_chat_response(&response);
    }
}

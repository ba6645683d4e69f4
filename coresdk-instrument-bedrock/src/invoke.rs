//! [`TracedInvokeModel`]: a traced `InvokeModel` call; the body is decoded by
//! its model family's codec (see [`model_body`](crate::model_body)).

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
use coresdk::genai::{
    ChatResponse, EmbeddingsResponse, GenAiCall, Outcome, RequestSummary, Response, Usage,
};
use opentelemetry::KeyValue;
use serde_json::Value as Json;

use crate::builder::traced_builder;
use crate::client::TracedClient;
use crate::convert::guardrail_attributes;
use crate::model_body::{Codec, Decoded, codec_for, guess_operation};
use crate::setters::invoke_setters;

traced_builder! {
    /// A `InvokeModel` request being built; [`send`](Self::send) runs it inside a
    /// `{operation} {modelId}` span. From [`TracedClient::invoke_model`](crate::TracedClient::invoke_model).
    TracedInvokeModel(InvokeModelFluentBuilder, InvokeModelInputBuilder)
}

/// An InvokeModel call started: the call, its body codec and whether the
/// request asked for embeddings.
pub(crate) struct Started {
    pub(crate) call: GenAiCall,
    pub(crate) codec: &'static dyn Codec,
    pub(crate) embeddings: bool,
}

/// Decodes the request body (the operation names the span), then starts the
/// call. A body that is not JSON is noted on the span; the call goes on.
pub(crate) fn start(
    client: &TracedClient,
    model: &str,
    body: Option<&Blob>,
    guardrail: (Option<&String>, Option<&String>),
    stream: bool,
) -> Started {
    let parsed = body.map(|b| serde_json::from_slice::<Json>(b.as_ref()));
    let json = parsed.as_ref().and_then(|p| p.as_ref().ok());
    let codec = codec_for(model, json);
    let capture = client.endpoint().settings().capture_content();
    let decoded = match json {
        Some(json) => codec.request(model, json, capture),
        None => Decoded::Opaque(guess_operation(model, None)),
    };
    let embeddings = matches!(decoded, Decoded::Embeddings(_));
    let call = client.endpoint().start(decoded.operation(), model, |_| {
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
            request: decoded.into_request(stream),
            attributes,
        }
    });
    // The status, and the token-count headers some families' bodies lack.
    let call = call.watch_wire();
    Started {
        call,
        codec,
        embeddings,
    }
}

impl TracedInvokeModel {
    invoke_setters!("operation::invoke_model::builders::InvokeModelFluentBuilder");

    /// Sends the request. The span covers the whole call and ends when this
    /// returns (dropping the future ends it with `coresdk.cancelled = true`).
    /// A body the decoder does not understand never fails the call.
    pub async fn send(self) -> Result<InvokeModelOutput, SdkError<InvokeModelError, HttpResponse>> {
        let Self { client, inner } = self;
        let input = inner.as_input();
        let Started {
            call,
            codec,
            embeddings,
        } = start(
            &client,
            input.get_model_id().as_deref().unwrap_or_default(),
            input.get_body().as_ref(),
            (
                input.get_guardrail_identifier().as_ref(),
                input.get_guardrail_version().as_ref(),
            ),
            false,
        );
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

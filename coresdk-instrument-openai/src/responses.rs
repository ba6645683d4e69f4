//! [`TracedResponses`]: traced `responses().create` / `responses().create_stream`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::responses::{CreateResponse, Response};
use coresdk::genai::{Operation, TextLayout};

use crate::client::api_group;
use crate::error::outcome;
use crate::responses_convert;
use crate::responses_stream::{ResponseEvents, TracedResponseStream};
use crate::stream;

api_group!(
    /// The traced Responses API, from [`TracedClient::responses`](crate::TracedClient::responses).
    TracedResponses
);

impl<C: Config> TracedResponses<'_, C> {
    /// `POST /responses`, as one `chat {model}` span covering the whole call.
    /// `instructions` are recorded as system instructions, input items as
    /// prompt messages, output items as the completion; a response whose
    /// status is `failed` ends the span with an error.
    pub async fn create(&self, request: CreateResponse) -> Result<Response, OpenAIError> {
        let model = request.model.as_deref().unwrap_or_default();
        let call = self
            .client
            .endpoint()
            .start(Operation::Chat, model, |capture| {
                responses_convert::request(&request, false, capture)
            });
        let api = self.client.inner().responses();
        let future = api.create(request);
        call.run(future, outcome(responses_convert::outcome)).await
    }

    /// `POST /responses` with `stream: true`. The span starts before the
    /// request and ends when the returned stream ends (or is dropped:
    /// `coresdk.cancelled = true`). Text and tool-call argument deltas are
    /// accumulated; usage, status and the service tier come from the final
    /// `response.completed` (or `response.incomplete` / `response.failed`)
    /// event; `response.failed` and `error` events mark the span failed.
    pub async fn create_stream(
        &self,
        request: CreateResponse,
    ) -> Result<TracedResponseStream, OpenAIError> {
        let model = request.model.as_deref().unwrap_or_default();
        let call = self
            .client
            .endpoint()
            .start(Operation::Chat, model, |capture| {
                responses_convert::request(&request, true, capture)
            });
        let api = self.client.inner().responses();
        let future = api.create_stream(request);
        stream::open(call, future, TextLayout::Blocks, ResponseEvents).await
    }
}

//! [`TracedResponses`]: traced `responses().create` / `responses().create_stream`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::responses::{CreateResponse, Response};
use coresdk::genai::{Operation, Outcome, TextLayout};

use crate::client::TracedClient;
use crate::error::call_error;
use crate::responses_convert;
use crate::responses_stream::{ResponseEvents, TracedResponseStream};

/// The traced Responses API, from [`TracedClient::responses`].
pub struct TracedResponses<'c, C: Config> {
    client: &'c TracedClient<C>,
}

impl<C: Config> std::fmt::Debug for TracedResponses<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedResponses").finish_non_exhaustive()
    }
}

impl<'c, C: Config> TracedResponses<'c, C> {
    pub(crate) fn new(client: &'c TracedClient<C>) -> Self {
        Self { client }
    }

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
        call.run(future, |result, capture| match result {
            Ok(response) => responses_convert::outcome(response, capture),
            Err(error) => Outcome::error(call_error(error)),
        })
        .await
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
        let (result, call) = call.open(future).await;
        match result {
            Ok(stream) => Ok(TracedResponseStream::new(
                stream,
                call.stream(Outcome::default(), TextLayout::Blocks, ResponseEvents),
            )),
            Err(error) => {
                call.finish(Outcome::error(call_error(&error)));
                Err(error)
            }
        }
    }
}

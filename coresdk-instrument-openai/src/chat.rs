//! [`TracedChat`]: traced `chat().create` / `chat().create_stream`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionResponse,
};
use coresdk::genai::{Operation, Outcome, TextLayout};

use crate::client::TracedClient;
use crate::convert;
use crate::error::call_error;
use crate::stream::{ChatChunks, TracedChatStream};

/// The traced chat completions API, from [`TracedClient::chat`].
pub struct TracedChat<'c, C: Config> {
    client: &'c TracedClient<C>,
}

impl<C: Config> std::fmt::Debug for TracedChat<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedChat").finish_non_exhaustive()
    }
}

/// Asks for the final usage chunk unless the request already decided.
fn include_usage(request: &mut CreateChatCompletionRequest) {
    let options = request
        .stream_options
        .get_or_insert(ChatCompletionStreamOptions {
            include_usage: None,
            include_obfuscation: None,
        });
    options.include_usage.get_or_insert(true);
}

impl<'c, C: Config> TracedChat<'c, C> {
    pub(crate) fn new(client: &'c TracedClient<C>) -> Self {
        Self { client }
    }

    /// `POST /chat/completions`, as one `chat {model}` span covering the
    /// whole call, the client's retries included.
    pub async fn create(
        &self,
        request: CreateChatCompletionRequest,
    ) -> Result<CreateChatCompletionResponse, OpenAIError> {
        let call = self
            .client
            .endpoint()
            .start(Operation::Chat, &request.model, |capture| {
                convert::chat_request(&request, false, capture)
            });
        let api = self.client.inner().chat();
        let future = api.create(request);
        call.run(future, |result, capture| match result {
            Ok(response) => convert::chat_outcome(response, capture),
            Err(error) => Outcome::error(call_error(error)),
        })
        .await
    }

    /// `POST /chat/completions` with `stream: true`. The span starts before the
    /// request and ends when the returned stream ends (or is dropped:
    /// `coresdk.cancelled = true`). Deltas are accumulated per choice; usage is
    /// taken from the final chunk when the server sends one
    /// (`stream_options.include_usage`).
    ///
    /// With `genai.openai.stream_include_usage` on, a request that does not
    /// say otherwise asks for the final usage chunk
    /// (`stream_options.include_usage`), so the span gets token counts and
    /// cost; the chunk still reaches the caller unchanged.
    pub async fn create_stream(
        &self,
        mut request: CreateChatCompletionRequest,
    ) -> Result<TracedChatStream, OpenAIError> {
        if self
            .client
            .endpoint()
            .settings()
            .openai_stream_include_usage()
        {
            include_usage(&mut request);
        }
        let call = self
            .client
            .endpoint()
            .start(Operation::Chat, &request.model, |capture| {
                convert::chat_request(&request, true, capture)
            });
        let api = self.client.inner().chat();
        let future = api.create_stream(request);
        let (result, call) = call.open(future).await;
        match result {
            Ok(stream) => Ok(TracedChatStream::new(
                stream,
                call.stream(Outcome::default(), TextLayout::SingleField, ChatChunks),
            )),
            Err(error) => {
                call.finish(Outcome::error(call_error(&error)));
                Err(error)
            }
        }
    }
}

//! [`TracedChat`]: traced `chat().create` / `chat().create_stream`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionResponse,
};
use coresdk::genai::{Operation, TextLayout};

use crate::client::api_group;
use crate::convert;
use crate::error::outcome;
use crate::stream::{self, ChatChunks, TracedChatStream};

api_group!(
    /// The traced chat completions API, from [`TracedClient::chat`](crate::TracedClient::chat).
    TracedChat
);

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

impl<C: Config> TracedChat<'_, C> {
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
        call.run(future, outcome(convert::chat_outcome)).await
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
        let endpoint = self.client.endpoint();
        if endpoint.settings().openai_stream_include_usage() {
            include_usage(&mut request);
        }
        let call = endpoint.start(Operation::Chat, &request.model, |capture| {
            convert::chat_request(&request, true, capture)
        });
        let api = self.client.inner().chat();
        let future = api.create_stream(request);
        stream::open(call, future, TextLayout::SingleField, ChatChunks).await
    }
}

//! [`TracedEmbeddings`]: traced `embeddings().create`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use coresdk::genai::{
    EmbeddingsResponse, Operation, Outcome, Request, RequestSummary, Response, Usage,
};

use crate::client::TracedClient;
use crate::convert;
use crate::error::call_error;

/// The traced embeddings API, from [`TracedClient::embeddings`].
pub struct TracedEmbeddings<'c, C: Config> {
    client: &'c TracedClient<C>,
}

impl<C: Config> std::fmt::Debug for TracedEmbeddings<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedEmbeddings").finish_non_exhaustive()
    }
}

impl<'c, C: Config> TracedEmbeddings<'c, C> {
    pub(crate) fn new(client: &'c TracedClient<C>) -> Self {
        Self { client }
    }

    /// `POST /embeddings`, as one `embeddings {model}` span.
    pub async fn create(
        &self,
        request: CreateEmbeddingRequest,
    ) -> Result<CreateEmbeddingResponse, OpenAIError> {
        let call = self
            .client
            .endpoint()
            .start(Operation::Embeddings, &request.model, |_| {
                RequestSummary::new(Request::Embeddings(convert::embeddings_request(&request)))
            });
        let api = self.client.inner().embeddings();
        let future = api.create(request);
        call.run(future, |result, _| match result {
            Ok(response) => Outcome::response(Response::Embeddings(EmbeddingsResponse {
                model: Some(response.model.clone()),
                usage: Usage {
                    input_tokens: Some(u64::from(response.usage.prompt_tokens)),
                    ..Usage::default()
                },
            })),
            Err(error) => Outcome::error(call_error(error)),
        })
        .await
    }
}

//! [`TracedEmbeddings`]: traced `embeddings().create`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use coresdk::genai::{EmbeddingsResponse, Operation, Usage};
use tracing::Instrument;

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
        let mut span = self
            .client
            .start_span(Operation::Embeddings, &request.model);
        if span.is_recording() {
            span.record_embeddings_request(&convert::embeddings_request(&request));
        }
        let result = self
            .client
            .inner()
            .embeddings()
            .create(request)
            .instrument(span.span().clone())
            .await;
        match &result {
            Ok(response) => span.record_embeddings_response(&EmbeddingsResponse {
                model: Some(response.model.clone()),
                usage: Usage {
                    input_tokens: Some(u64::from(response.usage.prompt_tokens)),
                    ..Usage::default()
                },
            }),
            Err(error) => span.record_error(&call_error(error)),
        }
        span.end();
        result
    }
}

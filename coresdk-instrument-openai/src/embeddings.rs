//! [`TracedEmbeddings`]: traced `embeddings().create`.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use coresdk::genai::{
    EmbeddingsResponse, Operation, Outcome, Request, RequestSummary, Response, Usage,
};

use crate::client::api_group;
use crate::convert;
use crate::error::outcome;

api_group!(
    /// The traced embeddings API, from [`TracedClient::embeddings`](crate::TracedClient::embeddings).
    TracedEmbeddings
);

impl<C: Config> TracedEmbeddings<'_, C> {
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
        call.run(
            future,
            outcome(|response: &CreateEmbeddingResponse, _| {
                Outcome::response(Response::Embeddings(EmbeddingsResponse {
                    model: Some(response.model.clone()),
                    usage: Usage {
                        input_tokens: Some(u64::from(response.usage.prompt_tokens)),
                        ..Usage::default()
                    },
                }))
            }),
        )
        .await
    }
}

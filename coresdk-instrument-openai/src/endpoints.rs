//! Client spans for the endpoints that are not chat, Responses or
//! embeddings: legacy completions (a GenAI `text_completion` span), images,
//! audio, moderations, files and batches (`{method} {model}` spans such as
//! `images.generate gpt-image-1`), and [`TracedClient::call`] for any other
//! call of the wrapped client.
//!
//! ## Why typed wrappers, not async-openai's HTTP middleware
//!
//! async-openai 0.43 can route every request through a tower service
//! (`Client::with_http_service`), which would see all endpoints at once. It
//! is not used, for three reasons:
//! - the client's transport is private: installing a service would replace
//!   the caller's own HTTP client, service stack and the default retry layer,
//!   so tracing would change how requests are sent;
//! - the service sits below the retry loop and sees one attempt as a request
//!   factory and an HTTP response: the model and usage would have to be read
//!   back out of serialized and multipart bodies, and the response body
//!   buffered and rebuilt, where a wrapper reads the typed request and
//!   response it already holds, and its span covers the call with retries;
//! - chat, Responses and embeddings calls already have richer spans, which
//!   the service would have to recognise and skip.
//!
//! The wrappers cover the common calls of each API group; everything else
//! (models, vector stores, fine-tuning, uploads, listing with query
//! parameters, ...) gets the same span through [`TracedClient::call`].

use std::future::Future;

use async_openai::Client;
use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::audio::{
    CreateSpeechRequest, CreateSpeechResponse, CreateTranscriptionRequest,
    CreateTranscriptionResponseJson,
};
use async_openai::types::batches::{Batch, BatchRequest, ListBatchesResponse};
use async_openai::types::chat::{CompletionFinishReason, Prompt};
use async_openai::types::completions::{CreateCompletionRequest, CreateCompletionResponse};
use async_openai::types::files::{
    CreateFileRequest, DeleteFileResponse, ListFilesResponse, OpenAIFile,
};
use async_openai::types::images::{CreateImageRequest, ImagesResponse};
use async_openai::types::moderations::{CreateModerationRequest, CreateModerationResponse};
use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, EmbeddingsResponse, FinishReason, Message, Operation,
    Outcome, Request, RequestSummary, Response, Role, Usage, captured, f32_param,
};

use crate::client::{TracedClient, api_group};
use crate::convert::{self, wire_name};
use crate::error::outcome;

impl<C: Config> TracedClient<C> {
    /// Runs any call of the wrapped client as one client span named
    /// `{operation} {model}` (or `{operation}` without a model): latency,
    /// status and, on failure, the error. For the API groups without a
    /// wrapper here.
    ///
    /// ```no_run
    /// # async fn demo(client: coresdk_instrument_openai::TracedClient<async_openai::config::OpenAIConfig>)
    /// # -> Result<(), async_openai::error::OpenAIError> {
    /// let bytes = client
    ///     .call("files.content", None, |c| async move {
    ///         c.files().content("file-abc").await
    ///     })
    ///     .await?;
    /// # let _ = bytes;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call<'a, T, F, Fut>(
        &'a self,
        operation: &'static str,
        model: Option<&str>,
        call: F,
    ) -> Result<T, OpenAIError>
    where
        F: FnOnce(&'a Client<C>) -> Fut,
        Fut: Future<Output = Result<T, OpenAIError>>,
    {
        self.plain(operation, model, call(self.inner()), nothing)
            .await
    }

    /// One plain client span around `future`; `describe` describes a success.
    async fn plain<T, Fut>(
        &self,
        operation: &'static str,
        model: Option<&str>,
        future: Fut,
        describe: impl FnOnce(&T) -> Outcome,
    ) -> Result<T, OpenAIError>
    where
        Fut: Future<Output = Result<T, OpenAIError>>,
    {
        let call = self.endpoint().start(
            Operation::Other(operation),
            model.unwrap_or_default(),
            |_| RequestSummary::default(),
        );
        call.run(future, outcome(|value, _| describe(value))).await
    }

    /// The legacy completions API (`POST /completions`).
    pub fn completions(&self) -> TracedCompletions<'_, C> {
        TracedCompletions { client: self }
    }

    /// The images API.
    pub fn images(&self) -> TracedImages<'_, C> {
        TracedImages { client: self }
    }

    /// The moderations API.
    pub fn moderations(&self) -> TracedModerations<'_, C> {
        TracedModerations { client: self }
    }

    /// The audio API (speech, transcriptions).
    pub fn audio(&self) -> TracedAudio<'_, C> {
        TracedAudio { client: self }
    }

    /// The files API.
    pub fn files(&self) -> TracedFiles<'_, C> {
        TracedFiles { client: self }
    }

    /// The batches API.
    pub fn batches(&self) -> TracedBatches<'_, C> {
        TracedBatches { client: self }
    }
}

/// A success with nothing to record beyond the span itself.
fn nothing<T>(_: &T) -> Outcome {
    Outcome::default()
}

/// A response's model and token counts (recorded like an embeddings
/// response: `gen_ai.response.model`, usage and cost).
fn model_and_usage(model: Option<&str>, usage: Usage) -> Outcome {
    Outcome::response(Response::Embeddings(EmbeddingsResponse {
        model: model.map(str::to_owned),
        usage,
    }))
}

api_group!(
    /// The traced legacy completions API, from [`TracedClient::completions`].
    TracedCompletions
);
api_group!(
    /// The traced images API, from [`TracedClient::images`].
    TracedImages
);
api_group!(
    /// The traced moderations API, from [`TracedClient::moderations`].
    TracedModerations
);
api_group!(
    /// The traced audio API, from [`TracedClient::audio`].
    TracedAudio
);
api_group!(
    /// The traced files API, from [`TracedClient::files`].
    TracedFiles
);
api_group!(
    /// The traced batches API, from [`TracedClient::batches`].
    TracedBatches
);

fn completion_request(request: &CreateCompletionRequest, capture: bool) -> RequestSummary {
    // A prompt of text is the user's message; token-id prompts are no text.
    let prompts: Vec<&str> = match &request.prompt {
        Prompt::String(s) => vec![s.as_str()],
        Prompt::StringArray(v) => v.iter().map(String::as_str).collect(),
        Prompt::IntegerArray(_) | Prompt::ArrayOfIntegerArray(_) => Vec::new(),
    };
    let messages = prompts
        .into_iter()
        .map(|p| Message::text(Role::User, captured(capture, p)))
        .collect();
    RequestSummary::new(Request::Chat(ChatRequest {
        model: request.model.clone(),
        messages,
        max_tokens: request.max_tokens.map(u64::from),
        temperature: request.temperature.map(f32_param),
        top_p: request.top_p.map(f32_param),
        frequency_penalty: request.frequency_penalty.map(f32_param),
        presence_penalty: request.presence_penalty.map(f32_param),
        stop_sequences: convert::stop_sequences(request.stop.as_ref()),
        seed: request.seed,
        choice_count: request.n.map(u64::from),
        user: request.user.clone(),
        ..ChatRequest::default()
    }))
}

fn completion_outcome(response: &CreateCompletionResponse, capture: bool) -> Outcome {
    let completions = response
        .choices
        .iter()
        .map(|choice| Completion {
            message: Message::text(Role::Assistant, captured(capture, &choice.text)),
            finish_reason: choice.finish_reason.as_ref().map(|r| match r {
                CompletionFinishReason::Stop => FinishReason::Stop,
                CompletionFinishReason::Length => FinishReason::Length,
                CompletionFinishReason::ContentFilter => FinishReason::ContentFilter,
            }),
        })
        .collect();
    Outcome {
        attributes: convert::response_extras(response.system_fingerprint.as_ref(), None).collect(),
        ..Outcome::response(Response::Chat(ChatResponse {
            id: Some(response.id.clone()),
            model: Some(response.model.clone()),
            completions,
            usage: response
                .usage
                .as_ref()
                .map(convert::usage)
                .unwrap_or_default(),
            conversation_id: None,
        }))
    }
}

impl<C: Config> TracedCompletions<'_, C> {
    /// `POST /completions`, as one `text_completion {model}` span with the
    /// same request, completion, usage and cost attributes as a chat span
    /// (the prompt is the user message).
    pub async fn create(
        &self,
        request: CreateCompletionRequest,
    ) -> Result<CreateCompletionResponse, OpenAIError> {
        let call =
            self.client
                .endpoint()
                .start(Operation::TextCompletion, &request.model, |capture| {
                    completion_request(&request, capture)
                });
        let api = self.client.inner().completions();
        call.run(api.create(request), outcome(completion_outcome))
            .await
    }
}

impl<C: Config> TracedImages<'_, C> {
    /// `POST /images/generations`, as an `images.generate {model}` span with
    /// the token usage when the model reports it (gpt-image-1).
    pub async fn generate(
        &self,
        request: CreateImageRequest,
    ) -> Result<ImagesResponse, OpenAIError> {
        let model = wire_name(&request.model);
        let api = self.client.inner().images();
        let future = api.generate(request);
        self.client
            .plain("images.generate", model.as_deref(), future, |response| {
                let usage = response.usage.as_ref().map(|u| Usage {
                    input_tokens: Some(u64::from(u.input_tokens)),
                    output_tokens: Some(u64::from(u.output_tokens)),
                    ..Usage::default()
                });
                match usage {
                    Some(usage) => model_and_usage(None, usage),
                    None => Outcome::default(),
                }
            })
            .await
    }
}

impl<C: Config> TracedModerations<'_, C> {
    /// `POST /moderations`, as a `moderations.create {model}` span with the
    /// model that answered.
    pub async fn create(
        &self,
        request: CreateModerationRequest,
    ) -> Result<CreateModerationResponse, OpenAIError> {
        let model = request.model.clone();
        let api = self.client.inner().moderations();
        let future = api.create(request);
        self.client
            .plain("moderations.create", model.as_deref(), future, |response| {
                model_and_usage(Some(&response.model), Usage::default())
            })
            .await
    }
}

impl<C: Config> TracedAudio<'_, C> {
    /// `POST /audio/speech`, as an `audio.speech {model}` span.
    pub async fn speech(
        &self,
        request: CreateSpeechRequest,
    ) -> Result<CreateSpeechResponse, OpenAIError> {
        let model = wire_name(&request.model);
        let api = self.client.inner().audio();
        let speech = api.speech();
        let future = speech.create(request);
        self.client
            .plain("audio.speech", model.as_deref(), future, nothing)
            .await
    }

    /// `POST /audio/transcriptions`, as an `audio.transcription {model}` span.
    pub async fn transcription(
        &self,
        request: CreateTranscriptionRequest,
    ) -> Result<CreateTranscriptionResponseJson, OpenAIError> {
        let model = request.model.clone();
        let api = self.client.inner().audio();
        let transcriptions = api.transcription();
        let future = transcriptions.create(request);
        self.client
            .plain("audio.transcription", Some(&model), future, nothing)
            .await
    }
}

/// Methods that run one call of the wrapped client's API group as a plain
/// span: `name(args) -> output = "operation", describe` (`describe` turns a
/// success into its outcome).
macro_rules! plain_calls {
    ($group:ident . $api:ident { $(
        $(#[$doc:meta])*
        $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $operation:literal, $describe:expr;
    )* }) => {
        impl<C: Config> $group<'_, C> {
            $(
                $(#[$doc])*
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$out, OpenAIError> {
                    let api = self.client.inner().$api();
                    let future = api.$name($($arg),*);
                    self.client.plain($operation, None, future, $describe).await
                }
            )*
        }
    };
}

plain_calls!(TracedFiles.files {
    /// `POST /files`, as a `files.create` span.
    create(request: CreateFileRequest) -> OpenAIFile = "files.create", nothing;
    /// `GET /files`, as a `files.list` span.
    list() -> ListFilesResponse = "files.list", nothing;
    /// `GET /files/{id}`, as a `files.retrieve` span.
    retrieve(file_id: &str) -> OpenAIFile = "files.retrieve", nothing;
    /// `DELETE /files/{id}`, as a `files.delete` span.
    delete(file_id: &str) -> DeleteFileResponse = "files.delete", nothing;
});

plain_calls!(TracedBatches.batches {
    /// `POST /batches`, as a `batches.create` span.
    create(request: BatchRequest) -> Batch = "batches.create", batch_outcome;
    /// `GET /batches/{id}`, as a `batches.retrieve` span (with the batch's
    /// model and token usage once it has them).
    retrieve(batch_id: &str) -> Batch = "batches.retrieve", batch_outcome;
    /// `GET /batches`, as a `batches.list` span.
    list() -> ListBatchesResponse = "batches.list", nothing;
    /// `POST /batches/{id}/cancel`, as a `batches.cancel` span.
    cancel(batch_id: &str) -> Batch = "batches.cancel", batch_outcome;
});

/// A batch's model and, once it ran, its token usage.
fn batch_outcome(batch: &Batch) -> Outcome {
    let usage = batch
        .usage
        .as_ref()
        .map(|u| Usage {
            input_tokens: Some(u64::from(u.input_tokens)),
            output_tokens: Some(u64::from(u.output_tokens)),
            cache_read_input_tokens: Some(u64::from(u.input_tokens_details.cached_tokens)),
            cache_creation_input_tokens: None,
            reasoning_output_tokens: Some(u64::from(u.output_tokens_details.reasoning_tokens)),
        })
        .unwrap_or_default();
    if batch.model.is_none() && usage.is_empty() {
        return Outcome::default();
    }
    model_and_usage(batch.model.as_deref(), usage)
}

//! [`TracedClient`]: the instrumented wrapper around
//! `aws_sdk_bedrockruntime::Client`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use aws_sdk_bedrockruntime::Client;
use coresdk::genai::{GenAiSettings, GenAiSpan, Operation, Provider};

use crate::converse::TracedConverse;
use crate::converse_stream::TracedConverseStream;
use crate::invoke::TracedInvokeModel;
use crate::invoke_stream::TracedInvokeModelWithResponseStream;

/// Wraps `client` so its Converse, ConverseStream, InvokeModel and
/// InvokeModelWithResponseStream calls are traced.
///
/// The call shapes stay the AWS fluent ones:
/// `traced.converse().model_id(..).messages(..).send().await`;
/// [`TracedClient::inner`] reaches the untraced client.
pub fn instrument(client: Client) -> TracedClient {
    TracedClient::new(client)
}

/// An `aws_sdk_bedrockruntime::Client` whose model calls become GenAI spans.
///
/// Cheap to clone (the SDK client is an `Arc` inside).
#[derive(Clone)]
pub struct TracedClient {
    inner: Client,
    settings: Option<Arc<GenAiSettings>>,
    /// The server (host, port) the client's requests go to, as the wire tap
    /// first saw it (shared by clones).
    server: Arc<OnceLock<(Arc<str>, Option<u16>)>>,
}

impl fmt::Debug for TracedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedClient")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl TracedClient {
    /// Wraps `client`.
    pub fn new(client: Client) -> Self {
        Self {
            inner: client,
            settings: None,
            server: Arc::default(),
        }
    }

    /// Uses these settings instead of the process-wide
    /// [`coresdk::genai::settings`] (e.g. one client that captures content).
    #[must_use]
    pub fn with_settings(mut self, settings: GenAiSettings) -> Self {
        self.settings = Some(Arc::new(settings));
        self
    }

    /// `Converse`: one `chat {modelId}` span per call.
    pub fn converse(&self) -> TracedConverse {
        TracedConverse::new(self.clone(), self.inner.converse())
    }

    /// `ConverseStream`: one `chat {modelId}` span that stays open until the
    /// event stream ends or is dropped.
    pub fn converse_stream(&self) -> TracedConverseStream {
        TracedConverseStream::new(self.clone(), self.inner.converse_stream())
    }

    /// `InvokeModel`: the body is decoded per model family
    /// (Anthropic, Amazon Nova / Titan, Meta Llama, Mistral, Cohere).
    pub fn invoke_model(&self) -> TracedInvokeModel {
        TracedInvokeModel::new(self.clone(), self.inner.invoke_model())
    }

    /// `InvokeModelWithResponseStream`: chunks are decoded per model family;
    /// the span stays open until the stream ends or is dropped.
    pub fn invoke_model_with_response_stream(&self) -> TracedInvokeModelWithResponseStream {
        TracedInvokeModelWithResponseStream::new(
            self.clone(),
            self.inner.invoke_model_with_response_stream(),
        )
    }

    /// The wrapped client (calls through it are not traced).
    pub fn inner(&self) -> &Client {
        &self.inner
    }

    /// Unwraps the client.
    pub fn into_inner(self) -> Client {
        self.inner
    }

    /// The GenAI settings this client's spans use.
    pub(crate) fn settings(&self) -> Arc<GenAiSettings> {
        self.settings
            .clone()
            .unwrap_or_else(coresdk::genai::settings)
    }

    /// The server this client's requests go to, once a call has shown it.
    ///
    /// The endpoint follows from the client's configuration (region,
    /// `endpoint_url`, FIPS / dual-stack), which traced calls do not override,
    /// so one call's endpoint is every call's.
    pub(crate) fn known_server(&self) -> Option<&(Arc<str>, Option<u16>)> {
        self.server.get()
    }

    /// Remembers the server a call went to.
    pub(crate) fn remember_server(&self, host: &Arc<str>, port: Option<u16>) {
        let _ = self.server.set((Arc::clone(host), port));
    }

    /// Starts a span for one call.
    pub(crate) fn start_span(&self, operation: Operation, model: &str) -> GenAiSpan {
        GenAiSpan::start_with_settings(Provider::AWS_BEDROCK, operation, model, self.settings())
    }
}

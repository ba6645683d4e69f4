//! [`TracedClient`]: the instrumented wrapper around
//! `aws_sdk_bedrockruntime::Client`.

use std::fmt;
use std::sync::Arc;

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::config::SharedInterceptor;
use coresdk::genai::{Endpoint, GenAiSettings, Provider};

use crate::converse::{TracedConverse, TracedConverseStream};
use crate::invoke::{TracedInvokeModel, TracedInvokeModelWithResponseStream};
use crate::wire::WireTap;

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
    /// `inner` with the wire tap registered: traced calls go through it.
    tapped: Client,
    tap: WireTap,
    endpoint: Endpoint,
}

impl fmt::Debug for TracedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl TracedClient {
    /// Wraps `client`.
    pub fn new(client: Client) -> Self {
        let tap = WireTap::default();
        let mut config = client.config().to_builder();
        // Permanent: the SDK then skips the per-hook lookup of a
        // `DisableInterceptor` in the config bag (which cost a traced call
        // more than the tap's own work).
        config.push_interceptor(SharedInterceptor::permanent(tap.clone()));
        let tapped = Client::from_conf(config.build());
        Self {
            inner: client,
            tapped,
            tap,
            endpoint: Endpoint::new(Provider::AWS_BEDROCK),
        }
    }

    /// Uses these settings instead of the process-wide
    /// [`coresdk::genai::settings`] (e.g. one client that captures content).
    #[must_use]
    pub fn with_settings(mut self, settings: GenAiSettings) -> Self {
        self.endpoint = self.endpoint.with_settings(Arc::new(settings));
        self
    }

    /// `Converse`: one `chat {modelId}` span per call.
    pub fn converse(&self) -> TracedConverse {
        TracedConverse::new(self.clone(), self.tapped.converse())
    }

    /// `ConverseStream`: one `chat {modelId}` span that stays open until the
    /// event stream ends or is dropped.
    pub fn converse_stream(&self) -> TracedConverseStream {
        TracedConverseStream::new(self.clone(), self.tapped.converse_stream())
    }

    /// `InvokeModel`: the body is decoded per model family
    /// (Anthropic, Amazon Nova / Titan, Meta Llama, Mistral, Cohere).
    pub fn invoke_model(&self) -> TracedInvokeModel {
        TracedInvokeModel::new(self.clone(), self.tapped.invoke_model())
    }

    /// `InvokeModelWithResponseStream`: chunks are decoded per model family;
    /// the span stays open until the stream ends or is dropped.
    pub fn invoke_model_with_response_stream(&self) -> TracedInvokeModelWithResponseStream {
        TracedInvokeModelWithResponseStream::new(
            self.clone(),
            self.tapped.invoke_model_with_response_stream(),
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

    /// Where this client's calls go.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The wire tap of this client's traced calls.
    pub(crate) fn tap(&self) -> &WireTap {
        &self.tap
    }
}

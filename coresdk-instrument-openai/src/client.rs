//! [`TracedClient`]: the instrumented wrapper around `async_openai::Client`.

use std::fmt;
use std::sync::Arc;

use async_openai::Client;
use async_openai::config::Config;
use coresdk::genai::{GenAiSettings, GenAiSpan, Operation, Provider};

use crate::chat::TracedChat;
use crate::embeddings::TracedEmbeddings;

/// Wraps `client` so its chat and embeddings calls are traced.
///
/// The call shapes stay the same: `traced.chat().create(req)`,
/// `traced.chat().create_stream(req)`, `traced.embeddings().create(req)`;
/// [`TracedClient::inner`] reaches the untraced client.
pub fn instrument<C: Config>(client: Client<C>) -> TracedClient<C> {
    TracedClient::new(client)
}

/// An `async_openai::Client` whose calls become GenAI spans.
#[derive(Clone)]
pub struct TracedClient<C: Config> {
    inner: Client<C>,
    /// Shared with every call's span (recorded without a copy).
    server: Option<(Arc<str>, Option<u16>)>,
    settings: Option<Arc<GenAiSettings>>,
}

impl<C: Config> fmt::Debug for TracedClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedClient")
            .field("server", &self.server)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<C: Config> TracedClient<C> {
    /// Wraps `client`; the server address comes from its API base.
    pub fn new(client: Client<C>) -> Self {
        let server = url::Url::parse(client.config().api_base())
            .ok()
            .and_then(|url| {
                let host = Arc::<str>::from(url.host_str()?);
                Some((host, url.port_or_known_default()))
            });
        Self {
            inner: client,
            server,
            settings: None,
        }
    }

    /// Uses these settings instead of the process-wide
    /// [`coresdk::genai::settings`] (e.g. one client that captures content).
    #[must_use]
    pub fn with_settings(mut self, settings: GenAiSettings) -> Self {
        self.settings = Some(Arc::new(settings));
        self
    }

    /// The chat completions API.
    pub fn chat(&self) -> TracedChat<'_, C> {
        TracedChat::new(self)
    }

    /// The embeddings API.
    pub fn embeddings(&self) -> TracedEmbeddings<'_, C> {
        TracedEmbeddings::new(self)
    }

    /// The wrapped client (calls through it are not traced).
    pub fn inner(&self) -> &Client<C> {
        &self.inner
    }

    /// Unwraps the client.
    pub fn into_inner(self) -> Client<C> {
        self.inner
    }

    /// Starts a span for one call, with the server address recorded.
    pub(crate) fn start_span(&self, operation: Operation, model: &str) -> GenAiSpan {
        // The process-wide settings are only read when the span is recorded.
        let mut span = match &self.settings {
            Some(settings) => {
                GenAiSpan::start_with_settings(Provider::OPENAI, operation, model, settings.clone())
            }
            None => GenAiSpan::start(Provider::OPENAI, operation, model),
        };
        if let Some((host, port)) = &self.server {
            span.set_server_address(Arc::clone(host), *port);
        }
        span
    }
}

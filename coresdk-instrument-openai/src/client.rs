//! [`TracedClient`]: the instrumented wrapper around `async_openai::Client`.

use std::fmt;
use std::sync::Arc;

use async_openai::Client;
use async_openai::config::Config;
use coresdk::genai::{Endpoint, GenAiSettings, Provider, Server};

use crate::chat::TracedChat;
use crate::embeddings::TracedEmbeddings;
use crate::responses::TracedResponses;

/// Wraps `client` so its calls are traced.
///
/// The call shapes stay the same: `traced.chat().create(req)`,
/// `traced.chat().create_stream(req)`, `traced.responses().create(req)`,
/// `traced.embeddings().create(req)`, `traced.files().create(req)`, ...;
/// [`TracedClient::inner`] reaches the untraced client.
pub fn instrument<C: Config>(client: Client<C>) -> TracedClient<C> {
    TracedClient::new(client)
}

/// An `async_openai::Client` whose calls become GenAI spans.
#[derive(Clone)]
pub struct TracedClient<C: Config> {
    inner: Client<C>,
    /// Provider, server and settings of every call.
    endpoint: Endpoint,
}

impl<C: Config> fmt::Debug for TracedClient<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedClient")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl<C: Config> TracedClient<C> {
    /// Wraps `client`; the server address comes from its API base.
    pub fn new(client: Client<C>) -> Self {
        let server = url::Url::parse(client.config().api_base())
            .ok()
            .and_then(|url| Some(Server::new(url.host_str()?, url.port_or_known_default())));
        let endpoint = Endpoint::new(Provider::OPENAI);
        let endpoint = match server {
            Some(server) => endpoint.with_server(server),
            None => endpoint,
        };
        Self {
            inner: client,
            endpoint,
        }
    }

    /// Uses these settings instead of the process-wide
    /// [`coresdk::genai::settings`] (e.g. one client that captures content).
    #[must_use]
    pub fn with_settings(mut self, settings: GenAiSettings) -> Self {
        self.endpoint = self.endpoint.with_settings(Arc::new(settings));
        self
    }

    /// The chat completions API.
    pub fn chat(&self) -> TracedChat<'_, C> {
        TracedChat { client: self }
    }

    /// The Responses API.
    pub fn responses(&self) -> TracedResponses<'_, C> {
        TracedResponses { client: self }
    }

    /// The embeddings API.
    pub fn embeddings(&self) -> TracedEmbeddings<'_, C> {
        TracedEmbeddings { client: self }
    }

    /// The wrapped client (calls through it are not traced).
    pub fn inner(&self) -> &Client<C> {
        &self.inner
    }

    /// Unwraps the client.
    pub fn into_inner(self) -> Client<C> {
        self.inner
    }

    /// Where this client's calls go.
    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }
}

/// Declares a traced API group: a view of the [`TracedClient`] whose
/// methods are the API's traced calls.
macro_rules! api_group {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<'c, C: async_openai::config::Config> {
            pub(crate) client: &'c $crate::client::TracedClient<C>,
        }

        impl<C: async_openai::config::Config> std::fmt::Debug for $name<'_, C> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use api_group;

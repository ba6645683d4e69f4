//! [`traced_builder!`]: the shape every traced request builder shares.

/// Declares a traced request builder: the SDK's fluent builder with the
/// traced client, its `Debug` (the model id), `new`, `as_input` and
/// `map_inner`. The operation's file adds the setters and `send`.
macro_rules! traced_builder {
    ($(#[$meta:meta])* $name:ident($fluent:ty, $input:ty)) => {
        $(#[$meta])*
        #[must_use = "the request is sent only by `send`"]
        pub struct $name {
            client: $crate::client::TracedClient,
            inner: $fluent,
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("model_id", self.inner.get_model_id())
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            pub(crate) fn new(client: $crate::client::TracedClient, inner: $fluent) -> Self {
                Self { client, inner }
            }

            /// The request as built so far.
            pub fn as_input(&self) -> &$input {
                self.inner.as_input()
            }

            /// Applies `f` to the wrapped SDK builder (for anything not delegated here).
            pub fn map_inner(mut self, f: impl FnOnce($fluent) -> $fluent) -> Self {
                self.inner = f(self.inner);
                self
            }
        }
    };
}

/// Starts the call of a `Converse` or `ConverseStream` input builder (two
/// types with the same getters). Converse responses name no model: like
/// llm-tracekit, the requested model id is the response model. The call
/// watches the wire (status, server).
macro_rules! start_converse {
    ($client:expr, $input:expr, stream: $stream:expr) => {{
        let input = $input;
        let model = input.get_model_id().as_deref().unwrap_or_default();
        $client
            .endpoint()
            .start(coresdk::genai::Operation::Chat, model, |capture| {
                let parts = $crate::convert::ConverseParts {
                    model,
                    system: input.get_system().as_deref(),
                    messages: input.get_messages().as_deref(),
                    inference: input.get_inference_config().as_ref(),
                    tool_config: input.get_tool_config().as_ref(),
                    additional_fields: input.get_additional_model_request_fields().as_ref(),
                    guardrail: input.get_guardrail_config().as_ref().map(|g| {
                        (
                            g.guardrail_identifier.as_str(),
                            g.guardrail_version.as_str(),
                        )
                    }),
                    stream: $stream,
                };
                $crate::convert::converse_request(&parts, capture)
            })
            .with_request_model_as_response_model()
            .watch_wire()
    }};
}

pub(crate) use {start_converse, traced_builder};

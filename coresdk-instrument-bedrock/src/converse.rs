//! [`TracedConverse`]: a traced `Converse` call with the SDK's fluent API.

use std::collections::HashMap;

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::builders::{
    ConverseFluentBuilder, ConverseInputBuilder,
};
use aws_sdk_bedrockruntime::operation::converse::{ConverseError, ConverseOutput};
use aws_sdk_bedrockruntime::types::{
    GuardrailConfiguration, InferenceConfiguration, Message, OutputConfig,
    PerformanceConfiguration, PromptVariableValues, ServiceTier, SystemContentBlock,
    ToolConfiguration,
};
use aws_smithy_types::Document;
use coresdk::genai::{Operation, Response};

use crate::client::TracedClient;
use crate::convert::{self, ConverseParts};
use crate::setters::converse_setters;

/// A `Converse` request being built; [`send`](Self::send) runs it inside a
/// `chat {modelId}` span. From [`TracedClient::converse`].
#[must_use = "the request is sent only by `send`"]
pub struct TracedConverse {
    client: TracedClient,
    inner: ConverseFluentBuilder,
}

impl std::fmt::Debug for TracedConverse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedConverse")
            .field("model_id", self.inner.get_model_id())
            .finish_non_exhaustive()
    }
}

impl TracedConverse {
    pub(crate) fn new(client: TracedClient, inner: ConverseFluentBuilder) -> Self {
        Self { client, inner }
    }

    /// The request as built so far.
    pub fn as_input(&self) -> &ConverseInputBuilder {
        self.inner.as_input()
    }

    /// Applies `f` to the wrapped SDK builder (for anything not delegated here).
    pub fn map_inner(
        mut self,
        f: impl FnOnce(ConverseFluentBuilder) -> ConverseFluentBuilder,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }

    converse_setters!(
        "operation::converse::builders::ConverseFluentBuilder",
        GuardrailConfiguration
    );

    /// Sends the request. The span covers the whole call (the SDK's retries
    /// included) and ends when this returns; dropping the future before that
    /// ends it with `coresdk.cancelled = true`.
    pub async fn send(self) -> Result<ConverseOutput, SdkError<ConverseError, HttpResponse>> {
        let Self { client, inner } = self;
        let input = inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let call = client.endpoint().start(Operation::Chat, model, |capture| {
            let guardrail = input.get_guardrail_config().as_ref().map(|g| {
                (
                    g.guardrail_identifier.as_str(),
                    g.guardrail_version.as_str(),
                )
            });
            convert::converse_request(
                &ConverseParts {
                    model,
                    system: input.get_system().as_deref(),
                    messages: input.get_messages().as_deref(),
                    inference: input.get_inference_config().as_ref(),
                    tool_config: input.get_tool_config().as_ref(),
                    additional_fields: input.get_additional_model_request_fields().as_ref(),
                    guardrail,
                    stream: false,
                },
                capture,
            )
        });
        call.run(inner.send(), |result, capture| {
            let (mut outcome, _) = client.tap().outcome(result);
            if let Ok(output) = result {
                outcome.response = Response::Chat(convert::chat_response(output, capture));
            }
            outcome
        })
        .await
    }
}

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
use coresdk::genai::attributes::{AWS_BEDROCK_GUARDRAIL_ID, AWS_BEDROCK_GUARDRAIL_VERSION};
use coresdk::genai::{GenAiSpan, Operation};

use crate::client::TracedClient;
use crate::convert::{self, ConverseParts};
use crate::error::call_error;
use crate::in_span::in_span;
use crate::setters::delegate_setters;
use crate::wire::{WireFacts, WireTap};

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

    delegate_setters! {
        "operation::converse::builders::ConverseFluentBuilder";
        model_id(input: impl Into<String>);
        set_model_id(input: Option<String>);
        messages(input: Message);
        set_messages(input: Option<Vec<Message>>);
        system(input: SystemContentBlock);
        set_system(input: Option<Vec<SystemContentBlock>>);
        inference_config(input: InferenceConfiguration);
        set_inference_config(input: Option<InferenceConfiguration>);
        tool_config(input: ToolConfiguration);
        set_tool_config(input: Option<ToolConfiguration>);
        guardrail_config(input: GuardrailConfiguration);
        set_guardrail_config(input: Option<GuardrailConfiguration>);
        additional_model_request_fields(input: Document);
        set_additional_model_request_fields(input: Option<Document>);
        prompt_variables(k: impl Into<String>, v: PromptVariableValues);
        set_prompt_variables(input: Option<HashMap<String, PromptVariableValues>>);
        additional_model_response_field_paths(input: impl Into<String>);
        set_additional_model_response_field_paths(input: Option<Vec<String>>);
        request_metadata(k: impl Into<String>, v: impl Into<String>);
        set_request_metadata(input: Option<HashMap<String, String>>);
        performance_config(input: PerformanceConfiguration);
        set_performance_config(input: Option<PerformanceConfiguration>);
        service_tier(input: ServiceTier);
        set_service_tier(input: Option<ServiceTier>);
        output_config(input: OutputConfig);
        set_output_config(input: Option<OutputConfig>);
    }

    /// Sends the request. The span covers the whole call (the SDK's retries
    /// included) and ends when this returns; dropping the future before that
    /// ends it with `coresdk.cancelled = true`.
    pub async fn send(self) -> Result<ConverseOutput, SdkError<ConverseError, HttpResponse>> {
        let input = self.inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let mut span = self.client.start_span(Operation::Chat, model);
        if !span.is_recording() {
            return self.inner.send().await;
        }
        let capture = span.captures_content();
        span.record_chat_request(&convert::chat_request(
            &ConverseParts {
                model,
                system: input.get_system().as_deref(),
                messages: input.get_messages().as_deref(),
                inference: input.get_inference_config().as_ref(),
                tool_config: input.get_tool_config().as_ref(),
                additional_fields: input.get_additional_model_request_fields().as_ref(),
                stream: false,
            },
            capture,
        ));
        if let Some(guardrail) = input.get_guardrail_config() {
            record_guardrail(
                &mut span,
                &guardrail.guardrail_identifier,
                &guardrail.guardrail_version,
            );
        }
        // The wire tap is a per-call interceptor, which costs the SDK a config
        // override per call. Converse needs it only for the server address
        // (the request id comes with the output or the error, the status with
        // the error, and success is the modeled 200): once a call has shown
        // the server, calls go without it.
        let (result, mut facts) = if let Some((host, port)) = self.client.known_server() {
            let result = in_span(span.span(), self.inner.send()).await;
            let facts = WireFacts::of_result(host, *port, &result);
            (result, facts)
        } else {
            let tap = WireTap::default();
            let result = in_span(
                span.span(),
                self.inner.customize().interceptor(tap.clone()).send(),
            )
            .await;
            let facts = tap.facts();
            if let Some(host) = &facts.host {
                self.client.remember_server(host, facts.port);
            }
            (result, facts)
        };
        match &result {
            Ok(output) => {
                facts.record(&mut span, None);
                span.record_chat_response(&convert::chat_response(output, capture));
            }
            Err(error) => {
                let error = call_error(error, |raw| Some(raw.status().as_u16()));
                facts.record(&mut span, Some(&error));
                span.record_error(&error);
            }
        }
        span.end();
        result
    }
}

/// `aws.bedrock.guardrail.id` / `.version`, when a guardrail is configured.
pub(crate) fn record_guardrail(span: &mut GenAiSpan, id: &str, version: &str) {
    if !id.is_empty() {
        span.set_attribute(AWS_BEDROCK_GUARDRAIL_ID, id.to_owned());
    }
    if !version.is_empty() {
        span.set_attribute(AWS_BEDROCK_GUARDRAIL_VERSION, version.to_owned());
    }
}

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

use crate::builder::{converse_summary, traced_builder};
use crate::convert;
use crate::setters::converse_setters;

traced_builder! {
    /// A `Converse` request being built; [`send`](Self::send) runs it inside a
    /// `chat {modelId}` span. From [`TracedClient::converse`](crate::TracedClient::converse).
    TracedConverse(ConverseFluentBuilder, ConverseInputBuilder)
}

impl TracedConverse {
    converse_setters!(
        "operation::converse::builders::ConverseFluentBuilder",
        GuardrailConfiguration
    );

    /// Sends the request. The span starts here and covers the whole call
    /// (the SDK's retries included); it ends when the returned future
    /// completes, or, dropped before that, with `coresdk.cancelled = true`.
    ///
    /// Not an `async fn`: an `async fn` keeps its arguments (this builder,
    /// the whole request) in its future beside the SDK's own, and futures
    /// are copied whole each time they move.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<ConverseOutput, SdkError<ConverseError, HttpResponse>>> + Send
    {
        let Self { client, inner } = self;
        let input = inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        // Converse responses name no model: like llm-tracekit, the
        // requested model id is the response model.
        let call = client
            .endpoint()
            .start(
                Operation::Chat,
                model,
                |capture| converse_summary!(input, model, capture, stream: false),
            )
            .with_request_model_as_response_model();
        call.watch_wire().run(inner.send(), move |result, capture| {
            let mut outcome = client.tap().outcome(result);
            if let Ok(output) = result {
                outcome.response = Response::Chat(convert::chat_response(output, capture));
            }
            outcome
        })
    }
}

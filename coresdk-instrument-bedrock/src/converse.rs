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

    /// Sends the request. The span covers the whole call (the SDK's retries
    /// included) and ends when this returns; dropping the future before that
    /// ends it with `coresdk.cancelled = true`.
    pub async fn send(self) -> Result<ConverseOutput, SdkError<ConverseError, HttpResponse>> {
        let Self { client, inner } = self;
        let input = inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let call = client.endpoint().start(
            Operation::Chat,
            model,
            |capture| converse_summary!(input, model, capture, stream: false),
        );
        call.watch_wire()
            .run(inner.send(), |result, capture| {
                let mut outcome = client.tap().outcome(result);
                if let Ok(output) = result {
                    outcome.response = Response::Chat(convert::chat_response(output, capture));
                }
                outcome
            })
            .await
    }
}

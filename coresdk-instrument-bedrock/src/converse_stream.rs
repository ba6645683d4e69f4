//! [`TracedConverseStream`]: a traced `ConverseStream` call; its events are
//! read through [`ConverseEventStream`], which owns the span.

use std::collections::HashMap;

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::converse_stream::builders::{
    ConverseStreamFluentBuilder, ConverseStreamInputBuilder,
};
use aws_sdk_bedrockruntime::operation::converse_stream::{
    ConverseStreamError, ConverseStreamOutput as SdkConverseStreamOutput,
};
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_sdk_bedrockruntime::types::error::ConverseStreamOutputError;
use aws_sdk_bedrockruntime::types::{
    ContentBlockDelta, ContentBlockStart, ConverseStreamOutput, GuardrailStreamConfiguration,
    InferenceConfiguration, Message, OutputConfig, PerformanceConfiguration, PromptVariableValues,
    ServiceTier, StopReason, SystemContentBlock, TokenUsage, ToolConfiguration,
};
use aws_smithy_types::Document;
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::{
    CallError, ChatResponse, Completion, ContentPart, GenAiSpan, Message as GenAiMessage,
    Operation, Role, ToolCall,
};

use crate::client::TracedClient;
use crate::converse::record_guardrail;
use crate::convert::{self, ConverseParts};
use crate::error::{aws_error, call_error};
use crate::in_span::in_span;
use crate::setters::delegate_setters;
use crate::wire::WireTap;

/// A `ConverseStream` request being built; [`send`](Self::send) opens a
/// `chat {modelId}` span that the returned event stream carries until it ends.
#[must_use = "the request is sent only by `send`"]
pub struct TracedConverseStream {
    client: TracedClient,
    inner: ConverseStreamFluentBuilder,
}

impl std::fmt::Debug for TracedConverseStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedConverseStream")
            .field("model_id", self.inner.get_model_id())
            .finish_non_exhaustive()
    }
}

impl TracedConverseStream {
    pub(crate) fn new(client: TracedClient, inner: ConverseStreamFluentBuilder) -> Self {
        Self { client, inner }
    }

    /// The request as built so far.
    pub fn as_input(&self) -> &ConverseStreamInputBuilder {
        self.inner.as_input()
    }

    /// Applies `f` to the wrapped SDK builder (for anything not delegated here).
    pub fn map_inner(
        mut self,
        f: impl FnOnce(ConverseStreamFluentBuilder) -> ConverseStreamFluentBuilder,
    ) -> Self {
        self.inner = f(self.inner);
        self
    }

    delegate_setters! {
        "operation::converse_stream::builders::ConverseStreamFluentBuilder";
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
        guardrail_config(input: GuardrailStreamConfiguration);
        set_guardrail_config(input: Option<GuardrailStreamConfiguration>);
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

    /// Sends the request. On success the span stays open in the returned
    /// output's [`stream`](TracedConverseStreamOutput::stream) until the last
    /// event (or an error) is received; dropping the stream early ends the
    /// span with what arrived and `coresdk.cancelled = true`.
    pub async fn send(
        self,
    ) -> Result<TracedConverseStreamOutput, SdkError<ConverseStreamError, HttpResponse>> {
        let input = self.inner.as_input();
        let model = input.get_model_id().as_deref().unwrap_or_default();
        let mut span = self.client.start_span(Operation::Chat, model);
        if !span.is_recording() {
            let output = self.inner.send().await?;
            return Ok(TracedConverseStreamOutput::new(output, None));
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
                stream: true,
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
        let tap = WireTap::default();
        let result = in_span(
            span.span(),
            self.inner.customize().interceptor(tap.clone()).send(),
        )
        .await;
        let mut facts = tap.facts();
        match result {
            Ok(output) => {
                facts.record(&mut span, None);
                Ok(TracedConverseStreamOutput::new(output, Some(span)))
            }
            Err(error) => {
                let call = call_error(&error, |raw| Some(raw.status().as_u16()));
                facts.record(&mut span, Some(&call));
                span.record_error(&call);
                span.end();
                Err(error)
            }
        }
    }
}

/// The output of a traced `ConverseStream` call.
#[derive(Debug)]
#[non_exhaustive]
pub struct TracedConverseStreamOutput {
    /// The events, read with [`ConverseEventStream::recv`] as with the SDK's
    /// `EventReceiver`.
    pub stream: ConverseEventStream,
}

impl TracedConverseStreamOutput {
    fn new(output: SdkConverseStreamOutput, span: Option<GenAiSpan>) -> Self {
        Self {
            stream: ConverseEventStream::new(output.stream, span),
        }
    }
}

/// One content block being streamed.
#[derive(Debug)]
enum BlockAcc {
    Text(String),
    ToolUse {
        id: String,
        name: String,
        input: String,
    },
}

/// What the events said so far.
#[derive(Debug, Default)]
struct Accumulator {
    capture: bool,
    role: Option<Role>,
    blocks: Vec<(i32, BlockAcc)>,
    stop_reason: Option<StopReason>,
    usage: Option<TokenUsage>,
}

impl Accumulator {
    fn block(&mut self, index: i32, new: impl FnOnce() -> BlockAcc) -> &mut BlockAcc {
        let pos = if let Some(pos) = self.blocks.iter().position(|(i, _)| *i == index) {
            pos
        } else {
            self.blocks.push((index, new()));
            self.blocks.len() - 1
        };
        &mut self.blocks[pos].1
    }

    /// Folds one event in; returns whether it carried generated content.
    fn add(&mut self, event: &ConverseStreamOutput) -> bool {
        match event {
            ConverseStreamOutput::MessageStart(start) => {
                self.role = Some(match start.role.as_str() {
                    "assistant" => Role::Assistant,
                    "user" => Role::User,
                    other => Role::Other(other.to_owned()),
                });
                false
            }
            ConverseStreamOutput::ContentBlockStart(start) => {
                if let Some(ContentBlockStart::ToolUse(tool)) = &start.start {
                    let (id, name) = (tool.tool_use_id.clone(), tool.name.clone());
                    *self.block(start.content_block_index, || BlockAcc::Text(String::new())) =
                        BlockAcc::ToolUse {
                            id,
                            name,
                            input: String::new(),
                        };
                    return true;
                }
                false
            }
            ConverseStreamOutput::ContentBlockDelta(delta) => {
                let capture = self.capture;
                match &delta.delta {
                    Some(ContentBlockDelta::Text(text)) => {
                        if let BlockAcc::Text(acc) =
                            self.block(delta.content_block_index, || BlockAcc::Text(String::new()))
                            && capture
                        {
                            acc.push_str(text);
                        }
                        true
                    }
                    Some(ContentBlockDelta::ToolUse(tool)) => {
                        if let BlockAcc::ToolUse { input, .. } =
                            self.block(delta.content_block_index, || BlockAcc::ToolUse {
                                id: String::new(),
                                name: String::new(),
                                input: String::new(),
                            })
                            && capture
                        {
                            input.push_str(&tool.input);
                        }
                        true
                    }
                    Some(_) => true,
                    None => false,
                }
            }
            ConverseStreamOutput::MessageStop(stop) => {
                self.stop_reason = Some(stop.stop_reason.clone());
                false
            }
            ConverseStreamOutput::Metadata(metadata) => {
                if let Some(usage) = &metadata.usage {
                    self.usage = Some(usage.clone());
                }
                false
            }
            _ => false,
        }
    }

    fn into_response(mut self) -> ChatResponse {
        self.blocks.sort_by_key(|(i, _)| *i);
        let mut message = GenAiMessage::new(self.role.unwrap_or(Role::Assistant));
        for (_, block) in self.blocks {
            match block {
                BlockAcc::Text(text) => message.content.push(ContentPart::Text(text)),
                BlockAcc::ToolUse { id, name, input } => {
                    message
                        .tool_calls
                        .push(ToolCall::function(Some(id), name, input));
                }
            }
        }
        let completions = if message.content.is_empty()
            && message.tool_calls.is_empty()
            && self.stop_reason.is_none()
        {
            Vec::new()
        } else {
            vec![Completion {
                message,
                finish_reason: self.stop_reason.as_ref().map(convert::finish_reason),
            }]
        };
        ChatResponse {
            id: None,
            model: None,
            completions,
            usage: self.usage.as_ref().map(convert::usage).unwrap_or_default(),
        }
    }
}

/// The event stream of a traced `ConverseStream` call; its span ends with it.
///
/// [`recv`](Self::recv) yields exactly what the SDK's `EventReceiver` yields.
/// When the stream ends the span gets the accumulated completion, stop reason,
/// usage and time to first token; on an in-stream exception it gets the
/// error; dropped before the end it records what arrived and
/// `coresdk.cancelled = true`.
pub struct ConverseEventStream {
    inner: EventReceiver<ConverseStreamOutput, ConverseStreamOutputError>,
    span: Option<GenAiSpan>,
    acc: Accumulator,
}

impl std::fmt::Debug for ConverseEventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConverseEventStream")
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

impl ConverseEventStream {
    fn new(
        inner: EventReceiver<ConverseStreamOutput, ConverseStreamOutputError>,
        span: Option<GenAiSpan>,
    ) -> Self {
        let acc = Accumulator {
            capture: span.as_ref().is_some_and(GenAiSpan::captures_content),
            ..Accumulator::default()
        };
        Self { inner, span, acc }
    }

    /// Receives the next event; `Ok(None)` at the end of the stream.
    pub async fn recv(
        &mut self,
    ) -> Result<Option<ConverseStreamOutput>, SdkError<ConverseStreamOutputError, RawMessage>> {
        let result = self.inner.recv().await;
        let Some(span) = &mut self.span else {
            return result;
        };
        match &result {
            Ok(Some(event)) => {
                if self.acc.add(event) && !span.first_token_seen() {
                    span.record_first_token();
                }
            }
            Ok(None) => self.finish(None),
            Err(error) => self.finish(Some(stream_error(error))),
        }
        result
    }

    fn finish(&mut self, error: Option<CallError>) {
        if let Some(mut span) = self.span.take() {
            let acc = std::mem::take(&mut self.acc);
            span.record_chat_response(&acc.into_response());
            if let Some(error) = error {
                span.record_error(&error);
            }
            span.end();
        }
    }
}

impl Drop for ConverseEventStream {
    fn drop(&mut self) {
        if let Some(mut span) = self.span.take() {
            let acc = std::mem::take(&mut self.acc);
            span.record_chat_response(&acc.into_response());
            // Dropped without `end`: recorded as cancelled.
            drop(span);
        }
    }
}

/// An in-stream error: exception frames carry no code in their payload, so
/// the modeled variant names it.
fn stream_error(error: &SdkError<ConverseStreamOutputError, RawMessage>) -> CallError {
    if let SdkError::ServiceError(service) = error {
        let err = service.err();
        let code = err.code().unwrap_or(match err {
            ConverseStreamOutputError::InternalServerException(_) => "InternalServerException",
            ConverseStreamOutputError::ModelStreamErrorException(_) => "ModelStreamErrorException",
            ConverseStreamOutputError::ValidationException(_) => "ValidationException",
            ConverseStreamOutputError::ThrottlingException(_) => "ThrottlingException",
            ConverseStreamOutputError::ServiceUnavailableException(_) => {
                "ServiceUnavailableException"
            }
            _ => "",
        });
        return aws_error(code, err.message().unwrap_or(code), None);
    }
    call_error(error, |_| None)
}

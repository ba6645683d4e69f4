//! [`TracedChatStream`]: a chat stream that owns its span and accumulates the
//! deltas into completions.

use std::pin::Pin;
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionResponseStream, CompletionUsage, CreateChatCompletionStreamResponse,
    FunctionType, ServiceTier,
};
use coresdk::genai::{
    ChatResponse, Completion, ContentPart, FinishReason, GenAiSpan, Message, Role, ToolCall,
};
use futures_util::Stream;

use crate::convert;
use crate::error::call_error;

#[derive(Default)]
struct ToolAcc {
    index: u32,
    id: Option<String>,
    kind: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Default)]
struct ChoiceAcc {
    index: u32,
    role: Option<Role>,
    content: String,
    refusal: String,
    tool_calls: Vec<ToolAcc>,
    finish_reason: Option<FinishReason>,
}

/// What the chunks said so far.
#[derive(Default)]
struct Accumulator {
    capture: bool,
    id: Option<String>,
    model: Option<String>,
    fingerprint: Option<String>,
    service_tier: Option<ServiceTier>,
    choices: Vec<ChoiceAcc>,
    usage: Option<CompletionUsage>,
}

impl Accumulator {
    /// Folds one chunk in; returns whether it carried the first token.
    #[allow(deprecated)] // `system_fingerprint`
    fn add(&mut self, chunk: &CreateChatCompletionStreamResponse) -> bool {
        if self.id.is_none() {
            self.id = Some(chunk.id.clone());
            self.model = Some(chunk.model.clone());
            self.fingerprint.clone_from(&chunk.system_fingerprint);
            self.service_tier.clone_from(&chunk.service_tier);
        }
        if let Some(usage) = &chunk.usage {
            self.usage = Some(usage.clone());
        }
        let mut token = false;
        for choice in &chunk.choices {
            let pos = if let Some(pos) = self.choices.iter().position(|c| c.index == choice.index) {
                pos
            } else {
                self.choices.push(ChoiceAcc {
                    index: choice.index,
                    ..ChoiceAcc::default()
                });
                self.choices.len() - 1
            };
            let acc = &mut self.choices[pos];
            let delta = &choice.delta;
            if let Some(role) = delta.role {
                acc.role = Some(convert::role(role));
            }
            if let Some(content) = &delta.content
                && !content.is_empty()
            {
                token = true;
                if self.capture {
                    acc.content.push_str(content);
                }
            }
            if let Some(refusal) = &delta.refusal
                && !refusal.is_empty()
            {
                token = true;
                if self.capture {
                    acc.refusal.push_str(refusal);
                }
            }
            for call in delta.tool_calls.iter().flatten() {
                token = true;
                let pos =
                    if let Some(pos) = acc.tool_calls.iter().position(|t| t.index == call.index) {
                        pos
                    } else {
                        acc.tool_calls.push(ToolAcc {
                            index: call.index,
                            ..ToolAcc::default()
                        });
                        acc.tool_calls.len() - 1
                    };
                let tool = &mut acc.tool_calls[pos];
                if let Some(id) = &call.id {
                    tool.id = Some(id.clone());
                }
                if let Some(FunctionType::Function) = call.r#type
                    && tool.kind.is_none()
                {
                    tool.kind = Some("function".to_owned());
                }
                if let Some(function) = &call.function {
                    if let Some(name) = &function.name {
                        tool.name.push_str(name);
                    }
                    if self.capture
                        && let Some(arguments) = &function.arguments
                    {
                        tool.arguments.push_str(arguments);
                    }
                }
            }
            if let Some(reason) = choice.finish_reason {
                acc.finish_reason = Some(convert::finish_reason(reason));
            }
        }
        token
    }

    fn into_response(mut self) -> ChatResponse {
        self.choices.sort_by_key(|c| c.index);
        let capture = self.capture;
        ChatResponse {
            id: self.id,
            model: self.model,
            completions: self
                .choices
                .into_iter()
                .map(|c| {
                    let mut message = Message::new(c.role.unwrap_or(Role::Assistant));
                    if !c.content.is_empty() || (!capture && c.tool_calls.is_empty()) {
                        message.content.push(ContentPart::Text(c.content));
                    }
                    if !c.refusal.is_empty() {
                        message.content.push(ContentPart::Refusal(c.refusal));
                    }
                    message.tool_calls = c
                        .tool_calls
                        .into_iter()
                        .map(|t| ToolCall {
                            id: t.id,
                            kind: t.kind.unwrap_or_else(|| "function".to_owned()),
                            name: t.name,
                            arguments: t.arguments,
                        })
                        .collect();
                    Completion {
                        message,
                        finish_reason: c.finish_reason,
                    }
                })
                .collect(),
            usage: self.usage.as_ref().map(convert::usage).unwrap_or_default(),
        }
    }
}

/// A chat completion stream whose span ends with the stream.
///
/// Yields exactly what `async_openai`'s stream yields. When it ends, the span
/// gets the accumulated completions, finish reasons, usage (if the server sent
/// it) and time to first token; dropped before the end, the span records what
/// arrived and `coresdk.cancelled = true`.
#[must_use = "streams do nothing unless polled"]
pub struct TracedChatStream {
    inner: ChatCompletionResponseStream,
    span: Option<GenAiSpan>,
    acc: Accumulator,
}

impl std::fmt::Debug for TracedChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracedChatStream")
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

impl TracedChatStream {
    pub(crate) fn new(inner: ChatCompletionResponseStream, span: GenAiSpan) -> Self {
        let acc = Accumulator {
            capture: span.captures_content(),
            ..Accumulator::default()
        };
        let span = span.is_recording().then_some(span);
        Self { inner, span, acc }
    }

    fn record_outcome(&mut self, span: &mut GenAiSpan) {
        let acc = std::mem::take(&mut self.acc);
        convert::record_response_extras(span, acc.fingerprint.as_ref(), acc.service_tier.as_ref());
        span.record_chat_response(&acc.into_response());
    }
}

impl Stream for TracedChatStream {
    type Item = Result<CreateChatCompletionStreamResponse, OpenAIError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // Inspect the item in place and hand the poll result back as it is:
        // chunks are large, and every move of one is a copy.
        let poll = this.inner.as_mut().poll_next(cx);
        let Poll::Ready(item) = &poll else {
            return poll;
        };
        match item {
            Some(Ok(chunk)) => {
                if let Some(span) = &mut this.span
                    && this.acc.add(chunk)
                    && !span.first_token_seen()
                {
                    span.record_first_token();
                }
            }
            Some(Err(error)) => {
                if let Some(span) = &mut this.span {
                    span.record_error(&call_error(error));
                }
            }
            None => {
                if let Some(mut span) = this.span.take() {
                    this.record_outcome(&mut span);
                    span.end();
                }
            }
        }
        poll
    }
}

impl Drop for TracedChatStream {
    fn drop(&mut self) {
        if let Some(mut span) = self.span.take() {
            self.record_outcome(&mut span);
            // Dropped without `end`: recorded as cancelled.
            drop(span);
        }
    }
}

//! Streamed calls: a [`StreamCall`] carries the call's span while the caller
//! reads the stream, folds every event into one [`ChunkAccumulator`] through
//! the provider's [`StreamMapping`], marks the first token, and records the
//! accumulated response when the stream ends, fails or is dropped.
//! [`TracedStream`] is the provider's stream carrying its call.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;

use opentelemetry::KeyValue;

use super::call::{Outcome, Response, record_outcome};
use super::error::CallError;
use super::message::{
    ChatResponse, Completion, ContentPart, FinishReason, Message, Role, ToolCall,
};
use super::span::GenAiSpan;

/// How a provider's streamed text becomes message content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextLayout {
    /// Content blocks: every text block is one part (even when its text is
    /// not captured), and a choice with no block and no finish reason is no
    /// completion.
    Blocks,
    /// One content field per choice, as in the provider's unstreamed
    /// responses: a part when text arrived, or — content not captured — when
    /// the choice made no tool calls; every choice seen is a completion.
    SingleField,
}

/// Maps one provider's stream events into the [`ChunkAccumulator`].
pub trait StreamMapping: Send {
    /// The stream's event type.
    type Event: ?Sized;
    /// The error the stream yields instead of an event.
    type Error: ?Sized;
    /// Whether the stream's first error ends the call (else it goes on
    /// until the stream ends or is dropped).
    const ENDS_ON_ERROR: bool = false;

    /// Folds `event` into `acc`; returns whether it carried generated
    /// content (the first one that does marks the time to first token).
    fn event(&mut self, event: &Self::Event, acc: &mut ChunkAccumulator) -> bool;

    /// The failure an event itself reports (an error event), if any.
    fn event_error(&self, _event: &Self::Event) -> Option<CallError> {
        None
    }

    /// The failure a stream error describes.
    fn error(&self, error: &Self::Error) -> CallError;

    /// The stream ended (or was dropped): a last chance to settle what the
    /// events left open, such as token counts reported in several places.
    fn finish(&mut self, _acc: &mut ChunkAccumulator) {}
}

#[derive(Debug)]
enum Block {
    Text(String),
    Tool {
        id: Option<String>,
        name: String,
        arguments: String,
    },
}

#[derive(Debug, Default)]
struct Choice {
    index: u32,
    role: Option<Role>,
    /// `(block index, block)`: text and tool calls share one index space.
    blocks: Vec<(u64, Block)>,
    refusal: String,
    finish_reason: Option<FinishReason>,
    /// Seen in a [`ChunkAccumulator::open_choice`].
    opened: bool,
}

impl Choice {
    fn block(&mut self, index: u64, new: impl FnOnce() -> Block) -> &mut Block {
        // Streams append to the block they last touched: look there first.
        let pos = if self.blocks.last().is_some_and(|(i, _)| *i == index) {
            self.blocks.len() - 1
        } else if let Some(pos) = self.blocks.iter().position(|(i, _)| *i == index) {
            pos
        } else {
            self.blocks.push((index, new()));
            self.blocks.len() - 1
        };
        &mut self.blocks[pos].1
    }
}

/// What a stream's events said so far: choices of text and tool-call blocks,
/// finish reasons, usage, id and model. Content is kept only when captured.
pub struct ChunkAccumulator {
    capture: bool,
    layout: TextLayout,
    id: Option<String>,
    model: Option<String>,
    choices: Vec<Choice>,
    usage: super::message::Usage,
    attributes: Vec<KeyValue>,
}

impl fmt::Debug for ChunkAccumulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkAccumulator")
            .field("capture", &self.capture)
            .field("choices", &self.choices.len())
            .finish_non_exhaustive()
    }
}

impl ChunkAccumulator {
    fn new(capture: bool, layout: TextLayout) -> Self {
        Self {
            capture,
            layout,
            id: None,
            model: None,
            choices: Vec::new(),
            usage: super::message::Usage::default(),
            attributes: Vec::new(),
        }
    }

    /// Whether content is captured (when not, text and arguments are dropped).
    pub fn captures_content(&self) -> bool {
        self.capture
    }

    fn choice(&mut self, index: u32) -> &mut Choice {
        let pos = if self.choices.last().is_some_and(|c| c.index == index) {
            self.choices.len() - 1
        } else if let Some(pos) = self.choices.iter().position(|c| c.index == index) {
            pos
        } else {
            self.choices.push(Choice {
                index,
                ..Choice::default()
            });
            self.choices.len() - 1
        };
        &mut self.choices[pos]
    }

    /// The response id.
    pub fn set_id(&mut self, id: impl Into<String>) {
        self.id = Some(id.into());
    }

    /// Whether an id was set.
    pub fn has_id(&self) -> bool {
        self.id.is_some()
    }

    /// The model that answered.
    pub fn set_model(&mut self, model: impl Into<String>) {
        self.model = Some(model.into());
    }

    /// Token counts so far (replacing earlier ones).
    pub fn set_usage(&mut self, usage: super::message::Usage) {
        self.usage = usage;
    }

    /// A provider-specific response attribute (key from
    /// [`attributes`](super::attributes)).
    pub fn push_attribute(&mut self, kv: KeyValue) {
        self.attributes.push(kv);
    }

    /// Marks choice `index` as seen: with [`TextLayout::SingleField`] it is
    /// a completion even if nothing else arrives for it.
    pub fn open_choice(&mut self, index: u32) {
        self.choice(index).opened = true;
    }

    /// The role of choice `choice`.
    pub fn set_role(&mut self, choice: u32, role: Role) {
        self.choice(choice).role = Some(role);
    }

    /// Appends `text` to text block `block` of choice `choice`.
    pub fn text(&mut self, choice: u32, block: u64, text: &str) {
        let capture = self.capture;
        if let Block::Text(acc) = self
            .choice(choice)
            .block(block, || Block::Text(String::new()))
            && capture
        {
            acc.push_str(text);
        }
    }

    /// Appends refusal text to choice `choice`.
    pub fn refusal(&mut self, choice: u32, text: &str) {
        if self.capture {
            self.choice(choice).refusal.push_str(text);
        }
    }

    /// A tool call in block `block` of choice `choice` (a text block there
    /// becomes the call): sets its id, appends to its name.
    pub fn tool_call(&mut self, choice: u32, block: u64, id: Option<&str>, name: Option<&str>) {
        let slot = self
            .choice(choice)
            .block(block, || Block::Text(String::new()));
        if let Block::Text(_) = slot {
            *slot = Block::Tool {
                id: None,
                name: String::new(),
                arguments: String::new(),
            };
        }
        if let Block::Tool {
            id: acc_id,
            name: acc_name,
            ..
        } = slot
        {
            if let Some(id) = id {
                *acc_id = Some(id.to_owned());
            }
            if let Some(name) = name {
                acc_name.push_str(name);
            }
        }
    }

    /// Appends argument text to the tool call in block `block` of choice
    /// `choice` (ignored when that block is text).
    pub fn tool_arguments(&mut self, choice: u32, block: u64, arguments: &str) {
        let capture = self.capture;
        if let Block::Tool { arguments: acc, .. } =
            self.choice(choice).block(block, || Block::Tool {
                id: None,
                name: String::new(),
                arguments: String::new(),
            })
            && capture
        {
            acc.push_str(arguments);
        }
    }

    /// Why choice `choice` stopped.
    pub fn finish_reason(&mut self, choice: u32, reason: FinishReason) {
        self.choice(choice).finish_reason = Some(reason);
    }

    /// The response so far (what arrived, if the stream was cut short).
    fn take_response(&mut self) -> ChatResponse {
        let mut choices = std::mem::take(&mut self.choices);
        choices.sort_by_key(|c| c.index);
        let completions = choices
            .into_iter()
            .filter_map(|choice| self.completion(choice))
            .collect();
        ChatResponse {
            id: self.id.take(),
            model: self.model.take(),
            completions,
            usage: self.usage,
            conversation_id: None,
        }
    }

    fn completion(&self, mut choice: Choice) -> Option<Completion> {
        choice.blocks.sort_by_key(|(i, _)| *i);
        let mut message = Message::new(choice.role.unwrap_or(Role::Assistant));
        let mut texts = Vec::new();
        for (_, block) in choice.blocks {
            match block {
                Block::Text(text) => texts.push(text),
                Block::Tool {
                    id,
                    name,
                    arguments,
                } => message
                    .tool_calls
                    .push(ToolCall::function(id, name, arguments)),
            }
        }
        match self.layout {
            TextLayout::Blocks => {
                message
                    .content
                    .extend(texts.into_iter().map(ContentPart::Text));
            }
            TextLayout::SingleField => {
                let text: String = texts.concat();
                if !text.is_empty() || (!self.capture && message.tool_calls.is_empty()) {
                    message.content.push(ContentPart::Text(text));
                }
            }
        }
        if !choice.refusal.is_empty() {
            message.content.push(ContentPart::Refusal(choice.refusal));
        }
        let seen = match self.layout {
            TextLayout::Blocks => false,
            TextLayout::SingleField => choice.opened,
        };
        (seen
            || !message.content.is_empty()
            || !message.tool_calls.is_empty()
            || choice.finish_reason.is_some())
        .then_some(Completion {
            message,
            finish_reason: choice.finish_reason,
        })
    }
}

/// A streamed call: owns the span from the stream's opening to its end.
///
/// The provider's stream wrapper passes every event to [`event`](Self::event)
/// and then calls [`end`](Self::end) at the end of the stream or
/// [`fail`](Self::fail) on an in-stream error. Dropped before the end, the
/// call records what arrived and `coresdk.cancelled = true`.
pub struct StreamCall<M: StreamMapping> {
    span: Option<GenAiSpan>,
    acc: ChunkAccumulator,
    mapping: M,
}

impl<M: StreamMapping> fmt::Debug for StreamCall<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamCall")
            .field("span", &self.span)
            .field("acc", &self.acc)
            .finish_non_exhaustive()
    }
}

impl<M: StreamMapping> StreamCall<M> {
    pub(crate) fn new(span: GenAiSpan, layout: TextLayout, mapping: M) -> Self {
        let acc = ChunkAccumulator::new(span.captures_content(), layout);
        Self {
            span: span.is_recording().then_some(span),
            acc,
            mapping,
        }
    }

    /// Whether the call is recorded (when not, events are not looked at).
    pub fn is_recording(&self) -> bool {
        self.span.is_some()
    }

    /// Folds one event in.
    #[inline]
    pub fn event(&mut self, event: &M::Event) {
        if let Some(span) = &mut self.span
            && self.mapping.event(event, &mut self.acc)
            && !span.first_token_seen()
        {
            span.record_first_token();
        }
    }

    /// Records an in-stream failure; the call goes on until
    /// [`end`](Self::end) or drop.
    pub fn fail(&mut self, error: &CallError) {
        if let Some(span) = &mut self.span {
            span.record_error(error);
        }
    }

    /// What one read of the stream gave: an event (folded in; a failure it
    /// reports is recorded), an error (recorded; it ends the call if the
    /// mapping says so) or, `None`, the end of the stream.
    #[inline]
    pub fn item(&mut self, item: Option<Result<&M::Event, &M::Error>>) {
        match item {
            Some(Ok(event)) => {
                self.event(event);
                if self.span.is_some()
                    && let Some(error) = self.mapping.event_error(event)
                {
                    self.fail(&error);
                }
            }
            Some(Err(error)) => {
                if self.span.is_some() {
                    self.fail(&self.mapping.error(error));
                }
                if M::ENDS_ON_ERROR {
                    self.end();
                }
            }
            None => self.end(),
        }
    }

    /// The stream ended: records the accumulated response and ends the call.
    pub fn end(&mut self) {
        if let Some(mut span) = self.span.take() {
            self.record(&mut span);
            span.end();
        }
    }
}

impl<M: StreamMapping> StreamCall<M> {
    fn record(&mut self, span: &mut GenAiSpan) {
        self.mapping.finish(&mut self.acc);
        let outcome = Outcome {
            response: Response::Chat(self.acc.take_response()),
            attributes: std::mem::take(&mut self.acc.attributes),
            ..Outcome::default()
        };
        record_outcome(span, outcome);
    }
}

impl<M: StreamMapping> Drop for StreamCall<M> {
    fn drop(&mut self) {
        if let Some(mut span) = self.span.take() {
            self.record(&mut span);
            // Dropped without `end`: recorded as cancelled.
            drop(span);
        }
    }
}

/// A provider's stream of `Result<event, error>` carrying its call; it
/// yields exactly what the provider's stream yields. When the stream ends,
/// the span gets the accumulated response and the time to first token;
/// dropped before the end, it records what arrived and
/// `coresdk.cancelled = true`.
#[must_use = "streams do nothing unless polled"]
pub struct TracedStream<S, M: StreamMapping> {
    inner: S,
    call: StreamCall<M>,
}

impl<S, M: StreamMapping> TracedStream<S, M> {
    /// `inner`, whose items `call` folds in.
    pub fn new(inner: S, call: StreamCall<M>) -> Self {
        Self { inner, call }
    }
}

impl<S, M: StreamMapping> fmt::Debug for TracedStream<S, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TracedStream")
            .field("call", &self.call)
            .finish_non_exhaustive()
    }
}

impl<S, M, T, E> Stream for TracedStream<S, M>
where
    S: Stream<Item = Result<T, E>> + Unpin,
    M: StreamMapping<Event = T, Error = E> + Unpin,
{
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        // Inspect the item in place and hand the poll result back as it is:
        // events are large, and every move of one is a copy.
        let poll = Pin::new(&mut this.inner).poll_next(cx);
        if let Poll::Ready(item) = &poll {
            this.call.item(item.as_ref().map(Result::as_ref));
        }
        poll
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(completion: &Completion) -> Vec<&ContentPart> {
        completion.message.content.iter().collect()
    }

    #[test]
    fn blocks_keep_one_part_per_text_block_and_skip_empty_choices() {
        let mut acc = ChunkAccumulator::new(true, TextLayout::Blocks);
        acc.set_role(0, Role::Assistant);
        acc.text(0, 1, "b");
        acc.text(0, 0, "a");
        acc.tool_call(0, 2, Some("t1"), Some("lookup"));
        acc.tool_arguments(0, 2, "{}");
        acc.set_role(1, Role::Assistant);
        let response = acc.take_response();
        assert_eq!(
            response.completions.len(),
            1,
            "a role alone is no completion"
        );
        let completion = &response.completions[0];
        assert_eq!(
            text_of(completion),
            [&ContentPart::text("a"), &ContentPart::text("b")]
        );
        assert_eq!(
            completion.message.tool_calls,
            [ToolCall::function(Some("t1".into()), "lookup", "{}")]
        );
    }

    #[test]
    fn single_field_without_capture_marks_text_unless_tools_were_called() {
        let mut acc = ChunkAccumulator::new(false, TextLayout::SingleField);
        acc.open_choice(0);
        acc.text(0, 0, "secret");
        acc.open_choice(1);
        acc.tool_call(1, 1, Some("c"), Some("f"));
        acc.tool_arguments(1, 1, "{\"q\":1}");
        acc.finish_reason(1, FinishReason::ToolCalls);
        let response = acc.take_response();
        assert_eq!(response.completions.len(), 2);
        assert_eq!(text_of(&response.completions[0]), [&ContentPart::text("")]);
        let tools = &response.completions[1];
        assert!(tools.message.content.is_empty());
        assert_eq!(tools.message.tool_calls[0].arguments, "", "not captured");
        assert_eq!(tools.finish_reason, Some(FinishReason::ToolCalls));
    }
}

//! The provider-neutral GenAI model: messages, tool calls, tool definitions,
//! usage and finish reasons.
//!
//! Provider crates translate their SDK types into these; the
//! [recorder](super::GenAiSpan) writes them to spans.

use std::borrow::Cow;
use std::fmt;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// System instructions.
    System,
    /// Developer instructions (OpenAI's successor of `system`).
    Developer,
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call.
    Tool,
    /// A provider-specific role.
    Other(String),
}

impl Role {
    /// The role as written on spans.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Other(name) => name,
            known => known.static_str().unwrap_or_default(),
        }
    }

    /// The name of a well-known role, borrowed for the life of the program.
    pub(crate) fn static_str(&self) -> Option<&'static str> {
        Some(match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Other(_) => return None,
        })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One part of a message's content.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentPart {
    /// Text.
    Text(String),
    /// A refusal written by the model.
    Refusal(String),
    /// Non-text content (image, audio, file) whose data the instrumentation
    /// did not keep: only its kind is recorded. Prefer [`ContentPart::Media`]
    /// when the data, URI or file id is at hand.
    Blob {
        /// The kind of content (`image`, `audio`, `video`, `file`).
        modality: String,
    },
    /// Media content (image, audio, video, document) with where it lives:
    /// inline data, a URI, or a provider file id.
    Media(Media),
    /// The model's reasoning (thinking) text or summary.
    Reasoning(String),
    /// A tool call written inside the content, in order with the other parts
    /// (e.g. a Responses API `function_call` item). Rendered like the
    /// message's [`tool_calls`](Message::tool_calls).
    ToolCall(ToolCall),
    /// The result of a tool call written inside the content (e.g. a Responses
    /// API `function_call_output` item).
    ToolCallResponse {
        /// The id of the call answered.
        id: Option<String>,
        /// The tool's output (content: captured only when enabled).
        response: String,
    },
}

impl ContentPart {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Self {
        ContentPart::Text(text.into())
    }

    /// A reasoning part.
    pub fn reasoning(text: impl Into<String>) -> Self {
        ContentPart::Reasoning(text.into())
    }

    /// A media part referenced by URI (`https://…`, `gs://…`).
    pub fn uri(modality: impl Into<String>, uri: impl Into<String>) -> Self {
        ContentPart::Media(Media::new(modality, MediaSource::Uri(uri.into())))
    }

    /// A media part sent inline, its bytes base64-encoded.
    pub fn blob(modality: impl Into<String>, base64: impl Into<String>) -> Self {
        ContentPart::Media(Media::new(modality, MediaSource::Base64(base64.into())))
    }

    /// A media part referenced by a provider file id.
    pub fn file(modality: impl Into<String>, file_id: impl Into<String>) -> Self {
        ContentPart::Media(Media::new(modality, MediaSource::FileId(file_id.into())))
    }

    /// A tool call response part.
    pub fn tool_call_response(id: Option<String>, response: impl Into<String>) -> Self {
        ContentPart::ToolCallResponse {
            id,
            response: response.into(),
        }
    }

    /// The part's type as the JSON message layout names it (`text`, `blob`,
    /// `uri`, `file`, `reasoning`, `tool_call`, `tool_call_response`,
    /// `refusal`).
    pub fn type_name(&self) -> &'static str {
        match self {
            ContentPart::Text(_) => "text",
            ContentPart::Refusal(_) => "refusal",
            ContentPart::Blob { .. } => "blob",
            ContentPart::Media(media) => media.source.type_name(),
            ContentPart::Reasoning(_) => "reasoning",
            ContentPart::ToolCall(_) => "tool_call",
            ContentPart::ToolCallResponse { .. } => "tool_call_response",
        }
    }
}

/// Media content and where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// The general kind (`image`, `audio`, `video`, or another word such as `document`).
    pub modality: String,
    /// The IANA MIME type, when known (`image/png`).
    pub mime_type: Option<String>,
    /// The data, URI or file id (content: captured only when enabled).
    pub source: MediaSource,
}

impl Media {
    /// Media of `modality` from `source`, MIME type unknown.
    pub fn new(modality: impl Into<String>, source: MediaSource) -> Self {
        Self {
            modality: modality.into(),
            mime_type: None,
            source,
        }
    }

    /// Sets the MIME type.
    #[must_use]
    pub fn with_mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = Some(mime_type.into());
        self
    }
}

/// Where media content lives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaSource {
    /// Inline bytes, base64-encoded (a JSON `blob` part).
    Base64(String),
    /// A URI the provider fetches (a JSON `uri` part).
    Uri(String),
    /// A file uploaded to the provider, by id (a JSON `file` part).
    FileId(String),
}

impl MediaSource {
    /// The JSON part type of this source (`blob`, `uri`, `file`).
    pub fn type_name(&self) -> &'static str {
        match self {
            MediaSource::Base64(_) => "blob",
            MediaSource::Uri(_) => "uri",
            MediaSource::FileId(_) => "file",
        }
    }
}

/// What kind of output the caller asked for (`gen_ai.output.type`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutputType {
    /// Plain text.
    Text,
    /// JSON (a JSON object or a JSON schema response format).
    Json,
    /// Images.
    Image,
    /// Speech (audio).
    Speech,
    /// Another output type.
    Other(String),
}

impl OutputType {
    /// The type as written on spans.
    pub fn as_str(&self) -> &str {
        match self {
            OutputType::Text => "text",
            OutputType::Json => "json",
            OutputType::Image => "image",
            OutputType::Speech => "speech",
            OutputType::Other(name) => name,
        }
    }
}

impl fmt::Display for OutputType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tool (function) call made by the model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolCall {
    /// The provider's id of the call, answered by a tool message.
    pub id: Option<String>,
    /// The kind of tool (`function`).
    pub kind: String,
    /// The tool's name.
    pub name: String,
    /// The arguments, as the JSON text the model produced (content: captured only when enabled).
    pub arguments: String,
}

impl ToolCall {
    /// A `function` tool call.
    pub fn function(
        id: Option<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        Self {
            id,
            kind: "function".to_owned(),
            name: name.into(),
            arguments: arguments.into(),
        }
    }
}

/// One message of a conversation (a prompt message or a completion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its content parts, in order.
    pub content: Vec<ContentPart>,
    /// Tool calls made in it (assistant messages).
    pub tool_calls: Vec<ToolCall>,
    /// The tool call a tool message answers.
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A message with no content.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            content: Vec::new(),
            tool_calls: Vec::new(),
            tool_call_id: None,
        }
    }

    /// A message with one text part.
    pub fn text(role: Role, text: impl Into<String>) -> Self {
        let mut message = Self::new(role);
        message.content.push(ContentPart::Text(text.into()));
        message
    }

    /// Adds a content part.
    #[must_use]
    pub fn with_part(mut self, part: ContentPart) -> Self {
        self.content.push(part);
        self
    }

    /// Adds a tool call.
    #[must_use]
    pub fn with_tool_call(mut self, call: ToolCall) -> Self {
        self.tool_calls.push(call);
        self
    }

    /// Sets the tool call this message answers.
    #[must_use]
    pub fn with_tool_call_id(mut self, id: impl Into<String>) -> Self {
        self.tool_call_id = Some(id.into());
        self
    }

    /// The text and refusal parts joined by newlines, or `None` when there are none.
    pub fn joined_text(&self) -> Option<String> {
        self.joined_text_cow().map(Cow::into_owned)
    }

    /// Like [`joined_text`](Self::joined_text), borrowing the text of a
    /// single-part message instead of copying it.
    pub(crate) fn joined_text_cow(&self) -> Option<Cow<'_, str>> {
        let mut texts = self.content.iter().filter_map(|part| match part {
            ContentPart::Text(t) | ContentPart::Refusal(t) => Some(t.as_str()),
            // A tool's output is a tool message's content in the indexed layout.
            ContentPart::ToolCallResponse { response, .. } => Some(response.as_str()),
            ContentPart::Blob { .. }
            | ContentPart::Media(_)
            | ContentPart::Reasoning(_)
            | ContentPart::ToolCall(_) => None,
        });
        let first = texts.next()?;
        let Some(second) = texts.next() else {
            return Some(Cow::Borrowed(first));
        };
        let mut joined = String::with_capacity(first.len() + 1 + second.len());
        joined.push_str(first);
        for text in std::iter::once(second).chain(texts) {
            joined.push('\n');
            joined.push_str(text);
        }
        Some(Cow::Owned(joined))
    }
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolDefinition {
    /// The kind of tool (`function`).
    pub kind: String,
    /// The tool's name.
    pub name: String,
    /// What the tool does.
    pub description: Option<String>,
    /// JSON schema of its parameters, as JSON text.
    pub parameters: Option<String>,
}

impl ToolDefinition {
    /// A `function` tool.
    pub fn function(name: impl Into<String>) -> Self {
        Self {
            kind: "function".to_owned(),
            name: name.into(),
            description: None,
            parameters: None,
        }
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the parameter schema (JSON text).
    #[must_use]
    pub fn with_parameters(mut self, parameters: impl Into<String>) -> Self {
        self.parameters = Some(parameters.into());
        self
    }
}

/// Why the model stopped generating a choice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FinishReason {
    /// A natural stop or a stop sequence.
    Stop,
    /// The token limit was reached: the output is truncated.
    Length,
    /// The model called tools.
    ToolCalls,
    /// Content was filtered.
    ContentFilter,
    /// The generation failed.
    Error,
    /// A provider-specific reason.
    Other(String),
}

impl FinishReason {
    /// The reason as written on spans (OTel / OpenAI spelling).
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Other(reason) => reason,
            known => known.static_str().unwrap_or_default(),
        }
    }

    /// The spelling of a well-known reason, borrowed for the life of the program.
    pub(crate) fn static_str(&self) -> Option<&'static str> {
        Some(match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Error => "error",
            FinishReason::Other(_) => return None,
        })
    }
}

impl FinishReason {
    /// The reason as the JSON message layout's enum names it (`stop`,
    /// `length`, `content_filter`, `tool_call`, `error`). Provider words with
    /// one of these meanings are mapped (`end_turn` → `stop`, `max_tokens` →
    /// `length`, `tool_use` → `tool_call`, ...); other words are kept as sent.
    pub fn convention_str(&self) -> &str {
        match (self.convention_static(), self) {
            (Some(word), _) => word,
            (None, reason) => reason.as_str(),
        }
    }

    /// The conventions' enum word of this reason, `None` for a provider word
    /// with no enum meaning.
    pub(crate) fn convention_static(&self) -> Option<&'static str> {
        Some(match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_call",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Error => "error",
            FinishReason::Other(word) => match word.as_str() {
                "end_turn" | "stop_sequence" | "stop_sequences" | "STOP" | "FINISH"
                | "COMPLETE" | "completed" => "stop",
                "max_tokens" | "MAX_TOKENS" | "LENGTH" | "max_output_tokens" | "incomplete" => {
                    "length"
                }
                "tool_use" | "tool_calls" | "TOOL_CALL" | "function_call" => "tool_call",
                "content_filtered" | "guardrail_intervened" | "SAFETY" | "content_filter" => {
                    "content_filter"
                }
                "failed" => "error",
                _ => return None,
            },
        })
    }

    /// Whether generation stopped at the token limit (the output is truncated),
    /// whatever word the provider used.
    pub fn is_length(&self) -> bool {
        self.convention_str() == "length"
    }
}

impl fmt::Display for FinishReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One generated choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The generated message.
    pub message: Message,
    /// Why generation stopped; `None` when the provider did not say (e.g. a cancelled stream).
    pub finish_reason: Option<FinishReason>,
}

/// Token counts of a call. `None` means "not reported", never "zero".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Input tokens, **including** cache reads and cache writes.
    pub input_tokens: Option<u64>,
    /// Output tokens, reasoning tokens included.
    pub output_tokens: Option<u64>,
    /// Input tokens read from the prompt cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the prompt cache.
    pub cache_creation_input_tokens: Option<u64>,
    /// Output tokens spent on reasoning.
    pub reasoning_output_tokens: Option<u64>,
}

impl Usage {
    /// Whether any count was reported.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }
}

/// A chat / text-generation request, provider-neutral.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChatRequest {
    /// Requested model.
    pub model: String,
    /// System instructions given apart from the messages (e.g. Bedrock `system`).
    pub system_instructions: Vec<String>,
    /// The conversation sent.
    pub messages: Vec<Message>,
    /// Tools offered to the model.
    pub tools: Vec<ToolDefinition>,
    /// `max_tokens` / `max_completion_tokens`.
    pub max_tokens: Option<u64>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Nucleus sampling.
    pub top_p: Option<f64>,
    /// Top-k sampling.
    pub top_k: Option<u64>,
    /// Frequency penalty.
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    pub presence_penalty: Option<f64>,
    /// Stop sequences.
    pub stop_sequences: Vec<String>,
    /// Sampling seed.
    pub seed: Option<i64>,
    /// Number of choices requested.
    pub choice_count: Option<u64>,
    /// Whether the response is streamed.
    pub stream: bool,
    /// End-user id sent to the provider.
    pub user: Option<String>,
    /// The conversation (thread) the call continues, when the API has one
    /// (`gen_ai.conversation.id`).
    pub conversation_id: Option<String>,
    /// The kind of output asked for (`gen_ai.output.type`), when the request says.
    pub output_type: Option<OutputType>,
}

/// A chat response, provider-neutral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChatResponse {
    /// Provider's response id.
    pub id: Option<String>,
    /// Model that answered.
    pub model: Option<String>,
    /// The choices, in index order.
    pub completions: Vec<Completion>,
    /// Token counts.
    pub usage: Usage,
    /// The conversation the response belongs to, when the provider names one
    /// and the request did not.
    pub conversation_id: Option<String>,
}

/// An embeddings request, provider-neutral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbeddingsRequest {
    /// Requested model.
    pub model: String,
    /// Number of inputs embedded.
    pub input_count: u64,
    /// Requested output dimensions.
    pub dimensions: Option<u64>,
    /// Requested encoding format (`float`, `base64`).
    pub encoding_format: Option<String>,
    /// End-user id sent to the provider.
    pub user: Option<String>,
}

/// An embeddings response, provider-neutral.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmbeddingsResponse {
    /// Model that answered.
    pub model: Option<String>,
    /// Token counts (input only).
    pub usage: Usage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_text_skips_blobs_and_joins_with_newlines() {
        let m = Message::text(Role::User, "a")
            .with_part(ContentPart::Blob {
                modality: "image".into(),
            })
            .with_part(ContentPart::text("b"));
        assert_eq!(m.joined_text().as_deref(), Some("a\nb"));
        assert_eq!(Message::new(Role::Assistant).joined_text(), None);
    }

    #[test]
    fn new_parts_name_their_json_type_and_tool_output_is_text() {
        let m = Message::new(Role::Tool)
            .with_part(ContentPart::reasoning("think"))
            .with_part(ContentPart::uri("image", "https://x/y.png"))
            .with_part(ContentPart::blob("image", "aGk="))
            .with_part(ContentPart::file("document", "file-1"))
            .with_part(ContentPart::ToolCall(ToolCall::function(None, "f", "{}")))
            .with_part(ContentPart::tool_call_response(Some("c1".into()), "21C"));
        let kinds: Vec<&str> = m.content.iter().map(ContentPart::type_name).collect();
        assert_eq!(
            kinds,
            [
                "reasoning",
                "uri",
                "blob",
                "file",
                "tool_call",
                "tool_call_response"
            ]
        );
        assert_eq!(m.joined_text().as_deref(), Some("21C"));
        assert_eq!(OutputType::Json.to_string(), "json");
    }

    #[test]
    fn provider_finish_words_map_to_the_convention_enum() {
        let word = |w: &str| FinishReason::Other(w.to_owned());
        assert_eq!(word("end_turn").convention_str(), "stop");
        assert_eq!(word("max_tokens").convention_str(), "length");
        assert_eq!(word("tool_use").convention_str(), "tool_call");
        assert_eq!(
            word("guardrail_intervened").convention_str(),
            "content_filter"
        );
        assert_eq!(
            word("malformed_tool_use").convention_str(),
            "malformed_tool_use"
        );
        assert_eq!(FinishReason::ToolCalls.convention_str(), "tool_call");
        assert_eq!(word("end_turn").as_str(), "end_turn");
        assert!(word("max_tokens").is_length() && FinishReason::Length.is_length());
        assert!(!FinishReason::Stop.is_length());
    }

    #[test]
    fn names_follow_the_conventions() {
        assert_eq!(Role::Developer.as_str(), "developer");
        assert_eq!(Role::Other("critic".into()).to_string(), "critic");
        assert_eq!(FinishReason::ToolCalls.as_str(), "tool_calls");
        assert_eq!(
            FinishReason::Other("end_turn".into()).to_string(),
            "end_turn"
        );
        assert!(Usage::default().is_empty());
        assert!(
            !Usage {
                output_tokens: Some(0),
                ..Usage::default()
            }
            .is_empty()
        );
    }
}

//! [`ToolSpan`]: one execution of a tool the model asked for, as an
//! `execute_tool {name}` span (kind INTERNAL, OTel GenAI conventions).
//!
//! `gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.type` and
//! `gen_ai.tool.description` are always recorded; the arguments and the result
//! are content, recorded only when content capture is on and truncated at
//! `content_max_chars`.

use std::sync::Arc;

use opentelemetry::KeyValue;

use super::attributes::{
    GEN_AI_TOOL_CALL_ARGUMENTS, GEN_AI_TOOL_CALL_ID, GEN_AI_TOOL_CALL_RESULT,
    GEN_AI_TOOL_DESCRIPTION, GEN_AI_TOOL_NAME, GEN_AI_TOOL_TYPE,
};
use super::capture::truncate_content;
use super::message::ToolCall;
use super::operation::Operation;
use super::settings::{GenAiSettings, settings};
use super::span::{GenAiSpan, SpanShape};

/// The kind of tool (`gen_ai.tool.type`).
///
/// ```
/// assert_eq!(coresdk::genai::ToolType::Datastore.as_str(), "datastore");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolType {
    /// Executed by the client application from model-generated arguments.
    Function,
    /// Executed on the agent side to call an external API.
    Extension,
    /// Queries a data store for retrieval-augmented tasks.
    Datastore,
}

impl ToolType {
    /// The value as written on spans.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolType::Function => "function",
            ToolType::Extension => "extension",
            ToolType::Datastore => "datastore",
        }
    }
}

/// A tool execution, recorded as `execute_tool {name}`.
///
/// Start it (from a model's [`ToolCall`] with [`for_call`](Self::for_call), or
/// by name), run the tool inside [`span`](Self::span), record the result or
/// the error, then [`end`](Self::end) it. Dropping it without `end` marks it
/// `coresdk.cancelled`. Without an OpenTelemetry layer every method is a no-op.
///
/// ```
/// use coresdk::genai::{ToolSpan, ToolType};
///
/// let mut tool = ToolSpan::start("get_contract_status");
/// tool.set_call_id("call_7");
/// tool.set_type(ToolType::Function);
/// tool.record_arguments(r#"{"contract":"acme-msa-2023"}"#); // content: only if captured
/// match Err::<String, _>("contracts service timed out after 2s") {
///     Ok(result) => tool.record_result(&result),
///     Err(message) => tool.record_error("timeout", message),
/// }
/// tool.end();
/// ```
#[must_use = "the span ends when dropped"]
#[derive(Debug)]
pub struct ToolSpan {
    inner: GenAiSpan,
}

impl ToolSpan {
    /// Starts `execute_tool {name}` as an INTERNAL child of the current span,
    /// with the installed [settings](super::settings()).
    pub fn start(name: &str) -> Self {
        Self::start_with_settings(name, settings())
    }

    /// Like [`start`](Self::start) with explicit settings.
    pub fn start_with_settings(name: &str, settings: Arc<GenAiSettings>) -> Self {
        let span_name = if name.is_empty() {
            Operation::ExecuteTool.as_str().to_owned()
        } else {
            format!("{} {name}", Operation::ExecuteTool.as_str())
        };
        let mut inner = GenAiSpan::start_span(SpanShape {
            name: span_name,
            internal: true,
            operation: Operation::ExecuteTool,
            provider: None,
            model: "",
            settings,
        });
        if !name.is_empty() {
            inner.set_attribute(GEN_AI_TOOL_NAME, name.to_owned());
        }
        Self { inner }
    }

    /// Starts the execution of a tool call the model made: name, call id,
    /// type and (when captured) arguments come from `call`.
    pub fn for_call(call: &ToolCall) -> Self {
        let mut span = Self::start(&call.name);
        if let Some(id) = &call.id {
            span.set_call_id(id);
        }
        if !call.kind.is_empty() {
            span.inner
                .set_attribute(GEN_AI_TOOL_TYPE, call.kind.clone());
        }
        span.record_arguments(&call.arguments);
        span
    }

    /// The `tracing` span, to instrument the tool with.
    pub fn span(&self) -> &tracing::Span {
        self.inner.span()
    }

    /// Whether attributes are being recorded.
    pub fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// Records the id of the tool call this execution answers.
    pub fn set_call_id(&mut self, id: &str) {
        self.inner.set_attribute(GEN_AI_TOOL_CALL_ID, id.to_owned());
    }

    /// Records the tool's type.
    pub fn set_type(&mut self, kind: ToolType) {
        self.inner.set_attribute(GEN_AI_TOOL_TYPE, kind.as_str());
    }

    /// Records the tool's description.
    pub fn set_description(&mut self, description: &str) {
        self.inner
            .set_attribute(GEN_AI_TOOL_DESCRIPTION, description.to_owned());
    }

    /// Records the arguments (JSON text) when content capture is on.
    pub fn record_arguments(&mut self, arguments: &str) {
        self.push_content(GEN_AI_TOOL_CALL_ARGUMENTS, arguments);
    }

    /// Records the result (JSON or plain text) when content capture is on.
    pub fn record_result(&mut self, result: &str) {
        self.push_content(GEN_AI_TOOL_CALL_RESULT, result);
    }

    /// Records a failed execution: status Error, `error.type` (a short,
    /// low-cardinality class such as `timeout`), an `exception` event
    /// carrying `message`, and the RFC 9457 defaults (`about:blank`, the
    /// error type as title, status 500, `message` as detail) so the
    /// diagnostic payload of the failing trace is complete.
    pub fn record_error(&mut self, error_type: &str, message: &str) {
        self.inner.record_failure(error_type, message);
    }

    /// Ends the span, applying every buffered attribute.
    pub fn end(self) {
        self.inner.end();
    }

    fn push_content(&mut self, key: &'static str, text: &str) {
        let Some(settings) = self.inner.recording_settings() else {
            return;
        };
        if !settings.capture_content() {
            return;
        }
        let text = truncate_content(text, settings.content_max_chars()).into_owned();
        self.inner.push_content_attribute(KeyValue::new(key, text));
    }
}

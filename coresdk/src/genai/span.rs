//! [`GenAiSpan`]: one GenAI client call as a span (`{operation} {model}`,
//! kind CLIENT, child of the current `tracing` span).
//!
//! Attributes and events are buffered and moved into the span's record in one
//! step when the call ends: core `gen_ai.*` attributes first, per-message
//! ones last, so an attribute count limit drops messages before it drops the
//! facts.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{Event, SpanKind, Status};
use opentelemetry::{KeyValue, StringValue, Value};

use super::attributes::{
    GEN_AI_OPERATION_NAME, GEN_AI_PROVIDER_NAME, GEN_AI_REQUEST_MODEL,
    GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, GEN_AI_SYSTEM, LLM_LATENCY_MS, LLM_TIME_TO_FIRST_TOKEN_MS,
    SERVER_ADDRESS, SERVER_PORT,
};
use super::facts::shared;
use super::operation::{Operation, Provider};
use super::settings::{GenAiSettings, settings};
use super::summary::CallSummary;

/// The `tracing` target of GenAI spans.
const TARGET: &str = "coresdk::genai";

/// State kept only when the span is recorded (sampled, under CoreSDK's layer).
pub(super) struct Recording {
    pub(super) settings: Arc<GenAiSettings>,
    pub(super) start: Instant,
    pub(super) max_tokens: Option<u64>,
    /// The call's typed facts, for its metrics.
    pub(super) summary: CallSummary,
    pub(super) core: Vec<KeyValue>,
    pub(super) messages: Vec<KeyValue>,
    pub(super) events: Vec<Event>,
    pub(super) error: Option<String>,
    /// The provider's responses name no model: the requested one answers.
    pub(super) request_model_answers: bool,
}

/// What a GenAI span is: its name, kind, operation and provider.
pub(crate) struct SpanShape<'a> {
    pub(crate) name: String,
    /// `true`: kind INTERNAL (tool execution); `false`: kind CLIENT.
    pub(crate) internal: bool,
    pub(crate) operation: Operation,
    pub(crate) provider: Option<Provider>,
    pub(crate) model: &'a str,
    pub(crate) settings: Arc<GenAiSettings>,
}

/// One GenAI client call, recorded as a span.
///
/// Create it with [`GenAiSpan::start`], record the request, then the response
/// or the error, then [`end`](Self::end) it. Dropping it without `end` means
/// the caller abandoned the call (a dropped future or stream): the span ends
/// with `coresdk.cancelled = true`. Run the provider call inside
/// [`span`](Self::span) so nested spans parent to it.
/// When CoreSDK's layer does not record the span (no pipeline, or not
/// sampled) every method is a no-op.
#[must_use = "the span ends when dropped"]
pub struct GenAiSpan {
    span: tracing::Span,
    pub(super) rec: Option<Box<Recording>>,
}

impl std::fmt::Debug for GenAiSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenAiSpan")
            .field("span", &self.span)
            .field("recording", &self.rec.is_some())
            .finish()
    }
}

impl GenAiSpan {
    /// Starts `{operation} {model}` as a CLIENT child of the current span,
    /// with the installed [settings](super::settings).
    pub fn start(provider: Provider, operation: Operation, model: &str) -> Self {
        Self::start_named(provider, operation, model, settings)
    }

    /// Like [`start`](Self::start) with explicit settings.
    pub fn start_with_settings(
        provider: Provider,
        operation: Operation,
        model: &str,
        settings: Arc<GenAiSettings>,
    ) -> Self {
        Self::start_named(provider, operation, model, || settings)
    }

    /// A CLIENT span named `{operation} {model}`; `settings` is only read
    /// when the span is recorded.
    fn start_named(
        provider: Provider,
        operation: Operation,
        model: &str,
        settings: impl FnOnce() -> Arc<GenAiSettings>,
    ) -> Self {
        let name = if model.is_empty() {
            operation.as_str().to_owned()
        } else {
            format!("{} {model}", operation.as_str())
        };
        Self::start_inner(name, false, operation, Some(provider), model, settings)
    }

    /// Starts a span of any GenAI operation: the shared core of client,
    /// retrieval and tool spans.
    pub(crate) fn start_span(shape: SpanShape<'_>) -> Self {
        let SpanShape {
            name,
            internal,
            operation,
            provider,
            model,
            settings,
        } = shape;
        Self::start_inner(name, internal, operation, provider, model, || settings)
    }

    fn start_inner(
        name: String,
        internal: bool,
        operation: Operation,
        provider: Option<Provider>,
        model: &str,
        settings: impl FnOnce() -> Arc<GenAiSettings>,
    ) -> Self {
        // Target `coresdk::genai`, level INFO, no fields: the name and kind
        // go straight into the record, and a GenAI span's code location
        // (this file) says nothing about the caller, so none is recorded.
        let span = if internal {
            tracing::info_span!(target: TARGET, "genai_internal")
        } else {
            tracing::info_span!(target: TARGET, "genai_client")
        };
        if span.is_disabled() {
            return Self { span, rec: None };
        }
        let kind = if internal {
            SpanKind::Internal
        } else {
            SpanKind::Client
        };
        let recording = crate::layer::with_record(&span, |record| {
            record.kind = kind;
            record.location = false;
            record.extras().name = Some(Cow::Owned(name));
            record.sampled
        });
        if recording != Some(true) {
            return Self { span, rec: None };
        }
        let settings = settings();
        let mut core = Vec::with_capacity(CORE_CAPACITY);
        core.push(KeyValue::new(GEN_AI_OPERATION_NAME, operation.as_str()));
        if let Some(provider) = provider {
            core.push(KeyValue::new(GEN_AI_PROVIDER_NAME, provider.name()));
            // The latest conventions dropped the legacy key.
            if !settings.latest_conventions() {
                core.push(KeyValue::new(GEN_AI_SYSTEM, provider.name()));
            }
        }
        let mut request_model = None;
        if !model.is_empty() {
            let value = shared(model, &mut request_model);
            core.push(KeyValue::new(GEN_AI_REQUEST_MODEL, value));
        }
        Self {
            span,
            rec: Some(Box::new(Recording {
                settings,
                start: Instant::now(),
                max_tokens: None,
                summary: CallSummary::new(operation, provider, request_model),
                core,
                messages: Vec::new(),
                events: Vec::new(),
                error: None,
                request_model_answers: false,
            })),
        }
    }

    /// The `tracing` span, to instrument the provider call with.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Whether attributes are being recorded (CoreSDK's layer samples this span).
    /// Providers can skip translating requests when it is not.
    pub fn is_recording(&self) -> bool {
        self.rec.is_some()
    }

    /// Whether message content is recorded; when not, providers may leave
    /// content out of the model they pass in.
    pub fn captures_content(&self) -> bool {
        self.rec
            .as_ref()
            .is_some_and(|r| r.settings.capture_content)
    }

    /// Records `server.address` and `server.port`.
    pub fn set_server(&mut self, address: &str, port: Option<u16>) {
        if self.rec.is_some() {
            self.set_server_address(address.to_owned(), port);
        }
    }

    /// Like [`set_server`](Self::set_server) with an address the caller
    /// already holds as a value: an `Arc<str>` kept for every call to the
    /// same server is recorded without a copy.
    pub fn set_server_address(&mut self, address: impl Into<StringValue>, port: Option<u16>) {
        if let Some(rec) = &mut self.rec {
            let address = address.into();
            rec.summary.server = Some((address.clone(), port));
            rec.core
                .push(KeyValue::new(SERVER_ADDRESS, Value::String(address)));
            if let Some(port) = port {
                rec.core.push(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
        }
    }

    /// Declares that the provider's responses name no model, so the requested
    /// model is recorded as `gen_ai.response.model` when a response has none
    /// (Bedrock Converse, as llm-tracekit records it). Costs no copy: the
    /// request model's value is shared.
    pub fn set_request_model_answers(&mut self) {
        if let Some(rec) = &mut self.rec {
            rec.request_model_answers = true;
        }
    }

    /// Records a provider-specific attribute among the core ones.
    pub fn set_attribute(&mut self, key: &'static str, value: impl Into<Value>) {
        if let Some(rec) = &mut self.rec {
            rec.core.push(KeyValue::new(key, value));
        }
    }

    /// Records an attribute among the core ones.
    pub(crate) fn push_attribute(&mut self, kv: KeyValue) {
        if let Some(rec) = &mut self.rec {
            rec.core.push(kv);
        }
    }

    /// The settings this span records with (`None` when not recording).
    pub(crate) fn recording_settings(&self) -> Option<&GenAiSettings> {
        self.rec.as_ref().map(|r| r.settings.as_ref())
    }

    /// Buffers a content-tier attribute: applied after the core ones, so an
    /// attribute count limit drops it first.
    pub(crate) fn push_content_attribute(&mut self, kv: KeyValue) {
        if let Some(rec) = &mut self.rec {
            rec.messages.push(kv);
        }
    }

    /// Ends the span, applying every buffered attribute.
    pub fn end(mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        let Some(mut rec) = self.rec.take() else {
            return;
        };
        let elapsed = rec.start.elapsed();
        rec.core.push(KeyValue::new(
            LLM_LATENCY_MS,
            elapsed.as_secs_f64() * 1000.0,
        ));
        if let Some(ttfc) = rec.summary.time_to_first_chunk {
            rec.core.push(KeyValue::new(
                GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                ttfc.as_secs_f64(),
            ));
            rec.core.push(KeyValue::new(
                LLM_TIME_TO_FIRST_TOKEN_MS,
                ttfc.as_secs_f64() * 1000.0,
            ));
        }
        // Client-operation metrics need a provider: tool executions and
        // application-side retrievals are spans only.
        if rec.summary.provider.is_some() {
            rec.summary.duration = elapsed;
            crate::metrics::record_span_metrics(&rec.summary);
        }
        let status = rec.error.take().map(Status::error);
        let Recording {
            core,
            messages,
            events,
            ..
        } = *rec;
        // The call's end is the span's end, even when the `tracing` span
        // closes later (a stream's span handle outliving its last poll).
        let end = SystemTime::now();
        crate::layer::with_record(&self.span, move |record| {
            record.extend_attributes(core);
            record.extend_attributes(messages);
            for event in events {
                record.add_event(event);
            }
            if let Some(status) = status {
                record.set_status(status);
            }
            record.end = Some(end);
        });
    }
}

impl Drop for GenAiSpan {
    fn drop(&mut self) {
        if self.rec.is_some() {
            self.record_cancelled();
            self.flush();
        }
    }
}

/// Initial capacity of the core attribute list (fits a typical chat call).
const CORE_CAPACITY: usize = 32;

impl Recording {
    pub(super) fn event(&mut self, name: &'static str, attributes: Vec<KeyValue>) {
        self.events
            .push(Event::new(name, SystemTime::now(), attributes, 0));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use opentelemetry::trace::SpanKind;
    use opentelemetry_sdk::trace::SpanData;

    use super::*;
    use crate::config::MessageFormat;
    use crate::genai::CallError;
    use crate::genai::attributes::{
        CORESDK_CANCELLED, CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TYPE,
        ERROR_TYPE, EXCEPTION_EVENT, GEN_AI_REQUEST_MAX_TOKENS, GEN_AI_RESPONSE_FINISH_REASONS,
        HTTP_RESPONSE_STATUS_CODE, LLM_COST_USD, LLM_TRUNCATED, RESPONSE_TRUNCATED_EVENT,
    };
    use crate::genai::message::{ChatRequest, ChatResponse, Usage};
    use crate::genai::message::{Completion, FinishReason, Message, Role};

    fn capture<F: FnOnce()>(f: F) -> Vec<SpanData> {
        crate::testing::capture_spans(f)
    }

    fn attrs(span: &SpanData) -> BTreeMap<String, String> {
        crate::testing::attribute_map(span)
    }

    fn settings(capture: bool) -> Arc<GenAiSettings> {
        Arc::new(
            GenAiSettings::builder()
                .with_capture_content(capture)
                .with_message_format(MessageFormat::Indexed)
                .build(),
        )
    }

    #[test]
    fn chat_span_has_name_kind_parent_and_ordered_attributes() {
        let spans = capture(|| {
            let parent = tracing::info_span!("handler");
            let _g = parent.enter();
            let mut span = GenAiSpan::start_with_settings(
                Provider::OPENAI,
                Operation::Chat,
                "gpt-4o",
                settings(true),
            );
            assert!(span.is_recording());
            span.set_server("api.openai.com", Some(443));
            span.record_chat_request(&ChatRequest {
                model: "gpt-4o".into(),
                messages: vec![Message::text(Role::User, "hi")],
                max_tokens: Some(5),
                ..ChatRequest::default()
            });
            span.record_chat_response(&ChatResponse {
                id: Some("r1".into()),
                model: Some("gpt-4o-2024-08-06".into()),
                completions: vec![Completion {
                    message: Message::text(Role::Assistant, "hello"),
                    finish_reason: Some(FinishReason::Length),
                }],
                usage: Usage {
                    input_tokens: Some(1_000),
                    output_tokens: Some(100),
                    ..Usage::default()
                },
                ..ChatResponse::default()
            });
            span.end();
        });
        assert_eq!(spans.len(), 2);
        let chat = &spans[0];
        assert_eq!(chat.name, "chat gpt-4o");
        assert_eq!(chat.span_kind, SpanKind::Client);
        assert_eq!(chat.parent_span_id, spans[1].span_context.span_id());
        let keys: Vec<&str> = chat.attributes.iter().map(|kv| kv.key.as_str()).collect();
        // Core attributes precede per-message ones.
        let first_message = keys
            .iter()
            .position(|k| k.starts_with(super::super::attributes::GEN_AI_PROMPT))
            .unwrap_or(0);
        assert!(
            first_message
                > keys
                    .iter()
                    .position(|k| *k == LLM_COST_USD)
                    .unwrap_or(usize::MAX)
        );
        let a = attrs(chat);
        assert_eq!(a[LLM_TRUNCATED], "true");
        assert_eq!(a[GEN_AI_RESPONSE_FINISH_REASONS], "[\"length\"]");
        // 1000 * 2.50 + 100 * 10.00 per Mtok.
        assert_eq!(a[LLM_COST_USD], "0.0035");
        assert!(a.contains_key(LLM_LATENCY_MS));
        let events: Vec<&str> = chat.events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(events, [RESPONSE_TRUNCATED_EVENT]);
        assert_eq!(
            chat.events[0].attributes,
            [KeyValue::new(GEN_AI_REQUEST_MAX_TOKENS, 5_i64)]
        );
    }

    #[test]
    fn error_sets_status_type_and_problem() {
        let spans = capture(|| {
            let mut span = GenAiSpan::start_with_settings(
                Provider::OPENAI,
                Operation::Chat,
                "m",
                settings(false),
            );
            span.record_error(&CallError::http(429, "slow").with_error_type("rate_limit_exceeded"));
        });
        let s = &spans[0];
        assert_eq!(
            s.status,
            Status::error("Rate limited by the model provider (429): slow")
        );
        let a = attrs(s);
        assert_eq!(a[ERROR_TYPE], "rate_limit_exceeded");
        assert_eq!(a[CORESDK_PROBLEM_STATUS], "429");
        assert_eq!(a[HTTP_RESPONSE_STATUS_CODE], "429");
        assert_eq!(a[CORESDK_PROBLEM_DETAIL], "slow");
        assert!(a[CORESDK_PROBLEM_TYPE].ends_with("rate-limited"));
        assert_eq!(s.events[0].name, EXCEPTION_EVENT);
    }

    #[test]
    fn app_context_lands_on_the_span() {
        let spans = capture(|| {
            let _ctx = crate::context::enter(
                crate::context::AppContext::new()
                    .with_user_id("u-1")
                    .with_feature("faq"),
            );
            let span = GenAiSpan::start(Provider::AWS_BEDROCK, Operation::Chat, "m");
            drop(span);
        });
        let a = attrs(&spans[0]);
        // Dropped without `end`: the caller abandoned the call.
        assert_eq!(a[CORESDK_CANCELLED], "true");
        assert_eq!(a[super::super::attributes::USER_ID], "u-1");
        assert_eq!(a[super::super::attributes::APP_FEATURE], "faq");
        assert_eq!(a[GEN_AI_PROVIDER_NAME], "aws.bedrock");
        assert_eq!(a[GEN_AI_SYSTEM], "aws.bedrock");
    }

    #[test]
    fn genai_spans_carry_no_code_location_of_their_own() {
        let spans = capture(|| {
            let span = GenAiSpan::start_with_settings(
                Provider::AWS_BEDROCK,
                Operation::Chat,
                "m",
                settings(false),
            );
            assert!(span.is_recording());
            span.end();
        });
        assert_eq!(spans[0].name, "chat m");
        assert_eq!(spans[0].span_kind, SpanKind::Client);
        let code: Vec<&str> = spans[0]
            .attributes
            .iter()
            .map(|kv| kv.key.as_str())
            .filter(|k| {
                [
                    super::super::attributes::CODE_FILE_PATH,
                    super::super::attributes::CODE_LINE_NUMBER,
                    super::super::attributes::CODE_MODULE_NAME,
                ]
                .contains(k)
            })
            .collect();
        assert!(code.is_empty(), "{code:?}");
    }

    #[test]
    fn without_a_subscriber_nothing_is_recorded() {
        let mut span = GenAiSpan::start(Provider::OPENAI, Operation::Chat, "m");
        assert!(!span.is_recording());
        span.record_first_token();
        assert!(!span.first_token_seen());
        span.end();
    }
}

//! What a GenAI span records of its call: request parameters and messages,
//! the response (id, model, finish reasons, usage, cost, completions), the
//! first streamed token, and failures as `error.type` plus an RFC 9457
//! problem. The core facts also go to the span's typed
//! [`CallSummary`](super::summary::CallSummary).

use std::sync::Arc;

use opentelemetry::{KeyValue, StringValue, Value};

use super::attributes::{
    CORESDK_CANCELLED, CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TITLE,
    CORESDK_PROBLEM_TYPE, CORESDK_RECOVERY_HINT, ERROR_TYPE, EXCEPTION_EVENT, EXCEPTION_MESSAGE,
    EXCEPTION_TYPE, FIRST_TOKEN_RECEIVED_EVENT, GEN_AI_CONVERSATION_ID,
    GEN_AI_EMBEDDINGS_DIMENSION_COUNT, GEN_AI_EMBEDDINGS_INPUT_COUNT, GEN_AI_OUTPUT_TYPE,
    GEN_AI_REQUEST_CHOICE_COUNT, GEN_AI_REQUEST_ENCODING_FORMATS, GEN_AI_REQUEST_FREQUENCY_PENALTY,
    GEN_AI_REQUEST_MAX_TOKENS, GEN_AI_REQUEST_PRESENCE_PENALTY, GEN_AI_REQUEST_SEED,
    GEN_AI_REQUEST_STOP_SEQUENCES, GEN_AI_REQUEST_STREAM, GEN_AI_REQUEST_TEMPERATURE,
    GEN_AI_REQUEST_TOP_K, GEN_AI_REQUEST_TOP_P, GEN_AI_REQUEST_USER,
    GEN_AI_RESPONSE_FINISH_REASONS, GEN_AI_RESPONSE_ID, GEN_AI_RESPONSE_MODEL,
    GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    GEN_AI_USAGE_INPUT_TOKENS, GEN_AI_USAGE_OUTPUT_TOKENS, GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    HTTP_RESPONSE_STATUS_CODE, LLM_COST_USD, LLM_TIME_TO_FIRST_TOKEN_MS, LLM_TRUNCATED,
    RESPONSE_TRUNCATED_EVENT,
};
use super::error::CallError;
use super::message::{
    ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, FinishReason, OutputType,
    Usage,
};
use super::operation::Provider;
use super::recorder::{Recorder, convention_reason_value, finish_reason_value, string_array};
use super::span::{GenAiSpan, Recording};

impl GenAiSpan {
    /// Records the request parameters, prompt messages and tool definitions.
    pub fn record_chat_request(&mut self, request: &ChatRequest) {
        let Some(rec) = &mut self.rec else { return };
        let core = &mut rec.core;
        rec.max_tokens = request.max_tokens;
        push_opt(
            core,
            GEN_AI_REQUEST_MAX_TOKENS,
            request.max_tokens.map(to_i64),
        );
        push_opt(core, GEN_AI_REQUEST_TEMPERATURE, request.temperature);
        push_opt(core, GEN_AI_REQUEST_TOP_P, request.top_p);
        push_opt(core, GEN_AI_REQUEST_TOP_K, request.top_k.map(to_i64));
        push_opt(
            core,
            GEN_AI_REQUEST_FREQUENCY_PENALTY,
            request.frequency_penalty,
        );
        push_opt(
            core,
            GEN_AI_REQUEST_PRESENCE_PENALTY,
            request.presence_penalty,
        );
        if !request.stop_sequences.is_empty() {
            core.push(KeyValue::new(
                GEN_AI_REQUEST_STOP_SEQUENCES,
                string_array(request.stop_sequences.iter().cloned()),
            ));
        }
        push_opt(core, GEN_AI_REQUEST_SEED, request.seed);
        push_opt(
            core,
            GEN_AI_REQUEST_CHOICE_COUNT,
            request.choice_count.map(to_i64),
        );
        // The latest conventions set the flag on streams only.
        if request.stream || !rec.settings.latest_conventions() {
            core.push(KeyValue::new(GEN_AI_REQUEST_STREAM, request.stream));
        }
        if let Some(user) = &request.user {
            core.push(KeyValue::new(GEN_AI_REQUEST_USER, user.clone()));
        }
        if let Some(id) = &request.conversation_id {
            core.push(KeyValue::new(GEN_AI_CONVERSATION_ID, id.clone()));
        }
        if let Some(kind) = &request.output_type {
            let value = match kind {
                OutputType::Other(name) => Value::from(name.clone()),
                known => Value::from(known_output_type(known)),
            };
            core.push(KeyValue::new(GEN_AI_OUTPUT_TYPE, value));
        }
        let recorder = Recorder::new(&rec.settings);
        rec.messages.reserve(
            recorder.indexed_estimate(
                request.system_instructions.len() + request.messages.len(),
                request.tools.len(),
                usize::from(
                    rec.summary
                        .provider
                        .is_some_and(|p| p.tools_alias().is_some()),
                ),
            ),
        );
        recorder.request(
            &request.system_instructions,
            &request.messages,
            &request.tools,
            rec.summary.provider.and_then(Provider::tools_alias),
            &mut rec.messages,
        );
    }

    /// Records an embeddings request.
    pub fn record_embeddings_request(&mut self, request: &EmbeddingsRequest) {
        let Some(rec) = &mut self.rec else { return };
        let core = &mut rec.core;
        core.push(KeyValue::new(
            GEN_AI_EMBEDDINGS_INPUT_COUNT,
            to_i64(request.input_count),
        ));
        push_opt(
            core,
            GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
            request.dimensions.map(to_i64),
        );
        if let Some(format) = &request.encoding_format {
            core.push(KeyValue::new(
                GEN_AI_REQUEST_ENCODING_FORMATS,
                string_array([format.clone()]),
            ));
        }
        if let Some(user) = &request.user {
            core.push(KeyValue::new(GEN_AI_REQUEST_USER, user.clone()));
        }
    }

    /// Marks the arrival of the first streamed token (only the first call counts):
    /// `gen_ai.response.time_to_first_chunk`, `llm.time_to_first_token_ms` and a
    /// `first_token_received` event.
    pub fn record_first_token(&mut self) {
        let Some(rec) = &mut self.rec else { return };
        if rec.summary.time_to_first_chunk.is_some() {
            return;
        }
        let elapsed = rec.start.elapsed();
        rec.summary.time_to_first_chunk = Some(elapsed);
        let ms = elapsed.as_secs_f64() * 1000.0;
        rec.event(
            FIRST_TOKEN_RECEIVED_EVENT,
            vec![KeyValue::new(LLM_TIME_TO_FIRST_TOKEN_MS, ms)],
        );
    }

    /// Whether [`record_first_token`](Self::record_first_token) was called.
    pub fn first_token_seen(&self) -> bool {
        self.rec
            .as_ref()
            .is_some_and(|r| r.summary.time_to_first_chunk.is_some())
    }

    /// Records the response: id, model, finish reasons, usage, cost, completions.
    pub fn record_chat_response(&mut self, response: &ChatResponse) {
        let Some(rec) = &mut self.rec else { return };
        let core = &mut rec.core;
        if let Some(id) = &response.id {
            core.push(KeyValue::new(GEN_AI_RESPONSE_ID, id.clone()));
        }
        if let Some(model) = &response.model {
            core.push(KeyValue::new(
                GEN_AI_RESPONSE_MODEL,
                shared(model, &mut rec.summary.response_model),
            ));
        } else if rec.request_model_answers
            && let Some(model) = rec.summary.request_model.clone()
        {
            core.push(KeyValue::new(
                GEN_AI_RESPONSE_MODEL,
                Value::String(model.clone()),
            ));
            rec.summary.response_model = Some(model);
        }
        // The request's conversation id, when it had one, stands.
        if let Some(id) = &response.conversation_id
            && !core
                .iter()
                .any(|kv| kv.key.as_str() == GEN_AI_CONVERSATION_ID)
        {
            core.push(KeyValue::new(GEN_AI_CONVERSATION_ID, id.clone()));
        }
        let latest = rec.settings.latest_conventions();
        let reasons: Vec<StringValue> = response
            .completions
            .iter()
            .filter_map(|c| c.finish_reason.as_ref())
            .map(|reason| {
                if latest {
                    convention_reason_value(reason)
                } else {
                    finish_reason_value(reason)
                }
            })
            .collect();
        let truncated = response.completions.iter().any(|c| {
            c.finish_reason
                .as_ref()
                .is_some_and(FinishReason::is_length)
        });
        if !reasons.is_empty() {
            core.push(KeyValue::new(
                GEN_AI_RESPONSE_FINISH_REASONS,
                string_array(reasons),
            ));
        }
        if truncated {
            core.push(KeyValue::new(LLM_TRUNCATED, true));
            let attrs = rec
                .max_tokens
                .map(|limit| vec![KeyValue::new(GEN_AI_REQUEST_MAX_TOKENS, to_i64(limit))])
                .unwrap_or_default();
            rec.event(RESPONSE_TRUNCATED_EVENT, attrs);
        }
        record_usage(rec, response.model.as_deref(), &response.usage);
        let recorder = Recorder::new(&rec.settings);
        rec.messages
            .reserve(recorder.indexed_estimate(response.completions.len(), 0, 0));
        recorder.completions(&response.completions, &mut rec.messages);
    }

    /// Records an embeddings response.
    pub fn record_embeddings_response(&mut self, response: &EmbeddingsResponse) {
        let Some(rec) = &mut self.rec else { return };
        if let Some(model) = &response.model {
            let value = shared(model, &mut rec.summary.response_model);
            rec.core.push(KeyValue::new(GEN_AI_RESPONSE_MODEL, value));
        }
        record_usage(rec, response.model.as_deref(), &response.usage);
    }

    /// Records a failure: status Error, `error.type`, `coresdk.problem.*` and an
    /// `exception` event.
    pub fn record_error(&mut self, error: &CallError) {
        let Some(rec) = &mut self.rec else { return };
        let core = &mut rec.core;
        let error_type = shared(error.error_type(), &mut rec.summary.error_type);
        core.push(KeyValue::new(ERROR_TYPE, error_type));
        if let Some(status) = error.status() {
            core.push(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
            core.push(KeyValue::new(CORESDK_PROBLEM_STATUS, i64::from(status)));
        }
        core.push(KeyValue::new(CORESDK_PROBLEM_TYPE, error.problem_type()));
        core.push(KeyValue::new(CORESDK_PROBLEM_TITLE, error.kind().title()));
        core.push(KeyValue::new(
            CORESDK_PROBLEM_DETAIL,
            error.message().to_owned(),
        ));
        if let Some(hint) = error.recovery_hint() {
            core.push(KeyValue::new(CORESDK_RECOVERY_HINT, hint.to_owned()));
        }
        rec.event(
            EXCEPTION_EVENT,
            vec![
                KeyValue::new(EXCEPTION_TYPE, error.error_type().to_owned()),
                KeyValue::new(EXCEPTION_MESSAGE, error.message().to_owned()),
            ],
        );
        rec.error = Some(error.to_string());
    }

    /// Records a failure that is not a provider call: status Error,
    /// `error.type` and an `exception` event, without the provider problem.
    pub(crate) fn record_failure(&mut self, error_type: &str, message: &str) {
        let Some(rec) = &mut self.rec else { return };
        let value = shared(error_type, &mut rec.summary.error_type);
        rec.core.push(KeyValue::new(ERROR_TYPE, value));
        // The RFC 9457 defaults `#[trace]` gives an error without its own
        // `Problem`, so a failing tool or search is the error span of a
        // complete diagnostic payload (the detail is masked downstream).
        rec.core.extend([
            KeyValue::new(CORESDK_PROBLEM_TYPE, "about:blank"),
            KeyValue::new(CORESDK_PROBLEM_TITLE, error_type.to_owned()),
            KeyValue::new(CORESDK_PROBLEM_STATUS, 500_i64),
            KeyValue::new(CORESDK_PROBLEM_DETAIL, message.to_owned()),
        ]);
        rec.event(
            EXCEPTION_EVENT,
            vec![
                KeyValue::new(EXCEPTION_TYPE, error_type.to_owned()),
                KeyValue::new(EXCEPTION_MESSAGE, message.to_owned()),
            ],
        );
        rec.error = Some(message.to_owned());
    }

    /// Records that the caller dropped the call before it finished (`coresdk.cancelled`).
    pub fn record_cancelled(&mut self) {
        if let Some(rec) = &mut self.rec {
            rec.core.push(KeyValue::new(CORESDK_CANCELLED, true));
        }
    }
}

/// The spelling of a well-known output type, borrowed for the life of the program.
fn known_output_type(kind: &OutputType) -> &'static str {
    match kind {
        OutputType::Text => "text",
        OutputType::Json => "json",
        OutputType::Image => "image",
        OutputType::Speech => "speech",
        OutputType::Other(_) => "",
    }
}

pub(super) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn push_opt<T: Into<Value>>(out: &mut Vec<KeyValue>, key: &'static str, value: Option<T>) {
    if let Some(value) = value {
        out.push(KeyValue::new(key, value));
    }
}

fn record_usage(rec: &mut Recording, response_model: Option<&str>, usage: &Usage) {
    let core = &mut rec.core;
    for (key, tokens) in [
        (GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens),
        (GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens),
        (
            GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
            usage.cache_read_input_tokens,
        ),
        (
            GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
            usage.cache_creation_input_tokens,
        ),
        (
            GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
            usage.reasoning_output_tokens,
        ),
    ] {
        push_opt(core, key, tokens.map(to_i64));
    }
    let pricing = rec.settings.pricing();
    let cost = response_model
        .and_then(|m| pricing.cost(m, usage))
        .or_else(|| pricing.cost(rec.summary.request_model.as_ref()?.as_str(), usage));
    push_opt(core, LLM_COST_USD, cost);
    rec.summary.usage = *usage;
    rec.summary.cost_usd = cost;
}

/// `text` as a value whose clone is free, kept in the summary's `slot`.
pub(super) fn shared(text: &str, slot: &mut Option<StringValue>) -> Value {
    let value = StringValue::from(Arc::<str>::from(text));
    *slot = Some(value.clone());
    Value::String(value)
}

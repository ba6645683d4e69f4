//! `OpenAIError` → [`CallError`] (`error.type`, RFC 9457 problem).

use async_openai::error::OpenAIError;
use coresdk::genai::{CallError, CallErrorKind, Outcome};
use serde_json::Value;

/// The outcome of a call's result: `ok` describes a success (its `bool`
/// says whether content is captured), a failure is its [`call_error`].
pub(crate) fn outcome<T>(
    ok: impl FnOnce(&T, bool) -> Outcome,
) -> impl FnOnce(&Result<T, OpenAIError>, bool) -> Outcome {
    |result, capture| match result {
        Ok(value) => ok(value, capture),
        Err(error) => Outcome::error(call_error(error)),
    }
}

/// Describes an async-openai error for the span: `error.type` is the OpenAI
/// error code when the API gave one (`rate_limit_exceeded`), else the HTTP
/// status (`500`), else the failure class (`connection`, `deserialization`, ...).
pub fn call_error(error: &OpenAIError) -> CallError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let api = &response.api_error;
            // async-openai passes 5xx bodies through as the message: unwrap
            // OpenAI's `{"error": {...}}` envelope when it is one.
            let (message, code) = match serde_json::from_str::<Value>(&api.message) {
                Ok(Value::Object(body)) => {
                    let inner = body.get("error");
                    let field = |k: &str| {
                        inner
                            .and_then(|e| e.get(k))
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    };
                    (
                        field("message").unwrap_or_else(|| api.message.clone()),
                        api.code.clone().or_else(|| field("code")),
                    )
                }
                _ => (api.message.clone(), api.code.clone()),
            };
            let error = CallError::http(status, message);
            match code {
                Some(code) => error.with_error_type(code),
                None => error,
            }
        }
        OpenAIError::Reqwest(e) => {
            let kind = if e.is_timeout() {
                CallErrorKind::Timeout
            } else if e.is_decode() {
                CallErrorKind::Deserialization
            } else {
                CallErrorKind::Connection
            };
            let error = CallError::new(kind, e.to_string());
            match e.status() {
                Some(status) => CallError::http(status.as_u16(), e.to_string()),
                None => error,
            }
        }
        OpenAIError::JSONDeserialize(e, _) => {
            // The body itself may hold user content: keep only the parser's message.
            CallError::new(CallErrorKind::Deserialization, e.to_string())
        }
        OpenAIError::StreamError(e) => CallError::new(CallErrorKind::Stream, e.to_string()),
        OpenAIError::InvalidArgument(message) => {
            CallError::new(CallErrorKind::InvalidArgument, message.clone())
        }
        other => CallError::new(CallErrorKind::Other, other.to_string()),
    }
}

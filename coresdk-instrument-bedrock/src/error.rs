//! Bedrock failures → [`CallError`] (`error.type` = the AWS error code,
//! RFC 9457 problem, recovery hint).

use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::event_stream::RawMessage;
use coresdk::genai::{CallError, CallErrorKind, recovery};

/// The HTTP status and recovery hint of each modeled Bedrock Runtime error
/// (botocore `bedrock-runtime/2023-09-30/service-2.json`); the status
/// serves errors that arrive without one (in-stream exception frames).
fn modeled(code: &str) -> Option<(u16, Option<&'static str>)> {
    use recovery::{
        CHECK_DOWNSTREAM_HEALTH as HEALTH, RETRY_WITH_BACKOFF as RETRY,
        ROTATE_CREDENTIALS as ROTATE, VALIDATE_INPUT_SCHEMA as VALIDATE,
    };
    Some(match code {
        "ValidationException" => (400, Some(VALIDATE)),
        "ServiceQuotaExceededException" => (400, None),
        "AccessDeniedException" => (403, Some(ROTATE)),
        "ResourceNotFoundException" => (404, None),
        "ModelTimeoutException" => (408, Some(RETRY)),
        "ConflictException" => (409, None),
        "ModelErrorException" | "ModelStreamErrorException" => (424, Some(HEALTH)),
        "ThrottlingException" | "ModelNotReadyException" => (429, Some(RETRY)),
        "InternalServerException" => (500, Some(HEALTH)),
        "ServiceUnavailableException" => (503, Some(HEALTH)),
        _ => return None,
    })
}

/// The recovery hint for an AWS error code or failure class, where one is obvious.
fn hint(code: &str, kind: CallErrorKind) -> Option<&'static str> {
    modeled(code).and_then(|(_, hint)| hint).or(match kind {
        CallErrorKind::RateLimited | CallErrorKind::Timeout => Some(recovery::RETRY_WITH_BACKOFF),
        CallErrorKind::Unauthorized => Some(recovery::ROTATE_CREDENTIALS),
        CallErrorKind::Connection | CallErrorKind::ProviderError => {
            Some(recovery::CHECK_DOWNSTREAM_HEALTH)
        }
        _ => None,
    })
}

/// A modeled AWS error. From an HTTP response (`status` given) `error.type`
/// is its code (`ThrottlingException`) and the status is recorded; from an
/// in-stream exception frame (`status` `None`, the HTTP response was a 200)
/// the failure class follows the code's modeled status, and no HTTP status is
/// recorded.
pub(crate) fn aws_error(code: &str, message: &str, status: Option<u16>) -> CallError {
    let error = if let Some(status) = status {
        CallError::http(status, message)
    } else {
        let kind = modeled(code).map_or(CallErrorKind::Other, |(status, _)| {
            CallErrorKind::from_status(status)
        });
        CallError::new(kind, message)
    };
    // 424: the model itself failed, which is the provider's failure.
    let error = match code {
        "ModelErrorException" | "ModelStreamErrorException" => {
            error.with_kind(CallErrorKind::ProviderError)
        }
        _ => error,
    };
    finish(error, code)
}

fn finish(error: CallError, code: &str) -> CallError {
    let kind = error.kind();
    let error = if code.is_empty() {
        error
    } else {
        error.with_error_type(code)
    };
    match hint(code, kind) {
        Some(text) => error.with_recovery_hint(text),
        None => error,
    }
}

/// Describes a Bedrock SDK error for the span. `status` reads the HTTP status
/// from the raw response type (`None` for event-stream messages).
pub(crate) fn call_error<E, R>(
    error: &SdkError<E, R>,
    status: impl Fn(&R) -> Option<u16>,
) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let kind = match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or_default();
            let message = err.message().unwrap_or(code);
            return aws_error(code, message, status(service.raw()));
        }
        SdkError::ResponseError(response) => match status(response.raw()) {
            Some(status) => {
                return finish(CallError::http(status, source_message(error)), "");
            }
            None => CallErrorKind::Deserialization,
        },
        SdkError::TimeoutError(_) => CallErrorKind::Timeout,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => CallErrorKind::Timeout,
        SdkError::DispatchFailure(_) => CallErrorKind::Connection,
        SdkError::ConstructionFailure(_) => CallErrorKind::InvalidArgument,
        _ => CallErrorKind::Other,
    };
    finish(CallError::new(kind, source_message(error)), "")
}

/// An in-stream error. Exception frames carry no code in their payload:
/// the modeled exception's name starts its message
/// (`ThrottlingException: ...`).
pub(crate) fn stream_error<E>(error: &SdkError<E, RawMessage>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let SdkError::ServiceError(service) = error {
        let err = service.err();
        let shown = err.to_string();
        let name = shown.split(':').next().filter(|n| n.ends_with("Exception"));
        let code = err.code().or(name).unwrap_or_default();
        return aws_error(code, err.message().unwrap_or(code), None);
    }
    call_error(error, |_| None)
}

/// The innermost cause's message: `SdkError`'s own Display is only a class
/// ("dispatch failure"), its source says what happened.
fn source_message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message = cause.to_string();
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modeled_codes_map_to_status_kind_and_hint() {
        let e = aws_error("ThrottlingException", "Too many tokens", Some(429));
        assert_eq!(e.kind(), CallErrorKind::RateLimited);
        assert_eq!(e.error_type(), "ThrottlingException");
        assert_eq!(e.recovery_hint(), Some(recovery::RETRY_WITH_BACKOFF));
        let e = aws_error("ServiceUnavailableException", "down", None);
        assert_eq!(e.status(), None);
        assert_eq!(e.kind(), CallErrorKind::ProviderError);
        assert_eq!(e.recovery_hint(), Some(recovery::CHECK_DOWNSTREAM_HEALTH));
        let e = aws_error("ModelTimeoutException", "slow", Some(408));
        assert_eq!(e.kind(), CallErrorKind::Timeout);
        assert_eq!(
            aws_error("AccessDeniedException", "no", Some(403)).recovery_hint(),
            Some(recovery::ROTATE_CREDENTIALS)
        );
    }
}

//! Every attribute key CoreSDK writes, as a constant, in one place.
//!
//! Keys follow the OpenTelemetry semantic conventions where one exists
//! (`gen_ai.*`, `code.*`, `error.type`, `server.*`), the llm-tracekit /
//! OpenLLMetry indexed message layout (`gen_ai.prompt.N.*`), and CoreSDK's own
//! namespace (`coresdk.*`, `llm.*`) for the rest. No other module spells a key
//! as a string literal: grep here to learn what the SDK can emit.

// --- Code location (OTel `code.*`) -------------------------------------------

/// Fully qualified function name (`module::path::fn`).
pub const CODE_FUNCTION_NAME: &str = "code.function.name";
/// Source file path of the instrumented function.
pub const CODE_FILE_PATH: &str = "code.file.path";
/// Source line of the instrumented function.
pub const CODE_LINE_NUMBER: &str = "code.line.number";
/// Module path, as recorded by `tracing-opentelemetry`.
pub const CODE_MODULE_NAME: &str = "code.module.name";

// --- CoreSDK ------------------------------------------------------------------

/// The human-readable intent of a traced function (`#[trace(intent = ...)]`).
pub const CORESDK_INTENT: &str = "coresdk.intent";
/// The recovery hint attached to a failed span.
pub const CORESDK_RECOVERY_HINT: &str = "coresdk.recovery_hint";
/// Set to `true` when a traced future was dropped before it completed.
pub const CORESDK_CANCELLED: &str = "coresdk.cancelled";
/// RFC 9457 problem `type` URI of a failed span.
pub const CORESDK_PROBLEM_TYPE: &str = "coresdk.problem.type";
/// RFC 9457 problem `title` of a failed span.
pub const CORESDK_PROBLEM_TITLE: &str = "coresdk.problem.title";
/// RFC 9457 problem `status` of a failed span.
pub const CORESDK_PROBLEM_STATUS: &str = "coresdk.problem.status";
/// RFC 9457 problem `detail` of a failed span.
pub const CORESDK_PROBLEM_DETAIL: &str = "coresdk.problem.detail";
/// Number of values the PII masking stage replaced on a span.
pub const CORESDK_PII_MASKED: &str = "coresdk.pii.masked";

// --- General OTel -------------------------------------------------------------

/// The class of error a span ended with.
pub const ERROR_TYPE: &str = "error.type";
/// Name of the exception event.
pub const EXCEPTION_EVENT: &str = "exception";
/// Exception type on the exception event.
pub const EXCEPTION_TYPE: &str = "exception.type";
/// Exception message on the exception event.
pub const EXCEPTION_MESSAGE: &str = "exception.message";
/// Host name of the server a client span talks to.
pub const SERVER_ADDRESS: &str = "server.address";
/// Port of the server a client span talks to.
pub const SERVER_PORT: &str = "server.port";

// --- Resource -----------------------------------------------------------------

/// `service.name` resource attribute.
pub const SERVICE_NAME: &str = "service.name";
/// `service.version` resource attribute.
pub const SERVICE_VERSION: &str = "service.version";
/// `deployment.environment` resource attribute (legacy name, still read by most backends).
pub const DEPLOYMENT_ENVIRONMENT: &str = "deployment.environment";
/// `deployment.environment.name` resource attribute (current semantic conventions).
pub const DEPLOYMENT_ENVIRONMENT_NAME: &str = "deployment.environment.name";
/// `telemetry.sdk.name` resource attribute.
pub const TELEMETRY_SDK_NAME: &str = "telemetry.sdk.name";
/// `telemetry.sdk.language` resource attribute.
pub const TELEMETRY_SDK_LANGUAGE: &str = "telemetry.sdk.language";
/// `telemetry.sdk.version` resource attribute.
pub const TELEMETRY_SDK_VERSION: &str = "telemetry.sdk.version";
/// `telemetry.distro.name`: CoreSDK names itself as the distribution.
pub const TELEMETRY_DISTRO_NAME: &str = "telemetry.distro.name";
/// `telemetry.distro.version`: the CoreSDK version.
pub const TELEMETRY_DISTRO_VERSION: &str = "telemetry.distro.version";

// --- PII masking key rules (issue 4) -------------------------------------------
//
// Globs over attribute keys (`*` = any run, `?` = one character, ASCII case
// ignored). The masking stage handles matching attributes whole, whatever their
// value. A default can be switched off by listing its glob in `pii.disabled_rules`.

/// Keys whose values are redacted whole (`<REDACTED>`) by default.
pub const PII_REDACT_KEY_GLOBS: &[&str] = &[
    "*password*",
    "*passwd*",
    "*secret*",
    "*token*",
    "*api_key*",
    "*apikey*",
    "http.request.header.authorization",
    "http.request.header.proxy-authorization",
    "http.request.header.cookie",
    "http.response.header.set-cookie",
];
/// Keys whose values are replaced by a keyed HMAC-SHA256 (`<HASH:…>`) by
/// default, so traces still group by user without exposing the id.
pub const PII_HASH_KEY_GLOBS: &[&str] = &["user.id", "enduser.id", "tenant.id", "session.id"];
/// Keys the default key rules leave alone although they match one (token
/// counts, limits and timings are not secrets).
pub const PII_KEY_RULE_EXEMPT_GLOBS: &[&str] = &[
    "gen_ai.usage.*",
    "llm.usage.*",
    "gen_ai.request.max_tokens",
    "gen_ai.token.type",
    "llm.time_to_first_token*",
    "*token_count*",
];

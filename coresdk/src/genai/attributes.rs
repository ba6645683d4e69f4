//! Every attribute key CoreSDK writes, as a constant, in one place.
//!
//! Keys follow the OpenTelemetry semantic conventions where one exists
//! (`gen_ai.*`, `code.*`, `error.type`, `server.*`), the llm-tracekit /
//! OpenLLMetry indexed message layout (`gen_ai.prompt.N.*`), and CoreSDK's own
//! namespace (`coresdk.*`, `llm.*`) for the rest. Keys the conventions define
//! (and do not deprecate) are taken from `opentelemetry-semantic-conventions`.
//! No other module spells a key as a string literal: grep here to learn what
//! the SDK can emit.

use opentelemetry_semantic_conventions::attribute as semconv;

// --- Code location (OTel `code.*`) -------------------------------------------

/// Fully qualified function name (`module::path::fn`).
pub const CODE_FUNCTION_NAME: &str = semconv::CODE_FUNCTION_NAME;
/// Source file path of the instrumented function.
pub const CODE_FILE_PATH: &str = semconv::CODE_FILE_PATH;
/// Source line of the instrumented function.
pub const CODE_LINE_NUMBER: &str = semconv::CODE_LINE_NUMBER;
/// Module path of the callsite.
pub const CODE_MODULE_NAME: &str = "code.module.name";

// --- `otel.*` span fields ------------------------------------------------------
// Read by CoreSDK's layer as `tracing-opentelemetry` reads them, so spans
// written for either layer come out the same.

/// The span field the span name is taken from.
pub const OTEL_NAME_FIELD: &str = "otel.name";
/// The span field the span kind is taken from (`client`, `server`, …).
pub const OTEL_KIND_FIELD: &str = "otel.kind";
/// The span field the status code is taken from (`ok`, `error`).
pub const OTEL_STATUS_CODE_FIELD: &str = semconv::OTEL_STATUS_CODE;
/// The span field an error status description is taken from.
pub const OTEL_STATUS_DESCRIPTION_FIELD: &str = semconv::OTEL_STATUS_DESCRIPTION;
/// Attribute of span events: the event's level (`INFO`, `ERROR`, …).
pub const EVENT_LEVEL: &str = "level";
/// Attribute of span events: the event's `tracing` target.
pub const EVENT_TARGET: &str = "target";

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
pub const ERROR_TYPE: &str = semconv::ERROR_TYPE;
/// Name of the exception event.
pub const EXCEPTION_EVENT: &str = "exception";
/// Exception type on the exception event.
pub const EXCEPTION_TYPE: &str = semconv::EXCEPTION_TYPE;
/// Exception message on the exception event.
pub const EXCEPTION_MESSAGE: &str = semconv::EXCEPTION_MESSAGE;
/// Host name of the server a client span talks to.
pub const SERVER_ADDRESS: &str = semconv::SERVER_ADDRESS;
/// Port of the server a client span talks to.
pub const SERVER_PORT: &str = semconv::SERVER_PORT;

// --- Resource -----------------------------------------------------------------

/// `service.name` resource attribute.
pub const SERVICE_NAME: &str = semconv::SERVICE_NAME;
/// `service.version` resource attribute.
pub const SERVICE_VERSION: &str = semconv::SERVICE_VERSION;
/// `deployment.environment` resource attribute (legacy name, still read by most backends).
pub const DEPLOYMENT_ENVIRONMENT: &str = "deployment.environment";
/// `deployment.environment.name` resource attribute (current semantic conventions).
pub const DEPLOYMENT_ENVIRONMENT_NAME: &str = semconv::DEPLOYMENT_ENVIRONMENT_NAME;
/// `telemetry.sdk.name` resource attribute.
pub const TELEMETRY_SDK_NAME: &str = semconv::TELEMETRY_SDK_NAME;
/// `telemetry.sdk.language` resource attribute.
pub const TELEMETRY_SDK_LANGUAGE: &str = semconv::TELEMETRY_SDK_LANGUAGE;
/// `telemetry.sdk.version` resource attribute.
pub const TELEMETRY_SDK_VERSION: &str = semconv::TELEMETRY_SDK_VERSION;
/// `telemetry.distro.name`: CoreSDK names itself as the distribution.
pub const TELEMETRY_DISTRO_NAME: &str = semconv::TELEMETRY_DISTRO_NAME;
/// `telemetry.distro.version`: the CoreSDK version.
pub const TELEMETRY_DISTRO_VERSION: &str = semconv::TELEMETRY_DISTRO_VERSION;

// --- GenAI client spans (`coresdk::genai`, provider instrumentations) ----------
//
// Indexed message keys are built at run time from a prefix, an index and a
// suffix (`gen_ai.prompt` + `3` + `content`): the prefixes and suffixes live here.

/// Name of the operation (`chat`, `embeddings`, ...).
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// The GenAI provider (`openai`, `aws.bedrock`), OTel semconv v1.37+.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// The GenAI provider, legacy key still read by llm-tracekit / OpenLLMetry backends.
pub const GEN_AI_SYSTEM: &str = "gen_ai.system";

/// Model named in the request.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// Maximum number of tokens the model may generate.
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// Sampling temperature.
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// Nucleus sampling `top_p`.
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// Top-k sampling.
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// Frequency penalty.
pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// Presence penalty.
pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// Stop sequences (string array).
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// Sampling seed.
pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
/// Number of choices requested (`n`).
pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// The kind of output requested (`text`, `json`, `image`, `speech`).
pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";
/// Whether the response was requested as a stream.
pub const GEN_AI_REQUEST_STREAM: &str = "gen_ai.request.stream";
/// End-user identifier sent with the request.
pub const GEN_AI_REQUEST_USER: &str = "gen_ai.request.user";
/// Encoding formats requested from an embeddings API (string array).
pub const GEN_AI_REQUEST_ENCODING_FORMATS: &str = "gen_ai.request.encoding_formats";
/// Number of dimensions requested of an embeddings API.
pub const GEN_AI_EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";
/// Number of inputs sent to an embeddings API.
pub const GEN_AI_EMBEDDINGS_INPUT_COUNT: &str = "gen_ai.embeddings.input.count";

/// OpenAI: end-user identifier (llm-tracekit key).
pub const GEN_AI_OPENAI_REQUEST_USER: &str = "gen_ai.openai.request.user";
/// OpenAI: requested seed (legacy key).
pub const GEN_AI_OPENAI_REQUEST_SEED: &str = "gen_ai.openai.request.seed";
/// OpenAI: requested service tier.
pub const GEN_AI_OPENAI_REQUEST_SERVICE_TIER: &str = "gen_ai.openai.request.service_tier";
/// OpenAI: requested response format (`text`, `json_object`, `json_schema`).
pub const GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT: &str = "gen_ai.openai.request.response_format";
/// OpenAI Responses API: the response a request continues (`previous_response_id`).
pub const GEN_AI_OPENAI_REQUEST_PREVIOUS_RESPONSE_ID: &str =
    "gen_ai.openai.request.previous_response_id";
/// OpenAI: service tier that served the response (legacy key, llm-tracekit).
pub const GEN_AI_OPENAI_RESPONSE_SERVICE_TIER: &str = "gen_ai.openai.response.service_tier";
// The crate marks the two below deprecated only because the GenAI conventions
// moved to their own repository; the names are current there.
/// OpenAI: requested service tier (latest conventions).
pub const OPENAI_REQUEST_SERVICE_TIER: &str = "openai.request.service_tier";
/// OpenAI Responses API: the response a request continues (latest conventions).
pub const OPENAI_REQUEST_PREVIOUS_RESPONSE_ID: &str = "openai.request.previous_response_id";
/// OpenAI: service tier that served the response (latest conventions).
pub const OPENAI_RESPONSE_SERVICE_TIER: &str = "openai.response.service_tier";
/// OpenAI: backend configuration fingerprint of the response.
pub const OPENAI_RESPONSE_SYSTEM_FINGERPRINT: &str = "openai.response.system_fingerprint";

/// Response id.
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// Model that produced the response.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// Finish reason of every choice, in choice order (string array).
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Seconds from the request to the first streamed chunk.
pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";

/// Input (prompt) tokens, cached ones included.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Output (completion) tokens, reasoning ones included.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Input tokens served from the provider's prompt cache.
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's prompt cache.
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// Output tokens spent on reasoning.
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";

/// Prefix of the indexed prompt messages: `gen_ai.prompt.<N>.<suffix>`.
pub const GEN_AI_PROMPT: &str = "gen_ai.prompt";
/// Prefix of the indexed completions: `gen_ai.completion.<N>.<suffix>`.
pub const GEN_AI_COMPLETION: &str = "gen_ai.completion";
/// Prefix of the indexed tool definitions: `gen_ai.request.tools.<N>.<suffix>`.
pub const GEN_AI_REQUEST_TOOLS: &str = "gen_ai.request.tools";
/// OpenAI alias prefix of the tool definitions (llm-tracekit).
pub const GEN_AI_OPENAI_REQUEST_TOOLS: &str = "gen_ai.openai.request.tools";
/// Bedrock alias prefix of the tool definitions (llm-tracekit).
pub const GEN_AI_BEDROCK_REQUEST_TOOLS: &str = "gen_ai.bedrock.request.tools";

/// Indexed suffix: message role.
pub const SUFFIX_ROLE: &str = "role";
/// Indexed suffix: message content (captured content only).
pub const SUFFIX_CONTENT: &str = "content";
/// Indexed suffix: id of the tool call a tool message answers.
pub const SUFFIX_TOOL_CALL_ID: &str = "tool_call_id";
/// Indexed suffix: finish reason of a completion.
pub const SUFFIX_FINISH_REASON: &str = "finish_reason";
/// Indexed infix: tool calls of a message, `...tool_calls.<M>.<suffix>`.
pub const SUFFIX_TOOL_CALLS: &str = "tool_calls";
/// Indexed suffix: tool call id.
pub const SUFFIX_ID: &str = "id";
/// Indexed suffix: tool call / tool definition type.
pub const SUFFIX_TYPE: &str = "type";
/// Indexed suffix: function name.
pub const SUFFIX_FUNCTION_NAME: &str = "function.name";
/// Indexed suffix: function arguments (captured content only).
pub const SUFFIX_FUNCTION_ARGUMENTS: &str = "function.arguments";
/// Indexed suffix: function description of a tool definition.
pub const SUFFIX_FUNCTION_DESCRIPTION: &str = "function.description";
/// Indexed suffix: JSON schema of a tool definition's parameters.
pub const SUFFIX_FUNCTION_PARAMETERS: &str = "function.parameters";

/// OTel v1.37+ JSON form of the input messages.
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// OTel v1.37+ JSON form of the output messages.
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// OTel v1.37+ JSON form of system instructions given apart from the chat history.
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// OTel v1.37+ JSON form of the tool definitions.
pub const GEN_AI_TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";

/// Estimated cost of the call in US dollars (from the pricing table).
pub const LLM_COST_USD: &str = "llm.cost_usd";
/// Wall time of the whole logical call (retries and stream included), ms.
pub const LLM_LATENCY_MS: &str = "llm.latency_ms";
/// Milliseconds from the request to the first streamed token.
pub const LLM_TIME_TO_FIRST_TOKEN_MS: &str = "llm.time_to_first_token_ms";
/// `true` when a completion stopped at the token limit (`finish_reason = length`).
pub const LLM_TRUNCATED: &str = "llm.truncated";

/// HTTP status code of the provider's response.
pub const HTTP_RESPONSE_STATUS_CODE: &str = semconv::HTTP_RESPONSE_STATUS_CODE;

/// Event: the first streamed token arrived.
pub const FIRST_TOKEN_RECEIVED_EVENT: &str = "first_token_received";
/// Event: a completion was cut off at the token limit.
pub const RESPONSE_TRUNCATED_EVENT: &str = "response_truncated";

// --- Application context (`coresdk::context`) ----------------------------------

/// The end user on whose behalf the call was made.
pub const USER_ID: &str = semconv::USER_ID;
/// The user's session (conversation) id.
pub const SESSION_ID: &str = semconv::SESSION_ID;
/// The application feature that made the call.
pub const APP_FEATURE: &str = "app.feature";
/// Version of the prompt template the call used.
pub const APP_PROMPT_VERSION: &str = "app.prompt.version";
/// Name of the prompt template the call used.
pub const APP_PROMPT_NAME: &str = "app.prompt.name";
/// The conversation (thread) a call belongs to (OTel GenAI conventions).
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";

// --- Metrics --------------------------------------------------------------------

/// Histogram: duration of a GenAI client operation, in seconds.
pub const METRIC_GEN_AI_CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Histogram: tokens used per GenAI client operation, by `gen_ai.token.type`.
pub const METRIC_GEN_AI_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Histogram: time from request to the first streamed chunk, in seconds.
pub const METRIC_GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK: &str =
    "gen_ai.client.operation.time_to_first_chunk";
/// Counter: estimated cost of GenAI calls, in USD.
pub const METRIC_LLM_COST_USD: &str = "llm.cost_usd";
/// Metric attribute: `input` or `output`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
/// Counter: spans the pipeline dropped (queue full or over its byte budget,
/// shutdown).
pub const METRIC_CORESDK_SPANS_DROPPED: &str = "coresdk.spans.dropped";
/// Counter: spans an exporter accepted.
pub const METRIC_CORESDK_SPANS_EXPORTED: &str = "coresdk.spans.exported";
/// Counter: spans given up on after export failures.
pub const METRIC_CORESDK_SPANS_EXPORT_FAILED: &str = "coresdk.spans.export_failed";
/// Counter: spans of traces the tail sampler did not keep.
pub const METRIC_CORESDK_SPANS_SAMPLED_OUT: &str = "coresdk.spans.sampled_out";
/// Counter: string attribute values cut at the attribute value length limit.
pub const METRIC_CORESDK_ATTRIBUTES_TRUNCATED: &str = "coresdk.attributes.truncated";

// --- PII masking key rules -----------------------------------------------------
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
/// `session.id` and `gen_ai.conversation.id` are not here: they are opaque
/// ids backends group by, and a hash would only hide what they already hide.
pub const PII_HASH_KEY_GLOBS: &[&str] = &[
    "user.id",
    "enduser.id",
    "tenant.id",
    "gen_ai.request.user",
    "gen_ai.openai.request.user",
];
/// Keys no rule masks, not even a user's key rule: they name infrastructure,
/// not people, and masking them hides which server a call went to.
pub const PII_NEVER_MASKED_KEYS: &[&str] = &[SERVER_ADDRESS];
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

// --- Quality scores, retrieval and tool spans ----------------------------------
//
// `coresdk::quality`: a score named `quality` (the default) is written as
// `llm.quality_score`; any other name `n` as `llm.quality.<n>`, built at run
// time from `LLM_QUALITY_PREFIX`. Retrieval and tool spans follow the OTel
// GenAI conventions (`retrieval {data_source}`, `execute_tool {name}`).

/// The default quality score (0 to 1), from an LLM judge or user feedback.
pub const LLM_QUALITY_SCORE: &str = "llm.quality_score";
/// Prefix of named quality scores: `llm.quality.<name>` (e.g. `llm.quality.faithfulness`).
pub const LLM_QUALITY_PREFIX: &str = "llm.quality";
/// Name of the score on a feedback span or in a scoring event.
pub const CORESDK_SCORE_NAME: &str = "coresdk.score.name";
/// Value of the score on a feedback span or in a scoring event.
pub const CORESDK_SCORE_VALUE: &str = "coresdk.score.value";
/// Who produced a score (`user`, `llm_judge`, ...).
pub const CORESDK_SCORE_SOURCE: &str = "coresdk.score.source";
/// Trace id (32 hex digits) a late score is about, on its feedback span.
pub const CORESDK_SCORE_TRACE_ID: &str = "coresdk.score.trace_id";
/// Span id (16 hex digits) a late score is about, when known.
pub const CORESDK_SCORE_SPAN_ID: &str = "coresdk.score.span_id";
/// Why a score could not be produced (`unparseable_score`, `out_of_range`, `judge_call_failed`).
pub const CORESDK_SCORE_ERROR: &str = "coresdk.score.error";
/// Event: a score was recorded on the span.
pub const QUALITY_SCORED_EVENT: &str = "quality_scored";
/// Event: a score could not be produced (the judge's reply did not parse, ...).
pub const QUALITY_SCORE_FAILED_EVENT: &str = "quality_score_failed";
/// Event of the OTel GenAI conventions: the result of one evaluation (a score).
pub const GEN_AI_EVALUATION_RESULT_EVENT: &str = "gen_ai.evaluation.result";
/// The evaluation's name (the score name).
pub const GEN_AI_EVALUATION_NAME: &str = "gen_ai.evaluation.name";
/// The evaluation's numeric score.
pub const GEN_AI_EVALUATION_SCORE_VALUE: &str = "gen_ai.evaluation.score.value";
/// A human-readable label for the score (`relevant`, `pass`, ...).
pub const GEN_AI_EVALUATION_SCORE_LABEL: &str = "gen_ai.evaluation.score.label";
/// Why the evaluator gave the score (recorded only with content capture on).
pub const GEN_AI_EVALUATION_EXPLANATION: &str = "gen_ai.evaluation.explanation";

/// Identifier of the data source a retrieval queried (index, collection, store).
pub const GEN_AI_DATA_SOURCE_ID: &str = "gen_ai.data_source.id";
/// The retrieval query text (captured content only).
pub const GEN_AI_RETRIEVAL_QUERY_TEXT: &str = "gen_ai.retrieval.query.text";
/// The retrieved documents as JSON `[{"id", "score", "content"?}]`; `content` only when captured.
pub const GEN_AI_RETRIEVAL_DOCUMENTS: &str = "gen_ai.retrieval.documents";

/// Name of the executed tool.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// Id of the tool call the execution answers.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// Description of the executed tool.
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// Type of the executed tool (`function`, `extension`, `datastore`).
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// Arguments passed to the tool, as JSON text (captured content only).
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// The tool's result, as JSON text (captured content only).
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";

// --- AWS Bedrock (`coresdk-instrument-bedrock`) --------------------------------

/// The AWS request id of the call (`x-amzn-RequestId`).
pub const AWS_REQUEST_ID: &str = semconv::AWS_REQUEST_ID;
/// The guardrail identifier configured on a Bedrock call.
pub const AWS_BEDROCK_GUARDRAIL_ID: &str = semconv::AWS_BEDROCK_GUARDRAIL_ID;
/// The guardrail version configured on a Bedrock call.
pub const AWS_BEDROCK_GUARDRAIL_VERSION: &str = "aws.bedrock.guardrail.version";
/// Size in bytes of the request body (e.g. an `InvokeModel` body).
pub const HTTP_REQUEST_BODY_SIZE: &str = semconv::HTTP_REQUEST_BODY_SIZE;
/// Size in bytes of the response body (e.g. an `InvokeModel` body).
pub const HTTP_RESPONSE_BODY_SIZE: &str = semconv::HTTP_RESPONSE_BODY_SIZE;
/// A request body the instrumentation could not decode (the decoder's message,
/// never the body): the call itself is unaffected.
pub const CORESDK_GENAI_REQUEST_BODY_ERROR: &str = "coresdk.genai.request.body_error";
/// A response body (or stream chunk) the instrumentation could not decode.
pub const CORESDK_GENAI_RESPONSE_BODY_ERROR: &str = "coresdk.genai.response.body_error";

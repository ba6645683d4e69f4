//! Failed calls: HTTP 429 / 400 / 500, a malformed body, a refused connection.
//! One span covers the whole logical call, the client's retries included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::Canned;
use opentelemetry::trace::Status;

fn request() -> async_openai::types::chat::CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![ChatCompletionRequestUserMessage::from("Hi").into()])
        .build()
        .unwrap()
}

const ERROR_CORE: &str = r#"
    gen_ai.operation.name = chat
    gen_ai.provider.name = openai
    gen_ai.system = openai
    gen_ai.request.model = gpt-4o
    gen_ai.request.stream = false
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
    gen_ai.prompt.0.role = user
    gen_ai.prompt.0.content = Hi
"#;

fn want(extra: &str) -> std::collections::BTreeMap<String, String> {
    expected(&format!("{ERROR_CORE}{extra}"))
}

/// The 429 fixture without `retry-after` (1 s per retry): the client's
/// default backoff (100, 200, 400 ms) applies.
fn rate_limited() -> Canned {
    Canned::error_429()
        .without_header("retry-after")
        .without_header("retry-after-ms")
}

#[tokio::test]
async fn http_429_after_retries_is_one_failed_span() {
    let h = Harness::new();
    for _ in 0..4 {
        h.server.push(rate_limited());
    }
    let client = h.client(settings(true, MessageFormat::Indexed));
    let err = client.chat().create(request()).await.unwrap_err();
    assert!(matches!(err, OpenAIError::ApiError(_)), "{err}");
    assert_eq!(h.server.requests().len(), 4, "1 call + 3 retries");
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1);
    let s = span(&spans, "chat gpt-4o");
    let message = "Rate limit reached for gpt-4o in organization org-AbCdEfGhIjKlMnOpQrStUvWx on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits to learn more.";
    assert_eq!(
        s.status,
        Status::error(format!(
            "Rate limited by the model provider (429): {message}"
        ))
    );
    assert_attributes(
        &attribute_map(s, port),
        &want(&format!(
            r#"
            error.type = rate_limit_exceeded
            http.response.status_code = 429
            coresdk.problem.type = https://coresdk.dev/problems/genai/rate-limited
            coresdk.problem.title = Rate limited by the model provider
            coresdk.problem.status = 429
            coresdk.problem.detail = {message}
            "#
        )),
    );
    // Retries took at least the client's backoff: the span covers them.
    let elapsed = s.end_time.duration_since(s.start_time).unwrap();
    assert!(elapsed.as_millis() >= 700, "{elapsed:?}");
    // async-openai's own retry warnings land on the span as events, before ours.
    let events: Vec<&str> = s.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(events.last().copied(), Some("exception"));
    assert!(
        events.iter().any(|e| e.starts_with("rate-limit:")),
        "{events:?}"
    );
}

#[tokio::test]
async fn http_429_then_success_is_one_successful_span() {
    let h = Harness::new();
    h.server.push(rate_limited());
    let client = h.client(settings(false, MessageFormat::Indexed));
    client.chat().create(request()).await.unwrap();
    assert_eq!(h.server.requests().len(), 2);
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1);
    let s = span(&spans, "chat gpt-4o");
    assert_eq!(s.status, Status::Unset);
    let got = attribute_map(s, port);
    assert!(!got.contains_key("error.type"));
    assert_eq!(
        got[coresdk::genai::attributes::GEN_AI_RESPONSE_FINISH_REASONS],
        r#"["stop"]"#
    );
}

#[tokio::test]
async fn http_400_is_not_retried_and_names_the_code() {
    let h = Harness::new();
    h.server.push(Canned::error_400());
    let client = h.client(settings(true, MessageFormat::Indexed));
    client.chat().create(request()).await.unwrap_err();
    assert_eq!(h.server.requests().len(), 1);
    let port = h.port();
    let spans = h.finish();
    let message = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";
    assert_attributes(
        &attribute_map(span(&spans, "chat gpt-4o"), port),
        &want(&format!(
            r#"
            error.type = unsupported_parameter
            http.response.status_code = 400
            coresdk.problem.type = https://coresdk.dev/problems/genai/invalid-request
            coresdk.problem.title = Request rejected by the model provider
            coresdk.problem.status = 400
            coresdk.problem.detail = {message}
            "#
        )),
    );
}

#[tokio::test]
async fn http_500_after_retries() {
    let h = Harness::new();
    for _ in 0..4 {
        h.server.push(Canned::error_500());
    }
    let client = h.client(settings(true, MessageFormat::Indexed));
    client.chat().create(request()).await.unwrap_err();
    assert_eq!(h.server.requests().len(), 4);
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    assert!(matches!(s.status, Status::Error { .. }));
    assert_attributes(
        &attribute_map(s, port),
        &want(
            r#"
            error.type = 500
            http.response.status_code = 500
            coresdk.problem.type = https://coresdk.dev/problems/genai/provider-error
            coresdk.problem.title = Model provider error
            coresdk.problem.status = 500
            coresdk.problem.detail = The server had an error while processing your request. Sorry about that!
            "#,
        ),
    );
}

#[tokio::test]
async fn malformed_body_is_a_deserialization_error() {
    let h = Harness::new();
    h.server.push(Canned::json(
        200,
        r#"{"id": "chatcmpl-broken", "object": "chat.completion", "choices": ["#,
    ));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let err = client.chat().create(request()).await.unwrap_err();
    assert!(matches!(err, OpenAIError::JSONDeserialize(..)), "{err}");
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    let mut got = attribute_map(s, port);
    let detail = got.remove("coresdk.problem.detail").unwrap();
    assert!(detail.contains("EOF"), "{detail}");
    assert_attributes(
        &got,
        &want(
            r#"
            error.type = deserialization
            coresdk.problem.type = https://coresdk.dev/problems/genai/deserialization
            coresdk.problem.title = Malformed model provider response
            "#,
        ),
    );
}

#[tokio::test]
async fn refused_connection_is_a_connection_error() {
    let h = Harness::new();
    // A port nobody listens on (outside the range other tests' servers get).
    let port = coresdk_tests::otlp::free_addr().port();
    let config = async_openai::config::OpenAIConfig::new()
        .with_api_base(format!("http://127.0.0.1:{port}/v1"))
        .with_api_key("sk-test");
    let client = coresdk_instrument_openai::instrument(async_openai::Client::with_config(config))
        .with_settings(settings(false, MessageFormat::Indexed));
    let err = client.chat().create(request()).await.unwrap_err();
    assert!(matches!(err, OpenAIError::Reqwest(_)), "{err}");
    let spans = h.finish();
    let s = span(&spans, "chat gpt-4o");
    let mut got = attribute_map(s, port);
    assert!(got.remove("coresdk.problem.detail").is_some());
    let mut want = want(
        r#"
        error.type = connection
        coresdk.problem.type = https://coresdk.dev/problems/genai/connection
        coresdk.problem.title = Could not reach the model provider
        "#,
    );
    want.remove(&format!(
        "{}.0.{}",
        coresdk::genai::attributes::GEN_AI_PROMPT,
        coresdk::genai::attributes::SUFFIX_CONTENT
    ));
    assert_attributes(&got, &want);
}

//! Failed calls: each recorded Bedrock error kind (status, `x-amzn-ErrorType`,
//! body from the fixtures), a transport error, and retries inside one span.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::support::{
    self, CORE, Harness, SYNTHETIC_REQUEST_ID, assert_attributes, attribute_map, expected,
    settings, span,
};
use aws_sdk_bedrockruntime::config::retry::RetryConfig;
use aws_sdk_bedrockruntime::error::ProvideErrorMetadata;
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use coresdk::config::MessageFormat;
use coresdk::genai::attributes::GEN_AI_REQUEST_MODEL;
use coresdk_tests::bedrock_server::Canned;
use opentelemetry::trace::Status;

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn user(text: &str) -> Message {
    Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()
        .unwrap()
}

struct Case {
    code: &'static str,
    status: u16,
    request_id: &'static str,
    message: &'static str,
    problem: &'static str,
    title: &'static str,
    hint: &'static str,
}

const CASES: &[Case] = &[
    Case {
        code: "ThrottlingException",
        status: 429,
        request_id: "ca47a5ce-e260-4824-aa0e-2e62669d5d6e",
        message: "Too many tokens, please wait before trying again.",
        problem: "rate-limited",
        title: "Rate limited by the model provider",
        hint: "retry with exponential backoff",
    },
    Case {
        code: "ValidationException",
        status: 400,
        request_id: "93b73d01-fa53-45bb-b475-26384e8774cf",
        message: "The provided model identifier is invalid.",
        problem: "invalid-request",
        title: "Request rejected by the model provider",
        hint: "validate the input against its schema",
    },
    Case {
        code: "AccessDeniedException",
        status: 403,
        request_id: "725230b7-a0c1-4a3f-baac-6d6c9a25f770",
        message: "You don't have access to the model with the specified model ID.",
        problem: "unauthorized",
        title: "Not authorized by the model provider",
        hint: "rotate or refresh the credentials",
    },
    Case {
        code: "ModelTimeoutException",
        status: 408,
        request_id: "3b7e2f0c-91d4-4a6b-8c55-0e2d7f13a9b4",
        message: "Model has timed out in processing the request. Try your request again.",
        problem: "timeout",
        title: "Model provider call timed out",
        hint: "retry with exponential backoff",
    },
    Case {
        code: "ServiceUnavailableException",
        status: 503,
        request_id: "9c0d5e2a-6b1f-4f7e-b2a8-4d3c1e0f9a77",
        message: "Bedrock is unable to process your request.",
        problem: "provider-error",
        title: "Model provider error",
        hint: "check downstream service health",
    },
];

#[tokio::test]
async fn each_recorded_error_kind_maps_to_type_problem_and_hint() {
    for case in CASES {
        let h = Harness::new();
        h.server.push(Canned::aws_error(case.code));
        let client = h.client(settings(false, MessageFormat::Indexed));
        let error = client
            .converse()
            .model_id(MODEL)
            .messages(user("hi"))
            .send()
            .await
            .unwrap_err();
        // The caller gets the SDK's own error.
        assert_eq!(error.code(), Some(case.code));
        let port = h.port();
        let spans = h.finish();
        let s = span(&spans, &format!("chat {MODEL}"));
        assert_eq!(
            s.status,
            Status::error(format!(
                "{} ({}): {}",
                case.title, case.status, case.message
            )),
            "{}",
            case.code
        );
        let events: Vec<&str> = s.events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(events, ["exception"]);
        let want = expected(&[&format!(
            "
                gen_ai.provider.name = aws.bedrock
                gen_ai.system = aws.bedrock
                server.address = 127.0.0.1
                server.port = PORT
                llm.latency_ms = *
                gen_ai.operation.name = chat
                gen_ai.request.model = {MODEL}
                gen_ai.request.stream = false
                gen_ai.prompt.0.role = user
                aws.request_id = {}
                error.type = {}
                http.response.status_code = {}
                coresdk.problem.status = {}
                coresdk.problem.type = https://coresdk.dev/problems/genai/{}
                coresdk.problem.title = {}
                coresdk.problem.detail = {}
                coresdk.recovery_hint = {}
                ",
            case.request_id,
            case.code,
            case.status,
            case.status,
            case.problem,
            case.title,
            case.message,
            case.hint
        )]);
        assert_attributes(&attribute_map(s, port), &want);
    }
}

#[tokio::test]
async fn transport_error_is_a_connection_problem() {
    let h = Harness::new();
    // A port nothing listens on (outside the range other tests' servers get).
    let closed_port = coresdk_tests::otlp::free_addr().port();
    let client = coresdk_instrument_bedrock::instrument(support::sdk_client(
        &format!("http://127.0.0.1:{closed_port}"),
        RetryConfig::disabled(),
    ))
    .with_settings(settings(false, MessageFormat::Indexed));
    let error = client
        .converse()
        .model_id(MODEL)
        .messages(user("hi"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        aws_sdk_bedrockruntime::error::SdkError::DispatchFailure(_)
    ));
    let spans = h.finish();
    let s = span(&spans, &format!("chat {MODEL}"));
    assert!(
        matches!(&s.status, Status::Error { description } if description.starts_with("Could not reach the model provider: "))
    );
    let mut got = attribute_map(s, closed_port);
    let detail = got
        .remove(coresdk::genai::attributes::CORESDK_PROBLEM_DETAIL)
        .unwrap();
    assert!(detail.to_lowercase().contains("refused"), "{detail}");
    let want = expected(&[&format!(
        "
        gen_ai.provider.name = aws.bedrock
        gen_ai.system = aws.bedrock
        server.address = 127.0.0.1
        server.port = PORT
        llm.latency_ms = *
        gen_ai.operation.name = chat
        gen_ai.request.model = {MODEL}
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        error.type = connection
        coresdk.problem.type = https://coresdk.dev/problems/genai/connection
        coresdk.problem.title = Could not reach the model provider
        coresdk.recovery_hint = check downstream service health
        "
    )]);
    assert_attributes(&got, &want);
}

#[tokio::test]
async fn sdk_retries_stay_inside_one_span() {
    let h = Harness::new();
    h.server.push(Canned::aws_error("ThrottlingException"));
    let client = h.client_with_retry(
        settings(false, MessageFormat::Indexed),
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(1)),
    );
    client
        .converse()
        .model_id(MODEL)
        .messages(user("hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        h.server.requests().len(),
        2,
        "one throttled attempt, one retry"
    );
    assert!(h.server.requests().iter().all(|r| r.signed));
    let port = h.port();
    let spans = h.finish();
    assert_eq!(spans.len(), 1);
    let s = span(&spans, &format!("chat {MODEL}"));
    assert_eq!(s.status, Status::Unset);
    let want = expected(&[
        CORE,
        SYNTHETIC_REQUEST_ID,
        &format!("{GEN_AI_REQUEST_MODEL} = {MODEL}"),
        r#"
        gen_ai.operation.name = chat
        gen_ai.request.stream = false
        gen_ai.prompt.0.role = user
        gen_ai.response.finish_reasons = ["end_turn"]
        gen_ai.response.model = us.anthropic.claude-sonnet-4-5-20250929-v1:0
        gen_ai.usage.input_tokens = 1324
        gen_ai.usage.output_tokens = 5
        gen_ai.usage.cache_read.input_tokens = 0
        gen_ai.usage.cache_creation.input_tokens = 1322
        llm.cost_usd = 0.0050385
        gen_ai.completion.0.role = assistant
        gen_ai.completion.0.finish_reason = end_turn
        "#,
    ]);
    assert_attributes(&attribute_map(s, port), &want);
}

//! A fixed-iteration driver for instruction counting under callgrind, which is
//! deterministic where wall-clock benches on a loaded machine are not.
//!
//! It runs the body of `overhead`'s `genai_span/chat_record` (span + request +
//! response attributes, full pipeline, discarding exporter) `CORESDK_ITERS`
//! times (default 10 000) inside `chat_record_loop`, so only that function's
//! instructions need counting:
//!
//! ```text
//! cargo bench -p coresdk-instrument-openai --bench instructions --no-run
//! CORESDK_ITERS=1000 valgrind --tool=callgrind --toggle-collect='*chat_record_loop*' \
//!     target/release/deps/instructions-<hash>
//! ```
//!
//! Instructions per call = the collected total / `CORESDK_ITERS`. Spans end on
//! the application thread; the worker thread's processing is not counted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use coresdk::config::{ExporterKind, MessageFormat};
use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, FinishReason, GenAiSettings, GenAiSpan, Message,
    Operation, Provider, Role, Usage,
};
use tracing_subscriber::layer::SubscriberExt;

fn neutral() -> (ChatRequest, ChatResponse) {
    let request = ChatRequest {
        model: "gpt-4o".into(),
        messages: vec![
            Message::text(Role::System, "You are a geography tutor."),
            Message::text(Role::User, "What is the capital of Mexico?"),
        ],
        temperature: Some(0.7),
        max_tokens: Some(256),
        ..ChatRequest::default()
    };
    let response = ChatResponse {
        id: Some("chatcmpl-CMKB2zKd9FIICG7iouTBKPCs0fLnL".into()),
        model: Some("gpt-4o-2024-08-06".into()),
        completions: vec![Completion {
            message: Message::text(Role::Assistant, "The capital of Mexico is Mexico City."),
            finish_reason: Some(FinishReason::Stop),
        }],
        usage: Usage {
            input_tokens: Some(14),
            output_tokens: Some(8),
            ..Usage::default()
        },
    };
    (request, response)
}

#[inline(never)]
fn chat_record(settings: &Arc<GenAiSettings>, request: &ChatRequest, response: &ChatResponse) {
    let mut span = GenAiSpan::start_with_settings(
        Provider::OPENAI,
        Operation::Chat,
        "gpt-4o",
        settings.clone(),
    );
    span.set_server("127.0.0.1", Some(8080));
    span.record_chat_request(black_box(request));
    span.record_chat_response(black_box(response));
    span.end();
}

#[inline(never)]
fn chat_record_loop(
    iters: u64,
    settings: &Arc<GenAiSettings>,
    request: &ChatRequest,
    response: &ChatResponse,
) {
    for _ in 0..iters {
        chat_record(settings, request, response);
    }
}

fn main() {
    let iters = std::env::var("CORESDK_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_u64);
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .build()
        .unwrap();
    let (layer, guard) = coresdk::layer(config).unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer)).unwrap();
    let settings = Arc::new(
        GenAiSettings::builder()
            .with_capture_content(true)
            .with_message_format(MessageFormat::Indexed)
            .build(),
    );
    let (request, response) = neutral();
    // Warm-up outside the counted function (lazy statics, first allocations).
    for _ in 0..10 {
        chat_record(&settings, &request, &response);
    }
    let start = std::time::Instant::now();
    chat_record_loop(iters, &settings, &request, &response);
    let per_call = start.elapsed() / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
    eprintln!("chat_record: {iters} calls, {per_call:?} per call (wall clock)");
    let _ = guard.shutdown();
}

//! A fixed-iteration driver for instruction counting under callgrind, which is
//! deterministic where wall-clock benches on a loaded machine are not.
//!
//! With the full pipeline installed (discarding exporter), it runs one of these
//! `CORESDK_ITERS` times (default 10 000) inside
//! `coresdk_tests::counted::counted_loop`, so only that function's
//! instructions need counting:
//!
//! - `chat_record` (default): `overhead`'s `genai_span/chat_record` body
//!   (span + request + response attributes, no network);
//! - `chat_raw` / `chat_traced`: one non-streaming call through the raw /
//!   traced client to the local server, on a `current_thread` runtime so the
//!   client side runs on the counted thread; traced − raw is the added cost;
//! - `stream_raw` / `stream_traced`: a 500-chunk stream read to the end;
//!   (traced − raw) / 500 is the per-chunk cost (plus the per-call cost / 500);
//! - `responses_raw` / `responses_traced`: one Responses API call;
//! - `rstream_raw` / `rstream_traced`: a 500-delta Responses event stream
//!   (503 events) read to the end.
//!
//! ```text
//! cargo bench -p coresdk-instrument-openai --bench instructions --no-run
//! CORESDK_BENCH=chat_record CORESDK_ITERS=1000 valgrind --tool=callgrind \
//!     --toggle-collect='*counted_loop*' target/release/deps/instructions-<hash>
//! ```
//!
//! Instructions per call = the collected total / `CORESDK_ITERS`. Spans end on
//! the application thread; the pipeline worker's processing is not counted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use async_openai::types::responses::{
    CreateResponse, CreateResponseArgs, EasyInputContent, EasyInputMessage, InputItem, InputParam,
    Role as ResponsesRole,
};
use coresdk::config::MessageFormat;
use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, FinishReason, GenAiSettings, GenAiSpan, Message,
    Operation, Provider, Role, Usage,
};
use coresdk_instrument_openai::TracedClient;
use coresdk_tests::counted::counted;
use coresdk_tests::openai_server::{
    Canned, OpenAiServer, synthetic_chat_stream, synthetic_responses_stream,
};
use futures_util::StreamExt as _;

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

        conversation_id: None,
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

fn request() -> CreateChatCompletionRequest {
    CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![
            ChatCompletionRequestSystemMessage::from("You are a geography tutor.").into(),
            ChatCompletionRequestUserMessage::from("What is the capital of Mexico?").into(),
        ])
        .temperature(0.7)
        .max_completion_tokens(256_u32)
        .build()
        .unwrap()
}

fn stream_request() -> CreateChatCompletionRequest {
    let mut r = request();
    r.stream_options = Some(ChatCompletionStreamOptions {
        include_usage: Some(true),
        include_obfuscation: None,
    });
    r
}

fn client(server: &OpenAiServer) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(server.base_url())
            .with_api_key("sk-bench"),
    )
}

async fn chat_raw(raw: &Client<OpenAIConfig>) {
    black_box(raw.chat().create(request()).await.unwrap());
}

async fn chat_traced(traced: &TracedClient<OpenAIConfig>) {
    black_box(traced.chat().create(request()).await.unwrap());
}

async fn stream_raw(raw: &Client<OpenAIConfig>) {
    let mut s = raw.chat().create_stream(stream_request()).await.unwrap();
    while let Some(chunk) = s.next().await {
        black_box(chunk.unwrap());
    }
}

async fn stream_traced(traced: &TracedClient<OpenAIConfig>) {
    let mut s = traced.chat().create_stream(stream_request()).await.unwrap();
    while let Some(chunk) = s.next().await {
        black_box(chunk.unwrap());
    }
}

fn responses_request() -> CreateResponse {
    CreateResponseArgs::default()
        .model("gpt-4o")
        .instructions("You are a geography tutor.")
        .input(InputParam::Items(vec![InputItem::EasyMessage(
            EasyInputMessage {
                role: ResponsesRole::User,
                content: EasyInputContent::Text("What is the capital of France?".into()),
                ..EasyInputMessage::default()
            },
        )]))
        .temperature(0.7)
        .max_output_tokens(256_u32)
        .build()
        .unwrap()
}

async fn responses_raw(raw: &Client<OpenAIConfig>) {
    black_box(raw.responses().create(responses_request()).await.unwrap());
}

async fn responses_traced(traced: &TracedClient<OpenAIConfig>) {
    black_box(
        traced
            .responses()
            .create(responses_request())
            .await
            .unwrap(),
    );
}

async fn rstream_raw(raw: &Client<OpenAIConfig>) {
    let mut s = raw
        .responses()
        .create_stream(responses_request())
        .await
        .unwrap();
    while let Some(event) = s.next().await {
        black_box(event.unwrap());
    }
}

async fn rstream_traced(traced: &TracedClient<OpenAIConfig>) {
    let mut s = traced
        .responses()
        .create_stream(responses_request())
        .await
        .unwrap();
    while let Some(event) = s.next().await {
        black_box(event.unwrap());
    }
}

/// Runs `CORESDK_BENCH` (a network mode) `iters` times after a warm-up.
fn network(mode: &str, iters: u64, settings: &GenAiSettings) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = OpenAiServer::start().unwrap();
    server.set_record_requests(false);
    if mode.starts_with("stream") {
        server.set_default(Canned::sse(&synthetic_chat_stream(500)));
    } else if mode.starts_with("rstream") {
        server.set_default(Canned::sse(&synthetic_responses_stream(500)));
    }
    let raw = client(&server);
    let traced = coresdk_instrument_openai::instrument(raw.clone()).with_settings(settings.clone());
    let mut call: Box<dyn FnMut()> = match mode {
        "chat_raw" => Box::new(|| rt.block_on(chat_raw(&raw))),
        "chat_traced" => Box::new(|| rt.block_on(chat_traced(&traced))),
        "stream_raw" => Box::new(|| rt.block_on(stream_raw(&raw))),
        "stream_traced" => Box::new(|| rt.block_on(stream_traced(&traced))),
        "responses_raw" => Box::new(|| rt.block_on(responses_raw(&raw))),
        "responses_traced" => Box::new(|| rt.block_on(responses_traced(&traced))),
        "rstream_raw" => Box::new(|| rt.block_on(rstream_raw(&raw))),
        "rstream_traced" => Box::new(|| rt.block_on(rstream_traced(&traced))),
        other => panic!("unknown CORESDK_BENCH {other:?}"),
    };
    counted(mode, iters, 3, &mut call);
}

fn main() {
    let iters = std::env::var("CORESDK_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_u64);
    let guard = coresdk::testing::install_discarding_pipeline().unwrap();
    let settings = Arc::new(
        GenAiSettings::builder()
            .with_capture_content(true)
            .with_message_format(MessageFormat::Indexed)
            .build(),
    );
    let mode = std::env::var("CORESDK_BENCH").unwrap_or_else(|_| "chat_record".to_owned());
    if mode != "chat_record" {
        network(&mode, iters, &settings);
        let _ = guard.shutdown();
        return;
    }
    let (request, response) = neutral();
    counted("chat_record", iters, 10, &mut || {
        chat_record(&settings, &request, &response);
    });
    let _ = guard.shutdown();
}

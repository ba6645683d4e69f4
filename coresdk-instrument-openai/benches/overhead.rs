//! Overhead of `TracedClient` over the raw `async_openai::Client`, against the
//! same local OpenAI-compatible server, with the full CoreSDK pipeline
//! (handoff → masking → diagnostic → discarding exporter) installed.
//!
//! - `chat_create/{raw,traced,traced_capture}`: one non-streaming call.
//! - `chat_stream_500/{raw,traced}`: a 500-chunk stream read to the end;
//!   (traced − raw) / 500 is the per-chunk cost.
//! - paired runs (interleaved calls, medians printed) of both, which load
//!   from other processes distorts far less than the sequential groups;
//! - `genai_span/chat_record`: the instrumentation alone (span + request +
//!   response attributes), no network;
//! - `responses_create/{raw,traced}` and `responses_stream_500/{raw,traced}`:
//!   the same for the Responses API (a 500-delta event stream), with paired
//!   runs.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;

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
use coresdk_tests::openai_server::{
    Canned, OpenAiServer, synthetic_chat_stream, synthetic_responses_stream,
};
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::StreamExt as _;

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

fn settings(capture: bool) -> GenAiSettings {
    GenAiSettings::builder()
        .with_capture_content(capture)
        .with_message_format(MessageFormat::Indexed)
        .build()
}

fn benches(c: &mut Criterion) {
    let guard = coresdk::testing::install_discarding_pipeline().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    let server = OpenAiServer::start().unwrap();
    server.set_record_requests(false);
    let raw = client(&server);
    let traced = coresdk_instrument_openai::instrument(raw.clone()).with_settings(settings(false));
    let traced_capture =
        coresdk_instrument_openai::instrument(raw.clone()).with_settings(settings(true));

    let mut g = c.benchmark_group("chat_create");
    g.bench_function("raw", |b| {
        b.iter(|| rt.block_on(async { black_box(raw.chat().create(request()).await.unwrap()) }));
    });
    g.bench_function("traced", |b| {
        b.iter(|| rt.block_on(async { black_box(traced.chat().create(request()).await.unwrap()) }));
    });
    g.bench_function("traced_capture", |b| {
        b.iter(|| {
            rt.block_on(async { black_box(traced_capture.chat().create(request()).await.unwrap()) })
        });
    });
    g.finish();

    // Paired run: raw, traced and traced_capture calls interleaved, so load
    // from other processes hits all alike; prints the medians.
    let mut times: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    rt.block_on(async {
        for i in 0..6000 {
            let which = i % 3;
            let start = std::time::Instant::now();
            let out = match which {
                0 => raw.chat().create(request()).await.unwrap(),
                1 => traced.chat().create(request()).await.unwrap(),
                _ => traced_capture.chat().create(request()).await.unwrap(),
            };
            times[which].push(start.elapsed().as_secs_f64() * 1e6);
            black_box(out);
        }
    });
    let [raw_t, traced_t, capture_t] = &mut times;
    let (raw_m, traced_m, capture_m) = (median(raw_t), median(traced_t), median(capture_t));
    eprintln!(
        "chat_create paired medians (2000 calls each): raw {raw_m:.1} µs, traced {traced_m:.1} µs (+{:.1}), traced_capture {capture_m:.1} µs (+{:.1})",
        traced_m - raw_m,
        capture_m - raw_m
    );

    let stream_server = OpenAiServer::start().unwrap();
    stream_server.set_record_requests(false);
    stream_server.set_default(Canned::sse(&synthetic_chat_stream(500)));
    let raw_s = client(&stream_server);
    let traced_s =
        coresdk_instrument_openai::instrument(raw_s.clone()).with_settings(settings(true));
    let mut g = c.benchmark_group("chat_stream_500");
    g.bench_function("raw", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut s = raw_s.chat().create_stream(stream_request()).await.unwrap();
                let mut n = 0;
                while let Some(chunk) = s.next().await {
                    black_box(chunk.unwrap());
                    n += 1;
                }
                assert_eq!(n, 503);
            });
        });
    });
    g.bench_function("traced", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut s = traced_s
                    .chat()
                    .create_stream(stream_request())
                    .await
                    .unwrap();
                let mut n = 0;
                while let Some(chunk) = s.next().await {
                    black_box(chunk.unwrap());
                    n += 1;
                }
                assert_eq!(n, 503);
            });
        });
    });
    g.finish();

    // Paired 500-chunk streams, interleaved: (traced − raw) / 500 per chunk.
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    rt.block_on(async {
        for i in 0..200 {
            let which = i % 2;
            let start = std::time::Instant::now();
            let mut n = 0;
            if which == 0 {
                let mut s = raw_s.chat().create_stream(stream_request()).await.unwrap();
                while let Some(chunk) = s.next().await {
                    black_box(chunk.unwrap());
                    n += 1;
                }
            } else {
                let mut s = traced_s
                    .chat()
                    .create_stream(stream_request())
                    .await
                    .unwrap();
                while let Some(chunk) = s.next().await {
                    black_box(chunk.unwrap());
                    n += 1;
                }
            }
            assert_eq!(n, 503);
            times[which].push(start.elapsed().as_secs_f64() * 1e6);
        }
    });
    let [raw_t, traced_t] = &mut times;
    let (raw_m, traced_m) = (median(raw_t), median(traced_t));
    eprintln!(
        "chat_stream_500 paired medians (100 streams each): raw {raw_m:.1} µs, traced {traced_m:.1} µs ({:.0} ns per chunk)",
        (traced_m - raw_m) * 1000.0 / 500.0
    );

    let neutral_request = ChatRequest {
        model: "gpt-4o".into(),
        messages: vec![
            Message::text(Role::System, "You are a geography tutor."),
            Message::text(Role::User, "What is the capital of Mexico?"),
        ],
        temperature: Some(0.7),
        max_tokens: Some(256),
        ..ChatRequest::default()
    };
    let neutral_response = ChatResponse {
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
    let captured = std::sync::Arc::new(settings(true));
    let mut g = c.benchmark_group("genai_span");
    g.bench_function("chat_record", |b| {
        b.iter(|| {
            let mut span = GenAiSpan::start_with_settings(
                Provider::OPENAI,
                Operation::Chat,
                "gpt-4o",
                captured.clone(),
            );
            span.set_server("127.0.0.1", Some(8080));
            span.record_chat_request(black_box(&neutral_request));
            span.record_chat_response(black_box(&neutral_response));
            span.end();
        });
    });
    g.finish();

    responses(c, &rt);

    drop(server);
    drop(stream_server);
    let _ = guard.shutdown();
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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The Responses API: one call, and a 500-delta event stream (under the
/// pipeline `benches` installed).
fn responses(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let server = OpenAiServer::start().unwrap();
    server.set_record_requests(false);
    let raw = client(&server);
    let traced = coresdk_instrument_openai::instrument(raw.clone()).with_settings(settings(false));
    let traced_capture =
        coresdk_instrument_openai::instrument(raw.clone()).with_settings(settings(true));

    let mut g = c.benchmark_group("responses_create");
    g.bench_function("raw", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(raw.responses().create(responses_request()).await.unwrap())
            })
        });
    });
    g.bench_function("traced", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(
                    traced
                        .responses()
                        .create(responses_request())
                        .await
                        .unwrap(),
                )
            })
        });
    });
    g.finish();

    // Paired: raw, traced and traced_capture calls interleaved.
    let mut times: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    rt.block_on(async {
        for i in 0..6000 {
            let which = i % 3;
            let start = std::time::Instant::now();
            let out = match which {
                0 => raw.responses().create(responses_request()).await.unwrap(),
                1 => traced
                    .responses()
                    .create(responses_request())
                    .await
                    .unwrap(),
                _ => traced_capture
                    .responses()
                    .create(responses_request())
                    .await
                    .unwrap(),
            };
            times[which].push(start.elapsed().as_secs_f64() * 1e6);
            black_box(out);
        }
    });
    let [raw_t, traced_t, capture_t] = &mut times;
    let (raw_m, traced_m, capture_m) = (median(raw_t), median(traced_t), median(capture_t));
    eprintln!(
        "responses_create paired medians (2000 calls each): raw {raw_m:.1} µs, traced {traced_m:.1} µs (+{:.1}), traced_capture {capture_m:.1} µs (+{:.1})",
        traced_m - raw_m,
        capture_m - raw_m
    );

    let stream_server = OpenAiServer::start().unwrap();
    stream_server.set_record_requests(false);
    stream_server.set_default(Canned::sse(&synthetic_responses_stream(500)));
    let raw_s = client(&stream_server);
    let traced_s =
        coresdk_instrument_openai::instrument(raw_s.clone()).with_settings(settings(true));
    let read = |traced: bool| {
        let (raw_s, traced_s) = (&raw_s, &traced_s);
        async move {
            let mut n = 0;
            if traced {
                let mut s = traced_s
                    .responses()
                    .create_stream(responses_request())
                    .await
                    .unwrap();
                while let Some(event) = s.next().await {
                    black_box(event.unwrap());
                    n += 1;
                }
            } else {
                let mut s = raw_s
                    .responses()
                    .create_stream(responses_request())
                    .await
                    .unwrap();
                while let Some(event) = s.next().await {
                    black_box(event.unwrap());
                    n += 1;
                }
            }
            assert_eq!(n, 503);
        }
    };
    let mut g = c.benchmark_group("responses_stream_500");
    g.bench_function("raw", |b| b.iter(|| rt.block_on(read(false))));
    g.bench_function("traced", |b| b.iter(|| rt.block_on(read(true))));
    g.finish();

    // Paired 500-delta streams: (traced − raw) / 503 per event.
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    rt.block_on(async {
        for i in 0..200 {
            let which = i % 2;
            let start = std::time::Instant::now();
            read(which == 1).await;
            times[which].push(start.elapsed().as_secs_f64() * 1e6);
        }
    });
    let [raw_t, traced_t] = &mut times;
    let (raw_m, traced_m) = (median(raw_t), median(traced_t));
    eprintln!(
        "responses_stream_500 paired medians (100 streams each): raw {raw_m:.1} µs, traced {traced_m:.1} µs ({:.0} ns per event)",
        (traced_m - raw_m) * 1000.0 / 503.0
    );

    drop(server);
    drop(stream_server);
}

criterion_group!(overhead, benches);
criterion_main!(overhead);

//! The other endpoints through `TracedClient` against the local server:
//! a legacy completion (a GenAI `text_completion` span), an image
//! generation, a moderation, file upload and deletion, and a call through
//! `TracedClient::call`, each a client span with its exact attribute map.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::types::InputSource;
use async_openai::types::chat::Prompt;
use async_openai::types::completions::CreateCompletionRequestArgs;
use async_openai::types::files::{CreateFileRequest, FilePurpose};
use async_openai::types::images::{CreateImageRequestArgs, ImageModel};
use async_openai::types::moderations::{CreateModerationRequestArgs, ModerationInput};
use coresdk::config::MessageFormat;
use coresdk_tests::openai_server::Canned;
use opentelemetry::trace::{SpanKind, Status};

const PLAIN: &str = r#"
    gen_ai.provider.name = openai
    gen_ai.system = openai
    server.address = 127.0.0.1
    server.port = PORT
    llm.latency_ms = *
"#;

fn want(parts: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut all = String::from(PLAIN);
    for p in parts {
        all.push_str(p);
    }
    expected(&all)
}

#[tokio::test]
async fn legacy_completion_is_a_text_completion_span() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = CreateCompletionRequestArgs::default()
        .model("babbage-002")
        .prompt(Prompt::String("def fib(n):".into()))
        .max_tokens(25_u32)
        .temperature(0.4)
        .top_p(0.9)
        .build()
        .unwrap();
    let response = client.completions().create(request).await.unwrap();
    assert_eq!(response.choices.len(), 1);
    assert_eq!(h.server.requests()[0].path, "/v1/completions");
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "text_completion babbage-002");
    assert_eq!(s.span_kind, SpanKind::Client);
    let mut map = attribute_map(s, port);
    // Multi-line text: compared apart from the `key = value` lines.
    assert_eq!(
        map.remove("gen_ai.completion.0.content").as_deref(),
        Some(" + fib(n-3) + fib(n-4)\n\ndef fib(n):\n    if n <= 1:\n        return")
    );
    assert_attributes(
        &map,
        &want(&[r#"
            gen_ai.operation.name = text_completion
            gen_ai.request.model = babbage-002
            gen_ai.request.max_tokens = 25
            gen_ai.request.temperature = 0.4
            gen_ai.request.top_p = 0.9
            gen_ai.request.stream = false
            gen_ai.prompt.0.role = user
            gen_ai.prompt.0.content = def fib(n):
            gen_ai.response.id = cmpl-CKz4klHa1MMqAa4hQn3yzIMlLMZHd
            gen_ai.response.model = babbage:2023-07-21-v2
            gen_ai.response.finish_reasons = ["length"]
            llm.truncated = true
            gen_ai.usage.input_tokens = 31
            gen_ai.usage.output_tokens = 25
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.finish_reason = length
            "#]),
    );
}

#[tokio::test]
async fn image_generation_and_moderation_spans() {
    let h = Harness::new();
    h.server.push(Canned::json(
        200,
        coresdk_tests::openai_server::fixtures::IMAGES_GENERATE,
    ));
    h.server.push(Canned::json(
        200,
        r#"{"id":"modr-1","model":"omni-moderation-2024-09-26","results":[]}"#,
    ));
    let client = h.client(settings(true, MessageFormat::Indexed));
    let image = CreateImageRequestArgs::default()
        .model(ImageModel::Other("gpt-image-1-mini".into()))
        .prompt("A simple black-and-white line drawing of a cat playing with yarn")
        .build()
        .unwrap();
    let images = client.images().generate(image).await.unwrap();
    assert_eq!(images.data.len(), 1);
    let moderation = CreateModerationRequestArgs::default()
        .model("omni-moderation-latest")
        .input(ModerationInput::String("hello".into()))
        .build()
        .unwrap();
    client.moderations().create(moderation).await.unwrap();
    let sent = h.server.requests();
    assert_eq!(sent[0].path, "/v1/images/generations");
    assert_eq!(sent[1].path, "/v1/moderations");
    let port = h.port();
    let spans = h.finish();
    assert_attributes(
        &attribute_map(span(&spans, "images.generate gpt-image-1-mini"), port),
        &want(&[r#"
            gen_ai.operation.name = images.generate
            gen_ai.request.model = gpt-image-1-mini
            "#]),
    );
    assert_attributes(
        &attribute_map(
            span(&spans, "moderations.create omni-moderation-latest"),
            port,
        ),
        &want(&[r#"
            gen_ai.operation.name = moderations.create
            gen_ai.request.model = omni-moderation-latest
            gen_ai.response.model = omni-moderation-2024-09-26
            "#]),
    );
}

#[tokio::test]
async fn file_upload_and_deletion_are_plain_client_spans() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let upload = CreateFileRequest {
        file: async_openai::types::files::FileInput {
            source: InputSource::VecU8 {
                filename: "notes.txt".into(),
                vec: b"Paris is the capital of France.".to_vec(),
            },
        },
        purpose: FilePurpose::Assistants,
        expires_after: None,
    };
    let file = client.files().create(upload).await.unwrap();
    assert_eq!(file.id, "file-9RhPAs9YqVajpGXRfcgavJ");
    let deleted = client.files().delete(&file.id).await.unwrap();
    assert!(deleted.deleted);
    let sent = h.server.requests();
    assert_eq!(sent[0].path, "/v1/files");
    assert_eq!(sent[1].method, "DELETE");
    let port = h.port();
    let spans = h.finish();
    for name in ["files.create", "files.delete"] {
        let s = span(&spans, name);
        assert_eq!(s.span_kind, SpanKind::Client);
        assert_eq!(s.status, Status::Unset);
        assert_attributes(
            &attribute_map(s, port),
            &want(&[&format!("gen_ai.operation.name = {name}\n")]),
        );
    }
}

#[tokio::test]
async fn any_other_call_through_call_and_its_failure() {
    let h = Harness::new();
    h.server.push(Canned::error_400());
    let client = h.client(settings(true, MessageFormat::Indexed));
    let error = client
        .call("files.retrieve", None, |c| async move {
            c.files().retrieve("file-missing").await
        })
        .await;
    assert!(error.is_err());
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "files.retrieve");
    assert!(matches!(s.status, Status::Error { .. }), "{:?}", s.status);
    let map = attribute_map(s, port);
    assert_eq!(map["gen_ai.operation.name"], "files.retrieve");
    assert_eq!(map["http.response.status_code"], "400");
    assert_eq!(map["error.type"], "unsupported_parameter");
}

//! Embeddings calls: exact attribute map of the `embeddings {model}` span.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, assert_attributes, attribute_map, expected, settings, span};
use async_openai::types::embeddings::{CreateEmbeddingRequestArgs, EncodingFormat};
use coresdk::config::MessageFormat;
use opentelemetry::trace::SpanKind;

#[tokio::test]
async fn embeddings_span() {
    let h = Harness::new();
    let client = h.client(settings(true, MessageFormat::Indexed));
    let request = CreateEmbeddingRequestArgs::default()
        .model("text-embedding-3-small")
        .input(["The food was delicious", "The waiter was kind"])
        .dimensions(8_u32)
        .encoding_format(EncodingFormat::Float)
        .user("user-1234")
        .build()
        .unwrap();
    let response = client.embeddings().create(request).await.unwrap();
    assert_eq!(response.data[0].embedding.len(), 8);
    assert_eq!(h.server.requests()[0].path, "/v1/embeddings");
    let port = h.port();
    let spans = h.finish();
    let s = span(&spans, "embeddings text-embedding-3-small");
    assert_eq!(s.span_kind, SpanKind::Client);
    assert_attributes(
        &attribute_map(s, port),
        &expected(
            r#"
            gen_ai.operation.name = embeddings
            gen_ai.provider.name = openai
            gen_ai.system = openai
            gen_ai.request.model = text-embedding-3-small
            server.address = 127.0.0.1
            server.port = PORT
            gen_ai.embeddings.input.count = 2
            gen_ai.embeddings.dimension.count = 8
            gen_ai.request.encoding_formats = ["float"]
            gen_ai.request.user = user-1234
            gen_ai.response.model = text-embedding-3-small
            gen_ai.usage.input_tokens = 7
            llm.cost_usd = 0.00000014
            llm.latency_ms = *
            "#,
        ),
    );
}
